package graph_test

import (
	"errors"
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/kube"
	"github.com/netviz/netviz/kube/synth"
)

// policyEnds reads a suggested policy back: the namespace and selector of
// the pods it lets send, and of those it lets receive.
type policyEnd struct {
	ns  string
	sel labels.Selector
}

func policyEnds(t *testing.T, np *networkingv1.NetworkPolicy) (src, dst policyEnd) {
	t.Helper()
	sel := func(ls *metav1.LabelSelector) labels.Selector {
		s, err := metav1.LabelSelectorAsSelector(ls)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	other := func(p networkingv1.NetworkPolicyPeer) string {
		if p.NamespaceSelector == nil {
			return np.Namespace
		}
		return p.NamespaceSelector.MatchLabels[policy.NamespaceNameLabel]
	}
	home := policyEnd{np.Namespace, sel(&np.Spec.PodSelector)}
	switch {
	case len(np.Spec.Ingress) == 1 && len(np.Spec.Ingress[0].From) == 1:
		p := np.Spec.Ingress[0].From[0]
		return policyEnd{other(p), sel(p.PodSelector)}, home
	case len(np.Spec.Egress) == 1 && len(np.Spec.Egress[0].To) == 1:
		p := np.Spec.Egress[0].To[0]
		return home, policyEnd{other(p), sel(p.PodSelector)}
	}
	t.Fatalf("policy %s/%s is not one rule with one peer", np.Namespace, np.Name)
	return
}

// checkSuggestion verifies a suggestion on its own, without the checks
// Suggest ran: every policy is valid and minimal, the trace is allowed
// with them, and every pair that changes (decided pair by pair) goes from
// a pod a source selector picks to one a destination selector picks,
// gaining only the requested port.
func checkSuggestion(t *testing.T, g *graph.Graph, req graph.SuggestRequest, s *graph.Suggestion, port int) {
	t.Helper()
	for _, np := range s.Policies {
		if np.APIVersion != "networking.k8s.io/v1" || np.Kind != "NetworkPolicy" || !strings.HasPrefix(np.Name, "netviz-allow-") {
			t.Errorf("policy %s/%s: apiVersion %q kind %q", np.Namespace, np.Name, np.APIVersion, np.Kind)
		}
		for _, sel := range []map[string]string{np.Spec.PodSelector.MatchLabels} {
			for k, v := range sel {
				if k == "pod-template-hash" || k == "controller-revision-hash" || k == "statefulset.kubernetes.io/pod-name" || strings.HasSuffix(req.From, "/"+v) {
					t.Errorf("policy %s/%s selects by %s=%s", np.Namespace, np.Name, k, v)
				}
			}
			if len(sel) == 0 {
				t.Errorf("policy %s/%s selects every pod of its namespace", np.Namespace, np.Name)
			}
		}
	}
	o, errs := kube.NewOverlay(s.Objects(), nil)
	if len(errs) > 0 {
		t.Fatalf("suggested policies do not validate: %v", errs)
	}
	c, err := o.Apply(g.Cluster)
	if err != nil {
		t.Fatal(err)
	}
	after := graph.Build(c, graph.Options{})
	tr, err := after.Trace(graph.TraceRequest{From: req.From, To: req.To, Port: req.Port, Protocol: req.Protocol})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Verdict != "allowed" {
		t.Fatalf("with the suggestion, %s → %s on %s is %s: %s", req.From, req.To, req.Port, tr.Verdict, tr.Summary)
	}
	type end struct{ src, dst policyEnd }
	var ends []end
	for _, np := range s.Policies {
		src, dst := policyEnds(t, np)
		ends = append(ends, end{src, dst})
	}
	peerOf := func(gr *graph.Graph, key string) *policy.Peer {
		n := gr.Node(key)
		if n == nil || n.Peer < 0 {
			t.Fatalf("no peer %s", key)
		}
		return &gr.Model.Peers[n.Peer]
	}
	changed := bruteDiff(g, after)
	if len(changed) == 0 {
		t.Fatal("the suggestion changes nothing")
	}
	for k, rs := range changed {
		sp, dp := peerOf(after, k[0]), peerOf(after, k[1])
		covered := false
		for _, e := range ends {
			if sp.Namespace == e.src.ns && dp.Namespace == e.dst.ns && e.src.sel.Matches(labels.Set(sp.Labels)) && e.dst.sel.Matches(labels.Set(dp.Labels)) {
				covered = true
			}
		}
		if !covered {
			t.Errorf("%s → %s changed, but is outside the suggestion's selectors", k[0], k[1])
		}
		want := port
		if _, err := strconv.Atoi(s.Port); err != nil || strings.HasPrefix(req.To, "svc/") {
			want = 0 // a named port: resolved on each destination
			name := portName(s)
			for _, cp := range dp.Ports {
				if cp.Name == name && cp.Protocol == req.Protocol {
					want = cp.Port
				}
			}
			if n, err := strconv.Atoi(name); err == nil {
				want = n
			}
		}
		var allowed policy.Ports
		allowed[req.Protocol] = policy.Single(want)
		if lost := rs[0].Allowed.Subtract(rs[1].Allowed); !lost.Empty() {
			t.Errorf("%s → %s loses %s", k[0], k[1], lost)
		}
		if gained := rs[1].Allowed.Subtract(rs[0].Allowed).Subtract(allowed); !gained.Empty() {
			t.Errorf("%s → %s gains %s beyond %d/%s", k[0], k[1], gained, want, req.Protocol)
		}
	}
	if s.Diff == nil || s.Diff.Added+s.Diff.Changed != len(changed) || s.Diff.Removed != 0 {
		t.Errorf("the suggestion's own diff does not match: %+v, want %d changed pairs", s.Diff, len(changed))
	}
}

func portName(s *graph.Suggestion) string {
	np := s.Policies[0]
	if len(np.Spec.Ingress) > 0 {
		return np.Spec.Ingress[0].Ports[0].Port.String()
	}
	return np.Spec.Egress[0].Ports[0].Port.String()
}

// TestSuggestRoundTrip asks for suggestions for many denied pairs of
// generated clusters, pods and Services, and checks each independently.
func TestSuggestRoundTrip(t *testing.T) {
	suggested, tried := 0, 0
	for seed := int64(1); seed <= 6; seed++ {
		c := synth.Generate(synth.Options{Pods: 100, Seed: seed})
		g := graph.Build(c, graph.Options{})
		r := rand.New(rand.NewSource(seed))
		for trial := 0; trial < 60 && suggested < int(seed)*15; trial++ {
			src := c.Pods[r.Intn(len(c.Pods))]
			dst := c.Pods[r.Intn(len(c.Pods))]
			if src == dst {
				continue
			}
			req := graph.SuggestRequest{From: src.Namespace + "/" + src.Name, To: dst.Namespace + "/" + dst.Name, Protocol: policy.TCP}
			port := 0
			switch trial % 4 {
			case 0:
				req.Port, port = "9090", 9090
			case 1:
				req.Port = "http"
			case 2:
				req.Port, port = strconv.Itoa(1000+r.Intn(9000)), 0
				port, _ = strconv.Atoi(req.Port)
			default:
				if dst.Labels["app"] == "" {
					continue
				}
				req.To, req.Port = "svc/"+dst.Namespace+"/"+dst.Labels["app"], "80"
			}
			tr, err := g.Trace(graph.TraceRequest{From: req.From, To: req.To, Port: req.Port, Protocol: req.Protocol})
			if err != nil || tr.Verdict == "allowed" {
				continue
			}
			tried++
			name := fmt.Sprintf("seed=%d/%s→%s:%s", seed, req.From, req.To, req.Port)
			s, err := g.Suggest(req)
			if errors.Is(err, graph.ErrSuggestionCheck) {
				t.Fatalf("%s: %v", name, err)
			}
			if err != nil {
				t.Logf("%s: no suggestion: %v", name, err)
				continue
			}
			if s.AlreadyAllowed || len(s.Policies) == 0 {
				t.Fatalf("%s: trace is %s but the suggestion adds nothing", name, tr.Verdict)
			}
			suggested++
			t.Run(name, func(t *testing.T) { checkSuggestion(t, g, req, s, port) })
		}
	}
	if suggested < 60 || suggested < tried*9/10 {
		t.Errorf("suggested for %d of %d denied pairs: want at least 60 and 90%%", suggested, tried)
	}
}

func demoGraph(t *testing.T) *graph.Graph {
	t.Helper()
	c, errs := kube.LoadDemo()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return graph.Build(c, graph.Options{})
}

// clusterOf reads manifests from a string.
func clusterOf(t *testing.T, manifests string) *kube.Cluster {
	t.Helper()
	c := &kube.Cluster{}
	if errs := kube.Decode(c, "test.yaml", strings.NewReader(manifests)); len(errs) > 0 {
		t.Fatal(errs)
	}
	c.Finish()
	return c
}

// wantPolicy describes one expected suggested policy.
type wantPolicy struct {
	namespace, direction string
	podSelector          map[string]string
	peerSelector         map[string]string
	peerNamespace        string // "" when the peer is in the policy's namespace
	port                 string
	protocol             corev1.Protocol
}

func TestSuggestDemo(t *testing.T) {
	g := demoGraph(t)
	cases := []struct {
		name string
		req  graph.SuggestRequest
		want []wantPolicy
	}{{
		name: "cart ingress misses checkout's gRPC",
		req:  graph.SuggestRequest{From: "shop/checkout-6c8d7f9b5-h7n4r", To: "svc/shop/cart", Port: "grpc"},
		want: []wantPolicy{{"shop", "ingress", map[string]string{"app": "cart"}, map[string]string{"app": "checkout"}, "", "grpc", corev1.ProtocolTCP}},
	}, {
		name: "payments has no DNS egress",
		req:  graph.SuggestRequest{From: "shop/payments-7b6d5c9f8-m6k8s", To: "svc/kube-system/kube-dns", Port: "53", Protocol: policy.UDP},
		want: []wantPolicy{{"shop", "egress", map[string]string{"app": "payments"}, map[string]string{"k8s-app": "kube-dns"}, "kube-system", "53", corev1.ProtocolUDP}},
	}, {
		name: "both sides deny; the canary is told apart by its track",
		req:  graph.SuggestRequest{From: "shop/frontend-7d9c6b8f4-x2k9p", To: "shop/catalog-canary-5b8d9c7f6-r7t8v", Port: "9999"},
		want: []wantPolicy{
			{"shop", "ingress", map[string]string{"app": "catalog", "track": "canary"}, map[string]string{"app": "frontend"}, "", "9999", corev1.ProtocolTCP},
			{"shop", "egress", map[string]string{"app": "frontend"}, map[string]string{"app": "catalog", "track": "canary"}, "", "9999", corev1.ProtocolTCP},
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := g.Suggest(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Policies) != len(tc.want) {
				t.Fatalf("%d policies, want %d: %+v", len(s.Policies), len(tc.want), s.Policies)
			}
			for i, w := range tc.want {
				np := s.Policies[i]
				var peer networkingv1.NetworkPolicyPeer
				var port networkingv1.NetworkPolicyPort
				if w.direction == "ingress" {
					if len(np.Spec.Ingress) != 1 || len(np.Spec.Egress) != 0 || np.Spec.PolicyTypes[0] != networkingv1.PolicyTypeIngress {
						t.Fatalf("policy %d is not one ingress rule: %+v", i, np.Spec)
					}
					peer, port = np.Spec.Ingress[0].From[0], np.Spec.Ingress[0].Ports[0]
				} else {
					if len(np.Spec.Egress) != 1 || len(np.Spec.Ingress) != 0 || np.Spec.PolicyTypes[0] != networkingv1.PolicyTypeEgress {
						t.Fatalf("policy %d is not one egress rule: %+v", i, np.Spec)
					}
					peer, port = np.Spec.Egress[0].To[0], np.Spec.Egress[0].Ports[0]
				}
				if np.Namespace != w.namespace || !equalMaps(np.Spec.PodSelector.MatchLabels, w.podSelector) || !equalMaps(peer.PodSelector.MatchLabels, w.peerSelector) {
					t.Errorf("policy %d: %s selects %v, peer %v; want %s, %v, %v", i, np.Namespace, np.Spec.PodSelector.MatchLabels, peer.PodSelector.MatchLabels, w.namespace, w.podSelector, w.peerSelector)
				}
				gotNS := ""
				if peer.NamespaceSelector != nil {
					gotNS = peer.NamespaceSelector.MatchLabels[policy.NamespaceNameLabel]
				}
				if gotNS != w.peerNamespace {
					t.Errorf("policy %d: peer namespace %q, want %q", i, gotNS, w.peerNamespace)
				}
				if port.Port.String() != w.port || *port.Protocol != w.protocol {
					t.Errorf("policy %d: port %s/%s, want %s/%s", i, port.Port.String(), *port.Protocol, w.port, w.protocol)
				}
			}
			if s.After != "allowed" || s.Diff == nil || s.Diff.Empty() {
				t.Errorf("check: after %q, diff %+v", s.After, s.Diff)
			}
		})
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestSuggestAlreadyAllowed(t *testing.T) {
	s, err := demoGraph(t).Suggest(graph.SuggestRequest{From: "shop/frontend-7d9c6b8f4-x2k9p", To: "svc/shop/cart", Port: "80"})
	if err != nil {
		t.Fatal(err)
	}
	if !s.AlreadyAllowed || len(s.Policies) != 0 || s.Verdict != "allowed" {
		t.Errorf("got %+v, want already allowed and no policy", s)
	}
}

// TestSuggestCheckCatchesMistakes feeds the check suggestions that are
// wrong on purpose, each in a way that changes traffic it should not or
// leaves the traffic denied: each must fail it.
func TestSuggestCheckCatchesMistakes(t *testing.T) {
	g := graph.Build(clusterOf(t, isolationCluster), graph.Options{})
	req := graph.SuggestRequest{From: "a/web", To: "b/api-main", Port: "8080"}
	cases := map[string]func(s *graph.Suggestion){
		"isolates a pod no policy selected": func(s *graph.Suggestion) {
			s.Policies[0].Spec.PodSelector = metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}}
		},
		"admits sources of every namespace": func(s *graph.Suggestion) {
			s.Policies[0].Spec.Ingress[0].From[0] = networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{}}
		},
		"opens another port": func(s *graph.Suggestion) {
			p := intstr.FromInt32(9090)
			s.Policies[0].Spec.Ingress[0].Ports = append(s.Policies[0].Spec.Ingress[0].Ports, networkingv1.NetworkPolicyPort{Port: &p})
		},
		"allows the wrong port": func(s *graph.Suggestion) {
			p := intstr.FromString("metrics")
			s.Policies[0].Spec.Ingress[0].Ports[0].Port = &p
		},
		"adds nothing": func(s *graph.Suggestion) { s.Policies = nil },
		"is not valid": func(s *graph.Suggestion) { s.Policies[0].Name = "Not_A_Name" },
	}
	for name, spoil := range cases {
		t.Run(name, func(t *testing.T) {
			s, err := g.Suggest(req)
			if err != nil {
				t.Fatal(err)
			}
			if err := g.CheckSuggestion(s); err != nil {
				t.Fatalf("the check fails the unspoilt suggestion: %v", err)
			}
			for i, np := range s.Policies {
				s.Policies[i] = np.DeepCopy()
			}
			spoil(s)
			err = g.CheckSuggestion(s)
			if !errors.Is(err, graph.ErrSuggestionCheck) {
				t.Errorf("check passed a spoilt suggestion: %v", err)
			}
			t.Log(err)
		})
	}
}

