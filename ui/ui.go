// Package ui is netviz's terminal UI. The root model is a small state
// machine over the views in ui/pages, built from the widgets in
// ui/components, sharing what ui/common holds. It asks package graph for
// every answer; it never evaluates a policy itself. Cluster state arrives
// as messages, and everything slow runs in commands off the UI loop.
package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/kube"
	"github.com/netviz/netviz/themes"
	"github.com/netviz/netviz/ui/common"
	"github.com/netviz/netviz/ui/components/commandline"
	"github.com/netviz/netviz/ui/components/helpview"
	"github.com/netviz/netviz/ui/components/statusbar"
	"github.com/netviz/netviz/ui/components/tabs"
	"github.com/netviz/netviz/ui/pages/browser"
	"github.com/netviz/netviz/ui/pages/insights"
	"github.com/netviz/netviz/ui/pages/matrix"
	"github.com/netviz/netviz/ui/pages/neighbourhood"
	policypage "github.com/netviz/netviz/ui/pages/policy"
	"github.com/netviz/netviz/ui/pages/trace"
)

// MinWidth and MinHeight are the smallest terminal the TUI draws in.
const (
	MinWidth  = 80
	MinHeight = 24
)

// Options configure the TUI.
type Options struct {
	// Source is shown in the status bar: "demo", "files: a.yaml, b/",
	// "context kind-prod".
	Source string
	// Theme is the theme to draw with; the zero Theme means the default.
	Theme themes.Theme
	// Load reads the cluster; it runs off the UI loop while a spinner
	// says what is being read. It may be nil when Updates delivers the
	// first snapshot.
	Load func(ctx context.Context) (*kube.Cluster, error)
	// Updates delivers live snapshots from a cluster; nil for files and
	// the demo.
	Updates <-chan Update
	// Contexts lists the kubeconfig contexts :ctx offers; optional.
	Contexts func() []string
	// SwitchContext starts watching another context; optional.
	SwitchContext func(name string) (<-chan Update, error)
	// ExportDir is where `x` writes DOT files; "" is the current folder.
	ExportDir string
	// Warnings are remarks to show from the start, such as a theme that
	// failed to load.
	Warnings []string
	// Graph are the options every snapshot's graph is built with, the
	// same as the CLI's.
	Graph graph.Options
	// Namespace is the namespace the browser opens on; "" for all.
	Namespace string
	// WhatIf lays the what-if overlay (--with, --without) over each
	// cluster Load and Updates deliver; nil when there is none. The TUI
	// keeps both, to mark what the overlay changed.
	WhatIf func(*kube.Cluster) (*kube.Cluster, error)
}

// Update is one live snapshot, or a change of connection state.
type Update struct {
	// Cluster is the new snapshot, or nil when only the state changed.
	Cluster *kube.Cluster
	// State is "live", "reconnecting" or "synced".
	State string
	// Err is shown in the status bar; the last good snapshot stays.
	Err error
}

// state is the view on screen.
type state int

const (
	stateLoading state = iota
	stateBrowser
	stateGraph
	stateTrace
	stateMatrix
	statePolicy
	stateInsights
)

