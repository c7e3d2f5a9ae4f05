package ui

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/themes"
	"github.com/netviz/netviz/ui/common"
)

// commandNames are the `:` commands, in the order completion offers them.
var commandNames = []string{"ns", "ctx", "trace", "export", "theme", "matrix", "policy", "lint", "insights", "browser", "graph", "help", "q", "quit"}

// runCommand runs one `:` command line.
func (m *Model) runCommand(line string) tea.Cmd {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return nil
	}
	name, args := fields[0], fields[1:]
	switch name {
	case "q", "q!", "quit", "exit":
		return tea.Quit
	case "help", "h":
		m.showHlp = true
		return nil
	case "browser", "b":
		return m.setState(stateBrowser)
	case "lint", "insights":
		return m.setState(stateInsights)
	case "graph", "g":
		return m.setState(stateGraph)
	case "ns", "namespace":
		ns := ""
		if len(args) > 0 {
			ns = args[0]
		}
		if !m.browser.SelectNamespace(ns) {
			m.status.SetMessage("no namespace "+ns, true)
			return nil
		}
		return m.setState(stateBrowser)
	case "ctx", "context":
		return m.switchContext(args)
	case "trace", "t":
		if len(args) == 0 {
			return m.setState(stateTrace)
		}
		req, err := parseTrace(args)
		if err != nil {
			m.status.SetMessage(err.Error(), true)
			return nil
		}
		return m.runTrace(req)
	case "export", "x":
		file := ""
		if len(args) > 0 {
			file = args[0]
		}
		return m.export(file)
	case "theme":
		if len(args) != 1 {
			m.status.SetMessage("usage: :theme NAME ("+strings.Join(themes.Names(), ", ")+")", true)
			return nil
		}
		return m.setTheme(args[0])
	case "matrix", "m":
		cmd := m.setState(stateMatrix)
		if len(args) > 0 {
			port, proto, err := parsePort(args[0])
			if err != nil {
				m.status.SetMessage(err.Error(), true)
				return cmd
			}
			return tea.Batch(cmd, m.matrix.SetPort(common.MatrixKey{Port: port, Protocol: proto}))
		}
		return cmd
	case "policy", "pol", "netpol":
		if len(args) != 1 {
			return m.setState(statePolicy)
		}
		if !m.policy.Show(args[0]) {
			m.status.SetMessage("no NetworkPolicy "+args[0]+" (want NAMESPACE/NAME)", true)
		}
		return m.setState(statePolicy)
	}
	m.status.SetMessage(fmt.Sprintf("unknown command %q (try %s)", name, strings.Join(commandNames[:len(commandNames)-1], ", ")), true)
	return nil
}

// parseTrace reads `FROM TO [PORT[/PROTO]]`, as `netviz trace` takes
// them.
func parseTrace(args []string) (graph.TraceRequest, error) {
	if len(args) < 2 || len(args) > 3 {
		return graph.TraceRequest{}, fmt.Errorf("usage: :trace FROM TO [PORT[/PROTO]]")
	}
	req := graph.TraceRequest{From: args[0], To: args[1], Protocol: policy.TCP}
	if len(args) == 3 {
		port, proto, err := parsePort(args[2])
		if err != nil {
			return graph.TraceRequest{}, err
		}
		req.Port, req.Protocol = port, proto
	}
	return req, nil
}

// parsePort reads PORT[/PROTO]: a number or a port name, TCP by default.
func parsePort(s string) (string, policy.Protocol, error) {
	port, protoText, _ := strings.Cut(s, "/")
	proto, err := policy.ParseProtocol(protoText)
	if err != nil {
		return "", 0, err
	}
	if port == "" {
		return "", 0, fmt.Errorf("%q: want PORT[/PROTO], e.g. 80 or 53/UDP or dns/UDP", s)
	}
	return port, proto, nil
}

// switchContext starts watching another kubeconfig context.
func (m *Model) switchContext(args []string) tea.Cmd {
	if m.opts.SwitchContext == nil {
		m.status.SetMessage("this source has no kubeconfig contexts: netviz is showing "+m.opts.Source, true)
		return nil
	}
	if len(args) != 1 {
		m.status.SetMessage("usage: :ctx NAME", true)
		return nil
	}
	ch, err := m.opts.SwitchContext(args[0])
	if err != nil {
		m.status.SetMessage(fmt.Sprintf("switch to context %s: %v", args[0], err), true)
		return nil
	}
	m.gen++
	m.updates = ch
	m.opts.Source = "context " + args[0]
	m.status.Source = m.opts.Source
	m.status.State = "reconnecting"
	m.status.SetMessage("switching to context "+args[0], false)
	return waitForUpdateCmd(ch, m.gen)
}

// setTheme switches theme at run time. A theme named explicitly is used
// even under NO_COLOR, as a --theme flag would be.
func (m *Model) setTheme(name string) tea.Cmd {
	t, err := themes.Load(name)
	if err != nil {
		m.status.SetMessage(err.Error(), true)
		return nil
	}
	m.opts.Theme = t
	m.common.Styles = common.NewStyles(t)
	cmd := m.applyCommon()
	m.status.SetMessage("theme "+name, false)
	return cmd
}

