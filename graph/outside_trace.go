package graph

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/netviz/netviz/graph/policy"
)

// RouteTrace is the answer for one route through an Ingress.
type RouteTrace struct {
	Route   IngressRoute `json:"route"`
	Match   string       `json:"match,omitempty"`
	Allowed bool         `json:"allowed"`
	Verdict string       `json:"verdict"`
	Hops    []Hop        `json:"hops"`
	// Controller is what the controller pods' own ingress lets in from
	// the internet.
	Controller *ControllerHop `json:"controller,omitempty"`
	// Backends is one trace per backend pod, from a controller pod.
	Backends []BackendTrace `json:"backends"`
	Summary  string         `json:"summary"`
}

// ControllerHop is the Ingress controller step of a route.
type ControllerHop struct {
	Pods         []string              `json:"pods"`
	FoundBy      string                `json:"foundBy"`
	Port         int                   `json:"port"`
	FromInternet *policy.OutsideAccess `json:"fromInternet,omitempty"`
}

var internetHop = Hop{Kind: "Internet", Name: "internet", Detail: "any public address"}

// traceFromInternet follows traffic from outside the cluster to a
// Service (NodePort or LoadBalancer), an Ingress, or a pod.
func (g *Graph) traceFromInternet(t *Trace, to Ref, req TraceRequest) (*Trace, error) {
	t.Hops = []Hop{internetHop}
	switch {
	case to.Node != nil && to.Node.Kind == KindIngress:
		return g.traceIngress(t, to.Node, req)
	case to.Kind == RefService:
		return g.traceServiceFromOutside(t, to, req)
	case to.Kind == RefPeer:
		port, err := g.portOn(to, req)
		if err != nil {
			return nil, err
		}
		if port == 0 {
			return nil, inputErr("from internet: --port is required")
		}
		bt := g.fromOutside(to.Peer, req.Protocol, port)
		t.Hops = append(t.Hops, g.endpointHop(to))
		t.Allowed, t.Verdict, t.Summary = bt.Allowed, bt.Verdict, bt.Summary
		t.Notes = append(t.Notes, "pod IPs are reachable from outside only where the CNI routes them (for example when pods get addresses from the node network); traffic normally enters through a NodePort or LoadBalancer Service, or an Ingress")
		return t, nil
	}
	return nil, inputErr("from internet: trace to svc/NAMESPACE/NAME, ingress/NAMESPACE/NAME or a pod")
}

// fromOutside judges outside addresses reaching a pod, keeping the client
// address (no SNAT).
func (g *Graph) fromOutside(peer int, proto policy.Protocol, port int) BackendTrace {
	acc := g.Model.FromOutside(peer, proto, port)
	bt := BackendTrace{Pod: g.Model.Peers[peer].ID(), Port: port, Ready: true}
	what := fmt.Sprintf("port %d/%s", port, proto)
	in, eg := g.Model.PoliciesFor(peer)
	_ = eg
	switch {
	case acc.Unknown:
		bt.Verdict, bt.Summary = "unknown", "the ingress policies of "+bt.Pod+" could not be read"
	case acc.Everyone:
		bt.Verdict, bt.Allowed = "allowed", true
		bt.Summary = fmt.Sprintf("every outside address may reach %s on %s", bt.Pod, what)
		if len(in) > 0 && len(acc.Rules) > 0 {
			bt.Summary += fmt.Sprintf(" (%s %s)", acc.Rules[0].Policy, acc.Rules[0].Rule)
		}
	case len(acc.Prefixes) > 0:
		bt.Verdict = "partial"
		bt.Summary = fmt.Sprintf("only clients in %s may reach %s on %s (%s %s)", strings.Join(acc.Prefixes, ", "), bt.Pod, what, acc.Rules[0].Policy, acc.Rules[0].Rule)
	default:
		bt.Verdict = "denied"
		bt.Summary = fmt.Sprintf("no outside address may reach %s on %s: it is isolated for ingress by %s and no rule admits outside addresses (a rule without peers, or an ipBlock)", bt.Pod, what, strings.Join(in, ", "))
	}
	return bt
}

