package trace

import (
	"bytes"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"sigs.k8s.io/yaml"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/ui/common"
)

// suggest opens the suggestion panel for the trace shown and asks the
// graph, off the UI loop, for the policies that would allow it.
func (m *Model) suggest() tea.Cmd {
	if m.req == nil || m.t == nil || m.common.Snap == nil {
		return statusCmd("trace something first: a suggestion allows one denied trace", true)
	}
	if m.t.Allowed {
		return statusCmd(m.req.From+" → "+m.req.To+" is already allowed: nothing to suggest", false)
	}
	if m.req.Port == "" {
		return statusCmd("a suggestion allows one port: pick one with p first", true)
	}
	if m.req.From == "internet" {
		return statusCmd("netviz suggests policies between pods; traffic from the internet is decided at the Ingress routes", true)
	}
	req := graph.SuggestRequest{From: m.req.From, To: m.req.To, Port: m.req.Port, Protocol: m.req.Protocol}
	m.sugg = &suggestion{req: req, loading: true}
	return suggestCmd(m.common.Snap, req)
}

func statusCmd(text string, err bool) tea.Cmd {
	return func() tea.Msg { return common.StatusMsg{Text: text, Err: err} }
}

// updateSuggestion handles the panel's keys: scroll, write, close.
func (m Model) updateSuggestion(msg tea.Msg) (Model, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if wm, ok := msg.(tea.MouseWheelMsg); ok {
			if wm.Mouse().Button == tea.MouseWheelUp {
				m.scrollSuggestion(-3)
			} else {
				m.scrollSuggestion(3)
			}
		}
		return m, nil
	}
	lk := m.KeyMap.List
	page := max(m.suggestionRoom()-1, 1)
	switch {
	case key.Matches(k, m.KeyMap.Close):
		m.sugg = nil
	case key.Matches(k, m.KeyMap.Save):
		return m, m.save()
	case key.Matches(k, lk.Down):
		m.scrollSuggestion(1)
	case key.Matches(k, lk.Up):
		m.scrollSuggestion(-1)
	case k.String() == "pgdown" || k.String() == "space" || k.String() == "ctrl+d":
		m.scrollSuggestion(page)
	case k.String() == "pgup" || k.String() == "ctrl+u":
		m.scrollSuggestion(-page)
	case k.String() == "g" || k.String() == "home":
		m.sugg.offset = 0
	case k.String() == "G" || k.String() == "end":
		m.scrollSuggestion(len(m.sugg.lines))
	}
	return m, nil
}

// save asks the root to write the policies to the export folder.
func (m Model) save() tea.Cmd {
	s := m.sugg
	if s.loading || s.err != nil || s.s == nil || len(s.s.Policies) == 0 {
		return statusCmd("no policy to write", true)
	}
	name := "netviz-suggest-" + strings.NewReplacer("/", "-", ".", "-").Replace(s.req.From+"-to-"+s.req.To+"-"+s.req.Port) + ".yaml"
	data := s.yaml
	return func() tea.Msg { return common.SaveMsg{Name: name, Data: data, What: "the suggested policy"} }
}

func (m *Model) scrollSuggestion(d int) {
	room := m.suggestionRoom()
	m.sugg.offset = max(min(m.sugg.offset+d, len(m.sugg.lines)-room), 0)
}

// suggestionRoom is the number of lines the panel shows at once.
func (m Model) suggestionRoom() int { return max(m.common.Height-2, 1) }

