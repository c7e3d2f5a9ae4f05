package ui

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/kube"
	"github.com/netviz/netviz/themes"
	"github.com/netviz/netviz/ui/common"
)

func TestFilters(t *testing.T) {
	tests := map[string]struct {
		filter      string
		want, donts []string
	}{
		"regex":           {"cart", []string{"◆ shop/cart", "● shop/cart-5f7b9c6d8-4tq2m"}, []string{"shop/frontend", "reviews/bookinfo"}},
		"inverted":        {"!shop/", []string{"reviews/bookinfo", "default/netshoot"}, []string{"shop/cart", "shop/frontend"}},
		"labels":          {"-l app=cart", []string{"shop/cart-5f7b9c6d8-4tq2m", "◆ shop/cart "}, []string{"shop/frontend", "reviews/bookinfo"}},
		"case-insensitve": {"CART", []string{"shop/cart-5f7b9c6d8-4tq2m"}, []string{"shop/frontend"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m := newTestModel(t, demoCluster(t), 160, 48)
			m = send(t, m, keys("l", "/", tc.filter, "enter")...)
			s := screen(m)
			for _, w := range tc.want {
				if !strings.Contains(s, w) {
					t.Errorf("filter %q: screen lacks %q:\n%s", tc.filter, w, s)
				}
			}
			for _, d := range tc.donts {
				if strings.Contains(s, d) {
					t.Errorf("filter %q: screen shows %q:\n%s", tc.filter, d, s)
				}
			}
			if !strings.Contains(s, "/"+tc.filter) {
				t.Errorf("the pane title does not show the filter %q", tc.filter)
			}
			// esc clears it.
			m = send(t, m, keys("esc")...)
			if s := screen(m); !strings.Contains(s, "shop/frontend") || !strings.Contains(s, "reviews/bookinfo") {
				t.Errorf("esc did not clear the filter:\n%s", s)
			}
		})
	}
	t.Run("bad regex", func(t *testing.T) {
		m := newTestModel(t, demoCluster(t), 80, 24)
		m = send(t, m, keys("l", "/", "(", "enter")...)
		if !strings.Contains(m.status.Message(), "not a regular expression") {
			t.Errorf("status = %q, want the regex error", m.status.Message())
		}
	})
}

func TestFollowEdgesAndHistory(t *testing.T) {
	m := newTestModel(t, demoCluster(t), 120, 36)
	m = send(t, m, common.OpenMsg{Key: "svc/shop/frontend"})
	if m.state != stateGraph || m.graph.Key() != "svc/shop/frontend" {
		t.Fatalf("state %v, focus %q; want the graph of svc/shop/frontend", m.state, m.graph.Key())
	}
	// The outgoing side lists the backends; enter follows the first.
	m = send(t, m, keys("l", "enter")...)
	if m.graph.Key() != "pod/shop/frontend-7d9c6b8f4-q8w5n" {
		t.Fatalf("after following the edge, focus = %q", m.graph.Key())
	}
	if !strings.Contains(screen(m), "WHO MAY REACH IT") {
		t.Errorf("a pod's graph shows who may reach it:\n%s", screen(m))
	}
	m = send(t, m, keys("[")...)
	if m.graph.Key() != "svc/shop/frontend" {
		t.Errorf("[ went to %q, want svc/shop/frontend", m.graph.Key())
	}
	m = send(t, m, keys("]")...)
	if m.graph.Key() != "pod/shop/frontend-7d9c6b8f4-q8w5n" {
		t.Errorf("] went to %q, want the pod again", m.graph.Key())
	}
	m = send(t, m, keys("backspace")...)
	if m.graph.Key() != "svc/shop/frontend" {
		t.Errorf("backspace went to %q", m.graph.Key())
	}
	m = send(t, m, keys("esc")...)
	if m.state != stateBrowser {
		t.Errorf("esc with no history left: state %v, want browser", m.state)
	}
}

