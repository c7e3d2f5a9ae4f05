// Package policy is the policy view: one NetworkPolicy in plain words —
// whom it selects, what it allows in and out — and the pods it selects
// right now.
package policy

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/netviz/netviz/graph"
	gpolicy "github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/ui/common"
	"github.com/netviz/netviz/ui/components/list"
)

// KeyMap holds the policy view's keys.
type KeyMap struct {
	Open key.Binding
	List list.KeyMap
}

// DefaultKeyMap returns the policy view's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Open: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open pod")),
		List: list.DefaultKeyMap(),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Open, k.List.Down, k.List.Up} }

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return append([][]key.Binding{{k.Open}}, k.List.FullHelp()...)
}

// Model is the policy view.
type Model struct {
	// KeyMap is the policy view's keys.
	KeyMap KeyMap

	common common.Common
	id     string
	desc   gpolicy.PolicyDescription
	found  bool
	list   list.Model
}

// New returns an empty policy view.
func New(c common.Common) Model {
	m := Model{KeyMap: DefaultKeyMap()}
	m.list = list.New(c, nil)
	m.SetCommon(c)
	return m
}

// SetCommon takes new styles, size or snapshot; a new snapshot describes
// the policy again.
func (m *Model) SetCommon(c common.Common) {
	snapChanged := c.Snap != m.common.Snap
	m.common = c
	st := c.Styles
	m.list.SetCommon(c)
	m.list.SetRender(func(it list.Item, w int) string { return it.(*row).render(st, w) })
	if snapChanged && m.id != "" {
		m.describe()
	}
	m.SetSize(c.Width, c.Height)
}

// SetSize sets the view's size; text is wrapped again.
func (m *Model) SetSize(w, h int) {
	resized := w != m.list.Width()+2
	m.common.Width, m.common.Height = w, h
	m.list.SetSize(w-2, h-2)
	if resized && m.id != "" {
		m.rebuild()
	}
}

// Show describes the policy with ID "ns/name".
func (m *Model) Show(id string) bool {
	m.id = id
	m.describe()
	m.rebuild()
	m.list.GotoTop()
	return m.found
}

// ID returns the policy shown.
func (m Model) ID() string { return m.id }

func (m *Model) describe() {
	if m.common.Snap == nil {
		return
	}
	m.desc, m.found = m.common.Snap.Graph.Model.Describe(m.id)
	m.rebuild()
}

// rebuild lays the description out as rows wrapped to the width.
func (m *Model) rebuild() {
	if !m.found {
		m.list.SetItems(nil)
		return
	}
	w := m.list.Width() - 2
	d := m.desc
	var items []list.Item
	n := 0
	text := func(s, style string) {
		for _, l := range common.Wrap(s, w, "    ") {
			n++
			items = append(items, &row{key: fmt.Sprintf("text/%d", n), text: true, name: "  " + l, style: style})
		}
	}
	head := func(s string) { items = append(items, &row{key: "header/" + s, header: true, name: s}) }
	head("WHOM IT SELECTS")
	text(d.Selects, "")
	text("isolates: "+strings.Join(d.Types, " and "), "muted")
	head("WHAT IT ALLOWS IN (ingress)")
	if len(d.Ingress) == 0 {
		text("does not isolate ingress: it changes nothing for incoming traffic", "muted")
	}
	for _, r := range d.Ingress {
		text(r, "")
	}
	head("WHAT IT ALLOWS OUT (egress)")
	if len(d.Egress) == 0 {
		text("does not isolate egress: it changes nothing for outgoing traffic", "muted")
	}
	for _, r := range d.Egress {
		text(r, "")
	}
	head(fmt.Sprintf("PODS IT SELECTS NOW (%d)", len(d.Peers)))
	if len(d.Peers) == 0 {
		text("⚠ "+graph.CueSelectsNothing, "warning")
	}
	g := m.common.Snap.Graph
	for _, p := range d.Peers {
		key := "pod/" + p
		kind := graph.KindPod
		if g.Node(key) == nil {
			key, kind = "workload/"+p, graph.KindWorkload
		}
		var lbls map[string]string
		if i, ok := g.Model.PeerIndex(p); ok {
			lbls = g.Model.Peers[i].Labels
		}
		items = append(items, &row{key: key, kind: kind, name: p, labels: lbls})
	}
	m.list.SetItems(items)
}

// SetFilter filters the pods.
func (m *Model) SetFilter(f common.Filter) { m.list.SetFilter(f) }

// Filter returns the filter in use.
func (m Model) Filter() common.Filter { return m.list.Filter() }

// Update handles the view's keys.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, m.KeyMap.Open) {
		if it, ok := m.list.Selected(); ok && !it.(*row).text {
			key := it.Key()
			return m, func() tea.Msg { return common.OpenMsg{Key: key} }
		}
		return m, nil
	}
	var cmd tea.Cmd
	m.list, cmd = m.list.Update(msg)
	return m, cmd
}

// View draws the description.
func (m Model) View() string {
	st := m.common.Styles
	w, h := m.common.Width, m.common.Height
	switch {
	case m.id == "":
		return st.Box("Policy", "\n  Pick a NetworkPolicy in the browser (1) and press enter.", w, h, true)
	case !m.found:
		return st.Box("Policy", "\n  "+st.Warning.Render("NetworkPolicy "+m.id+" is not in the cluster any more."), w, h, true)
	}
	title := st.Glyphs.Policy + " NetworkPolicy " + m.id
	return st.Box(title, m.list.View(), w, h, true)
}

// Selection is the selected pod, else the policy.
func (m Model) Selection() (common.Selection, bool) {
	if it, ok := m.list.Selected(); ok && !it.(*row).text {
		r := it.(*row)
		g := m.common.Snap.Graph
		return common.Selection{Key: r.key, Name: r.name, TraceRef: g.TraceRef(g.Node(r.key))}, true
	}
	if m.id == "" {
		return common.Selection{}, false
	}
	return common.Selection{Key: "policy/" + m.id, Name: m.id}, true
}

// ExportTarget is the policy's namespace.
func (m Model) ExportTarget() common.ExportTarget {
	ns, _, _ := strings.Cut(m.id, "/")
	if ns == "" {
		return common.ExportTarget{Name: "all"}
	}
	return common.ExportTarget{Namespace: ns, Name: ns}
}

// ShortHelp implements help.KeyMap.
func (m Model) ShortHelp() []key.Binding { return m.KeyMap.ShortHelp() }

// FullHelp implements help.KeyMap.
func (m Model) FullHelp() [][]key.Binding { return m.KeyMap.FullHelp() }

// row is a heading, a line of text or a selected pod.
type row struct {
	key    string
	header bool
	text   bool
	style  string
	kind   graph.Kind
	name   string
	labels map[string]string
}

func (r *row) Key() string               { return r.key }
func (r *row) FilterValue() string       { return r.name }
func (r *row) Labels() map[string]string { return r.labels }

// Header reports headings.
func (r *row) Header() bool { return r.header }

func (r *row) render(st *common.Styles, w int) string {
	switch {
	case r.header:
		return st.Title.Render(r.name)
	case r.text && r.style == "muted":
		return st.Muted.Render(r.name)
	case r.text && r.style == "warning":
		return st.Warning.Render(r.name)
	case r.text:
		return st.Text.Render(r.name)
	}
	return "  " + st.KindMark(r.kind) + " " + st.Text.Render(r.name)
}