// String names the state, for tests and the help overlay.
func (s state) String() string {
	switch s {
	case stateLoading:
		return "loading"
	case stateBrowser:
		return "browser"
	case stateGraph:
		return "graph"
	case stateTrace:
		return "trace"
	case stateMatrix:
		return "matrix"
	case statePolicy:
		return "policy"
	case stateInsights:
		return "insights"
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// tabNames are the views in tab order; tab i is state i+1.
var tabNames = []string{"Browser", "Graph", "Trace", "Matrix", "Policy", "Insights"}

// Model is the root of the TUI.
type Model struct {
	opts    Options
	ctx     context.Context
	common  common.Common
	state   state
	prev    state // where BackMsg returns to
	loadErr error

	spinner spinner.Model
	tabs    tabs.Model
	status  statusbar.Model
	cmdline commandline.Model
	help    helpview.Model
	showHlp bool

	browser browser.Model
	graph   neighbourhood.Model
	trace   trace.Model
	matrix  matrix.Model
	policy  policypage.Model
	insight insights.Model

	updates  <-chan Update
	gen      int // generation of the updates channel
	version  int // snapshots built so far
	building bool
	pending  *kube.Cluster
	warnings []string
	targets  []string // trace names for completion, per snapshot
	source   *common.Selection
}

// New returns the root model.
func New(opts Options) Model {
	if opts.Theme.Name == "" {
		opts.Theme, _ = themes.Builtin(themes.Default)
	}
	c := common.Common{Styles: common.NewStyles(opts.Theme), KeyMap: common.DefaultKeyMap()}
	m := Model{opts: opts, ctx: context.Background(), common: c, state: stateLoading, prev: stateBrowser, updates: opts.Updates}
	m.spinner = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	m.tabs = tabs.New(c, tabNames...)
	m.status = statusbar.New(c)
	m.status.Source = opts.Source
	m.status.State = "loading"
	m.warnings = opts.Warnings
	m.cmdline = commandline.New(c, nil)
	m.help = helpview.New(c)
	m.browser = browser.New(c)
	m.graph = neighbourhood.New(c)
	m.trace = trace.New(c)
	m.matrix = matrix.New(c)
	m.policy = policypage.New(c)
	m.insight = insights.New(c)
	m.applyCommon()
	return m
}

// Run runs the TUI until the user quits.
func Run(opts Options) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := New(opts)
	m.ctx = ctx
	_, err := tea.NewProgram(m, tea.WithContext(ctx)).Run()
	if err != nil {
		return fmt.Errorf("run the terminal UI: %w", err)
	}
	return nil
}

// Messages of the root.
type (
	// SnapshotMsg carries a built snapshot.
	SnapshotMsg struct {
		Snap     *common.Snapshot
		Warnings []string
	}
	// LoadErrMsg says the first load failed.
	LoadErrMsg struct{ Err error }
	// BuildErrMsg says a later snapshot could not be built; the last
	// good one stays.
	BuildErrMsg struct{ Err error }
	// UpdateMsg carries one item of the updates channel of generation Gen.
	UpdateMsg struct {
		Gen    int
		Update Update
		Closed bool
	}
	// ExportedMsg says where an export went; What names what was
	// written, "DOT" when empty.
	ExportedMsg struct {
		Path string
		What string
		Err  error
	}
)

// Init starts loading, and listening to live updates.
func (m Model) Init() tea.Cmd {
	var cmds []tea.Cmd
	cmds = append(cmds, m.spinner.Tick)
	if m.opts.Load != nil {
		cmds = append(cmds, loadCmd(m.ctx, m.opts.Load, m.opts.Graph, m.opts.WhatIf))
	}
	if m.updates != nil {
		cmds = append(cmds, waitForUpdateCmd(m.updates, m.gen))
	}
	return tea.Batch(cmds...)
}

// loadCmd reads the cluster and builds its first snapshot.
func loadCmd(ctx context.Context, load func(context.Context) (*kube.Cluster, error), opts graph.Options, whatIf func(*kube.Cluster) (*kube.Cluster, error)) tea.Cmd {
	return func() tea.Msg {
		c, err := load(ctx)
		if err != nil {
			return LoadErrMsg{Err: err}
		}
		msg, err := buildWhatIfSnapshot(c, 1, opts, whatIf)
		if err != nil {
			return LoadErrMsg{Err: err}
		}
		return msg
	}
}

// buildCmd builds a snapshot off the UI loop.
func buildCmd(c *kube.Cluster, version int, opts graph.Options, whatIf func(*kube.Cluster) (*kube.Cluster, error)) tea.Cmd {
	return func() tea.Msg {
		msg, err := buildWhatIfSnapshot(c, version, opts, whatIf)
		if err != nil {
			return BuildErrMsg{Err: err}
		}
		return msg
	}
}

// buildWhatIfSnapshot lays the what-if overlay over base, when there is
// one, and builds the snapshot of the result with what the overlay
// changed.
func buildWhatIfSnapshot(base *kube.Cluster, version int, opts graph.Options, whatIf func(*kube.Cluster) (*kube.Cluster, error)) (SnapshotMsg, error) {
	if whatIf == nil {
		return buildSnapshot(base, version, opts), nil
	}
	c, err := whatIf(base)
	if err != nil {
		return SnapshotMsg{}, fmt.Errorf("what-if: %w", err)
	}
	msg := buildSnapshot(c, version, opts)
	msg.Snap.WhatIf = common.NewWhatIf(graph.Build(base, opts), msg.Snap.Graph, c.Overlay)
	return msg, nil
}

func buildSnapshot(c *kube.Cluster, version int, opts graph.Options) SnapshotMsg {
	g := graph.Build(c, opts)
	var warnings []string
	warnings = append(warnings, c.Warnings...)
	for _, gap := range c.Gaps {
		warnings = append(warnings, gap.String()+" (verdicts that depend on it are unknown)")
	}
	// Notes come last: the status bar shows them only when nothing is
	// wrong.
	for _, n := range c.Notes {
		warnings = append(warnings, "note: "+n)
	}
	return SnapshotMsg{Snap: common.NewSnapshot(g, version), Warnings: warnings}
}

// waitForUpdateCmd reads one item of the updates channel; the root
// re-arms it after each.
func waitForUpdateCmd(ch <-chan Update, gen int) tea.Cmd {
	return func() tea.Msg {
		u, ok := <-ch
		return UpdateMsg{Gen: gen, Update: u, Closed: !ok}
	}
}

// bodyCommon is the Common of the views: the screen less the tab bar,
// the status bar and the footer.
func (m Model) bodyCommon() common.Common {
	c := m.common
	c.Height = max(c.Height-3, 1)
	return c
}

// applyCommon hands size, styles and snapshot to every part; it returns
// the commands views need to refresh their answers.
func (m *Model) applyCommon() tea.Cmd {
	c := m.common
	m.tabs.SetCommon(c)
	m.status.SetCommon(c)
	m.cmdline.SetCommon(c)
	bc := m.bodyCommon()
	m.help.SetCommon(bc)
	m.browser.SetCommon(bc)
	m.trace.SetCommon(bc)
	m.policy.SetCommon(bc)
	m.insight.SetCommon(bc)
	return tea.Batch(m.graph.SetCommon(bc), m.matrix.SetCommon(bc))
}

// page returns the view on screen as a common.Page.
func (m Model) page() common.Page {
	switch m.state {
	case stateGraph:
		return m.graph
	case stateTrace:
		return m.trace
	case stateMatrix:
		return m.matrix
	case statePolicy:
		return m.policy
	case stateInsights:
		return m.insight
	}
	return m.browser
}

// setState shows a view.
func (m *Model) setState(s state) tea.Cmd {
	if s != m.state && m.state != stateLoading {
		m.prev = m.state
	}
	m.state = s
	if s == stateMatrix {
		return m.matrix.Activate()
	}
	return nil
}

// Update is the root's state machine: it handles window size, global
// keys, snapshots and the messages views send, and hands the rest to the
// view on screen.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.common.SetSize(msg.Width, msg.Height)
		return m, m.applyCommon()
	case spinner.TickMsg:
		if m.state != stateLoading && !m.matrix.Loading() {
			return m, nil
		}
		var cmd tea.Cmd
		m.spinner, cmd = m.spinner.Update(msg)
		return m, cmd
	case LoadErrMsg:
		m.loadErr = msg.Err
		m.status.State = ""
		m.status.SetMessage(msg.Err.Error(), true)
		return m, nil
	case SnapshotMsg:
		return m, m.takeSnapshot(msg)
	case BuildErrMsg:
		m.building = false
		m.status.SetMessage(msg.Err.Error(), true)
		if m.pending != nil {
			c := m.pending
			m.pending = nil
			m.building = true
			m.version++
			return m, buildCmd(c, m.version, m.opts.Graph, m.opts.WhatIf)
		}
		return m, nil
	case UpdateMsg:
		return m, m.takeUpdate(msg)
	case ExportedMsg:
		if msg.Err != nil {
			m.status.SetMessage(msg.Err.Error(), true)
		} else {
			what := msg.What
			if what == "" {
				what = "DOT"
			}
			m.status.SetMessage("wrote "+what+" to "+msg.Path, false)
		}
		return m, nil
	case common.SaveMsg:
		return m, m.save(msg)
	case trace.SuggestMsg:
		var cmd tea.Cmd
		m.trace, cmd = m.trace.Update(msg)
		return m, cmd
	case common.StatusMsg:
		m.status.SetMessage(msg.Text, msg.Err)
		return m, nil
	case common.OpenMsg:
		return m, m.open(msg.Key)
	case common.TraceMsg:
		return m, m.runTrace(msg.Req)
	case common.BackMsg:
		return m, m.back()
	case commandline.SubmitMsg:
		if msg.Mode == commandline.Filter {
			return m, m.setFilter(msg.Value)
		}
		return m, m.runCommand(msg.Value)
	case commandline.CancelMsg:
		if msg.Mode == commandline.Filter {
			return m, m.setFilter("")
		}
		return m, nil
	case commandline.ChangeMsg:
		return m, m.setFilter(msg.Value)
	case neighbourhood.NeighbourhoodMsg:
		var cmd tea.Cmd
		m.graph, cmd = m.graph.Update(msg)
		return m, cmd
	case matrix.MatrixMsg:
		var cmd tea.Cmd
		m.matrix, cmd = m.matrix.Update(msg)
		return m, cmd
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.MouseClickMsg:
		return m, m.click(msg.Mouse())
	case tea.MouseWheelMsg:
		return m.updatePage(msg)
	}
	if m.cmdline.Active() {
		var cmd tea.Cmd
		m.cmdline, cmd = m.cmdline.Update(msg)
		return m, cmd
	}
	return m, nil
}

