package graph

// Questions the terminal UI asks that the CLI does not: the inventory the
// browser lists, the neighbourhood of one object, the export of a trace and
// the ports worth offering. They are answered from the graph and the policy
// model like every other question, so the UI never evaluates a policy.

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/kube"
)

// Inventory is what the browser lists: every namespace with its objects,
// counts and health cues.
type Inventory struct {
	Namespaces []NamespaceInventory
	// Totals over every namespace.
	Ingresses, Services, Pods, Workloads, Policies, Cues int
}

// NamespaceInventory is one namespace's objects, each sorted by name.
type NamespaceInventory struct {
	Name      string
	Labels    map[string]string
	Ingresses []IngressInfo
	Services  []ServiceInfo
	Peers     []PeerInfo
	Policies  []PolicyInfo
	// Cues counts the objects of the namespace that carry a health cue.
	Cues int
}

// IngressInfo is one Ingress as the browser lists it.
type IngressInfo struct {
	Node *Node
	// Hosts are the distinct hosts of its rules ("*" for any host).
	Hosts  []string
	Routes int
	// Cue is a health remark, or "".
	Cue string
}

// ServiceInfo is one Service as the browser lists it.
type ServiceInfo struct {
	Node *Node
	// Type is the Service type, or "missing" for a Service an Ingress
	// routes to that does not exist.
	Type string
	// Ports reads like "80/TCP→http, 443/TCP→8443".
	Ports           string
	Backends, Ready int
	// Cue is a health remark ("no ready endpoints", …), or "".
	Cue string
}

// PeerInfo is one pod or workload as the browser lists it.
type PeerInfo struct {
	Node *Node
	// Ingress and Egress are the policies that select it per direction.
	Ingress, Egress []string
	// Services are the Services ("ns/name") that send it traffic.
	Services []string
	// Cue is a health remark, or "".
	Cue string
}

// PolicyInfo is one NetworkPolicy as the browser lists it.
type PolicyInfo struct {
	// ID is "ns/name".
	ID, Namespace, Name string
	Types               []string
	// Labels are the policy object's own labels.
	Labels map[string]string
	// Selected counts the pods and workloads it selects right now.
	Selected int
	// Cue is a health remark, or "".
	Cue string
}

// Cue texts, shared so the UI can test for them.
const (
	CueNoReadyEndpoints = "no ready endpoints"
	CueNoSelectorMatch  = "selector matches no pod"
	CueMissingService   = "missing: an Ingress routes to it"
	CueNoPolicy         = "no NetworkPolicy selects it"
	CuePoliciesUnknown  = "its NetworkPolicies could not be read"
	CueSelectsNothing   = "selects no pod right now"
)

