package policy

import (
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// bulk holds what answering every class pair at once needs: for each
// matcher, the classes it certainly selects, and for each destination
// class its ingress rules grouped by the ports they open, each group with
// the set of source classes it admits. Built once, on first use.
type bulk struct {
	once sync.Once
	// slow marks classes whose answers involve something uncertain or a
	// policy tier: those pairs take the per-pair path.
	slow bitset
	// matcherClasses[m] is the set of classes matcher m certainly selects.
	matcherClasses []bitset
	// ingress[d] lists d's ingress groups; nil with open[d] for a class no
	// policy isolates.
	ingress [][]portGroup
	inOpen  []bool
	// namedID numbers the distinct named-port maps, so egress ports
	// resolved on one class serve every class with the same map.
	namedID []int32
}

// portGroup is a set of ports opened to a set of classes.
type portGroup struct {
	ports   Ports
	classes bitset
}

func (m *Model) prepareBulk() *bulk {
	b := &m.bulk
	b.once.Do(func() {
		n := len(m.classes)
		b.slow = newBitset(n)
		b.matcherClasses = make([]bitset, len(m.matchers))
		for i := range b.matcherClasses {
			b.matcherClasses[i] = newBitset(n)
		}
		namedIDs := map[string]int32{}
		b.namedID = make([]int32, n)
		for ci, c := range m.classes {
			uncertain := c.polUnknown || c.hasAdmin
			for w := range c.maybe {
				if c.maybe[w] != 0 {
					uncertain = true
				}
			}
			if uncertain {
				b.slow.set(ci)
			}
			for w, word := range c.yes {
				for word != 0 {
					bit := bits.TrailingZeros64(word)
					b.matcherClasses[w*64+bit].set(ci)
					word &= word - 1
				}
			}
			key := namedKey(c.named)
			id, ok := namedIDs[key]
			if !ok {
				id = int32(len(namedIDs))
				namedIDs[key] = id
			}
			b.namedID[ci] = id
		}
		b.ingress = make([][]portGroup, n)
		b.inOpen = make([]bool, n)
		for di, dc := range m.classes {
			if len(dc.inPolicies) == 0 {
				b.inOpen[di] = true
				continue
			}
			for _, pid := range dc.inPolicies {
				cp := &m.policies[pid]
				for ri := range cp.in {
					r := &cp.in[ri]
					ports := resolvedOn(&r.ports, dc)
					if ports.Empty() {
						continue
					}
					set := m.peerClasses(r)
					g := -1
					for k := range b.ingress[di] {
						if b.ingress[di][k].ports.Equal(ports) {
							g = k
							break
						}
					}
					if g < 0 {
						b.ingress[di] = append(b.ingress[di], portGroup{ports: ports, classes: newBitset(n)})
						g = len(b.ingress[di]) - 1
					}
					b.ingress[di][g].classes.or(set)
				}
			}
		}
	})
	return b
}

// peerClasses is the set of classes a rule's peers certainly select.
func (m *Model) peerClasses(r *rule) bitset {
	b := &m.bulk
	set := newBitset(len(m.classes))
	if r.all {
		for i := range m.classes {
			set.set(i)
		}
		return set
	}
	for _, mi := range r.peers {
		if mi >= 0 {
			set.or(b.matcherClasses[mi])
		}
	}
	return set
}

// ReachFrom decides class s to every class on every port, writing
// out[d] for each destination class d. It answers exactly as ClassReach,
// in bulk: per source the egress rules are reduced to class sets once, and
// per destination the ingress rules to a few port groups.
func (m *Model) ReachFrom(s int, out []Result) {
	b := m.prepareBulk()
	n := len(m.classes)
	if b.slow.has(s) {
		for d := 0; d < n; d++ {
			out[d] = m.reachClasses(s, d)
		}
		return
	}
	sc := m.classes[s]
	type egressRule struct {
		classes bitset
		ports   *rulePorts
	}
	var eg []egressRule
	for _, pid := range sc.egPolicies {
		cp := &m.policies[pid]
		for ri := range cp.eg {
			eg = append(eg, egressRule{classes: m.peerClasses(&cp.eg[ri]), ports: &cp.eg[ri].ports})
		}
	}
	egOpen := len(sc.egPolicies) == 0
	type egKey struct {
		sig   uint64
		named int32
	}
	egCache := map[egKey]Ports{}
	for d := 0; d < n; d++ {
		if b.slow.has(d) || len(eg) > 64 {
			out[d] = m.reachClasses(s, d)
			continue
		}
		egress := AllProtocols
		if !egOpen {
			var sig uint64
			for i := range eg {
				if eg[i].classes.has(d) {
					sig |= 1 << uint(i)
				}
			}
			key := egKey{sig, b.namedID[d]}
			p, ok := egCache[key]
			if !ok {
				p = Ports{}
				for i := range eg {
					if sig&(1<<uint(i)) != 0 {
						p = p.Union(resolvedOn(eg[i].ports, m.classes[d]))
					}
				}
				egCache[key] = p
			}
			egress = p
		}
		ingress := AllProtocols
		if !b.inOpen[d] {
			ingress = Ports{}
			matched := 0
			for _, g := range b.ingress[d] {
				if g.classes.has(s) {
					if matched == 0 {
						ingress = g.ports
					} else {
						ingress = ingress.Union(g.ports)
					}
					matched++
				}
			}
		}
		out[d] = both(Result{Allowed: egress}, Result{Allowed: ingress})
	}
}

func (b bitset) or(o bitset) {
	for i := range b {
		b[i] |= o[i]
	}
}

func namedKey(named map[namedRef]int) string {
	if len(named) == 0 {
		return ""
	}
	keys := make([]string, 0, len(named))
	for k, v := range named {
		keys = append(keys, k.name+"/"+k.proto.String()+"="+strconv.Itoa(v))
	}
	sort.Strings(keys)
	return strings.Join(keys, ";")
}
