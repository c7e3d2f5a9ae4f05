package graph

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/netviz/netviz/graph/policy"
)

// ErrInput marks a question that cannot be asked of this graph (an unknown
// name, a malformed port); the CLI exits 2 on it.
var ErrInput = errors.New("bad input")

func inputErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInput, fmt.Sprintf(format, a...))
}

// RefKind says what a trace endpoint names.
type RefKind string

// Endpoint kinds a trace accepts.
const (
	RefPeer     RefKind = "peer"
	RefService  RefKind = "service"
	RefIP       RefKind = "ip"
	RefInternet RefKind = "internet"
	RefIngress  RefKind = "ingress"
)

// Ref is a resolved trace endpoint.
type Ref struct {
	Kind RefKind
	// Peer is the policy peer for RefPeer (and for an IP that belongs to a
	// pod).
	Peer int
	Node *Node
	IP   netip.Addr
}

// Resolve reads a trace endpoint: NS/NAME (a pod or workload),
// pod/NS/NAME, workload/NS/NAME, svc/NS/NAME, ingress/NS/NAME, ip/ADDR (or
// a bare address), or internet. Cluster DNS names are resolved by
// ResolveName, relative to the source.
func (g *Graph) Resolve(s string) (Ref, error) {
	if ip, err := netip.ParseAddr(s); err == nil {
		s = "ip/" + ip.String()
	}
	switch {
	case s == "internet":
		return Ref{Kind: RefInternet, Peer: -1}, nil
	case strings.HasPrefix(s, "ingress/"):
		n := g.byKey[s]
		if n == nil {
			return Ref{}, inputErr("no Ingress %s (want ingress/NAMESPACE/NAME)", strings.TrimPrefix(s, "ingress/"))
		}
		return Ref{Kind: RefIngress, Node: n, Peer: -1}, nil
	case strings.HasPrefix(s, "svc/"):
		n := g.byKey[s]
		if n == nil || n.Service == nil {
			return Ref{}, inputErr("no Service %s (want svc/NAMESPACE/NAME)", strings.TrimPrefix(s, "svc/"))
		}
		return Ref{Kind: RefService, Node: n, Peer: -1}, nil
	case strings.HasPrefix(s, "ip/"):
		ip, err := netip.ParseAddr(strings.TrimPrefix(s, "ip/"))
		if err != nil {
			return Ref{}, inputErr("%q is not an IP address (want ip/ADDRESS)", strings.TrimPrefix(s, "ip/"))
		}
		if i, ok := g.Model.PeerByIP(ip); ok {
			return Ref{Kind: RefPeer, Peer: i, Node: g.peerNode[i], IP: ip}, nil
		}
		return Ref{Kind: RefIP, Peer: -1, IP: ip}, nil
	case strings.HasPrefix(s, "pod/"), strings.HasPrefix(s, "workload/"):
		if n := g.byKey[s]; n != nil {
			return Ref{Kind: RefPeer, Peer: n.Peer, Node: n}, nil
		}
		return Ref{}, inputErr("no %s", s)
	}
	parts := strings.Split(s, "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return Ref{}, inputErr("%q: want NAMESPACE/NAME, svc/NAMESPACE/NAME or ip/ADDRESS", s)
	}
	pod, work := g.byKey["pod/"+s], g.byKey["workload/"+s]
	switch {
	case pod != nil && work != nil:
		return Ref{}, inputErr("%s is both a pod and a %s: say pod/%s or workload/%s", s, work.WorkloadKind, s, s)
	case pod != nil:
		return Ref{Kind: RefPeer, Peer: pod.Peer, Node: pod}, nil
	case work != nil:
		return Ref{Kind: RefPeer, Peer: work.Peer, Node: work}, nil
	}
	return Ref{}, inputErr("no pod or workload %s", s)
}

func (r Ref) endpoint() policy.Endpoint {
	if r.Peer >= 0 {
		return policy.PeerEndpoint(r.Peer)
	}
	return policy.IPEndpoint(r.IP)
}

// TraceRequest is one question: may From reach To on Port/Protocol?
type TraceRequest struct {
	From, To string
	// Port is a number, a port name, or "" for every port.
	Port     string
	Protocol policy.Protocol
	// Host and Path pick one route of an Ingress; empty traces them all.
	Host, Path string
}

// Hop is one step of a path.
type Hop struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Detail string `json:"detail,omitempty"`
}