func nodeIPs(nodes []*corev1.Node) []netip.Addr {
	var out []netip.Addr
	for _, n := range nodes {
		for _, a := range n.Status.Addresses {
			if a.Type != corev1.NodeInternalIP {
				continue
			}
			if ip, err := netip.ParseAddr(a.Address); err == nil {
				out = append(out, ip)
			}
		}
	}
	return out
}

// traceServiceFromOutside goes internet → NodePort/LoadBalancer → Service
// → each backend, with the source address the backend's policies see.
func (g *Graph) traceServiceFromOutside(t *Trace, to Ref, req TraceRequest) (*Trace, error) {
	svc := to.Node.Service
	if req.Port == "" {
		return nil, inputErr("from internet: --port (the Service port) is required")
	}
	var sp *corev1.ServicePort
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		if (strconv.Itoa(int(p.Port)) == req.Port || p.Name == req.Port || (p.NodePort != 0 && strconv.Itoa(int(p.NodePort)) == req.Port)) && string(p.Protocol) == req.Protocol.String() {
			sp = p
		}
	}
	if sp == nil {
		return nil, inputErr("Service %s has no port %s/%s (it has %s)", to.Node.Ref(), req.Port, req.Protocol, servicePortList(svc))
	}
	switch svc.Spec.Type {
	case corev1.ServiceTypeNodePort:
		t.Hops = append(t.Hops, Hop{Kind: "NodePort", Name: fmt.Sprintf("every node:%d", sp.NodePort), Detail: "kube-proxy on each node forwards the node port to the Service"})
	case corev1.ServiceTypeLoadBalancer:
		addr := "pending"
		for _, in := range svc.Status.LoadBalancer.Ingress {
			if in.IP != "" {
				addr = in.IP
			} else if in.Hostname != "" {
				addr = in.Hostname
			}
		}
		t.Hops = append(t.Hops, Hop{Kind: "LoadBalancer", Name: fmt.Sprintf("%s:%d", addr, sp.Port), Detail: fmt.Sprintf("the cloud load balancer forwards to node port %d", sp.NodePort)})
	default:
		if len(svc.Spec.ExternalIPs) == 0 {
			t.Verdict = "denied"
			t.Summary = fmt.Sprintf("denied: Service %s is %s-only, so it is unreachable from outside the cluster; expose it with type NodePort or LoadBalancer, or route to it through an Ingress", to.Node.Ref(), svc.Spec.Type)
			t.Hops = append(t.Hops, Hop{Kind: "Service", Name: to.Node.Ref(), Detail: string(svc.Spec.Type) + ", cluster-internal only"})
			return t, nil
		}
		t.Hops = append(t.Hops, Hop{Kind: "ExternalIP", Name: strings.Join(svc.Spec.ExternalIPs, ", ")})
	}
	t.Hops = append(t.Hops, Hop{Kind: "Service", Name: to.Node.Ref(), Detail: fmt.Sprintf("port %d/%s → targetPort %s", sp.Port, sp.Protocol, sp.TargetPort.String())})
	local := svc.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal
	if local {
		t.Notes = append(t.Notes, "externalTrafficPolicy Local: only nodes with a ready backend answer, and the client's own address is kept, so the backends' ipBlock rules see the client")
	} else {
		t.Notes = append(t.Notes, "externalTrafficPolicy Cluster: the node that receives the traffic rewrites its source to the node's own IP (SNAT), so the backends' policies see a node IP, not the client")
	}
	nodes := nodeIPs(g.Cluster.Nodes)
	allOK, anyOK, unknown, ready := true, false, false, 0
	for _, e := range g.Out(to.Node) {
		if e.Kind != EdgeBackend {
			continue
		}
		port := 0
		var target string
		for _, pm := range e.Backend.Ports {
			if pm.Port == sp.Port && pm.Protocol == string(sp.Protocol) {
				port, target = int(pm.Resolved), pm.TargetPort
			}
		}
		var bt BackendTrace
		switch {
		case port == 0:
			bt = BackendTrace{Verdict: "denied", Summary: fmt.Sprintf("%s has no container port named %s", e.T.Ref(), target)}
		case local:
			bt = g.fromOutside(e.T.Peer, req.Protocol, port)
		case len(nodes) == 0:
			bt = BackendTrace{Verdict: "unknown", Summary: "the traffic arrives from a node IP after SNAT, and the snapshot holds no Nodes, so which addresses the policies see is unknown"}
		default:
			bt = g.fromNodes(e.T.Peer, nodes, req.Protocol, port)
		}
		bt.Pod, bt.Ready, bt.TargetPort, bt.Port = e.T.Ref(), e.Backend.Ready, target, port
		bt.Hops = []Hop{{Kind: "Pod", Name: e.T.Ref(), Detail: fmt.Sprintf("targetPort %s = %d/%s", target, port, req.Protocol)}}
		t.Backends = append(t.Backends, bt)
		if !e.Backend.Ready {
			continue
		}
		ready++
		allOK = allOK && bt.Verdict == "allowed"
		anyOK = anyOK || bt.Verdict == "allowed" || bt.Verdict == "partial"
		unknown = unknown || bt.Verdict == "unknown"
	}
	g.summarizeBackends(t, to.Node.Ref(), ready, allOK, anyOK, unknown)
	return t, nil
}

