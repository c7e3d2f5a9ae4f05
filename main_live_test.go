package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"

	"github.com/netviz/netviz/kube/testbed"
)

// TestMain gives the live tests of this package one control plane; the
// other tests run as usual, and live tests skip without one.
func TestMain(m *testing.M) { testbed.Main(m) }

// liveResult is what one run of netviz printed and returned.
type liveResult struct {
	code           int
	stdout, stderr string // stderr without the notes
	notes          []string
}

// runLive runs netviz in process with args and no stdin.
func runLive(args ...string) liveResult {
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	stderr, notes := splitNotes(errb.String())
	return liveResult{code: code, stdout: out.String(), stderr: stderr, notes: notes}
}

// splitNotes separates the "netviz: note:" lines — facts about the source,
// such as this test cluster having no AdminNetworkPolicy CRDs — from the
// rest of stderr.
func splitNotes(stderr string) (rest string, notes []string) {
	var keep []string
	for _, l := range strings.Split(stderr, "\n") {
		switch {
		case l == "":
		case strings.HasPrefix(l, "netviz: note: "):
			notes = append(notes, strings.TrimPrefix(l, "netviz: note: "))
		default:
			keep = append(keep, l+"\n")
		}
	}
	return strings.Join(keep, ""), notes
}

// isolateKubeconfig hides the developer's kubeconfig and any in-cluster
// configuration from a test.
func isolateKubeconfig(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("KUBECONFIG", "")
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBERNETES_SERVICE_PORT", "")
	return home
}

func TestLiveWithoutKubeconfig(t *testing.T) {
	isolateKubeconfig(t)
	for _, args := range [][]string{{"matrix"}, {"export"}, {"trace", "a/b", "c/d"}} {
		t.Run(args[0], func(t *testing.T) {
			r := runLive(args...)
			want := "netviz: " + errNoKubeconfig.Error() + "\n"
			if r.code != exitInput || r.stderr != want || r.stdout != "" {
				t.Errorf("got exit %d, stdout %q, stderr %q; want exit 2 and stderr %q", r.code, r.stdout, r.stderr, want)
			}
		})
	}
}

// writeKubeconfig writes a kubeconfig with one context for server.
func writeKubeconfig(t *testing.T, server string) string {
	t.Helper()
	cfg := clientcmdapi.Config{
		Clusters:       map[string]*clientcmdapi.Cluster{"c": {Server: server, InsecureSkipTLSVerify: true}},
		AuthInfos:      map[string]*clientcmdapi.AuthInfo{"u": {Token: "t"}},
		Contexts:       map[string]*clientcmdapi.Context{"ctx": {Cluster: "c", AuthInfo: "u"}, "other": {Cluster: "c", AuthInfo: "u", Namespace: "team"}},
		CurrentContext: "ctx",
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLiveUnreachableServer(t *testing.T) {
	isolateKubeconfig(t)
	// A port nobody listens on: connection refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "https://" + l.Addr().String()
	l.Close()
	// A server that accepts connections and never answers.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	mute := "https://" + silent.Addr().String()

	tests := map[string]struct {
		server string
		args   []string
		want   string
	}{
		"refused": {closed, []string{"matrix"}, "netviz: cannot reach the API server at " + closed + ": connection refused\n"},
		"silent":  {mute, []string{"matrix", "--request-timeout", "1s"}, "netviz: the API server at " + mute + " did not answer within 1s\n"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			args := append(tc.args, "--kubeconfig", writeKubeconfig(t, tc.server))
			r := runLive(args...)
			if r.code != exitInput || r.stderr != tc.want {
				t.Errorf("got exit %d, stderr %q; want exit 2, stderr %q", r.code, r.stderr, tc.want)
			}
		})
	}
}

func TestLiveContexts(t *testing.T) {
	isolateKubeconfig(t)
	path := writeKubeconfig(t, "https://127.0.0.1:1")
	tests := map[string]struct {
		args        []string
		wantCurrent string
	}{
		"current context":   {[]string{"--kubeconfig", path}, "ctx"},
		"--context":         {[]string{"--kubeconfig", path, "--context", "other"}, "other"},
		"KUBECONFIG merged": {nil, "ctx"},
	}
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "missing")+string(filepath.ListSeparator)+path)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a := &app{}
			root := &cobra.Command{Use: "netviz"}
			a.live.register(root)
			if err := root.PersistentFlags().Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			names, current, err := a.liveContexts()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(names, ",") != "ctx,other" || current != tc.wantCurrent {
				t.Errorf("contexts %v, current %q; want [ctx other], %q", names, current, tc.wantCurrent)
			}
			_, ns, err := a.live.restConfig(tc.wantCurrent)
			if err != nil {
				t.Fatal(err)
			}
			wantNS := map[string]string{"ctx": "default", "other": "team"}[tc.wantCurrent]
			if ns != wantNS {
				t.Errorf("namespace of %s = %q, want %q", tc.wantCurrent, ns, wantNS)
			}
		})
	}
}