// takeSnapshot shows a new snapshot, keeping every view's selection.
func (m *Model) takeSnapshot(msg SnapshotMsg) tea.Cmd {
	m.building = false
	m.common.Snap = msg.Snap
	m.version = max(m.version, msg.Snap.Version)
	m.warnings = append(append([]string(nil), m.opts.Warnings...), msg.Warnings...)
	m.targets = nil
	m.loadErr = nil
	inv := msg.Snap.Inventory
	m.status.Counts = fmt.Sprintf("%d ns · %d pods · %d svc · %d pol", len(inv.Namespaces), inv.Pods+inv.Workloads, inv.Services, inv.Policies)
	m.status.Warnings = m.warnings
	m.status.Errors, m.status.Findings = msg.Snap.Errors, msg.Snap.Warnings
	m.status.Overlay = -1
	if wi := msg.Snap.WhatIf; wi != nil {
		m.status.Overlay = len(wi.Changes)
	}
	if m.status.State == "loading" {
		m.status.State = ""
	}
	if m.updates != nil && m.status.State == "" {
		m.status.State = "live"
	}
	var cmds []tea.Cmd
	first := m.state == stateLoading
	if first {
		m.state = stateBrowser
	}
	cmds = append(cmds, m.applyCommon())
	if first && m.opts.Namespace != "" && !m.browser.SelectNamespace(m.opts.Namespace) {
		m.status.SetMessage("no namespace "+m.opts.Namespace, true)
	}
	if m.pending != nil {
		c := m.pending
		m.pending = nil
		m.building = true
		m.version++
		cmds = append(cmds, buildCmd(c, m.version, m.opts.Graph, m.opts.WhatIf))
	}
	return tea.Batch(cmds...)
}

