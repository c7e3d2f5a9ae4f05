// Package list is a virtualised list: however many items it holds, it
// draws only the rows that fit. Items can be section headers, which are
// never selected and stay visible while any item of their section passes
// the filter. The selection follows an item's key across refreshes.
package list

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/netviz/netviz/ui/common"
)

// Item is one row of the list.
type Item interface {
	// Key identifies the item across refreshes.
	Key() string
	// FilterValue is what the filter's regular expression is matched
	// against.
	FilterValue() string
	// Labels are what a label filter matches; nil when the item has none.
	Labels() map[string]string
	// Header reports whether the item is a section header.
	Header() bool
}

// RenderFunc draws one item in width cells. The list applies the
// selection style itself, to the plain text of the row.
type RenderFunc func(it Item, width int) string

// KeyMap holds the list's movement keys.
type KeyMap struct {
	Up       key.Binding
	Down     key.Binding
	Top      key.Binding
	Bottom   key.Binding
	PageUp   key.Binding
	PageDown key.Binding
}

// DefaultKeyMap returns vim and arrow movement, k9s style.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("↓/j", "down")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "top")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "bottom")),
		PageUp:   key.NewBinding(key.WithKeys("ctrl+b", "pgup"), key.WithHelp("ctrl+b", "page up")),
		PageDown: key.NewBinding(key.WithKeys("ctrl+f", "pgdown"), key.WithHelp("ctrl+f", "page down")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Up, k.Down} }

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown}}
}

// Styles are the list's styles.
type Styles struct {
	// Selected is the selected row of a focused list.
	Selected lipgloss.Style
	// Cursor is the selected row of a list without focus.
	Cursor lipgloss.Style
	// Empty is the text shown when there is nothing to list.
	Empty lipgloss.Style
}

// DefaultStyles takes the list's styles from the shared ones.
func DefaultStyles(s *common.Styles) Styles {
	return Styles{Selected: s.Selected, Cursor: s.Cursor, Empty: s.Muted}
}

// Model is the list.
type Model struct {
	// KeyMap is the list's keys.
	KeyMap KeyMap
	// EmptyText is shown when no item passes the filter.
	EmptyText string

	styles  Styles
	render  RenderFunc
	width   int
	height  int
	items   []Item
	visible []int // indexes into items
	rank    []int // ordinal among selectable rows, per visible row; -1 for headers
	count   int   // selectable visible rows
	cursor  int   // index into visible, -1 when nothing is selectable
	offset  int   // first visible row drawn
	filter  common.Filter
	focused bool
}

// New returns an empty list drawing rows with render.
func New(c common.Common, render RenderFunc) Model {
	m := Model{KeyMap: DefaultKeyMap(), render: render, cursor: -1, focused: true, EmptyText: "nothing to show"}
	m.SetCommon(c)
	return m
}

// SetCommon takes new styles and size.
func (m *Model) SetCommon(c common.Common) {
	m.styles = DefaultStyles(c.Styles)
	m.SetSize(c.Width, c.Height)
}

// SetSize sets the rows and columns the list draws.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = max(w, 0), max(h, 0)
	m.scroll()
}

// SetRender changes how rows are drawn, e.g. after the styles changed.
func (m *Model) SetRender(render RenderFunc) { m.render = render }

// Width returns the list's width.
func (m Model) Width() int { return m.width }

// Height returns the list's height.
func (m Model) Height() int { return m.height }

// Focus gives the list focus: it takes keys and shows the selection.
func (m *Model) Focus() { m.focused = true }

// Blur takes focus away.
func (m *Model) Blur() { m.focused = false }

// Focused reports whether the list has focus.
func (m Model) Focused() bool { return m.focused }

// SetItems replaces the items, keeping the selected item selected when
// its key is still there, else the cursor's position.
func (m *Model) SetItems(items []Item) {
	var keep string
	if it, ok := m.Selected(); ok {
		keep = it.Key()
	}
	pos := m.cursor
	m.items = items
	m.apply()
	if keep != "" && m.Select(keep) {
		return
	}
	m.cursor = -1
	if m.count > 0 {
		m.cursor = m.nearestSelectable(max(0, min(pos, len(m.visible)-1)), 1)
	}
	m.scroll()
}

// Items returns every item, filtered or not.
func (m Model) Items() []Item { return m.items }

// SetFilter filters the items, keeping the selection when it passes.
func (m *Model) SetFilter(f common.Filter) {
	var keep string
	if it, ok := m.Selected(); ok {
		keep = it.Key()
	}
	m.filter = f
	m.apply()
	if keep == "" || !m.Select(keep) {
		m.cursor = m.nearestSelectable(0, 1)
		m.offset = 0
		m.scroll()
	}
}

// Filter returns the filter in use.
func (m Model) Filter() common.Filter { return m.filter }

// apply recomputes the visible rows from the items and the filter.
func (m *Model) apply() {
	m.visible = m.visible[:0]
	m.rank = m.rank[:0]
	m.count = 0
	pending := -1
	for i, it := range m.items {
		if it.Header() {
			pending = i
			if m.filter.Empty() {
				m.visible = append(m.visible, i)
				m.rank = append(m.rank, -1)
				pending = -1
			}
			continue
		}
		if !m.filter.Match(it.FilterValue(), it.Labels()) {
			continue
		}
		if pending >= 0 {
			m.visible = append(m.visible, pending)
			m.rank = append(m.rank, -1)
			pending = -1
		}
		m.visible = append(m.visible, i)
		m.rank = append(m.rank, m.count)
		m.count++
	}
}

