package common

import (
	"charm.land/lipgloss/v2"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/kube"
	"github.com/netviz/netviz/themes"
)

// Styles is every lipgloss style the UI draws with, built from one theme.
// Components take what they need from it; none keeps global styles, so a
// theme can be swapped at run time by building a new Styles.
type Styles struct {
	// Theme is the theme the styles were built from.
	Theme themes.Theme
	// Glyphs are the theme's symbols.
	Glyphs themes.Glyphs

	Text      lipgloss.Style
	Muted     lipgloss.Style
	Title     lipgloss.Style
	Key       lipgloss.Style
	Highlight lipgloss.Style
	Selected  lipgloss.Style
	// Cursor marks the selected row of a pane that does not have focus.
	Cursor lipgloss.Style

	// Pane and PaneFocused are bordered boxes.
	Pane        lipgloss.Style
	PaneFocused lipgloss.Style
	// BorderColor and FocusColor paint hand-drawn rules and arrows.
	Border lipgloss.Style
	Focus  lipgloss.Style

	StatusBar lipgloss.Style
	// StatusAccent is a segment of the status bar that stands out.
	StatusAccent lipgloss.Style
	Warning      lipgloss.Style
	Error        lipgloss.Style

	Allow   lipgloss.Style
	Deny    lipgloss.Style
	Unknown lipgloss.Style

	Ingress   lipgloss.Style
	Service   lipgloss.Style
	Pod       lipgloss.Style
	Workload  lipgloss.Style
	Namespace lipgloss.Style
	Policy    lipgloss.Style
	External  lipgloss.Style

	Tab       lipgloss.Style
	TabActive lipgloss.Style
	// Overlay is the box of dialogs such as the help overlay.
	Overlay lipgloss.Style
}

// NewStyles builds the styles of theme t. Under a NoColor theme no colour
// is set at all; emphasis comes from the theme's attributes.
func NewStyles(t themes.Theme) *Styles {
	c := t.Colors
	fg := func(col string, a themes.Attr) lipgloss.Style {
		st := attr(lipgloss.NewStyle(), a)
		if !t.NoColor && col != "" {
			st = st.Foreground(lipgloss.Color(col))
		}
		return st
	}
	bg := func(st lipgloss.Style, col string) lipgloss.Style {
		if !t.NoColor && col != "" {
			st = st.Background(lipgloss.Color(col))
		}
		return st
	}
	s := &Styles{Theme: t, Glyphs: t.Glyphs}
	s.Text = fg(c.Text, t.Attrs.Text)
	s.Muted = fg(c.Muted, t.Attrs.Muted)
	s.Title = fg(c.Title, t.Attrs.Title)
	s.Key = fg(c.Key, t.Attrs.Key)
	s.Highlight = fg(c.Highlight, t.Attrs.Highlight)
	s.Selected = bg(fg(c.SelectionFg, t.Attrs.Selection), c.SelectionBg)
	if t.NoColor && !t.Attrs.Selection.Reverse {
		s.Selected = s.Selected.Reverse(true)
	}
	s.Cursor = fg(c.SelectionBg, themes.Attr{Underline: t.NoColor})
	s.Border = fg(c.Border, themes.Attr{})
	s.Focus = fg(c.Focus, themes.Attr{})
	pane := lipgloss.NewStyle().Border(lipgloss.RoundedBorder())
	s.Pane, s.PaneFocused = pane, pane.BorderStyle(lipgloss.ThickBorder())
	if !t.NoColor {
		s.Pane = s.Pane.BorderForeground(lipgloss.Color(c.Border))
		s.PaneFocused = pane.BorderForeground(lipgloss.Color(c.Focus))
	}
	s.StatusBar = bg(fg(c.StatusBarFg, t.Attrs.StatusBar), c.StatusBarBg)
	if t.NoColor && !t.Attrs.StatusBar.Reverse {
		s.StatusBar = s.StatusBar.Reverse(true)
	}
	s.StatusAccent = s.StatusBar.Bold(true)
	s.Warning = fg(c.Warning, t.Attrs.Warning)
	s.Error = fg(c.Error, t.Attrs.Error)
	s.Allow = fg(c.Allow, t.Attrs.Allow)
	s.Deny = fg(c.Deny, t.Attrs.Deny)
	s.Unknown = fg(c.Unknown, t.Attrs.Unknown)
	s.Ingress = fg(c.Ingress, themes.Attr{})
	s.Service = fg(c.Service, themes.Attr{})
	s.Pod = fg(c.Pod, themes.Attr{})
	s.Workload = fg(c.Workload, themes.Attr{})
	s.Namespace = fg(c.Namespace, themes.Attr{})
	s.Policy = fg(c.Policy, themes.Attr{})
	s.External = fg(c.External, themes.Attr{})
	s.Tab = s.Muted.Padding(0, 1)
	s.TabActive = bg(fg(c.SelectionFg, themes.Attr{Bold: true}), c.SelectionBg).Padding(0, 1)
	if t.NoColor {
		s.TabActive = s.TabActive.Reverse(true)
	}
	s.Overlay = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1)
	if !t.NoColor {
		s.Overlay = s.Overlay.BorderForeground(lipgloss.Color(c.Focus))
	}
	return s
}

