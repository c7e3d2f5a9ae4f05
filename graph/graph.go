// Package graph turns a cluster snapshot into the traffic graph — Ingress →
// Service → Pods, external endpoints, and the NetworkPolicy overlay — and
// answers every question netviz asks about it: traces, matrices, exports.
// It is pure: no I/O and no terminal; the CLI and the TUI both ask it.
package graph

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/multi"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/kube"
)

// Kind is what a node stands for.
type Kind string

// Node kinds.
const (
	KindIngress  Kind = "Ingress"
	KindService  Kind = "Service"
	KindPod      Kind = "Pod"
	KindWorkload Kind = "Workload"
	KindExternal Kind = "External"
)

// Node is one object of the traffic graph.
type Node struct {
	id        int64
	Kind      Kind
	Namespace string
	Name      string
	// Peer is the node's index in the policy model for pods and workloads,
	// else -1.
	Peer int
	// WorkloadKind is the controller kind of a workload node.
	WorkloadKind string
	// External says what an external node is: "internet", "dns" or "ipBlock".
	External string
	// Mesh is the service mesh a pod or workload runs in ("istio",
	// "linkerd"), or "".
	Mesh string

	Service *corev1.Service
	Ingress *networkingv1.Ingress
	Pod     *corev1.Pod
	Work    *kube.Workload
}

// ID implements graph.Node.
func (n *Node) ID() int64 { return n.id }

// Key is the node's unique name: "pod/ns/name", "svc/ns/name",
// "ingress/ns/name", "workload/ns/name", "dns/host", "ip/cidr", "internet".
func (n *Node) Key() string {
	switch n.Kind {
	case KindIngress:
		return "ingress/" + n.Namespace + "/" + n.Name
	case KindService:
		return "svc/" + n.Namespace + "/" + n.Name
	case KindPod:
		return "pod/" + n.Namespace + "/" + n.Name
	case KindWorkload:
		return "workload/" + n.Namespace + "/" + n.Name
	}
	if n.External == "internet" {
		return "internet"
	}
	return n.External + "/" + n.Name
}

// Ref is "ns/name" for namespaced objects and the name otherwise.
func (n *Node) Ref() string {
	if n.Namespace == "" {
		return n.Name
	}
	return n.Namespace + "/" + n.Name
}

// EdgeKind is what an edge stands for.
type EdgeKind string

// Edge kinds.
const (
	EdgeRoute        EdgeKind = "route"        // Ingress → Service
	EdgeBackend      EdgeKind = "backend"      // Service → Pod
	EdgeExternalName EdgeKind = "externalName" // Service → DNS name
	EdgePolicy       EdgeKind = "policy"       // Pod → Pod, the NetworkPolicy overlay
)

// Route is one Ingress rule path (or the default backend) to a Service.
type Route struct {
	Host     string // "" for any host
	Path     string
	PathType string
	Default  bool // the Ingress's default backend
	TLS      bool // the host is listed under spec.tls
	// ServicePort is the backend port by number or name.
	ServicePort string
}

// PortMap is one Service port resolved on one backend pod.
type PortMap struct {
	Name       string `json:"name,omitempty"`
	Port       int32  `json:"port"`
	Protocol   string `json:"protocol"`
	TargetPort string `json:"targetPort"`
	// Resolved is the number the targetPort names on this pod, or 0 when
	// the pod has no such named port.
	Resolved int32 `json:"resolved"`
}

// Backend is a Service's link to one pod.
type Backend struct {
	Ports []PortMap
	// Ready is false for endpoints the EndpointSlices mark not ready.
	Ready bool
	// ViaEndpointSlice is set for Services without a selector, whose pods
	// come from their EndpointSlices.
	ViaEndpointSlice bool
}

// PolicyEdge is the overlay: what src may send to dst.
type PolicyEdge struct {
	Result policy.Result
}

// Edge is one typed line of the multigraph.
type Edge struct {
	F, T    *Node
	id      int64
	Kind    EdgeKind
	Route   *Route
	Backend *Backend
	Policy  *PolicyEdge
}

// From implements graph.Line.
func (e *Edge) From() graph.Node { return e.F }

// To implements graph.Line.
func (e *Edge) To() graph.Node { return e.T }

// ID implements graph.Line.
func (e *Edge) ID() int64 { return e.id }

// ReversedLine implements graph.Line.
func (e *Edge) ReversedLine() graph.Line {
	r := *e
	r.F, r.T = e.T, e.F
	return &r
}

