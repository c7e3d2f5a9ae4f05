package graph

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/netviz/netviz/graph/policy"
)

// ExportOptions choose what an export shows.
type ExportOptions struct {
	// Namespace keeps only objects of one namespace (and the ends of their
	// edges).
	Namespace string
	// Focus keeps one object ("NS/NAME", "svc/NS/NAME", "ingress/NS/NAME")
	// and its neighbours.
	Focus string
	// MaxOverlayPeers bounds the peers between which policy edges are drawn;
	// above it the overlay is left out and the output says so. 0 means 150.
	MaxOverlayPeers int
}

// View is the part of the graph an export shows: nodes and typed edges,
// sorted, with the policy overlay computed for the peers in scope.
type View struct {
	Nodes []*Node
	Edges []*ViewEdge
	// Note explains anything left out.
	Note string
}

// ViewEdge is an edge as shown: the graph's edge plus, for routes and
// backends, whether policy blocks it.
type ViewEdge struct {
	*Edge
	// Blocked is set when a route exists but NetworkPolicy lets no client
	// through; BlockedBy names the policies that isolate the backend.
	Blocked   bool
	BlockedBy []string
	Label     string
}

// View selects what an export shows.
func (g *Graph) View(opts ExportOptions) (*View, error) {
	if opts.MaxOverlayPeers == 0 {
		opts.MaxOverlayPeers = 150
	}
	keep := map[*Node]bool{}
	switch {
	case opts.Focus != "":
		n, err := g.focusNode(opts.Focus)
		if err != nil {
			return nil, err
		}
		keep[n] = true
		for _, e := range g.In(n) {
			keep[e.F] = true
		}
		for _, e := range g.Out(n) {
			keep[e.T] = true
		}
	default:
		found := false
		for _, n := range g.nodes {
			if opts.Namespace == "" || n.Namespace == opts.Namespace {
				keep[n] = true
				found = found || n.Namespace == opts.Namespace
			}
		}
		if opts.Namespace != "" && !found {
			return nil, inputErr("nothing in namespace %s", opts.Namespace)
		}
		// Keep the far ends of edges that leave the namespace, and the DNS
		// names of ExternalName Services.
		for _, n := range g.nodes {
			if !keep[n] {
				continue
			}
			for _, e := range g.Out(n) {
				if e.Kind != EdgePolicy {
					keep[e.T] = true
				}
			}
		}
	}
	v := &View{}
	for _, n := range g.nodes {
		if keep[n] {
			v.Nodes = append(v.Nodes, n)
		}
	}
	sort.Slice(v.Nodes, func(i, j int) bool { return v.Nodes[i].Key() < v.Nodes[j].Key() })
	for _, n := range v.Nodes {
		for _, e := range g.Out(n) {
			if !keep[e.T] || e.Kind == EdgePolicy {
				continue
			}
			v.Edges = append(v.Edges, g.viewEdge(e))
		}
	}
	v.Edges = append(v.Edges, g.overlayEdges(v.Nodes, opts, v)...)
	return v, nil
}

func (g *Graph) focusNode(s string) (*Node, error) {
	if strings.HasPrefix(s, "ingress/") {
		if n := g.byKey[s]; n != nil {
			return n, nil
		}
		return nil, inputErr("no Ingress %s", strings.TrimPrefix(s, "ingress/"))
	}
	r, err := g.Resolve(s)
	if err != nil {
		return nil, err
	}
	if r.Node == nil {
		return nil, inputErr("--focus takes an object, not an address")
	}
	return r.Node, nil
}