func attr(st lipgloss.Style, a themes.Attr) lipgloss.Style {
	if a.Bold {
		st = st.Bold(true)
	}
	if a.Underline {
		st = st.Underline(true)
	}
	if a.Reverse {
		st = st.Reverse(true)
	}
	return st
}

// VerdictStyle returns the style of a verdict: "allowed", "denied",
// "unknown" or "partial".
func (s *Styles) VerdictStyle(v string) lipgloss.Style {
	switch v {
	case "allowed":
		return s.Allow
	case "unknown":
		return s.Unknown
	case "partial":
		return s.Warning
	}
	return s.Deny
}

// VerdictGlyph returns the plain glyph of a verdict; partial shares the
// deny glyph, as the CLI prints it, since something is denied.
func (s *Styles) VerdictGlyph(v string) string {
	switch v {
	case "allowed":
		return s.Glyphs.Allow
	case "unknown":
		return s.Glyphs.Unknown
	}
	return s.Glyphs.Deny
}

// Verdict renders a verdict as its glyph and its word, so it never rests
// on colour alone: "✓ allowed".
func (s *Styles) Verdict(v string) string {
	return s.VerdictStyle(v).Render(s.VerdictGlyph(v) + " " + v)
}

// VerdictMark renders just the coloured glyph of a verdict.
func (s *Styles) VerdictMark(v string) string {
	return s.VerdictStyle(v).Render(s.VerdictGlyph(v))
}

// KindStyle returns the style of a node kind.
func (s *Styles) KindStyle(k graph.Kind) lipgloss.Style {
	switch k {
	case graph.KindIngress:
		return s.Ingress
	case graph.KindService:
		return s.Service
	case graph.KindPod:
		return s.Pod
	case graph.KindWorkload:
		return s.Workload
	}
	return s.External
}

// KindGlyph returns the plain glyph of a node kind.
func (s *Styles) KindGlyph(k graph.Kind) string {
	switch k {
	case graph.KindIngress:
		return s.Glyphs.Ingress
	case graph.KindService:
		return s.Glyphs.Service
	case graph.KindPod:
		return s.Glyphs.Pod
	case graph.KindWorkload:
		return s.Glyphs.Workload
	}
	return s.Glyphs.External
}

// KindMark renders the coloured glyph of a node kind.
func (s *Styles) KindMark(k graph.Kind) string {
	return s.KindStyle(k).Render(s.KindGlyph(k))
}

// DiffGlyph is the mark of a diff op: "+" added, "−" removed, "~"
// changed.
func DiffGlyph(op graph.DiffOp) string {
	switch op {
	case graph.DiffAdded:
		return "+"
	case graph.DiffRemoved:
		return "−"
	}
	return "~"
}

// DiffMark renders a diff glyph ("+", "−", "~", "="); the colour only
// repeats what the glyph says.
func (s *Styles) DiffMark(glyph string) string {
	switch glyph {
	case "+":
		return s.Allow.Render(glyph)
	case "−":
		return s.Deny.Render(glyph)
	case "~":
		return s.Warning.Render(glyph)
	}
	return s.Muted.Render(glyph)
}

// ChangeMark renders what a what-if overlay did to an object as a glyph:
// "+" added, "~" replaced, "−" removed, " " unchanged.
func (s *Styles) ChangeMark(op string) string {
	switch op {
	case kube.ChangeAdded:
		return s.DiffMark("+")
	case kube.ChangeReplaced:
		return s.DiffMark("~")
	case kube.ChangeRemoved:
		return s.DiffMark("−")
	}
	return " "
}

// MeshTag renders the mark of a meshed pod: "⬡ istio".
func (s *Styles) MeshTag(mesh string) string {
	return s.Highlight.Render("⬡ " + mesh)
}
