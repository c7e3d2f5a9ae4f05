package policy

import (
	"strings"
	"testing"

	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sigs.k8s.io/yaml"
)

func admin(t *testing.T, docs string) ([]*anpv1alpha1.AdminNetworkPolicy, *anpv1alpha1.BaselineAdminNetworkPolicy) {
	t.Helper()
	var anps []*anpv1alpha1.AdminNetworkPolicy
	var banp *anpv1alpha1.BaselineAdminNetworkPolicy
	for _, doc := range strings.Split(docs, "\n---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		if strings.Contains(doc, "kind: BaselineAdminNetworkPolicy") {
			banp = &anpv1alpha1.BaselineAdminNetworkPolicy{}
			if err := yaml.UnmarshalStrict([]byte(doc), banp); err != nil {
				t.Fatal(err)
			}
			continue
		}
		a := &anpv1alpha1.AdminNetworkPolicy{}
		if err := yaml.UnmarshalStrict([]byte(doc), a); err != nil {
			t.Fatal(err)
		}
		anps = append(anps, a)
	}
	return anps, banp
}

func TestTiers(t *testing.T) {
	type probe struct {
		from, to string
		port     int
		want     Verdict
		reason   string // a part of the deciding side's reason
	}
	tests := map[string]struct {
		admin, nps string
		probes     []probe
	}{
		"ANP deny beats a NetworkPolicy allow": {
			admin: `kind: AdminNetworkPolicy
metadata: {name: guard}
spec: {priority: 10, subject: {namespaces: {matchLabels: {ns: x}}}, ingress: [{name: no-y, action: Deny, from: [{namespaces: {matchLabels: {ns: "y"}}}]}]}`,
			nps: `metadata: {name: open, namespace: x}
spec: {podSelector: {}, ingress: [{}]}`,
			probes: []probe{{"y/a", "x/a", 80, Denied, "denied by AdminNetworkPolicy/guard ingress rule 0 (no-y, Deny)"}, {"x/b", "x/a", 80, Allowed, ""}},
		},
		"lower priority number wins": {
			admin: `kind: AdminNetworkPolicy
metadata: {name: allow-first}
spec: {priority: 5, subject: {namespaces: {}}, ingress: [{action: Allow, from: [{namespaces: {}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}]}
---
kind: AdminNetworkPolicy
metadata: {name: deny-later}
spec: {priority: 50, subject: {namespaces: {}}, ingress: [{action: Deny, from: [{namespaces: {}}]}]}`,
			probes: []probe{{"y/a", "x/a", 80, Allowed, ""}, {"y/a", "x/a", 81, Denied, "deny-later"}},
		},
		"Pass hands over to NetworkPolicy": {
			admin: `kind: AdminNetworkPolicy
metadata: {name: pass}
spec: {priority: 1, subject: {namespaces: {}}, ingress: [{action: Pass, from: [{namespaces: {}}]}]}
---
kind: AdminNetworkPolicy
metadata: {name: deny}
spec: {priority: 2, subject: {namespaces: {}}, ingress: [{action: Deny, from: [{namespaces: {}}]}]}`,
			nps: `metadata: {name: only-80, namespace: x}
spec: {podSelector: {}, ingress: [{ports: [{port: 80}]}]}`,
			probes: []probe{{"y/a", "x/a", 80, Allowed, ""}, {"y/a", "x/a", 81, Denied, ""}, {"x/a", "y/a", 81, Allowed, ""}},
		},
		"Pass without a NetworkPolicy falls to the baseline": {
			admin: `kind: AdminNetworkPolicy
metadata: {name: pass}
spec: {priority: 1, subject: {namespaces: {}}, ingress: [{action: Pass, from: [{namespaces: {}}]}]}
---
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec: {subject: {namespaces: {}}, ingress: [{action: Deny, from: [{namespaces: {matchLabels: {ns: "y"}}}]}]}`,
			probes: []probe{{"y/a", "x/a", 80, Denied, "BaselineAdminNetworkPolicy/default"}, {"x/b", "x/a", 80, Allowed, ""}},
		},
		"baseline applies only where no NetworkPolicy selects the pod": {
			admin: `kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec: {subject: {namespaces: {}}, ingress: [{action: Deny, from: [{namespaces: {}}]}]}`,
			nps: `metadata: {name: open-a, namespace: x}
spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{}]}`,
			probes: []probe{{"y/a", "x/a", 80, Allowed, ""}, {"y/a", "x/b", 80, Denied, "Baseline"}},
		},
		"egress networks and first matching rule": {
			admin: `kind: AdminNetworkPolicy
metadata: {name: egress}
spec: {priority: 3, subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {pod: a}}}}, egress: [{action: Allow, to: [{networks: [203.0.113.0/24]}]}, {action: Deny, to: [{networks: [0.0.0.0/0]}]}]}`,
			probes: []probe{{"x/a", "203.0.113.9", 443, Allowed, ""}, {"x/a", "198.51.100.1", 443, Denied, "egress rule 1"}, {"x/b", "198.51.100.1", 443, Allowed, ""}},
		},
		"named port in an ANP rule": {
			admin: `kind: AdminNetworkPolicy
metadata: {name: named}
spec: {priority: 3, subject: {namespaces: {matchLabels: {ns: x}}}, ingress: [{action: Deny, from: [{namespaces: {}}], ports: [{namedPort: http}]}]}`,
			probes: []probe{{"y/a", "x/a", 8080, Denied, ""}, {"y/a", "x/a", 8081, Allowed, ""}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			nss, peers := testPeers()
			anps, banp := admin(t, tc.admin)
			m := Compile(Input{Namespaces: nss, Peers: peers, Policies: policies(t, tc.nps), AdminPolicies: anps, Baseline: banp})
			for _, p := range tc.probes {
				src, dst := mustEP(m, p.from), mustEP(m, p.to)
				got := m.Reach(src, dst).Verdict(TCP, p.port)
				ex := m.Explain(src, dst, TCP, p.port)
				if got != p.want {
					t.Errorf("%s → %s %d = %s, want %s\n  egress: %s\n  ingress: %s", p.from, p.to, p.port, got, p.want, ex.Egress.Reason, ex.Ingress.Reason)
					continue
				}
				if p.reason != "" && !strings.Contains(ex.Egress.Reason+" | "+ex.Ingress.Reason, p.reason) {
					t.Errorf("%s → %s %d: reasons do not mention %q:\n  egress: %s\n  ingress: %s", p.from, p.to, p.port, p.reason, ex.Egress.Reason, ex.Ingress.Reason)
				}
			}
		})
	}
}

