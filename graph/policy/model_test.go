package policy

import (
	"net/netip"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"
)

// testPeers is a small world: namespaces x and y (labelled ns=NAME), pods
// a and b in each, with named ports; y/b has no known IP.
func testPeers() ([]Namespace, []Peer) {
	nss := []Namespace{{Name: "x", Labels: map[string]string{"ns": "x"}}, {Name: "y", Labels: map[string]string{"ns": "y"}}}
	ports := []NamedPort{{"http", TCP, 8080}, {"dns", UDP, 53}}
	peers := []Peer{
		{Namespace: "x", Name: "a", Kind: "Pod", Labels: map[string]string{"pod": "a"}, IPs: []netip.Addr{netip.MustParseAddr("10.0.1.1")}, Ports: ports},
		{Namespace: "x", Name: "b", Kind: "Pod", Labels: map[string]string{"pod": "b"}, IPs: []netip.Addr{netip.MustParseAddr("10.0.1.2")}, Ports: ports},
		{Namespace: "y", Name: "a", Kind: "Pod", Labels: map[string]string{"pod": "a"}, IPs: []netip.Addr{netip.MustParseAddr("10.0.2.1")}, Ports: []NamedPort{{"http", TCP, 9090}}},
		{Namespace: "y", Name: "b", Kind: "Deployment", Labels: map[string]string{"pod": "b"}},
	}
	return nss, peers
}

func policies(t *testing.T, docs string) []*networkingv1.NetworkPolicy {
	t.Helper()
	var out []*networkingv1.NetworkPolicy
	for _, doc := range strings.Split(docs, "\n---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		np := &networkingv1.NetworkPolicy{}
		if err := yaml.UnmarshalStrict([]byte(doc), np); err != nil {
			t.Fatalf("bad test policy: %v\n%s", err, doc)
		}
		out = append(out, np)
	}
	return out
}

func verdictOf(t *testing.T, m *Model, from, to string, proto Protocol, port int) Verdict {
	t.Helper()
	ep := func(s string) Endpoint {
		if ip, err := netip.ParseAddr(s); err == nil {
			return IPEndpoint(ip)
		}
		i, ok := m.PeerIndex(s)
		if !ok {
			t.Fatalf("no peer %s", s)
		}
		return PeerEndpoint(i)
	}
	return m.Reach(ep(from), ep(to)).Verdict(proto, port)
}

