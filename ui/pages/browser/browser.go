// Package browser is the first view of the TUI: namespaces on the left,
// and on the right the selected namespace's Ingresses, Services, pods and
// workloads, and NetworkPolicies, with counts and health cues.
package browser

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/kube"
	"github.com/netviz/netviz/ui/common"
	"github.com/netviz/netviz/ui/components/list"
)

// AllNamespaces is the namespace row that lists every namespace at once.
const AllNamespaces = "(all)"

// KeyMap holds the browser's keys.
type KeyMap struct {
	Open  key.Binding
	Left  key.Binding
	Right key.Binding
	List  list.KeyMap
}

// DefaultKeyMap returns the browser's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Open:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Left:  key.NewBinding(key.WithKeys("h", "left", "shift+tab"), key.WithHelp("h/←", "namespaces")),
		Right: key.NewBinding(key.WithKeys("l", "right", "tab"), key.WithHelp("l/→/tab", "objects")),
		List:  list.DefaultKeyMap(),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Right, k.List.Down, k.List.Up}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return append([][]key.Binding{{k.Open, k.Left, k.Right}}, k.List.FullHelp()...)
}

// Model is the browser.
type Model struct {
	// KeyMap is the browser's keys.
	KeyMap KeyMap

	common  common.Common
	ns      list.Model
	objs    list.Model
	right   bool // the objects pane has focus
	shownNS string
	cache   map[string][]list.Item
}

// New returns the browser.
func New(c common.Common) Model {
	m := Model{KeyMap: DefaultKeyMap(), cache: map[string][]list.Item{}}
	m.ns = list.New(c, nil)
	m.objs = list.New(c, nil)
	m.ns.EmptyText = "no namespaces"
	m.objs.EmptyText = "nothing here"
	m.objs.Blur()
	m.SetCommon(c)
	return m
}

// SetCommon takes new styles, size or snapshot. A new snapshot rebuilds
// the lists and keeps the selected namespace and object selected.
func (m *Model) SetCommon(c common.Common) {
	snapChanged := c.Snap != m.common.Snap
	m.common = c
	st := c.Styles
	render := func(it list.Item, w int) string { return it.(*row).render(st, w) }
	m.ns.SetCommon(c)
	m.objs.SetCommon(c)
	m.ns.SetRender(render)
	m.objs.SetRender(render)
	m.SetSize(c.Width, c.Height)
	if snapChanged {
		m.cache = map[string][]list.Item{}
		m.shownNS = ""
		m.ns.SetItems(m.namespaceItems())
		m.syncObjects()
	}
}

// SetSize lays the two panes out.
func (m *Model) SetSize(w, h int) {
	m.common.Width, m.common.Height = w, h
	lw := m.leftWidth()
	m.ns.SetSize(lw-2, h-2)
	m.objs.SetSize(w-lw-2, h-2)
}

func (m Model) leftWidth() int {
	return max(min(m.common.Width/4, 34), 22)
}

// namespaceItems lists the namespaces, "(all)" first.
func (m Model) namespaceItems() []list.Item {
	snap := m.common.Snap
	if snap == nil {
		return nil
	}
	inv := snap.Inventory
	total := inv.Ingresses + inv.Services + inv.Pods + inv.Workloads + inv.Policies
	items := []list.Item{&row{key: "namespace/" + AllNamespaces, kind: "namespace", name: AllNamespaces, filter: AllNamespaces,
		detail: strconv.Itoa(total), cues: inv.Cues}}
	for i := range inv.Namespaces {
		ns := &inv.Namespaces[i]
		n := len(ns.Ingresses) + len(ns.Services) + len(ns.Peers) + len(ns.Policies)
		items = append(items, &row{key: "namespace/" + ns.Name, kind: "namespace", name: ns.Name, copy: ns.Name, filter: ns.Name,
			labels: ns.Labels, detail: strconv.Itoa(n), cues: ns.Cues})
	}
	return items
}

// selectedNamespace returns the namespace under the left cursor.
func (m Model) selectedNamespace() string {
	if it, ok := m.ns.Selected(); ok {
		return it.(*row).name
	}
	return ""
}

// syncObjects shows the objects of the selected namespace.
func (m *Model) syncObjects() {
	ns := m.selectedNamespace()
	if ns == m.shownNS && m.objs.Items() != nil {
		return
	}
	m.shownNS = ns
	items, ok := m.cache[ns]
	if !ok {
		items = m.objectItems(ns)
		m.cache[ns] = items
	}
	var before string
	if it, ok := m.objs.Selected(); ok {
		before = it.Key()
	}
	m.objs.SetItems(items)
	if it, ok := m.objs.Selected(); !ok || it.Key() != before {
		m.objs.GotoTop()
	}
}

