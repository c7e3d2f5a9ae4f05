// Package statusbar is the line at the bottom of the TUI that always says
// where the data comes from, whether it is live, how much there is, what
// could not be read, and the last thing that happened.
package statusbar

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/netviz/netviz/ui/common"
)

// Styles are the status bar's styles.
type Styles struct {
	Bar     lipgloss.Style
	Accent  lipgloss.Style
	Live    lipgloss.Style
	Warning lipgloss.Style
	Error   lipgloss.Style
}

// DefaultStyles takes the status bar's styles from the shared ones.
func DefaultStyles(s *common.Styles) Styles {
	return Styles{
		Bar:     s.StatusBar,
		Accent:  s.StatusAccent,
		Live:    s.StatusBar,
		Warning: s.StatusBar.Bold(true),
		Error:   s.StatusBar.Bold(true),
	}
}

// Model is the status bar.
type Model struct {
	// Source says where the data comes from: "demo", "files: a.yaml",
	// "context kind-prod".
	Source string
	// State is "loading", "live", "reconnecting", "synced", or "" for
	// static sources.
	State string
	// Counts reads like "10 ns · 31 pods · 22 svc · 30 pol".
	Counts string
	// Warnings are the snapshot's warnings and gaps.
	Warnings []string
	// Picks shows the trace source and destination picked so far.
	Picks string
	// Errors and Findings count the lint findings that are errors and
	// warnings; the insights badge is shown when either is set.
	Errors, Findings int
	// Overlay counts the objects a what-if overlay changed; -1 when no
	// overlay is active.
	Overlay int

	styles Styles
	width  int
	msg    string
	isErr  bool
}

// New returns a status bar.
func New(c common.Common) Model {
	m := Model{Overlay: -1}
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

// SetMessage shows a message until the next one; err marks an error.
func (m *Model) SetMessage(text string, err bool) {
	m.msg, m.isErr = strings.Join(strings.Fields(text), " "), err
}

// ClearMessage removes the message.
func (m *Model) ClearMessage() { m.msg, m.isErr = "", false }

// Message returns the message shown.
func (m Model) Message() string { return m.msg }

// View draws the bar in one line of exactly the bar's width.
func (m Model) View() string {
	if m.width <= 0 {
		return ""
	}
	sep := m.styles.Bar.Render(" │ ")
	var parts []string
	parts = append(parts, m.styles.Accent.Render(" "+m.Source))
	switch m.State {
	case "":
	case "reconnecting", "loading":
		parts = append(parts, m.styles.Warning.Render("◌ "+m.State))
	default:
		parts = append(parts, m.styles.Live.Render("● "+m.State))
	}
	if m.Counts != "" {
		parts = append(parts, m.styles.Bar.Render(m.Counts))
	}
	if n := len(m.Warnings); n > 0 {
		w := "⚠ " + strconv.Itoa(n) + " warning"
		if n > 1 {
			w += "s"
		}
		parts = append(parts, m.styles.Warning.Render(w))
	}
	if m.Overlay >= 0 {
		parts = append(parts, m.styles.Accent.Render("± overlay: "+plural(m.Overlay, "change")))
	}
	if m.Errors+m.Findings > 0 {
		parts = append(parts, m.styles.Warning.Render(Insights(m.Errors, m.Findings)))
	}
	if m.Picks != "" {
		parts = append(parts, m.styles.Accent.Render(m.Picks))
	}
	switch {
	case m.msg != "" && m.isErr:
		parts = append(parts, m.styles.Error.Render("✗ "+m.msg))
	case m.msg != "":
		parts = append(parts, m.styles.Bar.Render(m.msg))
	case len(m.Warnings) > 0:
		parts = append(parts, m.styles.Bar.Render(m.Warnings[0]))
	}
	line := strings.Join(parts, sep)
	if w := ansi.StringWidth(line); w < m.width {
		line += m.styles.Bar.Render(strings.Repeat(" ", m.width-w))
	} else if w > m.width {
		line = ansi.Truncate(line, m.width-1, "") + m.styles.Bar.Render("…")
	}
	return line
}

// Insights is the insights badge: "insights ✗ 5 ⚠ 4", the count of lint
// errors and warnings, each with its glyph so it never rests on colour.
func Insights(errors, warnings int) string {
	s := "insights"
	if errors > 0 {
		s += " ✗ " + strconv.Itoa(errors)
	}
	if warnings > 0 {
		s += " ⚠ " + strconv.Itoa(warnings)
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
