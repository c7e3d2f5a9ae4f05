// Package neighbourhood is the graph view of one object, laid out left to
// right: what sends to it, the object, and where it sends. For a pod or
// workload the sides also say who may reach it and whom it may reach, per
// port, with NetworkPolicy's verdict. Enter follows an edge; a history
// lets the user go back and forward like a browser.
package neighbourhood

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/ui/common"
	"github.com/netviz/netviz/ui/components/list"
)

// groupAbove is the number of pods behind one Service above which they
// are grouped rather than listed one by one.
const groupAbove = 12

// expandUpTo is the size up to which an allowed reach group starts open.
const expandUpTo = 8

// NeighbourhoodMsg carries a neighbourhood computed off the UI loop.
type NeighbourhoodMsg struct {
	Snap *common.Snapshot
	Key  string
	N    *graph.Neighbourhood
	Err  error
}

// neighbourhoodCmd asks the graph for a node's neighbourhood.
func neighbourhoodCmd(snap *common.Snapshot, key string) tea.Cmd {
	return func() tea.Msg {
		nb, err := snap.Graph.Neighbourhood(key)
		return NeighbourhoodMsg{Snap: snap, Key: key, N: nb, Err: err}
	}
}

// KeyMap holds the graph view's keys.
type KeyMap struct {
	Follow  key.Binding
	Back    key.Binding
	HistBk  key.Binding
	HistFwd key.Binding
	Left    key.Binding
	Right   key.Binding
	List    list.KeyMap
}

// DefaultKeyMap returns the graph view's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Follow:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "follow edge / open group")),
		Back:    key.NewBinding(key.WithKeys("esc", "backspace"), key.WithHelp("esc/⌫", "back")),
		HistBk:  key.NewBinding(key.WithKeys("["), key.WithHelp("[", "history back")),
		HistFwd: key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "history forward")),
		Left:    key.NewBinding(key.WithKeys("h", "left"), key.WithHelp("h/←", "incoming side")),
		Right:   key.NewBinding(key.WithKeys("l", "right"), key.WithHelp("l/→", "outgoing side")),
		List:    list.DefaultKeyMap(),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Follow, k.Back, k.HistBk, k.HistFwd, k.Left, k.Right}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return append([][]key.Binding{{k.Follow, k.Back, k.HistBk, k.HistFwd, k.Left, k.Right}}, k.List.FullHelp()...)
}

// Model is the graph view.
type Model struct {
	// KeyMap is the graph view's keys.
	KeyMap KeyMap

	common    common.Common
	key       string
	nb        *graph.Neighbourhood
	err       error
	left      list.Model
	right     list.Model
	onRight   bool
	back, fwd []string
	expanded  map[string]bool
}

// New returns the graph view, focused on nothing.
func New(c common.Common) Model {
	m := Model{KeyMap: DefaultKeyMap(), expanded: map[string]bool{}}
	m.left = list.New(c, nil)
	m.right = list.New(c, nil)
	m.right.Blur()
	m.SetCommon(c)
	return m
}

// SetCommon takes new styles, size or snapshot; on a new snapshot the
// focus object is looked up again by its key.
func (m *Model) SetCommon(c common.Common) tea.Cmd {
	snapChanged := c.Snap != m.common.Snap
	m.common = c
	st := c.Styles
	render := func(it list.Item, w int) string { return it.(*row).render(st, w) }
	m.left.SetCommon(c)
	m.right.SetCommon(c)
	m.left.SetRender(render)
	m.right.SetRender(render)
	m.SetSize(c.Width, c.Height)
	if snapChanged && m.key != "" {
		return m.load()
	}
	return nil
}

// layout returns the widths of the side boxes and of the middle card.
func (m Model) layout() (side, card int) {
	w := m.common.Width
	card = max(min(w/5, 30), 18)
	side = max((w-card-6)/2, 10)
	return side, card
}

// SetSize lays the view out.
func (m *Model) SetSize(w, h int) {
	m.common.Width, m.common.Height = w, h
	side, _ := m.layout()
	m.left.SetSize(side-2, h-2)
	m.right.SetSize(side-2, h-2)
}

// Key returns the focus object's key, "" when there is none.
func (m Model) Key() string { return m.key }

// Focus shows an object, pushing the current one on the history.
func (m *Model) Focus(key string) tea.Cmd {
	if key == m.key && m.key != "" {
		return nil
	}
	if m.key != "" {
		m.back = append(m.back, m.key)
	}
	m.fwd = nil
	return m.show(key)
}