// Trace is the answer to a TraceRequest. Its JSON form is a contract that
// scripts rely on.
type Trace struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Protocol string `json:"protocol"`
	Port     string `json:"port"`
	// Allowed is true only when the traffic is certainly allowed (to every
	// backend, for a Service).
	Allowed bool `json:"allowed"`
	// Verdict is "allowed", "denied", "unknown", or "partial" when only
	// some of a Service's backends can be reached.
	Verdict string                       `json:"verdict"`
	Egress  *policy.DirectionExplanation `json:"egress"`
	Ingress *policy.DirectionExplanation `json:"ingress"`
	// Ports are the allowed ports when no port was asked.
	Ports map[string]string `json:"ports,omitempty"`
	Hops  []Hop             `json:"hops"`
	// Backends holds one trace per pod behind a Service.
	Backends []BackendTrace `json:"backends,omitempty"`
	// Routes holds one trace per Ingress route.
	Routes []RouteTrace `json:"routes,omitempty"`
	// DNS says whether the source can resolve the name it asked for.
	DNS *DNSCheck `json:"dns,omitempty"`
	// Summary is one sentence: the verdict and, when denied, what is missing.
	Summary string   `json:"summary"`
	Notes   []string `json:"notes,omitempty"`
}

// BackendTrace is the answer for one pod behind a Service.
type BackendTrace struct {
	Pod        string                       `json:"pod"`
	Ready      bool                         `json:"ready"`
	TargetPort string                       `json:"targetPort,omitempty"`
	Port       int                          `json:"port,omitempty"`
	Allowed    bool                         `json:"allowed"`
	Verdict    string                       `json:"verdict"`
	Ports      map[string]string            `json:"ports,omitempty"`
	Egress     *policy.DirectionExplanation `json:"egress"`
	Ingress    *policy.DirectionExplanation `json:"ingress"`
	Hops       []Hop                        `json:"hops"`
	Summary    string                       `json:"summary"`
}

// Trace answers a request hop by hop.
func (g *Graph) Trace(req TraceRequest) (*Trace, error) {
	from, err := g.Resolve(req.From)
	if err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	switch from.Kind {
	case RefService:
		return nil, inputErr("from: a Service does not send traffic; trace from one of the pods behind %s", from.Node.Ref())
	case RefIngress:
		return nil, inputErr("from: an Ingress does not send traffic; trace from internet to it")
	}
	t := &Trace{From: req.From, To: req.To, Protocol: req.Protocol.String(), Port: req.Port, Hops: []Hop{}}
	to, fqdn, err := g.resolveTarget(req.To, from)
	if err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	if from.Kind == RefInternet {
		return g.traceFromInternet(t, to, req)
	}
	if to.Kind == RefInternet || to.Kind == RefIngress {
		return nil, inputErr("to: trace from internet to an Ingress; from a pod, trace to the Service behind it")
	}
	t.Hops = append(t.Hops, g.endpointHop(from))
	if fqdn != "" && from.Peer >= 0 {
		check := g.DNS(from.Peer)
		t.DNS = &check
		hop := Hop{Kind: "DNS", Name: fqdn, Detail: "resolved by the cluster DNS"}
		if !check.Resolves {
			hop.Detail = "does not resolve: " + check.Reason
		}
		t.Hops = append(t.Hops, hop)
	}
	if from.Peer >= 0 && to.Peer >= 0 {
		g.meshNote(t, from.Peer, to.Peer)
	}
	if to.Kind == RefService {
		t, err = g.traceService(t, from, to, req)
	} else {
		t, err = g.tracePeer(t, from, to, req)
	}
	if err != nil {
		return nil, err
	}
	if t.DNS != nil && !t.DNS.Resolves {
		// Name resolution fails before any connection is tried.
		t.Summary = fmt.Sprintf("denied: the name %s cannot be resolved — %s (by address the connection would be %s)", fqdn, t.DNS.Reason, t.Verdict)
		t.Verdict, t.Allowed = "denied", false
	}
	return t, nil
}

// resolveTarget reads the destination: an endpoint, or a cluster DNS name
// relative to the source's namespace.
func (g *Graph) resolveTarget(s string, from Ref) (Ref, string, error) {
	looksLikeName := !strings.Contains(s, "/") && s != "internet"
	if _, err := netip.ParseAddr(s); err == nil {
		looksLikeName = false
	}
	if !looksLikeName {
		r, err := g.Resolve(s)
		return r, "", err
	}
	ns := ""
	if from.Node != nil {
		ns = from.Node.Namespace
	}
	if ns == "" && !strings.Contains(s, ".") {
		return Ref{}, "", inputErr("%q: a short name is relative to the source's namespace, and the source has none", s)
	}
	return g.ResolveName(s, ns)
}