func TestGroupsManyBackends(t *testing.T) {
	// One Service in front of 200 pods.
	c := &kube.Cluster{}
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Service\nmetadata: {namespace: big, name: web}\nspec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}\n")
	for i := 0; i < 200; i++ {
		b.WriteString("---\napiVersion: v1\nkind: Pod\nmetadata: {namespace: big, name: web-" + itoa(i) + ", labels: {app: web}}\n")
		b.WriteString("spec: {containers: [{name: c, image: i, ports: [{containerPort: 8080}]}]}\nstatus: {phase: Running, podIP: 10.1." + itoa(i/200) + "." + itoa(i%200+1) + "}\n")
	}
	if errs := kube.Decode(c, "big.yaml", strings.NewReader(b.String())); len(errs) > 0 {
		t.Fatal(errs)
	}
	c.Finish()
	m := newTestModel(t, c, 80, 24)
	m = send(t, m, common.OpenMsg{Key: "svc/big/web"})
	s := screen(m)
	checkFits(t, s, 80, 24)
	if !strings.Contains(s, "BACKENDS (200") || !strings.Contains(s, "✓ ▸ 200 pods 80→8080/TCP") {
		t.Fatalf("200 backends are not grouped and counted:\n%s", s)
	}
	// Opening the group pages through its members without overflowing.
	m = send(t, m, keys("l", "enter", "ctrl+f", "ctrl+f")...)
	s = screen(m)
	checkFits(t, s, 80, 24)
	if !regexp.MustCompile(`OUT \d+/201`).MatchString(s) {
		t.Errorf("the open group does not show the position among 201 rows:\n%s", s)
	}
}

func TestPickSourceAndDestination(t *testing.T) {
	m := newTestModel(t, demoCluster(t), 120, 36)
	m = send(t, m, keys(":", "ns default", "enter", "l")...)
	// The default namespace lists the kubernetes Service, then netshoot.
	m = send(t, m, keys("j", "s")...)
	if m.source == nil || m.source.TraceRef != "default/netshoot" {
		t.Fatalf("s did not pick default/netshoot: %+v (status %q)", m.source, m.status.Message())
	}
	m = send(t, m, keys(":", "ns shop", "enter")...)
	m = send(t, m, keys("/", "^shop/db-0$", "enter", "d")...)
	if m.state != stateTrace {
		t.Fatalf("d did not open the trace: state %v, status %q", m.state, m.status.Message())
	}
	req, _ := m.trace.Request()
	if req.From != "default/netshoot" || req.To != "shop/db-0" {
		t.Errorf("trace %s → %s, want default/netshoot → shop/db-0", req.From, req.To)
	}
	// p moves to the pod's first port: 5432, which policy denies.
	m = send(t, m, keys("p")...)
	s := screen(m)
	if !strings.Contains(s, "on 5432/TCP") || !strings.Contains(s, "DENIED") {
		t.Fatalf("p did not trace port 5432:\n%s", s)
	}
	if !strings.Contains(s, "no ingress rule allows port 5432/TCP from default/netshoot") {
		t.Errorf("the denied trace does not say what is missing:\n%s", s)
	}
	// A Service cannot be a source.
	m = send(t, m, keys("1", "esc", ":", "ns shop", "enter", "l", "g", "j", "s")...)
	if !strings.Contains(m.status.Message(), "does not send traffic") {
		t.Errorf("s on a Service: status %q", m.status.Message())
	}
}

func TestTraceCommand(t *testing.T) {
	tests := map[string]struct {
		line, want string
		state      state
	}{
		"allowed":      {"trace " + frontendPod + " svc/shop/cart 80", "ALLOWED", stateTrace},
		"udp":          {"trace " + frontendPod + " kube-system/coredns-5d78c9869d-7xkqp 53/UDP", "on 53/UDP", stateTrace},
		"named port":   {"trace " + frontendPod + " " + cartPod + " http", "on http/TCP", stateTrace},
		"unknown name": {"trace shop/nope svc/shop/cart", "no pod or workload shop/nope", stateBrowser},
		"bad protocol": {"trace a/b c/d 80/ICMP", "unknown protocol", stateBrowser},
		"too few":      {"trace a/b", "usage: :trace FROM TO", stateBrowser},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m := newTestModel(t, demoCluster(t), 120, 36)
			m = send(t, m, keys(":", tc.line, "enter")...)
			if m.state != tc.state {
				t.Errorf("state %v, want %v (status %q)", m.state, tc.state, m.status.Message())
			}
			if got := screen(m); !strings.Contains(got, tc.want) {
				t.Errorf("screen lacks %q:\n%s", tc.want, got)
			}
		})
	}
}

