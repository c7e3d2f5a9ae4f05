// Package matrix is the reachability heatmap for one port: namespace ×
// namespace, with drill-down to pod × pod for a pair of namespaces, and
// from a pod pair to its trace.
package matrix

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/ui/common"
	"github.com/netviz/netviz/ui/components/grid"
)

// MatrixMsg carries a matrix decided off the UI loop.
type MatrixMsg struct {
	Snap   *common.Snapshot
	Key    common.MatrixKey
	Answer *common.MatrixAnswer
	Err    error
}

// matrixCmd decides a matrix.
func matrixCmd(snap *common.Snapshot, k common.MatrixKey) tea.Cmd {
	return func() tea.Msg {
		a, err := common.NewMatrixAnswer(snap.Graph, k)
		return MatrixMsg{Snap: snap, Key: k, Answer: a, Err: err}
	}
}

// KeyMap holds the matrix view's keys.
type KeyMap struct {
	NextPort key.Binding
	PrevPort key.Binding
	Drill    key.Binding
	Up       key.Binding
	Grid     grid.KeyMap
}

// DefaultKeyMap returns the matrix view's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		NextPort: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "next port")),
		PrevPort: key.NewBinding(key.WithKeys("P"), key.WithHelp("P", "previous port")),
		Drill:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "pods of the pair / trace")),
		Up:       key.NewBinding(key.WithKeys("esc", "backspace"), key.WithHelp("esc", "back to namespaces")),
		Grid:     grid.DefaultKeyMap(),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.NextPort, k.Drill, k.Up, k.Grid.Left, k.Grid.Right}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return append([][]key.Binding{{k.NextPort, k.PrevPort, k.Drill, k.Up}}, k.Grid.FullHelp()...)
}

// Model is the matrix view.
type Model struct {
	// KeyMap is the matrix view's keys.
	KeyMap KeyMap

	common  common.Common
	ports   []graph.PortChoice
	portIdx int
	key     common.MatrixKey
	ans     *common.MatrixAnswer
	err     error
	active  bool
	grid    grid.Model
	// drill holds the namespace pair (indexes of ans.Namespaces) shown
	// pod × pod, or nil for namespace × namespace.
	drill    *[2]int
	nsCursor [2]int
	filter   common.Filter
	rows     []int // indexes shown as rows (namespaces, or peers when drilled)
	cols     []int
}

// New returns the matrix view; it decides nothing until activated.
func New(c common.Common) Model {
	m := Model{KeyMap: DefaultKeyMap()}
	m.grid = grid.New(c)
	m.SetCommon(c)
	return m
}

// SetCommon takes new styles, size or snapshot; a new snapshot decides the
// matrix again if the view was opened.
func (m *Model) SetCommon(c common.Common) tea.Cmd {
	snapChanged := c.Snap != m.common.Snap
	m.common = c
	m.grid.SetCommon(c)
	m.SetSize(c.Width, c.Height)
	if !snapChanged || c.Snap == nil {
		m.setGrid()
		return nil
	}
	m.ports = append(append([]graph.PortChoice(nil), c.Snap.Ports...), graph.PortChoice{Label: "any port"})
	if m.portIdx >= len(m.ports) || m.key == (common.MatrixKey{}) {
		m.portIdx = 0
	}
	found := false
	for i, pc := range m.ports {
		if pc.Port == m.key.Port && pc.Protocol == m.key.Protocol && m.key != (common.MatrixKey{}) {
			m.portIdx, found = i, true
		}
	}
	if !found {
		m.key = common.MatrixKey{Port: m.ports[m.portIdx].Port, Protocol: m.ports[m.portIdx].Protocol}
	}
	m.ans = nil
	if m.active {
		return m.load()
	}
	return nil
}

// SetSize sets the view's size.
func (m *Model) SetSize(w, h int) {
	m.common.Width, m.common.Height = w, h
	m.grid.SetSize(w-2, h-5)
}

// Activate decides the matrix the first time the view is shown.
func (m *Model) Activate() tea.Cmd {
	m.active = true
	if m.ans == nil {
		return m.load()
	}
	return nil
}

// SetPort shows the matrix of another port.
func (m *Model) SetPort(k common.MatrixKey) tea.Cmd {
	m.key = k
	m.drill = nil
	return m.load()
}

func (m *Model) load() tea.Cmd {
	snap := m.common.Snap
	if snap == nil {
		return nil
	}
	if a, ok := snap.Matrix(m.key); ok {
		m.ans, m.err = a, nil
		m.setGrid()
		return nil
	}
	m.ans, m.err = nil, nil
	return matrixCmd(snap, m.key)
}

// Loading reports whether the matrix is being decided.
func (m Model) Loading() bool {
	return m.active && m.ans == nil && m.err == nil && m.common.Snap != nil
}

