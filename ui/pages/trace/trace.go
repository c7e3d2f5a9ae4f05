// Package trace is the trace view: may a source reach a destination on a
// port, hop by hop, and which policy and rule decided at the source's
// egress and at the destination's ingress. A denied trace says in one
// sentence what is missing.
package trace

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/ui/common"
	"github.com/netviz/netviz/ui/components/list"
)

// KeyMap holds the trace view's keys.
type KeyMap struct {
	NextPort key.Binding
	PrevPort key.Binding
	Reverse  key.Binding
	Open     key.Binding
	// Suggest asks for the smallest NetworkPolicy that allows a denied
	// trace; Save writes it to the export folder, Close hides it.
	Suggest key.Binding
	Save    key.Binding
	Close   key.Binding
	List    list.KeyMap
}

// DefaultKeyMap returns the trace view's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		NextPort: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "next port/protocol")),
		PrevPort: key.NewBinding(key.WithKeys("P"), key.WithHelp("P", "previous port")),
		Reverse:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reverse direction")),
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open backend")),
		Suggest:  key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "suggest a fix")),
		Save:     key.NewBinding(key.WithKeys("w", "x"), key.WithHelp("w/x", "write the policy")),
		Close:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close")),
		List:     list.DefaultKeyMap(),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.NextPort, k.Reverse, k.Suggest, k.Open, k.List.Down}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return append([][]key.Binding{{k.NextPort, k.PrevPort, k.Reverse, k.Open, k.Suggest}}, k.List.FullHelp()...)
}

// Model is the trace view.
type Model struct {
	// KeyMap is the trace view's keys.
	KeyMap KeyMap

	common   common.Common
	req      *graph.TraceRequest
	ports    []graph.PortChoice
	portIdx  int
	t        *graph.Trace
	err      error
	backends list.Model
	sugg     *suggestion
}

// suggestion is the panel of a suggested fix: loading, failed, or the
// policies as YAML with what they change.
type suggestion struct {
	req     graph.SuggestRequest
	loading bool
	err     error
	s       *graph.Suggestion
	lines   []string
	yaml    []byte
	offset  int
}

// SuggestMsg carries a suggestion computed off the UI loop for the
// snapshot of version Version.
type SuggestMsg struct {
	Version int
	Req     graph.SuggestRequest
	S       *graph.Suggestion
	Err     error
}

// suggestCmd asks the graph for the smallest policies that allow req.
func suggestCmd(snap *common.Snapshot, req graph.SuggestRequest) tea.Cmd {
	return func() tea.Msg {
		s, err := snap.Graph.Suggest(req)
		return SuggestMsg{Version: snap.Version, Req: req, S: s, Err: err}
	}
}

// Suggesting reports whether the suggestion panel is open; it then takes
// every key but the global quit, help and command keys.
func (m Model) Suggesting() bool { return m.sugg != nil }

// New returns an empty trace view.
func New(c common.Common) Model {
	m := Model{KeyMap: DefaultKeyMap()}
	m.backends = list.New(c, nil)
	m.backends.EmptyText = ""
	m.SetCommon(c)
	return m
}

// SetCommon takes new styles, size or snapshot; a new snapshot runs the
// trace again.
func (m *Model) SetCommon(c common.Common) {
	snapChanged := c.Snap != m.common.Snap
	m.common = c
	st := c.Styles
	m.backends.SetCommon(c)
	m.backends.SetRender(func(it list.Item, w int) string { return it.(*row).render(st, w) })
	m.SetSize(c.Width, c.Height)
	if snapChanged && m.req != nil {
		m.ports = c.Snap.Graph.TracePorts(m.req.To)
		m.run()
		m.sugg = nil // it answered for the old snapshot
	}
}

// SetSize sets the view's size.
func (m *Model) SetSize(w, h int) {
	m.common.Width, m.common.Height = w, h
	m.layoutList()
	if m.sugg != nil && !m.sugg.loading {
		m.layoutSuggestion()
	}
}