// ---- on the control plane ----

// fixture creates three namespaces with pods, services and policies of
// every shape netviz evaluates, and returns their names.
func fixture(t *testing.T, cp *testbed.ControlPlane) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cs := cp.Client()
	waitForQuietNamespaces(t, cs)
	front := cp.Namespace(t, map[string]string{"tier": "front"})
	back := cp.Namespace(t, map[string]string{"tier": "back"})
	ops := cp.Namespace(t, map[string]string{"tier": "ops"})
	node := cp.Node(t, front).Name
	tcp := func(name string, port int32) corev1.ContainerPort {
		return corev1.ContainerPort{Name: name, ContainerPort: port, Protocol: corev1.ProtocolTCP}
	}
	pods := []*corev1.Pod{
		testbed.NewPod(front, "web", map[string]string{"app": "web"}, tcp("http", 8080)),
		testbed.NewPod(front, "web-canary", map[string]string{"app": "web", "track": "canary"}, tcp("http", 8081)),
		testbed.NewPod(back, "api", map[string]string{"app": "api"}, tcp("http", 9000), tcp("metrics", 9100)),
		testbed.NewPod(back, "db", map[string]string{"app": "db"}, tcp("pg", 5432)),
		testbed.NewPod(ops, "prom", map[string]string{"app": "prom"}),
	}
	for _, p := range pods {
		if _, err := testbed.RunPod(ctx, cs, p, node, cp.NextPodIP()); err != nil {
			t.Fatal(err)
		}
	}
	for _, svc := range []*corev1.Service{
		testbed.NewService(front, "web", map[string]string{"app": "web"}, 8080),
		testbed.NewService(back, "api", map[string]string{"app": "api"}, 9000),
		testbed.NewService(back, "db", map[string]string{"app": "db"}, 5432),
	} {
		if _, err := cs.CoreV1().Services(svc.Namespace).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	sel := func(kv ...string) *metav1.LabelSelector {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return &metav1.LabelSelector{MatchLabels: m}
	}
	port := func(p intstr.IntOrString) []networkingv1.NetworkPolicyPort {
		return []networkingv1.NetworkPolicyPort{{Port: &p}}
	}
	policies := []*networkingv1.NetworkPolicy{
		// back: default deny ingress; api from tier=front on the named
		// port http, metrics from ops; db from api only on 5432.
		{ObjectMeta: metav1.ObjectMeta{Namespace: back, Name: "deny"}, Spec: networkingv1.NetworkPolicySpec{
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: back, Name: "api"}, Spec: networkingv1.NetworkPolicySpec{
			PodSelector: *sel("app", "api"),
			Ingress: []networkingv1.NetworkPolicyIngressRule{
				{From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: sel("tier", "front")}}, Ports: port(intstr.FromString("http"))},
				{From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: sel("tier", "ops"), PodSelector: sel("app", "prom")}}, Ports: port(intstr.FromInt32(9100))},
			}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: back, Name: "db"}, Spec: networkingv1.NetworkPolicySpec{
			PodSelector: *sel("app", "db"),
			Ingress: []networkingv1.NetworkPolicyIngressRule{
				{From: []networkingv1.NetworkPolicyPeer{{PodSelector: sel("app", "api")}}, Ports: port(intstr.FromInt32(5432))},
			}}},
		// front: the canary may talk only to the api, and DNS-less.
		{ObjectMeta: metav1.ObjectMeta{Namespace: front, Name: "canary-egress"}, Spec: networkingv1.NetworkPolicySpec{
			PodSelector: *sel("track", "canary"),
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress: []networkingv1.NetworkPolicyEgressRule{
				{To: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: sel("tier", "back"), PodSelector: sel("app", "api")}}},
				{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.244.0.0/16", Except: []string{"10.244.0.0/24"}}}}},
			}}},
	}
	for _, np := range policies {
		if _, err := cs.NetworkingV1().NetworkPolicies(np.Namespace).Create(ctx, np, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := testbed.WaitForReadyEndpoints(ctx, cs, back, "db", podIP(t, cs, back, "db")); err != nil {
		t.Fatal(err)
	}
	return []string{front, back, ops}
}

// waitForQuietNamespaces waits until no namespace is being deleted, so
// that what a test reads twice stays the same.
func waitForQuietNamespaces(t *testing.T, cs kubernetes.Interface) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		nss, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, ns := range nss.Items {
			if ns.DeletionTimestamp != nil {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("namespaces still terminating: %v", err)
	}
}

func podIP(t *testing.T, cs kubernetes.Interface, ns, name string) string {
	t.Helper()
	p, err := cs.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p.Status.PodIP
}

// exportYAML writes every object netviz reads, as the API server returns
// them, to one multi-document YAML file: what `kubectl get -o yaml` gives.
func exportYAML(t *testing.T, cs kubernetes.Interface) string {
	t.Helper()
	ctx := context.Background()
	var docs [][]byte
	add := func(gv schema.GroupVersion, kind string, items []runtime.Object) {
		for _, o := range items {
			o.GetObjectKind().SetGroupVersionKind(gv.WithKind(kind))
			b, err := yaml.Marshal(o)
			if err != nil {
				t.Fatal(err)
			}
			docs = append(docs, b)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	v1 := schema.GroupVersion{Version: "v1"}
	net1 := networkingv1.SchemeGroupVersion
	nss, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	must(err)
	add(v1, "Namespace", objects(nss.Items))
	pods, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	must(err)
	add(v1, "Pod", objects(pods.Items))
	svcs, err := cs.CoreV1().Services("").List(ctx, metav1.ListOptions{})
	must(err)
	add(v1, "Service", objects(svcs.Items))
	slices, err := cs.DiscoveryV1().EndpointSlices("").List(ctx, metav1.ListOptions{})
	must(err)
	add(schema.GroupVersion{Group: "discovery.k8s.io", Version: "v1"}, "EndpointSlice", objects(slices.Items))
	ings, err := cs.NetworkingV1().Ingresses("").List(ctx, metav1.ListOptions{})
	must(err)
	add(net1, "Ingress", objects(ings.Items))
	classes, err := cs.NetworkingV1().IngressClasses().List(ctx, metav1.ListOptions{})
	must(err)
	add(net1, "IngressClass", objects(classes.Items))
	nps, err := cs.NetworkingV1().NetworkPolicies("").List(ctx, metav1.ListOptions{})
	must(err)
	add(net1, "NetworkPolicy", objects(nps.Items))
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	must(err)
	add(v1, "Node", objects(nodes.Items))

	path := filepath.Join(t.TempDir(), "cluster.yaml")
	must(os.WriteFile(path, bytes.Join(docs, []byte("---\n")), 0o644))
	return path
}

// objects turns a list's items into objects, one pointer per item.
func objects[T any, PT interface {
	*T
	runtime.Object
}](items []T) []runtime.Object {
	out := make([]runtime.Object, len(items))
	for i := range items {
		out[i] = PT(&items[i])
	}
	return out
}

func TestLiveCLIMatchesExportedYAML(t *testing.T) {
	cp := testbed.Require(t)
	nss := fixture(t, cp)
	kubeconfig := cp.Kubeconfig()
	file := exportYAML(t, cp.Client())

	tests := map[string][]string{
		"matrix":              {"matrix"},
		"matrix port 5432":    {"matrix", "--port", "5432"},
		"matrix named port":   {"matrix", "--port", "http", "-o", "json"},
		"matrix by namespace": {"matrix", "--by", "namespace", "-o", "csv"},
		"matrix -n":           {"matrix", "-n", nss[1], "--port", "9100"},
		"trace allowed":       {"trace", nss[0] + "/web", "svc/" + nss[1] + "/api", "--port", "9000", "-o", "json"},
		"trace denied":        {"trace", nss[0] + "/web", nss[1] + "/db", "--port", "5432"},
		"export json":         {"export", "--format", "json"},
		"export dot -n":       {"export", "--format", "dot", "-n", nss[1]},
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			live := runLive(append(args, "--kubeconfig", kubeconfig)...)
			manifests := runLive(append(args, "-f", file)...)
			if live.code != manifests.code || live.stdout != manifests.stdout {
				t.Errorf("live cluster (exit %d):\n%s\nexported YAML (exit %d):\n%s", live.code, live.stdout, manifests.code, manifests.stdout)
			}
			if live.stderr != "" {
				t.Errorf("live cluster warned: %s", live.stderr)
			}
			// The test cluster serves no AdminNetworkPolicy CRDs: said once.
			if len(live.notes) != 1 || !strings.Contains(live.notes[0], "AdminNetworkPolicy and BaselineAdminNetworkPolicy are not installed") {
				t.Errorf("notes %q, want the one about the missing policy tiers", live.notes)
			}
			if !strings.Contains(live.stdout, nss[1]) {
				t.Errorf("output does not mention the fixture:\n%s", live.stdout)
			}
		})
	}
}

// readerRules are exactly what netviz needs: get, list and watch on the
// kinds it reads, and nothing else.
func readerRules() []rbacv1.PolicyRule {
	verbs := []string{"get", "list", "watch"}
	return []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"namespaces", "pods", "services", "nodes"}, Verbs: verbs},
		{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: verbs},
		{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"ingresses", "ingressclasses", "networkpolicies"}, Verbs: verbs},
	}
}

