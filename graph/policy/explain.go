package policy

import (
	"fmt"
	"strings"
)

// Explanation says, for each direction, why traffic is allowed, denied or
// unknown.
type Explanation struct {
	Egress  DirectionExplanation `json:"egress"`
	Ingress DirectionExplanation `json:"ingress"`
}

// DirectionExplanation is one side of an answer: the source's egress or the
// destination's ingress.
type DirectionExplanation struct {
	// Direction is "egress" or "ingress".
	Direction string `json:"direction"`
	// Peer is the side this direction is judged at.
	Peer string `json:"peer"`
	// Governed is false for an address outside the cluster, where no
	// NetworkPolicy applies.
	Governed bool `json:"governed"`
	// Isolated is true when some policy of this direction selects the peer.
	Isolated bool `json:"isolated"`
	// Policies lists the policies that select the peer for this direction.
	Policies []string `json:"policies"`
	// Verdict is the answer on this side for the port asked, or, for an
	// all-ports question, "allowed" when any port is allowed.
	Verdict string `json:"verdict"`
	// Ports are the ports this side allows ({"TCP": "80", ...}).
	Ports map[string]string `json:"ports"`
	// UnknownPorts are the ports whose answer on this side is unknown.
	UnknownPorts map[string]string `json:"unknownPorts,omitempty"`
	// Rules are the rules that allow the traffic (for the port asked).
	Rules []RuleMatch `json:"rules"`
	// Reason is one sentence a person can read.
	Reason string `json:"reason"`
	// Tiers is the chain of AdminNetworkPolicy/BaselineAdminNetworkPolicy
	// rules the traffic met, in order, when those tiers apply.
	Tiers []string `json:"tiers,omitempty"`
}

// RuleMatch names one rule, and the peer and ports in it, that let traffic
// through.
type RuleMatch struct {
	Policy string `json:"policy"`
	// Rule is the rule's field path, e.g. spec.ingress[0].
	Rule string `json:"rule"`
	// Peer is the matching peer's field path, or "" when the rule lists no
	// peers and so admits everyone.
	Peer string `json:"peer"`
	// Match says in words what the peer selects.
	Match string `json:"match"`
	// Ports says which of the rule's ports apply.
	Ports string `json:"ports"`
	// Certain is false when the match depends on something unknown (e.g.
	// an ipBlock against a peer whose IP netviz does not know).
	Certain bool `json:"certain"`
}

// Explain answers for one port (port > 0) or for all ports (port == 0)
// and says why.
func (m *Model) Explain(src, dst Endpoint, proto Protocol, port int) Explanation {
	sc, dc := m.classOfEndpoint(src), m.classOfEndpoint(dst)
	eg := m.explainDirection("egress", src, sc, dst, dc, proto, port)
	in := m.explainDirection("ingress", dst, dc, src, sc, proto, port)
	return Explanation{Egress: eg, Ingress: in}
}

// EndpointName is "ns/name" for a peer, or the address.
func (m *Model) EndpointName(e Endpoint) string {
	if e.Peer >= 0 {
		return m.Peers[e.Peer].ID()
	}
	return e.IP.String()
}