func (g *Graph) meshNote(t *Trace, from, to int) {
	fm, tm := g.Mesh(from), g.Mesh(to)
	switch {
	case fm != "" && tm != "":
		t.Notes = append(t.Notes, fmt.Sprintf("both ends are in the %s mesh: traffic passes through their sidecar proxies with mutual TLS; mesh authorization policies (e.g. Istio AuthorizationPolicy) are not evaluated here, and NetworkPolicy still applies underneath", fm))
	case fm != "" || tm != "":
		m := fm + tm
		t.Notes = append(t.Notes, fmt.Sprintf("only one end is in the %s mesh: traffic passes through its sidecar without mutual TLS; mesh authorization policies are not evaluated here, and NetworkPolicy still applies underneath", m))
	}
}

// tracePeer judges a pod/workload or address destination.
func (g *Graph) tracePeer(t *Trace, from, to Ref, req TraceRequest) (*Trace, error) {
	port, err := g.portOn(to, req)
	if err != nil {
		return nil, err
	}
	bt := g.judge(from, to, req.Protocol, port)
	t.Hops = append(t.Hops, g.endpointHop(to))
	if port > 0 && req.Port != strconv.Itoa(port) {
		t.Hops[len(t.Hops)-1].Detail = fmt.Sprintf("port %s = %d/%s", req.Port, port, req.Protocol)
	}
	t.Allowed, t.Verdict, t.Egress, t.Ingress, t.Ports = bt.Allowed, bt.Verdict, bt.Egress, bt.Ingress, bt.Ports
	t.Summary = bt.Summary
	return t, nil
}

func (g *Graph) endpointHop(r Ref) Hop {
	switch r.Kind {
	case RefService:
		return Hop{Kind: "Service", Name: r.Node.Ref()}
	case RefIP:
		return Hop{Kind: "IP", Name: r.IP.String(), Detail: "outside the cluster"}
	}
	kind := "Pod"
	if r.Node.Kind == KindWorkload {
		kind = r.Node.WorkloadKind
	}
	h := Hop{Kind: kind, Name: r.Node.Ref()}
	if r.IP.IsValid() {
		h.Detail = "holds " + r.IP.String()
	}
	return h
}

// portOn resolves the asked port on a destination: a number, or a name
// looked up in the destination's container ports.
func (g *Graph) portOn(to Ref, req TraceRequest) (int, error) {
	if req.Port == "" {
		return 0, nil
	}
	if n, err := strconv.Atoi(req.Port); err == nil {
		if n < policy.MinPort || n > policy.MaxPort {
			return 0, inputErr("port %d is out of range 1-65535", n)
		}
		return n, nil
	}
	if to.Peer < 0 {
		return 0, inputErr("a port name (%s) can only be resolved on a pod or workload", req.Port)
	}
	for _, p := range g.Model.Peers[to.Peer].Ports {
		if p.Name == req.Port && p.Protocol == req.Protocol {
			return p.Port, nil
		}
	}
	return 0, inputErr("%s has no container port named %s/%s", g.Model.Peers[to.Peer].ID(), req.Port, req.Protocol)
}

// judge decides one source → destination on one port (0: every port).
func (g *Graph) judge(from, to Ref, proto policy.Protocol, port int) BackendTrace {
	ex := g.Model.Explain(from.endpoint(), to.endpoint(), proto, port)
	res := g.Model.Reach(from.endpoint(), to.endpoint())
	bt := BackendTrace{Egress: &ex.Egress, Ingress: &ex.Ingress}
	var v policy.Verdict
	if port > 0 {
		v = res.Verdict(proto, port)
	} else {
		bt.Ports = res.Allowed.Map()
		switch {
		case !res.Allowed.Empty():
			v = policy.Allowed
		case !res.Unknown.Empty():
			v = policy.Unknown
		}
	}
	bt.Verdict, bt.Allowed = v.String(), v == policy.Allowed
	what := "port " + strconv.Itoa(port) + "/" + proto.String()
	if port == 0 {
		what = "any port"
	}
	switch v {
	case policy.Allowed:
		if port == 0 {
			bt.Summary = "allowed on " + res.Allowed.String()
		} else {
			bt.Summary = "allowed on " + what
		}
	case policy.Unknown:
		var why []string
		for _, d := range []*policy.DirectionExplanation{bt.Egress, bt.Ingress} {
			if d.Verdict == "unknown" {
				why = append(why, d.Direction+": "+d.Reason)
			}
		}
		bt.Summary = "unknown on " + what + ": " + strings.Join(why, "; ")
	default:
		var why []string
		for _, d := range []*policy.DirectionExplanation{bt.Egress, bt.Ingress} {
			if d.Verdict == "denied" {
				why = append(why, "at "+d.Direction+", "+d.Reason)
			}
		}
		if len(why) == 0 {
			// Each side allows some ports, but never the same ones.
			why = append(why, "the ports the source's egress allows and the ports the destination's ingress allows do not overlap")
		}
		bt.Summary = "denied on " + what + ": " + strings.Join(why, "; and ")
	}
	return bt
}

