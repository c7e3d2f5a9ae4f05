package graph

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/kube"
)

// DiffOp says how a connection changed between two snapshots.
type DiffOp string

// The ways a connection can change. A connection is a pair of peers with
// at least one port allowed or unknown.
const (
	// DiffAdded: nothing was allowed or unknown before, something is now.
	DiffAdded DiffOp = "added"
	// DiffRemoved: something was allowed or unknown before, nothing is now.
	DiffRemoved DiffOp = "removed"
	// DiffChanged: the allowed or unknown ports differ.
	DiffChanged DiffOp = "changed"
)

// DiffPorts is what a pair of peers may use on one side of a diff: the
// allowed ports and the ports whose answer is unknown, per protocol.
type DiffPorts struct {
	Allowed map[string]string `json:"allowed"`
	Unknown map[string]string `json:"unknown,omitempty"`
}

func diffPorts(r policy.Result) DiffPorts {
	p := DiffPorts{Allowed: r.Allowed.Map()}
	if !r.Unknown.Empty() {
		p.Unknown = r.Unknown.Map()
	}
	return p
}

// DiffEnd is one end of a group of changed connections: a workload (or a
// pod that belongs to none) and those of its peers the group covers.
type DiffEnd struct {
	Namespace string `json:"namespace"`
	// Name is the workload's name: from the pods' ownerReferences (a
	// ReplicaSet made by a Deployment counts as the Deployment), or from
	// their pod-template-hash or StatefulSet labels; a pod that belongs to
	// no workload is its own group.
	Name string `json:"name"`
	// Kind is the workload kind, or Pod for a pod of its own.
	Kind string `json:"kind"`
	// Peers are the names of the pods (or the workload peer) covered.
	Peers []string `json:"peers"`
}

// DiffGroup collapses the changed pairs between two workloads whose change
// is the same.
type DiffGroup struct {
	Op   DiffOp  `json:"op"`
	From DiffEnd `json:"from"`
	To   DiffEnd `json:"to"`
	// Pairs counts the ordered pairs of distinct peers with this change.
	Pairs  int       `json:"pairs"`
	Before DiffPorts `json:"before"`
	After  DiffPorts `json:"after"`

	before, after policy.Result
}

// BeforeResult is what the pairs could use before.
func (g *DiffGroup) BeforeResult() policy.Result { return g.before }

// AfterResult is what the pairs can use after.
func (g *DiffGroup) AfterResult() policy.Result { return g.after }

// DiffPair is one changed pair of peers. From and To are node keys
// (pod/NS/NAME or workload/NS/NAME).
type DiffPair struct {
	From, To string
	Op       DiffOp
	// Before and After are the results in the base and overlaid
	// snapshots; a peer missing from one of them has the empty result
	// there.
	Before, After policy.Result
}

// DiffResult is the difference in connectivity between a base snapshot
// and an overlaid one. Its JSON form is a contract that scripts rely on.
type DiffResult struct {
	// Overlay is what the overlay changed in the snapshot.
	Overlay []kube.Change `json:"overlay"`
	// Added, Removed and Changed count pairs of peers.
	Added   int `json:"added"`
	Removed int `json:"removed"`
	Changed int `json:"changed"`
	// Groups are sorted by namespaces, then workloads.
	Groups []DiffGroup `json:"connections"`

	namespace string
	jd        *jointDiff
}

// Empty reports whether no connection changed.
func (d *DiffResult) Empty() bool { return d.Added+d.Removed+d.Changed == 0 }

// jointDiff holds what Pair and EachPair need: the peers grouped by
// (base class, overlay class), which of those groups may have changed as
// a source (row) or as a destination (column), and the blocks of groups
// whose results differ.
type jointDiff struct {
	base, over *Graph
	joints     []joint
	byKey      map[string]int // node key -> joint
	row, col   []bool
	blocks     []diffBlock
	// results holds every differing result once; -1 stands for the empty
	// result (nothing allowed, nothing unknown, or a peer missing).
	results []policy.Result
	index   map[uint64][]int32
}

// joint is the set of peers with one base class and one overlay class
// (-1 where the peer is missing from that snapshot).
type joint struct {
	bc, oc  int
	members []jointMember
}