// Request returns the trace shown, if any.
func (m Model) Request() (graph.TraceRequest, bool) {
	if m.req == nil {
		return graph.TraceRequest{}, false
	}
	return *m.req, true
}

// SetRequest runs a new trace; the error says what was wrong with it.
func (m *Model) SetRequest(req graph.TraceRequest) error {
	if m.common.Snap == nil {
		return fmt.Errorf("nothing loaded yet")
	}
	g := m.common.Snap.Graph
	if _, err := g.Trace(req); err != nil {
		return err
	}
	m.req = &req
	m.sugg = nil
	m.ports = g.TracePorts(req.To)
	m.portIdx = -1
	for i, pc := range m.ports {
		if pc.Port == req.Port && (pc.Port == "" || pc.Protocol == req.Protocol) {
			m.portIdx = i
		}
	}
	if m.portIdx < 0 {
		label := req.Port + "/" + req.Protocol.String()
		m.ports = append(m.ports, graph.PortChoice{Port: req.Port, Protocol: req.Protocol, Label: label})
		m.portIdx = len(m.ports) - 1
	}
	m.run()
	return nil
}

// run asks the graph for the trace.
func (m *Model) run() {
	m.t, m.err = m.common.Snap.Graph.Trace(*m.req)
	var items []list.Item
	if m.t != nil {
		for i := range m.t.Backends {
			b := &m.t.Backends[i]
			items = append(items, &row{key: "backend/" + b.Pod, b: b, proto: m.t.Protocol})
		}
		for i := range m.t.Routes {
			rt := &m.t.Routes[i]
			rk := fmt.Sprintf("route/%d", i)
			items = append(items, &row{key: rk, route: rt})
			for j := range rt.Backends {
				b := &rt.Backends[j]
				items = append(items, &row{key: rk + "/" + b.Pod, b: b, proto: "TCP", indent: true})
			}
		}
	}
	m.backends.SetItems(items)
	m.layoutList()
}

func (m *Model) cyclePort(d int) {
	if m.req == nil || len(m.ports) == 0 {
		return
	}
	m.sugg = nil
	m.portIdx = (m.portIdx + d + len(m.ports)) % len(m.ports)
	pc := m.ports[m.portIdx]
	m.req.Port, m.req.Protocol = pc.Port, pc.Protocol
	m.run()
}

// reverse swaps source and destination, when the destination can send.
func (m *Model) reverse() error {
	if m.req == nil {
		return nil
	}
	if strings.HasPrefix(m.req.To, "svc/") {
		return fmt.Errorf("cannot reverse: a Service does not send traffic; trace from one of its pods")
	}
	req := graph.TraceRequest{From: m.req.To, To: m.req.From, Protocol: m.req.Protocol}
	return m.SetRequest(req)
}

// Update handles the view's keys.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if sm, ok := msg.(SuggestMsg); ok {
		if m.sugg == nil || m.common.Snap == nil || sm.Version != m.common.Snap.Version || sm.Req != m.sugg.req {
			return m, nil // asked for another trace or snapshot
		}
		m.sugg.loading, m.sugg.s, m.sugg.err = false, sm.S, sm.Err
		if sm.Err == nil {
			m.sugg.yaml, m.sugg.err = suggestionYAML(sm.S)
		}
		m.layoutSuggestion()
		return m, nil
	}
	if m.sugg != nil {
		return m.updateSuggestion(msg)
	}
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, m.KeyMap.Suggest):
			return m, m.suggest()
		case key.Matches(k, m.KeyMap.NextPort):
			m.cyclePort(1)
			return m, nil
		case key.Matches(k, m.KeyMap.PrevPort):
			m.cyclePort(-1)
			return m, nil
		case key.Matches(k, m.KeyMap.Reverse):
			if err := m.reverse(); err != nil {
				return m, func() tea.Msg { return common.StatusMsg{Text: err.Error(), Err: true} }
			}
			return m, nil
		case key.Matches(k, m.KeyMap.Open):
			if sel, ok := m.Selection(); ok {
				return m, func() tea.Msg { return common.OpenMsg{Key: sel.Key} }
			}
			return m, nil
		}
	}
	var cmd tea.Cmd
	m.backends, cmd = m.backends.Update(msg)
	return m, cmd
}

