package ui

import (
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/kube"
	"github.com/netviz/netviz/themes"
)

var (
	demoOnce sync.Once
	demo     *kube.Cluster
	demoErrs []error
)

// demoCluster loads the demo cluster the binary embeds.
func demoCluster(t testing.TB) *kube.Cluster {
	t.Helper()
	demoOnce.Do(func() { demo, demoErrs = kube.LoadDemo() })
	if len(demoErrs) > 0 {
		t.Fatalf("load demo: %v", demoErrs)
	}
	return demo
}

func darkTheme(t testing.TB) themes.Theme {
	th, ok := themes.Builtin("dark")
	if !ok {
		t.Fatal("no dark theme")
	}
	return th
}

// newTestModel is the root model at w×h showing cluster c, with every
// command it asked for already run.
func newTestModel(t testing.TB, c *kube.Cluster, w, h int) Model {
	t.Helper()
	m := New(Options{Source: "demo", Theme: darkTheme(t), ExportDir: t.TempDir()})
	m = send(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	return send(t, m, buildSnapshot(c, 1, graph.Options{}))
}

// send feeds messages to the model one by one; after each it runs the
// commands the model returned, synchronously and to the end, as a fast
// machine would before the next key arrives.
func send(t testing.TB, m Model, msgs ...tea.Msg) Model {
	t.Helper()
	for _, msg := range msgs {
		m = drain(t, m, msg, 0)
	}
	return m
}

func drain(t testing.TB, m Model, msg tea.Msg, depth int) Model {
	t.Helper()
	if depth > 100 {
		t.Fatalf("commands keep producing messages: last %T", msg)
	}
	if _, ok := msg.(tea.QuitMsg); ok {
		return m
	}
	nm, cmd := m.Update(msg)
	m = nm.(Model)
	for _, next := range runCmd(cmd) {
		m = drain(t, m, next, depth+1)
	}
	return m
}

// cmdTimeout bounds a command in tests: a command still running after it
// waits on something that will not come (the next live update), so its
// message is dropped.
const cmdTimeout = time.Second

// runCmd runs a command and any batch it returns.
func runCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(cmdTimeout):
		return nil
	}
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, runCmd(c)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}

// keys turns key names into key presses: "enter", "esc", "tab",
// "backspace", "up", "down", "left", "right", "ctrl+X", or text typed
// rune by rune.
func keys(names ...string) []tea.Msg {
	special := map[string]rune{"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "backspace": tea.KeyBackspace,
		"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight, "space": tea.KeySpace,
		"pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp}
	var out []tea.Msg
	for _, n := range names {
		if r, ok := special[n]; ok {
			out = append(out, tea.KeyPressMsg{Code: r})
			continue
		}
		if c, ok := strings.CutPrefix(n, "ctrl+"); ok && len(c) == 1 {
			out = append(out, tea.KeyPressMsg{Code: rune(c[0]), Mod: tea.ModCtrl})
			continue
		}
		for _, r := range n {
			out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
		}
	}
	return out
}

// screen renders the model without colour, trailing spaces trimmed.
func screen(m Model) string {
	lines := strings.Split(ansi.Strip(m.View().Content), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

// displayWidth is the width of a plain line in cells.
func displayWidth(s string) int { return ansi.StringWidth(s) }
