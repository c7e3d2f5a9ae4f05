// Package common holds what every part of the netviz TUI shares: the
// size, the styles built from the theme, the global keys, the current
// snapshot of the graph with its cached answers, and the messages pages
// send to the root.
package common

import (
	"strings"

	"charm.land/bubbles/v2/help"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/kube"
)

// Common is passed to every component: the space it may draw in, the
// styles, the global keys and the snapshot it shows.
type Common struct {
	Width, Height int
	Styles        *Styles
	KeyMap        *KeyMap
	// Snap is nil until the first snapshot is built.
	Snap *Snapshot
}

// SetSize sets the space the component may draw in.
func (c *Common) SetSize(w, h int) {
	c.Width, c.Height = w, h
}

// Snapshot is one built graph with the answers the UI has asked of it so
// far. Answers are computed off the UI loop and stored from Update only,
// so the caches need no lock.
type Snapshot struct {
	Graph     *graph.Graph
	Inventory *graph.Inventory
	// Version counts snapshots; answers for an older one are dropped.
	Version int
	// Ports are the ports the matrix offers, most used first.
	Ports []graph.PortChoice
	// Findings are the graph's lint findings, computed with the snapshot.
	Findings []graph.Finding
	// Errors and Warnings count the findings of each severity.
	Errors, Warnings int
	// WhatIf is set when a what-if overlay (--with, --without) is active.
	WhatIf *WhatIf

	neighbourhoods map[string]*graph.Neighbourhood
	matrices       map[MatrixKey]*MatrixAnswer
}

// NewSnapshot wraps a built graph; it computes the inventory, so call it
// off the UI loop.
func NewSnapshot(g *graph.Graph, version int) *Snapshot {
	s := &Snapshot{
		Graph:          g,
		Inventory:      g.Inventory(),
		Version:        version,
		Ports:          g.CommonPorts(MatrixPorts),
		Findings:       g.Lint(),
		neighbourhoods: map[string]*graph.Neighbourhood{},
		matrices:       map[MatrixKey]*MatrixAnswer{},
	}
	for _, f := range s.Findings {
		switch f.Severity {
		case graph.SeverityError:
			s.Errors++
		case graph.SeverityWarning:
			s.Warnings++
		}
	}
	return s
}

// WhatIf is what a what-if overlay changed: the objects, and the
// connections compared with the cluster as read.
type WhatIf struct {
	// Changes are the objects the overlay added, replaced or removed.
	Changes []kube.Change
	// Base is the graph of the cluster as read, before the overlay.
	Base *graph.Graph
	// Diff compares Base with the snapshot's graph.
	Diff *graph.DiffResult
	// ByNamespace counts the changed pod pairs of each namespace pair.
	ByNamespace map[[2]string]DiffCounts
	// ops maps a browser key ("svc/NS/NAME", "policy/NS/NAME", …) to the
	// change of its object.
	ops map[string]string
}

// NewWhatIf compares base with the overlaid graph; it is slow on big
// clusters, so call it off the UI loop.
func NewWhatIf(base, overlaid *graph.Graph, changes []kube.Change) *WhatIf {
	w := &WhatIf{Changes: changes, Base: base, Diff: graph.Diff(base, overlaid), ops: map[string]string{},
		ByNamespace: map[[2]string]DiffCounts{}}
	w.Diff.EachPair(func(p graph.DiffPair) bool {
		k := [2]string{keyNamespace(p.From), keyNamespace(p.To)}
		c := w.ByNamespace[k]
		switch p.Op {
		case graph.DiffAdded:
			c.Added++
		case graph.DiffRemoved:
			c.Removed++
		default:
			c.Changed++
		}
		w.ByNamespace[k] = c
		return true
	})
	for _, ch := range changes {
		if k := ChangeKey(ch); k != "" {
			w.ops[k] = ch.Op
		}
	}
	return w
}

// DiffCounts counts changed pod pairs by how they changed.
type DiffCounts struct{ Added, Removed, Changed int }

// Glyph is the mark of a namespace pair: "+" when connections were only
// added, "−" only removed, "~" for a mix or a change of ports, "=" when
// nothing changed.
func (c DiffCounts) Glyph() string {
	switch {
	case c.Added+c.Removed+c.Changed == 0:
		return "="
	case c.Removed+c.Changed == 0:
		return "+"
	case c.Added+c.Changed == 0:
		return "−"
	}
	return "~"
}

// keyNamespace is the namespace of a node key "pod/NS/NAME".
func keyNamespace(k string) string {
	parts := strings.SplitN(k, "/", 3)
	if len(parts) < 3 {
		return ""
	}
	return parts[1]
}

// Op returns the change ("added", "replaced", "removed") of the object
// with browser key k, or "".
func (w *WhatIf) Op(k string) string {
	if w == nil {
		return ""
	}
	return w.ops[k]
}