func (m *Model) show(key string) tea.Cmd {
	m.key = key
	m.expanded = map[string]bool{}
	m.left.SetItems(nil)
	m.right.SetItems(nil)
	m.setSide(false)
	return m.load()
}

// load shows the cached neighbourhood or asks for it.
func (m *Model) load() tea.Cmd {
	snap := m.common.Snap
	if snap == nil || m.key == "" {
		return nil
	}
	if nb, ok := snap.Neighbourhood(m.key); ok {
		m.nb, m.err = nb, nil
		m.rebuild()
		return nil
	}
	m.nb, m.err = nil, nil
	return neighbourhoodCmd(snap, m.key)
}

// Back goes to the previous object; with none it tells the root.
func (m *Model) Back() tea.Cmd {
	if len(m.back) == 0 {
		return func() tea.Msg { return common.BackMsg{} }
	}
	prev := m.back[len(m.back)-1]
	m.back = m.back[:len(m.back)-1]
	m.fwd = append(m.fwd, m.key)
	return m.show(prev)
}

// Forward goes to the next object of the history.
func (m *Model) Forward() tea.Cmd {
	if len(m.fwd) == 0 {
		return nil
	}
	next := m.fwd[len(m.fwd)-1]
	m.fwd = m.fwd[:len(m.fwd)-1]
	m.back = append(m.back, m.key)
	return m.show(next)
}

// History returns how many objects lie behind and ahead.
func (m Model) History() (back, forward int) { return len(m.back), len(m.fwd) }

func (m *Model) setSide(right bool) {
	m.onRight = right
	if right {
		m.left.Blur()
		m.right.Focus()
	} else {
		m.right.Blur()
		m.left.Focus()
	}
}

// SetFilter filters the side that has focus.
func (m *Model) SetFilter(f common.Filter) {
	if m.onRight {
		m.right.SetFilter(f)
	} else {
		m.left.SetFilter(f)
	}
}

// Filter returns the filter of the side that has focus.
func (m Model) Filter() common.Filter {
	if m.onRight {
		return m.right.Filter()
	}
	return m.left.Filter()
}

// Update handles the view's keys and answers.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case NeighbourhoodMsg:
		if msg.Snap != nil && msg.Err == nil {
			msg.Snap.StoreNeighbourhood(msg.Key, msg.N)
		}
		if msg.Snap != m.common.Snap || msg.Key != m.key {
			return m, nil
		}
		m.nb, m.err = msg.N, msg.Err
		m.rebuild()
		if m.nb != nil && len(m.left.Items()) > 0 && countSelectable(m.left.Items()) == 0 && countSelectable(m.right.Items()) > 0 {
			m.setSide(true)
		}
		return m, nil
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.KeyMap.Follow):
			return m, m.follow()
		case key.Matches(msg, m.KeyMap.Back), key.Matches(msg, m.KeyMap.HistBk):
			return m, m.Back()
		case key.Matches(msg, m.KeyMap.HistFwd):
			return m, m.Forward()
		case key.Matches(msg, m.KeyMap.Left):
			m.setSide(false)
			return m, nil
		case key.Matches(msg, m.KeyMap.Right):
			m.setSide(true)
			return m, nil
		}
	}
	var cmd tea.Cmd
	if m.onRight {
		m.right, cmd = m.right.Update(msg)
	} else {
		m.left, cmd = m.left.Update(msg)
	}
	return m, cmd
}

func countSelectable(items []list.Item) int {
	n := 0
	for _, it := range items {
		if !it.Header() {
			n++
		}
	}
	return n
}

// follow opens the object at the other end of the selected edge, or
// opens or closes the selected group.
func (m *Model) follow() tea.Cmd {
	l := &m.left
	if m.onRight {
		l = &m.right
	}
	it, ok := l.Selected()
	if !ok {
		return nil
	}
	r := it.(*row)
	if r.group != "" {
		m.expanded[r.group] = !m.expanded[r.group]
		m.rebuild()
		return nil
	}
	if r.target == "" {
		return nil
	}
	if strings.HasPrefix(r.target, "policy/") {
		return func() tea.Msg { return common.OpenMsg{Key: r.target} }
	}
	return m.Focus(r.target)
}