type jointMember struct {
	key       string // node key
	bp, op    int    // peer in base and overlay, -1 where missing
	group     int    // workload group
	namespace string
	name      string
}

type diffBlock struct {
	from, to int // joints
	rb, ro   int32
}

// Diff compares the connections of base and overlay, usually the same
// cluster without and with a what-if overlay.
//
// Peers are grouped by (base class, overlay class) — joint classes — and
// pairs of joint classes are decided in both models and compared, then
// expanded to peers only where the results differ. Only pairs that can
// have changed are decided at all: a pair's result depends on the
// policies that select its source for egress, those that select its
// destination for ingress, and both peers' own labels, addresses, ports
// and namespace labels. A pair whose source keeps its egress policies and
// whose destination keeps its ingress policies (the same objects), with
// neither peer changed, keeps its result. Policies are recognised as the
// same object by identity, as kube.Overlay.Apply shares every object it
// does not replace; snapshots read separately are compared in full. When
// cluster-wide input changes (AdminNetworkPolicies, the baseline, nodes,
// what could not be read), every pair is decided. Deciding costs at most
// two matrix computations, and for a change to a few policies a small
// part of one; the rest grows with the number of changed pairs.
func Diff(base, overlay *Graph) *DiffResult {
	jd := &jointDiff{base: base, over: overlay, byKey: map[string]int{}, index: map[uint64][]int32{}}
	groups := newWorkloadGroups(base, overlay)

	// Joint classes, over the union of the peers of both snapshots.
	jointID := map[[2]int]int{}
	add := func(key string, bp, op int, p *policy.Peer, n *Node) {
		bc, oc := -1, -1
		if bp >= 0 {
			bc = base.Model.ClassOf(bp)
		}
		if op >= 0 {
			oc = overlay.Model.ClassOf(op)
		}
		id, ok := jointID[[2]int{bc, oc}]
		if !ok {
			id = len(jd.joints)
			jointID[[2]int{bc, oc}] = id
			jd.joints = append(jd.joints, joint{bc: bc, oc: oc})
		}
		j := &jd.joints[id]
		jd.byKey[key] = id
		j.members = append(j.members, jointMember{key: key, bp: bp, op: op, group: groups.of(n), namespace: p.Namespace, name: p.Name})
	}
	for i := range overlay.Model.Peers {
		n := overlay.PeerNode(i)
		bp := -1
		if bn := base.Node(n.Key()); bn != nil {
			bp = bn.Peer
		}
		add(n.Key(), bp, i, &overlay.Model.Peers[i], n)
	}
	for i := range base.Model.Peers {
		n := base.PeerNode(i)
		if overlay.Node(n.Key()) == nil {
			add(n.Key(), i, -1, &base.Model.Peers[i], n)
		}
	}
	jd.markDirty()

	// Within a joint, members of one workload sit together in a bucket,
	// so a block expands per workload rather than per peer.
	type bucket struct {
		joint, group int
		members      []int
	}
	var buckets []bucket
	bucketsOf := make([][]int32, len(jd.joints))
	for ji := range jd.joints {
		j := &jd.joints[ji]
		sort.SliceStable(j.members, func(a, b int) bool { return j.members[a].group < j.members[b].group })
		for mi := range j.members {
			if n := len(bucketsOf[ji]); n == 0 || buckets[bucketsOf[ji][n-1]].group != j.members[mi].group {
				bucketsOf[ji] = append(bucketsOf[ji], int32(len(buckets)))
				buckets = append(buckets, bucket{joint: ji, group: j.members[mi].group})
			}
			b := &buckets[len(buckets)-1]
			b.members = append(b.members, mi)
		}
	}

	jd.decide()
	type gkey struct {
		from, to int
		rb, ro   int32
	}
	type acc struct {
		key      gkey
		pairs    int
		from, to []int32 // buckets, with repeats
	}
	index := map[gkey]int{}
	var accs []acc
	for _, bl := range jd.blocks {
		a, b := bl.from, bl.to
		for _, ia := range bucketsOf[a] {
			ba := &buckets[ia]
			for _, ib := range bucketsOf[b] {
				bb := &buckets[ib]
				n := len(ba.members) * len(bb.members)
				if a == b && ba.group == bb.group {
					n -= len(ba.members) // no peer is paired with itself
				}
				if n == 0 {
					continue
				}
				k := gkey{ba.group, bb.group, bl.rb, bl.ro}
				i, ok := index[k]
				if !ok {
					i = len(accs)
					index[k] = i
					accs = append(accs, acc{key: k})
				}
				g := &accs[i]
				g.pairs += n
				if l := len(g.from); l == 0 || g.from[l-1] != ia {
					g.from = append(g.from, ia)
				}
				if l := len(g.to); l == 0 || g.to[l-1] != ib {
					g.to = append(g.to, ib)
				}
			}
		}
	}
	// Names, ports and sort ranks are shared by the groups that have them
	// in common: a change to the whole cluster makes many groups.
	bucketNames := make([][]string, len(buckets))
	names := func(bs []int32) []string {
		slices.Sort(bs)
		bs = slices.Compact(bs)
		one := func(b int32) []string {
			if bucketNames[b] == nil {
				for _, mi := range buckets[b].members {
					bucketNames[b] = append(bucketNames[b], jd.joints[buckets[b].joint].members[mi].name)
				}
				sort.Strings(bucketNames[b])
			}
			return bucketNames[b]
		}
		if len(bs) == 1 {
			return one(bs[0])
		}
		var out []string
		for _, b := range bs {
			out = append(out, one(b)...)
		}
		sort.Strings(out)
		return out
	}
	ports := map[int32]DiffPorts{}
	portsOf := func(id int32) DiffPorts {
		p, ok := ports[id]
		if !ok {
			p = diffPorts(jd.result(id))
			ports[id] = p
		}
		return p
	}

	// Sort by namespaces, then workloads, then the change, comparing
	// ranks rather than strings.
	rank := groups.ranks()
	resultKeys := map[int32]string{}
	keyOf := func(id int32) string {
		k, ok := resultKeys[id]
		if !ok {
			k = resultKey(jd.result(id))
			resultKeys[id] = k
		}
		return k
	}
	order := make([]int, len(accs))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(x, y int) bool {
		a, b := &accs[order[x]].key, &accs[order[y]].key
		fa, fb, ta, tb := rank[a.from], rank[b.from], rank[a.to], rank[b.to]
		switch {
		case fa.ns != fb.ns:
			return fa.ns < fb.ns
		case ta.ns != tb.ns:
			return ta.ns < tb.ns
		case fa.name != fb.name:
			return fa.name < fb.name
		case ta.name != tb.name:
			return ta.name < tb.name
		case fa.kind != fb.kind:
			return fa.kind < fb.kind
		case ta.kind != tb.kind:
			return ta.kind < tb.kind
		}
		oa, ob := opRank[diffOp(jd.result(a.rb), jd.result(a.ro))], opRank[diffOp(jd.result(b.rb), jd.result(b.ro))]
		switch {
		case oa != ob:
			return oa < ob
		case a.rb != b.rb:
			return keyOf(a.rb) < keyOf(b.rb)
		}
		return keyOf(a.ro) < keyOf(b.ro)
	})

	d := &DiffResult{Overlay: overlay.Cluster.Overlay, Groups: make([]DiffGroup, 0, len(accs)), jd: jd}
	if d.Overlay == nil {
		d.Overlay = []kube.Change{}
	}
	for _, i := range order {
		g := &accs[i]
		before, after := jd.result(g.key.rb), jd.result(g.key.ro)
		d.Groups = append(d.Groups, DiffGroup{
			Op:    diffOp(before, after),
			From:  groups.end(g.key.from, names(g.from)),
			To:    groups.end(g.key.to, names(g.to)),
			Pairs: g.pairs, Before: portsOf(g.key.rb), After: portsOf(g.key.ro),
			before: before, after: after,
		})
	}
	d.count()
	return d
}