const isolationCluster = `
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Namespace
metadata: {name: b}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: a, labels: {app: web}}
spec: {containers: [{name: c, image: i}]}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: api-main, namespace: b, labels: {app: api, tier: main}}
spec: {containers: [{name: c, image: i, ports: [{containerPort: 8080, name: http}]}]}
status: {podIP: 10.0.1.1}
---
apiVersion: v1
kind: Pod
metadata: {name: api-side, namespace: b, labels: {app: api, tier: side}}
spec: {containers: [{name: c, image: i, ports: [{containerPort: 8080, name: http}]}]}
status: {podIP: 10.0.1.2}
---
apiVersion: v1
kind: Pod
metadata: {name: lonely, namespace: b, labels: {pod-template-hash: abc}}
spec: {containers: [{name: c, image: i}]}
status: {podIP: 10.0.1.3}
---
# Only the main api pods are isolated for ingress.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: lock-main, namespace: b}
spec:
  podSelector: {matchLabels: {tier: main}}
  policyTypes: [Ingress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: lock-lonely, namespace: b}
spec:
  podSelector: {matchLabels: {pod-template-hash: abc}}
  policyTypes: [Ingress]
`

// TestSuggestKeepsOtherPodsOpen: a podSelector must not pick a pod that
// no policy isolates yet, or the new policy would cut its other traffic.
func TestSuggestKeepsOtherPodsOpen(t *testing.T) {
	g := graph.Build(clusterOf(t, isolationCluster), graph.Options{})
	s, err := g.Suggest(graph.SuggestRequest{From: "a/web", To: "b/api-main", Port: "8080"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Policies) != 1 || !equalMaps(s.Policies[0].Spec.PodSelector.MatchLabels, map[string]string{"app": "api", "tier": "main"}) {
		t.Fatalf("want one ingress policy selecting app=api,tier=main; got %+v", s.Policies)
	}
	if got := s.Policies[0].Spec.Ingress[0].From[0].NamespaceSelector.MatchLabels; !equalMaps(got, map[string]string{policy.NamespaceNameLabel: "a"}) {
		t.Errorf("namespaceSelector %v, want kubernetes.io/metadata.name=a", got)
	}
	checkSuggestion(t, g, graph.SuggestRequest{From: "a/web", To: "b/api-main", Port: "8080"}, s, 8080)

	_, err = g.Suggest(graph.SuggestRequest{From: "a/web", To: "b/lonely", Port: "8080"})
	if !errors.Is(err, graph.ErrInput) || !strings.Contains(err.Error(), "add a label") {
		t.Errorf("a pod with only a pod-template-hash label: got %v, want advice to add a label", err)
	}
}

// TestSuggestUnknownSide: where the source's egress cannot be known, the
// ingress side is still fixed and the unknown is reported.
func TestSuggestUnknownSide(t *testing.T) {
	c := clusterOf(t, isolationCluster)
	c.Gaps = append(c.Gaps, kube.Gap{Resource: kube.ResourceNetworkPolicies, Namespace: "a", Reason: "forbidden"})
	g := graph.Build(c, graph.Options{})
	s, err := g.Suggest(graph.SuggestRequest{From: "a/web", To: "b/api-main", Port: "8080"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Policies) != 1 || len(s.Policies[0].Spec.Ingress) != 1 {
		t.Fatalf("want the ingress policy alone, got %+v", s.Policies)
	}
	if len(s.Unknown) != 1 || !strings.HasPrefix(s.Unknown[0], "egress: ") || !strings.Contains(s.Unknown[0], "forbidden") {
		t.Errorf("unknown %q, want the egress side and why", s.Unknown)
	}
	if s.After != "unknown" {
		t.Errorf("after %q, want unknown", s.After)
	}
}

// TestSuggestAdminTiers: a NetworkPolicy cannot undo an
// AdminNetworkPolicy Deny, nor allow what the baseline denies to a pod no
// NetworkPolicy selects without cutting its other traffic; after a Pass,
// the NetworkPolicies decide, so a suggestion works.
func TestSuggestAdminTiers(t *testing.T) {
	g := demoGraph(t)
	_, err := g.Suggest(graph.SuggestRequest{From: "legacy/nightly-report-29865720-7xk2p", To: "shop/db-0", Port: "5432"})
	if !errors.Is(err, graph.ErrInput) || !strings.Contains(err.Error(), "AdminNetworkPolicy/cluster-guard ingress rule 1 (deny-legacy, Deny)") {
		t.Errorf("ANP Deny: got %v, want an input error naming the rule", err)
	}
	req := graph.SuggestRequest{From: "monitoring/prometheus-6d8f7c9b4-tx4lm", To: "svc/shop/cart", Port: "80"}
	s, err := g.Suggest(req)
	if err != nil {
		t.Fatalf("after a Pass: %v", err)
	}
	checkSuggestion(t, g, req, s, 0)

	c := clusterOf(t, isolationCluster+`---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  ingress:
  - name: deny-a
    action: Deny
    from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: a}}}]
`)
	_, err = graph.Build(c, graph.Options{}).Suggest(graph.SuggestRequest{From: "a/web", To: "b/api-side", Port: "8080"})
	if !errors.Is(err, graph.ErrInput) || !strings.Contains(err.Error(), "no NetworkPolicy selects it") {
		t.Errorf("baseline Deny: got %v, want an input error", err)
	}
}
