// Package grid is a virtualised two-dimensional table for heatmaps: a
// row of column labels, a column of row labels, and fixed-width cells. It
// draws only the cells that fit and scrolls both ways to keep the cursor
// cell on screen.
package grid

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/netviz/netviz/ui/common"
)

// CellFunc draws cell (row, col) in exactly width cells.
type CellFunc func(row, col, width int) string

// LabelFunc names row or column i.
type LabelFunc func(i int) string

// KeyMap holds the grid's movement keys.
type KeyMap struct {
	Up       key.Binding
	Down     key.Binding
	Left     key.Binding
	Right    key.Binding
	Top      key.Binding
	Bottom   key.Binding
	First    key.Binding
	Last     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
}

// DefaultKeyMap returns vim and arrow movement.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("↓/j", "down")),
		Left:     key.NewBinding(key.WithKeys("h", "left"), key.WithHelp("←/h", "left")),
		Right:    key.NewBinding(key.WithKeys("l", "right"), key.WithHelp("→/l", "right")),
		Top:      key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "first row")),
		Bottom:   key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "last row")),
		First:    key.NewBinding(key.WithKeys("0"), key.WithHelp("0", "first column")),
		Last:     key.NewBinding(key.WithKeys("$"), key.WithHelp("$", "last column")),
		PageUp:   key.NewBinding(key.WithKeys("ctrl+b", "pgup"), key.WithHelp("ctrl+b", "page up")),
		PageDown: key.NewBinding(key.WithKeys("ctrl+f", "pgdown"), key.WithHelp("ctrl+f", "page down")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Up, k.Down, k.Left, k.Right} }

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Left, k.Right, k.Top, k.Bottom, k.First, k.Last, k.PageUp, k.PageDown}}
}

// Styles are the grid's styles.
type Styles struct {
	Label       lipgloss.Style
	LabelActive lipgloss.Style
	Selected    lipgloss.Style
}

// DefaultStyles takes the grid's styles from the shared ones.
func DefaultStyles(s *common.Styles) Styles {
	return Styles{Label: s.Muted, LabelActive: s.Title, Selected: s.Selected}
}

// Model is the grid.
type Model struct {
	// KeyMap is the grid's keys.
	KeyMap KeyMap

	styles     Styles
	width      int
	height     int
	rows, cols int
	rowLabel   LabelFunc
	colLabel   LabelFunc
	cell       CellFunc
	labelWidth int
	cellWidth  int
	r, c       int
	offR, offC int
}

// New returns an empty grid.
func New(c common.Common) Model {
	m := Model{KeyMap: DefaultKeyMap(), labelWidth: 16, cellWidth: 3}
	m.SetCommon(c)
	return m
}

// SetCommon takes new styles and size.
func (m *Model) SetCommon(c common.Common) {
	m.styles = DefaultStyles(c.Styles)
	m.SetSize(c.Width, c.Height)
}

// SetSize sets the space the grid draws in.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = max(w, 0), max(h, 0)
	m.scroll()
}

// SetData sets the grid's dimensions and how to draw it, keeping the
// cursor where it was when it still fits.
func (m *Model) SetData(rows, cols int, rowLabel, colLabel LabelFunc, cell CellFunc, labelWidth, cellWidth int) {
	m.rows, m.cols = rows, cols
	m.rowLabel, m.colLabel, m.cell = rowLabel, colLabel, cell
	m.labelWidth, m.cellWidth = labelWidth, max(cellWidth, 1)
	m.r, m.c = min(m.r, max(rows-1, 0)), min(m.c, max(cols-1, 0))
	m.scroll()
}

// Cursor returns the selected row and column.
func (m Model) Cursor() (int, int) { return m.r, m.c }

// SetCursor moves the cursor.
func (m *Model) SetCursor(r, c int) {
	m.r, m.c = max(0, min(r, m.rows-1)), max(0, min(c, m.cols-1))
	m.scroll()
}