// markDirty decides which joints may have changed as a source (row) and
// as a destination (column).
func (jd *jointDiff) markDirty() {
	n := len(jd.joints)
	jd.row, jd.col = make([]bool, n), make([]bool, n)
	bc, oc := jd.base.Cluster, jd.over.Cluster
	// Objects the overlay did not touch are the very same pointers.
	if !slices.Equal(bc.AdminNetworkPolicies, oc.AdminNetworkPolicies) ||
		!slices.Equal(bc.BaselineAdminNetworkPolicies, oc.BaselineAdminNetworkPolicies) ||
		!slices.Equal(bc.Nodes, oc.Nodes) || !reflect.DeepEqual(bc.Gaps, oc.Gaps) {
		for i := range jd.row {
			jd.row[i], jd.col[i] = true, true
		}
		return
	}
	nsLabels := func(c *kube.Cluster) map[string]map[string]string {
		out := make(map[string]map[string]string, len(c.Namespaces))
		for _, ns := range c.Namespaces {
			out[ns.Name] = ns.Labels
		}
		return out
	}
	bns, ons := nsLabels(bc), nsLabels(oc)
	nsChanged := map[string]bool{}
	for name, l := range bns {
		if ol, ok := ons[name]; !ok || !maps.Equal(l, ol) {
			nsChanged[name] = true
		}
	}
	for name := range ons {
		if _, ok := bns[name]; !ok {
			nsChanged[name] = true
		}
	}
	bsig, osig := newPolicySigs(jd.base), newPolicySigs(jd.over)
	for ji := range jd.joints {
		j := &jd.joints[ji]
		if j.bc < 0 || j.oc < 0 {
			jd.row[ji], jd.col[ji] = true, true
			continue
		}
		bin, beg := bsig.of(j.bc)
		oin, oeg := osig.of(j.oc)
		jd.row[ji] = !slices.Equal(beg, oeg)
		jd.col[ji] = !slices.Equal(bin, oin)
		for _, m := range j.members {
			if jd.row[ji] && jd.col[ji] {
				break
			}
			bp, op := &jd.base.Model.Peers[m.bp], &jd.over.Model.Peers[m.op]
			if nsChanged[m.namespace] || !samePeer(bp, op) {
				jd.row[ji], jd.col[ji] = true, true
			}
		}
	}
}