// Graph is the traffic graph of one snapshot, with its policy model.
type Graph struct {
	Cluster *kube.Cluster
	Model   *policy.Model
	// G is the gonum directed multigraph of nodes and typed edges.
	G *multi.DirectedGraph

	opts Options
	// addrEndpoints holds, per Service key, the EndpointSlice endpoints
	// that are no pod of the snapshot (an API server, a database outside).
	addrEndpoints map[string][]AddressEndpoint
	nodes         []*Node
	byKey         map[string]*Node
	peerNode      []*Node
	nextLine      int64
}

// Options tune Build.
type Options struct {
	// Overlay selects the peers between which policy overlay edges are
	// added to G; nil adds none (the overlay grows with the square of the
	// peers, so callers scope it).
	Overlay func(p *policy.Peer) bool
	// ClusterDomain is the cluster's DNS domain; "" means cluster.local.
	ClusterDomain string
	// DNS selects the cluster DNS pods; the zero value means kube-system
	// pods labelled k8s-app=kube-dns.
	DNS PodSelector
	// IngressController overrides how an Ingress's controller pods are
	// found; the zero value means "from the IngressClass".
	IngressController PodSelector
}

// Build makes the graph of a snapshot.
func Build(c *kube.Cluster, opts Options) *Graph {
	if opts.ClusterDomain == "" {
		opts.ClusterDomain = "cluster.local"
	}
	if opts.DNS.Namespace == "" {
		opts.DNS = DefaultDNS
	}
	g := &Graph{Cluster: c, G: multi.NewDirectedGraph(), byKey: map[string]*Node{}, opts: opts}
	in := ModelInput(c)
	g.Model = policy.Compile(in)
	g.peerNode = make([]*Node, len(in.Peers))
	for i := range in.Peers {
		p := &in.Peers[i]
		n := &Node{Kind: KindPod, Namespace: p.Namespace, Name: p.Name, Peer: i}
		if p.Kind != "Pod" {
			n.Kind, n.WorkloadKind = KindWorkload, p.Kind
		}
		g.peerNode[i] = g.add(n)
	}
	for _, pod := range c.Pods {
		if n := g.byKey["pod/"+pod.Namespace+"/"+pod.Name]; n != nil {
			n.Pod = pod
		}
	}
	for _, w := range c.Workloads {
		if n := g.byKey["workload/"+w.Namespace+"/"+w.Name]; n != nil {
			n.Work = w
		}
	}
	for _, svc := range c.Services {
		g.add(&Node{Kind: KindService, Namespace: svc.Namespace, Name: svc.Name, Peer: -1, Service: svc})
	}
	for _, ing := range c.Ingresses {
		g.add(&Node{Kind: KindIngress, Namespace: ing.Namespace, Name: ing.Name, Peer: -1, Ingress: ing})
	}
	for i, n := range g.peerNode {
		n.Mesh = g.Mesh(i)
	}
	g.addBackends()
	g.addRoutes()
	if opts.Overlay != nil {
		g.addOverlay(opts.Overlay)
	}
	return g
}

func (g *Graph) add(n *Node) *Node {
	if old := g.byKey[n.Key()]; old != nil {
		return old
	}
	n.id = int64(len(g.nodes))
	g.nodes = append(g.nodes, n)
	g.byKey[n.Key()] = n
	g.G.AddNode(n)
	return n
}

func (g *Graph) link(e *Edge) {
	e.id = g.nextLine
	g.nextLine++
	g.G.SetLine(e)
}

// Node finds a node by its Key.
func (g *Graph) Node(key string) *Node { return g.byKey[key] }

// Nodes returns every node, in build order (sorted by kind, namespace, name
// within each kind).
func (g *Graph) Nodes() []*Node { return g.nodes }

// PeerNode returns the node of policy peer i.
func (g *Graph) PeerNode(i int) *Node { return g.peerNode[i] }