// takeUpdate handles one live update and listens for the next.
func (m *Model) takeUpdate(msg UpdateMsg) tea.Cmd {
	if msg.Gen != m.gen {
		return nil // from a context we switched away from
	}
	if msg.Closed {
		m.status.State = "disconnected"
		m.updates = nil
		return nil
	}
	u := msg.Update
	if u.State != "" {
		m.status.State = u.State
	}
	if u.Err != nil {
		m.status.SetMessage(u.Err.Error(), true)
	}
	cmds := []tea.Cmd{waitForUpdateCmd(m.updates, m.gen)}
	if u.Cluster != nil {
		if m.building {
			m.pending = u.Cluster // build the newest when the current build ends
		} else {
			m.building = true
			m.version++
			cmds = append(cmds, buildCmd(u.Cluster, m.version, m.opts.Graph, m.opts.WhatIf))
		}
	}
	return tea.Batch(cmds...)
}

// open shows an object: a policy in the policy view, anything else in
// the graph view.
func (m *Model) open(key string) tea.Cmd {
	if id, ok := strings.CutPrefix(key, "policy/"); ok {
		m.policy.Show(id)
		return m.setState(statePolicy)
	}
	if strings.HasPrefix(key, "namespace/") || strings.HasPrefix(key, "header/") || strings.HasPrefix(key, "removed/") {
		return nil
	}
	cmd := m.graph.Focus(key)
	return tea.Batch(cmd, m.setState(stateGraph))
}

