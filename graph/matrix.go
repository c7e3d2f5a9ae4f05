package graph

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/netviz/netviz/graph/policy"
)

// MatrixRequest asks for reachability between every ordered pair of
// distinct peers.
type MatrixRequest struct {
	// Port is a number, a port name (resolved on each destination), or ""
	// for every port: then the matrix lists connections instead.
	Port     string
	Protocol policy.Protocol
	// Namespace keeps only peers of that namespace ("" for all).
	Namespace string
}

// Matrix is the answer to a MatrixRequest. It holds one result per pair of
// classes, not per pair of peers, and expands pairs only while writing.
type Matrix struct {
	g       *Graph
	req     MatrixRequest
	port    int
	peers   []int
	classes []int // distinct classes of peers, index into table
	slot    map[int]int
	table   []int32 // len(classes)^2, index into results
	results []policy.Result
}

// Matrix decides every pair the request covers.
func (g *Graph) Matrix(req MatrixRequest) (*Matrix, error) {
	mx := &Matrix{g: g, req: req, slot: map[int]int{}}
	if req.Port != "" {
		if n, err := strconv.Atoi(req.Port); err == nil {
			if n < policy.MinPort || n > policy.MaxPort {
				return nil, inputErr("port %d is out of range 1-65535", n)
			}
			mx.port = n
		}
	}
	for i := range g.Model.Peers {
		if req.Namespace == "" || g.Model.Peers[i].Namespace == req.Namespace {
			mx.peers = append(mx.peers, i)
		}
	}
	if req.Namespace != "" && len(mx.peers) == 0 {
		return nil, inputErr("no pods or workloads in namespace %s", req.Namespace)
	}
	sort.Slice(mx.peers, func(i, j int) bool { return g.Model.Peers[mx.peers[i]].ID() < g.Model.Peers[mx.peers[j]].ID() })
	for _, p := range mx.peers {
		c := g.Model.ClassOf(p)
		if _, ok := mx.slot[c]; !ok {
			mx.slot[c] = len(mx.classes)
			mx.classes = append(mx.classes, c)
		}
	}
	mx.decide()
	return mx, nil
}

// decide fills the class-pair table, deduplicating equal results: a
// cluster has few distinct port sets, so the table stays one int32 per
// class pair.
func (mx *Matrix) decide() {
	n := len(mx.classes)
	mx.table = make([]int32, n*n)
	var mu sync.Mutex
	index := map[uint64][]int32{}
	intern := func(r policy.Result, h uint64) int32 {
		mu.Lock()
		defer mu.Unlock()
		for _, id := range index[h] {
			if mx.results[id].Allowed.Equal(r.Allowed) && mx.results[id].Unknown.Equal(r.Unknown) {
				return id
			}
		}
		id := int32(len(mx.results))
		mx.results = append(mx.results, r)
		index[h] = append(index[h], id)
		return id
	}
	// Deciding a source against every class at once pays when the matrix
	// covers most classes.
	bulk := 2*n >= mx.g.Model.Classes()
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < max(1, runtime.GOMAXPROCS(0)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			type seen struct {
				r  policy.Result
				id int32
			}
			local := map[uint64][]seen{}
			var all []policy.Result
			if bulk {
				all = make([]policy.Result, mx.g.Model.Classes())
			}
			for s := range jobs {
				if bulk {
					mx.g.Model.ReachFrom(mx.classes[s], all)
				}
				for d := 0; d < n; d++ {
					var r policy.Result
					if bulk {
						r = all[mx.classes[d]]
					} else {
						r = mx.g.Model.ClassReach(mx.classes[s], mx.classes[d])
					}
					h := resultHash(r)
					id := int32(-1)
					for _, c := range local[h] {
						if c.r.Allowed.Equal(r.Allowed) && c.r.Unknown.Equal(r.Unknown) {
							id = c.id
							break
						}
					}
					if id < 0 {
						id = intern(r, h)
						local[h] = append(local[h], seen{r, id})
					}
					mx.table[s*n+d] = id
				}
			}
		}()
	}
	for s := 0; s < n; s++ {
		jobs <- s
	}
	close(jobs)
	wg.Wait()
}

// resultHash is an FNV-1a hash of a result's ranges.
func resultHash(r policy.Result) uint64 {
	h := uint64(14695981039346656037)
	mix := func(v uint64) {
		h ^= v
		h *= 1099511628211
	}
	for _, ports := range [2]policy.Ports{r.Allowed, r.Unknown} {
		for _, rs := range ports {
			mix(uint64(len(rs)))
			for _, rg := range rs {
				mix(uint64(rg.Lo)<<16 | uint64(rg.Hi))
			}
		}
	}
	return h
}