// Edges returns the typed edges from u to v.
func (g *Graph) Edges(u, v *Node) []*Edge {
	var out []*Edge
	lines := g.G.Lines(u.ID(), v.ID())
	for lines.Next() {
		out = append(out, lines.Line().(*Edge))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// Out returns every edge leaving n, sorted by destination key.
func (g *Graph) Out(n *Node) []*Edge {
	var out []*Edge
	to := g.G.From(n.ID())
	for to.Next() {
		out = append(out, g.Edges(n, to.Node().(*Node))...)
	}
	sortEdges(out)
	return out
}

// In returns every edge arriving at n, sorted by source key.
func (g *Graph) In(n *Node) []*Edge {
	var out []*Edge
	from := g.G.To(n.ID())
	for from.Next() {
		out = append(out, g.Edges(from.Node().(*Node), n)...)
	}
	sortEdges(out)
	return out
}

func sortEdges(es []*Edge) {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.F.Key() != b.F.Key() {
			return a.F.Key() < b.F.Key()
		}
		if a.T.Key() != b.T.Key() {
			return a.T.Key() < b.T.Key()
		}
		return a.id < b.id
	})
}

// ModelInput converts a snapshot into the policy engine's input.
func ModelInput(c *kube.Cluster) policy.Input {
	var in policy.Input
	nsLabelsGap, nsUnknown := c.Gap(kube.ResourceNamespaces, "")
	for _, ns := range c.Namespaces {
		n := policy.Namespace{Name: ns.Name, Labels: ns.Labels}
		if nsUnknown {
			n.LabelsUnknown, n.Reason = true, nsLabelsGap.Reason
		}
		if gap, ok := c.Gap(kube.ResourceNetworkPolicies, ns.Name); ok {
			n.PoliciesUnknown, n.Reason = true, gap.Reason
		}
		in.Namespaces = append(in.Namespaces, n)
	}
	for _, pod := range c.Pods {
		if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			continue // finished pods have no network
		}
		p := policy.Peer{Namespace: pod.Namespace, Name: pod.Name, Kind: "Pod", Labels: pod.Labels, Ports: containerPorts(&pod.Spec)}
		p.IPs = podIPs(pod)
		in.Peers = append(in.Peers, p)
	}
	for _, w := range c.Workloads {
		in.Peers = append(in.Peers, policy.Peer{Namespace: w.Namespace, Name: w.Name, Kind: w.Kind, Labels: w.Template.Labels, Ports: containerPorts(&w.Template.Spec)})
	}
	in.Policies = c.NetworkPolicies
	in.AdminPolicies = c.AdminNetworkPolicies
	if gap, ok := c.Gap(kube.ResourceAdminPolicies, ""); ok {
		in.AdminUnknown, in.TierReason = true, gap.Reason
	}
	if gap, ok := c.Gap(kube.ResourceBaselinePolicy, ""); ok {
		in.BaselineUnknown, in.TierReason = true, gap.Reason
	}
	for _, b := range c.BaselineAdminNetworkPolicies {
		if b.Name == "default" { // the API's singleton; validation rejects others
			in.Baseline = b
		}
	}
	for _, n := range c.Nodes {
		node := policy.Node{Name: n.Name, Labels: n.Labels}
		for _, a := range n.Status.Addresses {
			if ip, err := netip.ParseAddr(a.Address); err == nil {
				node.IPs = append(node.IPs, ip)
			}
		}
		in.Nodes = append(in.Nodes, node)
	}
	return in
}

func podIPs(pod *corev1.Pod) []netip.Addr {
	var out []netip.Addr
	seen := map[netip.Addr]bool{}
	add := func(s string) {
		if ip, err := netip.ParseAddr(s); err == nil && !seen[ip] {
			seen[ip] = true
			out = append(out, ip)
		}
	}
	add(pod.Status.PodIP)
	for _, ip := range pod.Status.PodIPs {
		add(ip.IP)
	}
	return out
}

func containerPorts(spec *corev1.PodSpec) []policy.NamedPort {
	var out []policy.NamedPort
	for _, cs := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for _, c := range cs {
			for _, p := range c.Ports {
				proto, err := policy.ParseProtocol(string(p.Protocol))
				if err != nil {
					continue
				}
				out = append(out, policy.NamedPort{Name: p.Name, Protocol: proto, Port: int(p.ContainerPort)})
			}
		}
	}
	return out
}

