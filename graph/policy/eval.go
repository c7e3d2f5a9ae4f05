package policy

import (
	"net/netip"

	"k8s.io/apimachinery/pkg/labels"
	"runtime"
	"sync"
)

// Verdict is the answer for one port: allowed, denied, or unknown when it
// depends on something netviz could not read.
type Verdict uint8

// The verdicts.
const (
	Denied Verdict = iota
	Allowed
	Unknown
)

func (v Verdict) String() string {
	switch v {
	case Allowed:
		return "allowed"
	case Unknown:
		return "unknown"
	}
	return "denied"
}

// Endpoint is one side of traffic: a peer of the model, or an address
// outside it (Peer < 0).
type Endpoint struct {
	Peer int
	IP   netip.Addr
}

// PeerEndpoint returns the endpoint for peer i.
func PeerEndpoint(i int) Endpoint { return Endpoint{Peer: i} }

// IPEndpoint returns the endpoint for an address outside the model.
func IPEndpoint(ip netip.Addr) Endpoint { return Endpoint{Peer: -1, IP: ip} }

// Result holds the ports allowed for certain and the ports whose answer is
// unknown; every other port is denied.
type Result struct {
	Allowed Ports
	Unknown Ports
}

var (
	openResult    = Result{Allowed: AllProtocols}
	unknownResult = Result{Unknown: AllProtocols}
)

// Verdict returns the answer for one port.
func (r Result) Verdict(proto Protocol, port int) Verdict {
	switch {
	case r.Allowed.Has(proto, port):
		return Allowed
	case r.Unknown.Has(proto, port):
		return Unknown
	}
	return Denied
}

// both combines the egress and ingress results: traffic passes only where
// both sides let it.
func both(eg, in Result) Result {
	if eg.Unknown.Empty() && in.Unknown.Empty() {
		// The common case: nothing unknown on either side.
		switch {
		case eg.Allowed.Equal(AllProtocols):
			return in
		case in.Allowed.Equal(AllProtocols):
			return eg
		}
		return Result{Allowed: eg.Allowed.Intersect(in.Allowed)}
	}
	allowed := eg.Allowed.Intersect(in.Allowed)
	possible := eg.Allowed.Union(eg.Unknown).Intersect(in.Allowed.Union(in.Unknown))
	return Result{Allowed: allowed, Unknown: possible.Subtract(allowed)}
}

// classOfEndpoint returns the endpoint's class, or nil outside the model.
func (m *Model) classOfEndpoint(e Endpoint) *class {
	if e.Peer < 0 {
		return nil
	}
	return m.classes[m.classOf[e.Peer]]
}

// matchEndpoint evaluates matcher mi against an endpoint of class c (nil
// for an address outside the model).
func (m *Model) matchEndpoint(mi int, e Endpoint, c *class) tri {
	if mi < 0 {
		return no
	}
	if c != nil {
		switch {
		case c.yes.has(mi):
			return yes
		case c.maybe.has(mi):
			return maybe
		}
		return no
	}
	mt := &m.matchers[mi]
	switch mt.kind {
	case mIPBlock, mNetworks:
		if mt.matchIP(e.IP) {
			return yes
		}
	case mAmbiguous, mDomains:
		return maybe // netviz does not resolve domain names
	case mNodes:
		for _, n := range m.nodes {
			if !mt.nsSel.Matches(labels.Set(n.Labels)) {
				continue
			}
			for _, ip := range n.IPs {
				if ip == e.IP {
					return yes
				}
			}
		}
	}
	return no
}

// ruleMatch says whether a rule's peers cover the endpoint.
func (m *Model) ruleMatch(r *rule, e Endpoint, c *class) (tri, int) {
	if r.all {
		return yes, -1
	}
	best, at := no, -1
	for i, mi := range r.peers {
		switch m.matchEndpoint(mi, e, c) {
		case yes:
			return yes, i
		case maybe:
			if best == no {
				best, at = maybe, i
			}
		}
	}
	return best, at
}

func resolvedOn(rp *rulePorts, c *class) Ports {
	if c == nil {
		return rp.numeric
	}
	return rp.resolve(c.named)
}

