package policy

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

// Node is what the engine knows of a cluster node, for AdminNetworkPolicy
// "nodes" peers.
type Node struct {
	Name   string
	Labels map[string]string
	IPs    []netip.Addr
}

type adminAction uint8

const (
	actAllow adminAction = iota
	actDeny
	actPass
)

func (a adminAction) String() string {
	return [...]string{"Allow", "Deny", "Pass"}[a]
}

// adminRule is one compiled AdminNetworkPolicy or
// BaselineAdminNetworkPolicy rule.
type adminRule struct {
	policy *adminPolicy
	index  int
	name   string
	action adminAction
	peers  []int
	ports  rulePorts
	dir    string
}

// label names the rule for explanations, e.g.
// "AdminNetworkPolicy/cluster-guard ingress rule 2 (deny-others, Deny)".
func (r *adminRule) label() string {
	name := ""
	if r.name != "" {
		name = r.name + ", "
	}
	return fmt.Sprintf("%s %s rule %d (%s%s)", r.policy.id, r.dir, r.index, name, r.action)
}

type adminPolicy struct {
	id       string
	baseline bool
	priority int32
	subject  int
	in, eg   []adminRule
}

// compileAdmin compiles the cluster-scoped tiers, ordered by priority (a
// lower number first) and, for equal priorities — which the API leaves to
// the implementation — by name, so answers are stable.
func (m *Model) compileAdmin(anps []*anpv1alpha1.AdminNetworkPolicy, banp *anpv1alpha1.BaselineAdminNetworkPolicy, add func(matcher) int) {
	for _, p := range anps {
		m.admin = append(m.admin, m.compileAdminPolicy("AdminNetworkPolicy/"+p.Name, false, p.Spec, add))
	}
	sort.SliceStable(m.admin, func(i, j int) bool {
		if m.admin[i].priority != m.admin[j].priority {
			return m.admin[i].priority < m.admin[j].priority
		}
		return m.admin[i].id < m.admin[j].id
	})
	if banp != nil {
		m.baseline = m.compileAdminPolicy("BaselineAdminNetworkPolicy/"+banp.Name, true, baselineSpec(banp), add)
	}
}

// baselineSpec writes a baseline's rules in the admin tier's shape: the
// same fields, without a priority.
func baselineSpec(b *anpv1alpha1.BaselineAdminNetworkPolicy) anpv1alpha1.AdminNetworkPolicySpec {
	spec := anpv1alpha1.AdminNetworkPolicySpec{Subject: b.Spec.Subject}
	for _, r := range b.Spec.Ingress {
		spec.Ingress = append(spec.Ingress, anpv1alpha1.AdminNetworkPolicyIngressRule{Name: r.Name, Action: anpv1alpha1.AdminNetworkPolicyRuleAction(r.Action), From: r.From, Ports: r.Ports})
	}
	for _, r := range b.Spec.Egress {
		er := anpv1alpha1.AdminNetworkPolicyEgressRule{Name: r.Name, Action: anpv1alpha1.AdminNetworkPolicyRuleAction(r.Action), Ports: r.Ports}
		for _, p := range r.To {
			er.To = append(er.To, anpv1alpha1.AdminNetworkPolicyEgressPeer{Namespaces: p.Namespaces, Pods: p.Pods, Nodes: p.Nodes, Networks: p.Networks})
		}
		spec.Egress = append(spec.Egress, er)
	}
	return spec
}

