package grid

import (
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/netviz/netviz/themes"
	"github.com/netviz/netviz/ui/common"
)

func TestGridScrollsBothWaysAndDrawsOnlyVisibleCells(t *testing.T) {
	th, _ := themes.Builtin("dark")
	m := New(common.Common{Width: 40, Height: 6, Styles: common.NewStyles(th)})
	drawn := 0
	name := func(i int) string { return "r" + strconv.Itoa(i) }
	m.SetData(1000, 1000, name, func(j int) string { return strconv.Itoa(j) }, func(i, j, w int) string {
		drawn++
		return common.Fit(strconv.Itoa((i+j)%10), w)
	}, 10, 5)
	// 40 wide: 10 for labels, 6 columns of 5; 6 high: 1 header, 5 rows.
	view := m.View()
	if drawn != 30 {
		t.Errorf("drew %d cells, want the 30 visible", drawn)
	}
	lines := strings.Split(ansi.Strip(view), "\n")
	if len(lines) != 6 || lines[1][:2] != "r0" {
		t.Fatalf("view:\n%s", ansi.Strip(view))
	}
	press := func(k string, n int) {
		for i := 0; i < n; i++ {
			m, _ = m.Update(tea.KeyPressMsg{Code: rune(k[0]), Text: k})
		}
	}
	press("j", 7)
	press("l", 9)
	if r, c := m.Cursor(); r != 7 || c != 9 {
		t.Fatalf("cursor %d,%d", r, c)
	}
	lines = strings.Split(ansi.Strip(m.View()), "\n")
	if !strings.HasPrefix(lines[5], "r7") || !strings.Contains(lines[0], "9") {
		t.Errorf("the cursor cell scrolled out of view:\n%s", strings.Join(lines, "\n"))
	}
	press("G", 1)
	press("$", 1)
	if r, c := m.Cursor(); r != 999 || c != 999 {
		t.Errorf("G and $ went to %d,%d", r, c)
	}
	for _, l := range strings.Split(m.View(), "\n") {
		if w := ansi.StringWidth(l); w != 40 {
			t.Errorf("line %d wide: %q", w, ansi.Strip(l))
		}
	}
}
