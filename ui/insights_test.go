package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/kube"
	"github.com/netviz/netviz/ui/common"
)

// Demo objects the insight, mesh and what-if tests use.
const (
	reviewsPod  = "reviews/reviews-v1-7c8d9f6b5-q2m8w"
	paymentsPod = "shop/payments-7b6d5c9f8-m6k8s"
)

// whatIf is the overlay of testdata/whatif.yaml with shop/allow-dns-egress
// taken out, as --with and --without would lay it.
func whatIf(t testing.TB) func(*kube.Cluster) (*kube.Cluster, error) {
	t.Helper()
	o, errs := kube.ReadOverlay([]string{filepath.Join("testdata", "whatif.yaml")}, []string{"NetworkPolicy/shop/allow-dns-egress"}, nil)
	if len(errs) > 0 {
		t.Fatalf("read overlay: %v", errs)
	}
	return o.Apply
}

// newWhatIfModel is the root model at w×h showing the demo under the
// what-if overlay.
func newWhatIfModel(t testing.TB, w, h int) Model {
	t.Helper()
	wi := whatIf(t)
	m := New(Options{Source: "demo", Theme: darkTheme(t), ExportDir: t.TempDir(), WhatIf: wi})
	m = send(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	msg, err := buildWhatIfSnapshot(demoCluster(t), 1, graph.Options{}, wi)
	if err != nil {
		t.Fatal(err)
	}
	return send(t, m, msg)
}

// insightViews are more screens with a golden file each, at every size.
var insightViews = []struct {
	name string
	msgs []tea.Msg
}{
	{"insights", keys("6")},
	{"insights-warning", keys(":", "lint", "enter", "/", "NV004", "enter")},
	{"graph-mesh", []tea.Msg{common.OpenMsg{Key: "pod/" + reviewsPod}}},
	{"browser-mesh", keys(":", "ns reviews", "enter", "l")},
	{"trace-mesh", []tea.Msg{common.TraceMsg{Req: graph.TraceRequest{From: reviewsPod, To: "reviews/ratings-v1-8f7b6c9d5-w9r6z", Port: "9080", Protocol: policy.TCP}}}},
	{"trace-dns", []tea.Msg{common.TraceMsg{Req: graph.TraceRequest{From: paymentsPod, To: "cart.shop.svc.cluster.local", Port: "80", Protocol: policy.TCP}}}},
	{"suggest", append([]tea.Msg{common.TraceMsg{Req: graph.TraceRequest{From: "default/netshoot", To: "shop/db-0", Port: "5432", Protocol: policy.TCP}}}, keys("a")...)},
}

// whatIfViews are screens under the what-if overlay.
var whatIfViews = []struct {
	name string
	msgs []tea.Msg
}{
	{"whatif-browser", keys(":", "ns shop", "enter", "l", "G")},
	{"whatif-matrix", keys("4")},
	{"whatif-matrix-pods", keys("4", "$", "enter")},
	{"whatif-graph", []tea.Msg{common.OpenMsg{Key: "pod/shop/db-0"}}},
}

func TestInsightsAndWhatIfGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, v := range insightViews {
			name := v.name + "_" + sizeName(size[0], size[1])
			t.Run(name, func(t *testing.T) {
				m := newTestModel(t, demoCluster(t), size[0], size[1])
				got := screen(send(t, m, v.msgs...))
				checkFits(t, got, size[0], size[1])
				golden(t, name, got)
			})
		}
		for _, v := range whatIfViews {
			name := v.name + "_" + sizeName(size[0], size[1])
			t.Run(name, func(t *testing.T) {
				m := newWhatIfModel(t, size[0], size[1])
				got := screen(send(t, m, v.msgs...))
				checkFits(t, got, size[0], size[1])
				golden(t, name, got)
			})
		}
	}
}

func TestInsightsBadgeAndOpen(t *testing.T) {
	m := newTestModel(t, demoCluster(t), 160, 48)
	snap := m.common.Snap
	if snap.Errors == 0 || snap.Warnings == 0 {
		t.Fatalf("the demo has %d lint errors and %d warnings; want some of each", snap.Errors, snap.Warnings)
	}
	badge := "insights ✗ " + itoa(snap.Errors) + " ⚠ " + itoa(snap.Warnings)
	if !strings.Contains(screen(m), badge) {
		t.Errorf("status bar lacks %q:\n%s", badge, screen(m))
	}
	m = send(t, m, keys(":", "lint", "enter")...)
	if m.state != stateInsights {
		t.Fatalf(":lint shows %s, want insights", m.state)
	}
	f, ok := m.insight.Finding()
	if !ok {
		t.Fatal("no finding selected")
	}
	want := snap.Graph.ObjectKey(f.Objects[0])
	m = send(t, m, keys("enter")...)
	if m.state != stateGraph || m.graph.Key() != want {
		t.Errorf("enter on %s opened %s %q, want graph %q", f.ID, m.state, m.graph.Key(), want)
	}

	// A finding about a Node has nothing to open: the status bar says so.
	m = send(t, m, keys("6", "/", "NV008", "enter", "enter")...)
	if m.state != stateInsights || !strings.Contains(m.status.Message(), "nothing to open for NV008") {
		t.Errorf("enter on NV008: state %s, status %q", m.state, m.status.Message())
	}
}