// section heights: the top (header, verdict, path) and the explanation.
func (m Model) split() (top []string, bottom []string) {
	st := m.common.Styles
	w := m.common.Width - 4
	t := m.t
	what := "every port"
	if t.Port != "" {
		what = t.Port + "/" + t.Protocol
	}
	hdr := st.Text.Render(t.From) + " " + st.Focus.Render(st.Glyphs.Arrow) + " " + st.Text.Render(t.To) + st.Muted.Render("  on ") + st.Title.Render(what)
	if len(m.ports) > 1 {
		hdr += st.Muted.Render(fmt.Sprintf("  (p: port %d/%d)", m.portIdx+1, len(m.ports)))
	}
	top = append(top, hdr, "")
	vs := st.VerdictStyle(t.Verdict)
	for i, l := range common.Wrap(strings.ToUpper(t.Verdict)+": "+t.Summary, w-2, "  ") {
		if i == 0 {
			l = st.VerdictGlyph(t.Verdict) + " " + l
		} else {
			l = " " + l
		}
		top = append(top, vs.Render(l))
	}
	for _, n := range t.Notes {
		for i, l := range common.Wrap("note: "+n, w, "      ") {
			if i == 0 && strings.Contains(n, "mesh") {
				l = "⬡ " + l
			}
			top = append(top, st.Muted.Render(l))
		}
	}
	if d := t.DNS; d != nil {
		top = append(top, m.dnsLines(d, w)...)
	}
	top = append(top, "", st.Title.Render("PATH"))
	for i, h := range t.Hops {
		prefix := "  "
		if i > 0 {
			prefix = "  " + strings.Repeat("  ", i-1) + st.Glyphs.Arrow + " "
		}
		s := prefix + h.Kind + " " + h.Name
		if h.Detail != "" {
			s += st.Muted.Render(" (" + h.Detail + ")")
		}
		top = append(top, s)
	}
	eg, in, whose := t.Egress, t.Ingress, ""
	if it, ok := m.backends.Selected(); ok && it.(*row).route != nil {
		rt := it.(*row).route
		bottom = append(bottom, st.Title.Render("ROUTE "+routeName(rt)))
		for _, h := range rt.Hops {
			for _, l := range common.Wrap(h.Kind+" "+h.Name+": "+h.Detail, w-4, "    ") {
				bottom = append(bottom, "  "+st.Muted.Render(l))
			}
		}
		for _, l := range common.Wrap(rt.Summary, w-4, "  ") {
			bottom = append(bottom, "  "+st.VerdictStyle(rt.Verdict).Render(l))
		}
		return top, bottom
	}
	if it, ok := m.backends.Selected(); ok {
		b := it.(*row).b
		eg, in, whose = b.Egress, b.Ingress, " for "+b.Pod
		if b.Egress == nil || b.Egress.Direction == "" {
			bottom = append(bottom, st.Title.Render("DECIDED BY"+whose))
			for _, l := range common.Wrap(b.Summary, w-2, "  ") {
				bottom = append(bottom, "  "+st.VerdictStyle(b.Verdict).Render(l))
			}
			return top, bottom
		}
	}
	if eg == nil || eg.Direction == "" {
		return top, bottom
	}
	bottom = append(bottom, st.Title.Render("DECIDED BY"+whose))
	for _, d := range []*policy.DirectionExplanation{eg, in} {
		mark := st.VerdictMark(d.Verdict)
		for i, l := range common.Wrap(d.Direction+" at "+d.Peer+": "+d.Reason, w-4, "    ") {
			if i == 0 {
				bottom = append(bottom, "  "+mark+" "+l)
			} else {
				bottom = append(bottom, "  "+l)
			}
		}
		for _, r := range d.Rules {
			if len(d.Rules) == 1 && d.Verdict == "allowed" {
				break // the reason names it
			}
			peer := r.Peer
			if peer == "" {
				peer = r.Rule
			}
			txt := fmt.Sprintf("· %s %s: %s, ports %s", r.Policy, peer, r.Match, r.Ports)
			if !r.Certain {
				txt += " (uncertain)"
			}
			for _, l := range common.Wrap(txt, w-6, "  ") {
				bottom = append(bottom, st.Muted.Render("      "+l))
			}
		}
	}
	return top, bottom
}