// bind gives user a ClusterRole with rules, or a Role in ns, and removes it
// when the test ends.
func bind(t *testing.T, cp *testbed.ControlPlane, user, ns string, rules []rbacv1.PolicyRule) {
	t.Helper()
	ctx := context.Background()
	rbac := cp.Client().RbacV1()
	name := "netviz-test-" + user
	subjects := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}
	var err error
	if ns == "" {
		_, err = rbac.ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}, metav1.CreateOptions{})
		if err == nil {
			_, err = rbac.ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, Subjects: subjects,
				RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}}, metav1.CreateOptions{})
		}
		t.Cleanup(func() {
			_ = rbac.ClusterRoleBindings().Delete(ctx, name, metav1.DeleteOptions{})
			_ = rbac.ClusterRoles().Delete(ctx, name, metav1.DeleteOptions{})
		})
	} else {
		_, err = rbac.Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}, metav1.CreateOptions{})
		if err == nil {
			_, err = rbac.RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}, Subjects: subjects,
				RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name}}, metav1.CreateOptions{})
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	waitForRBAC(t, cp, user, ns, rules[0].APIGroups[0], rules[0].Resources[0])
}

// waitForRBAC waits until the authorizer lets user list resource in ns.
func waitForRBAC(t *testing.T, cp *testbed.ControlPlane, user, ns, group, resource string) {
	t.Helper()
	cfg, err := cp.ConfigFor(user)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	gvr := schema.GroupVersionResource{Group: group, Version: "v1", Resource: resource}
	err = wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().RESTClient().Get().AbsPath(listPath(gvr, ns)).Param("limit", "1").DoRaw(ctx)
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("%s never got to list %s: %v", user, resource, err)
	}
}