func (m Model) visibleRows() int { return max(m.height-1, 1) }

func (m Model) visibleCols() int { return max((m.width-m.labelWidth)/m.cellWidth, 1) }

func (m *Model) scroll() {
	vr, vc := m.visibleRows(), m.visibleCols()
	if m.r < m.offR {
		m.offR = m.r
	}
	if m.r >= m.offR+vr {
		m.offR = m.r - vr + 1
	}
	if m.c < m.offC {
		m.offC = m.c
	}
	if m.c >= m.offC+vc {
		m.offC = m.c - vc + 1
	}
	m.offR = max(0, min(m.offR, m.rows-vr))
	m.offC = max(0, min(m.offC, m.cols-vc))
}

// Update moves the cursor.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.KeyMap.Up):
			m.SetCursor(m.r-1, m.c)
		case key.Matches(msg, m.KeyMap.Down):
			m.SetCursor(m.r+1, m.c)
		case key.Matches(msg, m.KeyMap.Left):
			m.SetCursor(m.r, m.c-1)
		case key.Matches(msg, m.KeyMap.Right):
			m.SetCursor(m.r, m.c+1)
		case key.Matches(msg, m.KeyMap.Top):
			m.SetCursor(0, m.c)
		case key.Matches(msg, m.KeyMap.Bottom):
			m.SetCursor(m.rows-1, m.c)
		case key.Matches(msg, m.KeyMap.First):
			m.SetCursor(m.r, 0)
		case key.Matches(msg, m.KeyMap.Last):
			m.SetCursor(m.r, m.cols-1)
		case key.Matches(msg, m.KeyMap.PageDown):
			m.SetCursor(m.r+m.visibleRows(), m.c)
		case key.Matches(msg, m.KeyMap.PageUp):
			m.SetCursor(m.r-m.visibleRows(), m.c)
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			m.SetCursor(m.r-1, m.c)
		case tea.MouseWheelDown:
			m.SetCursor(m.r+1, m.c)
		case tea.MouseWheelLeft:
			m.SetCursor(m.r, m.c-1)
		case tea.MouseWheelRight:
			m.SetCursor(m.r, m.c+1)
		}
	}
	return m, nil
}

// View draws the visible part of the grid in exactly the grid's size.
func (m Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	if m.rows == 0 || m.cols == 0 || m.cell == nil {
		return common.FitBlock("", m.width, m.height)
	}
	vr, vc := m.visibleRows(), m.visibleCols()
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", m.labelWidth))
	for j := m.offC; j < m.cols && j < m.offC+vc; j++ {
		st := m.styles.Label
		if j == m.c {
			st = m.styles.LabelActive
		}
		b.WriteString(st.Render(common.Fit(m.colLabel(j), m.cellWidth-1)) + " ")
	}
	lines := []string{common.Fit(b.String(), m.width)}
	for i := m.offR; i < m.rows && i < m.offR+vr; i++ {
		b.Reset()
		st := m.styles.Label
		if i == m.r {
			st = m.styles.LabelActive
		}
		b.WriteString(st.Render(common.Fit(m.rowLabel(i), m.labelWidth-1)) + " ")
		for j := m.offC; j < m.cols && j < m.offC+vc; j++ {
			cell := m.cell(i, j, m.cellWidth)
			if i == m.r && j == m.c {
				cell = m.styles.Selected.Render(common.Fit(ansi.Strip(cell), m.cellWidth))
			}
			b.WriteString(cell)
		}
		lines = append(lines, common.Fit(b.String(), m.width))
	}
	return common.FitBlock(strings.Join(lines, "\n"), m.width, m.height)
}

// ShortHelp implements help.KeyMap.
func (m Model) ShortHelp() []key.Binding { return m.KeyMap.ShortHelp() }

// FullHelp implements help.KeyMap.
func (m Model) FullHelp() [][]key.Binding { return m.KeyMap.FullHelp() }