// Inventory lists every namespace's objects with counts and health cues:
// a Service with no ready endpoints, a pod that no policy covers, a policy
// that selects nothing, an Ingress whose backend is unhealthy.
func (g *Graph) Inventory() *Inventory {
	inv := &Inventory{}
	byNS := map[string]*NamespaceInventory{}
	var order []string
	nsOf := func(name string) *NamespaceInventory {
		if ni := byNS[name]; ni != nil {
			return ni
		}
		byNS[name] = &NamespaceInventory{Name: name}
		order = append(order, name)
		return byNS[name]
	}
	for _, ns := range g.Cluster.Namespaces {
		nsOf(ns.Name).Labels = ns.Labels
	}
	svcCue := map[*Node]string{}
	sendsTo := map[*Node][]string{}
	for _, n := range g.nodes {
		switch n.Kind {
		case KindService:
			si := g.serviceInfo(n)
			svcCue[n] = si.Cue
			for _, e := range g.Out(n) {
				if e.Kind == EdgeBackend {
					sendsTo[e.T] = append(sendsTo[e.T], n.Ref())
				}
			}
			ni := nsOf(n.Namespace)
			ni.Services = append(ni.Services, si)
		}
	}
	for _, n := range g.nodes {
		switch n.Kind {
		case KindIngress:
			ii := IngressInfo{Node: n}
			seen := map[string]bool{}
			for _, e := range g.Out(n) {
				if e.Kind != EdgeRoute {
					continue
				}
				ii.Routes++
				h := e.Route.Host
				if h == "" {
					h = "*"
				}
				if !seen[h] {
					seen[h] = true
					ii.Hosts = append(ii.Hosts, h)
				}
				if c := svcCue[e.T]; c != "" && ii.Cue == "" {
					ii.Cue = "backend " + e.T.Ref() + ": " + c
				}
			}
			ni := nsOf(n.Namespace)
			ni.Ingresses = append(ni.Ingresses, ii)
		case KindPod, KindWorkload:
			pi := PeerInfo{Node: n, Services: sendsTo[n]}
			pi.Ingress, pi.Egress = g.Model.PoliciesFor(n.Peer)
			if _, unknown := g.Cluster.Gap(kube.ResourceNetworkPolicies, n.Namespace); unknown {
				pi.Cue = CuePoliciesUnknown
			} else if len(pi.Ingress) == 0 && len(pi.Egress) == 0 {
				pi.Cue = CueNoPolicy
			}
			ni := nsOf(n.Namespace)
			ni.Peers = append(ni.Peers, pi)
		}
	}
	for _, np := range g.Cluster.NetworkPolicies {
		id := np.Namespace + "/" + np.Name
		pi := PolicyInfo{ID: id, Namespace: np.Namespace, Name: np.Name, Labels: np.Labels, Selected: len(g.Model.SelectedBy(id))}
		if d, ok := g.Model.Describe(id); ok {
			pi.Types = d.Types
		}
		if pi.Selected == 0 {
			pi.Cue = CueSelectsNothing
		}
		ni := nsOf(np.Namespace)
		ni.Policies = append(ni.Policies, pi)
	}
	sort.Strings(order)
	for _, name := range order {
		ni := byNS[name]
		sort.Slice(ni.Ingresses, func(i, j int) bool { return ni.Ingresses[i].Node.Name < ni.Ingresses[j].Node.Name })
		sort.Slice(ni.Services, func(i, j int) bool { return ni.Services[i].Node.Name < ni.Services[j].Node.Name })
		sort.Slice(ni.Peers, func(i, j int) bool { return ni.Peers[i].Node.Key() < ni.Peers[j].Node.Key() })
		sort.Slice(ni.Policies, func(i, j int) bool { return ni.Policies[i].Name < ni.Policies[j].Name })
		for _, x := range ni.Ingresses {
			ni.Cues += cueCount(x.Cue)
		}
		for _, x := range ni.Services {
			ni.Cues += cueCount(x.Cue)
		}
		for _, x := range ni.Peers {
			ni.Cues += cueCount(x.Cue)
			if x.Node.Kind == KindPod {
				inv.Pods++
			} else {
				inv.Workloads++
			}
		}
		for _, x := range ni.Policies {
			ni.Cues += cueCount(x.Cue)
		}
		inv.Ingresses += len(ni.Ingresses)
		inv.Services += len(ni.Services)
		inv.Policies += len(ni.Policies)
		inv.Cues += ni.Cues
		inv.Namespaces = append(inv.Namespaces, *ni)
	}
	return inv
}

func cueCount(cue string) int {
	if cue == "" {
		return 0
	}
	return 1
}

// serviceInfo counts a Service's backends and judges its health.
func (g *Graph) serviceInfo(n *Node) ServiceInfo {
	si := ServiceInfo{Node: n}
	if n.Service == nil {
		si.Type, si.Cue = "missing", CueMissingService
		return si
	}
	svc := n.Service
	si.Type = string(svc.Spec.Type)
	var ports []string
	for _, p := range svc.Spec.Ports {
		s := fmt.Sprintf("%d/%s", p.Port, p.Protocol)
		if t := p.TargetPort.String(); t != "" && t != "0" && t != strconv.Itoa(int(p.Port)) {
			s += "→" + t
		}
		ports = append(ports, s)
	}
	si.Ports = strings.Join(ports, ", ")
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		si.Ports = svc.Spec.ExternalName
		return si
	}
	for _, e := range g.Out(n) {
		if e.Kind != EdgeBackend {
			continue
		}
		si.Backends++
		if e.Backend.Ready {
			si.Ready++
		}
	}
	for _, ae := range g.AddressEndpoints(n) {
		si.Backends++
		if ae.Ready {
			si.Ready++
		}
	}
	switch {
	case si.Backends == 0 && len(svc.Spec.Selector) > 0:
		si.Cue = CueNoSelectorMatch
	case si.Ready == 0:
		si.Cue = CueNoReadyEndpoints
	}
	return si
}