func (m *Model) compileAdminPolicy(id string, baseline bool, spec anpv1alpha1.AdminNetworkPolicySpec, add func(matcher) int) *adminPolicy {
	ap := &adminPolicy{id: id, baseline: baseline, priority: spec.Priority, subject: m.subjectMatcher(spec.Subject, add)}
	for i, r := range spec.Ingress {
		ar := adminRule{policy: ap, index: i, name: r.Name, action: actionOf(string(r.Action)), ports: compileAdminPorts(r.Ports), dir: "ingress"}
		for _, peer := range r.From {
			ar.peers = append(ar.peers, m.adminPeer(peer.Namespaces, peer.Pods, nil, nil, add))
		}
		ap.in = append(ap.in, ar)
	}
	for i, r := range spec.Egress {
		ar := adminRule{policy: ap, index: i, name: r.Name, action: actionOf(string(r.Action)), ports: compileAdminPorts(r.Ports), dir: "egress"}
		for _, peer := range r.To {
			if len(peer.DomainNames) > 0 {
				ar.peers = append(ar.peers, add(matcher{kind: mDomains, desc: "domains " + fmt.Sprint(peer.DomainNames)}))
				continue
			}
			ar.peers = append(ar.peers, m.adminPeer(peer.Namespaces, peer.Pods, peer.Nodes, peer.Networks, add))
		}
		ap.eg = append(ap.eg, ar)
	}
	return ap
}

func actionOf(s string) adminAction {
	switch s {
	case "Allow":
		return actAllow
	case "Pass":
		return actPass
	}
	return actDeny // anything invalid denies rather than allows
}

func (m *Model) subjectMatcher(s anpv1alpha1.AdminNetworkPolicySubject, add func(matcher) int) int {
	if s.Pods != nil {
		return m.adminPeer(nil, s.Pods, nil, nil, add)
	}
	return m.adminPeer(s.Namespaces, nil, nil, nil, add)
}

// adminPeer compiles one peer: namespaces, pods, nodes or networks.
func (m *Model) adminPeer(ns *metav1.LabelSelector, pods *anpv1alpha1.NamespacedPod, nodes *metav1.LabelSelector, networks []anpv1alpha1.CIDR, add func(matcher) int) int {
	switch {
	case pods != nil:
		nsSel, podSel := selectorOrNothing(&pods.NamespaceSelector), selectorOrNothing(&pods.PodSelector)
		return add(matcher{kind: mNsPods, nsSel: nsSel, podSel: podSel, desc: "nspods " + nsSel.String() + " | " + podSel.String()})
	case ns != nil:
		nsSel := selectorOrNothing(ns)
		return add(matcher{kind: mNamespace, nsSel: nsSel, desc: "ns " + nsSel.String()})
	case nodes != nil:
		sel := selectorOrNothing(nodes)
		return add(matcher{kind: mNodes, nsSel: sel, desc: "nodes " + sel.String()})
	case len(networks) > 0:
		var prefixes []netip.Prefix
		var parts []string
		for _, n := range networks {
			p, err := netip.ParsePrefix(string(n))
			if err != nil {
				continue
			}
			prefixes = append(prefixes, p.Masked())
			parts = append(parts, p.Masked().String())
		}
		return add(matcher{kind: mNetworks, networks: prefixes, desc: "networks " + strings.Join(parts, ",")})
	}
	return -1
}

func compileAdminPorts(ports *[]anpv1alpha1.AdminNetworkPolicyPort) rulePorts {
	var rp rulePorts
	if ports == nil {
		rp.numeric = AllProtocols
		return rp
	}
	for _, p := range *ports {
		switch {
		case p.PortNumber != nil:
			proto := protocolOf(&p.PortNumber.Protocol)
			rp.numeric[proto] = rp.numeric[proto].Union(Single(int(p.PortNumber.Port)))
			rp.desc = append(rp.desc, strconv.Itoa(int(p.PortNumber.Port))+"/"+proto.String())
		case p.PortRange != nil:
			proto := protocolOf(&p.PortRange.Protocol)
			rp.numeric[proto] = rp.numeric[proto].Union(Span(int(p.PortRange.Start), int(p.PortRange.End)))
			rp.desc = append(rp.desc, fmt.Sprintf("%d-%d/%s", p.PortRange.Start, p.PortRange.End, proto))
		case p.NamedPort != nil:
			// A named port matches a container port of that name, with
			// whatever protocol the container declares.
			for _, proto := range Protocols {
				rp.named = append(rp.named, namedRef{*p.NamedPort, proto})
			}
			rp.desc = append(rp.desc, *p.NamedPort)
		}
	}
	return rp
}