// fromNodes judges traffic SNATed to node IPs reaching a pod: every node's
// address must be allowed, since any node may forward.
func (g *Graph) fromNodes(peer int, nodes []netip.Addr, proto policy.Protocol, port int) BackendTrace {
	bt := BackendTrace{Verdict: "allowed", Allowed: true}
	var denied []string
	for _, ip := range nodes {
		src := policy.IPEndpoint(ip)
		if i, ok := g.Model.PeerByIP(ip); ok {
			src = policy.PeerEndpoint(i)
		}
		ex := g.Model.Explain(src, policy.PeerEndpoint(peer), proto, port)
		if ex.Ingress.Verdict != "allowed" {
			denied = append(denied, ip.String())
			bt.Ingress = &ex.Ingress
		}
	}
	what := fmt.Sprintf("port %d/%s", port, proto)
	switch {
	case len(denied) == 0:
		bt.Summary = fmt.Sprintf("the node IPs (after SNAT) may reach %s on %s", g.Model.Peers[peer].ID(), what)
	case len(denied) == len(nodes):
		bt.Verdict, bt.Allowed = "denied", false
		bt.Summary = fmt.Sprintf("after SNAT the traffic comes from node IPs, and %s", bt.Ingress.Reason)
	default:
		bt.Verdict, bt.Allowed = "partial", false
		bt.Summary = fmt.Sprintf("traffic forwarded by nodes %s is denied: %s", strings.Join(denied, ", "), bt.Ingress.Reason)
	}
	return bt
}

func (g *Graph) summarizeBackends(t *Trace, svc string, ready int, allOK, anyOK, unknown bool) {
	switch {
	case ready == 0:
		t.Verdict, t.Summary = "denied", fmt.Sprintf("denied: Service %s has no ready endpoints", svc)
	case allOK:
		t.Verdict, t.Allowed, t.Summary = "allowed", true, fmt.Sprintf("allowed to all %d ready backends of %s", ready, svc)
	case anyOK:
		t.Verdict = "partial"
	case unknown:
		t.Verdict = "unknown"
	default:
		t.Verdict = "denied"
	}
	if t.Summary == "" {
		for _, b := range t.Backends {
			if b.Ready && b.Verdict != "allowed" {
				t.Summary = b.Pod + ": " + b.Summary
				break
			}
		}
	}
}