// ReachGroup is a set of peers of one namespace that get the same answer
// towards (or from) one peer, on every port.
type ReachGroup struct {
	Namespace string
	// Verdict is Allowed when any port is allowed, else Unknown when any
	// port is unknown, else Denied.
	Verdict policy.Verdict
	Result  policy.Result
	// Peers are indexes of Model.Peers, sorted by ID.
	Peers []int
}

// Reachers groups every other peer by whether it may reach peer, and on
// which ports: allowed groups first, then unknown, then denied.
func (g *Graph) Reachers(peer int) []ReachGroup { return g.reachGroups(peer, true) }

// Reachable groups every other peer by whether peer may reach it, and on
// which ports: allowed groups first, then unknown, then denied.
func (g *Graph) Reachable(peer int) []ReachGroup { return g.reachGroups(peer, false) }

func (g *Graph) reachGroups(peer int, incoming bool) []ReachGroup {
	m := g.Model
	self := m.ClassOf(peer)
	results := make([]policy.Result, m.Classes())
	keys := make([]string, m.Classes())
	for c := range results {
		if incoming {
			results[c] = m.ClassReach(c, self)
		} else {
			results[c] = m.ClassReach(self, c)
		}
		keys[c] = resultKey(results[c])
	}
	type gkey struct{ ns, result string }
	groups := map[gkey]*ReachGroup{}
	var out []*ReachGroup
	for i := range m.Peers {
		if i == peer {
			continue
		}
		c := m.ClassOf(i)
		k := gkey{m.Peers[i].Namespace, keys[c]}
		rg := groups[k]
		if rg == nil {
			r := results[c]
			rg = &ReachGroup{Namespace: k.ns, Result: r, Verdict: policy.Denied}
			switch {
			case !r.Allowed.Empty():
				rg.Verdict = policy.Allowed
			case !r.Unknown.Empty():
				rg.Verdict = policy.Unknown
			}
			groups[k] = rg
			out = append(out, rg)
		}
		rg.Peers = append(rg.Peers, i)
	}
	rank := map[policy.Verdict]int{policy.Allowed: 0, policy.Unknown: 1, policy.Denied: 2}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if rank[a.Verdict] != rank[b.Verdict] {
			return rank[a.Verdict] < rank[b.Verdict]
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Result.Allowed.String() < b.Result.Allowed.String()
	})
	res := make([]ReachGroup, len(out))
	for i, rg := range out {
		sort.Slice(rg.Peers, func(x, y int) bool { return m.Peers[rg.Peers[x]].ID() < m.Peers[rg.Peers[y]].ID() })
		res[i] = *rg
	}
	return res
}

// Neighbourhood is everything around one node: the routes, backends and
// ExternalName links arriving and leaving (with whether policy blocks
// them), and for a pod or workload who may reach it and whom it may reach.
type Neighbourhood struct {
	Node *Node
	// In and Out are the node's edges other than the policy overlay,
	// labelled as exports label them.
	In, Out []*ViewEdge
	// Reachers and Reachable are set for pods and workloads.
	Reachers, Reachable []ReachGroup
}

