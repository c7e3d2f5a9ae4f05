// Package common holds what every part of the netviz TUI shares: the
// size, the styles built from the theme, the global keys, the current
// snapshot of the graph with its cached answers, and the messages pages
// send to the root.
package common

import (
	"charm.land/bubbles/v2/help"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
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

	neighbourhoods map[string]*graph.Neighbourhood
	matrices       map[MatrixKey]*MatrixAnswer
}

// NewSnapshot wraps a built graph; it computes the inventory, so call it
// off the UI loop.
func NewSnapshot(g *graph.Graph, version int) *Snapshot {
	return &Snapshot{
		Graph:          g,
		Inventory:      g.Inventory(),
		Version:        version,
		Ports:          g.CommonPorts(MatrixPorts),
		neighbourhoods: map[string]*graph.Neighbourhood{},
		matrices:       map[MatrixKey]*MatrixAnswer{},
	}
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

// StatusMsg puts a message in the status bar.
type StatusMsg struct {
	Text string
	Err  bool
}
