package policy

import (
	"fmt"
	"math/rand"
	"net/netip"
	"sort"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

// reference is a deliberately naive NetworkPolicy v1 evaluator: one pod
// pair, one port, straight from the spec, with no classes and no sets. The
// engine must agree with it everywhere it is certain.
type reference struct {
	nss      map[string]map[string]string
	peers    []Peer
	policies []*networkingv1.NetworkPolicy
	anps     []*anpv1alpha1.AdminNetworkPolicy
	banp     *anpv1alpha1.BaselineAdminNetworkPolicy
}

func (r *reference) nsLabels(ns string) labels.Set {
	l := labels.Set{NamespaceNameLabel: ns}
	for k, v := range r.nss[ns] {
		l[k] = v
	}
	return l
}

func sel(ls *metav1.LabelSelector) labels.Selector {
	s, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return labels.Nothing()
	}
	return s
}

func (r *reference) peerMatches(policyNS string, p networkingv1.NetworkPolicyPeer, other *Peer, ip netip.Addr) bool {
	if p.IPBlock != nil {
		addrs := []netip.Addr{ip}
		if other != nil {
			addrs = other.IPs
		}
		for _, a := range addrs {
			if !a.IsValid() {
				continue
			}
			if netip.MustParsePrefix(p.IPBlock.CIDR).Masked().Contains(a) {
				excluded := false
				for _, e := range p.IPBlock.Except {
					if netip.MustParsePrefix(e).Masked().Contains(a) {
						excluded = true
					}
				}
				if !excluded {
					return true
				}
			}
		}
		return false
	}
	if other == nil {
		return false
	}
	if p.NamespaceSelector == nil && other.Namespace != policyNS {
		return false
	}
	if p.NamespaceSelector != nil && !sel(p.NamespaceSelector).Matches(r.nsLabels(other.Namespace)) {
		return false
	}
	if p.PodSelector != nil && !sel(p.PodSelector).Matches(labels.Set(other.Labels)) {
		return false
	}
	return true
}

func portMatches(ports []networkingv1.NetworkPolicyPort, dst *Peer, proto Protocol, port int) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		if protocolOf(p.Protocol) != proto {
			continue
		}
		if p.Port == nil {
			return true
		}
		if p.Port.Type == intstr.String {
			if dst == nil {
				continue
			}
			for _, cp := range dst.Ports {
				if cp.Name == p.Port.StrVal && cp.Protocol == proto && cp.Port == port {
					return true
				}
			}
			continue
		}
		end := p.Port.IntVal
		if p.EndPort != nil {
			end = *p.EndPort
		}
		if port >= int(p.Port.IntVal) && port <= int(end) {
			return true
		}
	}
	return false
}

func hasType(np *networkingv1.NetworkPolicy, t networkingv1.PolicyType) bool {
	for _, x := range np.Spec.PolicyTypes {
		if x == t {
			return true
		}
	}
	return false
}

// allowed decides src → dst (either may be nil for an outside address):
// the source's egress and the destination's ingress, each through the
// tiers.
func (r *reference) allowed(src *Peer, srcIP netip.Addr, dst *Peer, dstIP netip.Addr, proto Protocol, port int) bool {
	egress := src == nil || r.direction(networkingv1.PolicyTypeEgress, src, dst, dstIP, dst, proto, port)
	ingress := dst == nil || r.direction(networkingv1.PolicyTypeIngress, dst, src, srcIP, dst, proto, port)
	return egress && ingress
}

