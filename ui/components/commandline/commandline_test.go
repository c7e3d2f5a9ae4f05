package commandline

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/netviz/netviz/themes"
	"github.com/netviz/netviz/ui/common"
)

func newPrompt(t *testing.T) Model {
	th, _ := themes.Builtin("dark")
	return New(common.Common{Width: 80, Height: 24, Styles: common.NewStyles(th)}, func(typed string) []string {
		var out []string
		for _, c := range []string{"ns default", "ns shop", "theme dark"} {
			if strings.HasPrefix(c, typed) {
				out = append(out, c)
			}
		}
		return out
	})
}

// typeText feeds text and returns the messages the prompt's commands send.
func typeText(m Model, keys ...tea.KeyPressMsg) (Model, []tea.Msg) {
	var msgs []tea.Msg
	for _, k := range keys {
		var cmd tea.Cmd
		m, cmd = m.Update(k)
		if cmd != nil {
			if msg := cmd(); msg != nil {
				if b, ok := msg.(tea.BatchMsg); ok {
					for _, c := range b {
						if c != nil {
							msgs = append(msgs, c())
						}
					}
				} else {
					msgs = append(msgs, msg)
				}
			}
		}
	}
	return m, msgs
}

func runes(s string) []tea.KeyPressMsg {
	var out []tea.KeyPressMsg
	for _, r := range s {
		out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return out
}

func TestCommandSubmitAndComplete(t *testing.T) {
	m := newPrompt(t)
	m.Open(Command, "")
	m, _ = typeText(m, runes("ns s")...)
	if v := ansi.Strip(m.View()); !strings.Contains(v, ":ns shop") || !strings.Contains(v, "tab completes") {
		t.Errorf("the completion is not shown: %q", v)
	}
	m, _ = typeText(m, tea.KeyPressMsg{Code: tea.KeyTab})
	if m.Value() != "ns shop" {
		t.Errorf("tab gave %q", m.Value())
	}
	m, msgs := typeText(m, tea.KeyPressMsg{Code: tea.KeyEnter})
	if len(msgs) != 1 || msgs[0] != (SubmitMsg{Mode: Command, Value: "ns shop"}) {
		t.Errorf("enter sent %v", msgs)
	}
	if m.Active() {
		t.Error("the prompt stays open after enter")
	}
}

func TestFilterSendsChangesAndCancel(t *testing.T) {
	m := newPrompt(t)
	m.Open(Filter, "ca")
	m, msgs := typeText(m, runes("r")...)
	found := false
	for _, msg := range msgs {
		if msg == (ChangeMsg{Value: "car"}) {
			found = true
		}
	}
	if !found {
		t.Errorf("typing in a filter sent %v, want a ChangeMsg", msgs)
	}
	if v := ansi.Strip(m.View()); !strings.HasPrefix(v, "/car") {
		t.Errorf("filter prompt %q", v)
	}
	m, msgs = typeText(m, tea.KeyPressMsg{Code: tea.KeyEscape})
	if len(msgs) != 1 || msgs[0] != (CancelMsg{Mode: Filter}) || m.Active() {
		t.Errorf("esc sent %v, active %v", msgs, m.Active())
	}
}
