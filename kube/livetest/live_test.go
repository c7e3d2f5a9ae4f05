// Package livetest tests netviz's live-cluster source against a real API
// server (see kube/testbed). Without the control plane binaries the tests
// skip, or fail when CI=true.
package livetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/kube"
	"github.com/netviz/netviz/kube/testbed"
)

func TestMain(m *testing.M) { testbed.Main(m) }

// waitTimeout bounds how long a test waits for a change to show. Changes
// normally show within a second; the bound only keeps a broken test from
// hanging.
const waitTimeout = time.Minute

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// startLive starts a live source and stops it when the test ends.
func startLive(t testing.TB, cfg *rest.Config, opts kube.LiveOptions) *kube.Live {
	t.Helper()
	l, err := kube.StartLive(testContext(t), cfg, opts)
	if err != nil {
		t.Fatalf("StartLive: %v", err)
	}
	t.Cleanup(l.Stop)
	return l
}

// synced waits for the first snapshot.
func synced(t testing.TB, l *kube.Live) *kube.Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	c, err := l.WaitForSync(ctx)
	if err != nil {
		t.Fatalf("WaitForSync: %v", err)
	}
	return c
}

// waitFor reads snapshots until one satisfies ok, and returns it.
func waitFor(t testing.TB, l *kube.Live, what string, ok func(kube.Snapshot) bool) kube.Snapshot {
	t.Helper()
	if s := l.Current(); s.Cluster != nil && ok(s) {
		return s
	}
	deadline := time.After(waitTimeout)
	for {
		select {
		case s, open := <-l.Updates():
			if !open {
				t.Fatalf("updates closed while waiting for %s", what)
			}
			if ok(s) {
				return s
			}
		case <-deadline:
			s := l.Current()
			t.Fatalf("no snapshot with %s within %s; last: state %s, err %v", what, waitTimeout, s.State, s.Err)
		}
	}
}

func hasPod(c *kube.Cluster, ns, name string) *corev1.Pod {
	if c == nil {
		return nil
	}
	for _, p := range c.Pods {
		if p.Namespace == ns && p.Name == name {
			return p
		}
	}
	return nil
}

// verdict traces from → to on TCP port with the graph engine.
func verdict(t testing.TB, c *kube.Cluster, from, to, port string) string {
	t.Helper()
	tr, err := graph.Build(c, graph.Options{}).Trace(graph.TraceRequest{From: from, To: to, Port: port, Protocol: policy.TCP})
	if err != nil {
		t.Fatalf("trace %s → %s: %v", from, to, err)
	}
	return tr.Verdict
}

// run creates a pod bound to node with a fresh IP and reports it Ready.
func run(t testing.TB, cp *testbed.ControlPlane, node string, pod *corev1.Pod) *corev1.Pod {
	t.Helper()
	p, err := testbed.RunPod(testContext(t), cp.Client(), pod, node, cp.NextPodIP())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func tcp(name string, port int32) corev1.ContainerPort {
	return corev1.ContainerPort{Name: name, ContainerPort: port, Protocol: corev1.ProtocolTCP}
}

func ingressFrom(ns, name string, selector map[string]string, from ...networkingv1.NetworkPolicyPeer) *networkingv1.NetworkPolicy {
	np := &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: selector},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
		},
	}
	if len(from) > 0 {
		np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{From: from}}
	}
	return np
}

func createPolicy(t testing.TB, cp *testbed.ControlPlane, np *networkingv1.NetworkPolicy) {
	t.Helper()
	if _, err := cp.Client().NetworkingV1().NetworkPolicies(np.Namespace).Create(testContext(t), np, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create policy: %v", err)
	}
}

