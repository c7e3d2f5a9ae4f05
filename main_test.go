package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/netviz/netviz/graph"
)

var update = flag.Bool("update", false, "rewrite golden files")

// netviz runs the CLI in-process and returns stdout, stderr and the exit
// code.
func netviz(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}

// storyRow is one line of the demo's table of expected verdicts.
type storyRow struct {
	n, command, verdict string
	egress, ingress     string
}

var (
	storyRowRE = regexp.MustCompile("^\\| (\\d+) \\| `netviz (trace [^`]+)` \\| \\*\\*(allowed|denied)\\*\\*[^|]*\\|(.*)$")
	decidedRE  = regexp.MustCompile("`([a-z0-9-]+/[a-z0-9-]+)` (egress|ingress)\\[(\\d+)\\]")
)

func readStory(t *testing.T) []storyRow {
	raw, err := os.ReadFile("kube/demo/STORY.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows []storyRow
	for _, line := range strings.Split(string(raw), "\n") {
		m := storyRowRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		cells := strings.Split(strings.TrimSuffix(strings.TrimSpace(m[4]), "|"), "|")
		r := storyRow{n: m[1], command: m[2], verdict: m[3]}
		if len(cells) >= 2 {
			r.egress, r.ingress = cells[0], cells[1]
		} else {
			r.egress = cells[0] // rows about outside addresses give one reason
		}
		rows = append(rows, r)
	}
	return rows
}

// TestDemoStory checks every expected verdict the demo documents: the
// verdict, the exit code, and the policy and rule that decided each side.
func TestDemoStory(t *testing.T) {
	rows := readStory(t)
	if len(rows) < 40 {
		t.Fatalf("found %d rows in kube/demo/STORY.md, want the whole table", len(rows))
	}
	for _, r := range rows {
		t.Run(r.n, func(t *testing.T) {
			args := append(strings.Fields(r.command), "--demo", "-o", "json")
			out, stderr, code := netviz(t, "", args...)
			want := map[string]int{"allowed": 0, "denied": 1}[r.verdict]
			if code != want {
				t.Fatalf("%s: exit %d, want %d (%s)\n%s%s", r.command, code, want, r.verdict, out, stderr)
			}
			var tr graph.Trace
			if err := json.Unmarshal([]byte(out), &tr); err != nil {
				t.Fatal(err)
			}
			if tr.Verdict != r.verdict {
				t.Errorf("verdict %s, want %s: %s", tr.Verdict, r.verdict, tr.Summary)
			}
			for _, cell := range []string{r.egress, r.ingress} {
				if r.verdict == "denied" && r.ingress == "" {
					break // a one-reason row about an outside address names what is missing, not what allowed
				}
				for _, m := range decidedRE.FindAllStringSubmatch(cell, -1) {
					if strings.HasPrefix(strings.TrimSpace(cell), "denied") {
						break
					}
					dir := tr.Egress
					if m[2] == "ingress" {
						dir = tr.Ingress
					}
					if dir == nil || dir.Direction != m[2] {
						// Rows about outside addresses name only the pod's side.
						if tr.Ingress != nil && tr.Ingress.Direction == m[2] {
							dir = tr.Ingress
						} else if tr.Egress != nil && tr.Egress.Direction == m[2] {
							dir = tr.Egress
						} else {
							t.Fatalf("no %s explanation in %s", m[2], out)
						}
					}
					found := false
					for _, rule := range dir.Rules {
						if rule.Policy == m[1] && rule.Rule == "spec."+m[2]+"["+m[3]+"]" {
							found = true
						}
					}
					if !found {
						t.Errorf("%s: want %s spec.%s[%s] named as deciding; got %+v (%s)", r.command, m[1], m[2], m[3], dir.Rules, dir.Reason)
					}
				}
				if strings.Contains(cell, "denied:") {
					side := tr.Egress
					if cell == r.ingress {
						side = tr.Ingress
					}
					if side.Verdict != "denied" {
						t.Errorf("%s: %s side is %s, the story says denied (%s)", r.command, side.Direction, side.Verdict, side.Reason)
					}
				}
			}
		})
	}
}

// TestGolden pins the CLI's output contracts on the demo.
func TestGolden(t *testing.T) {
	cases := map[string][]string{
		"trace-allowed.txt":            {"trace", "--demo", "shop/frontend-7d9c6b8f4-x2k9p", "shop/cart-5f7b9c6d8-4tq2m", "--port", "8080"},
		"trace-denied.txt":             {"trace", "--demo", "shop/checkout-6c8d7f9b5-h7n4r", "shop/cart-5f7b9c6d8-4tq2m", "--port", "9000"},
		"trace-denied.json":            {"trace", "--demo", "shop/checkout-6c8d7f9b5-h7n4r", "shop/cart-5f7b9c6d8-4tq2m", "--port", "9000", "-o", "json"},
		"trace-service.txt":            {"trace", "--demo", "shop/frontend-7d9c6b8f4-x2k9p", "svc/shop/catalog", "--port", "80"},
		"trace-service.json":           {"trace", "--demo", "shop/frontend-7d9c6b8f4-x2k9p", "svc/shop/catalog", "--port", "80", "-o", "json"},
		"trace-ports.txt":              {"trace", "--demo", "monitoring/prometheus-6d8f7c9b4-tx4lm", "shop/db-0"},
		"trace-dns-broken.txt":         {"trace", "--demo", "shop/payments-7b6d5c9f8-m6k8s", "orders-db", "--port", "5432"},
		"trace-dns-name.txt":           {"trace", "--demo", "shop/cart-5f7b9c6d8-4tq2m", "db-0.db.shop.svc.cluster.local", "--port", "5432"},
		"trace-ingress.txt":            {"trace", "--demo", "internet", "ingress/shop/shop"},
		"trace-ingress-blocked.json":   {"trace", "--demo", "internet", "ingress/shop/shop", "--host", "api.example.com", "--path", "/v1/catalog/items", "-o", "json"},
		"trace-internet-lb.txt":        {"trace", "--demo", "internet", "svc/shop/payments-webhook", "--port", "443"},
		"trace-internet-clusterip.txt": {"trace", "--demo", "internet", "svc/shop/cart", "--port", "80"},
		"trace-mesh.txt":               {"trace", "--demo", "reviews/productpage-v1-6b9c8d7f5-kx7pq", "reviews/reviews-v1-7c8d9f6b5-q2m8w", "--port", "9080"},
		"matrix-shop-8080.txt":         {"matrix", "--demo", "-n", "shop", "--port", "8080"},
		"matrix-shop-8080.json":        {"matrix", "--demo", "-n", "shop", "--port", "8080", "-o", "json"},
		"matrix-shop-8080.csv":         {"matrix", "--demo", "-n", "shop", "--port", "8080", "-o", "csv"},
		"matrix-connections.json":      {"matrix", "--demo", "-n", "shop", "-o", "json"},
		"matrix-namespaces.txt":        {"matrix", "--demo", "--by", "namespace"},
		"matrix-namespaces-53.json":    {"matrix", "--demo", "--by", "namespace", "--port", "53", "--protocol", "UDP", "-o", "json"},
		"export-shop.dot":              {"export", "--demo", "-n", "shop"},
		"export-demo.dot":              {"export", "--demo"},
		"export-focus-cart.json":       {"export", "--demo", "--focus", "svc/shop/cart", "--format", "json"},
		"export-reviews-mesh.dot":      {"export", "--demo", "-n", "reviews"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			out, stderr, code := netviz(t, "", args...)
			if code == 2 {
				t.Fatalf("exit 2: %s", stderr)
			}
			golden := filepath.Join("testdata", "golden", name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if out != string(want) {
				t.Errorf("output differs from %s (go test -update rewrites it):\n%s", golden, diffLines(string(want), out))
			}
		})
	}
}

func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("- " + wl + "\n+ " + gl + "\n")
			if b.Len() > 2000 {
				break
			}
		}
	}
	return b.String()
}