// back returns to the view shown before this one; the graph view, which
// keeps its own history, returns to the browser.
func (m *Model) back() tea.Cmd {
	prev := m.prev
	if prev == stateGraph && m.state == stateGraph || prev == stateLoading || prev == m.state {
		prev = stateBrowser
	}
	return m.setState(prev)
}

// runTrace shows a trace, or says what is wrong with it.
func (m *Model) runTrace(req graph.TraceRequest) tea.Cmd {
	if err := m.trace.SetRequest(req); err != nil {
		m.status.SetMessage("trace: "+err.Error(), true)
		return nil
	}
	return m.setState(stateTrace)
}

// setFilter applies a filter to the view on screen.
func (m *Model) setFilter(s string) tea.Cmd {
	f, err := common.ParseFilter(s)
	if err != nil {
		m.status.SetMessage(err.Error(), true)
		return nil
	}
	switch m.state {
	case stateBrowser:
		m.browser.SetFilter(f)
	case stateGraph:
		m.graph.SetFilter(f)
	case stateMatrix:
		m.matrix.SetFilter(f)
	case statePolicy:
		m.policy.SetFilter(f)
	case stateInsights:
		m.insight.SetFilter(f)
	case stateTrace:
		m.status.SetMessage("the trace view has nothing to filter", true)
	}
	return nil
}

// filter returns the filter of the view on screen.
func (m Model) filter() common.Filter {
	switch m.state {
	case stateBrowser:
		return m.browser.Filter()
	case stateGraph:
		return m.graph.Filter()
	case stateMatrix:
		return m.matrix.Filter()
	case statePolicy:
		return m.policy.Filter()
	case stateInsights:
		return m.insight.Filter()
	}
	return common.Filter{}
}

// handleKey routes a key: to the prompt when open, to the help overlay
// when shown, to the global keys, and else to the view on screen.
func (m Model) handleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if m.cmdline.Active() {
		var cmd tea.Cmd
		m.cmdline, cmd = m.cmdline.Update(msg)
		return m, cmd
	}
	if msg.String() != "esc" {
		m.status.ClearMessage()
	}
	km := m.common.KeyMap
	if m.showHlp {
		switch {
		case key.Matches(msg, km.Quit):
			return m, tea.Quit
		case key.Matches(msg, km.Help), msg.String() == "esc":
			m.showHlp = false
		}
		return m, nil
	}
	if m.state == stateLoading || m.common.Snap == nil {
		if key.Matches(msg, km.Quit) {
			return m, tea.Quit
		}
		return m, nil
	}
	if m.state == stateTrace && m.trace.Suggesting() &&
		!key.Matches(msg, km.Quit) && !key.Matches(msg, km.Help) && !key.Matches(msg, km.Command) {
		return m.updatePage(msg) // the suggestion panel takes x, esc and the rest
	}
	switch {
	case key.Matches(msg, km.Quit):
		return m, tea.Quit
	case key.Matches(msg, km.Help):
		m.showHlp = true
		return m, nil
	case key.Matches(msg, km.Command):
		m.cmdline = commandline.New(m.common, m.complete)
		return m, m.cmdline.Open(commandline.Command, "")
	case key.Matches(msg, km.Filter):
		m.cmdline = commandline.New(m.common, nil)
		return m, m.cmdline.Open(commandline.Filter, m.filter().String())
	case key.Matches(msg, km.Back) && !m.filter().Empty():
		return m, m.setFilter("")
	case key.Matches(msg, km.Back) && (m.state == stateTrace || m.state == statePolicy):
		return m, m.back()
	case key.Matches(msg, km.Browser):
		return m, m.setState(stateBrowser)
	case key.Matches(msg, km.Graph):
		if sel, ok := m.page().Selection(); ok && m.graph.Key() == "" && m.common.Snap.Graph.Node(sel.Key) != nil {
			return m, m.open(sel.Key)
		}
		return m, m.setState(stateGraph)
	case key.Matches(msg, km.Trace):
		return m, m.setState(stateTrace)
	case key.Matches(msg, km.Matrix):
		return m, m.setState(stateMatrix)
	case key.Matches(msg, km.Policy):
		return m, m.setState(statePolicy)
	case key.Matches(msg, km.Insights):
		return m, m.setState(stateInsights)
	case key.Matches(msg, km.Source):
		return m, m.pick(true)
	case key.Matches(msg, km.Dest):
		return m, m.pick(false)
	case key.Matches(msg, km.Copy):
		return m, m.copySelection()
	case key.Matches(msg, km.Export):
		return m, m.export("")
	}
	return m.updatePage(msg)
}