// traceIngress follows internet → Ingress controller → host/path → Service
// → backend pods, for one request (--host/--path) or for every route.
func (g *Graph) traceIngress(t *Trace, ing *Node, req TraceRequest) (*Trace, error) {
	routes := Routes(ing.Ingress)
	var picked []RouteTrace
	if req.Host != "" || req.Path != "" {
		path := req.Path
		if path == "" {
			path = "/"
		}
		r, how, ok := MatchRoute(routes, req.Host, path)
		if !ok {
			t.Verdict, t.Summary = "denied", how
			return t, nil
		}
		picked = append(picked, RouteTrace{Route: r, Match: how})
	} else {
		for _, r := range routes {
			picked = append(picked, RouteTrace{Route: r})
		}
	}
	controllers, foundBy := g.ControllerPods(ing.Ingress)
	t.Hops = append(t.Hops, Hop{Kind: "Ingress", Name: ing.Ref(), Detail: foundBy})
	allOK, anyOK := true, false
	for i := range picked {
		rt := &picked[i]
		g.traceRoute(rt, ing, controllers, foundBy)
		t.Routes = append(t.Routes, *rt)
		allOK = allOK && rt.Allowed
		anyOK = anyOK || rt.Allowed
	}
	switch {
	case len(picked) == 0:
		t.Verdict, t.Summary = "denied", "the Ingress has no routes"
	case allOK:
		t.Verdict, t.Allowed = "allowed", true
		t.Summary = fmt.Sprintf("allowed end to end on all %d routes", len(picked))
		if len(picked) == 1 {
			t.Summary = "allowed end to end: " + picked[0].Summary
		}
	case anyOK:
		t.Verdict = "partial"
		var bad []string
		for _, r := range picked {
			if !r.Allowed {
				bad = append(bad, routeName(r.Route))
			}
		}
		t.Summary = "only some routes work; broken: " + strings.Join(bad, ", ")
	default:
		t.Verdict = picked[0].Verdict
		if t.Verdict == "allowed" || t.Verdict == "partial" {
			t.Verdict = "denied"
		}
		t.Summary = picked[0].Summary
	}
	return t, nil
}

func routeName(r IngressRoute) string {
	if r.Default {
		return "default backend"
	}
	h := r.Host
	if h == "" {
		h = "*"
	}
	return h + r.Path
}