func TestUnreadableTiers(t *testing.T) {
	nss, peers := testPeers()
	nps := policies(t, `metadata: {name: only-80, namespace: x}
spec: {podSelector: {matchLabels: {pod: a}}, ingress: [{ports: [{port: 80}]}]}
---
metadata: {name: open-egress, namespace: "y"}
spec: {podSelector: {}, policyTypes: [Egress], egress: [{}]}`)
	// Unread AdminNetworkPolicies could decide anything.
	m := Compile(Input{Namespaces: nss, Peers: peers, Policies: nps, AdminUnknown: true, TierReason: "forbidden"})
	if got := verdictOf(t, m, "y/a", "x/a", TCP, 80); got != Unknown {
		t.Errorf("with the admin tier unread: %s, want unknown", got)
	}
	// An unread baseline matters only where no NetworkPolicy selects the pod.
	m = Compile(Input{Namespaces: nss, Peers: peers, Policies: nps, BaselineUnknown: true, TierReason: "forbidden"})
	for _, tc := range []struct {
		to   string
		port int
		want Verdict
	}{{"x/a", 80, Allowed}, {"x/a", 81, Denied}, {"x/b", 80, Unknown}} {
		if got := verdictOf(t, m, "y/a", tc.to, TCP, tc.port); got != tc.want {
			t.Errorf("baseline unread: y/a → %s:%d = %s, want %s", tc.to, tc.port, got, tc.want)
		}
	}
}