// nearestSelectable finds the selectable row at or after from (dir 1) or
// at or before it (dir -1), trying the other way when there is none.
func (m Model) nearestSelectable(from, dir int) int {
	if m.count == 0 {
		return -1
	}
	for _, d := range []int{dir, -dir} {
		for i := from; i >= 0 && i < len(m.visible); i += d {
			if m.rank[i] >= 0 {
				return i
			}
		}
	}
	return -1
}

// Selected returns the item under the cursor.
func (m Model) Selected() (Item, bool) {
	if m.cursor < 0 || m.cursor >= len(m.visible) {
		return nil, false
	}
	return m.items[m.visible[m.cursor]], true
}

// Select moves the cursor to the visible item with key.
func (m *Model) Select(key string) bool {
	for i, idx := range m.visible {
		if m.rank[i] >= 0 && m.items[idx].Key() == key {
			m.cursor = i
			m.scroll()
			return true
		}
	}
	return false
}

// Position returns the 1-based ordinal of the selected item among the
// visible ones, and how many are visible (headers not counted).
func (m Model) Position() (int, int) {
	if m.cursor < 0 {
		return 0, m.count
	}
	return m.rank[m.cursor] + 1, m.count
}

// Offset returns the first visible row drawn.
func (m Model) Offset() int { return m.offset }

// GotoTop selects the first selectable row and scrolls to the top.
func (m *Model) GotoTop() {
	m.cursor = m.nearestSelectable(0, 1)
	m.offset = 0
	m.scroll()
}

// MoveBy moves the cursor n selectable rows down (up when negative).
func (m *Model) MoveBy(n int) {
	if m.cursor < 0 {
		return
	}
	dir := 1
	if n < 0 {
		dir, n = -1, -n
	}
	for ; n > 0; n-- {
		next := -1
		for i := m.cursor + dir; i >= 0 && i < len(m.visible); i += dir {
			if m.rank[i] >= 0 {
				next = i
				break
			}
		}
		if next < 0 {
			break
		}
		m.cursor = next
	}
	m.scroll()
}

// jump moves the cursor by rows (not items), landing on a selectable row.
func (m *Model) jump(rows int) {
	if m.cursor < 0 {
		return
	}
	dir := 1
	if rows < 0 {
		dir = -1
	}
	target := max(0, min(len(m.visible)-1, m.cursor+rows))
	m.cursor = m.nearestSelectable(target, dir)
	if rows > 0 {
		m.offset = max(m.offset, min(m.offset+rows, len(m.visible)-m.height))
	} else {
		m.offset = max(0, m.offset+rows)
	}
	m.scroll()
}

// scroll keeps the cursor, and the header right above it, on screen.
func (m *Model) scroll() {
	if m.height <= 0 {
		return
	}
	if m.offset > max(0, len(m.visible)-m.height) {
		m.offset = max(0, len(m.visible)-m.height)
	}
	if m.cursor < 0 {
		return
	}
	top := m.cursor
	if top > 0 && m.rank[top-1] < 0 {
		top-- // show the section header too
	}
	if top < m.offset {
		m.offset = top
	}
	if m.cursor >= m.offset+m.height {
		m.offset = m.cursor - m.height + 1
	}
}

// Click selects the row drawn at y (0 is the first row of the list).
func (m *Model) Click(y int) bool {
	i := m.offset + y
	if y < 0 || i >= len(m.visible) || m.rank[i] < 0 {
		return false
	}
	m.cursor = i
	m.scroll()
	return true
}

// Update moves the cursor on keys and the mouse wheel when focused.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if !m.focused {
		return m, nil
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.KeyMap.Up):
			m.MoveBy(-1)
		case key.Matches(msg, m.KeyMap.Down):
			m.MoveBy(1)
		case key.Matches(msg, m.KeyMap.Top):
			m.GotoTop()
		case key.Matches(msg, m.KeyMap.Bottom):
			m.cursor = m.nearestSelectable(len(m.visible)-1, -1)
			m.scroll()
		case key.Matches(msg, m.KeyMap.PageDown):
			m.jump(max(1, m.height-1))
		case key.Matches(msg, m.KeyMap.PageUp):
			m.jump(-max(1, m.height-1))
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			m.MoveBy(-1)
		case tea.MouseWheelDown:
			m.MoveBy(1)
		}
	}
	return m, nil
}

// View draws exactly Height rows of exactly Width cells; only the rows
// on screen are rendered.
func (m Model) View() string {
	if m.height <= 0 || m.width <= 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(m.height * (m.width + 16))
	rows := 0
	if len(m.visible) == 0 {
		b.WriteString(common.Fit(m.styles.Empty.Render(m.EmptyText), m.width))
		rows++
	}
	for i := m.offset; i < len(m.visible) && rows < m.height; i++ {
		if rows > 0 {
			b.WriteByte('\n')
		}
		// A one-cell gutter marks the selected row, so the selection
		// shows without colour too.
		line := m.render(m.items[m.visible[i]], m.width-1)
		if i == m.cursor {
			st := m.styles.Cursor
			if m.focused {
				st = m.styles.Selected
			}
			line = st.Render(common.Fit("›"+ansi.Strip(line), m.width))
		} else {
			line = common.Fit(" "+line, m.width)
		}
		b.WriteString(line)
		rows++
	}
	for ; rows < m.height; rows++ {
		b.WriteByte('\n')
		b.WriteString(strings.Repeat(" ", m.width))
	}
	return b.String()
}

// ShortHelp implements help.KeyMap.
func (m Model) ShortHelp() []key.Binding { return m.KeyMap.ShortHelp() }

// FullHelp implements help.KeyMap.
func (m Model) FullHelp() [][]key.Binding { return m.KeyMap.FullHelp() }