// objectItems lists one namespace's objects (every namespace's for
// AllNamespaces) in four sections. Rows keep a pointer to what the
// inventory says and work out their details only when drawn, so that a
// list of every object of a big cluster is cheap to build.
func (m Model) objectItems(ns string) []list.Item {
	snap := m.common.Snap
	if snap == nil || ns == "" {
		return nil
	}
	all := ns == AllNamespaces
	var nss []*graph.NamespaceInventory
	n := 0
	for i := range snap.Inventory.Namespaces {
		if ni := &snap.Inventory.Namespaces[i]; all || ni.Name == ns {
			nss = append(nss, ni)
			n += len(ni.Ingresses) + len(ni.Services) + len(ni.Peers) + len(ni.Policies)
		}
	}
	rows := make([]row, 0, n)
	var ing, svc, peers, pols []*row
	wi := snap.WhatIf
	add := func(r row) *row {
		r.overlay = wi != nil
		r.change = wi.Op(r.key)
		rows = append(rows, r)
		return &rows[len(rows)-1]
	}
	for _, ni := range nss {
		for i := range ni.Ingresses {
			x := &ni.Ingresses[i]
			ing = append(ing, add(row{key: x.Node.Key(), kind: graph.KindIngress, node: x.Node, all: all, ingress: x, filter: x.Node.Ref(), labels: x.Node.Ingress.Labels, cue: x.Cue}))
		}
		for i := range ni.Services {
			x := &ni.Services[i]
			var lbls map[string]string
			if x.Node.Service != nil {
				lbls = x.Node.Service.Labels
			}
			svc = append(svc, add(row{key: x.Node.Key(), kind: graph.KindService, node: x.Node, all: all, service: x, filter: x.Node.Ref(), labels: lbls, cue: x.Cue}))
		}
		for i := range ni.Peers {
			x := &ni.Peers[i]
			peers = append(peers, add(row{key: x.Node.Key(), kind: x.Node.Kind, node: x.Node, all: all, peer: x, filter: x.Node.Ref(),
				labels: snap.Graph.Model.Peers[x.Node.Peer].Labels, cue: x.Cue, mesh: snap.Graph.Mesh(x.Node.Peer)}))
		}
		for i := range ni.Policies {
			x := &ni.Policies[i]
			name := x.Name
			if all {
				name = x.ID
			}
			pols = append(pols, add(row{key: "policy/" + x.ID, kind: "policy", name: name, copy: x.ID, policy: x, filter: x.ID, labels: x.Labels, cue: x.Cue}))
		}
	}
	items := make([]list.Item, 0, n+4)
	section := func(title string, rs []*row) {
		items = append(items, &row{key: "header/" + title, header: true, name: title + " (" + strconv.Itoa(len(rs)) + ")"})
		for _, r := range rs {
			items = append(items, r)
		}
	}
	section("INGRESSES", ing)
	section("SERVICES", svc)
	section("PODS & WORKLOADS", peers)
	section("NETWORKPOLICIES", pols)
	if wi != nil {
		var gone []*row
		for _, ch := range wi.Changes {
			if ch.Op != kube.ChangeRemoved || !all && ch.Namespace != ns {
				continue
			}
			ref := ch.Name
			if ch.Namespace != "" {
				ref = ch.Namespace + "/" + ch.Name
			}
			gone = append(gone, &row{key: "removed/" + ch.Kind + "/" + ref, kind: "removed", name: ch.Kind + " " + ref,
				filter: ref, change: kube.ChangeRemoved, overlay: true, detail: "taken out by the what-if overlay"})
		}
		if len(gone) > 0 {
			section("REMOVED BY THE WHAT-IF", gone)
		}
	}
	return items
}