// samePeer reports whether two peers look the same to every policy.
func samePeer(a, b *policy.Peer) bool {
	return a.Kind == b.Kind && maps.Equal(a.Labels, b.Labels) && slices.Equal(a.IPs, b.IPs) && slices.Equal(a.Ports, b.Ports)
}

// policySigs lists, per class of one model, the NetworkPolicy objects that
// select it for ingress and for egress.
type policySigs struct {
	g      *Graph
	byID   map[string]*networkingv1.NetworkPolicy
	cached map[int][2][]*networkingv1.NetworkPolicy
}

func newPolicySigs(g *Graph) *policySigs {
	s := &policySigs{g: g, byID: make(map[string]*networkingv1.NetworkPolicy, len(g.Cluster.NetworkPolicies)), cached: map[int][2][]*networkingv1.NetworkPolicy{}}
	for _, np := range g.Cluster.NetworkPolicies {
		s.byID[np.Namespace+"/"+np.Name] = np
	}
	return s
}

func (s *policySigs) of(class int) (ingress, egress []*networkingv1.NetworkPolicy) {
	if v, ok := s.cached[class]; ok {
		return v[0], v[1]
	}
	in, eg := s.g.Model.PoliciesFor(s.g.Model.ClassMembers(class)[0])
	for _, id := range in {
		ingress = append(ingress, s.byID[id])
	}
	for _, id := range eg {
		egress = append(egress, s.byID[id])
	}
	s.cached[class] = [2][]*networkingv1.NetworkPolicy{ingress, egress}
	return ingress, egress
}

// decide compares every pair of joints that may have changed, from as
// many goroutines as there are CPUs, and keeps the pairs that did.
func (jd *jointDiff) decide() {
	n := len(jd.joints)
	var cols []int
	for b := range jd.joints {
		if jd.col[b] {
			cols = append(cols, b)
		}
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	var mu sync.Mutex
	out := make([][]diffBlock, n)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < max(1, min(n, runtime.GOMAXPROCS(0))); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Results repeat: each worker remembers the ones it interned.
			type seen struct {
				r  policy.Result
				id int32
			}
			local := map[uint64][]seen{}
			intern := func(r policy.Result) int32 {
				if isEmptyResult(r) {
					return -1
				}
				h := resultHash(r)
				for _, c := range local[h] {
					if c.r.Allowed.Equal(r.Allowed) && c.r.Unknown.Equal(r.Unknown) {
						return c.id
					}
				}
				mu.Lock()
				id := jd.intern(r, h)
				mu.Unlock()
				local[h] = append(local[h], seen{r, id})
				return id
			}
			for a := range jobs {
				to := cols
				if jd.row[a] {
					to = all
				}
				for _, b := range to {
					before, after := jd.reach(a, b)
					if before.Allowed.Equal(after.Allowed) && before.Unknown.Equal(after.Unknown) {
						continue
					}
					out[a] = append(out[a], diffBlock{from: a, to: b, rb: intern(before), ro: intern(after)})
				}
			}
		}()
	}
	for a := 0; a < n; a++ {
		if jd.row[a] || len(cols) > 0 {
			jobs <- a
		}
	}
	close(jobs)
	wg.Wait()
	for _, bs := range out {
		jd.blocks = append(jd.blocks, bs...)
	}
}