func TestExitCodesAndErrors(t *testing.T) {
	tests := map[string]struct {
		args     []string
		code     int
		inStderr string
	}{
		"allowed":             {[]string{"trace", "--demo", "shop/frontend-7d9c6b8f4-x2k9p", "shop/cart-5f7b9c6d8-4tq2m", "--port", "8080"}, 0, ""},
		"denied":              {[]string{"trace", "--demo", "shop/checkout-6c8d7f9b5-h7n4r", "shop/cart-5f7b9c6d8-4tq2m", "--port", "9000"}, 1, ""},
		"unknown pod":         {[]string{"trace", "--demo", "shop/nope", "shop/cart-5f7b9c6d8-4tq2m"}, 2, "no pod or workload shop/nope"},
		"bad port":            {[]string{"trace", "--demo", "shop/frontend-7d9c6b8f4-x2k9p", "shop/cart-5f7b9c6d8-4tq2m", "--port", "70000"}, 2, "out of range"},
		"unknown port name":   {[]string{"trace", "--demo", "shop/frontend-7d9c6b8f4-x2k9p", "shop/cart-5f7b9c6d8-4tq2m", "--port", "nope"}, 2, "no container port named nope/TCP"},
		"bad protocol":        {[]string{"trace", "--demo", "a/b", "c/d", "--protocol", "ICMP"}, 2, "unknown protocol"},
		"no source":           {[]string{"matrix"}, 2, "--demo"},
		"bad output":          {[]string{"matrix", "--demo", "-o", "yaml"}, 2, "unknown output format"},
		"both sources":        {[]string{"matrix", "--demo", "-f", "x.yaml"}, 2, "cannot be used together"},
		"missing file":        {[]string{"matrix", "-f", "/nonexistent/x.yaml"}, 2, "/nonexistent/x.yaml"},
		"named port resolved": {[]string{"trace", "--demo", "shop/frontend-7d9c6b8f4-x2k9p", "shop/cart-5f7b9c6d8-4tq2m", "--port", "http"}, 0, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, stderr, code := netviz(t, "", tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, stderr)
			}
			if !strings.Contains(stderr, tc.inStderr) {
				t.Errorf("stderr %q does not mention %q", stderr, tc.inStderr)
			}
			if tc.code == 2 && strings.Count(strings.TrimSpace(stderr), "\n") > 0 && !strings.Contains(stderr, "warning") {
				t.Errorf("an error is one line; got:\n%s", stderr)
			}
		})
	}
}