// direction judges one side: self is the pod it is judged at, other the
// far end (nil with otherIP for an outside address), dst the destination
// (for named ports).
func (r *reference) direction(dir networkingv1.PolicyType, self, other *Peer, otherIP netip.Addr, dst *Peer, proto Protocol, port int) bool {
	// AdminNetworkPolicies, by priority then name; the first matching rule
	// decides, and Pass skips to NetworkPolicy.
	anps := append([]*anpv1alpha1.AdminNetworkPolicy(nil), r.anps...)
	sort.SliceStable(anps, func(i, j int) bool {
		if anps[i].Spec.Priority != anps[j].Spec.Priority {
			return anps[i].Spec.Priority < anps[j].Spec.Priority
		}
		return anps[i].Name < anps[j].Name
	})
	passed := false
	for _, a := range anps {
		if passed || !r.subjectMatches(a.Spec.Subject, self) {
			continue
		}
		for _, rule := range r.anpRules(a, dir) {
			if r.anyAdminPeer(rule.peers, other, otherIP) && adminPortMatches(rule.ports, dst, proto, port) {
				switch rule.action {
				case "Allow":
					return true
				case "Deny":
					return false
				}
				passed = true
				break
			}
		}
	}
	isolated, ok := false, false
	for _, np := range r.policies {
		if np.Namespace != self.Namespace || !hasType(np, dir) || !sel(&np.Spec.PodSelector).Matches(labels.Set(self.Labels)) {
			continue
		}
		isolated = true
		if dir == networkingv1.PolicyTypeEgress {
			for _, rule := range np.Spec.Egress {
				peerOK := len(rule.To) == 0
				for _, p := range rule.To {
					peerOK = peerOK || r.peerMatches(np.Namespace, p, other, otherIP)
				}
				ok = ok || (peerOK && portMatches(rule.Ports, dst, proto, port))
			}
		} else {
			for _, rule := range np.Spec.Ingress {
				peerOK := len(rule.From) == 0
				for _, p := range rule.From {
					peerOK = peerOK || r.peerMatches(np.Namespace, p, other, otherIP)
				}
				ok = ok || (peerOK && portMatches(rule.Ports, dst, proto, port))
			}
		}
	}
	if isolated {
		return ok
	}
	if r.banp != nil && r.subjectMatches(r.banp.Spec.Subject, self) {
		for _, rule := range r.banpRules(dir) {
			if r.anyAdminPeer(rule.peers, other, otherIP) && adminPortMatches(rule.ports, dst, proto, port) {
				return rule.action == "Allow"
			}
		}
	}
	return true
}

type refAdminPeer struct {
	namespaces *metav1.LabelSelector
	pods       *anpv1alpha1.NamespacedPod
	networks   []anpv1alpha1.CIDR
}

type refAdminRule struct {
	action string
	peers  []refAdminPeer
	ports  *[]anpv1alpha1.AdminNetworkPolicyPort
}

func (r *reference) anpRules(a *anpv1alpha1.AdminNetworkPolicy, dir networkingv1.PolicyType) []refAdminRule {
	var out []refAdminRule
	if dir == networkingv1.PolicyTypeIngress {
		for _, x := range a.Spec.Ingress {
			rr := refAdminRule{action: string(x.Action), ports: x.Ports}
			for _, p := range x.From {
				rr.peers = append(rr.peers, refAdminPeer{namespaces: p.Namespaces, pods: p.Pods})
			}
			out = append(out, rr)
		}
		return out
	}
	for _, x := range a.Spec.Egress {
		rr := refAdminRule{action: string(x.Action), ports: x.Ports}
		for _, p := range x.To {
			rr.peers = append(rr.peers, refAdminPeer{namespaces: p.Namespaces, pods: p.Pods, networks: p.Networks})
		}
		out = append(out, rr)
	}
	return out
}

func (r *reference) banpRules(dir networkingv1.PolicyType) []refAdminRule {
	var out []refAdminRule
	if dir == networkingv1.PolicyTypeIngress {
		for _, x := range r.banp.Spec.Ingress {
			rr := refAdminRule{action: string(x.Action), ports: x.Ports}
			for _, p := range x.From {
				rr.peers = append(rr.peers, refAdminPeer{namespaces: p.Namespaces, pods: p.Pods})
			}
			out = append(out, rr)
		}
		return out
	}
	for _, x := range r.banp.Spec.Egress {
		rr := refAdminRule{action: string(x.Action), ports: x.Ports}
		for _, p := range x.To {
			rr.peers = append(rr.peers, refAdminPeer{namespaces: p.Namespaces, pods: p.Pods, networks: p.Networks})
		}
		out = append(out, rr)
	}
	return out
}

