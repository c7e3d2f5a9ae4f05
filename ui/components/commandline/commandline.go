// Package commandline is the k9s-style prompt at the bottom of the TUI:
// `:` for commands, with completion, and `/` for filters, applied as they
// are typed.
package commandline

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/netviz/netviz/ui/common"
)

// Mode says what the prompt is for.
type Mode int

// The prompt's modes.
const (
	Command Mode = iota
	Filter
)

// String names the mode.
func (m Mode) String() string {
	if m == Filter {
		return "filter"
	}
	return "command"
}

// maxSuggestions bounds the completions handed to the input.
const maxSuggestions = 64

// CompleteFunc returns whole-line completions of what was typed.
type CompleteFunc func(typed string) []string

// SubmitMsg is sent when enter is pressed.
type SubmitMsg struct {
	Mode  Mode
	Value string
}

// CancelMsg is sent when esc is pressed.
type CancelMsg struct{ Mode Mode }

// ChangeMsg is sent when the text of a filter changes.
type ChangeMsg struct{ Value string }

// KeyMap holds the prompt's keys.
type KeyMap struct {
	Submit   key.Binding
	Cancel   key.Binding
	Complete key.Binding
	Next     key.Binding
	Prev     key.Binding
}

// DefaultKeyMap returns the prompt's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Submit:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "run")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Complete: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete")),
		Next:     key.NewBinding(key.WithKeys("down", "ctrl+n"), key.WithHelp("↓", "next match")),
		Prev:     key.NewBinding(key.WithKeys("up", "ctrl+p"), key.WithHelp("↑", "previous match")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Submit, k.Cancel, k.Complete, k.Next}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// Styles are the prompt's styles.
type Styles struct {
	Prompt     lipgloss.Style
	Text       lipgloss.Style
	Suggestion lipgloss.Style
	Hint       lipgloss.Style
}

// DefaultStyles takes the prompt's styles from the shared ones.
func DefaultStyles(s *common.Styles) Styles {
	return Styles{Prompt: s.Key, Text: s.Text, Suggestion: s.Muted, Hint: s.Muted}
}

// Model is the prompt.
type Model struct {
	// KeyMap is the prompt's keys.
	KeyMap KeyMap

	input    textinput.Model
	styles   Styles
	width    int
	mode     Mode
	active   bool
	complete CompleteFunc
	matches  int
}

// New returns a closed prompt that completes commands with complete.
func New(c common.Common, complete CompleteFunc) Model {
	in := textinput.New()
	m := Model{KeyMap: DefaultKeyMap(), input: in, complete: complete}
	m.input.KeyMap.AcceptSuggestion = m.KeyMap.Complete
	m.input.KeyMap.NextSuggestion = m.KeyMap.Next
	m.input.KeyMap.PrevSuggestion = m.KeyMap.Prev
	m.SetCommon(c)
	return m
}

// SetCommon takes new styles and width.
func (m *Model) SetCommon(c common.Common) {
	m.styles = DefaultStyles(c.Styles)
	st := textinput.DefaultStyles(true)
	for _, s := range []*textinput.StyleState{&st.Focused, &st.Blurred} {
		s.Prompt, s.Text, s.Suggestion, s.Placeholder = m.styles.Prompt, m.styles.Text, m.styles.Suggestion, m.styles.Hint
	}
	st.Cursor.Blink = false
	m.input.SetStyles(st)
	m.width = c.Width
	// No input width: the input would pad itself to it, leaving no room
	// for the hint; the line is cut to the screen instead.
	m.input.SetWidth(0)
}

// Open shows the prompt in a mode, filled with initial.
func (m *Model) Open(mode Mode, initial string) tea.Cmd {
	m.mode, m.active = mode, true
	m.input.Prompt = ":"
	m.input.Placeholder = "ns NAME · trace FROM TO [PORT[/PROTO]] · export [FILE] · theme NAME · ctx NAME · q"
	m.input.ShowSuggestions = true
	if mode == Filter {
		m.input.Prompt = "/"
		m.input.Placeholder = "regex · !regex to invert · -l key=value"
		m.input.ShowSuggestions = false
	}
	m.input.SetValue(initial)
	m.input.CursorEnd()
	m.suggest()
	return m.input.Focus()
}

// Close hides the prompt.
func (m *Model) Close() {
	m.active = false
	m.input.Blur()
	m.input.Reset()
}

// Active reports whether the prompt is open.
func (m Model) Active() bool { return m.active }

// Mode returns the prompt's mode.
func (m Model) Mode() Mode { return m.mode }

// Value returns the text typed.
func (m Model) Value() string { return m.input.Value() }

func (m *Model) suggest() {
	if m.mode != Command || m.complete == nil {
		m.matches = 0
		m.input.SetSuggestions(nil)
		return
	}
	all := m.complete(m.input.Value())
	m.matches = len(all)
	if len(all) > maxSuggestions {
		all = all[:maxSuggestions]
	}
	m.input.SetSuggestions(all)
}

// Update edits the text; enter submits, esc cancels.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if !m.active {
		return m, nil
	}
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, m.KeyMap.Submit):
			v, mode := strings.TrimSpace(m.input.Value()), m.mode
			if mode == Command {
				// Take the completion shown, as k9s does, when the typed
				// text is not a whole command on its own.
				if s := m.input.CurrentSuggestion(); s != "" && len(m.input.MatchedSuggestions()) > 0 && !strings.Contains(v, " ") && s != v {
					v = strings.TrimSpace(s)
				}
			}
			m.Close()
			return m, func() tea.Msg { return SubmitMsg{Mode: mode, Value: v} }
		case key.Matches(k, m.KeyMap.Cancel):
			mode := m.mode
			m.Close()
			return m, func() tea.Msg { return CancelMsg{Mode: mode} }
		}
	}
	before := m.input.Value()
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	if after := m.input.Value(); after != before {
		m.suggest()
		if m.mode == Filter {
			return m, tea.Batch(cmd, func() tea.Msg { return ChangeMsg{Value: after} })
		}
	}
	return m, cmd
}

// View draws the prompt in one line of exactly the prompt's width.
func (m Model) View() string {
	if !m.active {
		return common.Fit("", m.width)
	}
	line := m.input.View()
	hint := ""
	switch {
	case m.mode == Command && m.matches > 1:
		hint = "tab completes · " + strconv.Itoa(m.matches) + " matches"
	case m.mode == Command && m.matches == 1:
		hint = "tab completes"
	}
	if hint != "" && ansi.StringWidth(line)+len(hint)+2 < m.width {
		pad := m.width - ansi.StringWidth(line) - ansi.StringWidth(hint) - 1
		return line + strings.Repeat(" ", pad) + m.styles.Hint.Render(hint) + " "
	}
	return common.Fit(line, m.width)
}
