package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/kube"
	"github.com/netviz/netviz/kube/synth"
)

// fixDNS is the demo's allow-dns-egress with payments added to its list.
const fixDNS = `# allow-dns-egress, now with payments.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-dns-egress
  namespace: shop
spec:
  podSelector:
    matchExpressions:
    - key: app
      operator: In
      values: [frontend, cart, checkout, catalog, db, payments]
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
      podSelector:
        matchLabels:
          k8s-app: kube-dns
    ports:
    - {port: 53, protocol: UDP}
    - {port: 53, protocol: TCP}
`

// fixCart lets checkout reach cart's gRPC port too.
const fixCart = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-cart-ingress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: cart}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: frontend}}}]
    ports: [{port: http, protocol: TCP}]
  - from: [{podSelector: {matchLabels: {app: checkout}}}]
    ports: [{port: 8080, protocol: TCP}, {port: 9000, protocol: TCP}]
`

// whatIfFile writes an overlay manifest and returns its path.
func whatIfFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// checkGolden compares out with testdata/golden/name, or rewrites it with
// -update.
func checkGolden(t *testing.T, name, out string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if out != string(want) {
		t.Errorf("output differs from %s (run with -update and review the diff):\n%s", path, out)
	}
}

// TestWhatIfGolden runs commands on the demo with overlays and compares
// their output with golden files.
func TestWhatIfGolden(t *testing.T) {
	fix := whatIfFile(t, "fix-dns.yaml", fixDNS)
	cart := whatIfFile(t, "fix-cart.yaml", fixCart)
	cases := []struct {
		golden string
		args   []string
		code   int
	}{
		{"diff-demo-dns.txt", []string{"diff", "--demo", "--with", fix}, 0},
		{"diff-demo-dns.json", []string{"diff", "--demo", "--with", fix, "-o", "json"}, 0},
		{"diff-demo-dns.dot", []string{"diff", "--demo", "--with", fix, "-o", "dot"}, 0},
		// Removing the namespace's default deny changes nothing: the
		// Prometheus and OpenTelemetry policies select every shop pod too,
		// so each stays isolated in both directions.
		{"diff-demo-default-deny.txt", []string{"diff", "--demo", "--without", "NetworkPolicy/shop/default-deny-all", "--exit-code"}, 0},
		{"diff-demo-mixed.txt", []string{"diff", "--demo", "--with", fix, "--without", "netpol/shop/allow-otel-egress", "--without", "NetworkPolicy/shop/allow-prometheus-scrape", "--exit-code"}, 1},
		{"diff-demo-mixed-kube-system.txt", []string{"diff", "--demo", "--with", fix, "--without", "netpol/shop/allow-otel-egress", "-n", "kube-system"}, 0},
		// Added, removed and changed connections at once.
		{"diff-demo-all-ops.dot", []string{"diff", "--demo", "--with", fix, "--with", cart, "--without", "netpol/shop/allow-otel-egress", "-o", "dot"}, 0},
		{"diff-demo-all-ops.txt", []string{"diff", "--demo", "--with", fix, "--with", cart, "--without", "netpol/shop/allow-otel-egress"}, 0},
		{"whatif-trace-dns.txt", []string{"trace", "--demo", "shop/payments-7b6d5c9f8-m6k8s", "svc/kube-system/kube-dns", "--port", "53", "--protocol", "UDP", "--with", fix}, 0},
		{"whatif-matrix-namespaces.txt", []string{"matrix", "--demo", "--by", "namespace", "--without", "Namespace/legacy", "--with", fix}, 0},
		{"suggest-demo-grpc.yaml", []string{"suggest", "--demo", "shop/checkout-6c8d7f9b5-h7n4r", "svc/shop/cart", "--port", "grpc"}, 0},
		{"suggest-demo-dns.yaml", []string{"suggest", "--demo", "shop/payments-7b6d5c9f8-m6k8s", "svc/kube-system/kube-dns", "--port", "53", "--protocol", "UDP"}, 0},
		{"suggest-demo-canary.json", []string{"suggest", "--demo", "shop/frontend-7d9c6b8f4-x2k9p", "shop/catalog-canary-5b8d9c7f6-r7t8v", "--port", "9999", "-o", "json"}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.golden, func(t *testing.T) {
			out, stderr, code := netviz(t, "", tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, stderr)
			}
			checkGolden(t, tc.golden, out)
		})
	}
}

func TestWhatIfStderr(t *testing.T) {
	fix := whatIfFile(t, "fix-dns.yaml", fixDNS)
	_, stderr, code := netviz(t, "", "lint", "--demo", "--with", fix, "--without", "NetworkPolicy/shop/default-deny-all")
	if code != 1 {
		t.Fatalf("lint exit %d\n%s", code, stderr)
	}
	want := "netviz: what-if: replaced NetworkPolicy shop/allow-dns-egress, removed NetworkPolicy shop/default-deny-all (nothing is written to the cluster)\n"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr %q, want it to say %q", stderr, want)
	}
	// The lint finding about payments' DNS is gone under the overlay.
	out, _, _ := netviz(t, "", "lint", "--demo", "--with", fix, "-o", "json")
	if strings.Contains(out, "payments-7b6d5c9f8-m6k8s may not send UDP 53") {
		t.Error("lint still reports payments' DNS with the fix laid over the demo")
	}
	out, _, _ = netviz(t, "", "lint", "--demo", "-o", "json")
	if !strings.Contains(out, "payments-7b6d5c9f8-m6k8s may not send UDP 53") {
		t.Error("lint no longer reports payments' DNS on the demo itself: the test above proves nothing")
	}
}

func TestWhatIfErrors(t *testing.T) {
	fix := whatIfFile(t, "fix-dns.yaml", fixDNS)
	bad := whatIfFile(t, "bad.yaml", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Sideways]\n")
	cases := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"unknown target", []string{"diff", "--demo", "--without", "NetworkPolicy/shop/nope"},
			"", "netviz: --without NetworkPolicy/shop/nope: no such object; the NetworkPolicy objects in namespace shop are: allow-cart-egress"},
		{"missing namespace", []string{"trace", "--demo", "a/b", "c/d", "--without", "Pod/nowhere/x"},
			"", "netviz: --without Pod/nowhere/x: no such object: there is no namespace nowhere"},
		{"namespaced kind without namespace", []string{"diff", "--demo", "--without", "NetworkPolicy/x"},
			"", `netviz: --without "NetworkPolicy/x": NetworkPolicy is namespaced: want NetworkPolicy/NAMESPACE/NAME`},
		{"kind netviz does not read", []string{"diff", "--demo", "--without", "Secret/shop/x"},
			"", `netviz: --without "Secret/shop/x": netviz does not read the kind Secret`},
		{"invalid overlay file", []string{"diff", "--demo", "--with", bad},
			"", "netviz: --with " + bad + ": document 1: NetworkPolicy shop/x: spec.policyTypes[0]: Unsupported value"},
		{"missing overlay file", []string{"diff", "--demo", "--with", "/nonexistent/x.yaml"},
			"", "netviz: --with /nonexistent/x.yaml: no such file or directory"},
		{"diff without overlay", []string{"diff", "--demo"},
			"", "netviz: diff compares the source with a what-if: give --with PATH and/or --without KIND/NAMESPACE/NAME"},
		{"stdin twice", []string{"diff", "-f", "-", "--with", "-"},
			"", "netviz: --with - and -f - both read stdin: give one of them a file"},
		{"same object given and removed", []string{"diff", "--demo", "--with", fix, "--without", "NetworkPolicy/shop/allow-dns-egress"},
			"", "netviz: --without NetworkPolicy/shop/allow-dns-egress: the object is also in --with; give it in one of them"},
		{"suggest without a port", []string{"suggest", "--demo", "shop/db-0", "shop/db-1"},
			"", "netviz: --port is required"},
		{"suggest from a Service", []string{"suggest", "--demo", "svc/shop/cart", "shop/db-1", "--port", "5432"},
			"", "netviz: from: bad input: netviz suggests policies between pods and workloads; svc/shop/cart is not one"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := netviz(t, tc.stdin, tc.args...)
			if code != exitInput {
				t.Errorf("exit %d, want %d\n%s", code, exitInput, out)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr:\n%s\nwant it to contain:\n%s", stderr, tc.want)
			}
		})
	}
}

// TestDiffExitCode: --exit-code exits 1 only when a connection changed;
// without it diff exits 0 either way.
func TestDiffExitCode(t *testing.T) {
	fix := whatIfFile(t, "fix-dns.yaml", fixDNS)
	cases := []struct {
		args []string
		code int
	}{
		{[]string{"diff", "--demo", "--with", fix, "--exit-code"}, 1},
		{[]string{"diff", "--demo", "--with", fix}, 0},
		{[]string{"diff", "--demo", "--without", "NetworkPolicy/shop/default-deny-all", "--exit-code"}, 0},
		// Changes exist, but none with an end in namespace legacy.
		{[]string{"diff", "--demo", "--with", fix, "-n", "legacy", "--exit-code"}, 0},
		{[]string{"diff", "--demo", "--with", fix, "-n", "kube-system", "--exit-code"}, 1},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args[2:], " "), func(t *testing.T) {
			out, stderr, code := netviz(t, "", tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tc.code, out, stderr)
			}
		})
	}
}

// TestSuggestRoundTripCLI applies the printed YAML as an overlay: the
// trace is then allowed, and the diff is exactly the one the suggestion
// printed in its comments.
func TestSuggestRoundTripCLI(t *testing.T) {
	args := []string{"shop/checkout-6c8d7f9b5-h7n4r", "svc/shop/cart", "--port", "9000"}
	yamlOut, stderr, code := netviz(t, "", append([]string{"suggest", "--demo"}, args...)...)
	if code != 0 {
		t.Fatalf("suggest exit %d\n%s", code, stderr)
	}
	_, _, code = netviz(t, "", append([]string{"trace", "--demo"}, args...)...)
	if code != exitDenied {
		t.Fatalf("trace without the suggestion exits %d, want denied", code)
	}
	_, stderr, code = netviz(t, yamlOut, append([]string{"trace", "--demo", "--with", "-"}, args...)...)
	if code != 0 {
		t.Fatalf("trace with the suggestion exits %d\n%s", code, stderr)
	}
	diffOut, _, code := netviz(t, yamlOut, "diff", "--demo", "--with", "-", "--exit-code")
	if code != 1 {
		t.Fatalf("diff with the suggestion exits %d, want 1", code)
	}
	var comment strings.Builder
	for _, line := range strings.Split(yamlOut, "\n") {
		if rest, ok := strings.CutPrefix(line, "#   "); ok {
			comment.WriteString(rest + "\n")
		} else if line == "#" {
			comment.WriteString("\n")
		}
	}
	if comment.String() != diffOut {
		t.Errorf("the diff in the suggestion's comments:\n%s\ndiffers from netviz diff --with it:\n%s", comment.String(), diffOut)
	}
}

func TestSuggestAlreadyAllowedCLI(t *testing.T) {
	out, stderr, code := netviz(t, "", "suggest", "--demo", "shop/frontend-7d9c6b8f4-x2k9p", "svc/shop/cart", "--port", "80")
	if code != 0 || out != "" || !strings.Contains(stderr, "is already allowed: nothing to add") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	out, _, code = netviz(t, "", "suggest", "--demo", "shop/frontend-7d9c6b8f4-x2k9p", "svc/shop/cart", "--port", "80", "-o", "json")
	var s graph.Suggestion
	if code != 0 || json.Unmarshal([]byte(out), &s) != nil || !s.AlreadyAllowed || len(s.Policies) != 0 {
		t.Errorf("json: exit %d, %s", code, out)
	}
}

// TestWhatIfSynth diffs a generated cluster under an overlay read from
// files, and checks the CLI's JSON against the engine's own count.
func TestWhatIfSynth(t *testing.T) {
	c := synth.Generate(synth.Options{Pods: 300, Seed: 5})
	var buf bytes.Buffer
	if err := synth.WriteYAML(&buf, c); err != nil {
		t.Fatal(err)
	}
	src := whatIfFile(t, "cluster.yaml", buf.String())
	ns := c.NetworkPolicies[len(c.NetworkPolicies)/2].Namespace
	out, stderr, code := netviz(t, "", "diff", "-f", src, "--without", "NetworkPolicy/"+ns+"/default-deny", "--without", "NetworkPolicy/"+ns+"/allow-dns", "-o", "json", "--exit-code")
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var got graph.DiffResult
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	o, errs := kube.NewOverlay(nil, []kube.ObjectRef{{Kind: "NetworkPolicy", Namespace: ns, Name: "default-deny"}, {Kind: "NetworkPolicy", Namespace: ns, Name: "allow-dns"}})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	oc, err := o.Apply(c)
	if err != nil {
		t.Fatal(err)
	}
	want := graph.Diff(graph.Build(c, graph.Options{}), graph.Build(oc, graph.Options{}))
	if got.Added != want.Added || got.Removed != want.Removed || got.Changed != want.Changed || len(got.Groups) != len(want.Groups) {
		t.Errorf("CLI diff %d/%d/%d pairs in %d groups, engine %d/%d/%d in %d", got.Added, got.Removed, got.Changed, len(got.Groups), want.Added, want.Removed, want.Changed, len(want.Groups))
	}
	if got.Added == 0 {
		t.Error("removing a namespace's default deny and DNS policy added no connection")
	}
	for _, g := range got.Groups {
		if g.From.Namespace != ns && g.To.Namespace != ns {
			t.Errorf("a change between %s and %s, far from namespace %s", g.From.Namespace, g.To.Namespace, ns)
		}
	}
}