// updatePage hands a message to the view on screen.
func (m Model) updatePage(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch m.state {
	case stateBrowser:
		m.browser, cmd = m.browser.Update(msg)
	case stateGraph:
		m.graph, cmd = m.graph.Update(msg)
	case stateTrace:
		m.trace, cmd = m.trace.Update(msg)
	case stateMatrix:
		m.matrix, cmd = m.matrix.Update(msg)
	case statePolicy:
		m.policy, cmd = m.policy.Update(msg)
	case stateInsights:
		m.insight, cmd = m.insight.Update(msg)
	}
	return m, cmd
}

// click selects what the mouse points at, or switches tabs.
func (m *Model) click(ms tea.Mouse) tea.Cmd {
	if ms.Button != tea.MouseLeft || m.common.Snap == nil || m.cmdline.Active() || m.showHlp {
		return nil
	}
	if ms.Y == 0 {
		x := ansi.StringWidth("netviz") + 2
		for i, name := range tabNames {
			w := len(name) + 4
			if ms.X >= x && ms.X < x+w {
				return m.setState(state(i + 1))
			}
			x += w
		}
		return nil
	}
	switch m.state {
	case stateBrowser:
		m.browser.Click(ms.X, ms.Y-1)
	case stateGraph:
		m.graph.Click(ms.X, ms.Y-1)
	}
	return nil
}

// pick records the trace source (s) or destination (d) from the view's
// selection; with both, it runs the trace.
func (m *Model) pick(source bool) tea.Cmd {
	sel, ok := m.page().Selection()
	if !ok {
		m.status.SetMessage("nothing selected to trace", true)
		return nil
	}
	if sel.TraceRef == "" {
		what := "start"
		if !source {
			what = "end"
		}
		m.status.SetMessage(fmt.Sprintf("a trace cannot %s at %s: pick a pod, a workload or a Service", what, sel.Name), true)
		return nil
	}
	if source {
		if strings.HasPrefix(sel.TraceRef, "svc/") || strings.HasPrefix(sel.TraceRef, "ingress/") {
			m.status.SetMessage(sel.TraceRef+" does not send traffic: pick a pod or workload as the source", true)
			return nil
		}
		m.source = &sel
		m.status.Picks = "trace from " + sel.TraceRef + " → ? (d)"
		return nil
	}
	if strings.HasPrefix(sel.TraceRef, "ingress/") {
		// Traffic enters an Ingress from outside the cluster.
		return m.runTrace(graph.TraceRequest{From: "internet", To: sel.TraceRef})
	}
	if m.source == nil {
		m.status.SetMessage("pick the source first: s on a pod or workload", true)
		return nil
	}
	m.status.Picks = "trace from " + m.source.TraceRef + " (d for another)"
	return m.runTrace(graph.TraceRequest{From: m.source.TraceRef, To: sel.TraceRef})
}

// copySelection copies the selected object's name with OSC 52.
func (m *Model) copySelection() tea.Cmd {
	sel, ok := m.page().Selection()
	if !ok || sel.Name == "" {
		m.status.SetMessage("nothing selected to copy", true)
		return nil
	}
	m.status.SetMessage("copied "+sel.Name+" to the clipboard", false)
	return tea.SetClipboard(sel.Name)
}

// View draws the tab bar, the view on screen, the status bar and the
// footer, with the help overlay on top when shown.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "netviz · " + m.opts.Source
	return v
}

