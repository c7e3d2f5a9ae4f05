package common

import "charm.land/bubbles/v2/key"

// KeyMap holds the keys that work in every view, k9s style.
type KeyMap struct {
	Quit    key.Binding
	Help    key.Binding
	Command key.Binding
	Filter  key.Binding
	Back    key.Binding
	Source  key.Binding
	Dest    key.Binding
	Copy    key.Binding
	Export  key.Binding
	Browser key.Binding
	Graph   key.Binding
	Trace   key.Binding
	Matrix  key.Binding
	Policy  key.Binding
	// Insights shows what netviz lint finds.
	Insights key.Binding
}

// DefaultKeyMap returns the global keys.
func DefaultKeyMap() *KeyMap {
	return &KeyMap{
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Command:  key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "command")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear/back")),
		Source:   key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "trace from")),
		Dest:     key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "trace to")),
		Copy:     key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy name")),
		Export:   key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "export DOT")),
		Browser:  key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "browser")),
		Graph:    key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "graph")),
		Trace:    key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "trace")),
		Matrix:   key.NewBinding(key.WithKeys("4"), key.WithHelp("4", "matrix")),
		Policy:   key.NewBinding(key.WithKeys("5"), key.WithHelp("5", "policy")),
		Insights: key.NewBinding(key.WithKeys("6"), key.WithHelp("6", "insights")),
	}
}

// ShortHelp implements help.KeyMap.
func (k *KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Help, k.Command, k.Filter, k.Source, k.Dest, k.Export, k.Quit}
}

// FullHelp implements help.KeyMap.
func (k *KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Command, k.Filter, k.Back, k.Help, k.Quit},
		{k.Source, k.Dest, k.Copy, k.Export},
		{k.Browser, k.Graph, k.Trace, k.Matrix, k.Policy, k.Insights},
	}
}