func (r *reference) subjectMatches(s anpv1alpha1.AdminNetworkPolicySubject, p *Peer) bool {
	if s.Pods != nil {
		return sel(&s.Pods.NamespaceSelector).Matches(r.nsLabels(p.Namespace)) && sel(&s.Pods.PodSelector).Matches(labels.Set(p.Labels))
	}
	return s.Namespaces != nil && sel(s.Namespaces).Matches(r.nsLabels(p.Namespace))
}

func (r *reference) anyAdminPeer(peers []refAdminPeer, other *Peer, ip netip.Addr) bool {
	for _, p := range peers {
		switch {
		case p.namespaces != nil:
			if other != nil && sel(p.namespaces).Matches(r.nsLabels(other.Namespace)) {
				return true
			}
		case p.pods != nil:
			if other != nil && sel(&p.pods.NamespaceSelector).Matches(r.nsLabels(other.Namespace)) && sel(&p.pods.PodSelector).Matches(labels.Set(other.Labels)) {
				return true
			}
		case len(p.networks) > 0:
			addrs := []netip.Addr{ip}
			if other != nil {
				addrs = other.IPs
			}
			for _, n := range p.networks {
				for _, a := range addrs {
					if a.IsValid() && netip.MustParsePrefix(string(n)).Masked().Contains(a) {
						return true
					}
				}
			}
		}
	}
	return false
}

func adminPortMatches(ports *[]anpv1alpha1.AdminNetworkPolicyPort, dst *Peer, proto Protocol, port int) bool {
	if ports == nil {
		return true
	}
	for _, p := range *ports {
		switch {
		case p.PortNumber != nil:
			if protocolOf(&p.PortNumber.Protocol) == proto && int(p.PortNumber.Port) == port {
				return true
			}
		case p.PortRange != nil:
			if protocolOf(&p.PortRange.Protocol) == proto && port >= int(p.PortRange.Start) && port <= int(p.PortRange.End) {
				return true
			}
		case p.NamedPort != nil && dst != nil:
			for _, cp := range dst.Ports {
				if cp.Name == *p.NamedPort && cp.Protocol == proto && cp.Port == port {
					return true
				}
			}
		}
	}
	return false
}