func TestObjectsAppear(t *testing.T) {
	cp := testbed.Require(t)
	ctx := testContext(t)
	cs := cp.Client()
	ns := cp.Namespace(t, map[string]string{"team": "x"})
	node := cp.Node(t, ns).Name

	web := run(t, cp, node, testbed.NewPod(ns, "web-1", map[string]string{"app": "web"}, tcp("http", 8080)))
	if _, err := cs.CoreV1().Services(ns).Create(ctx, testbed.NewService(ns, "web", map[string]string{"app": "web"}, 8080), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	createPolicy(t, cp, ingressFrom(ns, "deny-all", nil))
	class := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: ns}, Spec: networkingv1.IngressClassSpec{Controller: "example.com/ingress"}}
	if _, err := cs.NetworkingV1().IngressClasses().Create(ctx, class, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cs.NetworkingV1().IngressClasses().Delete(context.Background(), ns, metav1.DeleteOptions{})
	})
	prefix := networkingv1.PathTypePrefix
	ing := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: networkingv1.IngressSpec{
			IngressClassName: &class.Name,
			TLS:              []networkingv1.IngressTLS{{Hosts: []string{"web.example"}, SecretName: "web-tls"}},
			Rules: []networkingv1.IngressRule{{Host: "web.example", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &prefix, Backend: networkingv1.IngressBackend{
					Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 8080}},
				}}},
			}}}},
		},
	}
	if _, err := cs.NetworkingV1().Ingresses(ns).Create(ctx, ing, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	l := startLive(t, cp.Config(), kube.LiveOptions{})
	synced(t, l)
	// The EndpointSlice controller works on its own time: wait for the
	// slice in netviz's model rather than in the API.
	s := waitFor(t, l, "the web EndpointSlice with web-1 ready", func(s kube.Snapshot) bool {
		for _, es := range s.Cluster.EndpointSlices {
			if es.Namespace == ns && es.Labels[discoveryv1.LabelServiceName] == "web" {
				for _, ep := range es.Endpoints {
					if slices.Contains(ep.Addresses, web.Status.PodIP) && ep.Conditions.Ready != nil && *ep.Conditions.Ready {
						return true
					}
				}
			}
		}
		return false
	})
	c := s.Cluster
	if len(c.Gaps) != 0 || len(c.Warnings) != 0 {
		t.Errorf("an admin gets gaps %v and warnings %q", c.Gaps, c.Warnings)
	}

	t.Run("namespace with its labels", func(t *testing.T) {
		i := slices.IndexFunc(c.Namespaces, func(n *corev1.Namespace) bool { return n.Name == ns })
		if i < 0 {
			t.Fatalf("namespace %s missing", ns)
		}
		if got := c.Namespaces[i].Labels; got["team"] != "x" || got[corev1.LabelMetadataName] != ns {
			t.Errorf("namespace labels = %v", got)
		}
	})
	t.Run("pod, slimmed", func(t *testing.T) {
		p := hasPod(c, ns, "web-1")
		if p == nil {
			t.Fatal("pod web-1 missing")
		}
		if p.Status.PodIP != web.Status.PodIP || p.Spec.NodeName != node || p.Labels["app"] != "web" {
			t.Errorf("pod = IP %s node %s labels %v", p.Status.PodIP, p.Spec.NodeName, p.Labels)
		}
		if len(p.Spec.Containers) != 1 || len(p.Spec.Containers[0].Ports) != 1 || p.Spec.Containers[0].Ports[0].Name != "http" {
			t.Errorf("containers = %+v", p.Spec.Containers)
		}
		if p.Spec.Containers[0].Image != "" || p.ManagedFields != nil || p.Status.ContainerStatuses != nil {
			t.Error("pod not slimmed: image, managed fields or container statuses kept")
		}
	})
	t.Run("service, policy, ingress, class, node", func(t *testing.T) {
		if !slices.ContainsFunc(c.Services, func(o *corev1.Service) bool { return o.Namespace == ns && o.Name == "web" }) {
			t.Error("service missing")
		}
		if !slices.ContainsFunc(c.NetworkPolicies, func(o *networkingv1.NetworkPolicy) bool { return o.Namespace == ns && o.Name == "deny-all" }) {
			t.Error("policy missing")
		}
		i := slices.IndexFunc(c.Ingresses, func(o *networkingv1.Ingress) bool { return o.Namespace == ns && o.Name == "web" })
		if i < 0 {
			t.Fatal("ingress missing")
		}
		if got := c.Ingresses[i].Spec.TLS; len(got) != 1 || got[0].SecretName != "web-tls" {
			t.Errorf("ingress TLS = %+v, want the secret's name", got)
		}
		if !slices.ContainsFunc(c.IngressClasses, func(o *networkingv1.IngressClass) bool { return o.Name == ns }) {
			t.Error("ingress class missing")
		}
		if !slices.ContainsFunc(c.Nodes, func(o *corev1.Node) bool { return o.Name == node }) {
			t.Error("node missing")
		}
	})

	t.Run("a new pod appears, a deleted one goes", func(t *testing.T) {
		run(t, cp, node, testbed.NewPod(ns, "web-2", map[string]string{"app": "web"}, tcp("http", 8080)))
		waitFor(t, l, "pod web-2", func(s kube.Snapshot) bool { return hasPod(s.Cluster, ns, "web-2") != nil })
		if err := testbed.DeletePod(ctx, cs, ns, "web-1"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, l, "no pod web-1", func(s kube.Snapshot) bool { return hasPod(s.Cluster, ns, "web-1") == nil })
	})
}

