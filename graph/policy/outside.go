package policy

import (
	"encoding/binary"
	"net/netip"
	"sort"
	"strconv"
)

// v4Range is an inclusive range of IPv4 addresses.
type v4Range struct{ lo, hi uint32 }

func v4(a netip.Addr) uint32 { b := a.As4(); return binary.BigEndian.Uint32(b[:]) }

func prefixRange(p netip.Prefix) (v4Range, bool) {
	if !p.Addr().Is4() {
		return v4Range{}, false
	}
	lo := v4(p.Masked().Addr())
	size := uint64(1) << (32 - p.Bits())
	return v4Range{lo, uint32(uint64(lo) + size - 1)}, true
}

// privateV4 are the ranges that are not "the internet": private,
// shared, loopback and link-local space.
var privateV4 = []string{"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/3"}

func unionRanges(rs []v4Range) []v4Range {
	sort.Slice(rs, func(i, j int) bool { return rs[i].lo < rs[j].lo })
	var out []v4Range
	for _, r := range rs {
		if n := len(out); n > 0 && uint64(r.lo) <= uint64(out[n-1].hi)+1 {
			if r.hi > out[n-1].hi {
				out[n-1].hi = r.hi
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

func subtractRanges(a, b []v4Range) []v4Range {
	out := append([]v4Range(nil), a...)
	for _, cut := range b {
		var next []v4Range
		for _, r := range out {
			if cut.hi < r.lo || cut.lo > r.hi {
				next = append(next, r)
				continue
			}
			if cut.lo > r.lo {
				next = append(next, v4Range{r.lo, cut.lo - 1})
			}
			if cut.hi < r.hi {
				next = append(next, v4Range{cut.hi + 1, r.hi})
			}
		}
		out = next
	}
	return out
}

// rangesToPrefixes writes ranges as the fewest CIDR blocks.
func rangesToPrefixes(rs []v4Range) []string {
	var out []string
	for _, r := range rs {
		lo := uint64(r.lo)
		for lo <= uint64(r.hi) {
			bits := 32
			for bits > 0 {
				size := uint64(1) << (32 - (bits - 1))
				if lo%size != 0 || lo+size-1 > uint64(r.hi) {
					break
				}
				bits--
			}
			var b [4]byte
			binary.BigEndian.PutUint32(b[:], uint32(lo))
			out = append(out, netip.PrefixFrom(netip.AddrFrom4(b), bits).String())
			lo += uint64(1) << (32 - bits)
		}
	}
	return out
}

// OutsideAccess says which IPv4 addresses outside the cluster may open a
// connection to a peer on one port.
type OutsideAccess struct {
	// Everyone is true when every public address is allowed.
	Everyone bool `json:"everyone"`
	// Prefixes lists the allowed public address blocks when not everyone
	// is; empty means no outside address is allowed.
	Prefixes []string `json:"prefixes,omitempty"`
	// Unknown is true when the answer depends on something netviz could
	// not read.
	Unknown bool `json:"unknown,omitempty"`
	// Rules are the rules that admit outside addresses.
	Rules []RuleMatch `json:"rules"`
}

// FromOutside computes which outside (public IPv4) addresses may reach
// peer dst on a port, from its ingress policies: rules without peers admit
// everyone, ipBlock peers admit their blocks less their exceptions.
func (m *Model) FromOutside(dst int, proto Protocol, port int) OutsideAccess {
	dc := m.classes[m.classOf[dst]]
	out := OutsideAccess{Rules: []RuleMatch{}}
	if dc.polUnknown {
		out.Unknown = true
		return out
	}
	if len(dc.inPolicies) == 0 {
		out.Everyone = true
		return out
	}
	var allowed []v4Range
	for _, pid := range dc.inPolicies {
		cp := &m.policies[pid]
		for ri := range cp.in {
			r := &cp.in[ri]
			if !resolvedOn(&r.ports, dc).Has(proto, port) {
				continue
			}
			rm := RuleMatch{Policy: cp.id, Rule: "spec.ingress[" + strconv.Itoa(ri) + "]", Ports: r.ports.text(), Certain: true}
			if r.all {
				rm.Match = "everyone (the rule lists no peers)"
				out.Rules = append(out.Rules, rm)
				allowed = append(allowed, v4Range{0, ^uint32(0)})
				continue
			}
			for pi, mi := range r.peers {
				if mi < 0 || m.matchers[mi].kind != mIPBlock {
					continue
				}
				mt := &m.matchers[mi]
				rg, ok := prefixRange(mt.cidr)
				if !ok {
					continue
				}
				var cuts []v4Range
				for _, e := range mt.except {
					if c, ok := prefixRange(e); ok {
						cuts = append(cuts, c)
					}
				}
				allowed = append(allowed, subtractRanges([]v4Range{rg}, cuts)...)
				rm.Peer = rm.Rule + ".from[" + strconv.Itoa(pi) + "]"
				rm.Match = m.matcherText(mi)
				out.Rules = append(out.Rules, rm)
			}
		}
	}
	allowed = unionRanges(allowed)
	var private []v4Range
	for _, p := range privateV4 {
		r, _ := prefixRange(netip.MustParsePrefix(p))
		private = append(private, r)
	}
	public := subtractRanges([]v4Range{{0, ^uint32(0)}}, unionRanges(private))
	missing := subtractRanges(public, allowed)
	if len(missing) == 0 {
		out.Everyone = true
		return out
	}
	out.Prefixes = rangesToPrefixes(subtractRanges(allowed, unionRanges(private)))
	return out
}
