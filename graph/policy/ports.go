package policy

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Protocol is one of the three protocols NetworkPolicy speaks of.
type Protocol uint8

// The protocols, in the order output lists them.
const (
	TCP Protocol = iota
	UDP
	SCTP
	numProtocols
)

// Protocols lists every protocol in output order.
var Protocols = [numProtocols]Protocol{TCP, UDP, SCTP}

func (p Protocol) String() string {
	switch p {
	case TCP:
		return "TCP"
	case UDP:
		return "UDP"
	case SCTP:
		return "SCTP"
	}
	return "?"
}

// ParseProtocol reads TCP, UDP or SCTP (any case).
func ParseProtocol(s string) (Protocol, error) {
	switch strings.ToUpper(s) {
	case "", "TCP":
		return TCP, nil
	case "UDP":
		return UDP, nil
	case "SCTP":
		return SCTP, nil
	}
	return 0, fmt.Errorf("unknown protocol %q (want TCP, UDP or SCTP)", s)
}

func protocolOf(p *corev1.Protocol) Protocol {
	if p == nil {
		return TCP
	}
	pr, err := ParseProtocol(string(*p))
	if err != nil {
		return TCP
	}
	return pr
}

// MinPort and MaxPort bound every port range.
const (
	MinPort = 1
	MaxPort = 65535
)

// Range is an inclusive range of port numbers.
type Range struct{ Lo, Hi uint16 }

// RangeSet is a sorted list of disjoint, non-adjacent port ranges.
type RangeSet []Range

// AllPorts is every port, 1-65535.
var AllPorts = RangeSet{{MinPort, MaxPort}}

// Single returns the set holding one port.
func Single(p int) RangeSet {
	if p < MinPort || p > MaxPort {
		return nil
	}
	return RangeSet{{uint16(p), uint16(p)}}
}

// Span returns the set lo..hi.
func Span(lo, hi int) RangeSet {
	if lo < MinPort {
		lo = MinPort
	}
	if hi > MaxPort {
		hi = MaxPort
	}
	if lo > hi {
		return nil
	}
	return RangeSet{{uint16(lo), uint16(hi)}}
}

// Contains reports whether port p is in the set.
func (s RangeSet) Contains(p int) bool {
	lo, hi := 0, len(s)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case p < int(s[m].Lo):
			hi = m
		case p > int(s[m].Hi):
			lo = m + 1
		default:
			return true
		}
	}
	return false
}

// Union returns s ∪ t.
func (s RangeSet) Union(t RangeSet) RangeSet {
	if len(t) == 0 {
		return s
	}
	if len(s) == 0 {
		return t
	}
	out := make(RangeSet, 0, len(s)+len(t))
	i, j := 0, 0
	for i < len(s) || j < len(t) {
		var r Range
		if j >= len(t) || (i < len(s) && s[i].Lo <= t[j].Lo) {
			r = s[i]
			i++
		} else {
			r = t[j]
			j++
		}
		if n := len(out); n > 0 && int(r.Lo) <= int(out[n-1].Hi)+1 {
			if r.Hi > out[n-1].Hi {
				out[n-1].Hi = r.Hi
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

// Intersect returns s ∩ t.
func (s RangeSet) Intersect(t RangeSet) RangeSet {
	var out RangeSet
	i, j := 0, 0
	for i < len(s) && j < len(t) {
		lo, hi := max(s[i].Lo, t[j].Lo), min(s[i].Hi, t[j].Hi)
		if lo <= hi {
			out = append(out, Range{lo, hi})
		}
		if s[i].Hi < t[j].Hi {
			i++
		} else {
			j++
		}
	}
	return out
}

// Subtract returns s \ t.
func (s RangeSet) Subtract(t RangeSet) RangeSet {
	return s.Intersect(t.complement())
}

func (s RangeSet) complement() RangeSet {
	var out RangeSet
	next := MinPort
	for _, r := range s {
		if int(r.Lo) > next {
			out = append(out, Range{uint16(next), r.Lo - 1})
		}
		next = int(r.Hi) + 1
	}
	if next <= MaxPort {
		out = append(out, Range{uint16(next), MaxPort})
	}
	return out
}

// Equal reports whether s and t hold the same ports.
func (s RangeSet) Equal(t RangeSet) bool {
	if len(s) != len(t) {
		return false
	}
	for i := range s {
		if s[i] != t[i] {
			return false
		}
	}
	return true
}

// IsAll reports whether s holds every port.
func (s RangeSet) IsAll() bool { return len(s) == 1 && s[0].Lo == MinPort && s[0].Hi == MaxPort }

// String prints the set as "80,443,8000-8080"; the empty set is "".
func (s RangeSet) String() string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(r.Lo)))
		if r.Hi != r.Lo {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(int(r.Hi)))
		}
	}
	return b.String()
}

// ParseRangeSet reads the String form back.
func ParseRangeSet(str string) (RangeSet, error) {
	var out RangeSet
	if str == "" {
		return nil, nil
	}
	for _, part := range strings.Split(str, ",") {
		lo, hi, found := strings.Cut(part, "-")
		l, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("bad port range %q", part)
		}
		h := l
		if found {
			if h, err = strconv.Atoi(hi); err != nil {
				return nil, fmt.Errorf("bad port range %q", part)
			}
		}
		if l < MinPort || h > MaxPort || l > h {
			return nil, fmt.Errorf("bad port range %q", part)
		}
		out = out.Union(Span(l, h))
	}
	return out, nil
}

// Ports is a set of port ranges for each protocol.
type Ports [numProtocols]RangeSet

// AllProtocols holds every port of every protocol.
var AllProtocols = Ports{AllPorts, AllPorts, AllPorts}

// Union returns p ∪ q, protocol by protocol.
func (p Ports) Union(q Ports) Ports {
	for i := range p {
		p[i] = p[i].Union(q[i])
	}
	return p
}

// Intersect returns p ∩ q, protocol by protocol.
func (p Ports) Intersect(q Ports) Ports {
	for i := range p {
		p[i] = p[i].Intersect(q[i])
	}
	return p
}

// Subtract returns p \ q, protocol by protocol.
func (p Ports) Subtract(q Ports) Ports {
	for i := range p {
		p[i] = p[i].Subtract(q[i])
	}
	return p
}

// Empty reports whether no port of any protocol is in p.
func (p Ports) Empty() bool {
	for _, r := range p {
		if len(r) > 0 {
			return false
		}
	}
	return true
}

// Equal reports whether p and q hold the same ports.
func (p Ports) Equal(q Ports) bool {
	for i := range p {
		if !p[i].Equal(q[i]) {
			return false
		}
	}
	return true
}

// Has reports whether port on protocol proto is in p.
func (p Ports) Has(proto Protocol, port int) bool { return p[proto].Contains(port) }

// Map returns the JSON form {"TCP": "...", "UDP": "...", "SCTP": "..."}.
func (p Ports) Map() map[string]string {
	return map[string]string{"TCP": p[TCP].String(), "UDP": p[UDP].String(), "SCTP": p[SCTP].String()}
}

// String prints "TCP 80,443; UDP 53" leaving out empty protocols, or "none".
func (p Ports) String() string {
	var parts []string
	for _, proto := range Protocols {
		if len(p[proto]) == 0 {
			continue
		}
		s := p[proto].String()
		if p[proto].IsAll() {
			s = "all ports"
		}
		parts = append(parts, proto.String()+" "+s)
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}