// addBackends links each Service to its pods: by selector, or through the
// EndpointSlices of a Service without one. ExternalName Services link to
// their DNS name.
func (g *Graph) addBackends() {
	slicesBySvc := map[string][]int{}
	for i, es := range g.Cluster.EndpointSlices {
		if svc := es.Labels["kubernetes.io/service-name"]; svc != "" {
			slicesBySvc[es.Namespace+"/"+svc] = append(slicesBySvc[es.Namespace+"/"+svc], i)
		}
	}
	peersByNS := map[string][]*Node{}
	for _, n := range g.peerNode {
		peersByNS[n.Namespace] = append(peersByNS[n.Namespace], n)
	}
	podByIP := map[string]*Node{}
	for _, n := range g.peerNode {
		if n.Pod != nil {
			for _, ip := range podIPs(n.Pod) {
				podByIP[n.Namespace+"/"+ip.String()] = n
			}
		}
	}
	for _, svc := range g.Cluster.Services {
		sn := g.byKey["svc/"+svc.Namespace+"/"+svc.Name]
		if svc.Spec.Type == corev1.ServiceTypeExternalName {
			name := strings.TrimSuffix(svc.Spec.ExternalName, ".")
			ext := g.add(&Node{Kind: KindExternal, External: "dns", Name: name, Peer: -1})
			g.link(&Edge{F: sn, T: ext, Kind: EdgeExternalName})
			continue
		}
		ready := readiness(g, svc, slicesBySvc[svc.Namespace+"/"+svc.Name], podByIP)
		if len(svc.Spec.Selector) > 0 {
			sel := labels.SelectorFromSet(svc.Spec.Selector)
			for _, pn := range peersByNS[svc.Namespace] {
				if !sel.Matches(labels.Set(g.Model.Peers[pn.Peer].Labels)) {
					continue
				}
				b := &Backend{Ports: mapPorts(svc, g.Model.Peers[pn.Peer].Ports), Ready: true}
				if r, known := ready[pn]; known {
					b.Ready = r || svc.Spec.PublishNotReadyAddresses
				}
				g.link(&Edge{F: sn, T: pn, Kind: EdgeBackend, Backend: b})
			}
			continue
		}
		// No selector: the EndpointSlices (written by hand or mirrored)
		// say where traffic goes.
		pods := make([]*Node, 0, len(ready))
		for pn := range ready {
			pods = append(pods, pn)
		}
		sort.Slice(pods, func(i, j int) bool { return pods[i].Key() < pods[j].Key() })
		for _, pn := range pods {
			b := &Backend{Ports: mapPorts(svc, g.Model.Peers[pn.Peer].Ports), Ready: ready[pn] || svc.Spec.PublishNotReadyAddresses, ViaEndpointSlice: true}
			g.link(&Edge{F: sn, T: pn, Kind: EdgeBackend, Backend: b})
		}
	}
}

// AddressEndpoint is an endpoint of a Service that is no pod of the
// snapshot: an address its EndpointSlices list (the API server behind
// default/kubernetes, a database outside the cluster).
type AddressEndpoint struct {
	IP    netip.Addr
	Ready bool
	// Ports maps a Service port name ("" when unnamed) and protocol to the
	// endpoint's port number.
	Ports map[string]int32
}

// AddressEndpoints returns a Service's endpoints that are no pod.
func (g *Graph) AddressEndpoints(n *Node) []AddressEndpoint {
	return g.addrEndpoints[n.Key()]
}

// readiness reads a Service's EndpointSlices: which pods they list, and
// whether each is ready. Endpoints that are no pod are kept as address
// endpoints.
func readiness(g *Graph, svc *corev1.Service, slices []int, podByIP map[string]*Node) map[*Node]bool {
	out := map[*Node]bool{}
	for _, i := range slices {
		es := g.Cluster.EndpointSlices[i]
		for _, ep := range es.Endpoints {
			var pn *Node
			if ep.TargetRef != nil && ep.TargetRef.Kind == "Pod" {
				pn = g.byKey["pod/"+es.Namespace+"/"+ep.TargetRef.Name]
			}
			for _, a := range ep.Addresses {
				if pn == nil {
					pn = podByIP[es.Namespace+"/"+a]
				}
			}
			if pn == nil {
				g.addAddressEndpoint(svc, es, ep)
				continue
			}
			ready := ep.Conditions.Ready == nil || *ep.Conditions.Ready
			out[pn] = out[pn] || ready
		}
	}
	return out
}