// ChangeKey is the browser key of a changed object, or "" for a kind the
// browser does not list.
func ChangeKey(ch kube.Change) string {
	ref := ch.Namespace + "/" + ch.Name
	switch ch.Kind {
	case "NetworkPolicy":
		return "policy/" + ref
	case "Service":
		return "svc/" + ref
	case "Ingress":
		return "ingress/" + ref
	case "Pod":
		return "pod/" + ref
	case "Namespace":
		return "namespace/" + ch.Name
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "ReplicationController":
		return "workload/" + ref
	}
	return ""
}

// MatrixPorts bounds the ports the matrix offers.
const MatrixPorts = 12

// Neighbourhood returns the cached neighbourhood of a node key.
func (s *Snapshot) Neighbourhood(key string) (*graph.Neighbourhood, bool) {
	nb, ok := s.neighbourhoods[key]
	return nb, ok
}

// StoreNeighbourhood caches a neighbourhood. Call it from Update only.
func (s *Snapshot) StoreNeighbourhood(key string, nb *graph.Neighbourhood) {
	s.neighbourhoods[key] = nb
}

// MatrixKey names one reachability matrix: a port (number, name, or ""
// for any port) and a protocol.
type MatrixKey struct {
	Port     string
	Protocol policy.Protocol
}

// String reads like "80/TCP" or "any port".
func (k MatrixKey) String() string {
	if k.Port == "" {
		return "any port"
	}
	return k.Port + "/" + k.Protocol.String()
}

// MatrixAnswer is a decided matrix with its namespace aggregation laid
// out for drawing.
type MatrixAnswer struct {
	Matrix *graph.Matrix
	// Namespaces are the namespaces with peers, sorted.
	Namespaces []string
	// Cells[i*len(Namespaces)+j] aggregates Namespaces[i] → Namespaces[j].
	Cells []graph.NamespacePair
	// Peers lists each namespace's peers, sorted by ID.
	Peers map[string][]int
}

// NewMatrixAnswer decides the matrix for k; it is slow on big clusters,
// so call it off the UI loop.
func NewMatrixAnswer(g *graph.Graph, k MatrixKey) (*MatrixAnswer, error) {
	mx, err := g.Matrix(graph.MatrixRequest{Port: k.Port, Protocol: k.Protocol})
	if err != nil {
		return nil, err
	}
	a := &MatrixAnswer{Matrix: mx, Peers: map[string][]int{}}
	for _, p := range mx.Peers() {
		ns := g.Model.Peers[p].Namespace
		if _, ok := a.Peers[ns]; !ok {
			a.Namespaces = append(a.Namespaces, ns)
		}
		a.Peers[ns] = append(a.Peers[ns], p)
	}
	idx := map[string]int{}
	for i, ns := range a.Namespaces {
		idx[ns] = i
	}
	n := len(a.Namespaces)
	a.Cells = make([]graph.NamespacePair, n*n)
	for _, np := range mx.ByNamespace() {
		a.Cells[idx[np.From]*n+idx[np.To]] = np
	}
	return a, nil
}

// Cell returns the aggregate of namespace i → namespace j.
func (a *MatrixAnswer) Cell(i, j int) graph.NamespacePair {
	return a.Cells[i*len(a.Namespaces)+j]
}

// Matrix returns a cached matrix.
func (s *Snapshot) Matrix(k MatrixKey) (*MatrixAnswer, bool) {
	a, ok := s.matrices[k]
	return a, ok
}

// StoreMatrix caches a matrix. Call it from Update only.
func (s *Snapshot) StoreMatrix(k MatrixKey, a *MatrixAnswer) {
	s.matrices[k] = a
}

// Selection is the object under the cursor of a view.
type Selection struct {
	// Key is a graph node key, "policy/NS/NAME" or "namespace/NAME".
	Key string
	// Name is what `c` copies.
	Name string
	// TraceRef names the object as a trace endpoint, or "" when a trace
	// cannot start or end there.
	TraceRef string
}

// ExportTarget is what `x` writes: a namespace (or everything when both
// fields are empty), one object and its neighbours, or a trace.
type ExportTarget struct {
	Namespace string
	Focus     string
	Trace     *graph.TraceRequest
	// Name is used in the default file name.
	Name string
}

// Page is what the root asks of the view that has focus.
type Page interface {
	help.KeyMap
	// Selection returns the object under the cursor, if any.
	Selection() (Selection, bool)
	// ExportTarget returns what `x` writes from this view.
	ExportTarget() ExportTarget
}

// OpenMsg asks the root to show an object: a graph node key opens the
// graph view, "policy/NS/NAME" the policy view.
type OpenMsg struct{ Key string }

// TraceMsg asks the root to show a trace.
type TraceMsg struct{ Req graph.TraceRequest }

// BackMsg tells the root a view has no history left to go back to.
type BackMsg struct{}

// SaveMsg asks the root to write Data to the file Name in the export
// folder; What names it in the status bar ("the suggested policy").
type SaveMsg struct {
	Name string
	Data []byte
	What string
}

// StatusMsg puts a message in the status bar.
type StatusMsg struct {
	Text string
	Err  bool
}