// layoutList sizes the backend list to the room the other parts leave.
func (m *Model) layoutList() {
	h := m.common.Height - 2
	n := len(m.backends.Items())
	if m.t == nil || n == 0 {
		m.backends.SetSize(m.common.Width-4, 0)
		return
	}
	top, bottom := m.split()
	// The explanation gets a third of the height, the rest is path.
	room := h - len(top) - min(len(bottom), max(h/3, 4)) - 1
	m.backends.SetSize(m.common.Width-4, max(min(n, room), 1))
}

// View draws the trace.
func (m Model) View() string {
	st := m.common.Styles
	w, h := m.common.Width, m.common.Height
	if m.sugg != nil {
		return m.suggestionView()
	}
	var body string
	switch {
	case m.req == nil:
		lines := []string{"", "Pick a source with s and a destination with d in any view, or type", "",
			"  :trace FROM TO [PORT[/PROTO]]", "",
			"FROM and TO are NAMESPACE/NAME (a pod or workload), svc/NAMESPACE/NAME or ip/ADDRESS,",
			"as for `netviz trace`. Then p cycles through the destination's ports."}
		body = strings.Join(lines, "\n")
	case m.err != nil:
		body = st.Error.Render(m.err.Error())
	default:
		top, bottom := m.split()
		inner := h - 2
		var lines []string
		lines = append(lines, top...)
		if m.backends.Height() > 0 {
			for _, l := range strings.Split(m.backends.View(), "\n") {
				lines = append(lines, l)
			}
		}
		room := inner - len(lines) - 1
		if room > 0 && len(bottom) > 0 {
			lines = append(lines, "")
			if len(bottom) > room {
				bottom = append(bottom[:room-1], st.Muted.Render("  … (enlarge the window to read the rest)"))
			}
			lines = append(lines, bottom...)
		}
		body = strings.Join(lines, "\n")
	}
	title := "Trace"
	if p, t := m.backends.Position(); m.t != nil && t > 0 {
		title += fmt.Sprintf(" · %d/%d", p, t)
	}
	return st.Box(title, body, w, h, true)
}

// Selection is the selected backend pod, else the destination.
func (m Model) Selection() (common.Selection, bool) {
	if m.req == nil || m.common.Snap == nil {
		return common.Selection{}, false
	}
	g := m.common.Snap.Graph
	if it, ok := m.backends.Selected(); ok && it.(*row).b != nil {
		if n := g.Node("pod/" + it.(*row).b.Pod); n != nil {
			return common.Selection{Key: n.Key(), Name: n.Ref(), TraceRef: g.TraceRef(n)}, true
		}
	}
	ref, err := g.Resolve(m.req.To)
	if err != nil || ref.Node == nil {
		return common.Selection{}, false
	}
	return common.Selection{Key: ref.Node.Key(), Name: m.req.To, TraceRef: m.req.To}, true
}