func TestLabelChangeFlipsVerdict(t *testing.T) {
	cp := testbed.Require(t)
	ctx := testContext(t)
	ns := cp.Namespace(t, nil)
	node := cp.Node(t, ns).Name
	run(t, cp, node, testbed.NewPod(ns, "db", map[string]string{"app": "db"}, tcp("pg", 5432)))
	run(t, cp, node, testbed.NewPod(ns, "client", map[string]string{"app": "client"}))
	createPolicy(t, cp, ingressFrom(ns, "db-from-api", map[string]string{"app": "db"},
		networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"role": "api"}}}))

	l := startLive(t, cp.Config(), kube.LiveOptions{})
	c := synced(t, l)
	from, to := ns+"/client", ns+"/db"
	if got := verdict(t, c, from, to, "5432"); got != "denied" {
		t.Fatalf("before the label: %s, want denied", got)
	}
	patch := []byte(`{"metadata":{"labels":{"role":"api"}}}`)
	if _, err := cp.Client().CoreV1().Pods(ns).Patch(ctx, "client", types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, l, "client → db allowed", func(s kube.Snapshot) bool { return verdict(t, s.Cluster, from, to, "5432") == "allowed" })
}

func TestNewPolicyIsolatesPod(t *testing.T) {
	cp := testbed.Require(t)
	ns := cp.Namespace(t, nil)
	node := cp.Node(t, ns).Name
	run(t, cp, node, testbed.NewPod(ns, "a", map[string]string{"app": "a"}))
	run(t, cp, node, testbed.NewPod(ns, "b", map[string]string{"app": "b"}, tcp("http", 80)))

	l := startLive(t, cp.Config(), kube.LiveOptions{})
	c := synced(t, l)
	from, to := ns+"/a", ns+"/b"
	if got := verdict(t, c, from, to, "80"); got != "allowed" {
		t.Fatalf("before the policy: %s, want allowed", got)
	}
	createPolicy(t, cp, ingressFrom(ns, "isolate-b", map[string]string{"app": "b"}))
	waitFor(t, l, "a → b denied", func(s kube.Snapshot) bool { return verdict(t, s.Cluster, from, to, "80") == "denied" })
}

// grant binds user to a role with get, list and watch on the given
// resources, in ns or (ns == "") cluster-wide, and waits until the API
// server's authorizer agrees.
func grant(t testing.TB, cp *testbed.ControlPlane, user, ns string, rules []rbacv1.PolicyRule) {
	t.Helper()
	ctx := testContext(t)
	rbac := cp.Client().RbacV1()
	name := "netviz-" + user + "-" + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "-")
	subjects := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}
	if ns == "" {
		if _, err := rbac.ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		b := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, Subjects: subjects,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}}
		if _, err := rbac.ClusterRoleBindings().Create(ctx, b, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = rbac.ClusterRoleBindings().Delete(context.Background(), name, metav1.DeleteOptions{})
			_ = rbac.ClusterRoles().Delete(context.Background(), name, metav1.DeleteOptions{})
		})
	} else {
		if _, err := rbac.Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		b := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, Subjects: subjects,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name}}
		if _, err := rbac.RoleBindings(ns).Create(ctx, b, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := cp.ConfigFor(user)
	if err != nil {
		t.Fatal(err)
	}
	// RBAC reaches the authorizer through an informer: wait for it.
	r := rules[0]
	if err := waitForAccess(ctx, cfg, r.APIGroups[0], r.Resources[0], ns); err != nil {
		t.Fatal(err)
	}
}

// readRules grants get, list and watch on the named kinds.
func readRules(kinds ...string) []rbacv1.PolicyRule {
	groups := map[string]string{
		kube.ResourceNamespaces: "", kube.ResourcePods: "", kube.ResourceServices: "", kube.ResourceNodes: "",
		kube.ResourceEndpointSlices: "discovery.k8s.io",
		kube.ResourceIngresses:      "networking.k8s.io", kube.ResourceIngressClasses: "networking.k8s.io", kube.ResourceNetworkPolicies: "networking.k8s.io",
	}
	var rules []rbacv1.PolicyRule
	for _, k := range kinds {
		rules = append(rules, rbacv1.PolicyRule{APIGroups: []string{groups[k]}, Resources: []string{k}, Verbs: []string{"get", "list", "watch"}})
	}
	return rules
}

