// Package insights is the insights view: what `netviz lint` finds in the
// snapshot (a Service that selects nothing, a route an Ingress cannot
// reach, names that will not resolve, …), each finding with its rule,
// severity, message, why it matters and how to fix it.
package insights

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/ui/common"
	"github.com/netviz/netviz/ui/components/list"
)

// KeyMap holds the insights view's keys.
type KeyMap struct {
	Open key.Binding
	List list.KeyMap
}

// DefaultKeyMap returns the insights view's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Open: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open object")),
		List: list.DefaultKeyMap(),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Open, k.List.Down, k.List.Up} }

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return append([][]key.Binding{{k.Open}}, k.List.FullHelp()...)
}

// Model is the insights view.
type Model struct {
	// KeyMap is the insights view's keys.
	KeyMap KeyMap

	common common.Common
	list   list.Model
}

// New returns the insights view.
func New(c common.Common) Model {
	m := Model{KeyMap: DefaultKeyMap()}
	m.list = list.New(c, nil)
	m.list.EmptyText = "no findings: netviz lint has nothing to say about this snapshot"
	m.SetCommon(c)
	return m
}

// SetCommon takes new styles, size or snapshot; a new snapshot lists its
// findings, keeping the selected one when it is still there.
func (m *Model) SetCommon(c common.Common) {
	snapChanged := c.Snap != m.common.Snap
	m.common = c
	st := c.Styles
	m.list.SetCommon(c)
	m.list.SetRender(func(it list.Item, w int) string { return it.(*row).render(st, w) })
	if snapChanged && c.Snap != nil {
		var before string
		if it, ok := m.list.Selected(); ok {
			before = it.Key()
		}
		m.list.SetItems(items(c.Snap.Findings))
		if before == "" || !m.list.Select(before) {
			m.list.GotoTop()
		}
	}
	m.SetSize(c.Width, c.Height)
}

// items lists the findings, errors first as graph.Lint sorts them.
func items(fs []graph.Finding) []list.Item {
	out := make([]list.Item, len(fs))
	for i := range fs {
		f := &fs[i]
		out[i] = &row{key: f.ID + "/" + strings.Join(f.Objects, ","), f: f}
	}
	return out
}

// SetSize sets the view's size: the list on top, the selected finding's
// details below.
func (m *Model) SetSize(w, h int) {
	m.common.Width, m.common.Height = w, h
	m.list.SetSize(w-2, max(h-2-m.detailHeight(), 1))
}

// detailHeight is the room the details of the selected finding take.
func (m Model) detailHeight() int {
	return max(min(m.common.Height/2, 14), 6)
}

// SetFilter filters the findings.
func (m *Model) SetFilter(f common.Filter) { m.list.SetFilter(f) }

// Filter returns the filter.
func (m Model) Filter() common.Filter { return m.list.Filter() }

// Finding returns the selected finding.
func (m Model) Finding() (*graph.Finding, bool) {
	it, ok := m.list.Selected()
	if !ok {
		return nil, false
	}
	return it.(*row).f, true
}

// Update handles the view's keys: enter opens the finding's first object
// the UI can show.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, m.KeyMap.Open) {
		f, ok := m.Finding()
		if !ok {
			return m, nil
		}
		for _, obj := range f.Objects {
			if k := m.common.Snap.Graph.ObjectKey(obj); k != "" && !strings.HasPrefix(k, "namespace/") {
				return m, func() tea.Msg { return common.OpenMsg{Key: k} }
			}
		}
		text := "nothing to open for " + f.ID + ": " + strings.Join(f.Objects, ", ") + " has no view"
		return m, func() tea.Msg { return common.StatusMsg{Text: text, Err: true} }
	}
	var cmd tea.Cmd
	m.list, cmd = m.list.Update(msg)
	return m, cmd
}

// View draws the list and the selected finding's details.
func (m Model) View() string {
	st := m.common.Styles
	w, h := m.common.Width, m.common.Height
	title := "Insights"
	if snap := m.common.Snap; snap != nil {
		title += fmt.Sprintf(" · %d findings · %s %d errors · %s %d warnings", len(snap.Findings), st.Glyphs.Deny, snap.Errors, "⚠", snap.Warnings)
	}
	if f := m.list.Filter(); !f.Empty() {
		title += " · /" + f.String()
	}
	body := m.list.View()
	if f, ok := m.Finding(); ok {
		body += "\n" + strings.Join(m.details(f, w-4), "\n")
	}
	return st.Box(title, body, w, h, true)
}

// details lays out one finding: its objects, message, why and fix.
func (m Model) details(f *graph.Finding, w int) []string {
	st := m.common.Styles
	lines := []string{st.Border.Render(strings.Repeat("─", max(w+2, 1)))}
	lines = append(lines, SeverityMark(st, f.Severity)+" "+st.Title.Render(f.ID+" "+f.Rule)+st.Muted.Render(" · "+strings.Join(f.Objects, ", ")))
	field := func(label, text string, style func(...string) string) {
		for i, l := range common.Wrap(text, w-5, "     ") {
			if i == 0 {
				l = st.Key.Render(label) + " " + l
			}
			lines = append(lines, style(l))
		}
	}
	field("what", f.Message, st.Text.Render)
	field("why ", f.Why, st.Muted.Render)
	field("fix ", f.Fix, st.Text.Render)
	if room := m.detailHeight(); len(lines) > room {
		lines = append(lines[:room-1], st.Muted.Render("… (enlarge the window to read the rest)"))
	}
	return lines
}

// SeverityMark renders a severity as its glyph and its word, never by
// colour alone: "✗ error", "⚠ warning", "○ info".
func SeverityMark(st *common.Styles, s graph.Severity) string {
	switch s {
	case graph.SeverityError:
		return st.Error.Render(st.Glyphs.Deny + " error  ")
	case graph.SeverityWarning:
		return st.Warning.Render("⚠ warning")
	}
	return st.Muted.Render("○ info   ")
}

// Selection is the finding's first object the UI can show.
func (m Model) Selection() (common.Selection, bool) {
	f, ok := m.Finding()
	if !ok || m.common.Snap == nil {
		return common.Selection{}, false
	}
	g := m.common.Snap.Graph
	for _, obj := range f.Objects {
		k := g.ObjectKey(obj)
		if n := g.Node(k); n != nil {
			return common.Selection{Key: k, Name: n.Ref(), TraceRef: g.TraceRef(n)}, true
		}
	}
	return common.Selection{}, false
}

// ExportTarget is everything: findings have no DOT of their own.
func (m Model) ExportTarget() common.ExportTarget { return common.ExportTarget{Name: "all"} }

// ShortHelp implements help.KeyMap.
func (m Model) ShortHelp() []key.Binding { return m.KeyMap.ShortHelp() }

// FullHelp implements help.KeyMap.
func (m Model) FullHelp() [][]key.Binding { return m.KeyMap.FullHelp() }

// row is one finding.
type row struct {
	key string
	f   *graph.Finding
}

func (r *row) Key() string { return r.key }
func (r *row) FilterValue() string {
	return r.f.ID + " " + r.f.Rule + " " + string(r.f.Severity) + " " + strings.Join(r.f.Objects, " ") + " " + r.f.Message
}
func (r *row) Labels() map[string]string { return nil }
func (r *row) Header() bool              { return false }

func (r *row) render(st *common.Styles, w int) string {
	head := SeverityMark(st, r.f.Severity) + " " + st.Title.Render(r.f.ID) + " "
	return head + st.Text.Render(common.Fit(r.f.Message, max(w-16, 8)))
}