// viewEdge labels an edge and decides whether policy blocks it.
func (g *Graph) viewEdge(e *Edge) *ViewEdge {
	ve := &ViewEdge{Edge: e}
	switch e.Kind {
	case EdgeRoute:
		r := e.Route
		host := r.Host
		if host == "" {
			host = "*"
		}
		if r.Default {
			ve.Label = "default backend → :" + r.ServicePort
		} else {
			ve.Label = fmt.Sprintf("%s%s (%s) → :%s", host, r.Path, r.PathType, r.ServicePort)
		}
		if r.TLS {
			ve.Label = "TLS " + ve.Label
		}
		ve.Blocked, ve.BlockedBy = g.routeBlocked(e)
	case EdgeBackend:
		var parts []string
		for _, pm := range e.Backend.Ports {
			if pm.Resolved == 0 {
				parts = append(parts, fmt.Sprintf("%d→%s?/%s", pm.Port, pm.TargetPort, pm.Protocol))
			} else {
				parts = append(parts, fmt.Sprintf("%d→%d/%s", pm.Port, pm.Resolved, pm.Protocol))
			}
		}
		ve.Label = strings.Join(parts, ", ")
		if !e.Backend.Ready {
			ve.Label += " (not ready)"
		}
		ve.Blocked, ve.BlockedBy = g.backendBlocked(e)
	case EdgeExternalName:
		ve.Label = "ExternalName"
	case EdgePolicy:
		ve.Label = e.Policy.Result.Allowed.String()
	}
	return ve
}

// routeBlocked reports whether NetworkPolicy keeps the Ingress
// controller's pods from every backend of a route (or, when the controller
// is unknown, whether no peer at all may reach them), and names the
// policies that isolate the backends.
func (g *Graph) routeBlocked(e *Edge) (bool, []string) {
	controllers, _ := g.ControllerPods(e.F.Ingress)
	var by []string
	any := false
	for _, be := range g.Out(e.T) {
		if be.Kind != EdgeBackend || be.T.Peer < 0 {
			continue
		}
		any = true
		if len(controllers) == 0 {
			b, pols := g.backendBlocked(be)
			if !b {
				return false, nil
			}
			by = append(by, pols...)
			continue
		}
		for _, pm := range be.Backend.Ports {
			if pm.Resolved == 0 || (e.Route.ServicePort != fmt.Sprint(pm.Port) && e.Route.ServicePort != pm.Name) {
				continue
			}
			proto, _ := policy.ParseProtocol(pm.Protocol)
			for _, c := range controllers {
				if g.Model.Reach(policy.PeerEndpoint(c), policy.PeerEndpoint(be.T.Peer)).Verdict(proto, int(pm.Resolved)) != policy.Denied {
					return false, nil
				}
			}
			in, _ := g.Model.PoliciesFor(be.T.Peer)
			by = append(by, in...)
		}
	}
	if !any || len(by) == 0 {
		return false, nil
	}
	return true, dedupe(by)
}

// backendBlocked reports whether NetworkPolicy lets no peer of the cluster
// reach any of a backend's target ports, and names the isolating policies.
func (g *Graph) backendBlocked(e *Edge) (bool, []string) {
	pod := e.T
	if pod.Peer < 0 {
		return false, nil
	}
	var ports policy.Ports
	for _, pm := range e.Backend.Ports {
		if pm.Resolved == 0 {
			continue
		}
		proto, _ := policy.ParseProtocol(pm.Protocol)
		ports[proto] = ports[proto].Union(policy.Single(int(pm.Resolved)))
	}
	if ports.Empty() {
		return false, nil
	}
	dst := policy.PeerEndpoint(pod.Peer)
	for c := 0; c < g.Model.Classes(); c++ {
		src := policy.PeerEndpoint(g.Model.ClassMembers(c)[0])
		_, in := g.Model.Directions(src, dst)
		if !in.Allowed.Union(in.Unknown).Intersect(ports).Empty() {
			return false, nil
		}
	}
	ex := g.Model.Explain(policy.PeerEndpoint(g.Model.ClassMembers(0)[0]), dst, policy.TCP, 0)
	return true, ex.Ingress.Policies
}