func (g *Graph) addAddressEndpoint(svc *corev1.Service, es *discoveryv1.EndpointSlice, ep discoveryv1.Endpoint) {
	if g.addrEndpoints == nil {
		g.addrEndpoints = map[string][]AddressEndpoint{}
	}
	ports := map[string]int32{}
	for _, p := range es.Ports {
		if p.Port == nil {
			continue
		}
		name, proto := "", "TCP"
		if p.Name != nil {
			name = *p.Name
		}
		if p.Protocol != nil {
			proto = string(*p.Protocol)
		}
		ports[name+"/"+proto] = *p.Port
	}
	key := "svc/" + svc.Namespace + "/" + svc.Name
	for _, a := range ep.Addresses {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			continue
		}
		g.addrEndpoints[key] = append(g.addrEndpoints[key], AddressEndpoint{IP: ip, Ready: ep.Conditions.Ready == nil || *ep.Conditions.Ready, Ports: ports})
	}
}

// mapPorts resolves each Service port's targetPort on one backend.
func mapPorts(svc *corev1.Service, ports []policy.NamedPort) []PortMap {
	var out []PortMap
	for _, sp := range svc.Spec.Ports {
		proto := string(sp.Protocol)
		if proto == "" {
			proto = "TCP"
		}
		pm := PortMap{Name: sp.Name, Port: sp.Port, Protocol: proto, TargetPort: sp.TargetPort.String()}
		switch {
		case sp.TargetPort.Type == intstr.String && sp.TargetPort.StrVal != "":
			pr, _ := policy.ParseProtocol(proto)
			for _, cp := range ports {
				if cp.Name == sp.TargetPort.StrVal && cp.Protocol == pr {
					pm.Resolved = int32(cp.Port)
					break
				}
			}
		case sp.TargetPort.IntVal != 0:
			pm.Resolved = sp.TargetPort.IntVal
		default:
			pm.TargetPort = fmt.Sprint(sp.Port)
			pm.Resolved = sp.Port
		}
		out = append(out, pm)
	}
	return out
}

// addRoutes links each Ingress to the Services its rules and default
// backend name.
func (g *Graph) addRoutes() {
	for _, ing := range g.Cluster.Ingresses {
		in := g.byKey["ingress/"+ing.Namespace+"/"+ing.Name]
		tls := map[string]bool{}
		for _, t := range ing.Spec.TLS {
			for _, h := range t.Hosts {
				tls[h] = true
			}
		}
		addRoute := func(b *networkingv1.IngressBackend, r Route) {
			if b == nil || b.Service == nil {
				return
			}
			sn := g.byKey["svc/"+ing.Namespace+"/"+b.Service.Name]
			if sn == nil {
				// A route to a missing Service still shows, so the user
				// sees where it breaks.
				sn = g.add(&Node{Kind: KindService, Namespace: ing.Namespace, Name: b.Service.Name, Peer: -1})
			}
			if b.Service.Port.Name != "" {
				r.ServicePort = b.Service.Port.Name
			} else {
				r.ServicePort = fmt.Sprint(b.Service.Port.Number)
			}
			g.link(&Edge{F: in, T: sn, Kind: EdgeRoute, Route: &r})
		}
		if ing.Spec.DefaultBackend != nil {
			addRoute(ing.Spec.DefaultBackend, Route{Default: true, Path: "/*"})
		}
		for _, rule := range ing.Spec.Rules {
			if rule.HTTP == nil {
				continue
			}
			for _, p := range rule.HTTP.Paths {
				pt := ""
				if p.PathType != nil {
					pt = string(*p.PathType)
				}
				addRoute(&p.Backend, Route{Host: rule.Host, Path: p.Path, PathType: pt, TLS: tls[rule.Host]})
			}
		}
	}
}

// addOverlay adds policy edges between the peers keep selects: an edge
// for each ordered pair with at least one allowed or unknown port.
func (g *Graph) addOverlay(keep func(p *policy.Peer) bool) {
	var in []int
	for i := range g.Model.Peers {
		if keep(&g.Model.Peers[i]) {
			in = append(in, i)
		}
	}
	cache := map[[2]int]policy.Result{}
	for _, s := range in {
		for _, d := range in {
			if s == d {
				continue
			}
			key := [2]int{g.Model.ClassOf(s), g.Model.ClassOf(d)}
			r, ok := cache[key]
			if !ok {
				r = g.Model.ClassReach(key[0], key[1])
				cache[key] = r
			}
			if r.Allowed.Empty() && r.Unknown.Empty() {
				continue
			}
			g.link(&Edge{F: g.peerNode[s], T: g.peerNode[d], Kind: EdgePolicy, Policy: &PolicyEdge{Result: r}})
		}
	}
}