func TestSemantics(t *testing.T) {
	type probe struct {
		from, to string
		proto    Protocol
		port     int
		want     Verdict
	}
	tests := map[string]struct {
		policies string
		nsMod    func([]Namespace)
		probes   []probe
	}{
		"no policy: all open": {
			probes: []probe{{"x/a", "y/a", TCP, 1, Allowed}, {"y/b", "x/a", SCTP, 65535, Allowed}},
		},
		"deny all ingress in x": {
			policies: `metadata: {name: deny, namespace: x}
spec: {podSelector: {}, policyTypes: [Ingress]}`,
			probes: []probe{{"y/a", "x/a", TCP, 80, Denied}, {"x/b", "x/a", TCP, 80, Denied}, {"x/a", "y/a", TCP, 80, Allowed}, {"10.9.9.9", "x/a", TCP, 80, Denied}},
		},
		"ingress: [] equals no ingress": {
			policies: `metadata: {name: deny, namespace: x}
spec: {podSelector: {}, policyTypes: [Ingress], ingress: []}`,
			probes: []probe{{"y/a", "x/a", TCP, 80, Denied}},
		},
		"empty rule allows everyone, outside too": {
			policies: `metadata: {name: open, namespace: x}
spec: {podSelector: {}, policyTypes: [Ingress], ingress: [{}]}`,
			probes: []probe{{"y/a", "x/a", UDP, 5, Allowed}, {"192.0.2.1", "x/a", TCP, 80, Allowed}},
		},
		"podSelector alone means the policy's namespace": {
			policies: `metadata: {name: p, namespace: x}
spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]}`,
			probes: []probe{{"x/b", "x/a", TCP, 80, Allowed}, {"y/b", "x/a", TCP, 80, Denied}, {"x/a", "x/b", TCP, 80, Allowed}},
		},
		"namespace and pod selector in one peer is AND": {
			policies: `metadata: {name: p, namespace: x}
spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}, podSelector: {matchLabels: {pod: a}}}]}]}`,
			probes: []probe{{"y/a", "x/a", TCP, 80, Allowed}, {"y/b", "x/a", TCP, 80, Denied}, {"x/b", "x/a", TCP, 80, Denied}},
		},
		"separate peers are OR": {
			policies: `metadata: {name: p, namespace: x}
spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}}, {podSelector: {matchLabels: {pod: b}}}]}]}`,
			probes: []probe{{"y/a", "x/a", TCP, 80, Allowed}, {"y/b", "x/a", TCP, 80, Allowed}, {"x/b", "x/a", TCP, 80, Allowed}},
		},
		"policyTypes absent with egress rules isolates egress too": {
			policies: `metadata: {name: p, namespace: x}
spec: {podSelector: {matchLabels: {pod: a}}, egress: [{ports: [{port: 53, protocol: UDP}]}]}`,
			probes: []probe{{"x/a", "y/a", UDP, 53, Allowed}, {"x/a", "y/a", TCP, 80, Denied}, {"y/a", "x/a", TCP, 80, Denied}},
		},
		"named port resolves on the destination, name and protocol": {
			policies: `metadata: {name: p, namespace: "y"}
spec: {podSelector: {}, ingress: [{ports: [{port: http}]}]}`,
			probes: []probe{{"x/a", "y/a", TCP, 9090, Allowed}, {"x/a", "y/a", TCP, 8080, Denied}},
		},
		"named port with the wrong protocol matches nothing": {
			policies: `metadata: {name: p, namespace: x}
spec: {podSelector: {}, ingress: [{ports: [{port: http, protocol: UDP}]}]}`,
			probes: []probe{{"y/a", "x/a", UDP, 8080, Denied}, {"y/a", "x/a", TCP, 8080, Denied}},
		},
		"endPort range": {
			policies: `metadata: {name: p, namespace: x}
spec: {podSelector: {}, ingress: [{ports: [{port: 8000, endPort: 8100}]}]}`,
			probes: []probe{{"y/a", "x/a", TCP, 7999, Denied}, {"y/a", "x/a", TCP, 8000, Allowed}, {"y/a", "x/a", TCP, 8100, Allowed}, {"y/a", "x/a", TCP, 8101, Denied}},
		},
		"protocol only means every port of it": {
			policies: `metadata: {name: p, namespace: x}
spec: {podSelector: {}, ingress: [{ports: [{protocol: UDP}]}]}`,
			probes: []probe{{"y/a", "x/a", UDP, 12345, Allowed}, {"y/a", "x/a", TCP, 12345, Denied}},
		},
		"both sides must allow": {
			policies: `metadata: {name: eg, namespace: x}
spec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Egress], egress: [{ports: [{port: 80}]}]}
---
metadata: {name: in, namespace: "y"}
spec: {podSelector: {}, policyTypes: [Ingress], ingress: [{ports: [{port: 81}]}]}`,
			probes: []probe{{"x/a", "y/a", TCP, 80, Denied}, {"x/a", "y/a", TCP, 81, Denied}, {"x/b", "y/a", TCP, 81, Allowed}},
		},
		"ipBlock with except matches pod IPs": {
			policies: `metadata: {name: p, namespace: x}
spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.2.0/24]}}]}]}`,
			probes: []probe{{"x/b", "x/a", TCP, 80, Allowed}, {"y/a", "x/a", TCP, 80, Denied}, {"10.0.9.9", "x/a", TCP, 80, Allowed}, {"10.0.2.9", "x/a", TCP, 80, Denied}},
		},
		"ipBlock against a peer without IP is unknown": {
			policies: `metadata: {name: p, namespace: x}
spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}}]}]}`,
			probes: []probe{{"y/b", "x/a", TCP, 80, Unknown}},
		},
		"uncertain rule does not hide a certain one": {
			policies: `metadata: {name: p, namespace: x}
spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}}]}, {from: [{namespaceSelector: {}}], ports: [{port: 80}]}]}`,
			probes: []probe{{"y/b", "x/a", TCP, 80, Allowed}, {"y/b", "x/a", TCP, 81, Unknown}},
		},
		"IPv6 ipBlock": {
			policies: `metadata: {name: p, namespace: x}
spec: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: "fd00::/64", except: ["fd00::ff/128"]}}]}]}`,
			probes: []probe{{"fd00::1", "x/a", TCP, 80, Allowed}, {"fd00::ff", "x/a", TCP, 80, Denied}, {"fd01::1", "x/a", TCP, 80, Denied}},
		},
		"unreadable namespace labels: only the name label is certain": {
			policies: `metadata: {name: p, namespace: x}
spec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}}], ports: [{port: 80}]}, {from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: "y"}}}], ports: [{port: 81}]}]}`,
			nsMod: func(nss []Namespace) {
				for i := range nss {
					nss[i].LabelsUnknown, nss[i].Reason = true, "forbidden"
				}
			},
			probes: []probe{{"y/a", "x/a", TCP, 80, Unknown}, {"y/a", "x/a", TCP, 81, Allowed}, {"x/b", "x/a", TCP, 81, Denied}},
		},
		"unreadable policies: nothing certain about that namespace": {
			nsMod: func(nss []Namespace) {
				nss[1].PoliciesUnknown, nss[1].Reason = true, "forbidden"
			},
			probes: []probe{{"x/a", "y/a", TCP, 80, Unknown}, {"y/a", "x/a", TCP, 80, Unknown}, {"x/a", "x/b", TCP, 80, Allowed}},
		},
		"unknown ingress but egress denies: denied": {
			policies: `metadata: {name: p, namespace: x}
spec: {podSelector: {}, policyTypes: [Egress]}`,
			nsMod: func(nss []Namespace) {
				nss[1].PoliciesUnknown, nss[1].Reason = true, "forbidden"
			},
			probes: []probe{{"x/a", "y/a", TCP, 80, Denied}},
		},
		"egress to outside: ipBlock": {
			policies: `metadata: {name: p, namespace: x}
spec: {podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}], ports: [{port: 443}]}]}`,
			probes: []probe{{"x/a", "203.0.113.5", TCP, 443, Allowed}, {"x/a", "10.1.1.1", TCP, 443, Denied}, {"x/a", "y/a", TCP, 443, Denied}},
		},
		"matchExpressions": {
			policies: `metadata: {name: p, namespace: x}
spec: {podSelector: {matchExpressions: [{key: pod, operator: NotIn, values: [b]}]}, ingress: [{from: [{podSelector: {matchExpressions: [{key: missing, operator: DoesNotExist}, {key: pod, operator: Exists}]}}]}]}`,
			probes: []probe{{"x/b", "x/a", TCP, 1, Allowed}, {"y/a", "x/a", TCP, 1, Denied}, {"y/a", "x/b", TCP, 1, Allowed}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			nss, peers := testPeers()
			if tc.nsMod != nil {
				tc.nsMod(nss)
			}
			m := Compile(Input{Namespaces: nss, Peers: peers, Policies: policies(t, tc.policies)})
			for _, p := range tc.probes {
				if got := verdictOf(t, m, p.from, p.to, p.proto, p.port); got != p.want {
					ex := m.Explain(mustEP(m, p.from), mustEP(m, p.to), p.proto, p.port)
					t.Errorf("%s → %s %d/%s = %s, want %s\n  egress: %s\n  ingress: %s", p.from, p.to, p.port, p.proto, got, p.want, ex.Egress.Reason, ex.Ingress.Reason)
				}
			}
		})
	}
}