// overlayEdges adds policy edges between the peers in view, where a policy
// governs the pair (an unisolated pair is open by default and drawing it
// would only add noise).
func (g *Graph) overlayEdges(nodes []*Node, opts ExportOptions, v *View) []*ViewEdge {
	var peers []*Node
	for _, n := range nodes {
		if n.Peer >= 0 {
			peers = append(peers, n)
		}
	}
	if len(peers) > opts.MaxOverlayPeers {
		v.Note = fmt.Sprintf("policy edges left out: %d pods in view (more than %d); narrow with -n or --focus", len(peers), opts.MaxOverlayPeers)
		return nil
	}
	var out []*ViewEdge
	for _, s := range peers {
		for _, d := range peers {
			if s == d {
				continue
			}
			eg, in := g.Model.Directions(policy.PeerEndpoint(s.Peer), policy.PeerEndpoint(d.Peer))
			if eg.Allowed.Equal(policy.AllProtocols) && in.Allowed.Equal(policy.AllProtocols) {
				continue // nothing isolates this pair
			}
			r := g.Model.Reach(policy.PeerEndpoint(s.Peer), policy.PeerEndpoint(d.Peer))
			if r.Allowed.Empty() && r.Unknown.Empty() {
				continue
			}
			e := &Edge{F: s, T: d, Kind: EdgePolicy, Policy: &PolicyEdge{Result: r}}
			ve := &ViewEdge{Edge: e, Label: r.Allowed.String()}
			if !r.Unknown.Empty() {
				ve.Label += " (unknown: " + r.Unknown.String() + ")"
			}
			out = append(out, ve)
		}
	}
	return out
}