// SetFilter filters namespaces (or, drilled down, pods) on both axes.
func (m *Model) SetFilter(f common.Filter) {
	m.filter = f
	m.setGrid()
}

// Filter returns the filter in use.
func (m Model) Filter() common.Filter { return m.filter }

// setGrid points the grid at the namespaces or at the pods of a pair.
func (m *Model) setGrid() {
	a := m.ans
	if a == nil {
		m.grid.SetData(0, 0, nil, nil, nil, 1, 1)
		return
	}
	st := m.common.Styles
	g := m.common.Snap.Graph
	if m.drill == nil {
		rows := make([]int, 0, len(a.Namespaces))
		for i, ns := range a.Namespaces {
			if m.filter.Match(ns, nil) {
				rows = append(rows, i)
			}
		}
		m.rows, m.cols = rows, rows
		lw := 8
		for _, i := range rows {
			lw = max(lw, len(a.Namespaces[i])+1)
		}
		lw = min(lw, 22)
		// Cells widen to show whole names when the screen has room.
		cw := 7
		if n := len(rows); n > 0 {
			cw = max(7, min(lw, (m.common.Width-2-lw)/n))
		}
		name := func(i int) string { return a.Namespaces[rows[i]] }
		// Cells with the same counts look the same: render each once.
		cells := map[[4]int]string{}
		m.grid.SetData(len(rows), len(rows), name, name, func(i, j, w int) string {
			np := a.Cell(rows[i], rows[j])
			k := [4]int{np.Allowed, np.Unknown, np.Pairs, w}
			c, ok := cells[k]
			if !ok {
				c = nsCell(st, np, w)
				cells[k] = c
			}
			if wi := m.common.Snap.WhatIf; wi != nil {
				dc := wi.ByNamespace[[2]string{a.Namespaces[rows[i]], a.Namespaces[rows[j]]}]
				return st.DiffMark(dc.Glyph()) + ansi.TruncateLeft(c, 1, "")
			}
			return c
		}, lw, cw)
		return
	}
	from, to := a.Namespaces[m.drill[0]], a.Namespaces[m.drill[1]]
	rows := filterPeers(g, a.Peers[from], m.filter)
	cols := filterPeers(g, a.Peers[to], m.filter)
	m.rows, m.cols = rows, cols
	cw := max(3, len(strconv.Itoa(len(cols)))+1)
	pad := strings.Repeat(" ", cw-2)
	marks := map[policy.Verdict]string{}
	for _, v := range []policy.Verdict{policy.Allowed, policy.Denied, policy.Unknown} {
		marks[v] = " " + st.VerdictMark(v.String()) + pad
	}
	self := " " + st.Muted.Render("-") + pad
	lw := 10
	for _, p := range rows {
		lw = max(lw, len(g.Model.Peers[p].Name)+1)
	}
	lw = min(lw, 28)
	m.grid.SetData(len(rows), len(cols),
		func(i int) string { return g.Model.Peers[rows[i]].Name },
		func(j int) string { return strconv.Itoa(j + 1) },
		func(i, j, w int) string {
			s, d := rows[i], cols[j]
			if s == d {
				return self
			}
			if wi := m.common.Snap.WhatIf; wi != nil {
				return m.pairGlyph(wi, s, d) + strings.TrimPrefix(marks[a.Matrix.Verdict(s, d)], " ")
			}
			return marks[a.Matrix.Verdict(s, d)]
		}, lw, cw)
}

func filterPeers(g *graph.Graph, peers []int, f common.Filter) []int {
	if f.Empty() {
		return peers
	}
	var out []int
	for _, p := range peers {
		if f.Match(g.Model.Peers[p].Name, g.Model.Peers[p].Labels) {
			out = append(out, p)
		}
	}
	return out
}

// nsCell draws the aggregate of a namespace pair: all, none, some, or
// some unknown, each with a glyph.
func nsCell(st *common.Styles, np graph.NamespacePair, w int) string {
	switch {
	case np.Pairs == 0:
		return common.Fit(st.Muted.Render("   ·"), w)
	case np.Allowed == np.Pairs:
		return st.Allow.Render(common.Fit(" "+st.Glyphs.Allow+" all", w))
	case np.Unknown > 0:
		return st.Unknown.Render(common.Fit(fmt.Sprintf(" %s %d%%", st.Glyphs.Unknown, pct(np.Allowed+np.Unknown, np.Pairs)), w))
	case np.Allowed == 0:
		return st.Deny.Render(common.Fit(" "+st.Glyphs.Deny+" none", w))
	}
	return st.Warning.Render(common.Fit(fmt.Sprintf(" ~ %d%%", pct(np.Allowed, np.Pairs)), w))
}