func TestNamespaceOnlyUser(t *testing.T) {
	cp := testbed.Require(t)
	ns := cp.Namespace(t, map[string]string{"team": "x"})
	node := cp.Node(t, ns).Name
	run(t, cp, node, testbed.NewPod(ns, "a", map[string]string{"app": "a"}))
	run(t, cp, node, testbed.NewPod(ns, "b", map[string]string{"app": "b"}, tcp("http", 80)))
	run(t, cp, node, testbed.NewPod(ns, "c", map[string]string{"app": "c"}, tcp("http", 80)))
	// b admits a by pod labels alone; c admits pods of namespaces labelled
	// team=x, which this user cannot see.
	createPolicy(t, cp, ingressFrom(ns, "b-from-a", map[string]string{"app": "b"},
		networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "a"}}}))
	createPolicy(t, cp, ingressFrom(ns, "c-from-team-x", map[string]string{"app": "c"},
		networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "x"}}}))
	grant(t, cp, testbed.UserNamespaceViewer, ns, readRules(kube.ResourcePods, kube.ResourceServices,
		kube.ResourceEndpointSlices, kube.ResourceIngresses, kube.ResourceNetworkPolicies))

	cfg, err := cp.ConfigFor(testbed.UserNamespaceViewer)
	if err != nil {
		t.Fatal(err)
	}
	l := startLive(t, cfg, kube.LiveOptions{Namespace: ns})
	c := synced(t, l)

	wantGaps := []string{"ingressclasses", "namespaces", "nodes"}
	var gotGaps []string
	for _, g := range c.Gaps {
		if g.Namespace != "" {
			t.Errorf("unexpected gap in one namespace: %v", g)
		}
		gotGaps = append(gotGaps, g.Resource)
	}
	slices.Sort(gotGaps)
	if !slices.Equal(gotGaps, wantGaps) {
		t.Errorf("gaps = %v, want %v", c.Gaps, wantGaps)
	}
	wantWarn := fmt.Sprintf("the user may not list pods, services, endpointslices, ingresses, networkpolicies in all namespaces: netviz reads them in namespace %s only", ns)
	if !slices.Equal(c.Warnings, []string{wantWarn}) {
		t.Errorf("warnings = %q, want %q", c.Warnings, wantWarn)
	}
	if len(c.Namespaces) != 1 || c.Namespaces[0].Name != ns {
		t.Errorf("namespaces = %v, want only %s", c.Namespaces, ns)
	}
	if len(c.Pods) != 3 {
		t.Errorf("%d pods, want a, b and c", len(c.Pods))
	}
	if got := verdict(t, c, ns+"/a", ns+"/b", "80"); got != "allowed" {
		t.Errorf("a → b (pod selector only) = %s, want allowed", got)
	}
	if got := verdict(t, c, ns+"/a", ns+"/c", "80"); got != "unknown" {
		t.Errorf("a → c (namespace selector, namespaces unreadable) = %s, want unknown", got)
	}
}

func TestUserWithoutNetworkPolicies(t *testing.T) {
	cp := testbed.Require(t)
	ns := cp.Namespace(t, nil)
	node := cp.Node(t, ns).Name
	run(t, cp, node, testbed.NewPod(ns, "a", map[string]string{"app": "a"}))
	run(t, cp, node, testbed.NewPod(ns, "b", map[string]string{"app": "b"}, tcp("http", 80)))
	createPolicy(t, cp, ingressFrom(ns, "isolate-b", map[string]string{"app": "b"}))
	grant(t, cp, testbed.UserNoNetpol, "", readRules(kube.ResourcePods, kube.ResourceNamespaces, kube.ResourceServices,
		kube.ResourceEndpointSlices, kube.ResourceIngresses, kube.ResourceIngressClasses, kube.ResourceNodes))

	cfg, err := cp.ConfigFor(testbed.UserNoNetpol)
	if err != nil {
		t.Fatal(err)
	}
	l := startLive(t, cfg, kube.LiveOptions{Namespace: ns})
	c := synced(t, l)
	want := []kube.Gap{{Resource: kube.ResourceNetworkPolicies, Reason: "the user may not list networkpolicies"}}
	if !slices.Equal(c.Gaps, want) {
		t.Errorf("gaps = %v, want %v", c.Gaps, want)
	}
	if len(c.NetworkPolicies) != 0 {
		t.Errorf("read %d policies without permission", len(c.NetworkPolicies))
	}
	// b is isolated, but netviz cannot know: never a silent allow.
	if got := verdict(t, c, ns+"/a", ns+"/b", "80"); got != "unknown" {
		t.Errorf("a → b = %s, want unknown", got)
	}
}