// reach decides joint a → joint b in both models; a peer missing from a
// model has the empty result there.
func (jd *jointDiff) reach(a, b int) (before, after policy.Result) {
	ja, jb := &jd.joints[a], &jd.joints[b]
	if ja.bc >= 0 && jb.bc >= 0 {
		before = jd.base.Model.ClassReach(ja.bc, jb.bc)
	}
	if ja.oc >= 0 && jb.oc >= 0 {
		after = jd.over.Model.ClassReach(ja.oc, jb.oc)
	}
	return before, after
}

// intern numbers a non-empty result with hash h, equal results alike.
func (jd *jointDiff) intern(r policy.Result, h uint64) int32 {
	for _, id := range jd.index[h] {
		if jd.results[id].Allowed.Equal(r.Allowed) && jd.results[id].Unknown.Equal(r.Unknown) {
			return id
		}
	}
	id := int32(len(jd.results))
	jd.results = append(jd.results, r)
	jd.index[h] = append(jd.index[h], id)
	return id
}

func (jd *jointDiff) result(id int32) policy.Result {
	if id < 0 {
		return policy.Result{}
	}
	return jd.results[id]
}

func isEmptyResult(r policy.Result) bool { return r.Allowed.Empty() && r.Unknown.Empty() }

func diffOp(before, after policy.Result) DiffOp {
	switch {
	case isEmptyResult(before):
		return DiffAdded
	case isEmptyResult(after):
		return DiffRemoved
	}
	return DiffChanged
}

var opRank = map[DiffOp]int{DiffAdded: 0, DiffRemoved: 1, DiffChanged: 2}

func (d *DiffResult) count() {
	d.Added, d.Removed, d.Changed = 0, 0, 0
	for _, g := range d.Groups {
		switch g.Op {
		case DiffAdded:
			d.Added += g.Pairs
		case DiffRemoved:
			d.Removed += g.Pairs
		default:
			d.Changed += g.Pairs
		}
	}
}

// InNamespace keeps the changes with at least one end in namespace ns
// ("" keeps all).
func (d *DiffResult) InNamespace(ns string) *DiffResult {
	if ns == "" {
		return d
	}
	out := *d
	out.namespace = ns
	out.Groups = []DiffGroup{}
	for _, g := range d.Groups {
		if g.From.Namespace == ns || g.To.Namespace == ns {
			out.Groups = append(out.Groups, g)
		}
	}
	out.count()
	return &out
}

// EachPair calls fn for every changed pair of peers, until fn returns
// false. Pairs come block by block, not sorted.
func (d *DiffResult) EachPair(fn func(DiffPair) bool) {
	jd := d.jd
	if jd == nil {
		return
	}
	for _, bl := range jd.blocks {
		before, after := jd.result(bl.rb), jd.result(bl.ro)
		op := diffOp(before, after)
		for ai, a := range jd.joints[bl.from].members {
			for bi, b := range jd.joints[bl.to].members {
				if bl.from == bl.to && ai == bi {
					continue
				}
				if d.namespace != "" && a.namespace != d.namespace && b.namespace != d.namespace {
					continue
				}
				if !fn(DiffPair{From: a.key, To: b.key, Op: op, Before: before, After: after}) {
					return
				}
			}
		}
	}
}