func pct(a, b int) int {
	if b == 0 {
		return 0
	}
	p := a * 100 / b
	if p == 0 && a > 0 {
		p = 1
	}
	if p == 100 && a < b {
		p = 99
	}
	return p
}

func (m *Model) cyclePort(d int) tea.Cmd {
	if len(m.ports) == 0 {
		return nil
	}
	m.portIdx = (m.portIdx + d + len(m.ports)) % len(m.ports)
	pc := m.ports[m.portIdx]
	return m.SetPort(common.MatrixKey{Port: pc.Port, Protocol: pc.Protocol})
}

// Update handles the view's keys and answers.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case MatrixMsg:
		if msg.Snap != nil && msg.Err == nil {
			msg.Snap.StoreMatrix(msg.Key, msg.Answer)
		}
		if msg.Snap == m.common.Snap && msg.Key == m.key {
			m.ans, m.err = msg.Answer, msg.Err
			m.setGrid()
		}
		return m, nil
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.KeyMap.NextPort):
			return m, m.cyclePort(1)
		case key.Matches(msg, m.KeyMap.PrevPort):
			return m, m.cyclePort(-1)
		case key.Matches(msg, m.KeyMap.Drill):
			return m, m.enter()
		case key.Matches(msg, m.KeyMap.Up):
			if m.drill != nil {
				m.drill = nil
				m.setGrid()
				m.grid.SetCursor(m.nsCursor[0], m.nsCursor[1])
			}
			return m, nil
		}
	}
	var cmd tea.Cmd
	m.grid, cmd = m.grid.Update(msg)
	return m, cmd
}

// enter drills into a namespace pair, or traces a pod pair.
func (m *Model) enter() tea.Cmd {
	if m.ans == nil || len(m.rows) == 0 || len(m.cols) == 0 {
		return nil
	}
	r, c := m.grid.Cursor()
	if m.drill == nil {
		m.nsCursor = [2]int{r, c}
		m.drill = &[2]int{m.rows[r], m.cols[c]}
		m.setGrid()
		m.grid.SetCursor(0, 0)
		return nil
	}
	g := m.common.Snap.Graph
	s, d := m.rows[r], m.cols[c]
	if s == d {
		return nil
	}
	req := graph.TraceRequest{From: g.TraceRef(g.PeerNode(s)), To: g.TraceRef(g.PeerNode(d)), Port: m.key.Port, Protocol: m.key.Protocol}
	return func() tea.Msg { return common.TraceMsg{Req: req} }
}

// pairGlyph marks how the connection of peers s → d changed under the
// what-if overlay: "+", "−", "~" or "=".
func (m Model) pairGlyph(wi *common.WhatIf, s, d int) string {
	g := m.common.Snap.Graph
	st := m.common.Styles
	if p, ok := wi.Diff.Pair(g.PeerNode(s).Key(), g.PeerNode(d).Key()); ok {
		return st.DiffMark(common.DiffGlyph(p.Op))
	}
	return st.DiffMark("=")
}

// whatIfDetail says how the cursor cell changed under the overlay.
func (m Model) whatIfDetail(r, c int) string {
	wi := m.common.Snap.WhatIf
	if wi == nil {
		return ""
	}
	a := m.ans
	if m.drill == nil {
		dc := wi.ByNamespace[[2]string{a.Namespaces[m.rows[r]], a.Namespaces[m.cols[c]]}]
		if dc.Glyph() == "=" {
			return " · what-if: = unchanged"
		}
		return fmt.Sprintf(" · what-if: +%d −%d ~%d pairs", dc.Added, dc.Removed, dc.Changed)
	}
	g := m.common.Snap.Graph
	p, ok := wi.Diff.Pair(g.PeerNode(m.rows[r]).Key(), g.PeerNode(m.cols[c]).Key())
	if !ok {
		return " · what-if: = unchanged"
	}
	return fmt.Sprintf(" · what-if: %s %s (was %s, now %s)", common.DiffGlyph(p.Op), p.Op, portsOf(p.Before), portsOf(p.After))
}

func portsOf(r policy.Result) string {
	if r.Allowed.Empty() && r.Unknown.Empty() {
		return "nothing"
	}
	s := r.Allowed.String()
	if !r.Unknown.Empty() {
		s += " (unknown: " + r.Unknown.String() + ")"
	}
	return s
}