// rebuild turns the neighbourhood into the rows of both sides.
func (m *Model) rebuild() {
	if m.nb == nil {
		m.left.SetItems(nil)
		m.right.SetItems(nil)
		return
	}
	var left, right []list.Item
	n := m.nb.Node
	g := m.common.Snap.Graph
	switch n.Kind {
	case graph.KindIngress:
		hosts := map[string]bool{}
		for _, e := range m.nb.Out {
			if e.Route != nil {
				h := e.Route.Host
				if h == "" {
					h = "any host"
				}
				hosts[h] = true
			}
		}
		left = append(left, header("FROM"))
		left = append(left, &row{key: "internet", kind: graph.KindExternal, name: "internet", label: "clients reach " + strings.Join(sortedKeys(hosts), ", ") + " through the ingress controller"})
		right = append(right, header(fmt.Sprintf("ROUTES (%d)", len(m.nb.Out))))
		right = append(right, m.edgeRows(m.nb.Out, false)...)
	case graph.KindService:
		left = append(left, header(fmt.Sprintf("INGRESS ROUTES (%d)", len(m.nb.In))))
		left = append(left, m.edgeRows(m.nb.In, true)...)
		ready := 0
		for _, e := range m.nb.Out {
			if e.Backend != nil && e.Backend.Ready {
				ready++
			}
		}
		title := fmt.Sprintf("BACKENDS (%d · %d ready)", len(m.nb.Out), ready)
		if n.Service != nil && n.Service.Spec.Type == "ExternalName" {
			title = "EXTERNAL NAME"
		}
		right = append(right, header(title))
		if len(m.nb.Out) > groupAbove {
			right = append(right, m.groupedBackends(m.nb.Out)...)
		} else {
			right = append(right, m.edgeRows(m.nb.Out, false)...)
		}
	case graph.KindPod, graph.KindWorkload:
		left = append(left, header(fmt.Sprintf("SERVICES (%d)", len(m.nb.In))))
		left = append(left, m.edgeRows(m.nb.In, true)...)
		left = append(left, header("WHO MAY REACH IT"))
		in := m.reachRows("in", g, m.nb.Reachers)
		m.markDiff(in, "in")
		left = append(left, in...)
		right = append(right, header("WHOM IT MAY REACH"))
		out := m.reachRows("out", g, m.nb.Reachable)
		m.markDiff(out, "out")
		right = append(right, out...)
	default:
		left = append(left, header(fmt.Sprintf("SERVICES (%d)", len(m.nb.In))))
		left = append(left, m.edgeRows(m.nb.In, true)...)
		right = append(right, header("OUTSIDE THE CLUSTER"))
	}
	m.left.SetItems(left)
	m.right.SetItems(right)
}

func header(title string) *row { return &row{key: "header/" + title, header: true, name: title} }

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// edgeRows lists edges by their far end: the source for incoming edges.
func (m Model) edgeRows(edges []*graph.ViewEdge, incoming bool) []list.Item {
	var out []list.Item
	for _, e := range edges {
		other := e.T
		if incoming {
			other = e.F
		}
		r := &row{key: "edge/" + e.F.Key() + ">" + e.T.Key() + ">" + e.Label, target: other.Key(), kind: other.Kind,
			name: m.rel(other), label: e.Label, filter: other.Ref() + " " + e.Label, labels: nodeLabels(other)}
		switch e.Kind {
		case graph.EdgeRoute, graph.EdgeBackend:
			r.verdict = "allowed"
			if e.Blocked {
				r.verdict = "denied"
				r.note = "blocked by " + strings.Join(e.BlockedBy, ", ")
			}
		}
		out = append(out, r)
	}
	return out
}

// groupedBackends folds many backends into groups of pods that share
// readiness, ports and verdict; open groups list their pods.
func (m Model) groupedBackends(edges []*graph.ViewEdge) []list.Item {
	type grp struct {
		id    string
		edges []*graph.ViewEdge
	}
	byID := map[string]*grp{}
	var order []*grp
	for _, e := range edges {
		id := fmt.Sprintf("backends/%s/%t/%s", e.Label, e.Blocked, strings.Join(e.BlockedBy, ","))
		gr := byID[id]
		if gr == nil {
			gr = &grp{id: id}
			byID[id] = gr
			order = append(order, gr)
		}
		gr.edges = append(gr.edges, e)
	}
	var out []list.Item
	for _, gr := range order {
		e := gr.edges[0]
		r := &row{key: gr.id, group: gr.id, kind: graph.KindPod, name: plural(len(gr.edges), "pod"), label: e.Label,
			filter: e.Label, open: m.expanded[gr.id], verdict: "allowed"}
		if e.Blocked {
			r.verdict, r.note = "denied", "blocked by "+strings.Join(e.BlockedBy, ", ")
		}
		out = append(out, r)
		if m.expanded[gr.id] {
			for _, mr := range m.edgeRows(gr.edges, false) {
				mr.(*row).indent = true
				out = append(out, mr)
			}
		}
	}
	return out
}