func (m *Model) explainDirection(dir string, self Endpoint, sc *class, other Endpoint, oc *class, proto Protocol, port int) (out DirectionExplanation) {
	out = DirectionExplanation{Direction: dir, Peer: m.EndpointName(self), Policies: []string{}, Rules: []RuleMatch{}}
	var res Result
	if dir == "egress" {
		res = m.egressOf(sc, other, oc)
	} else {
		res = m.ingressOf(other, oc, sc)
	}
	out.Ports = res.Allowed.Map()
	if !res.Unknown.Empty() {
		out.UnknownPorts = res.Unknown.Map()
	}
	out.Verdict = verdictFor(res, proto, port).String()
	what := "port " + portText(proto, port)
	if port == 0 {
		what = "any port"
	}
	otherName := m.EndpointName(other)
	if sc == nil {
		out.Reason = fmt.Sprintf("%s is outside the cluster: no NetworkPolicy governs its %s", out.Peer, dir)
		return out
	}
	out.Governed = true
	tierPrefix := ""
	if m.adminUnknown {
		out.Reason = fmt.Sprintf("the AdminNetworkPolicies could not be read (%s), and any of them could decide %s's %s, so it is unknown", m.tierReason, out.Peer, dir)
		return out
	}
	if sc.hasAdmin {
		var steps []tierStep
		np := func() Result {
			if dir == "egress" {
				return m.npEgress(sc, other, oc)
			}
			return m.npIngress(other, oc, sc)
		}
		m.tiered(dir, sc, other, oc, np, &steps)
		chain, final := m.tierExplanation(steps, proto, port)
		out.Tiers = chain
		if final != nil && port > 0 {
			r := final.rule
			out.Isolated = true
			out.Policies = append(out.Policies, r.policy.id)
			peer := ""
			for i, mi := range r.peers {
				if m.matchEndpoint(mi, other, oc) != no {
					peer = fmt.Sprintf("spec.%s[%d].%s[%d]", dir, r.index, map[string]string{"egress": "to", "ingress": "from"}[dir], i)
					break
				}
			}
			if final.t == yes && r.action == actAllow {
				out.Rules = append(out.Rules, RuleMatch{Policy: r.policy.id, Rule: fmt.Sprintf("spec.%s[%d]", dir, r.index), Peer: peer, Match: r.name, Ports: r.ports.text(), Certain: true})
			}
			verb := map[adminAction]string{actAllow: "allowed", actDeny: "denied", actPass: "passed"}[r.action]
			if final.t == maybe {
				verb = "possibly matched (unknown)"
			}
			out.Reason = fmt.Sprintf("%s by %s", verb, strings.Join(chain, " → "))
			return out
		}
		if len(chain) > 0 {
			tierPrefix = strings.Join(chain, " → ") + " → "
		}
		defer func() {
			if tierPrefix != "" {
				out.Reason = tierPrefix + out.Reason
			}
		}()
	}
	if sc.polUnknown {
		out.Reason = fmt.Sprintf("the NetworkPolicies of namespace %s could not be read (%s), so whether %s's %s allows %s is unknown",
			m.Peers[self.Peer].Namespace, sc.unknownWhy, out.Peer, dir, what)
		return out
	}
	pids := sc.inPolicies
	if dir == "egress" {
		pids = sc.egPolicies
	}
	for _, pid := range pids {
		out.Policies = append(out.Policies, m.policies[pid].id)
	}
	if len(pids) == 0 {
		out.Reason = fmt.Sprintf("no NetworkPolicy with policyType %s selects %s, so all its %s is allowed", titleDir(dir), out.Peer, dir)
		return out
	}
	out.Isolated = true
	for _, pid := range pids {
		cp := &m.policies[pid]
		rules := cp.in
		peerField := "from"
		if dir == "egress" {
			rules, peerField = cp.eg, "to"
		}
		for ri := range rules {
			r := &rules[ri]
			t, at := m.ruleMatch(r, other, oc)
			if t == no {
				continue
			}
			dstClass := oc
			if dir == "ingress" {
				dstClass = sc
			}
			ports := resolvedOn(&r.ports, dstClass)
			if port > 0 && !ports.Has(proto, port) {
				continue
			}
			if port == 0 && ports.Empty() {
				continue
			}
			rm := RuleMatch{Policy: cp.id, Rule: fmt.Sprintf("spec.%s[%d]", dir, ri), Certain: t == yes, Ports: r.ports.text()}
			if at >= 0 {
				rm.Peer = fmt.Sprintf("%s.%s[%d]", rm.Rule, peerField, at)
				rm.Match = m.matcherText(r.peers[at])
			} else {
				rm.Match = "everyone (the rule lists no peers)"
			}
			out.Rules = append(out.Rules, rm)
		}
	}
	isolatedBy := strings.Join(out.Policies, ", ")
	switch out.Verdict {
	case "allowed":
		first := out.Rules[0]
		for _, r := range out.Rules {
			if r.Certain {
				first = r
				break
			}
		}
		out.Reason = fmt.Sprintf("allowed by %s %s (%s; %s)", first.Policy, first.Rule, first.Match, PortsPhrase(first.Ports))
	case "unknown":
		var why []string
		for _, r := range out.Rules {
			if !r.Certain {
				why = append(why, fmt.Sprintf("%s %s (%s)", r.Policy, r.Rule, r.Match))
			}
		}
		out.Reason = fmt.Sprintf("only %s could allow %s, and whether it matches %s is unknown (%s)",
			strings.Join(why, " or "), what, otherName, m.unknownWhy(other, oc))
	default:
		out.Reason = fmt.Sprintf("%s is isolated for %s by %s, and no %s rule allows %s %s %s",
			out.Peer, dir, isolatedBy, dir, what, map[string]string{"egress": "to", "ingress": "from"}[dir], otherName)
	}
	return out
}

func (m *Model) unknownWhy(e Endpoint, c *class) string {
	if e.Peer >= 0 && len(m.Peers[e.Peer].IPs) == 0 {
		return "netviz does not know its IP address"
	}
	if e.Peer >= 0 {
		if ns := m.namespaces[m.Peers[e.Peer].Namespace]; ns != nil && ns.LabelsUnknown {
			return "the labels of namespace " + ns.Name + " could not be read: " + ns.Reason
		}
	}
	return "it depends on data netviz could not read"
}

func verdictFor(r Result, proto Protocol, port int) Verdict {
	if port > 0 {
		return r.Verdict(proto, port)
	}
	switch {
	case !r.Allowed.Empty():
		return Allowed
	case !r.Unknown.Empty():
		return Unknown
	}
	return Denied
}

func portText(proto Protocol, port int) string { return fmt.Sprintf("%d/%s", port, proto) }

func titleDir(dir string) string {
	if dir == "egress" {
		return "Egress"
	}
	return "Ingress"
}

func (rp *rulePorts) text() string {
	if len(rp.desc) == 0 && len(rp.named) == 0 {
		return "all"
	}
	return strings.Join(rp.desc, ", ")
}

// matcherText says in words what a policy peer selects.
func (m *Model) matcherText(mi int) string {
	if mi < 0 {
		return "nothing (an invalid peer)"
	}
	mt := &m.matchers[mi]
	switch mt.kind {
	case mPods:
		return fmt.Sprintf("pods %s in namespace %s", selText(mt.podSel.String()), mt.ns)
	case mNamespace:
		return fmt.Sprintf("all pods in namespaces %s", selText(mt.nsSel.String()))
	case mNsPods:
		return fmt.Sprintf("pods %s in namespaces %s", selText(mt.podSel.String()), selText(mt.nsSel.String()))
	case mIPBlock:
		s := "ipBlock " + mt.cidr.String()
		if len(mt.except) > 0 {
			var ex []string
			for _, e := range mt.except {
				ex = append(ex, e.String())
			}
			s += " except " + strings.Join(ex, ", ")
		}
		return s + " (matches pod IPs too, as the upstream conformance tests expect)"
	}
	return ""
}

func selText(s string) string {
	if s == "" {
		return "(any labels)"
	}
	return s
}

// PortsPhrase reads a RuleMatch's Ports in a sentence.
func PortsPhrase(ports string) string {
	if ports == "all" {
		return "all ports"
	}
	return "ports " + ports
}