// matchAdminPeers evaluates a rule's peers against an endpoint.
func (m *Model) matchAdminPeers(r *adminRule, e Endpoint, c *class) tri {
	best := no
	for _, mi := range r.peers {
		switch m.matchEndpoint(mi, e, c) {
		case yes:
			return yes
		case maybe:
			best = maybe
		}
	}
	return best
}

// tierStep records how one rule decided some ports, for explanations.
type tierStep struct {
	rule  *adminRule
	ports Ports
	t     tri
}

// tiered decides one direction through the tiers: AdminNetworkPolicy rules
// by priority (Allow and Deny are final, Pass hands the ports to the next
// tier), then NetworkPolicy when any selects the pod, else the
// BaselineAdminNetworkPolicy, else allowed. self is the pod the direction
// is judged at; other the far end.
func (m *Model) tiered(dir string, self *class, other Endpoint, oc *class, np func() Result, steps *[]tierStep) Result {
	if m.adminUnknown {
		return unknownResult // an unread AdminNetworkPolicy could decide anything
	}
	var res Result
	undecided := AllProtocols
	var passed Ports
	rulesOf := func(ap *adminPolicy) []adminRule {
		if dir == "ingress" {
			return ap.in
		}
		return ap.eg
	}
	// Ports of a rule resolve on the destination.
	dest := self
	if dir == "egress" {
		dest = oc
	}
	apply := func(r *adminRule, baseline bool) {
		t := m.matchAdminPeers(r, other, oc)
		if t == no {
			return
		}
		ports := resolvedOn(&r.ports, dest).Intersect(undecided)
		if ports.Empty() {
			return
		}
		undecided = undecided.Subtract(ports)
		if steps != nil {
			*steps = append(*steps, tierStep{rule: r, ports: ports, t: t})
		}
		switch {
		case t == maybe:
			res.Unknown = res.Unknown.Union(ports)
		case r.action == actAllow:
			res.Allowed = res.Allowed.Union(ports)
		case r.action == actPass && !baseline:
			passed = passed.Union(ports)
		}
	}
	for _, ap := range m.admin {
		if !self.yes.has(ap.subject) {
			if self.maybe.has(ap.subject) {
				// Whether this policy applies is unknown: so is every port
				// it could decide.
				for i := range rulesOf(ap) {
					r := &rulesOf(ap)[i]
					if m.matchAdminPeers(r, other, oc) != no {
						ports := resolvedOn(&r.ports, dest).Intersect(undecided)
						res.Unknown = res.Unknown.Union(ports)
						undecided = undecided.Subtract(ports)
					}
				}
			}
			continue
		}
		rules := rulesOf(ap)
		for i := range rules {
			apply(&rules[i], false)
		}
	}
	rest := undecided.Union(passed)
	if rest.Empty() {
		return res
	}
	pols := self.inPolicies
	if dir == "egress" {
		pols = self.egPolicies
	}
	if self.polUnknown || len(pols) > 0 {
		r := np()
		res.Allowed = res.Allowed.Union(r.Allowed.Intersect(rest))
		res.Unknown = res.Unknown.Union(r.Unknown.Intersect(rest))
		return res
	}
	undecided = rest
	if m.baselineUnknown {
		res.Unknown = res.Unknown.Union(undecided)
		return res
	}
	if bp := m.baseline; bp != nil && self.yes.has(bp.subject) {
		rules := rulesOf(bp)
		for i := range rules {
			apply(&rules[i], true)
		}
	}
	res.Allowed = res.Allowed.Union(undecided)
	return res
}

// tierExplanation says, for one port, which tier decided and how.
func (m *Model) tierExplanation(steps []tierStep, proto Protocol, port int) (chain []string, final *tierStep) {
	for i := range steps {
		s := &steps[i]
		if port > 0 && !s.ports.Has(proto, port) {
			continue
		}
		chain = append(chain, s.rule.label())
		if s.rule.action != actPass || s.rule.policy.baseline || s.t == maybe {
			return chain, s
		}
	}
	return chain, nil
}
