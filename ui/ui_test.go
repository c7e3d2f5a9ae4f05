package ui

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/ui/common"
)

// updating reports whether -update was given. The flag is registered by
// the golden package teatest uses, with the same meaning.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// golden compares got with testdata/name.golden.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if updating() {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./ui -update to create it): %v", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file %s (run go test ./ui -update to accept):\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

// Demo objects the tests use.
const (
	frontendPod = "shop/frontend-7d9c6b8f4-x2k9p"
	cartPod     = "shop/cart-5f7b9c6d8-4tq2m"
)

// views are the screens with a golden file each, at every size: how to
// get there from a freshly loaded demo.
var views = []struct {
	name string
	msgs []tea.Msg
}{
	{"browser", nil},
	{"browser-shop", keys(":", "ns shop", "enter", "l")},
	{"browser-filter", keys("l", "/", "cart")},
	{"graph-service", []tea.Msg{common.OpenMsg{Key: "svc/shop/frontend"}}},
	{"graph-pod", []tea.Msg{common.OpenMsg{Key: "pod/" + cartPod}}},
	{"graph-ingress", []tea.Msg{common.OpenMsg{Key: "ingress/shop/shop"}}},
	{"trace-service", []tea.Msg{common.TraceMsg{Req: graph.TraceRequest{From: frontendPod, To: "svc/shop/cart", Port: "80", Protocol: policy.TCP}}}},
	{"trace-denied", []tea.Msg{common.TraceMsg{Req: graph.TraceRequest{From: "default/netshoot", To: "shop/db-0", Port: "5432", Protocol: policy.TCP}}}},
	{"trace-ingress", []tea.Msg{common.TraceMsg{Req: graph.TraceRequest{From: "internet", To: "ingress/shop/shop"}}}},
	{"matrix", keys("4")},
	{"matrix-pods", keys("4", "G", "$", "enter")},
	{"policy", []tea.Msg{common.OpenMsg{Key: "policy/shop/default-deny-all"}}},
	{"help", keys("?")},
	{"command", keys(":", "trace shop/fr")},
}

func TestViewsGolden(t *testing.T) {
	c := demoCluster(t)
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, v := range views {
			name := v.name + "_" + sizeName(size[0], size[1])
			t.Run(name, func(t *testing.T) {
				m := newTestModel(t, c, size[0], size[1])
				m = send(t, m, v.msgs...)
				got := screen(m)
				checkFits(t, got, size[0], size[1])
				golden(t, name, got)
			})
		}
	}
}

func sizeName(w, h int) string {
	return strings.Join([]string{itoa(w), itoa(h)}, "x")
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// checkFits fails when a rendered screen is not exactly w×h cells.
func checkFits(t *testing.T, s string, w, h int) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) != h {
		t.Errorf("screen has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if n := displayWidth(l); n > w {
			t.Errorf("line %d is %d cells wide, more than %d: %q", i+1, n, w, l)
		}
	}
}

func TestLoadingAndTooSmallGolden(t *testing.T) {
	m := New(Options{Source: "files: a.yaml, b/", Theme: darkTheme(t)})
	m = send(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	golden(t, "loading_80x24", screen(m))

	small := newTestModel(t, demoCluster(t), 79, 23)
	golden(t, "too-small_79x23", screen(small))
}