// traceService follows a Service port to each backend pod.
func (g *Graph) traceService(t *Trace, from, to Ref, req TraceRequest) (*Trace, error) {
	svc := to.Node.Service
	var sp *corev1.ServicePort
	if req.Port != "" {
		for i := range svc.Spec.Ports {
			p := &svc.Spec.Ports[i]
			if string(p.Protocol) != req.Protocol.String() && !(p.Protocol == "" && req.Protocol == policy.TCP) {
				continue
			}
			if strconv.Itoa(int(p.Port)) == req.Port || p.Name == req.Port {
				sp = p
				break
			}
		}
		if sp == nil {
			return nil, inputErr("Service %s has no port %s/%s (it has %s)", to.Node.Ref(), req.Port, req.Protocol, servicePortList(svc))
		}
	}
	svcHop := Hop{Kind: "Service", Name: to.Node.Ref(), Detail: string(svc.Spec.Type)}
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		svcHop.Detail = "headless: the name resolves straight to the pod IPs"
	} else if svc.Spec.ClusterIP != "" {
		svcHop.Detail += " " + svc.Spec.ClusterIP
	}
	if sp != nil {
		svcHop.Detail += fmt.Sprintf(", port %d/%s → targetPort %s", sp.Port, req.Protocol, sp.TargetPort.String())
	}
	t.Hops = append(t.Hops, svcHop)
	if svc.Spec.InternalTrafficPolicy != nil && *svc.Spec.InternalTrafficPolicy == corev1.ServiceInternalTrafficPolicyLocal {
		t.Notes = append(t.Notes, "internalTrafficPolicy Local: in-cluster clients reach only the backends on their own node; backends on other nodes are skipped")
	}
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		t.Verdict = "unknown"
		t.Summary = fmt.Sprintf("Service %s is an ExternalName alias for %s: traffic leaves the cluster to whatever that name resolves to, and NetworkPolicy can judge it only through ipBlock rules on the resolved address", to.Node.Ref(), svc.Spec.ExternalName)
		t.Hops = append(t.Hops, Hop{Kind: "DNS", Name: svc.Spec.ExternalName, Detail: "outside the cluster"})
		return t, nil
	}
	backends := g.Out(to.Node)
	any, all := false, true
	unknown := false
	// With internalTrafficPolicy Local, a client reaches only the backends
	// on its own node.
	localNode := ""
	if svc.Spec.InternalTrafficPolicy != nil && *svc.Spec.InternalTrafficPolicy == corev1.ServiceInternalTrafficPolicyLocal && from.Node != nil && from.Node.Pod != nil {
		localNode = from.Node.Pod.Spec.NodeName
	}
	for _, e := range backends {
		if e.Kind != EdgeBackend {
			continue
		}
		pod := e.T
		if localNode != "" && pod.Pod != nil && pod.Pod.Spec.NodeName != localNode {
			t.Backends = append(t.Backends, BackendTrace{Pod: pod.Ref(), Verdict: "skipped", Egress: &policy.DirectionExplanation{}, Ingress: &policy.DirectionExplanation{},
				Summary: fmt.Sprintf("on node %s, not the client's node %s: internalTrafficPolicy Local sends it no traffic from this client", pod.Pod.Spec.NodeName, localNode)})
			continue
		}
		pref := Ref{Kind: RefPeer, Peer: pod.Peer, Node: pod}
		port := 0
		var target string
		if sp != nil {
			for _, pm := range e.Backend.Ports {
				if pm.Port == sp.Port && pm.Protocol == req.Protocol.String() {
					port, target = int(pm.Resolved), pm.TargetPort
				}
			}
		}
		var bt BackendTrace
		if sp != nil && port == 0 {
			bt = BackendTrace{Verdict: "denied", Egress: &policy.DirectionExplanation{}, Ingress: &policy.DirectionExplanation{},
				Summary: fmt.Sprintf("denied: %s has no container port named %s, so the Service port cannot reach it", pod.Ref(), target)}
		} else {
			bt = g.judge(from, pref, req.Protocol, port)
		}
		bt.Pod, bt.Ready, bt.TargetPort, bt.Port = pod.Ref(), e.Backend.Ready, target, port
		hop := Hop{Kind: "Pod", Name: pod.Ref()}
		if port > 0 {
			hop.Detail = fmt.Sprintf("targetPort %s = %d/%s", target, port, req.Protocol)
		}
		bt.Hops = []Hop{hop}
		if !e.Backend.Ready {
			bt.Summary = "not ready, so the Service sends it no traffic; " + bt.Summary
			bt.Allowed = false
			t.Backends = append(t.Backends, bt)
			continue
		}
		t.Backends = append(t.Backends, bt)
		any = any || bt.Allowed
		all = all && bt.Allowed
		unknown = unknown || bt.Verdict == "unknown"
	}
	// Endpoints that are no pod (an API server, a database outside) are
	// judged as addresses: only the source's egress applies.
	for _, ae := range g.AddressEndpoints(to.Node) {
		port := 0
		if sp != nil {
			port = int(ae.Ports[sp.Name+"/"+string(sp.Protocol)])
			if port == 0 {
				continue // the endpoint does not serve this Service port
			}
		}
		bt := g.judge(from, Ref{Kind: RefIP, Peer: -1, IP: ae.IP}, req.Protocol, port)
		bt.Pod, bt.Ready, bt.Port = ae.IP.String(), ae.Ready, port
		if sp != nil {
			bt.TargetPort = sp.TargetPort.String()
		}
		bt.Hops = []Hop{{Kind: "IP", Name: ae.IP.String(), Detail: "an endpoint that is no pod"}}
		t.Backends = append(t.Backends, bt)
		if !ae.Ready {
			continue
		}
		any = any || bt.Allowed
		all = all && bt.Allowed
		unknown = unknown || bt.Verdict == "unknown"
	}
	ready := 0
	for _, b := range t.Backends {
		if b.Ready {
			ready++
		}
	}
	switch {
	case ready == 0 && localNode != "":
		t.Verdict = "denied"
		t.Summary = fmt.Sprintf("denied: internalTrafficPolicy Local, and Service %s has no ready endpoint on the client's node %s", to.Node.Ref(), localNode)
	case ready == 0:
		t.Verdict = "denied"
		t.Summary = fmt.Sprintf("denied: Service %s has no ready endpoints", to.Node.Ref())
		if len(svc.Spec.Selector) > 0 && len(t.Backends) == 0 {
			t.Summary = fmt.Sprintf("denied: the selector of Service %s matches no pod", to.Node.Ref())
		}
	case all:
		t.Verdict, t.Allowed = "allowed", true
	case any:
		t.Verdict = "partial"
	case unknown:
		t.Verdict = "unknown"
	default:
		t.Verdict = "denied"
	}
	// The top-level explanation is the first backend that does not allow,
	// else the first backend: the one to look at.
	var pick *BackendTrace
	for i := range t.Backends {
		b := &t.Backends[i]
		if b.Ready && pick == nil {
			pick = b
		}
		if b.Ready && !b.Allowed {
			pick = b
			break
		}
	}
	if pick != nil {
		t.Egress, t.Ingress, t.Ports = pick.Egress, pick.Ingress, pick.Ports
		if t.Summary == "" {
			switch t.Verdict {
			case "allowed":
				t.Summary = fmt.Sprintf("allowed to all %d ready backends", ready)
			case "partial":
				t.Summary = fmt.Sprintf("only some backends of %s can be reached: %s %s", to.Node.Ref(), pick.Pod, pick.Summary)
			default:
				t.Summary = pick.Pod + " " + pick.Summary
			}
		}
	}
	if svc.Spec.SessionAffinity == corev1.ServiceAffinityClientIP {
		t.Notes = append(t.Notes, "sessionAffinity ClientIP: each client keeps talking to the same backend")
	}
	return t, nil
}

func servicePortList(svc *corev1.Service) string {
	var out []string
	for _, p := range svc.Spec.Ports {
		s := fmt.Sprintf("%d/%s", p.Port, p.Protocol)
		if p.Name != "" {
			s = p.Name + " " + s
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return "no ports"
	}
	return strings.Join(out, ", ")
}