func TestCompletion(t *testing.T) {
	m := newTestModel(t, demoCluster(t), 120, 36)
	tests := map[string][]string{
		"":                         commandNames,
		"th":                       {"theme"},
		"ns sh":                    {"ns shop"},
		"theme co":                 {"theme colorblind"},
		"trace shop/db-":           {"trace shop/db-0", "trace shop/db-1"},
		"trace a/b svc/shop/db":    {"trace a/b svc/shop/db"},
		"trace a/b svc/shop/cart ": {"trace a/b svc/shop/cart 80", "trace a/b svc/shop/cart 9000"},
		"policy shop/default":      {"policy shop/default-deny-all"},
		"ctx ":                     nil,
	}
	for typed, want := range tests {
		got := m.complete(typed)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("complete(%q) = %q, want %q", typed, got, want)
		}
	}
	// tab accepts the completion.
	m = send(t, m, keys(":", "ns sh", "tab")...)
	if v := m.cmdline.Value(); v != "ns shop" {
		t.Errorf("after tab the line is %q, want %q", v, "ns shop")
	}
}

func TestExport(t *testing.T) {
	c := demoCluster(t)
	g := graph.Build(c, graph.Options{})
	viewDOT := func(opts graph.ExportOptions) string {
		v, err := g.View(opts)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		v.WriteDOT(&b)
		return b.String()
	}
	traceDOT := func(req graph.TraceRequest) string {
		v, err := g.TraceView(req)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		v.WriteDOT(&b)
		return b.String()
	}
	denied := graph.TraceRequest{From: "default/netshoot", To: "shop/db-0", Port: "5432", Protocol: policy.TCP}
	tests := map[string]struct {
		msgs []tea.Msg
		file string
		want string
	}{
		"namespace":  {keys(":", "ns shop", "enter", "x"), "netviz-shop.dot", viewDOT(graph.ExportOptions{Namespace: "shop"})},
		"everything": {keys("x"), "netviz-all.dot", viewDOT(graph.ExportOptions{})},
		"focus": {[]tea.Msg{common.OpenMsg{Key: "svc/shop/cart"}, keys("x")[0]}, "netviz-svc-shop-cart.dot",
			viewDOT(graph.ExportOptions{Focus: "svc/shop/cart"})},
		"trace": {[]tea.Msg{common.TraceMsg{Req: denied}, keys("x")[0]}, "netviz-trace-default-netshoot-to-shop-db-0.dot", traceDOT(denied)},
		"named file": {append(keys(":", "ns shop", "enter"), keys(":", "export mine.dot", "enter")...), "mine.dot",
			viewDOT(graph.ExportOptions{Namespace: "shop"})},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m := newTestModel(t, c, 120, 36)
			m = send(t, m, tc.msgs...)
			path := filepath.Join(m.opts.ExportDir, tc.file)
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (status %q)", err, m.status.Message())
			}
			if string(got) != tc.want {
				t.Errorf("%s is not the exporter's DOT", tc.file)
			}
			if msg := m.status.Message(); msg != "wrote DOT to "+path {
				t.Errorf("status %q, want it to say where the file went", msg)
			}
		})
	}
	if !strings.Contains(traceDOT(denied), "blocked by shop/allow-prometheus-scrape, shop/db, shop/default-deny-all") {
		t.Errorf("the trace export does not mark the denied edge:\n%s", traceDOT(denied))
	}
}

func TestThemeSwitchAndNoColor(t *testing.T) {
	m := newTestModel(t, demoCluster(t), 80, 24)
	m = send(t, m, keys(":", "theme light", "enter")...)
	if m.common.Styles.Theme.Name != "light" {
		t.Fatalf("theme %q after :theme light", m.common.Styles.Theme.Name)
	}
	m = send(t, m, keys(":", "theme nope", "enter")...)
	if !strings.Contains(m.status.Message(), "nope") || m.common.Styles.Theme.Name != "light" {
		t.Errorf(":theme nope: status %q, theme %q", m.status.Message(), m.common.Styles.Theme.Name)
	}

	mono, _ := themes.Resolve("", func(k string) string {
		if k == "NO_COLOR" {
			return "1"
		}
		return ""
	})
	mm := New(Options{Source: "demo", Theme: mono})
	mm = send(t, mm, tea.WindowSizeMsg{Width: 80, Height: 24}, buildSnapshot(demoCluster(t), 1, graph.Options{}))
	mm = send(t, mm, common.TraceMsg{Req: graph.TraceRequest{From: "default/netshoot", To: "shop/db-0", Port: "5432", Protocol: policy.TCP}})
	out := mm.View().Content
	if regexp.MustCompile(`\x1b\[[0-9;]*(3[0-9]|4[0-9]|9[0-7]|10[0-7])[;m]`).MatchString(out) {
		t.Errorf("NO_COLOR output has colour escapes: %q", out[:200])
	}
	if !strings.Contains(out, "✗ DENIED") {
		t.Errorf("without colour the verdict lacks its glyph and word")
	}
}