// egressOf is what the source's egress allows towards dst, through every
// tier.
func (m *Model) egressOf(sc *class, dst Endpoint, dc *class) Result {
	if sc != nil && sc.hasAdmin {
		return m.tiered("egress", sc, dst, dc, func() Result { return m.npEgress(sc, dst, dc) }, nil)
	}
	return m.npEgress(sc, dst, dc)
}

// ingressOf is what the destination's ingress allows from src, through
// every tier.
func (m *Model) ingressOf(src Endpoint, sc *class, dc *class) Result {
	if dc != nil && dc.hasAdmin {
		return m.tiered("ingress", dc, src, sc, func() Result { return m.npIngress(src, sc, dc) }, nil)
	}
	return m.npIngress(src, sc, dc)
}

// npEgress is what the source's NetworkPolicies allow towards dst.
func (m *Model) npEgress(sc *class, dst Endpoint, dc *class) Result {
	if sc == nil {
		return openResult // outside the cluster: no NetworkPolicy applies
	}
	return m.npDirection(sc, sc.egPolicies, func(cp *compiledPolicy) []rule { return cp.eg }, dst, dc, dc)
}

// npIngress is what the destination's NetworkPolicies allow from src.
func (m *Model) npIngress(src Endpoint, sc *class, dc *class) Result {
	if dc == nil {
		return openResult
	}
	return m.npDirection(dc, dc.inPolicies, func(cp *compiledPolicy) []rule { return cp.in }, src, sc, dc)
}

// npDirection unions what the rules of the policies selecting self (for
// one direction) allow to or from other; ports resolve on dest.
func (m *Model) npDirection(self *class, pids []int, rulesOf func(*compiledPolicy) []rule, other Endpoint, oc, dest *class) Result {
	if self.polUnknown {
		return unknownResult
	}
	if len(pids) == 0 {
		return openResult
	}
	var res Result
	for _, pid := range pids {
		rules := rulesOf(&m.policies[pid])
		for ri := range rules {
			r := &rules[ri]
			t, _ := m.ruleMatch(r, other, oc)
			if t == no {
				continue
			}
			ports := resolvedOn(&r.ports, dest)
			if t == yes {
				res.Allowed = res.Allowed.Union(ports)
			} else {
				res.Unknown = res.Unknown.Union(ports)
			}
		}
	}
	if !res.Unknown.Empty() {
		res.Unknown = res.Unknown.Subtract(res.Allowed)
	}
	return res
}

// Reach answers for every port at once whether src may reach dst.
func (m *Model) Reach(src, dst Endpoint) Result {
	sc, dc := m.classOfEndpoint(src), m.classOfEndpoint(dst)
	return both(m.egressOf(sc, dst, dc), m.ingressOf(src, sc, dc))
}

// Directions returns the egress result at the source and the ingress
// result at the destination separately.
func (m *Model) Directions(src, dst Endpoint) (egress, ingress Result) {
	sc, dc := m.classOfEndpoint(src), m.classOfEndpoint(dst)
	return m.egressOf(sc, dst, dc), m.ingressOf(src, sc, dc)
}

// reachClasses decides one class pair.
func (m *Model) reachClasses(s, d int) Result {
	sc, dc := m.classes[s], m.classes[d]
	se, de := Endpoint{Peer: sc.members[0]}, Endpoint{Peer: dc.members[0]}
	return both(m.egressOf(sc, de, dc), m.ingressOf(se, sc, dc))
}

// ClassPairs decides every ordered pair of classes, on every port, and
// calls fn for each from as many goroutines as there are CPUs; fn must be
// safe for concurrent use. Pairs with nothing allowed and nothing unknown
// are passed too, so callers can count denials.
func (m *Model) ClassPairs(fn func(src, dst int, r Result)) {
	n := len(m.classes)
	workers := min(runtime.GOMAXPROCS(0), max(n, 1))
	var wg sync.WaitGroup
	next := make(chan int, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range next {
				for d := 0; d < n; d++ {
					fn(s, d, m.reachClasses(s, d))
				}
			}
		}()
	}
	for s := 0; s < n; s++ {
		next <- s
	}
	close(next)
	wg.Wait()
}

// ClassReach decides one pair of classes.
func (m *Model) ClassReach(src, dst int) Result { return m.reachClasses(src, dst) }