// layoutSuggestion lays the panel's text out at the view's width.
func (m *Model) layoutSuggestion() {
	s := m.sugg
	if s == nil {
		return
	}
	st := m.common.Styles
	w := m.common.Width - 4
	var lines []string
	add := func(text string, render func(...string) string) {
		for _, l := range common.Wrap(text, w, "  ") {
			lines = append(lines, render(l))
		}
	}
	what := fmt.Sprintf("%s → %s on %s/%s", s.req.From, s.req.To, s.req.Port, s.req.Protocol)
	switch {
	case s.err != nil:
		add("no suggestion for "+what+": "+s.err.Error(), st.Error.Render)
	case s.s.AlreadyAllowed:
		add(what+" is already allowed: nothing to add", st.Allow.Render)
	case len(s.s.Policies) == 0:
		add(fmt.Sprintf("%s is %s, and no side denies it: what is unknown decides, and no policy netviz suggests would", what, s.s.Verdict), st.Unknown.Render)
		for _, u := range s.s.Unknown {
			add("unknown: "+u, st.Muted.Render)
		}
	default:
		p := s.s
		add(fmt.Sprintf("%s %d %s would allow %s (now %s; with %s laid over the cluster: %s)", st.Glyphs.Allow, len(p.Policies), plural(len(p.Policies), "policy", "policies"), what, p.Verdict, plural(len(p.Policies), "it", "them"), p.After), st.Allow.Render)
		for _, n := range p.Notes {
			add("note: "+n, st.Muted.Render)
		}
		for _, u := range p.Unknown {
			add("unknown: "+u, st.Unknown.Render)
		}
		lines = append(lines, "", st.Title.Render("WHAT IT CHANGES"))
		if p.Diff != nil {
			var b bytes.Buffer
			if err := p.Diff.WriteText(&b); err == nil {
				for _, l := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
					add("  "+l, diffLineStyle(st, l))
				}
			}
		}
		lines = append(lines, "", st.Title.Render("NETWORKPOLICY YAML")+st.Muted.Render(" (w or x writes it; kubectl apply -f it yourself)"))
		for _, l := range strings.Split(strings.TrimRight(string(s.yaml), "\n"), "\n") {
			lines = append(lines, st.Text.Render("  "+common.Fit(l, w-2)))
		}
	}
	s.lines = lines
	m.scrollSuggestion(0)
}

// diffLineStyle colours a line of the diff by its mark; the mark itself
// says what changed.
func diffLineStyle(st *common.Styles, l string) func(...string) string {
	switch strings.TrimSpace(l)[:min(1, len(strings.TrimSpace(l)))] {
	case "+":
		return st.Allow.Render
	case "-":
		return st.Deny.Render
	case "~":
		return st.Warning.Render
	}
	return st.Muted.Render
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// suggestionView draws the panel.
func (m Model) suggestionView() string {
	st := m.common.Styles
	w, h := m.common.Width, m.common.Height
	s := m.sugg
	title := "Suggested fix · " + s.req.From + " → " + s.req.To + " " + s.req.Port + "/" + s.req.Protocol.String()
	var body string
	if s.loading {
		body = "\n  " + st.Muted.Render("working out the smallest NetworkPolicy, and checking it…")
	} else {
		room := m.suggestionRoom()
		end := min(s.offset+room, len(s.lines))
		body = strings.Join(s.lines[s.offset:end], "\n")
		if len(s.lines) > room {
			title += fmt.Sprintf(" · lines %d–%d of %d (j/k, pgdn)", s.offset+1, end, len(s.lines))
		}
	}
	return st.Box(title, body, w, h, true)
}

// suggestionYAML renders the policies as a YAML stream ready for
// kubectl apply, as `netviz suggest` prints them.
func suggestionYAML(s *graph.Suggestion) ([]byte, error) {
	var b bytes.Buffer
	if len(s.Policies) > 0 {
		fmt.Fprintf(&b, "# netviz suggest: %s → %s on %s/%s (now %s)\n", s.From, s.To, s.Port, s.Protocol, s.Verdict)
	}
	for _, np := range s.Policies {
		out, err := yaml.Marshal(np)
		if err != nil {
			return nil, fmt.Errorf("write policy %s/%s: %w", np.Namespace, np.Name, err)
		}
		b.WriteString("---\n")
		b.Write(out)
	}
	return b.Bytes(), nil
}