// Neighbourhood answers for the node with the given Key.
func (g *Graph) Neighbourhood(key string) (*Neighbourhood, error) {
	n := g.byKey[key]
	if n == nil {
		return nil, inputErr("no %s", key)
	}
	nb := &Neighbourhood{Node: n}
	memo := map[string]*ViewEdge{}
	for _, e := range g.In(n) {
		if e.Kind != EdgePolicy {
			nb.In = append(nb.In, g.memoViewEdge(e, memo))
		}
	}
	for _, e := range g.Out(n) {
		if e.Kind != EdgePolicy {
			nb.Out = append(nb.Out, g.memoViewEdge(e, memo))
		}
	}
	if n.Peer >= 0 {
		nb.Reachers = g.Reachers(n.Peer)
		nb.Reachable = g.Reachable(n.Peer)
	}
	return nb, nil
}

// memoViewEdge is viewEdge, deciding a backend only once per pod class,
// ports and readiness: behind one Service, hundreds of pods usually share
// all three and so every answer.
func (g *Graph) memoViewEdge(e *Edge, memo map[string]*ViewEdge) *ViewEdge {
	if e.Kind != EdgeBackend || e.T.Peer < 0 {
		return g.viewEdge(e)
	}
	key := fmt.Sprintf("%d|%t|%v", g.Model.ClassOf(e.T.Peer), e.Backend.Ready, e.Backend.Ports)
	if ve := memo[key]; ve != nil {
		return &ViewEdge{Edge: e, Blocked: ve.Blocked, BlockedBy: ve.BlockedBy, Label: ve.Label}
	}
	ve := g.viewEdge(e)
	memo[key] = ve
	return ve
}

// TraceView is the part of the graph a trace crosses, for export: the
// source, the destination (a Service with its backends, an Ingress with
// its routes, Services and backends, or one pod), and an edge carrying the
// verdict from the source (for an Ingress, from the Ingress) to each
// destination pod. A denied edge is drawn blocked, naming the policies
// that isolate the side that denies.
func (g *Graph) TraceView(req TraceRequest) (*View, error) {
	t, err := g.Trace(req)
	if err != nil {
		return nil, err
	}
	from, _ := g.Resolve(req.From)
	to, _ := g.Resolve(req.To)
	v := &View{}
	seen := map[*Node]bool{}
	add := func(n *Node) *Node {
		if !seen[n] {
			seen[n] = true
			v.Nodes = append(v.Nodes, n)
		}
		return n
	}
	memo := map[string]*ViewEdge{}
	backends := func(svc *Node) {
		for _, e := range g.Out(svc) {
			if e.Kind == EdgeBackend || e.Kind == EdgeExternalName {
				add(e.T)
				v.Edges = append(v.Edges, g.memoViewEdge(e, memo))
			}
		}
	}
	what := "every port"
	if req.Port != "" {
		what = req.Port + "/" + req.Protocol.String()
	}
	src := add(refNode(from))
	verdict := func(f, dst *Node, bt BackendTrace, via string) {
		if dst == nil || dst == f {
			return
		}
		e := &Edge{F: f, T: dst, Kind: EdgePolicy, Policy: &PolicyEdge{}}
		if from.Kind == RefPeer || from.Kind == RefIP {
			e.Policy.Result = g.Model.Reach(from.endpoint(), policy.PeerEndpoint(dst.Peer))
		}
		ve := &ViewEdge{Edge: e, Label: "trace " + via + what + ": " + bt.Verdict}
		if bt.Verdict == "allowed" && req.Port == "" && !e.Policy.Result.Allowed.Empty() {
			ve.Label = "trace " + via + "allowed " + e.Policy.Result.Allowed.String()
		}
		if bt.Verdict != "allowed" && bt.Verdict != "unknown" {
			ve.Blocked = true
			for _, d := range []*policy.DirectionExplanation{bt.Egress, bt.Ingress} {
				if d != nil && d.Verdict != "allowed" {
					ve.BlockedBy = append(ve.BlockedBy, d.Policies...)
				}
			}
			ve.BlockedBy = dedupe(ve.BlockedBy)
			if len(ve.BlockedBy) == 0 {
				ve.BlockedBy = []string{"no path (see the trace)"}
			}
		}
		v.Edges = append(v.Edges, ve)
	}
	entry := func(dst *Node, label string) {
		v.Edges = append(v.Edges, &ViewEdge{Edge: &Edge{F: src, T: dst, Kind: EdgeRoute}, Label: label})
	}
	switch to.Kind {
	case RefService:
		add(to.Node)
		if from.Kind == RefInternet && len(t.Hops) > 1 {
			entry(to.Node, t.Hops[1].Kind+" "+t.Hops[1].Name)
		}
		backends(to.Node)
		for _, b := range t.Backends {
			verdict(src, g.byKey["pod/"+b.Pod], b, "")
		}
	case RefIngress:
		add(to.Node)
		entry(to.Node, "HTTP/HTTPS")
		for _, e := range g.Out(to.Node) {
			if e.Kind == EdgeRoute {
				add(e.T)
				v.Edges = append(v.Edges, g.viewEdge(e))
				backends(e.T)
			}
		}
		for _, rt := range t.Routes {
			for _, b := range rt.Backends {
				verdict(to.Node, g.byKey["pod/"+b.Pod], b, "via "+routeName(rt.Route)+" ")
			}
		}
	default:
		dst := add(refNode(to))
		verdict(src, dst, BackendTrace{Verdict: t.Verdict, Egress: t.Egress, Ingress: t.Ingress}, "")
	}
	sort.Slice(v.Nodes, func(i, j int) bool { return v.Nodes[i].Key() < v.Nodes[j].Key() })
	return v, nil
}