// Pair looks up one pair of peers by node key (pod/NS/NAME or
// workload/NS/NAME); ok is false when the pair did not change or a key
// names no peer of either snapshot.
func (d *DiffResult) Pair(from, to string) (p DiffPair, ok bool) {
	jd := d.jd
	if jd == nil || from == to {
		return p, false
	}
	a, okA := jd.byKey[from]
	b, okB := jd.byKey[to]
	if !okA || !okB {
		return p, false
	}
	if !jd.row[a] && !jd.col[b] {
		return p, false
	}
	before, after := jd.reach(a, b)
	if before.Allowed.Equal(after.Allowed) && before.Unknown.Equal(after.Unknown) {
		return p, false
	}
	return DiffPair{From: from, To: to, Op: diffOp(before, after), Before: before, After: after}, true
}

// workloadGroups names the workload of each peer.
type workloadGroups struct {
	ids  map[[3]string]int
	list [][3]string // namespace, kind, name
	// hashPrefix is, per namespace and pod-template-hash, the common name
	// prefix of the pods that carry the hash but name no owner and do not
	// have the hash in their name (pods written by hand or generated).
	hashPrefix map[[2]string]string
}

func newWorkloadGroups(graphs ...*Graph) *workloadGroups {
	w := &workloadGroups{ids: map[[3]string]int{}, hashPrefix: map[[2]string]string{}}
	count := map[[2]string]int{}
	for _, g := range graphs {
		for _, p := range g.Cluster.Pods {
			hash := p.Labels[appsv1.DefaultDeploymentUniqueLabelKey]
			if hash == "" {
				continue
			}
			if kind, _ := WorkloadOf(p); kind != "Pod" {
				continue
			}
			k := [2]string{p.Namespace, hash}
			prefix, seen := w.hashPrefix[k]
			if !seen {
				prefix = p.Name
			}
			for !strings.HasPrefix(p.Name, prefix) {
				prefix = prefix[:len(prefix)-1]
			}
			w.hashPrefix[k] = prefix
			count[k]++
		}
	}
	for k, prefix := range w.hashPrefix {
		w.hashPrefix[k] = strings.TrimRight(prefix, "-.")
		if count[k] < 2 {
			delete(w.hashPrefix, k)
		}
	}
	return w
}

func (w *workloadGroups) id(ns, kind, name string) int {
	k := [3]string{ns, kind, name}
	if id, ok := w.ids[k]; ok {
		return id
	}
	w.ids[k] = len(w.list)
	w.list = append(w.list, k)
	return len(w.list) - 1
}

// of returns the group of a peer's node.
func (w *workloadGroups) of(n *Node) int {
	if n.Kind == KindWorkload {
		return w.id(n.Namespace, n.WorkloadKind, n.Name)
	}
	if n.Pod == nil {
		return w.id(n.Namespace, "Pod", n.Name)
	}
	kind, name := WorkloadOf(n.Pod)
	if kind == "Pod" {
		if prefix := w.hashPrefix[[2]string{n.Namespace, n.Pod.Labels[appsv1.DefaultDeploymentUniqueLabelKey]}]; prefix != "" {
			kind, name = "Deployment", prefix
		}
	}
	return w.id(n.Namespace, kind, name)
}

// groupRank orders workload groups: by namespace, name and kind.
type groupRank struct{ ns, name, kind int }

// ranks returns each group's rank in every field it sorts by.
func (w *workloadGroups) ranks() []groupRank {
	field := func(f int) map[string]int {
		var vals []string
		seen := map[string]bool{}
		for _, k := range w.list {
			if !seen[k[f]] {
				seen[k[f]] = true
				vals = append(vals, k[f])
			}
		}
		sort.Strings(vals)
		out := make(map[string]int, len(vals))
		for i, v := range vals {
			out[v] = i
		}
		return out
	}
	ns, kind, name := field(0), field(1), field(2)
	out := make([]groupRank, len(w.list))
	for i, k := range w.list {
		out[i] = groupRank{ns: ns[k[0]], name: name[k[2]], kind: kind[k[1]]}
	}
	return out
}

func (w *workloadGroups) end(id int, peers []string) DiffEnd {
	k := w.list[id]
	return DiffEnd{Namespace: k[0], Kind: k[1], Name: k[2], Peers: peers}
}