func listPath(gvr schema.GroupVersionResource, ns string) string {
	p := "/api/v1"
	if gvr.Group != "" {
		p = "/apis/" + gvr.Group + "/" + gvr.Version
	}
	if ns != "" {
		p += "/namespaces/" + ns
	}
	return p + "/" + gvr.Resource
}

// withoutAccessReviews takes away what every authenticated user may do by
// default, creating SelfSubjectAccessReviews among it, until the test
// ends: netviz must then find out what is forbidden from the answers to
// its lists.
func withoutAccessReviews(t *testing.T, cp *testbed.ControlPlane) {
	t.Helper()
	ctx := context.Background()
	rbac := cp.Client().RbacV1()
	b, err := rbac.ClusterRoleBindings().Get(ctx, "system:basic-user", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	saved := b.Subjects
	b.Subjects = nil
	if _, err := rbac.ClusterRoleBindings().Update(ctx, b, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b, err := rbac.ClusterRoleBindings().Get(ctx, "system:basic-user", metav1.GetOptions{})
		if err == nil {
			b.Subjects = saved
			_, err = rbac.ClusterRoleBindings().Update(ctx, b, metav1.UpdateOptions{})
		}
		if err != nil {
			t.Errorf("restore system:basic-user: %v", err)
		}
	})
	// Wait until the authorizer has caught up.
	cfg, err := cp.ConfigFor(testbed.UserViewer)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().RESTClient().Post().AbsPath("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews").
			Body([]byte(`{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"resourceAttributes":{"verb":"list","resource":"pods"}}}`)).
			DoRaw(ctx)
		return err != nil, nil
	})
	if err != nil {
		t.Fatal("access reviews still allowed")
	}
}

