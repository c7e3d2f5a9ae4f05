// Package helpview draws key help: the one-line hints at the bottom of
// the screen, and the `?` overlay with every key of the current view.
package helpview

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"

	"github.com/netviz/netviz/ui/common"
)

// Section is one titled group of columns of the overlay.
type Section struct {
	Title string
	Keys  [][]key.Binding
}

// Styles are the help view's styles.
type Styles struct {
	Box     lipgloss.Style
	Title   lipgloss.Style
	Section lipgloss.Style
	Note    lipgloss.Style
	Help    help.Styles
}

// DefaultStyles takes the help view's styles from the shared ones.
func DefaultStyles(s *common.Styles) Styles {
	return Styles{
		Box:     s.Overlay,
		Title:   s.Title,
		Section: s.Key,
		Note:    s.Muted,
		Help: help.Styles{
			Ellipsis:       s.Muted,
			ShortKey:       s.Key,
			ShortDesc:      s.Muted,
			ShortSeparator: s.Muted,
			FullKey:        s.Key,
			FullDesc:       s.Text,
			FullSeparator:  s.Muted,
		},
	}
}

// Model renders help.
type Model struct {
	help   help.Model
	styles Styles
	width  int
	height int
}

// New returns a help view.
func New(c common.Common) Model {
	m := Model{help: help.New()}
	m.SetCommon(c)
	return m
}

// SetCommon takes new styles and size.
func (m *Model) SetCommon(c common.Common) {
	m.styles = DefaultStyles(c.Styles)
	m.help.Styles = m.styles.Help
	m.width, m.height = c.Width, c.Height
	m.help.SetWidth(c.Width - 4)
}

// ShortView draws one line of key hints, cut to width.
func (m Model) ShortView(bindings []key.Binding, width int) string {
	h := m.help
	h.SetWidth(width - 1)
	return common.Fit(" "+h.ShortHelpView(bindings), width)
}

// Overlay draws the `?` box: a title, each section's keys in columns,
// then notes (such as the snapshot's warnings). It fits within the
// help view's size.
func (m Model) Overlay(title string, sections []Section, notes []string) string {
	inner := max(m.width-6, 20)
	var b strings.Builder
	b.WriteString(m.styles.Title.Render(title))
	for _, s := range sections {
		b.WriteString("\n\n" + m.styles.Section.Render(s.Title) + "\n")
		b.WriteString(m.help.FullHelpView(s.Keys))
	}
	if len(notes) > 0 {
		b.WriteString("\n")
		for _, n := range notes {
			for _, l := range common.Wrap(n, inner, "  ") {
				b.WriteString("\n" + m.styles.Note.Render(l))
			}
		}
	}
	b.WriteString("\n\n" + m.styles.Note.Render("esc or ? closes this help"))
	lines := strings.Split(b.String(), "\n")
	if maxLines := max(m.height-2, 3); len(lines) > maxLines {
		lines = append(lines[:maxLines-1], m.styles.Note.Render("… (enlarge the window for more)"))
	}
	for i, l := range lines {
		lines[i] = truncate(l, inner)
	}
	return m.styles.Box.Render(strings.Join(lines, "\n"))
}

func truncate(s string, w int) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	return common.Fit(s, w)
}