// WorkloadOf names the workload a pod belongs to: its controller from the
// ownerReferences (a ReplicaSet named <deployment>-<pod-template-hash>
// counts as that Deployment, a Job named <cronjob>-<scheduled minute> as
// that CronJob); without one, a pod named <deployment>-<hash>-<suffix>
// with that pod-template-hash, or a StatefulSet's <name>-<ordinal> pod.
// A pod of no workload is ("Pod", its name).
func WorkloadOf(p *corev1.Pod) (kind, name string) {
	if p == nil {
		return "Pod", ""
	}
	hash := p.Labels[appsv1.DefaultDeploymentUniqueLabelKey]
	if ref := kube.ControllerRef(p.OwnerReferences); ref != nil {
		switch {
		case ref.Kind == "ReplicaSet" && hash != "" && strings.HasSuffix(ref.Name, "-"+hash):
			return "Deployment", strings.TrimSuffix(ref.Name, "-"+hash)
		case ref.Kind == "Job":
			if i := strings.LastIndexByte(ref.Name, '-'); i > 0 && len(ref.Name)-i-1 >= 8 && isNumber(ref.Name[i+1:]) {
				return "CronJob", ref.Name[:i]
			}
		}
		return ref.Kind, ref.Name
	}
	if hash != "" {
		if i := strings.Index(p.Name, "-"+hash+"-"); i > 0 {
			return "Deployment", p.Name[:i]
		}
	}
	if p.Labels[appsv1.StatefulSetPodNameLabel] == p.Name {
		if i := strings.LastIndexByte(p.Name, '-'); i > 0 && isNumber(p.Name[i+1:]) {
			return "StatefulSet", p.Name[:i]
		}
	}
	return "Pod", p.Name
}

// endText renders one end: "payments (Deployment, 2 pods)", or "debug
// (Pod)" for a group of one peer named like the group.
func endText(e DiffEnd) string {
	if len(e.Peers) == 1 && e.Peers[0] == e.Name {
		return fmt.Sprintf("%s (%s)", e.Name, e.Kind)
	}
	unit := "pods"
	if len(e.Peers) == 1 {
		unit = "pod"
	}
	return fmt.Sprintf("%s (%s, %d %s)", e.Name, e.Kind, len(e.Peers), unit)
}

// resultText renders what a pair may use: "TCP 53; UDP 53", with unknown
// ports after it.
func resultText(r policy.Result) string {
	s := r.Allowed.String()
	if r.Allowed.Equal(policy.AllProtocols) {
		s = "all ports"
	}
	if !r.Unknown.Empty() {
		if r.Allowed.Empty() {
			return "unknown: " + r.Unknown.String()
		}
		s += " (unknown: " + r.Unknown.String() + ")"
	}
	return s
}

// changeText says what changed for a group: the ports after (added), the
// ports before (removed), or before → after with what was gained and lost.
func changeText(g *DiffGroup) string {
	switch g.Op {
	case DiffAdded:
		return resultText(g.after)
	case DiffRemoved:
		return "was " + resultText(g.before)
	}
	s := resultText(g.before) + " → " + resultText(g.after)
	var delta []string
	if gained := g.after.Allowed.Subtract(g.before.Allowed); !gained.Empty() {
		delta = append(delta, "+"+gained.String())
	}
	if lost := g.before.Allowed.Subtract(g.after.Allowed); !lost.Empty() {
		delta = append(delta, "-"+lost.String())
	}
	if len(delta) > 0 {
		s += " (" + strings.Join(delta, ", ") + ")"
	}
	return s
}

var opMark = map[DiffOp]string{DiffAdded: "+", DiffRemoved: "-", DiffChanged: "~"}