// export writes the view on screen as DOT, through the same exporter as
// `netviz export`.
func (m *Model) export(file string) tea.Cmd {
	snap := m.common.Snap
	if snap == nil {
		return nil
	}
	target := m.page().ExportTarget()
	dir := m.opts.ExportDir
	if file == "" {
		file = "netviz-" + sanitize(target.Name) + ".dot"
	}
	path := file
	if !filepath.IsAbs(path) && dir != "" {
		path = filepath.Join(dir, file)
	}
	m.status.SetMessage("exporting to "+path+"…", false)
	return exportCmd(snap.Graph, target, path)
}

// save writes a file a view asked for (a suggested policy) to the
// export folder, off the UI loop.
func (m *Model) save(msg common.SaveMsg) tea.Cmd {
	path := msg.Name
	if dir := m.opts.ExportDir; !filepath.IsAbs(path) && dir != "" {
		path = filepath.Join(dir, path)
	}
	m.status.SetMessage("writing "+path+"…", false)
	return func() tea.Msg {
		if err := os.WriteFile(path, msg.Data, 0o644); err != nil {
			return ExportedMsg{Err: fmt.Errorf("write %s: %w", path, err)}
		}
		return ExportedMsg{Path: path, What: msg.What}
	}
}

// exportCmd builds the view and writes its DOT off the UI loop.
func exportCmd(g *graph.Graph, target common.ExportTarget, path string) tea.Cmd {
	return func() tea.Msg {
		var v *graph.View
		var err error
		if target.Trace != nil {
			v, err = g.TraceView(*target.Trace)
		} else {
			v, err = g.View(graph.ExportOptions{Namespace: target.Namespace, Focus: target.Focus})
		}
		if err != nil {
			return ExportedMsg{Err: fmt.Errorf("export %s: %w", target.Name, err)}
		}
		var buf bytes.Buffer
		if err := v.WriteDOT(&buf); err != nil {
			return ExportedMsg{Err: fmt.Errorf("export %s: %w", target.Name, err)}
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return ExportedMsg{Err: fmt.Errorf("write %s: %w", path, err)}
		}
		return ExportedMsg{Path: path}
	}
}

// sanitize makes a name safe as part of a file name.
func sanitize(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '-'
	}, s)
	if s == "" {
		return "all"
	}
	return s
}

// complete returns whole-line completions of a command line: command
// names, then each command's arguments.
func (m *Model) complete(typed string) []string {
	fields := strings.Fields(typed)
	if len(fields) == 0 || (len(fields) == 1 && !strings.HasSuffix(typed, " ")) {
		prefix := ""
		if len(fields) == 1 {
			prefix = fields[0]
		}
		var out []string
		for _, c := range commandNames {
			if strings.HasPrefix(c, prefix) {
				out = append(out, c)
			}
		}
		return out
	}
	arg := len(fields) - 1 // index of the argument being typed, 1-based
	partial := ""
	if !strings.HasSuffix(typed, " ") {
		partial = fields[len(fields)-1]
	} else {
		arg++
	}
	base := typed[:len(typed)-len(partial)]
	var cands []string
	switch fields[0] {
	case "ns", "namespace":
		if arg == 1 && m.common.Snap != nil {
			cands = append(cands, "all")
			for _, ns := range m.common.Snap.Inventory.Namespaces {
				cands = append(cands, ns.Name)
			}
		}
	case "ctx", "context":
		if arg == 1 && m.opts.Contexts != nil {
			cands = m.opts.Contexts()
		}
	case "theme":
		if arg == 1 {
			cands = themes.Names()
		}
	case "policy", "pol", "netpol":
		if arg == 1 && m.common.Snap != nil {
			cands = m.common.Snap.Graph.Model.Policies()
		}
	case "trace", "t":
		switch {
		case arg <= 2 && m.common.Snap != nil:
			if m.targets == nil {
				m.targets = m.common.Snap.Graph.TraceTargets()
			}
			cands = m.targets
		case arg == 3 && m.common.Snap != nil:
			for _, pc := range m.common.Snap.Graph.TracePorts(fields[2]) {
				if pc.Port == "" {
					continue
				}
				if pc.Protocol == policy.TCP {
					cands = append(cands, pc.Port)
				} else {
					cands = append(cands, pc.Port+"/"+pc.Protocol.String())
				}
			}
		}
	case "matrix", "m":
		if arg == 1 && m.common.Snap != nil {
			for _, pc := range m.common.Snap.Graph.CommonPorts(20) {
				cands = append(cands, pc.Port+"/"+pc.Protocol.String())
			}
		}
	}
	var out []string
	lp := strings.ToLower(partial)
	for _, c := range cands {
		if strings.HasPrefix(strings.ToLower(c), lp) {
			out = append(out, base+c)
		}
	}
	return out
}