func (g *Graph) traceRoute(rt *RouteTrace, ing *Node, controllers []int, foundBy string) {
	r := rt.Route
	port := 80
	if r.TLS {
		port = 443
	}
	detail := fmt.Sprintf("%s %s (%s)", r.Host, r.Path, r.PathType)
	if r.Default {
		detail = "default backend"
	}
	if r.TLS {
		detail += ", TLS terminates at the controller"
	}
	rt.Hops = append(rt.Hops, Hop{Kind: "Route", Name: routeName(r), Detail: detail})
	if len(controllers) == 0 {
		rt.Verdict = "unknown"
		rt.Summary = "the Ingress controller's pods are not known: " + foundBy
		return
	}
	ch := &ControllerHop{FoundBy: foundBy, Port: port}
	for _, c := range controllers {
		ch.Pods = append(ch.Pods, g.Model.Peers[c].ID())
	}
	// The first hop: outside clients to the controller pods.
	in := g.fromOutside(controllers[0], policy.TCP, g.controllerPort(controllers[0], port))
	acc := g.Model.FromOutside(controllers[0], policy.TCP, g.controllerPort(controllers[0], port))
	ch.FromInternet = &acc
	rt.Controller = ch
	rt.Hops = append(rt.Hops, Hop{Kind: "Controller", Name: strings.Join(ch.Pods, ", "), Detail: in.Summary})
	svcNode := g.byKey["svc/"+ing.Namespace+"/"+r.Service]
	if svcNode == nil || svcNode.Service == nil {
		rt.Verdict = "denied"
		rt.Summary = fmt.Sprintf("broken: the route names Service %s/%s, which does not exist", ing.Namespace, r.Service)
		return
	}
	var sp *corev1.ServicePort
	for i := range svcNode.Service.Spec.Ports {
		p := &svcNode.Service.Spec.Ports[i]
		if strconv.Itoa(int(p.Port)) == r.Port || (p.Name != "" && p.Name == r.Port) {
			sp = p
		}
	}
	if sp == nil {
		rt.Verdict = "denied"
		rt.Summary = fmt.Sprintf("broken: Service %s has no port %s", svcNode.Ref(), r.Port)
		return
	}
	rt.Hops = append(rt.Hops, Hop{Kind: "Service", Name: svcNode.Ref(), Detail: fmt.Sprintf("port %d → targetPort %s", sp.Port, sp.TargetPort.String())})
	allOK, ready := in.Verdict == "allowed", 0
	for _, e := range g.Out(svcNode) {
		if e.Kind != EdgeBackend {
			continue
		}
		target, tport := "", 0
		for _, pm := range e.Backend.Ports {
			if pm.Port == sp.Port {
				target, tport = pm.TargetPort, int(pm.Resolved)
			}
		}
		var bt BackendTrace
		if tport == 0 {
			bt = BackendTrace{Verdict: "denied", Summary: fmt.Sprintf("%s has no container port named %s", e.T.Ref(), target)}
		} else {
			// Every controller pod must reach the backend: the Ingress may
			// send any request through any of them.
			for _, c := range controllers {
				bt = g.judge(Ref{Kind: RefPeer, Peer: c, Node: g.peerNode[c]}, Ref{Kind: RefPeer, Peer: e.T.Peer, Node: e.T}, policy.TCP, tport)
				if !bt.Allowed {
					bt.Summary = "from " + g.Model.Peers[c].ID() + ": " + bt.Summary
					break
				}
			}
		}
		bt.Pod, bt.Ready, bt.TargetPort, bt.Port = e.T.Ref(), e.Backend.Ready, target, tport
		rt.Backends = append(rt.Backends, bt)
		if e.Backend.Ready {
			ready++
			allOK = allOK && bt.Allowed
		}
	}
	switch {
	case in.Verdict != "allowed" && in.Verdict != "partial":
		rt.Verdict, rt.Summary = in.Verdict, "blocked before the controller: "+in.Summary
	case ready == 0:
		rt.Verdict, rt.Summary = "denied", fmt.Sprintf("Service %s has no ready endpoints", svcNode.Ref())
	case allOK:
		rt.Verdict, rt.Allowed = "allowed", true
		rt.Summary = fmt.Sprintf("%s → %s reaches all %d ready backends", routeName(r), svcNode.Ref(), ready)
	default:
		rt.Verdict = "denied"
		for _, b := range rt.Backends {
			if b.Ready && !b.Allowed {
				rt.Summary = fmt.Sprintf("blocked at the backend %s: %s", b.Pod, b.Summary)
				if b.Ingress != nil && b.Ingress.Verdict != "allowed" {
					rt.Summary += " — the backend's ingress must allow the Ingress controller's pods and namespace"
				}
				break
			}
		}
	}
	if in.Verdict == "partial" && rt.Verdict == "allowed" {
		rt.Verdict, rt.Allowed = "partial", false
		rt.Summary = in.Summary
	}
}

// controllerPort is the controller pod's container port for HTTP (80) or
// HTTPS (443): the port named http/https when the pod declares one.
func (g *Graph) controllerPort(peer, port int) int {
	want := "http"
	if port == 443 {
		want = "https"
	}
	for _, p := range g.Model.Peers[peer].Ports {
		if p.Name == want && p.Protocol == policy.TCP {
			return p.Port
		}
	}
	return port
}
