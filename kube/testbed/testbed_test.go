package testbed

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func TestMain(m *testing.M) { Main(m, WithUser("team-member", "netviz:team")) }

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// script runs a subcommand of hack/testcluster.sh.
func script(t *testing.T, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	src, err := SourceDir()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", append([]string{filepath.Join(src, "..", "testcluster.sh")}, args...)...)
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("testcluster.sh %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

// The script and this package share one binary cache only if they agree on
// when it is stale and on how to build.
func TestScriptAgreesOnCache(t *testing.T) {
	src, err := SourceDir()
	if err != nil {
		t.Fatal(err)
	}
	stamp, err := sourceStamp(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if got := script(t, "stamp"); got != stamp {
		t.Errorf("testcluster.sh stamp = %q, testbed computes %q", got, stamp)
	}
	flags, err := ldflags(src)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(flags, "k8s.io/component-base/version.gitVersion=v1.") {
		t.Errorf("ldflags %q do not stamp a v1 release", flags)
	}
	if got := script(t, "ldflags"); got != flags {
		t.Errorf("testcluster.sh ldflags = %q, testbed uses %q", got, flags)
	}
}

func TestNamespaceName(t *testing.T) {
	tests := []struct {
		name, testName, prefix string
	}{
		{"plain", "TestFoo", "testfoo-"},
		{"subtest", "TestFoo/bar_baz", "testfoo-bar-baz-"},
		{"only symbols", "/_/", "test-"},
		{"long", strings.Repeat("x", 100), strings.Repeat("x", 40) + "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := namespaceName(tt.testName)
			if !strings.HasPrefix(got, tt.prefix) || len(got) != len(tt.prefix)+6 {
				t.Errorf("namespaceName(%q) = %q, want %q and 6 random characters", tt.testName, got, tt.prefix)
			}
			if errs := validation.IsDNS1123Label(got); len(errs) > 0 {
				t.Errorf("namespaceName(%q) = %q, not a namespace name: %v", tt.testName, got, errs)
			}
		})
	}
	if a, b := namespaceName("TestFoo"), namespaceName("TestFoo"); a == b {
		t.Errorf("two namespaces for one test share the name %q", a)
	}
}

func TestSweepStaleDirs(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("only Linux can tell a dead owner")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dead := exec.Command("go", "version")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	tests := []struct {
		name      string
		owner     string // "" writes no owner file
		modified  time.Time
		wantSwept bool
	}{
		{"dead owner", strconv.Itoa(dead.Process.Pid), old, true},
		{"live owner", strconv.Itoa(os.Getpid()), old, false},
		{"dead owner but new", strconv.Itoa(dead.Process.Pid), time.Now(), false},
		{"no owner file", "", old, false},
		{"garbled owner", "x", old, false},
	}
	for i, tt := range tests {
		dir := filepath.Join(tmp, fmt.Sprintf("%s%d", dirPrefix, i))
		if err := os.MkdirAll(filepath.Join(dir, "etcd"), 0o700); err != nil {
			t.Fatal(err)
		}
		if tt.owner != "" {
			if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(tt.owner), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chtimes(dir, tt.modified, tt.modified); err != nil {
			t.Fatal(err)
		}
	}
	sweepStaleDirs()
	for i, tt := range tests {
		_, err := os.Stat(filepath.Join(tmp, fmt.Sprintf("%s%d", dirPrefix, i)))
		if swept := os.IsNotExist(err); swept != tt.wantSwept {
			t.Errorf("%s: swept = %v, want %v", tt.name, swept, tt.wantSwept)
		}
	}
}

func TestNextPodIP(t *testing.T) {
	cp := &ControlPlane{}
	_, podNet, _ := net.ParseCIDR("10.244.0.0/16")
	seen := map[string]bool{}
	for range 1000 {
		ip := cp.NextPodIP()
		parsed := net.ParseIP(ip)
		if parsed == nil || !podNet.Contains(parsed) || strings.HasSuffix(ip, ".0") || strings.HasSuffix(ip, ".255") {
			t.Fatalf("NextPodIP() = %q, want a host address in %s", ip, podNet)
		}
		if seen[ip] {
			t.Fatalf("NextPodIP() returned %s twice", ip)
		}
		seen[ip] = true
	}
}

func TestReadyAddresses(t *testing.T) {
	yes, no := true, false
	slice := func(eps ...discoveryv1.Endpoint) discoveryv1.EndpointSlice {
		return discoveryv1.EndpointSlice{Endpoints: eps}
	}
	ep := func(ready *bool, ips ...string) discoveryv1.Endpoint {
		return discoveryv1.Endpoint{Addresses: ips, Conditions: discoveryv1.EndpointConditions{Ready: ready}}
	}
	tests := []struct {
		name  string
		items []discoveryv1.EndpointSlice
		want  []string
	}{
		{"none", nil, nil},
		{"ready only, sorted", []discoveryv1.EndpointSlice{slice(ep(&yes, "10.244.0.9"), ep(&no, "10.244.0.2"), ep(&yes, "10.244.0.10"))},
			[]string{"10.244.0.10", "10.244.0.9"}},
		{"unknown readiness is not ready", []discoveryv1.EndpointSlice{slice(ep(nil, "10.244.0.1"))}, nil},
		{"duplicates across slices once", []discoveryv1.EndpointSlice{slice(ep(&yes, "10.244.0.1")), slice(ep(&yes, "10.244.0.1"))},
			[]string{"10.244.0.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := readyAddresses(tt.items); !slices.Equal(got, tt.want) {
				t.Errorf("readyAddresses() = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestEndpointSliceFollowsPodReadiness proves the kubelet-less pod lifecycle
// drives the real EndpointSlice controller.
func TestEndpointSliceFollowsPodReadiness(t *testing.T) {
	cp := Require(t)
	ctx := testContext(t)
	cs := cp.Client()
	ns := cp.Namespace(t, map[string]string{"team": "a"})
	cp.Node(t, "node-endpoints")

	labels := map[string]string{"app": "web"}
	ip := cp.NextPodIP()
	pod, err := RunPod(ctx, cs, NewPod(ns, "web-0", labels, corev1.ContainerPort{Name: "http", ContainerPort: 8080}), "node-endpoints", ip)
	if err != nil {
		t.Fatal(err)
	}
	if pod.Status.PodIP != ip || pod.Spec.NodeName != "node-endpoints" || pod.Status.Phase != corev1.PodRunning {
		t.Fatalf("pod after RunPod: ip %q node %q phase %q", pod.Status.PodIP, pod.Spec.NodeName, pod.Status.Phase)
	}
	// A pod that does not match the selector must stay out.
	if _, err := RunPod(ctx, cs, NewPod(ns, "db-0", map[string]string{"app": "db"}), "node-endpoints", cp.NextPodIP()); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Services(ns).Create(ctx, NewService(ns, "web", labels, 80), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WaitForReadyEndpoints(ctx, cs, ns, "web", ip); err != nil {
		t.Fatal(err)
	}

	if _, err := SetPodStatus(ctx, cs, ns, "web-0", ip, false); err != nil {
		t.Fatal(err)
	}
	if err := WaitForReadyEndpoints(ctx, cs, ns, "web"); err != nil {
		t.Fatal(err)
	}
	if _, err := SetPodStatus(ctx, cs, ns, "web-0", ip, true); err != nil {
		t.Fatal(err)
	}
	if err := WaitForReadyEndpoints(ctx, cs, ns, "web", ip); err != nil {
		t.Fatal(err)
	}

	if err := DeletePod(ctx, cs, ns, "web-0"); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Pods(ns).Get(ctx, "web-0", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("pod still there after DeletePod: %v", err)
	}
	if err := WaitForReadyEndpoints(ctx, cs, ns, "web"); err != nil {
		t.Fatal(err)
	}
}

// TestAPIServerRestart proves a client works again, on the same kubeconfig,
// after the API server restarts, and that the controllers carry on.
func TestAPIServerRestart(t *testing.T) {
	cp := Require(t)
	ctx := testContext(t)
	cs := cp.Client()
	ns := cp.Namespace(t, nil)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "before"}}
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	if err := cp.StopAPIServer(); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, "before", metav1.GetOptions{}); err == nil {
		t.Fatal("API server answered while stopped")
	}
	if err := cp.StartAPIServer(ctx); err != nil {
		t.Fatal(err)
	}

	// A client built from the kubeconfig file, as netviz builds its own.
	cfg, err := clientcmd.BuildConfigFromFlags("", cp.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]kubernetes.Interface{"old client": cs, "new client": fresh} {
		if _, err := c.CoreV1().ConfigMaps(ns).Get(ctx, "before", metav1.GetOptions{}); err != nil {
			t.Errorf("%s after restart: %v", name, err)
		}
	}
	// The controller manager reconnects: a new namespace gets its
	// ServiceAccount, and a new Service its EndpointSlice.
	ns2 := cp.Namespace(t, nil)
	cp.Node(t, "node-restart")
	ip := cp.NextPodIP()
	if _, err := RunPod(ctx, cs, NewPod(ns2, "p", map[string]string{"app": "p"}), "node-restart", ip); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Services(ns2).Create(ctx, NewService(ns2, "p", map[string]string{"app": "p"}, 80), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WaitForReadyEndpoints(ctx, cs, ns2, "p", ip); err != nil {
		t.Fatal(err)
	}
}

// TestUsers proves the provisioned token users authenticate, start with no
// rights, and get exactly what RBAC grants them.
func TestUsers(t *testing.T) {
	cp := Require(t)
	ctx := testContext(t)
	ns := cp.Namespace(t, nil)
	other := cp.Namespace(t, nil)

	want := []string{"admin", "no-netpol", "ns-viewer", "system:kube-controller-manager", "team-member", "viewer"}
	if got := cp.Users(); !slices.Equal(got, want) {
		t.Errorf("Users() = %v, want %v", got, want)
	}
	if _, err := cp.KubeconfigFor("nobody"); err == nil {
		t.Error("KubeconfigFor(nobody) gave a kubeconfig")
	}

	clientFor := func(user string) kubernetes.Interface {
		path, err := cp.KubeconfigFor(user)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := clientcmd.BuildConfigFromFlags("", path)
		if err != nil {
			t.Fatal(err)
		}
		c, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	listPods := func(c kubernetes.Interface, ns string) error {
		_, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		return err
	}
	nsViewer := clientFor(UserNamespaceViewer)
	if err := listPods(nsViewer, ns); !apierrors.IsForbidden(err) {
		t.Fatalf("ns-viewer lists pods before any grant: %v", err)
	}

	admin := cp.Client()
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "pod-reader"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}}},
	}
	if _, err := admin.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "pod-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "pod-reader"},
		Subjects: []rbacv1.Subject{
			{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: UserNamespaceViewer},
			{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: "netviz:team"},
		},
	}
	if _, err := admin.RbacV1().RoleBindings(ns).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// RBAC reads bindings from an informer: allow it a moment.
	err := wait.PollUntilContextTimeout(ctx, pollInterval, 30*time.Second, true, func(context.Context) (bool, error) {
		return listPods(nsViewer, ns) == nil, nil
	})
	if err != nil {
		t.Fatalf("ns-viewer cannot list pods after the RoleBinding: %v", listPods(nsViewer, ns))
	}
	if err := listPods(clientFor("team-member"), ns); err != nil {
		t.Errorf("team-member, in group netviz:team, cannot list pods: %v", err)
	}
	if err := listPods(nsViewer, other); !apierrors.IsForbidden(err) {
		t.Errorf("ns-viewer lists pods in a namespace it was not granted: %v", err)
	}
	if err := listPods(clientFor(UserViewer), ns); !apierrors.IsForbidden(err) {
		t.Errorf("viewer lists pods without a grant: %v", err)
	}

	saCfg, saKubeconfig, err := cp.ServiceAccountUser(ctx, ns, "robot")
	if err != nil {
		t.Fatal(err)
	}
	sa, err := kubernetes.NewForConfig(saCfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := listPods(sa, ns); !apierrors.IsForbidden(err) {
		t.Errorf("service account lists pods without a grant: %v", err)
	}
	if _, err := clientcmd.BuildConfigFromFlags("", saKubeconfig); err != nil {
		t.Errorf("service account kubeconfig: %v", err)
	}
	review, err := sa.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := review.Status.UserInfo.Username, "system:serviceaccount:"+ns+":robot"; got != want {
		t.Errorf("service account authenticates as %q, want %q", got, want)
	}
}

// TestScriptUpDown proves hack/testcluster.sh brings up a working cluster,
// with its users and controllers, and takes it down again.
func TestScriptUpDown(t *testing.T) {
	Require(t) // the binaries are built and can run
	ctx := testContext(t)
	state := filepath.Join(t.TempDir(), "state")
	t.Setenv("NETVIZ_TESTCLUSTER_DIR", state)
	t.Setenv("NETVIZ_TESTCLUSTER_USERS", "team-member:netviz:team,netviz:other")
	defer script(t, "down")
	lines := strings.Split(script(t, "up"), "\n")
	last := lines[len(lines)-1]
	kubeconfig, ok := strings.CutPrefix(last, "KUBECONFIG=")
	if !ok {
		t.Fatalf("last line of testcluster.sh up is %q, want KUBECONFIG=...", last)
	}
	client := func(path string) kubernetes.Interface {
		cfg, err := clientcmd.BuildConfigFromFlags("", path)
		if err != nil {
			t.Fatal(err)
		}
		c, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	admin := client(kubeconfig)
	if err := WaitForServiceAccount(ctx, admin, "default", "default"); err != nil {
		t.Fatalf("no controller manager: %v", err)
	}
	if got := script(t, "status"); !strings.HasSuffix(got, "KUBECONFIG="+kubeconfig) {
		t.Errorf("testcluster.sh status = %q", got)
	}
	if got := script(t, "up"); !strings.HasSuffix(got, "KUBECONFIG="+kubeconfig) {
		t.Errorf("second testcluster.sh up = %q, want the running cluster's kubeconfig", got)
	}
	for user, groups := range map[string][]string{
		UserViewer:    {"system:authenticated"},
		"team-member": {"netviz:team", "netviz:other", "system:authenticated"},
	} {
		review, err := client(filepath.Join(state, "kubeconfig-"+user)).AuthenticationV1().SelfSubjectReviews().
			Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("%s: %v", user, err)
		}
		if got := review.Status.UserInfo; got.Username != user || !slices.Equal(got.Groups, groups) {
			t.Errorf("%s authenticates as %q in %v, want groups %v", user, got.Username, got.Groups, groups)
		}
	}

	script(t, "down")
	if _, err := admin.CoreV1().Namespaces().List(ctx, metav1.ListOptions{}); err == nil {
		t.Error("API server still answers after testcluster.sh down")
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Errorf("state dir after down: %v", err)
	}
}

// BenchmarkScale creates 1000 ready pods on 10 nodes and 200 Services of
// 5 pods each, and waits until every Service's EndpointSlice lists its pods.
// Run it once: go test ./kube/testbed -run '^$' -bench Scale -benchtime 1x
func BenchmarkScale(b *testing.B) {
	const pods, services, nodes, workers = 1000, 200, 10, 16
	cp := Require(b)
	cs := cp.Client()
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		ns := cp.Namespace(b, nil)
		for i := range nodes {
			name := fmt.Sprintf("scale-%s-%d", ns, i)
			if _, err := CreateNode(ctx, cs, name, fmt.Sprintf("10.1.%d.%d", i/254, i%254+1)); err != nil {
				b.Fatal(err)
			}
		}
		start := time.Now()
		ips := make([]string, pods)
		err := parallel(pods, workers, func(i int) error {
			labels := map[string]string{"app": fmt.Sprintf("svc-%d", i%services)}
			ips[i] = cp.NextPodIP()
			_, err := RunPod(ctx, cs, NewPod(ns, fmt.Sprintf("pod-%d", i), labels), fmt.Sprintf("scale-%s-%d", ns, i%nodes), ips[i])
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		podsDone := time.Since(start)
		err = parallel(services, workers, func(i int) error {
			svc := NewService(ns, fmt.Sprintf("svc-%d", i), map[string]string{"app": fmt.Sprintf("svc-%d", i)}, 80)
			_, err := cs.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		servicesDone := time.Since(start)
		err = parallel(services, workers, func(i int) error {
			var want []string
			for p := i; p < pods; p += services {
				want = append(want, ips[p])
			}
			return WaitForReadyEndpoints(ctx, cs, ns, fmt.Sprintf("svc-%d", i), want...)
		})
		if err != nil {
			b.Fatal(err)
		}
		total := time.Since(start)
		cancel()
		b.ReportMetric(podsDone.Seconds(), "s-pods-ready")
		b.ReportMetric((servicesDone - podsDone).Seconds(), "s-services")
		b.ReportMetric(total.Seconds(), "s-endpoints-settled")
	}
}

// parallel runs f(0..n-1) on the given number of goroutines and returns the
// first error.
func parallel(n, workers int, f func(i int) error) error {
	next := make(chan int)
	errs := make(chan error, workers)
	for range workers {
		go func() {
			var first error
			for i := range next {
				if err := f(i); err != nil && first == nil {
					first = err
				}
			}
			errs <- first
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	var first error
	for range workers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}