// detail says what the cursor cell means in words.
func (m Model) detail() string {
	a := m.ans
	if a == nil || len(m.rows) == 0 || len(m.cols) == 0 {
		return ""
	}
	r, c := m.grid.Cursor()
	st := m.common.Styles
	if m.drill == nil {
		from, to := a.Namespaces[m.rows[r]], a.Namespaces[m.cols[c]]
		np := a.Cell(m.rows[r], m.cols[c])
		s := fmt.Sprintf("%s %s %s: %d of %d pod pairs allowed on %s", from, st.Glyphs.Arrow, to, np.Allowed, np.Pairs, m.key)
		if np.Unknown > 0 {
			s += fmt.Sprintf(", %d unknown", np.Unknown)
		}
		return s + m.whatIfDetail(r, c) + " · enter: pods"
	}
	g := m.common.Snap.Graph
	s, d := m.rows[r], m.cols[c]
	if s == d {
		return g.Model.Peers[s].ID() + " (itself)"
	}
	v := a.Matrix.Verdict(s, d).String()
	return fmt.Sprintf("%s %s %s: %s on %s%s · enter: trace", g.Model.Peers[s].ID(), st.Glyphs.Arrow, g.Model.Peers[d].ID(), st.Verdict(v), m.key, m.whatIfDetail(r, c))
}

// View draws the heatmap with a line of detail and a legend.
func (m Model) View() string {
	st := m.common.Styles
	w, h := m.common.Width, m.common.Height
	title := "Matrix · " + m.key.String()
	if len(m.ports) > 1 {
		title += fmt.Sprintf(" (p: %d/%d)", m.portIdx+1, len(m.ports))
	}
	var body string
	switch {
	case m.common.Snap == nil:
	case m.err != nil:
		body = st.Error.Render(m.err.Error())
	case m.ans == nil:
		body = "\n  " + st.Muted.Render(fmt.Sprintf("deciding every pod pair on %s…", m.key))
	default:
		a := m.ans
		if m.drill == nil {
			title += fmt.Sprintf(" · %d namespaces · rows: from, columns: to", len(a.Namespaces))
		} else {
			title += fmt.Sprintf(" · %s %s %s · %d × %d pods", a.Namespaces[m.drill[0]], st.Glyphs.Arrow, a.Namespaces[m.drill[1]], len(m.rows), len(m.cols))
		}
		if !m.filter.Empty() {
			title += " · /" + m.filter.String()
		}
		legend := st.Allow.Render(st.Glyphs.Allow+" all") + "  " + st.Warning.Render("~ some") + "  " +
			st.Deny.Render(st.Glyphs.Deny+" none") + "  " + st.Unknown.Render(st.Glyphs.Unknown+" unknown") + st.Muted.Render("  · no pairs")
		if m.drill != nil {
			legend = st.Allow.Render(st.Glyphs.Allow+" allowed") + "  " + st.Deny.Render(st.Glyphs.Deny+" denied") + "  " +
				st.Unknown.Render(st.Glyphs.Unknown+" unknown") + st.Muted.Render("  - itself · columns are numbered in row order · esc: namespaces")
		}
		if m.common.Snap.WhatIf != nil {
			legend = st.Muted.Render("what-if, any port: ") + st.Allow.Render("+ added") + " " + st.Deny.Render("− removed") + " " +
				st.Warning.Render("~ changed") + " " + st.Muted.Render("= unchanged") + st.Muted.Render(" · ") + legend
		}
		body = m.grid.View() + "\n\n" + common.Fit(m.detail(), w-2) + "\n" + common.Fit(legend, w-2)
	}
	return st.Box(title, body, w, h, true)
}

// Selection is the source of the cursor cell: a pod when drilled down,
// else its namespace.
func (m Model) Selection() (common.Selection, bool) {
	if m.ans == nil || len(m.rows) == 0 {
		return common.Selection{}, false
	}
	r, _ := m.grid.Cursor()
	if m.drill == nil {
		ns := m.ans.Namespaces[m.rows[r]]
		return common.Selection{Key: "namespace/" + ns, Name: ns}, true
	}
	g := m.common.Snap.Graph
	n := g.PeerNode(m.rows[r])
	return common.Selection{Key: n.Key(), Name: n.Ref(), TraceRef: g.TraceRef(n)}, true
}

// ExportTarget is the namespace of the cursor row.
func (m Model) ExportTarget() common.ExportTarget {
	sel, ok := m.Selection()
	if !ok {
		return common.ExportTarget{Name: "all"}
	}
	ns := strings.TrimPrefix(sel.Key, "namespace/")
	if n := m.common.Snap.Graph.Node(sel.Key); n != nil {
		ns = n.Namespace
	}
	return common.ExportTarget{Namespace: ns, Name: ns}
}

// ShortHelp implements help.KeyMap.
func (m Model) ShortHelp() []key.Binding { return m.KeyMap.ShortHelp() }

// FullHelp implements help.KeyMap.
func (m Model) FullHelp() [][]key.Binding { return m.KeyMap.FullHelp() }