// refNode is the node a trace endpoint names, or a node made up for the
// internet or an address outside the graph.
func refNode(r Ref) *Node {
	switch {
	case r.Node != nil:
		return r.Node
	case r.Kind == RefInternet:
		return &Node{Kind: KindExternal, External: "internet", Name: "internet", Peer: -1}
	}
	return &Node{Kind: KindExternal, External: "ip", Name: r.IP.String(), Peer: -1}
}

// PortChoice is a port worth asking about.
type PortChoice struct {
	// Port is a number, a port name, or "" for every port.
	Port     string
	Protocol policy.Protocol
	// Label reads like "80/TCP (http → 8080)".
	Label string
}

// TracePorts lists the ports a trace towards to (any form Resolve takes)
// can ask about: "every port" first, then a Service's ports or the
// container ports of a pod or workload, in their declared order.
func (g *Graph) TracePorts(to string) []PortChoice {
	out := []PortChoice{{Label: "every port"}}
	r, err := g.Resolve(to)
	if err != nil {
		return out
	}
	seen := map[string]bool{}
	add := func(pc PortChoice) {
		k := pc.Port + "/" + pc.Protocol.String()
		if !seen[k] {
			seen[k] = true
			out = append(out, pc)
		}
	}
	switch {
	case r.Kind == RefService && r.Node.Service != nil:
		for _, p := range r.Node.Service.Spec.Ports {
			proto, err := policy.ParseProtocol(string(p.Protocol))
			if err != nil {
				continue
			}
			label := fmt.Sprintf("%d/%s", p.Port, proto)
			if t := p.TargetPort.String(); t != "" && t != "0" && t != strconv.Itoa(int(p.Port)) {
				label += " → " + t
			}
			if p.Name != "" {
				label += " (" + p.Name + ")"
			}
			add(PortChoice{Port: strconv.Itoa(int(p.Port)), Protocol: proto, Label: label})
		}
	case r.Peer >= 0:
		for _, p := range g.Model.Peers[r.Peer].Ports {
			label := fmt.Sprintf("%d/%s", p.Port, p.Protocol)
			if p.Name != "" {
				label += " (" + p.Name + ")"
			}
			add(PortChoice{Port: strconv.Itoa(p.Port), Protocol: p.Protocol, Label: label})
		}
	}
	return out
}

