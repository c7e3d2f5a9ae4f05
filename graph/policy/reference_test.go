package policy

import (
	"fmt"
	"math/rand"
	"net/netip"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// reference is a deliberately naive NetworkPolicy v1 evaluator: one pod
// pair, one port, straight from the spec, with no classes and no sets. The
// engine must agree with it everywhere it is certain.
type reference struct {
	nss      map[string]map[string]string
	peers    []Peer
	policies []*networkingv1.NetworkPolicy
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

// allowed decides src → dst (either may be nil for an outside address).
func (r *reference) allowed(src *Peer, srcIP netip.Addr, dst *Peer, dstIP netip.Addr, proto Protocol, port int) bool {
	egress := true
	if src != nil {
		isolated, ok := false, false
		for _, np := range r.policies {
			if np.Namespace != src.Namespace || !hasType(np, networkingv1.PolicyTypeEgress) || !sel(&np.Spec.PodSelector).Matches(labels.Set(src.Labels)) {
				continue
			}
			isolated = true
			for _, rule := range np.Spec.Egress {
				peerOK := len(rule.To) == 0
				for _, p := range rule.To {
					peerOK = peerOK || r.peerMatches(np.Namespace, p, dst, dstIP)
				}
				ok = ok || (peerOK && portMatches(rule.Ports, dst, proto, port))
			}
		}
		egress = !isolated || ok
	}
	ingress := true
	if dst != nil {
		isolated, ok := false, false
		for _, np := range r.policies {
			if np.Namespace != dst.Namespace || !hasType(np, networkingv1.PolicyTypeIngress) || !sel(&np.Spec.PodSelector).Matches(labels.Set(dst.Labels)) {
				continue
			}
			isolated = true
			for _, rule := range np.Spec.Ingress {
				peerOK := len(rule.From) == 0
				for _, p := range rule.From {
					peerOK = peerOK || r.peerMatches(np.Namespace, p, src, srcIP)
				}
				ok = ok || (peerOK && portMatches(rule.Ports, dst, proto, port))
			}
		}
		ingress = !isolated || ok
	}
	return egress && ingress
}

// randomWorld makes namespaces, peers (all with IPs, so every answer is
// certain) and policies from a seed, with every feature mixed in.
func randomWorld(r *rand.Rand) ([]Namespace, map[string]map[string]string, []Peer, []*networkingv1.NetworkPolicy) {
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
	return nss, nsLabels, peers, pols
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
	nss, nsLabels, peers, pols := randomWorld(r)
	m := Compile(Input{Namespaces: nss, Peers: peers, Policies: pols})
	ref := &reference{nss: nsLabels, peers: peers, policies: pols}
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