// TestLiveLeastPrivilege runs netviz as a user that may get, list and
// watch the kinds netviz reads and do nothing else: it must give the same
// answers as an admin gets.
func TestLiveLeastPrivilege(t *testing.T) {
	cp := testbed.Require(t)
	nss := fixture(t, cp)
	bind(t, cp, testbed.UserViewer, "", readerRules())
	viewer, err := cp.KubeconfigFor(testbed.UserViewer)
	if err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T) {
		for _, args := range [][]string{
			{"matrix", "--port", "http"},
			{"trace", nss[0] + "/web-canary", "svc/" + nss[1] + "/api", "--port", "9000"},
			{"export", "--format", "json", "-n", nss[1]},
		} {
			admin := runLive(append(args, "--kubeconfig", cp.Kubeconfig())...)
			got := runLive(append(args, "--kubeconfig", viewer)...)
			if got.code != admin.code || got.stdout != admin.stdout || got.stderr != "" {
				t.Errorf("%v as viewer: exit %d, stderr %q, stdout\n%s\nas admin: exit %d, stdout\n%s",
					args, got.code, got.stderr, got.stdout, admin.code, admin.stdout)
			}
		}
	}
	t.Run("with access reviews", check)
	t.Run("without access reviews", func(t *testing.T) {
		withoutAccessReviews(t, cp)
		check(t)
	})
}

func TestLiveNamespaceOnlyUser(t *testing.T) {
	cp := testbed.Require(t)
	nss := fixture(t, cp)
	back := nss[1]
	bind(t, cp, testbed.UserNamespaceViewer, back, []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods", "services"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"ingresses", "networkpolicies"}, Verbs: []string{"get", "list", "watch"}},
	})
	kc, err := cp.KubeconfigFor(testbed.UserNamespaceViewer)
	if err != nil {
		t.Fatal(err)
	}
	wantWarnings := fmt.Sprintf(`netviz: warning: the user may not list pods, services, endpointslices, ingresses, networkpolicies in all namespaces: netviz reads them in namespace %s only
netviz: warning: cannot read namespaces at cluster scope: the user may not list namespaces (verdicts that depend on it are unknown)
netviz: warning: cannot read ingressclasses at cluster scope: the user may not list ingressclasses (verdicts that depend on it are unknown)
netviz: warning: cannot read nodes at cluster scope: the user may not list nodes (verdicts that depend on it are unknown)
`, back)

	tests := map[string]struct {
		args     []string
		wantCode int
		want     string // in stdout
	}{
		// db admits api by pod labels alone: decided.
		"pod selector decided": {[]string{"trace", back + "/api", back + "/db", "--port", "5432"}, exitAllowed, "allowed"},
		// api admits tier=back? No rule does; but the namespace labels
		// cannot be read, so netviz cannot rule out the tier=front rule.
		"namespace selector unknown": {[]string{"trace", back + "/db", back + "/api", "--port", "http"}, exitUnknown, "unknown"},
		"matrix":                     {[]string{"matrix", "--port", "5432"}, exitAllowed, back + "/api"},
	}
	check := func(t *testing.T) {
		for name, tc := range tests {
			t.Run(name, func(t *testing.T) {
				r := runLive(append(tc.args, "--kubeconfig", kc, "-n", back)...)
				if r.code != tc.wantCode || !strings.Contains(r.stdout, tc.want) {
					t.Errorf("exit %d (want %d), stdout:\n%s", r.code, tc.wantCode, r.stdout)
				}
				if r.stderr != wantWarnings {
					t.Errorf("stderr:\n%s\nwant:\n%s", r.stderr, wantWarnings)
				}
			})
		}
	}
	t.Run("told by access reviews", check)
	t.Run("told by Forbidden answers", func(t *testing.T) {
		withoutAccessReviews(t, cp)
		check(t)
	})
}

