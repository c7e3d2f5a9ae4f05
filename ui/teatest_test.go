package ui

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/netviz/netviz/kube"
)

// waitText waits until the program has drawn every one of texts.
func waitText(t *testing.T, tm *teatest.TestModel, texts ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		for _, s := range texts {
			if !bytes.Contains(b, []byte(s)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(10*time.Second))
}

func typeKeys(tm *teatest.TestModel, names ...string) {
	for _, k := range keys(names...) {
		tm.Send(k)
	}
}

// TestProgramDeniedTraceAndExport runs the whole program: load with a
// spinner, filter, trace a denied pair, export it, quit.
func TestProgramDeniedTraceAndExport(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Source: "demo", Theme: darkTheme(t), ExportDir: dir,
		Load: func(context.Context) (*kube.Cluster, error) { return demoCluster(t), nil }}
	tm := teatest.NewTestModel(t, New(opts), teatest.WithInitialTermSize(120, 36))
	waitText(t, tm, "Namespaces", "reviews/bookinfo")

	typeKeys(tm, "/", "shop", "enter")
	waitText(t, tm, "13 pol")

	typeKeys(tm, ":", "trace default/netshoot shop/db-0 5432", "enter")
	waitText(t, tm, "DENIED", "no ingress rule allows port 5432/TCP")

	typeKeys(tm, "x")
	waitText(t, tm, "wrote DOT")

	typeKeys(tm, "q")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(Model)
	if final.state != stateTrace {
		t.Errorf("final state %v, want trace", final.state)
	}
	dot, err := os.ReadFile(filepath.Join(dir, "netviz-trace-default-netshoot-to-shop-db-0.dot"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(dot, []byte("blocked by")) {
		t.Errorf("the exported trace does not mark the denied edge:\n%s", dot)
	}
}

// TestProgramLiveUpdates feeds snapshots through the updates channel, as
// a live cluster does.
func TestProgramLiveUpdates(t *testing.T) {
	ch := make(chan Update, 1)
	tm := teatest.NewTestModel(t, New(Options{Source: "context kind-test", Theme: darkTheme(t), Updates: ch}),
		teatest.WithInitialTermSize(100, 30))
	ch <- Update{Cluster: demoCluster(t), State: "synced"}
	waitText(t, tm, "synced", "32 pods")

	// The renderer redraws only cells that change, so the test waits for
	// text that is new as a whole: a warning the second snapshot carries.
	second := withoutPod(demoCluster(t), cartPod)
	second.Warnings = []string{"second-snapshot-marker"}
	ch <- Update{Cluster: second, State: "live"}
	waitText(t, tm, "⚠ 1 warning")

	close(ch)
	waitText(t, tm, "disconnected")
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(Model)
	if inv := final.common.Snap.Inventory; inv.Pods+inv.Workloads != 31 {
		t.Errorf("after the second snapshot %d pods and workloads, want 31", inv.Pods+inv.Workloads)
	}
}

// TestProgramHelpAndResize opens the help overlay, resizes, and closes it.
func TestProgramHelpAndResize(t *testing.T) {
	opts := Options{Source: "demo", Theme: darkTheme(t),
		Load: func(context.Context) (*kube.Cluster, error) { return demoCluster(t), nil }}
	tm := teatest.NewTestModel(t, New(opts), teatest.WithInitialTermSize(80, 24))
	waitText(t, tm, "Namespaces")
	typeKeys(tm, "?")
	waitText(t, tm, "netviz help", "EVERYWHERE")
	tm.Send(tea.WindowSizeMsg{Width: 160, Height: 48})
	typeKeys(tm, "esc", "q")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(Model)
	if final.showHlp || final.common.Width != 160 {
		t.Errorf("help shown %v, width %d", final.showHlp, final.common.Width)
	}
}