// randomAdmin adds AdminNetworkPolicies and sometimes a baseline.
func randomAdmin(r *rand.Rand, randNsSel func() *metav1.LabelSelector, randSel func() *metav1.LabelSelector) ([]*anpv1alpha1.AdminNetworkPolicy, *anpv1alpha1.BaselineAdminNetworkPolicy) {
	actions := []anpv1alpha1.AdminNetworkPolicyRuleAction{"Allow", "Deny", "Pass"}
	subject := func() anpv1alpha1.AdminNetworkPolicySubject {
		if r.Intn(2) == 0 {
			return anpv1alpha1.AdminNetworkPolicySubject{Namespaces: randNsSel()}
		}
		return anpv1alpha1.AdminNetworkPolicySubject{Pods: &anpv1alpha1.NamespacedPod{NamespaceSelector: *randNsSel(), PodSelector: *randSel()}}
	}
	ports := func() *[]anpv1alpha1.AdminNetworkPolicyPort {
		switch r.Intn(4) {
		case 0:
			return nil
		case 1:
			return &[]anpv1alpha1.AdminNetworkPolicyPort{{PortNumber: &anpv1alpha1.Port{Protocol: "TCP", Port: 80}}}
		case 2:
			return &[]anpv1alpha1.AdminNetworkPolicyPort{{PortRange: &anpv1alpha1.PortRange{Protocol: "TCP", Start: 79, End: 80}}}
		}
		name := "http"
		return &[]anpv1alpha1.AdminNetworkPolicyPort{{NamedPort: &name}}
	}
	ingressPeer := func() anpv1alpha1.AdminNetworkPolicyIngressPeer {
		if r.Intn(2) == 0 {
			return anpv1alpha1.AdminNetworkPolicyIngressPeer{Namespaces: randNsSel()}
		}
		return anpv1alpha1.AdminNetworkPolicyIngressPeer{Pods: &anpv1alpha1.NamespacedPod{NamespaceSelector: *randNsSel(), PodSelector: *randSel()}}
	}
	egressPeer := func() anpv1alpha1.AdminNetworkPolicyEgressPeer {
		switch r.Intn(3) {
		case 0:
			return anpv1alpha1.AdminNetworkPolicyEgressPeer{Namespaces: randNsSel()}
		case 1:
			return anpv1alpha1.AdminNetworkPolicyEgressPeer{Networks: []anpv1alpha1.CIDR{anpv1alpha1.CIDR(fmt.Sprintf("10.0.%d.0/24", r.Intn(2))), "192.0.2.0/24"}}
		}
		return anpv1alpha1.AdminNetworkPolicyEgressPeer{Pods: &anpv1alpha1.NamespacedPod{NamespaceSelector: *randNsSel(), PodSelector: *randSel()}}
	}
	var anps []*anpv1alpha1.AdminNetworkPolicy
	for i := r.Intn(4); i > 0; i-- {
		a := &anpv1alpha1.AdminNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprint("anp", i)}}
		a.Spec.Priority = int32(r.Intn(3))
		a.Spec.Subject = subject()
		for k := r.Intn(3); k > 0; k-- {
			a.Spec.Ingress = append(a.Spec.Ingress, anpv1alpha1.AdminNetworkPolicyIngressRule{Action: actions[r.Intn(3)], From: []anpv1alpha1.AdminNetworkPolicyIngressPeer{ingressPeer()}, Ports: ports()})
		}
		for k := r.Intn(3); k > 0; k-- {
			a.Spec.Egress = append(a.Spec.Egress, anpv1alpha1.AdminNetworkPolicyEgressRule{Action: actions[r.Intn(3)], To: []anpv1alpha1.AdminNetworkPolicyEgressPeer{egressPeer()}, Ports: ports()})
		}
		anps = append(anps, a)
	}
	if r.Intn(2) == 0 {
		return anps, nil
	}
	b := &anpv1alpha1.BaselineAdminNetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	b.Spec.Subject = subject()
	for k := r.Intn(3); k > 0; k-- {
		b.Spec.Ingress = append(b.Spec.Ingress, anpv1alpha1.BaselineAdminNetworkPolicyIngressRule{Action: anpv1alpha1.BaselineAdminNetworkPolicyRuleAction(actions[r.Intn(2)]), From: []anpv1alpha1.AdminNetworkPolicyIngressPeer{ingressPeer()}, Ports: ports()})
	}
	for k := r.Intn(3); k > 0; k-- {
		ep := egressPeer()
		b.Spec.Egress = append(b.Spec.Egress, anpv1alpha1.BaselineAdminNetworkPolicyEgressRule{Action: anpv1alpha1.BaselineAdminNetworkPolicyRuleAction(actions[r.Intn(2)]), To: []anpv1alpha1.BaselineAdminNetworkPolicyEgressPeer{{Namespaces: ep.Namespaces, Pods: ep.Pods, Networks: ep.Networks}}, Ports: ports()})
	}
	return anps, b
}