// ExportTarget is the trace.
func (m Model) ExportTarget() common.ExportTarget {
	if m.req == nil {
		return common.ExportTarget{Name: "all"}
	}
	req := *m.req
	name := "trace-" + strings.NewReplacer("/", "-", ".", "-").Replace(req.From+"-to-"+req.To)
	return common.ExportTarget{Trace: &req, Name: name}
}

// ShortHelp implements help.KeyMap; the suggestion panel has its own
// keys.
func (m Model) ShortHelp() []key.Binding {
	if m.sugg != nil {
		return []key.Binding{m.KeyMap.Save, m.KeyMap.List.Down, m.KeyMap.List.Up, m.KeyMap.Close}
	}
	return m.KeyMap.ShortHelp()
}

// FullHelp implements help.KeyMap.
func (m Model) FullHelp() [][]key.Binding { return m.KeyMap.FullHelp() }

// row is one backend of a Service trace, or one route of an Ingress
// trace or one of its backends.
type row struct {
	key    string
	b      *graph.BackendTrace
	route  *graph.RouteTrace
	proto  string
	indent bool
}

func (r *row) Key() string { return r.key }
func (r *row) FilterValue() string {
	if r.route != nil {
		return routeName(r.route)
	}
	return r.b.Pod
}
func (r *row) Labels() map[string]string { return nil }
func (r *row) Header() bool              { return false }

func routeName(rt *graph.RouteTrace) string {
	if rt.Route.Default {
		return "default backend"
	}
	h := rt.Route.Host
	if h == "" {
		h = "*"
	}
	return h + rt.Route.Path
}

func (r *row) render(st *common.Styles, w int) string {
	if r.route != nil {
		s := "    " + st.Glyphs.Arrow + " " + st.VerdictMark(r.route.Verdict) + " Route " + routeName(r.route)
		for _, h := range r.route.Hops {
			if h.Kind == "Service" {
				s += " " + st.Glyphs.Arrow + " " + st.KindMark(graph.KindService) + " " + h.Name
			}
		}
		return s + " " + st.VerdictStyle(r.route.Verdict).Render(r.route.Verdict)
	}
	s := "    " + st.Glyphs.Arrow + " "
	if r.indent {
		s = "      " + st.Glyphs.Arrow + " "
	}
	s += st.VerdictMark(r.b.Verdict) + " " + st.KindMark(graph.KindPod) + " Pod " + r.b.Pod
	if !r.b.Ready {
		s += st.Warning.Render(" not ready")
	}
	if r.b.Port > 0 {
		s += st.Muted.Render(fmt.Sprintf(" (targetPort %s = %d/%s)", r.b.TargetPort, r.b.Port, r.proto))
	}
	return s + " " + st.VerdictStyle(r.b.Verdict).Render(r.b.Verdict)
}

// dnsLines say whether the source can resolve the name it asked for; a
// name that will not resolve is shown as a denial, glyph and all.
func (m Model) dnsLines(d *graph.DNSCheck, w int) []string {
	st := m.common.Styles
	verdict, word := "allowed", "resolves"
	switch {
	case !d.Resolves:
		verdict, word = "denied", "does not resolve"
	case !d.Known:
		verdict, word = "unknown", "not judged"
	case d.TCP != "allowed":
		verdict, word = "partial", "resolves (UDP only)"
	}
	name := "the name"
	for _, h := range m.t.Hops {
		if h.Kind == "DNS" {
			name = h.Name
		}
	}
	txt := fmt.Sprintf("DNS: %s %s (UDP 53 %s, TCP 53 %s)", name, word, d.UDP, d.TCP)
	if !strings.Contains(m.t.Summary, d.Reason) {
		txt += ": " + d.Reason // else the verdict above says it already
	}
	var out []string
	for i, l := range common.Wrap(txt, w-2, "  ") {
		if i == 0 {
			l = st.VerdictGlyph(verdict) + " " + l
		} else {
			l = " " + l
		}
		out = append(out, st.VerdictStyle(verdict).Render(l))
	}
	return out
}