func TestCopy(t *testing.T) {
	m := newTestModel(t, demoCluster(t), 80, 24)
	m = send(t, m, common.OpenMsg{Key: "svc/shop/cart"})
	nm, cmd := m.Update(keys("c")[0])
	m = nm.(Model)
	if cmd == nil {
		t.Fatal("c returned no clipboard command")
	}
	if got := m.status.Message(); got != "copied svc/shop/cart to the clipboard" {
		t.Errorf("status %q", got)
	}
}

// withoutPod returns a copy of c without one pod.
func withoutPod(c *kube.Cluster, name string) *kube.Cluster {
	cc := *c
	cc.Pods = nil
	for _, p := range c.Pods {
		if p.Namespace+"/"+p.Name != name {
			cc.Pods = append(cc.Pods, p)
		}
	}
	return &cc
}

func TestLiveUpdatesKeepSelection(t *testing.T) {
	c := demoCluster(t)
	// Updates are fed as the messages the wait on the channel returns;
	// nothing is ever sent on the channel, so the waits the model re-arms
	// time out in the test driver.
	ch := make(chan Update)
	defer close(ch)
	m := New(Options{Source: "context test", Theme: darkTheme(t), Updates: ch})
	m = send(t, m, tea.WindowSizeMsg{Width: 120, Height: 36})
	m = send(t, m, UpdateMsg{Gen: m.gen, Update: Update{Cluster: c, State: "synced"}})
	if m.common.Snap == nil || m.status.State != "synced" {
		t.Fatalf("no snapshot after the first update (state %q)", m.status.State)
	}
	m = send(t, m, keys(":", "ns shop", "enter", "l", "/", "cart-5f7b9c6d8-7plx4", "enter", "esc")...)
	sel, _ := m.browser.Selection()
	if sel.Key != "pod/shop/cart-5f7b9c6d8-7plx4" {
		t.Fatalf("selected %q", sel.Key)
	}
	// Another pod goes away; the selection stays on the same pod.
	m = send(t, m, UpdateMsg{Gen: m.gen, Update: Update{Cluster: withoutPod(c, cartPod), State: "live"}})
	if sel, _ := m.browser.Selection(); sel.Key != "pod/shop/cart-5f7b9c6d8-7plx4" {
		t.Errorf("after the update the selection moved to %q", sel.Key)
	}
	if m.common.Snap.Version != 2 || m.status.State != "live" {
		t.Errorf("version %d, state %q", m.common.Snap.Version, m.status.State)
	}
	if strings.Contains(screen(m), "cart-5f7b9c6d8-4tq2m") {
		t.Errorf("the removed pod is still shown")
	}
	// A reconnecting update with an error keeps the data and says why.
	m = send(t, m, UpdateMsg{Gen: m.gen, Update: Update{State: "reconnecting", Err: errors.New("watch pods: connection refused")}})
	if m.status.State != "reconnecting" || !strings.Contains(screen(m), "connection refused") || m.common.Snap.Version != 2 {
		t.Errorf("reconnecting: state %q, version %d:\n%s", m.status.State, m.common.Snap.Version, screen(m))
	}
}

func TestSwitchContext(t *testing.T) {
	old := make(chan Update, 1)
	next := make(chan Update, 1)
	m := New(Options{Source: "context a", Theme: darkTheme(t), Updates: old,
		Contexts:      func() []string { return []string{"a", "b"} },
		SwitchContext: func(name string) (<-chan Update, error) { return next, nil }})
	m = send(t, m, tea.WindowSizeMsg{Width: 80, Height: 24}, buildSnapshot(demoCluster(t), 1, graph.Options{}))
	if got := m.complete("ctx "); strings.Join(got, ",") != "ctx a,ctx b" {
		t.Errorf("ctx completion %q", got)
	}
	oldGen := m.gen
	// Run the command, not the wait on the new channel it returns.
	if cmd := m.runCommand("ctx b"); cmd == nil {
		t.Fatalf("ctx b returned no command (status %q)", m.status.Message())
	}
	if m.status.Source != "context b" || m.gen == oldGen || m.status.State != "reconnecting" {
		t.Fatalf("after :ctx b source %q, state %q, gen %d (was %d)", m.status.Source, m.status.State, m.gen, oldGen)
	}
	// A late update from the old context is ignored.
	nm, _ := m.Update(UpdateMsg{Gen: oldGen, Update: Update{State: "live", Err: errors.New("old")}})
	m = nm.(Model)
	if m.status.State == "live" {
		t.Errorf("an update from the old context was taken")
	}
}