// randomWorld makes namespaces, peers (all with IPs, so every answer is
// certain) and policies from a seed, with every feature mixed in.
func randomWorld(r *rand.Rand) ([]Namespace, map[string]map[string]string, []Peer, []*networkingv1.NetworkPolicy, []*anpv1alpha1.AdminNetworkPolicy, *anpv1alpha1.BaselineAdminNetworkPolicy) {
	nsNames := []string{"a", "b", "c"}
	nsLabels := map[string]map[string]string{}
	var nss []Namespace
	for _, n := range nsNames {
		l := map[string]string{"team": []string{"x", "y"}[r.Intn(2)]}
		if r.Intn(2) == 0 {
			l["env"] = "prod"
		}
		nsLabels[n] = l
		nss = append(nss, Namespace{Name: n, Labels: l})
	}
	var peers []Peer
	for i := 0; i < 12; i++ {
		l := map[string]string{"app": fmt.Sprint("app", r.Intn(3))}
		if r.Intn(2) == 0 {
			l["tier"] = []string{"web", "db"}[r.Intn(2)]
		}
		httpPort := 80 + r.Intn(2)
		peers = append(peers, Peer{
			Namespace: nsNames[r.Intn(3)], Name: fmt.Sprint("p", i), Kind: "Pod", Labels: l,
			IPs:   []netip.Addr{netip.AddrFrom4([4]byte{10, 0, byte(r.Intn(2)), byte(i + 1)})},
			Ports: []NamedPort{{"http", TCP, httpPort}, {"dns", UDP, 53}},
		})
	}
	randSel := func() *metav1.LabelSelector {
		switch r.Intn(5) {
		case 0:
			return &metav1.LabelSelector{}
		case 1:
			return &metav1.LabelSelector{MatchLabels: map[string]string{"app": fmt.Sprint("app", r.Intn(3))}}
		case 2:
			return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"web"}}}}
		case 3:
			return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpDoesNotExist}}}
		}
		return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"app0"}}}}
	}
	randNsSel := func() *metav1.LabelSelector {
		switch r.Intn(3) {
		case 0:
			return &metav1.LabelSelector{}
		case 1:
			return &metav1.LabelSelector{MatchLabels: map[string]string{"team": "x"}}
		}
		return &metav1.LabelSelector{MatchLabels: map[string]string{NamespaceNameLabel: nsNames[r.Intn(3)]}}
	}
	randPeers := func() []networkingv1.NetworkPolicyPeer {
		var out []networkingv1.NetworkPolicyPeer
		for k := r.Intn(3); k > 0; k-- {
			switch r.Intn(4) {
			case 0:
				out = append(out, networkingv1.NetworkPolicyPeer{PodSelector: randSel()})
			case 1:
				out = append(out, networkingv1.NetworkPolicyPeer{NamespaceSelector: randNsSel()})
			case 2:
				out = append(out, networkingv1.NetworkPolicyPeer{NamespaceSelector: randNsSel(), PodSelector: randSel()})
			default:
				out = append(out, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/16", Except: []string{fmt.Sprintf("10.0.%d.0/24", r.Intn(2))}}})
			}
		}
		return out
	}
	randPorts := func() []networkingv1.NetworkPolicyPort {
		var out []networkingv1.NetworkPolicyPort
		tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
		for k := r.Intn(3); k > 0; k-- {
			switch r.Intn(4) {
			case 0:
				p := intstr.FromInt32(80)
				out = append(out, networkingv1.NetworkPolicyPort{Protocol: &tcp, Port: &p})
			case 1:
				p, end := intstr.FromInt32(79), int32(80)
				out = append(out, networkingv1.NetworkPolicyPort{Protocol: &tcp, Port: &p, EndPort: &end})
			case 2:
				p := intstr.FromString("http")
				out = append(out, networkingv1.NetworkPolicyPort{Protocol: &tcp, Port: &p})
			default:
				out = append(out, networkingv1.NetworkPolicyPort{Protocol: &udp})
			}
		}
		return out
	}
	var pols []*networkingv1.NetworkPolicy
	for i := r.Intn(6); i > 0; i-- {
		np := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: nsNames[r.Intn(3)], Name: fmt.Sprint("np", i)}}
		np.Spec.PodSelector = *randSel()
		if r.Intn(3) > 0 {
			np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
			for k := r.Intn(3); k > 0; k-- {
				np.Spec.Ingress = append(np.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{From: randPeers(), Ports: randPorts()})
			}
		}
		if r.Intn(2) == 0 || len(np.Spec.PolicyTypes) == 0 {
			np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
			for k := r.Intn(3); k > 0; k-- {
				np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{To: randPeers(), Ports: randPorts()})
			}
		}
		pols = append(pols, np)
	}
	var anps []*anpv1alpha1.AdminNetworkPolicy
	var banp *anpv1alpha1.BaselineAdminNetworkPolicy
	if r.Intn(2) == 0 {
		anps, banp = randomAdmin(r, randNsSel, randSel)
	}
	return nss, nsLabels, peers, pols, anps, banp
}