func dedupe(s []string) []string {
	sort.Strings(s)
	var out []string
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// WriteDOT writes the view as Graphviz DOT: one cluster per namespace,
// node shapes by kind, allowed edges solid with port labels, routes that
// policy blocks dashed red and labelled with the policy. The output is
// sorted and byte-stable.
func (v *View) WriteDOT(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("digraph netviz {\n")
	bw.WriteString("  graph [rankdir=LR, newrank=true, fontname=\"Helvetica\", fontsize=11, nodesep=0.3, ranksep=1.2];\n")
	bw.WriteString("  node [fontname=\"Helvetica\", fontsize=10];\n")
	bw.WriteString("  edge [fontname=\"Helvetica\", fontsize=9];\n")
	if v.Note != "" {
		fmt.Fprintf(bw, "  // %s\n", v.Note)
		fmt.Fprintf(bw, "  label=%s;\n  labelloc=b;\n", dotQuote(v.Note))
	}
	byNS := map[string][]*Node{}
	var nss []string
	for _, n := range v.Nodes {
		if _, ok := byNS[n.Namespace]; !ok {
			nss = append(nss, n.Namespace)
		}
		byNS[n.Namespace] = append(byNS[n.Namespace], n)
	}
	sort.Strings(nss)
	for _, ns := range nss {
		indent := "  "
		if ns != "" {
			fmt.Fprintf(bw, "  subgraph %s {\n    label=%s;\n    style=\"rounded\";\n    color=\"#888888\";\n", dotQuote("cluster_"+ns), dotQuote("namespace "+ns))
			indent = "    "
		}
		for _, n := range byNS[ns] {
			shape, label := dotNodeStyle(n)
			extra := ""
			if n.Mesh != "" {
				// A sidecar proxy sits in front of the pod: a double border
				// and the mesh's name, never colour alone.
				label += "\n(" + n.Mesh + " mesh)"
				extra = ", peripheries=2"
			}
			fmt.Fprintf(bw, "%s%s [shape=%s, label=%s%s];\n", indent, dotQuote(n.Key()), shape, dotQuote(label), extra)
		}
		if ns != "" {
			bw.WriteString("  }\n")
		}
	}
	for _, e := range v.sortedEdges() {
		attrs := []string{"label=" + dotQuote(e.Label)}
		switch {
		case e.Blocked:
			attrs[0] = "label=" + dotQuote(e.Label+"\nblocked by "+strings.Join(e.BlockedBy, ", "))
			attrs = append(attrs, "style=dashed", "color=\"#d62728\"", "fontcolor=\"#d62728\"")
		case e.Kind == EdgePolicy:
			attrs = append(attrs, "style=solid", "color=\"#2ca02c\"", "fontcolor=\"#2ca02c\"")
			if !e.Policy.Result.Unknown.Empty() {
				attrs = append(attrs, "style=dotted")
			}
		case e.Kind == EdgeExternalName:
			attrs = append(attrs, "style=dotted")
		default:
			attrs = append(attrs, "style=solid")
		}
		fmt.Fprintf(bw, "  %s -> %s [%s];\n", dotQuote(e.F.Key()), dotQuote(e.T.Key()), strings.Join(attrs, ", "))
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

func dotNodeStyle(n *Node) (shape, label string) {
	switch n.Kind {
	case KindIngress:
		return "hexagon", "Ingress\n" + n.Name
	case KindService:
		if n.Service == nil {
			return "ellipse", "Service\n" + n.Name + "\n(missing)"
		}
		return "ellipse", fmt.Sprintf("Service %s\n%s", n.Service.Spec.Type, n.Name)
	case KindPod:
		return "box", n.Name
	case KindWorkload:
		return "box3d", n.WorkloadKind + "\n" + n.Name
	}
	switch n.External {
	case "internet":
		return "doublecircle", "internet"
	case "dns":
		return "note", "DNS\n" + n.Name
	}
	return "cds", n.Name
}

// dotQuote quotes a DOT ID: backslashes and quotes escaped, newlines as \n.
func dotQuote(s string) string {
	s = strings.ReplaceAll(s, "\\", "\\\\")
	s = strings.ReplaceAll(s, "\"", "\\\"")
	s = strings.ReplaceAll(s, "\n", "\\n")
	return "\"" + s + "\""
}

// viewJSON is the JSON form of a View; scripts rely on its shape.
type viewJSON struct {
	Nodes []nodeJSON `json:"nodes"`
	Edges []edgeJSON `json:"edges"`
	Note  string     `json:"note,omitempty"`
}

type nodeJSON struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	// Type is the Service type, the workload kind, or the external kind.
	Type string `json:"type,omitempty"`
	// Mesh is the service mesh a pod or workload runs in.
	Mesh string `json:"mesh,omitempty"`
}

type edgeJSON struct {
	From      string            `json:"from"`
	To        string            `json:"to"`
	Kind      EdgeKind          `json:"kind"`
	Label     string            `json:"label"`
	Blocked   bool              `json:"blocked"`
	BlockedBy []string          `json:"blockedBy,omitempty"`
	Route     *Route            `json:"route,omitempty"`
	Ports     []PortMap         `json:"ports,omitempty"`
	Ready     *bool             `json:"ready,omitempty"`
	Allowed   map[string]string `json:"allowed,omitempty"`
	Unknown   map[string]string `json:"unknown,omitempty"`
}

// WriteJSON writes the view as {"nodes":[...],"edges":[...]}, sorted.
func (v *View) WriteJSON(w io.Writer) error {
	doc := viewJSON{Nodes: []nodeJSON{}, Edges: []edgeJSON{}, Note: v.Note}
	for _, n := range v.Nodes {
		nj := nodeJSON{ID: n.Key(), Kind: string(n.Kind), Namespace: n.Namespace, Name: n.Name, Mesh: n.Mesh}
		switch {
		case n.Service != nil:
			nj.Type = string(n.Service.Spec.Type)
		case n.Kind == KindWorkload:
			nj.Type = n.WorkloadKind
		case n.Kind == KindExternal:
			nj.Type = n.External
		}
		doc.Nodes = append(doc.Nodes, nj)
	}
	for _, e := range v.sortedEdges() {
		ej := edgeJSON{From: e.F.Key(), To: e.T.Key(), Kind: e.Kind, Label: e.Label, Blocked: e.Blocked, BlockedBy: e.BlockedBy, Route: e.Route}
		if e.Backend != nil {
			ej.Ports = e.Backend.Ports
			ready := e.Backend.Ready
			ej.Ready = &ready
		}
		if e.Policy != nil {
			ej.Allowed = e.Policy.Result.Allowed.Map()
			if !e.Policy.Result.Unknown.Empty() {
				ej.Unknown = e.Policy.Result.Unknown.Map()
			}
		}
		doc.Edges = append(doc.Edges, ej)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// sortedEdges orders edges by source, destination, kind and label, so
// output is byte-stable.
func (v *View) sortedEdges() []*ViewEdge {
	edges := append([]*ViewEdge(nil), v.Edges...)
	sort.SliceStable(edges, func(i, j int) bool {
		a, b := edges[i], edges[j]
		if a.F.Key() != b.F.Key() {
			return a.F.Key() < b.F.Key()
		}
		if a.T.Key() != b.T.Key() {
			return a.T.Key() < b.T.Key()
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Label < b.Label
	})
	return edges
}