func trimNS(refs []string, keep bool) []string {
	if keep {
		return refs
	}
	out := make([]string, len(refs))
	for i, r := range refs {
		_, out[i], _ = strings.Cut(r, "/")
	}
	sort.Strings(out)
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// SelectNamespace moves the left cursor to a namespace (":ns NAME").
func (m *Model) SelectNamespace(name string) bool {
	if name == "" || name == "all" {
		name = AllNamespaces
	}
	if !m.ns.Select("namespace/" + name) {
		return false
	}
	m.syncObjects()
	return true
}

// Namespace returns the namespace shown, "" for every namespace.
func (m Model) Namespace() string {
	if ns := m.selectedNamespace(); ns != AllNamespaces {
		return ns
	}
	return ""
}

// SelectKey selects an object by key, switching namespace if needed.
func (m *Model) SelectKey(key string) bool {
	if m.objs.Select(key) {
		return true
	}
	parts := strings.Split(key, "/")
	if len(parts) >= 3 && m.SelectNamespace(parts[1]) {
		m.ns.SetFilter(common.Filter{})
		return m.objs.Select(key)
	}
	return false
}

// SetFilter filters the pane that has focus.
func (m *Model) SetFilter(f common.Filter) {
	if m.right {
		m.objs.SetFilter(f)
		return
	}
	m.ns.SetFilter(f)
	m.syncObjects()
}

// Filter returns the filter of the pane that has focus.
func (m Model) Filter() common.Filter {
	if m.right {
		return m.objs.Filter()
	}
	return m.ns.Filter()
}

func (m *Model) focusRight(right bool) {
	m.right = right
	if right {
		m.ns.Blur()
		m.objs.Focus()
	} else {
		m.objs.Blur()
		m.ns.Focus()
	}
}

// Update handles the browser's keys.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.KeyMap.Open):
			if !m.right {
				m.focusRight(true)
				return m, nil
			}
			if it, ok := m.objs.Selected(); ok {
				return m, openCmd(it.(*row).key)
			}
			return m, nil
		case key.Matches(msg, m.KeyMap.Right):
			m.focusRight(true)
			return m, nil
		case key.Matches(msg, m.KeyMap.Left):
			m.focusRight(false)
			return m, nil
		}
	}
	var cmd tea.Cmd
	if m.right {
		m.objs, cmd = m.objs.Update(msg)
	} else {
		m.ns, cmd = m.ns.Update(msg)
		m.syncObjects()
	}
	return m, cmd
}

func openCmd(key string) tea.Cmd {
	return func() tea.Msg { return common.OpenMsg{Key: key} }
}

// Click selects the row under the mouse (x, y relative to the view).
func (m *Model) Click(x, y int) {
	if x < m.leftWidth() {
		m.focusRight(false)
		if m.ns.Click(y - 1) {
			m.syncObjects()
		}
		return
	}
	m.focusRight(true)
	m.objs.Click(y - 1)
}

// View draws the two panes.
func (m Model) View() string {
	st := m.common.Styles
	w, h := m.common.Width, m.common.Height
	lw := m.leftWidth()
	pos, total := m.ns.Position()
	lt := fmt.Sprintf("Namespaces %d/%d", pos, total)
	if f := m.ns.Filter(); !f.Empty() {
		lt += " /" + f.String()
	}
	left := st.Box(lt, m.ns.View(), lw, h, !m.right)
	title := "Objects"
	if ns := m.selectedNamespace(); ns != "" {
		title = ns
		if ns == AllNamespaces {
			title = "all namespaces"
		}
		if snap := m.common.Snap; snap != nil {
			title += " · " + m.counts(ns)
		}
	}
	if f := m.objs.Filter(); !f.Empty() {
		title += " · /" + f.String()
	}
	right := st.Box(title, m.objs.View(), w-lw, h, m.right)
	return joinColumns(left, right)
}

// counts summarises a namespace for the pane title.
func (m Model) counts(ns string) string {
	var ing, svc, peers, pols int
	for _, ni := range m.common.Snap.Inventory.Namespaces {
		if ns == AllNamespaces || ni.Name == ns {
			ing += len(ni.Ingresses)
			svc += len(ni.Services)
			peers += len(ni.Peers)
			pols += len(ni.Policies)
		}
	}
	return fmt.Sprintf("%d ing · %d svc · %d pods · %d pol", ing, svc, peers, pols)
}

// joinColumns puts two blocks of equal height side by side.
func joinColumns(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	var sb strings.Builder
	for i := range la {
		if i > 0 {
			sb.WriteByte('\n')
		}
		sb.WriteString(la[i])
		if i < len(lb) {
			sb.WriteString(lb[i])
		}
	}
	return sb.String()
}

// Selection returns the object under the cursor of the focused pane.
func (m Model) Selection() (common.Selection, bool) {
	l := m.ns
	if m.right {
		l = m.objs
	}
	it, ok := l.Selected()
	if !ok {
		return common.Selection{}, false
	}
	return it.(*row).selection(m.common.Snap.Graph), true
}

// ExportTarget is the namespace shown, or everything.
func (m Model) ExportTarget() common.ExportTarget {
	ns := m.Namespace()
	if ns == "" {
		return common.ExportTarget{Name: "all"}
	}
	return common.ExportTarget{Namespace: ns, Name: ns}
}

// ShortHelp implements help.KeyMap.
func (m Model) ShortHelp() []key.Binding { return m.KeyMap.ShortHelp() }