func (m Model) render() string {
	w, h := m.common.Width, m.common.Height
	if w <= 0 || h <= 0 {
		return ""
	}
	st := m.common.Styles
	if w < MinWidth || h < MinHeight {
		msg := fmt.Sprintf("netviz needs a terminal of at least %d×%d; this one is %d×%d.", MinWidth, MinHeight, w, h)
		return common.FitBlock(strings.Join(common.Wrap(msg, w, ""), "\n")+"\n\n"+st.Muted.Render("q quits"), w, h)
	}
	bh := h - 3
	var body string
	switch {
	case m.state == stateLoading && m.loadErr != nil:
		body = "\n  " + st.Error.Render("could not read "+m.opts.Source+":") + "\n"
		for _, l := range common.Wrap(m.loadErr.Error(), w-4, "") {
			body += "\n  " + l
		}
		body += "\n\n  " + st.Muted.Render("q quits")
	case m.state == stateLoading:
		body = strings.Repeat("\n", bh/2) + "  " + m.spinner.View() + " reading " + m.opts.Source + "…"
	case m.state == stateBrowser:
		body = m.browser.View()
	case m.state == stateGraph:
		body = m.graph.View()
	case m.state == stateTrace:
		body = m.trace.View()
	case m.state == stateMatrix:
		body = m.matrix.View()
		if m.matrix.Loading() {
			body = overlay(body, " "+m.spinner.View()+" ", 2, 2)
		}
	case m.state == statePolicy:
		body = m.policy.View()
	case m.state == stateInsights:
		body = m.insight.View()
	}
	body = common.FitBlock(body, w, bh)
	if m.showHlp {
		box := m.helpOverlay()
		bw, bhh := ansi.StringWidth(strings.SplitN(box, "\n", 2)[0]), strings.Count(box, "\n")+1
		body = overlay(body, box, max((w-bw)/2, 0), max((bh-bhh)/2, 0))
	}
	t := m.tabs
	t.SetActive(int(m.state) - 1)
	t.SetNote(m.note())
	var footer string
	if m.cmdline.Active() {
		footer = m.cmdline.View()
	} else {
		footer = m.help.ShortView(m.shortHelp(), w)
	}
	return t.View() + "\n" + body + "\n" + m.status.View() + "\n" + common.Fit(footer, w)
}

// note is the text on the right of the tab bar: where the user is.
func (m Model) note() string {
	switch m.state {
	case stateGraph:
		if sel, ok := m.graph.Selection(); ok {
			return sel.Key
		}
	case stateTrace:
		if req, ok := m.trace.Request(); ok {
			return req.From + " → " + req.To
		}
	case statePolicy:
		if id := m.policy.ID(); id != "" {
			return "policy/" + id
		}
	}
	return ""
}

// shortHelp is the footer: the view's main keys, then the global ones.
func (m Model) shortHelp() []key.Binding {
	if m.common.Snap == nil {
		return []key.Binding{m.common.KeyMap.Quit}
	}
	return append(m.page().ShortHelp(), m.common.KeyMap.ShortHelp()...)
}

// helpOverlay is the `?` box: the view's keys, the global keys, and the
// snapshot's warnings.
func (m Model) helpOverlay() string {
	p := m.page()
	sections := []helpview.Section{
		{Title: strings.ToUpper(m.state.String()) + " VIEW", Keys: p.FullHelp()},
		{Title: "EVERYWHERE", Keys: m.common.KeyMap.FullHelp()},
	}
	notes := []string{"Commands: :ns NAME · :ctx NAME · :trace FROM TO [PORT[/PROTO]] · :export [FILE] · :theme NAME · :matrix [PORT[/PROTO]] · :policy NS/NAME · :lint · :q",
		"Filters: /regex · /!regex (inverted) · /-l key=value (labels)"}
	for _, w := range m.warnings {
		notes = append(notes, "⚠ "+w)
	}
	return m.help.Overlay("netviz help", sections, notes)
}

// overlay draws box over base with its top-left corner at (x, y).
func overlay(base, box string, x, y int) string {
	lines := strings.Split(base, "\n")
	for i, bl := range strings.Split(box, "\n") {
		row := y + i
		if row >= len(lines) {
			break
		}
		l := lines[row]
		bw := ansi.StringWidth(bl)
		left := ansi.Truncate(l, x, "")
		if pad := x - ansi.StringWidth(left); pad > 0 {
			left += strings.Repeat(" ", pad)
		}
		right := ""
		if ansi.StringWidth(l) > x+bw {
			right = ansi.TruncateLeft(l, x+bw, "")
		}
		lines[row] = left + "\x1b[m" + bl + "\x1b[m" + right
	}
	return strings.Join(lines, "\n")
}