func TestSurvivesAPIServerRestart(t *testing.T) {
	cp := testbed.Require(t)
	ctx := testContext(t)
	ns := cp.Namespace(t, nil)
	node := cp.Node(t, ns).Name
	run(t, cp, node, testbed.NewPod(ns, "before", nil))

	l := startLive(t, cp.Config(), kube.LiveOptions{})
	if hasPod(synced(t, l), ns, "before") == nil {
		t.Fatal("pod before missing")
	}
	if err := cp.StopAPIServer(); err != nil {
		t.Fatal(err)
	}
	// Whatever happens, leave a running API server to the other tests.
	t.Cleanup(func() { _ = cp.StartAPIServer(context.Background()) })
	down := waitFor(t, l, "state reconnecting", func(s kube.Snapshot) bool { return s.State == kube.StateReconnecting })
	if down.Err == nil {
		t.Error("reconnecting without an error to show")
	}
	if hasPod(down.Cluster, ns, "before") == nil {
		t.Error("the last known state was lost while reconnecting")
	}
	if err := cp.StartAPIServer(ctx); err != nil {
		t.Fatal(err)
	}
	run(t, cp, node, testbed.NewPod(ns, "after", nil))
	up := waitFor(t, l, "state live with pod after", func(s kube.Snapshot) bool {
		return s.State != kube.StateReconnecting && hasPod(s.Cluster, ns, "after") != nil
	})
	if up.Err != nil || hasPod(up.Cluster, ns, "before") == nil {
		t.Errorf("after the restart: err %v, pod before present: %v", up.Err, hasPod(up.Cluster, ns, "before") != nil)
	}
}

func TestStopEndsUpdates(t *testing.T) {
	cp := testbed.Require(t)
	l, err := kube.StartLive(testContext(t), cp.Config(), kube.LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	synced(t, l)
	l.Stop()
	for range l.Updates() {
		// drain what was sent before Stop
	}
	l.Stop() // a second Stop is harmless
}

// With -A, a user who may not list pods in all namespaces gets every
// namespace they may read, not only the one of -n or the context.
func TestAllNamespacesFallback(t *testing.T) {
	cp := testbed.Require(t)
	ns1 := cp.Namespace(t, nil)
	ns2 := cp.Namespace(t, nil)
	node := cp.Node(t, ns1).Name
	for _, ns := range []string{ns1, ns2} {
		run(t, cp, node, testbed.NewPod(ns, "p", nil))
		grant(t, cp, testbed.UserViewer, ns, readRules(kube.ResourcePods, kube.ResourceServices,
			kube.ResourceEndpointSlices, kube.ResourceIngresses, kube.ResourceNetworkPolicies))
	}
	grant(t, cp, testbed.UserViewer, "", readRules(kube.ResourceNamespaces))
	cfg, err := cp.ConfigFor(testbed.UserViewer)
	if err != nil {
		t.Fatal(err)
	}
	podNamespaces := func(c *kube.Cluster) []string {
		var out []string
		for _, p := range c.Pods {
			out = append(out, p.Namespace)
		}
		return out
	}
	const kinds = "pods, services, endpointslices, ingresses, networkpolicies"
	both := []string{ns1, ns2}
	slices.Sort(both)
	tests := map[string]struct {
		opts     kube.LiveOptions
		wantPods []string
		wantWarn string
	}{
		"-n":      {kube.LiveOptions{Namespace: ns1}, []string{ns1}, "the user may not list " + kinds + " in all namespaces: netviz reads them in namespace " + ns1 + " only"},
		"-n, -A":  {kube.LiveOptions{Namespace: ns1, AllNamespaces: true}, []string{ns1, ns2}, "the user may not list " + kinds + " in all namespaces: netviz reads them in namespaces " + strings.Join(both, ", ") + " only"},
		"-A only": {kube.LiveOptions{AllNamespaces: true}, []string{ns1, ns2}, "the user may not list " + kinds + " in all namespaces: netviz reads them in namespaces " + strings.Join(both, ", ") + " only"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			l := startLive(t, cfg, tc.opts)
			c := synced(t, l)
			want := slices.Clone(tc.wantPods)
			slices.Sort(want)
			if got := podNamespaces(c); !slices.Equal(got, want) {
				t.Errorf("pods in %v, want %v", got, want)
			}
			if !slices.Contains(c.Warnings, tc.wantWarn) {
				t.Errorf("warnings %q, want %q", c.Warnings, tc.wantWarn)
			}
			var nss []string
			for _, ns := range c.Namespaces {
				nss = append(nss, ns.Name)
			}
			if !slices.Equal(nss, want) {
				t.Errorf("namespaces %v, want only those with pods read: %v", nss, want)
			}
		})
	}
}