func TestLiveUserWithoutNetworkPolicies(t *testing.T) {
	cp := testbed.Require(t)
	nss := fixture(t, cp)
	var rules []rbacv1.PolicyRule
	for _, r := range readerRules() {
		if r.APIGroups[0] == "networking.k8s.io" {
			r.Resources = []string{"ingresses", "ingressclasses"}
		}
		rules = append(rules, r)
	}
	bind(t, cp, testbed.UserNoNetpol, "", rules)
	kc, err := cp.KubeconfigFor(testbed.UserNoNetpol)
	if err != nil {
		t.Fatal(err)
	}
	const want = "netviz: warning: cannot read networkpolicies in all namespaces: the user may not list networkpolicies (verdicts that depend on it are unknown)\n"
	check := func(t *testing.T, wantStderr string) {
		r := runLive("trace", nss[0]+"/web", nss[1]+"/db", "--port", "5432", "--kubeconfig", kc)
		if r.code != exitUnknown || !strings.Contains(r.stdout, "unknown") {
			t.Errorf("trace: exit %d (want 3, unknown), stdout:\n%s", r.code, r.stdout)
		}
		if r.stderr != wantStderr {
			t.Errorf("stderr %q, want %q", r.stderr, wantStderr)
		}
	}
	t.Run("told by access reviews", func(t *testing.T) { check(t, want) })
	t.Run("told by a Forbidden answer", func(t *testing.T) {
		withoutAccessReviews(t, cp)
		check(t, want)
	})
}

// TestLiveExecPlugin reads the cluster with credentials from an exec
// plugin, as kubectl does for EKS, GKE, AKS and OIDC login helpers.
func TestLiveExecPlugin(t *testing.T) {
	cp := testbed.Require(t)
	admin, err := cp.ConfigFor(testbed.UserAdmin)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	plugin := filepath.Join(dir, "credentials")
	cred := `{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"` + admin.BearerToken + `"}}`
	if err := os.WriteFile(plugin, []byte("#!/bin/sh\necho '"+cred+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := clientcmdapi.Config{
		Clusters: map[string]*clientcmdapi.Cluster{"c": {Server: cp.Server(), CertificateAuthority: admin.TLSClientConfig.CAFile}},
		AuthInfos: map[string]*clientcmdapi.AuthInfo{"u": {Exec: &clientcmdapi.ExecConfig{
			APIVersion: "client.authentication.k8s.io/v1", Command: plugin, InteractiveMode: clientcmdapi.NeverExecInteractiveMode,
		}}},
		Contexts:       map[string]*clientcmdapi.Context{"exec": {Cluster: "c", AuthInfo: "u"}},
		CurrentContext: "exec",
	}
	path := filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(cfg, path); err != nil {
		t.Fatal(err)
	}
	want := runLive("export", "--format", "json", "--kubeconfig", cp.Kubeconfig())
	got := runLive("export", "--format", "json", "--kubeconfig", path)
	if got.code != 0 || got.stderr != "" || got.stdout != want.stdout {
		t.Errorf("with the exec plugin: exit %d, stderr %q, stdout\n%s\nwith a token:\n%s", got.code, got.stderr, got.stdout, want.stdout)
	}
}

func TestLiveExecPluginFails(t *testing.T) {
	isolateKubeconfig(t)
	missing := filepath.Join(t.TempDir(), "no-such-plugin")
	cfg := clientcmdapi.Config{
		Clusters: map[string]*clientcmdapi.Cluster{"c": {Server: "https://127.0.0.1:1"}},
		AuthInfos: map[string]*clientcmdapi.AuthInfo{"u": {Exec: &clientcmdapi.ExecConfig{
			APIVersion: "client.authentication.k8s.io/v1", Command: missing, InteractiveMode: clientcmdapi.NeverExecInteractiveMode,
		}}},
		Contexts:       map[string]*clientcmdapi.Context{"exec": {Cluster: "c", AuthInfo: "u"}},
		CurrentContext: "exec",
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(cfg, path); err != nil {
		t.Fatal(err)
	}
	r := runLive("matrix", "--kubeconfig", path)
	want := "netviz: cannot get credentials for the API server at https://127.0.0.1:1: exec: "
	if r.code != exitInput || !strings.HasPrefix(r.stderr, want) || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want exit 2 and one line starting %q", r.code, r.stderr, want)
	}
}