// FullHelp implements help.KeyMap.
func (m Model) FullHelp() [][]key.Binding { return m.KeyMap.FullHelp() }

// row is one line of either pane.
type row struct {
	key    string
	header bool
	kind   graph.Kind // a node kind, "policy" or "namespace"
	name   string
	copy   string
	filter string
	labels map[string]string
	detail string
	cue    string
	cues   int
	// Object rows point into the inventory; their name and details are
	// worked out when drawn.
	node    *graph.Node
	all     bool // show namespace/name
	ingress *graph.IngressInfo
	service *graph.ServiceInfo
	peer    *graph.PeerInfo
	policy  *graph.PolicyInfo
	// mesh is the service mesh a pod or workload is in, or "".
	mesh string
	// change is what a what-if overlay did to the object: "added",
	// "replaced", "removed", or "".
	change string
	// overlay is set when a what-if overlay is active, so that rows
	// keep a column for the change mark.
	overlay bool
}

func (r *row) Key() string               { return r.key }
func (r *row) FilterValue() string       { return r.filter }
func (r *row) Labels() map[string]string { return r.labels }
func (r *row) Header() bool              { return r.header }

// title is the name shown: namespace/name when every namespace is listed.
func (r *row) title() string {
	if r.node == nil {
		return r.name
	}
	if r.all {
		return r.node.Ref()
	}
	return r.node.Name
}

// selection is what s, d and c act on.
func (r *row) selection(g *graph.Graph) common.Selection {
	sel := common.Selection{Key: r.key, Name: r.copy}
	if r.node != nil {
		sel.Name = r.node.Ref()
		if r.node.Kind == graph.KindService || r.node.Kind == graph.KindIngress {
			sel.Name = r.node.Key()
		}
		sel.TraceRef = g.TraceRef(r.node)
	}
	return sel
}

// details says more about the object, in the muted column.
func (r *row) details() string {
	switch {
	case r.ingress != nil:
		return strings.Join(r.ingress.Hosts, ", ") + " · " + plural(r.ingress.Routes, "route")
	case r.service != nil:
		x := r.service
		d := x.Type
		if x.Ports != "" {
			d += " " + x.Ports
		}
		if x.Node.Service != nil && x.Node.Service.Spec.Type != "ExternalName" {
			d += fmt.Sprintf(" · %d/%d ready", x.Ready, x.Backends)
		}
		return d
	case r.peer != nil:
		x := r.peer
		var parts []string
		if r.mesh != "" {
			parts = append(parts, "⬡ "+r.mesh)
		}
		if x.Node.Kind == graph.KindWorkload {
			parts = append(parts, x.Node.WorkloadKind)
		}
		if len(x.Services) > 0 {
			parts = append(parts, "svc "+strings.Join(trimNS(x.Services, r.all), ","))
		}
		if len(x.Ingress)+len(x.Egress) > 0 {
			parts = append(parts, fmt.Sprintf("§ in %d · eg %d", len(x.Ingress), len(x.Egress)))
		}

		return strings.Join(parts, " · ")
	case r.policy != nil:
		return strings.Join(r.policy.Types, ",") + " · selects " + strconv.Itoa(r.policy.Selected)
	}
	return r.detail
}

func (r *row) render(st *common.Styles, w int) string {
	if r.header {
		return st.Title.Render(r.name)
	}
	var mark string
	switch r.kind {
	case "removed":
		return st.ChangeMark(r.change) + " " + st.Muted.Render(common.Fit(r.name, max(min(w*2/5, 44), 12))+" "+r.detail)
	case "policy":
		mark = st.Policy.Render(st.Glyphs.Policy)
	case "namespace":
		mark = st.Namespace.Render(st.Glyphs.Namespace)
		line := mark + " " + common.Fit(r.name, max(w-10, 4)) + " " + st.Muted.Render(fmt.Sprintf("%3s", r.detail))
		if r.cues > 0 {
			line += " " + st.Warning.Render("⚠"+strconv.Itoa(r.cues))
		}
		return line
	default:
		mark = st.KindMark(r.kind)
	}
	nameW := max(min(w*2/5, 44), 12)
	if r.overlay {
		mark = st.ChangeMark(r.change) + " " + mark
		nameW -= 2
	}
	line := mark + " " + st.Text.Render(common.Fit(r.title(), nameW))
	rest := w - nameW - 3
	if r.cue != "" {
		cue := st.Warning.Render("⚠ " + r.cue)
		if rest >= 60 {
			return line + " " + st.Muted.Render(common.Fit(r.details(), rest-len(r.cue)-4)) + " " + cue
		}
		return line + " " + cue
	}
	return line + " " + st.Muted.Render(r.details())
}