// Result returns the decision for peers s → d (indexes of Graph.Model.Peers).
func (mx *Matrix) Result(s, d int) policy.Result {
	cs, cd := mx.slot[mx.g.Model.ClassOf(s)], mx.slot[mx.g.Model.ClassOf(d)]
	return mx.results[mx.table[cs*len(mx.classes)+cd]]
}

// Verdict returns the answer for s → d on the requested port.
func (mx *Matrix) Verdict(s, d int) policy.Verdict {
	port := mx.port
	if port == 0 && mx.req.Port != "" {
		// A named port resolves on each destination.
		port = 0
		for _, p := range mx.g.Model.Peers[d].Ports {
			if p.Name == mx.req.Port && p.Protocol == mx.req.Protocol {
				port = p.Port
				break
			}
		}
		if port == 0 {
			return policy.Denied
		}
	}
	return mx.Result(s, d).Verdict(mx.req.Protocol, port)
}

// Peers returns the peers the matrix covers, sorted by ID.
func (mx *Matrix) Peers() []int { return mx.peers }

// PeerName returns "ns/name" of peer i.
func (mx *Matrix) PeerName(i int) string { return mx.g.Model.Peers[i].ID() }

// Classes returns how many peer classes the matrix decided between.
func (mx *Matrix) Classes() int { return len(mx.classes) }