// TestBadManifestKeepsTheRest: one bad object is reported with its file and
// name, the command exits 2, and nothing else is lost.
func TestBadManifestReportsEveryError(t *testing.T) {
	dir := t.TempDir()
	bad := `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: broken, namespace: x}
spec:
  podSelector: {}
  ingress:
  - from:
    - ipBlock: {cidr: 10.0.0/8}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x}
spec: {containers: [{name: c, image: i, ports: [{containerPort: 99999}]}]}
`
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := netviz(t, "", "matrix", "-f", dir)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one line per bad object, got:\n%s", stderr)
	}
	for _, want := range []string{"bad.yaml", "NetworkPolicy x/broken", "cidr"} {
		if !strings.Contains(lines[0]+lines[1], want) {
			t.Errorf("stderr does not name %q:\n%s", want, stderr)
		}
	}
}

func TestStdinManifests(t *testing.T) {
	in := `apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {app: b}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: x}
spec: {podSelector: {matchLabels: {app: b}}}
`
	out, stderr, code := netviz(t, in, "matrix", "-f", "-", "--port", "80", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := `{"protocol":"TCP","port":"80","pairs":[{"from":"x/a","to":"x/b","allowed":false},{"from":"x/b","to":"x/a","allowed":true}]}` + "\n"
	if out != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
}

func TestLintOnDemo(t *testing.T) {
	out, _, code := netviz(t, "", "lint", "--demo", "-o", "json")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (the demo has errors)", code)
	}
	var doc struct {
		Findings []graph.Finding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	// Every insight the demo was built to show is found, on the objects the
	// demo's story names.
	want := map[string]string{
		"NV001": "Service shop/recommendations",
		"NV002": "Service monitoring/grafana",
		"NV003": "Service shop/search",
		"NV004": "NetworkPolicy monitoring/allow-grafana-from-ingress-nginx",
		"NV005": "Namespace legacy",
		"NV007": "Service shop/catalog-partner",
		"NV008": "Node node-3",
		"NV009": "Pod shop/payments-7b6d5c9f8-m6k8s",
		"NV010": "Ingress shop/shop",
		"NV011": "Namespace reviews",
	}
	for id, obj := range want {
		found := false
		for _, f := range doc.Findings {
			if f.ID == id && strings.Contains(strings.Join(f.Objects, "|"), obj) {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s finding on %s", id, obj)
		}
	}
	// Silencing every error-severity check makes lint pass.
	args := []string{"lint", "--demo"}
	for _, r := range graph.LintRules {
		if r.Severity == graph.SeverityError {
			args = append(args, "--ignore", r.ID)
		}
	}
	if _, stderr, code := netviz(t, "", args...); code != 0 {
		t.Errorf("with every error ignored: exit %d: %s", code, stderr)
	}
	if _, stderr, code := netviz(t, "", "lint", "--demo", "--ignore", "NV999"); code != 2 || !strings.Contains(stderr, "NV999") {
		t.Errorf("unknown --ignore: exit %d, %s", code, stderr)
	}
}

// TestDOTRendersCleanly feeds every exported DOT view to Graphviz's dot,
// which must render it without a warning. CI installs Graphviz.
func TestDOTRendersCleanly(t *testing.T) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("Graphviz dot is not installed; .ci/run installs it")
		}
		t.Skip("Graphviz dot is not installed")
	}
	views := [][]string{{}, {"-n", "shop"}, {"-n", "monitoring"}, {"-n", "ingress-nginx"}, {"--focus", "svc/shop/cart"}, {"--focus", "ingress/shop/shop"}, {"--focus", "shop/db-0"}}
	for _, v := range views {
		out, stderr, code := netviz(t, "", append([]string{"export", "--demo"}, v...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", v, code, stderr)
		}
		cmd := exec.Command(dot, "-Tsvg", "-o", os.DevNull)
		cmd.Stdin = strings.NewReader(out)
		var errBuf bytes.Buffer
		cmd.Stderr = &errBuf
		if err := cmd.Run(); err != nil || errBuf.Len() > 0 {
			t.Errorf("export %v: dot failed (%v): %s", v, err, errBuf.String())
		}
	}
}

// TestSVGInProcess renders SVG without Graphviz installed.
func TestSVGInProcess(t *testing.T) {
	out, stderr, code := netviz(t, "", "export", "--demo", "-n", "shop", "--format", "svg")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "<svg") || !strings.Contains(out, "cart&#45;5f7b9c6d8&#45;4tq2m") {
		t.Errorf("not an SVG of the shop: %.200s", out)
	}
}