func mustEP(m *Model, s string) Endpoint {
	if ip, err := netip.ParseAddr(s); err == nil {
		return IPEndpoint(ip)
	}
	i, _ := m.PeerIndex(s)
	return PeerEndpoint(i)
}

func TestExplainNamesRule(t *testing.T) {
	nss, peers := testPeers()
	m := Compile(Input{Namespaces: nss, Peers: peers, Policies: policies(t, `metadata: {name: deny, namespace: x}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
metadata: {name: allow-b, namespace: x}
spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}}]}, {from: [{podSelector: {matchLabels: {pod: b}}}], ports: [{port: http}]}]}`)})
	a, _ := m.PeerIndex("x/a")
	b, _ := m.PeerIndex("x/b")
	ex := m.Explain(PeerEndpoint(b), PeerEndpoint(a), TCP, 8080)
	if ex.Ingress.Verdict != "allowed" || len(ex.Ingress.Rules) != 1 {
		t.Fatalf("ingress = %+v", ex.Ingress)
	}
	r := ex.Ingress.Rules[0]
	if r.Policy != "x/allow-b" || r.Rule != "spec.ingress[1]" || r.Peer != "spec.ingress[1].from[0]" || r.Ports != "http/TCP" {
		t.Errorf("rule = %+v", r)
	}
	if got := strings.Join(ex.Ingress.Policies, ","); got != "x/deny,x/allow-b" {
		t.Errorf("policies = %s", got)
	}
	ex = m.Explain(PeerEndpoint(b), PeerEndpoint(a), TCP, 81)
	if ex.Ingress.Verdict != "denied" || !strings.Contains(ex.Ingress.Reason, "isolated for ingress by x/deny, x/allow-b") {
		t.Errorf("denied reason = %q", ex.Ingress.Reason)
	}
	if ex.Egress.Isolated || ex.Egress.Verdict != "allowed" {
		t.Errorf("egress = %+v", ex.Egress)
	}
}

func TestClassesShareAnswers(t *testing.T) {
	nss, peers := testPeers()
	// Two more pods identical to x/a except for an unrelated label.
	for _, n := range []string{"c", "d"} {
		p := peers[0]
		p.Name = n
		p.Labels = map[string]string{"pod": "a", "unrelated": n}
		p.IPs = nil
		peers = append(peers, p)
	}
	m := Compile(Input{Namespaces: nss, Peers: peers, Policies: policies(t, `metadata: {name: p, namespace: x}
spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{from: [{podSelector: {}}]}]}`)})
	c, _ := m.PeerIndex("x/c")
	d, _ := m.PeerIndex("x/d")
	if m.ClassOf(c) != m.ClassOf(d) {
		t.Errorf("x/c and x/d differ only by an unselected label but fell into different classes")
	}
	a, _ := m.PeerIndex("x/a")
	if m.ClassOf(a) != m.ClassOf(c) {
		t.Errorf("no ipBlock rule exists, so knowing x/a's IP must not split it from x/c")
	}
	if m.Classes() != 3 {
		t.Errorf("classes = %d, want 3 (x pod=a, x/b, y pods)", m.Classes())
	}
}