// reachRows lists reach groups; a group of one is shown as its pod, and
// small allowed groups start open.
func (m Model) reachRows(side string, g *graph.Graph, groups []graph.ReachGroup) []list.Item {
	var out []list.Item
	for _, rg := range groups {
		verdict := rg.Verdict.String()
		ports := portsText(rg)
		if len(rg.Peers) == 1 {
			out = append(out, m.peerRow(g, rg.Peers[0], verdict, ports, false))
			continue
		}
		id := fmt.Sprintf("%s/%s/%s/%s", side, rg.Namespace, verdict, ports)
		open, set := m.expanded[id]
		if !set {
			open = rg.Verdict == policy.Allowed && len(rg.Peers) <= expandUpTo
		}
		out = append(out, &row{key: id, group: id, kind: graph.KindPod, verdict: verdict,
			name: rg.Namespace + " · " + plural(len(rg.Peers), "pod"), label: ports, filter: rg.Namespace + " " + ports, open: open,
			diff: m.groupDiff(g, side, rg.Peers)})
		if open {
			for _, p := range rg.Peers {
				out = append(out, m.peerRow(g, p, verdict, "", true))
			}
		}
	}
	return out
}

func (m Model) peerRow(g *graph.Graph, p int, verdict, ports string, indent bool) *row {
	n := g.PeerNode(p)
	return &row{key: "peer/" + n.Key(), target: n.Key(), kind: n.Kind, verdict: verdict, name: m.rel(n), label: ports,
		filter: n.Ref(), labels: g.Model.Peers[p].Labels, indent: indent, mesh: g.Mesh(p)}
}

// groupDiff marks, under a what-if overlay, how the connections of a
// group of peers with the focus changed, all together; "" without one.
func (m Model) groupDiff(g *graph.Graph, side string, peers []int) string {
	wi := m.common.Snap.WhatIf
	if wi == nil || m.nb == nil {
		return ""
	}
	focus := m.nb.Node.Key()
	var dc common.DiffCounts
	for _, p := range peers {
		from, to := focus, g.PeerNode(p).Key()
		if side == "in" {
			from, to = to, from
		}
		if d, ok := wi.Diff.Pair(from, to); ok {
			switch d.Op {
			case graph.DiffAdded:
				dc.Added++
			case graph.DiffRemoved:
				dc.Removed++
			default:
				dc.Changed++
			}
		}
	}
	return dc.Glyph()
}

// markDiff marks, under a what-if overlay, how each peer row's
// connection with the focus changed; side "in" rows send to the focus.
func (m Model) markDiff(items []list.Item, side string) {
	wi := m.common.Snap.WhatIf
	if wi == nil || m.nb == nil {
		return
	}
	focus := m.nb.Node.Key()
	for _, it := range items {
		r := it.(*row)
		if !strings.HasPrefix(r.key, "peer/") {
			continue
		}
		from, to := focus, r.target
		if side == "in" {
			from, to = r.target, focus
		}
		r.diff = "="
		if p, ok := wi.Diff.Pair(from, to); ok {
			r.diff = common.DiffGlyph(p.Op)
		}
	}
}

// portsText says on which ports a group's verdict holds.
func portsText(rg graph.ReachGroup) string {
	switch rg.Verdict {
	case policy.Allowed:
		s := rg.Result.Allowed.String()
		if !rg.Result.Unknown.Empty() {
			s += " (unknown: " + rg.Result.Unknown.String() + ")"
		}
		return s
	case policy.Unknown:
		return "unknown: " + rg.Result.Unknown.String()
	}
	return "every port denied"
}

// rel names a node relative to the focus: without the namespace when it
// is the focus object's.
func (m Model) rel(n *graph.Node) string {
	if m.nb != nil && n.Namespace != "" && n.Namespace == m.nb.Node.Namespace {
		return n.Name
	}
	return n.Ref()
}