// TestAgreesWithReference compares the engine with the naive evaluator on
// many random worlds, for every pod pair on the interesting ports.
func TestAgreesWithReference(t *testing.T) {
	for seed := int64(0); seed < 300; seed++ {
		checkAgainstReference(t, seed)
	}
}

// FuzzEngine lets the fuzzer pick worlds: the engine must never panic and
// must agree with the reference.
func FuzzEngine(f *testing.F) {
	for _, s := range []int64{1, 7, 42} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seed int64) { checkAgainstReference(t, seed) })
}

func checkAgainstReference(t *testing.T, seed int64) {
	r := rand.New(rand.NewSource(seed))
	nss, nsLabels, peers, pols, anps, banp := randomWorld(r)
	m := Compile(Input{Namespaces: nss, Peers: peers, Policies: pols, AdminPolicies: anps, Baseline: banp})
	ref := &reference{nss: nsLabels, peers: peers, policies: pols, anps: anps, banp: banp}
	// The bulk path answers exactly as the per-pair path.
	all := make([]Result, m.Classes())
	for s := 0; s < m.Classes(); s++ {
		m.ReachFrom(s, all)
		for d := range all {
			if want := m.ClassReach(s, d); !all[d].Allowed.Equal(want.Allowed) || !all[d].Unknown.Equal(want.Unknown) {
				t.Fatalf("seed %d: class %d → %d: ReachFrom %v, ClassReach %v", seed, s, d, all[d], want)
			}
		}
	}
	outside := netip.MustParseAddr("192.0.2.7")
	for si := range peers {
		for di := range peers {
			if si == di {
				continue
			}
			res := m.Reach(PeerEndpoint(si), PeerEndpoint(di))
			for _, pp := range []struct {
				proto Protocol
				port  int
			}{{TCP, 79}, {TCP, 80}, {TCP, 81}, {UDP, 53}, {SCTP, 80}} {
				want := ref.allowed(&peers[si], netip.Addr{}, &peers[di], netip.Addr{}, pp.proto, pp.port)
				if got := res.Verdict(pp.proto, pp.port); (got == Allowed) != want || got == Unknown {
					t.Fatalf("seed %d: %s → %s %d/%s: engine %s, reference allowed=%v", seed, peers[si].ID(), peers[di].ID(), pp.port, pp.proto, got, want)
				}
			}
		}
		// To and from an address outside the cluster.
		if got, want := m.Reach(PeerEndpoint(si), IPEndpoint(outside)).Verdict(TCP, 80) == Allowed, ref.allowed(&peers[si], netip.Addr{}, nil, outside, TCP, 80); got != want {
			t.Fatalf("seed %d: %s → %s: engine %v, reference %v", seed, peers[si].ID(), outside, got, want)
		}
		if got, want := m.Reach(IPEndpoint(outside), PeerEndpoint(si)).Verdict(TCP, 80) == Allowed, ref.allowed(nil, outside, &peers[si], netip.Addr{}, TCP, 80); got != want {
			t.Fatalf("seed %d: %s → %s: engine %v, reference %v", seed, outside, peers[si].ID(), got, want)
		}
	}
}
