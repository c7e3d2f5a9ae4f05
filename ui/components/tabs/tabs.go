// Package tabs is the top line of the TUI: the product name, one tab per
// view with the key that opens it, and a note on the right.
package tabs

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/netviz/netviz/ui/common"
)

// Styles are the tab bar's styles.
type Styles struct {
	Brand  lipgloss.Style
	Tab    lipgloss.Style
	Active lipgloss.Style
	Note   lipgloss.Style
}

// DefaultStyles takes the tab bar's styles from the shared ones.
func DefaultStyles(s *common.Styles) Styles {
	return Styles{Brand: s.Title.Padding(0, 1), Tab: s.Tab, Active: s.TabActive, Note: s.Muted}
}

// Model is the tab bar.
type Model struct {
	styles Styles
	width  int
	names  []string
	active int
	note   string
}

// New returns a tab bar with one tab per name; tab i opens with key i+1.
func New(c common.Common, names ...string) Model {
	m := Model{names: names}
	m.SetCommon(c)
	return m
}

// SetCommon takes new styles and width.
func (m *Model) SetCommon(c common.Common) {
	m.styles = DefaultStyles(c.Styles)
	m.width = c.Width
}

// SetWidth sets the bar's width.
func (m *Model) SetWidth(w int) { m.width = w }

// SetActive selects tab i; -1 selects none.
func (m *Model) SetActive(i int) { m.active = i }

// Active returns the selected tab.
func (m Model) Active() int { return m.active }

// SetNote sets the text shown on the right.
func (m *Model) SetNote(s string) { m.note = s }

// View draws the bar in one line of exactly the bar's width.
func (m Model) View() string {
	var b strings.Builder
	b.WriteString(m.styles.Brand.Render("netviz"))
	for i, name := range m.names {
		label := strconv.Itoa(i+1) + " " + name
		if i == m.active {
			b.WriteString(m.styles.Active.Render(label))
		} else {
			b.WriteString(m.styles.Tab.Render(label))
		}
	}
	left := b.String()
	if m.note != "" {
		room := m.width - ansi.StringWidth(left) - 2
		if room > 3 {
			note := m.note
			if ansi.StringWidth(note) > room {
				note = ansi.TruncateLeft(note, ansi.StringWidth(note)-room+1, "…")
			}
			pad := m.width - ansi.StringWidth(left) - ansi.StringWidth(note) - 1
			return left + strings.Repeat(" ", max(pad, 1)) + m.styles.Note.Render(note) + " "
		}
	}
	return common.Fit(left, m.width)
}