// WriteText writes the overlay's changes and the changed connections,
// grouped by namespace pair and workload pair: "+" added, "-" removed,
// "~" changed.
func (d *DiffResult) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	if len(d.Overlay) == 0 {
		bw.WriteString("overlay: no objects changed\n")
	} else {
		fmt.Fprintf(bw, "overlay: %d %s\n", len(d.Overlay), plural(len(d.Overlay), "object changed", "objects changed"))
		for _, c := range d.Overlay {
			fmt.Fprintf(bw, "  %-8s %s %s\n", c.Op, c.Kind, objectRef(c.Namespace, c.Name))
		}
	}
	bw.WriteByte('\n')
	if d.Empty() {
		what := "no connection changed"
		if d.namespace != "" {
			what += " in namespace " + d.namespace
		}
		bw.WriteString(what + "\n")
		return bw.Flush()
	}
	fmt.Fprintf(bw, "connections (pod pairs): %d added, %d removed, %d changed\n", d.Added, d.Removed, d.Changed)
	last := ""
	for i := range d.Groups {
		g := &d.Groups[i]
		if h := g.From.Namespace + " → " + g.To.Namespace; h != last {
			fmt.Fprintf(bw, "\n%s\n", h)
			last = h
		}
		fmt.Fprintf(bw, "  %s %s → %s: %d %s, %s\n", opMark[g.Op], endText(g.From), endText(g.To), g.Pairs, plural(g.Pairs, "pair", "pairs"), changeText(g))
	}
	return bw.Flush()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func objectRef(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

// WriteJSON writes the diff as indented JSON.
func (d *DiffResult) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// WriteDOT writes the affected workloads and their changed connections as
// Graphviz DOT: added edges solid green and labelled "+", removed dashed
// red "−", changed bold orange "~", each with its ports and pair count,
// so that no change is told by colour alone. The output is byte-stable.
func (d *DiffResult) WriteDOT(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("digraph netviz_diff {\n")
	bw.WriteString("  graph [rankdir=LR, newrank=true, fontname=\"Helvetica\", fontsize=11, nodesep=0.3, ranksep=1.2];\n")
	bw.WriteString("  node [fontname=\"Helvetica\", fontsize=10];\n")
	bw.WriteString("  edge [fontname=\"Helvetica\", fontsize=9];\n")
	legend := "+ added (solid green), − removed (dashed red), ~ changed (bold orange)"
	fmt.Fprintf(bw, "  label=%s;\n  labelloc=b;\n", dotQuote(legend))
	type node struct {
		id, label, shape string
	}
	byNS := map[string]map[string]node{}
	addNode := func(e DiffEnd) string {
		id := e.Namespace + "/" + e.Kind + "/" + e.Name
		if byNS[e.Namespace] == nil {
			byNS[e.Namespace] = map[string]node{}
		}
		shape, label := "box3d", e.Kind+"\n"+e.Name
		if e.Kind == "Pod" {
			shape, label = "box", e.Name
		}
		byNS[e.Namespace][id] = node{id: id, label: label, shape: shape}
		return id
	}
	var edges []string
	for i := range d.Groups {
		g := &d.Groups[i]
		from, to := addNode(g.From), addNode(g.To)
		mark := map[DiffOp]string{DiffAdded: "+", DiffRemoved: "−", DiffChanged: "~"}[g.Op]
		label := fmt.Sprintf("%s %s\n%d %s", mark, changeText(g), g.Pairs, plural(g.Pairs, "pair", "pairs"))
		attrs := []string{"label=" + dotQuote(label)}
		switch g.Op {
		case DiffAdded:
			attrs = append(attrs, "style=solid", "color=\"#2ca02c\"", "fontcolor=\"#2ca02c\"")
		case DiffRemoved:
			attrs = append(attrs, "style=dashed", "color=\"#d62728\"", "fontcolor=\"#d62728\"")
		default:
			attrs = append(attrs, "style=bold", "color=\"#ff7f0e\"", "fontcolor=\"#ff7f0e\"")
		}
		edges = append(edges, fmt.Sprintf("  %s -> %s [%s];\n", dotQuote(from), dotQuote(to), strings.Join(attrs, ", ")))
	}
	nss := make([]string, 0, len(byNS))
	for ns := range byNS {
		nss = append(nss, ns)
	}
	sort.Strings(nss)
	for _, ns := range nss {
		fmt.Fprintf(bw, "  subgraph %s {\n    label=%s;\n    style=\"rounded\";\n    color=\"#888888\";\n", dotQuote("cluster_"+ns), dotQuote("namespace "+ns))
		ids := make([]string, 0, len(byNS[ns]))
		for id := range byNS[ns] {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			n := byNS[ns][id]
			fmt.Fprintf(bw, "    %s [shape=%s, label=%s];\n", dotQuote(n.id), n.shape, dotQuote(n.label))
		}
		bw.WriteString("  }\n")
	}
	for _, e := range edges {
		bw.WriteString(e)
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// isNumber reports whether s is a non-empty run of decimal digits.
func isNumber(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
