package list

import (
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/netviz/netviz/themes"
	"github.com/netviz/netviz/ui/common"
)

type item struct {
	key    string
	header bool
	labels map[string]string
}

func (i item) Key() string               { return i.key }
func (i item) FilterValue() string       { return i.key }
func (i item) Labels() map[string]string { return i.labels }
func (i item) Header() bool              { return i.header }

// newList holds a header, n items, a header, n items.
func newList(t *testing.T, n, h int, rendered *int) Model {
	t.Helper()
	th, _ := themes.Builtin("dark")
	c := common.Common{Width: 30, Height: h, Styles: common.NewStyles(th)}
	m := New(c, func(it Item, w int) string {
		*rendered++
		return it.Key()
	})
	var items []Item
	for _, sec := range []string{"a", "b"} {
		items = append(items, item{key: "SECTION " + sec, header: true})
		for i := 0; i < n; i++ {
			items = append(items, item{key: sec + "-" + strconv.Itoa(i), labels: map[string]string{"sec": sec}})
		}
	}
	m.SetItems(items)
	return m
}

func press(m Model, keys ...string) Model {
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "ctrl+f":
			msg = tea.KeyPressMsg{Code: 'f', Mod: tea.ModCtrl}
		case "ctrl+b":
			msg = tea.KeyPressMsg{Code: 'b', Mod: tea.ModCtrl}
		default:
			msg = tea.KeyPressMsg{Code: rune(k[0]), Text: k}
		}
		m, _ = m.Update(msg)
	}
	return m
}

func selected(m Model) string {
	it, ok := m.Selected()
	if !ok {
		return ""
	}
	return it.Key()
}

func TestMovementSkipsHeaders(t *testing.T) {
	var n int
	m := newList(t, 3, 5, &n)
	tests := []struct {
		keys []string
		want string
	}{
		{nil, "a-0"},
		{[]string{"j", "j", "j"}, "b-0"}, // over the header
		{[]string{"k"}, "a-2"},
		{[]string{"G"}, "b-2"},
		{[]string{"g"}, "a-0"},
		{[]string{"ctrl+f"}, "b-0"},
		{[]string{"ctrl+b"}, "a-0"},
		{[]string{"k", "k"}, "a-0"}, // stays at the top
	}
	for _, tc := range tests {
		m = press(m, tc.keys...)
		if got := selected(m); got != tc.want {
			t.Errorf("after %v selected %q, want %q", tc.keys, got, tc.want)
		}
	}
}

func TestVirtualised(t *testing.T) {
	var rendered int
	m := newList(t, 5000, 10, &rendered)
	m = press(m, "G")
	rendered = 0
	view := m.View()
	if rendered != 10 {
		t.Errorf("rendered %d rows for a 10-row list of 10 002 items", rendered)
	}
	lines := strings.Split(view, "\n")
	if len(lines) != 10 {
		t.Fatalf("%d lines, want 10", len(lines))
	}
	for _, l := range lines {
		if w := ansi.StringWidth(l); w != 30 {
			t.Errorf("line %q is %d wide, want 30", ansi.Strip(l), w)
		}
	}
	if !strings.Contains(ansi.Strip(lines[9]), "›b-4999") {
		t.Errorf("the last line is not the selected last item: %q", ansi.Strip(lines[9]))
	}
	if p, total := m.Position(); p != 10000 || total != 10000 {
		t.Errorf("position %d/%d", p, total)
	}
}

func TestFilterKeepsHeadersAndSelection(t *testing.T) {
	var n int
	m := newList(t, 3, 10, &n)
	m = press(m, "j") // a-1
	f, _ := common.ParseFilter("1")
	m.SetFilter(f)
	got := strings.Fields(ansi.Strip(m.View()))
	want := []string{"SECTION", "a", "›a-1", "SECTION", "b", "b-1"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("filtered view %q, want %q", got, want)
	}
	if selected(m) != "a-1" {
		t.Errorf("the selection did not survive the filter: %q", selected(m))
	}
	lf, _ := common.ParseFilter("-l sec=b")
	m.SetFilter(lf)
	if selected(m) != "b-0" {
		t.Errorf("after a label filter selected %q, want b-0", selected(m))
	}
	none, _ := common.ParseFilter("zzz")
	m.SetFilter(none)
	if _, ok := m.Selected(); ok || !strings.Contains(m.View(), "nothing to show") {
		t.Errorf("an empty result still selects something or shows no empty text")
	}
}

func TestSetItemsKeepsSelection(t *testing.T) {
	var n int
	m := newList(t, 3, 10, &n)
	m = press(m, "j", "j", "j", "j") // b-1
	// The same items with a-0 gone: b-1 stays selected.
	var items []Item
	for _, it := range m.Items() {
		if it.Key() != "a-0" {
			items = append(items, it)
		}
	}
	m.SetItems(items)
	if selected(m) != "b-1" {
		t.Errorf("selected %q after a refresh, want b-1", selected(m))
	}
	// The selected item gone: the cursor stays where it was.
	items = items[:0]
	for _, it := range m.Items() {
		if it.Key() != "b-1" {
			items = append(items, it)
		}
	}
	m.SetItems(items)
	if selected(m) != "b-2" {
		t.Errorf("selected %q after the item went away, want its neighbour b-2", selected(m))
	}
}

func TestClickAndWheel(t *testing.T) {
	var n int
	m := newList(t, 3, 10, &n)
	if !m.Click(5) || selected(m) != "b-0" {
		t.Errorf("click on row 5 selected %q, want b-0", selected(m))
	}
	if m.Click(4) {
		t.Errorf("a click on a header selected it")
	}
	m, _ = m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if selected(m) != "b-1" {
		t.Errorf("wheel down selected %q", selected(m))
	}
	m.Blur()
	m = press(m, "j")
	if selected(m) != "b-1" {
		t.Errorf("a list without focus moved")
	}
}