func TestResize(t *testing.T) {
	m := newTestModel(t, demoCluster(t), 160, 48)
	for _, v := range views {
		m := send(t, m, v.msgs...)
		for _, size := range [][2]int{{80, 24}, {100, 30}, {200, 60}, {80, 24}} {
			m = send(t, m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			checkFits(t, screen(m), size[0], size[1])
		}
	}
}

func TestQuit(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		m := newTestModel(t, demoCluster(t), 80, 24)
		_, cmd := m.Update(keys(k)[0])
		if cmd == nil {
			t.Fatalf("%s returned no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s does not quit", k)
		}
	}
	// In the prompt, q is text.
	m := newTestModel(t, demoCluster(t), 80, 24)
	m = send(t, m, keys(":", "q")...)
	if m.cmdline.Value() != "q" {
		t.Errorf("q in the prompt: %q", m.cmdline.Value())
	}
}

func TestLoadError(t *testing.T) {
	m := New(Options{Source: "files: bad.yaml", Theme: darkTheme(t)})
	m = send(t, m, tea.WindowSizeMsg{Width: 80, Height: 24}, LoadErrMsg{Err: errors.New("bad.yaml: document 1: not YAML")})
	s := screen(m)
	if !strings.Contains(s, "could not read files: bad.yaml") || !strings.Contains(s, "not YAML") {
		t.Errorf("the load error is not shown:\n%s", s)
	}
}

func TestEscGoesBack(t *testing.T) {
	m := newTestModel(t, demoCluster(t), 80, 24)
	m = send(t, m, common.OpenMsg{Key: "svc/shop/cart"})
	m = send(t, m, common.TraceMsg{Req: graph.TraceRequest{From: frontendPod, To: "svc/shop/cart"}})
	if m.state != stateTrace {
		t.Fatalf("state %v", m.state)
	}
	m = send(t, m, keys("esc")...)
	if m.state != stateGraph {
		t.Errorf("esc in the trace view: state %v, want graph", m.state)
	}
	m = send(t, m, common.OpenMsg{Key: "policy/shop/db"}, keys("esc")[0])
	if m.state != stateGraph {
		t.Errorf("esc in the policy view: state %v, want graph", m.state)
	}
}

func TestStatusWarnings(t *testing.T) {
	c := *demoCluster(t)
	c.Warnings = []string{"skipped 2 Secrets"}
	c.Gaps = []kube.Gap{{Resource: kube.ResourceNetworkPolicies, Namespace: "legacy", Reason: "forbidden"}}
	m := newTestModel(t, &c, 120, 36)
	s := screen(m)
	if !strings.Contains(s, "⚠ 2 warnings") || !strings.Contains(s, "skipped 2 Secrets") {
		t.Errorf("the status bar does not show the warnings:\n%s", s)
	}
	m = send(t, m, keys("?")...)
	if s := screen(m); !strings.Contains(s, "cannot read networkpolicies in namespace legacy: forbidden") {
		t.Errorf("the help overlay does not list the gap:\n%s", s)
	}
}

func TestMouse(t *testing.T) {
	m := newTestModel(t, demoCluster(t), 120, 36)
	// Click the namespace "shop": row 12 of the screen (tabs, border,
	// "(all)", then ten namespaces).
	m = send(t, m, tea.MouseClickMsg{X: 5, Y: 12, Button: tea.MouseLeft})
	if m.browser.Namespace() != "shop" {
		t.Errorf("clicked namespace %q, want shop", m.browser.Namespace())
	}
	// The wheel moves the selection.
	m = send(t, m, tea.MouseWheelMsg{X: 5, Y: 5, Button: tea.MouseWheelUp})
	if m.browser.Namespace() != "reviews" {
		t.Errorf("after the wheel, namespace %q, want reviews", m.browser.Namespace())
	}
	// Clicking a tab switches view.
	m = send(t, m, tea.MouseClickMsg{X: 40, Y: 0, Button: tea.MouseLeft})
	if m.state != stateMatrix {
		t.Errorf("clicking the Matrix tab: state %v", m.state)
	}
}