// WriteJSON writes the port matrix, or the connection list when no port
// was asked. It streams: output grows with the pairs, memory does not.
func (mx *Matrix) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	if mx.req.Port != "" {
		fmt.Fprintf(bw, "{\"protocol\":%q,\"port\":%q,\"pairs\":[", mx.req.Protocol.String(), mx.req.Port)
	} else {
		bw.WriteString("{\"pairs\":[")
	}
	first := true
	sep := func() {
		if !first {
			bw.WriteByte(',')
		}
		first = false
	}
	for _, s := range mx.peers {
		from := jsonString(mx.PeerName(s))
		for _, d := range mx.peers {
			if s == d {
				continue
			}
			if mx.req.Port != "" {
				v := mx.Verdict(s, d)
				sep()
				fmt.Fprintf(bw, "{\"from\":%s,\"to\":%s,\"allowed\":%t", from, jsonString(mx.PeerName(d)), v == policy.Allowed)
				if v == policy.Unknown {
					bw.WriteString(",\"unknown\":true")
				}
				bw.WriteByte('}')
				continue
			}
			r := mx.Result(s, d)
			if r.Allowed.Empty() && r.Unknown.Empty() {
				continue
			}
			sep()
			fmt.Fprintf(bw, "{\"from\":%s,\"to\":%s,\"ports\":%s", from, jsonString(mx.PeerName(d)), portsJSON(r.Allowed))
			if !r.Unknown.Empty() {
				fmt.Fprintf(bw, ",\"unknown\":%s", portsJSON(r.Unknown))
			}
			bw.WriteByte('}')
		}
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func portsJSON(p policy.Ports) string {
	return fmt.Sprintf("{\"TCP\":%q,\"UDP\":%q,\"SCTP\":%q}", p[policy.TCP].String(), p[policy.UDP].String(), p[policy.SCTP].String())
}

// verdictMark is the truth-table mark of the upstream e2e tables.
func verdictMark(v policy.Verdict) string {
	switch v {
	case policy.Allowed:
		return "."
	case policy.Unknown:
		return "?"
	}
	return "X"
}

// WriteText writes a truth table (with a port) or the connection list.
func (mx *Matrix) WriteText(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	if mx.req.Port == "" {
		for _, s := range mx.peers {
			for _, d := range mx.peers {
				if s == d {
					continue
				}
				r := mx.Result(s, d)
				if r.Allowed.Empty() && r.Unknown.Empty() {
					continue
				}
				fmt.Fprintf(bw, "%s → %s  %s", mx.PeerName(s), mx.PeerName(d), r.Allowed)
				if !r.Unknown.Empty() {
					fmt.Fprintf(bw, "  (unknown: %s)", r.Unknown)
				}
				bw.WriteByte('\n')
			}
		}
		return bw.Flush()
	}
	fmt.Fprintf(bw, "reachability on port %s/%s (rows: from, columns: to; . allowed, X denied, ? unknown)\n", mx.req.Port, mx.req.Protocol)
	width := 1
	for _, p := range mx.peers {
		width = max(width, len(mx.PeerName(p)))
	}
	pad := func(s string) string { return s + strings.Repeat(" ", width-len(s)+1) }
	bw.WriteString(pad("-"))
	for _, d := range mx.peers {
		bw.WriteString(pad(mx.PeerName(d)))
	}
	bw.WriteByte('\n')
	for _, s := range mx.peers {
		bw.WriteString(pad(mx.PeerName(s)))
		for _, d := range mx.peers {
			mark := "-"
			if s != d {
				mark = verdictMark(mx.Verdict(s, d))
			}
			bw.WriteString(pad(mark))
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// WriteCSV writes one row per pair: from,to,verdict with a port; from,to
// and the allowed ports per protocol without.
func (mx *Matrix) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if mx.req.Port != "" {
		cw.Write([]string{"from", "to", "protocol", "port", "verdict"})
	} else {
		cw.Write([]string{"from", "to", "TCP", "UDP", "SCTP", "unknown"})
	}
	for _, s := range mx.peers {
		for _, d := range mx.peers {
			if s == d {
				continue
			}
			if mx.req.Port != "" {
				cw.Write([]string{mx.PeerName(s), mx.PeerName(d), mx.req.Protocol.String(), mx.req.Port, mx.Verdict(s, d).String()})
				continue
			}
			r := mx.Result(s, d)
			if r.Allowed.Empty() && r.Unknown.Empty() {
				continue
			}
			unknown := ""
			if !r.Unknown.Empty() {
				unknown = r.Unknown.String()
			}
			cw.Write([]string{mx.PeerName(s), mx.PeerName(d), r.Allowed[policy.TCP].String(), r.Allowed[policy.UDP].String(), r.Allowed[policy.SCTP].String(), unknown})
		}
	}
	cw.Flush()
	return cw.Error()
}

// NamespacePair aggregates the pod pairs between two namespaces.
type NamespacePair struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Pairs counts ordered pairs of distinct peers.
	Pairs int `json:"pairs"`
	// Allowed counts pairs allowed on the port (or on any port).
	Allowed int `json:"allowed"`
	// Unknown counts pairs whose answer is unknown.
	Unknown int `json:"unknown"`
	// Ports is the union of the ports allowed between any of the pairs.
	Ports map[string]string `json:"ports"`
}

// ByNamespace aggregates the matrix to namespace × namespace. Every pod
// pair is still decided, per pair of classes.
func (mx *Matrix) ByNamespace() []NamespacePair {
	nsIndex := map[string]int{}
	var nss []string
	for _, p := range mx.peers {
		ns := mx.g.Model.Peers[p].Namespace
		if _, ok := nsIndex[ns]; !ok {
			nsIndex[ns] = len(nss)
			nss = append(nss, ns)
		}
	}
	// For each class, how many of its peers are in each namespace.
	type nsCount struct{ ns, n int }
	perClass := make([][]nsCount, len(mx.classes))
	counts := map[[2]int]int{}
	for _, p := range mx.peers {
		counts[[2]int{mx.slot[mx.g.Model.ClassOf(p)], nsIndex[mx.g.Model.Peers[p].Namespace]}]++
	}
	for k, n := range counts {
		perClass[k[0]] = append(perClass[k[0]], nsCount{k[1], n})
	}
	nn, nc := len(nss), len(mx.classes)
	pairs := make([]int, nn*nn)
	allowed := make([]int, nn*nn)
	unknown := make([]int, nn*nn)
	// The union of allowed ports between two namespaces; results repeat,
	// so a union happens only when the result changes.
	ports := make([]policy.Ports, nn*nn)
	lastID := make([]int32, nn*nn)
	for i := range lastID {
		lastID[i] = -1
	}
	named := mx.port == 0 && mx.req.Port != ""
	verdicts := make([]policy.Verdict, len(mx.results))
	for i, r := range mx.results {
		switch {
		case mx.req.Port == "" && !r.Allowed.Empty():
			verdicts[i] = policy.Allowed
		case mx.req.Port == "" && !r.Unknown.Empty():
			verdicts[i] = policy.Unknown
		case mx.req.Port == "" || named:
			verdicts[i] = policy.Denied
		default:
			verdicts[i] = r.Verdict(mx.req.Protocol, mx.port)
		}
	}
	for a := 0; a < nc; a++ {
		for b := 0; b < nc; b++ {
			id := mx.table[a*nc+b]
			v := verdicts[id]
			for _, ca := range perClass[a] {
				for _, cb := range perClass[b] {
					n := ca.n * cb.n
					if a == b && ca.ns == cb.ns {
						n -= ca.n // no pod is paired with itself
					}
					if n == 0 {
						continue
					}
					k := ca.ns*nn + cb.ns
					pairs[k] += n
					if lastID[k] != id {
						lastID[k] = id
						ports[k] = ports[k].Union(mx.results[id].Allowed)
					}
					if named {
						continue // named ports resolve per destination: counted below
					}
					switch v {
					case policy.Allowed:
						allowed[k] += n
					case policy.Unknown:
						unknown[k] += n
					}
				}
			}
		}
	}
	if named {
		for _, s := range mx.peers {
			for _, d := range mx.peers {
				if s == d {
					continue
				}
				k := nsIndex[mx.g.Model.Peers[s].Namespace]*nn + nsIndex[mx.g.Model.Peers[d].Namespace]
				switch mx.Verdict(s, d) {
				case policy.Allowed:
					allowed[k]++
				case policy.Unknown:
					unknown[k]++
				}
			}
		}
	}
	order := make([]int, nn)
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(i, j int) bool { return nss[order[i]] < nss[order[j]] })
	var out []NamespacePair
	for _, a := range order {
		for _, b := range order {
			k := a*nn + b
			if pairs[k] == 0 {
				continue
			}
			out = append(out, NamespacePair{From: nss[a], To: nss[b], Pairs: pairs[k], Allowed: allowed[k], Unknown: unknown[k], Ports: ports[k].Map()})
		}
	}
	return out
}

// WriteNamespaceJSON writes the namespace aggregation as JSON.
func (mx *Matrix) WriteNamespaceJSON(w io.Writer) error {
	doc := struct {
		Protocol   string          `json:"protocol,omitempty"`
		Port       string          `json:"port,omitempty"`
		Namespaces []NamespacePair `json:"namespaces"`
	}{Namespaces: mx.ByNamespace()}
	if mx.req.Port != "" {
		doc.Protocol, doc.Port = mx.req.Protocol.String(), mx.req.Port
	}
	enc := json.NewEncoder(w)
	return enc.Encode(doc)
}

// WriteNamespaceText writes the namespace aggregation as a table of
// "allowed/pairs".
func (mx *Matrix) WriteNamespaceText(w io.Writer) error {
	pairs := mx.ByNamespace()
	var nss []string
	seen := map[string]bool{}
	cell := map[[2]string]NamespacePair{}
	for _, p := range pairs {
		if !seen[p.From] {
			seen[p.From] = true
			nss = append(nss, p.From)
		}
		cell[[2]string{p.From, p.To}] = p
	}
	sort.Strings(nss)
	what := "any port"
	if mx.req.Port != "" {
		what = "port " + mx.req.Port + "/" + mx.req.Protocol.String()
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "allowed pod pairs on %s, namespace × namespace (rows: from, columns: to; allowed/pairs, +N unknown)\n", what)
	width := 1
	cells := map[[2]string]string{}
	for _, a := range nss {
		width = max(width, len(a))
		for _, b := range nss {
			c, ok := cell[[2]string{a, b}]
			s := "-"
			if ok {
				s = fmt.Sprintf("%d/%d", c.Allowed, c.Pairs)
				if c.Unknown > 0 {
					s += fmt.Sprintf("+%d", c.Unknown)
				}
			}
			cells[[2]string{a, b}] = s
			width = max(width, len(s))
		}
	}
	pad := func(s string) string { return s + strings.Repeat(" ", width-len(s)+1) }
	bw.WriteString(pad("-"))
	for _, b := range nss {
		bw.WriteString(pad(b))
	}
	bw.WriteByte('\n')
	for _, a := range nss {
		bw.WriteString(pad(a))
		for _, b := range nss {
			bw.WriteString(pad(cells[[2]string{a, b}]))
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// WriteNamespaceCSV writes the namespace aggregation as CSV.
func (mx *Matrix) WriteNamespaceCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"from", "to", "pairs", "allowed", "unknown", "TCP", "UDP", "SCTP"})
	for _, p := range mx.ByNamespace() {
		cw.Write([]string{p.From, p.To, strconv.Itoa(p.Pairs), strconv.Itoa(p.Allowed), strconv.Itoa(p.Unknown), p.Ports["TCP"], p.Ports["UDP"], p.Ports["SCTP"]})
	}
	cw.Flush()
	return cw.Error()
}

// resultKey is a result as a string, for maps keyed by result.
func resultKey(r policy.Result) string {
	var b strings.Builder
	for _, p := range policy.Protocols {
		b.WriteString(r.Allowed[p].String())
		b.WriteByte('|')
	}
	for _, p := range policy.Protocols {
		b.WriteString(r.Unknown[p].String())
		b.WriteByte('|')
	}
	return b.String()
}