func TestWhatIfMarks(t *testing.T) {
	m := newWhatIfModel(t, 160, 48)
	if !strings.Contains(screen(m), "± overlay: 3 changes") {
		t.Errorf("status bar lacks the overlay badge:\n%s", screen(m))
	}
	m = send(t, m, keys(":", "ns shop", "enter", "l")...)
	s := screen(m) + screen(send(t, m, keys("G")...))
	for _, want := range []string{"+ § allow-frontend-to-db", "~ § db", "− NetworkPolicy shop/allow-dns-egress"} {
		if !strings.Contains(s, want) {
			t.Errorf("browser lacks %q:\n%s", want, s)
		}
	}
	// Without an overlay there is no badge and no change column.
	plain := screen(newTestModel(t, demoCluster(t), 160, 48))
	if strings.Contains(plain, "what-if") {
		t.Errorf("a plain snapshot shows an overlay badge:\n%s", plain)
	}

	// The graph view of shop/db-0 marks the connection from
	// default/netshoot as added, and the matrix cell says so in words.
	wi := m.common.Snap.WhatIf
	p, ok := wi.Diff.Pair("pod/default/netshoot", "pod/shop/db-0")
	if !ok || p.Op != graph.DiffAdded {
		t.Fatalf("diff of netshoot → db-0 = %+v, %v; want added", p, ok)
	}
	m = send(t, m, common.OpenMsg{Key: "pod/shop/db-0"})
	if s := screen(m); !strings.Contains(s, "+ ✓ ") || !strings.Contains(s, "netshoot") {
		t.Errorf("graph view lacks an added connection from netshoot:\n%s", s)
	}
}

func TestWhatIfBuildError(t *testing.T) {
	m := newWhatIfModel(t, 80, 24)
	bad := func(*kube.Cluster) (*kube.Cluster, error) { return nil, os.ErrNotExist }
	m = send(t, m, runCmd(buildCmd(demoCluster(t), 2, graph.Options{}, bad))...)
	if m.common.Snap.Version != 1 || m.common.Snap.WhatIf == nil {
		t.Errorf("a failed build replaced the snapshot: version %d", m.common.Snap.Version)
	}
	if msg := m.status.Message(); !strings.Contains(msg, "what-if") {
		t.Errorf("status %q does not say the what-if failed", msg)
	}
}

func TestSuggestAndWrite(t *testing.T) {
	m := newTestModel(t, demoCluster(t), 160, 48)
	dir := m.opts.ExportDir
	m = send(t, m, common.TraceMsg{Req: graph.TraceRequest{From: "default/netshoot", To: "shop/db-0", Port: "5432", Protocol: policy.TCP}})
	m = send(t, m, keys("a")...)
	if !m.trace.Suggesting() {
		t.Fatal("a did not open the suggestion panel")
	}
	s := screen(m)
	for _, want := range []string{"kind: NetworkPolicy", "WHAT IT CHANGES", "default/netshoot"} {
		if !strings.Contains(s, want) {
			t.Errorf("suggestion panel lacks %q:\n%s", want, s)
		}
	}
	m = send(t, m, keys("x")...)
	msg := m.status.Message()
	if !strings.HasPrefix(msg, "wrote the suggested policy to "+dir) {
		t.Fatalf("status after x = %q", msg)
	}
	data, err := os.ReadFile(strings.TrimPrefix(msg, "wrote the suggested policy to "))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "kind: NetworkPolicy") || !strings.Contains(string(data), "namespace: shop") {
		t.Errorf("written suggestion:\n%s", data)
	}
	m = send(t, m, keys("esc")...)
	if m.state != stateTrace || m.trace.Suggesting() {
		t.Errorf("esc: state %s, panel open %v; want the trace", m.state, m.trace.Suggesting())
	}

	// An allowed trace has nothing to suggest.
	m = send(t, m, common.TraceMsg{Req: graph.TraceRequest{From: frontendPod, To: "svc/shop/cart", Port: "80", Protocol: policy.TCP}})
	m = send(t, m, keys("a")...)
	if m.trace.Suggesting() || !strings.Contains(m.status.Message(), "already allowed") {
		t.Errorf("a on an allowed trace: panel %v, status %q", m.trace.Suggesting(), m.status.Message())
	}
}