func nodeLabels(n *graph.Node) map[string]string {
	switch {
	case n.Pod != nil:
		return n.Pod.Labels
	case n.Work != nil:
		return n.Work.Template.Labels
	case n.Service != nil:
		return n.Service.Labels
	case n.Ingress != nil:
		return n.Ingress.Labels
	}
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// Click selects the row under the mouse.
func (m *Model) Click(x, y int) {
	side, card := m.layout()
	switch {
	case x < side:
		m.setSide(false)
		m.left.Click(y - 1)
	case x >= side+card+6:
		m.setSide(true)
		m.right.Click(y - 1)
	}
}

// View draws the incoming side, the object and the outgoing side.
func (m Model) View() string {
	st := m.common.Styles
	w, h := m.common.Width, m.common.Height
	if m.key == "" {
		msg := "Pick an object in the browser (1) and press enter to see what sends to it and where it sends."
		return common.FitBlock("\n  "+strings.Join(common.Wrap(msg, w-4, "  "), "\n  "), w, h)
	}
	if m.err != nil {
		return common.FitBlock("\n  "+st.Error.Render(m.err.Error()), w, h)
	}
	side, card := m.layout()
	inWhat, outWhat := "sends to it", "it sends to"
	if n := m.focusNode(); n != nil && n.Peer >= 0 {
		inWhat, outWhat = "may reach it", "it may reach"
	}
	// The position comes first, so a narrow box cuts the words instead.
	inTitle, outTitle := "IN", "OUT"
	if p, t := m.left.Position(); t > 0 {
		inTitle += fmt.Sprintf(" %d/%d", p, t)
	}
	if p, t := m.right.Position(); t > 0 {
		outTitle += fmt.Sprintf(" %d/%d", p, t)
	}
	inTitle += " · " + inWhat
	outTitle += " · " + outWhat
	if f := m.Filter(); !f.Empty() {
		if m.onRight {
			outTitle += " · /" + f.String()
		} else {
			inTitle += " · /" + f.String()
		}
	}
	leftBox := st.Box(inTitle, m.left.View(), side, h, !m.onRight)
	rightBox := st.Box(outTitle, m.right.View(), side, h, m.onRight)
	cardBox := st.Box(m.cardTitle(), m.cardBody(card-2), card, h, false)
	arrow := make([]string, h)
	for i := range arrow {
		arrow[i] = "   "
		if i == h/2 {
			arrow[i] = " " + st.Focus.Render(st.Glyphs.Arrow) + " "
		}
	}
	arrows := strings.Join(arrow, "\n")
	return join(leftBox, arrows, cardBox, arrows, rightBox)
}

func (m Model) focusNode() *graph.Node {
	if m.nb != nil {
		return m.nb.Node
	}
	if m.common.Snap != nil {
		return m.common.Snap.Graph.Node(m.key)
	}
	return nil
}

func (m Model) cardTitle() string {
	if n := m.focusNode(); n != nil {
		if n.Kind == graph.KindWorkload {
			return n.WorkloadKind
		}
		return string(n.Kind)
	}
	return "gone"
}

// cardBody describes the focus object in the middle box.
func (m Model) cardBody(w int) string {
	st := m.common.Styles
	n := m.focusNode()
	if n == nil {
		return st.Warning.Render(strings.Join(common.Wrap(m.key+" is not in the cluster any more", w, ""), "\n"))
	}
	var lines []string
	add := func(s string, style ...lipgloss.Style) {
		for _, l := range common.Wrap(s, w, " ") {
			if len(style) > 0 {
				l = style[0].Render(l)
			}
			lines = append(lines, l)
		}
	}
	lines = append(lines, st.KindMark(n.Kind)+" "+st.Title.Render(common.Fit(n.Name, w-2)))
	if n.Namespace != "" {
		add("ns " + n.Namespace)
	}
	if m.nb == nil {
		lines = append(lines, "", st.Muted.Render("reading…"))
		return strings.Join(lines, "\n")
	}
	g := m.common.Snap.Graph
	switch {
	case n.Service != nil:
		svc := n.Service
		add(string(svc.Spec.Type))
		if svc.Spec.ClusterIP != "" {
			add(svc.Spec.ClusterIP)
		}
		for _, p := range svc.Spec.Ports {
			add(fmt.Sprintf("%d/%s → %s", p.Port, p.Protocol, p.TargetPort.String()))
		}
	case n.Kind == graph.KindService:
		add("⚠ missing", st.Warning)
	case n.Ingress != nil:
		if c := n.Ingress.Spec.IngressClassName; c != nil {
			add("class " + *c)
		}
		add(plural(len(m.nb.Out), "route"))
	case n.Peer >= 0:
		p := g.Model.Peers[n.Peer]
		if len(p.IPs) > 0 {
			add(p.IPs[0].String())
		}
		for _, cp := range p.Ports {
			s := fmt.Sprintf("%d/%s", cp.Port, cp.Protocol)
			if cp.Name != "" {
				s += " " + cp.Name
			}
			add(s)
		}
		if mesh := g.Mesh(n.Peer); mesh != "" {
			lines = append(lines, st.MeshTag(mesh)+st.Muted.Render(" mesh"))
		}
		in, eg := g.Model.PoliciesFor(n.Peer)
		lines = append(lines, "")
		lines = append(lines, st.Policy.Render(st.Glyphs.Policy)+fmt.Sprintf(" in %d · eg %d", len(in), len(eg)))
		if len(in)+len(eg) == 0 {
			add("⚠ "+graph.CueNoPolicy, st.Warning)
		}
		keys := make([]string, 0, len(p.Labels))
		for k := range p.Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		lines = append(lines, "")
		for _, k := range keys {
			add(k+"="+p.Labels[k], st.Muted)
		}
	}
	back, fwd := m.History()
	if back+fwd > 0 {
		lines = append(lines, "", st.Muted.Render(fmt.Sprintf("history ← %d · %d →", back, fwd)))
	}
	return strings.Join(lines, "\n")
}

// join puts blocks of equal height side by side.
func join(blocks ...string) string {
	cols := make([][]string, len(blocks))
	for i, b := range blocks {
		cols[i] = strings.Split(b, "\n")
	}
	var sb strings.Builder
	for i := range cols[0] {
		if i > 0 {
			sb.WriteByte('\n')
		}
		for _, c := range cols {
			if i < len(c) {
				sb.WriteString(c[i])
			}
		}
	}
	return sb.String()
}

// Selection is the focus object.
func (m Model) Selection() (common.Selection, bool) {
	n := m.focusNode()
	if n == nil {
		return common.Selection{}, false
	}
	name := n.Ref()
	if n.Kind == graph.KindService {
		name = n.Key()
	}
	return common.Selection{Key: n.Key(), Name: name, TraceRef: m.common.Snap.Graph.TraceRef(n)}, true
}

// ExportTarget is the focus object and its neighbours.
func (m Model) ExportTarget() common.ExportTarget {
	n := m.focusNode()
	if n == nil {
		return common.ExportTarget{Name: "all"}
	}
	if n.Kind == graph.KindExternal {
		return common.ExportTarget{Name: "all"}
	}
	return common.ExportTarget{Focus: n.Key(), Name: strings.ReplaceAll(n.Key(), "/", "-")}
}

// ShortHelp implements help.KeyMap.
func (m Model) ShortHelp() []key.Binding { return m.KeyMap.ShortHelp() }

// FullHelp implements help.KeyMap.
func (m Model) FullHelp() [][]key.Binding { return m.KeyMap.FullHelp() }

// row is one line of a side.
type row struct {
	key     string
	target  string // the node key enter follows to
	group   string // set on group rows: enter opens or closes them
	open    bool
	header  bool
	indent  bool
	kind    graph.Kind
	verdict string
	name    string
	label   string
	note    string
	filter  string
	labels  map[string]string
	// mesh is the service mesh a pod is in, or "".
	mesh string
	// diff marks, under a what-if overlay, how the connection to the
	// focus changed: "+" added, "−" removed, "~" changed, "=" unchanged.
	diff string
}

func (r *row) Key() string               { return r.key }
func (r *row) FilterValue() string       { return r.filter }
func (r *row) Labels() map[string]string { return r.labels }
func (r *row) Header() bool              { return r.header }

func (r *row) render(st *common.Styles, w int) string {
	if r.header {
		return st.Title.Render(r.name)
	}
	var b strings.Builder
	if r.indent {
		b.WriteString("  ")
	}
	if r.diff != "" {
		b.WriteString(st.DiffMark(r.diff) + " ")
	}
	if r.verdict != "" {
		b.WriteString(st.VerdictMark(r.verdict) + " ")
	}
	if r.group != "" {
		if r.open {
			b.WriteString(st.Muted.Render("▾ "))
		} else {
			b.WriteString(st.Muted.Render("▸ "))
		}
	} else {
		b.WriteString(st.KindMark(r.kind) + " ")
	}
	b.WriteString(st.Text.Render(r.name))
	if r.mesh != "" {
		b.WriteString(" " + st.MeshTag(r.mesh))
	}
	if r.label != "" {
		b.WriteString(" " + st.Muted.Render(r.label))
	}
	if r.note != "" {
		b.WriteString(" " + st.Deny.Render(r.note))
	}
	return b.String()
}