// CommonPorts lists the ports worth a matrix, at most n of them: first
// the ports Services send traffic to, by how many backends they reach,
// then the other container ports, by how many peers declare them (ties
// by protocol and number).
func (g *Graph) CommonPorts(n int) []PortChoice {
	type pk struct {
		proto policy.Protocol
		port  int
	}
	served := map[pk]int{}
	for _, node := range g.nodes {
		if node.Kind != KindService {
			continue
		}
		for _, e := range g.Out(node) {
			if e.Kind != EdgeBackend {
				continue
			}
			for _, pm := range e.Backend.Ports {
				if proto, err := policy.ParseProtocol(pm.Protocol); err == nil && pm.Resolved > 0 {
					served[pk{proto, int(pm.Resolved)}]++
				}
			}
		}
	}
	declared := map[pk]int{}
	for i := range g.Model.Peers {
		seen := map[pk]bool{}
		for _, p := range g.Model.Peers[i].Ports {
			k := pk{p.Protocol, p.Port}
			if !seen[k] {
				seen[k] = true
				declared[k]++
			}
		}
	}
	for k := range served {
		if _, ok := declared[k]; !ok {
			declared[k] = 0
		}
	}
	keys := make([]pk, 0, len(declared))
	for k := range declared {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		switch {
		case served[a] != served[b]:
			return served[a] > served[b]
		case declared[a] != declared[b]:
			return declared[a] > declared[b]
		case a.proto != b.proto:
			return a.proto < b.proto
		}
		return a.port < b.port
	})
	if len(keys) > n {
		keys = keys[:n]
	}
	out := make([]PortChoice, 0, len(keys))
	for _, k := range keys {
		out = append(out, PortChoice{Port: strconv.Itoa(k.port), Protocol: k.proto, Label: fmt.Sprintf("%d/%s", k.port, k.proto)})
	}
	return out
}

// TraceTargets lists every name a trace endpoint can take — pods and
// workloads as NS/NAME, Services as svc/NS/NAME, Ingresses as
// ingress/NS/NAME, and internet — sorted, for completion.
func (g *Graph) TraceTargets() []string {
	out := []string{"internet"}
	for _, n := range g.nodes {
		switch n.Kind {
		case KindIngress:
			out = append(out, n.Key())
		case KindPod, KindWorkload:
			out = append(out, n.Ref())
		case KindService:
			if n.Service != nil {
				out = append(out, n.Key())
			}
		}
	}
	sort.Strings(out)
	return out
}

// TraceRef is the name of node n in the form Trace accepts, or "" when a
// trace cannot start or end at it (a DNS name, a missing Service). An
// Ingress can only be traced to from the internet.
func (g *Graph) TraceRef(n *Node) string {
	switch n.Kind {
	case KindIngress:
		return n.Key()
	case KindPod, KindWorkload:
		if g.byKey["pod/"+n.Ref()] != nil && g.byKey["workload/"+n.Ref()] != nil {
			return n.Key() // ambiguous as NS/NAME
		}
		return n.Ref()
	case KindService:
		if n.Service != nil {
			return n.Key()
		}
	case KindExternal:
		if n.External == "internet" {
			return "internet"
		}
		if n.External == "ip" {
			if _, err := netip.ParseAddr(n.Name); err == nil {
				return "ip/" + n.Name
			}
		}
	}
	return ""
}

// ObjectKey turns an object as a lint finding names it ("Service
// shop/cart", "Pod shop/cart-0", "NetworkPolicy shop/deny", "Namespace
// shop", or a bare "shop/cart-0") into the key the UI opens: a node key,
// "policy/NS/NAME" or "namespace/NAME". It returns "" for an object the
// UI cannot show, such as a Node or a Service that does not exist.
func (g *Graph) ObjectKey(obj string) string {
	kind, ref, ok := strings.Cut(obj, " ")
	if !ok {
		kind, ref = "", obj
	}
	node := func(prefixes ...string) string {
		for _, p := range prefixes {
			if n := g.Node(p + ref); n != nil {
				return n.Key()
			}
		}
		return ""
	}
	switch kind {
	case "Service":
		return node("svc/")
	case "Pod":
		return node("pod/", "workload/")
	case "Ingress":
		return node("ingress/")
	case "NetworkPolicy":
		if strings.Contains(ref, "/") {
			return "policy/" + ref
		}
	case "Namespace":
		return "namespace/" + ref
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "ReplicationController":
		return node("workload/")
	case "":
		return node("pod/", "workload/", "svc/", "ingress/")
	}
	return ""
}
