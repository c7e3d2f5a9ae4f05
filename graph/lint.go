package graph

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netviz/netviz/graph/policy"
)

// Severity ranks a finding.
type Severity string

// Severities, from the most to the least urgent.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// Finding is one insight: where traffic will break, or a policy that does
// not do what it seems to. IDs are stable so CI can silence a known one.
type Finding struct {
	ID       string   `json:"id"`
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Objects  []string `json:"objects"`
	Message  string   `json:"message"`
	Why      string   `json:"why"`
	Fix      string   `json:"fix"`
}

// LintRule describes one check.
type LintRule struct {
	ID       string
	Name     string
	Severity Severity
	Why      string
}

// LintRules lists every check netviz runs, by ID.
var LintRules = []LintRule{
	{"NV001", "service-selects-nothing", SeverityWarning, "a Service whose selector matches no pod has no endpoints: every connection to it fails"},
	{"NV002", "target-port-not-exposed", SeverityWarning, "a targetPort that the backend's containers do not expose sends traffic nowhere"},
	{"NV003", "ingress-backend-missing", SeverityError, "an Ingress route to a Service or port that does not exist answers 503"},
	{"NV004", "policy-selects-nothing", SeverityWarning, "a NetworkPolicy that selects no pod protects nothing; often a label typo"},
	{"NV005", "namespace-unprotected", SeverityInfo, "pods in a namespace with no NetworkPolicy accept and send any traffic"},
	{"NV006", "peer-matches-nothing", SeverityWarning, "a policy peer whose labels no namespace or pod carries allows nothing; often a label typo"},
	{"NV007", "exposed-service-denied", SeverityError, "a NodePort or LoadBalancer Service whose backends deny ingress from outside is exposed for nothing"},
	{"NV008", "pod-cidr-too-small", SeverityWarning, "a node whose podCIDR has fewer addresses than its max pods cannot start pods past the CIDR's size"},
	{"NV009", "dns-egress-missing", SeverityError, "a pod whose egress is restricted without UDP and TCP 53 to the cluster DNS cannot resolve names"},
	{"NV010", "ingress-route-blocked", SeverityError, "an Ingress route whose backend's ingress does not admit the Ingress controller's pods fails at the last hop"},
	{"NV011", "mesh-not-evaluated", SeverityInfo, "pods in a service mesh are also governed by mesh authorization policies, which netviz does not evaluate"},
}

func lintRule(id string) LintRule {
	for _, r := range LintRules {
		if r.ID == id {
			return r
		}
	}
	return LintRule{ID: id}
}

// Lint finds where traffic breaks. Findings are sorted by severity, ID and
// object, so output is stable.
func (g *Graph) Lint() []Finding {
	var out []Finding
	add := func(id string, objects []string, msg, fix string) {
		r := lintRule(id)
		out = append(out, Finding{ID: id, Rule: r.Name, Severity: r.Severity, Objects: objects, Message: msg, Why: r.Why, Fix: fix})
	}
	g.lintServices(add)
	g.lintIngresses(add)
	g.lintPolicies(add)
	g.lintNodes(add)
	g.lintDNS(add)
	rank := map[Severity]int{SeverityError: 0, SeverityWarning: 1, SeverityInfo: 2}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if rank[a.Severity] != rank[b.Severity] {
			return rank[a.Severity] < rank[b.Severity]
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return strings.Join(a.Objects, ",") < strings.Join(b.Objects, ",")
	})
	return out
}

type addFinding func(id string, objects []string, msg, fix string)

func (g *Graph) lintServices(add addFinding) {
	for _, svc := range g.Cluster.Services {
		if svc.Spec.Type == corev1.ServiceTypeExternalName {
			continue
		}
		n := g.byKey["svc/"+svc.Namespace+"/"+svc.Name]
		ref := "Service " + n.Ref()
		var backends []*Edge
		for _, e := range g.Out(n) {
			if e.Kind == EdgeBackend {
				backends = append(backends, e)
			}
		}
		if len(svc.Spec.Selector) > 0 && len(backends) == 0 {
			add("NV001", []string{ref}, fmt.Sprintf("%s selects %s, and no pod or workload in %s carries those labels", ref, labels.SelectorFromSet(svc.Spec.Selector), svc.Namespace),
				"fix the selector, or the labels of the pods it should reach")
		}
		for _, sp := range svc.Spec.Ports {
			var missing []string
			for _, e := range backends {
				for _, pm := range e.Backend.Ports {
					if pm.Port != sp.Port || pm.Protocol != string(sp.Protocol) {
						continue
					}
					if pm.Resolved == 0 || !exposes(g.Model.Peers[e.T.Peer].Ports, pm) {
						missing = append(missing, e.T.Ref())
					}
				}
			}
			if len(missing) > 0 && len(missing) == len(backends) {
				add("NV002", append([]string{ref}, missing...), fmt.Sprintf("%s port %d/%s forwards to targetPort %s, which no backend container exposes", ref, sp.Port, sp.Protocol, sp.TargetPort.String()),
					"set targetPort to a port the containers declare (or declare it in the pod template)")
			}
		}
		if svc.Spec.Type == corev1.ServiceTypeNodePort || svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
			g.lintExposed(add, svc, n, backends)
		}
	}
}

// exposes reports whether a backend declares the container port a Service
// port resolves to. A numeric targetPort needs no declaration to work, so
// only undeclared named ports, or numeric ports on pods that declare ports
// but not this one, count.
func exposes(ports []policy.NamedPort, pm PortMap) bool {
	if len(ports) == 0 {
		return true // nothing declared: netviz cannot tell
	}
	proto, _ := policy.ParseProtocol(pm.Protocol)
	for _, p := range ports {
		if p.Port == int(pm.Resolved) && p.Protocol == proto {
			return true
		}
	}
	return false
}

func (g *Graph) lintExposed(add addFinding, svc *corev1.Service, n *Node, backends []*Edge) {
	for _, sp := range svc.Spec.Ports {
		proto, _ := policy.ParseProtocol(string(sp.Protocol))
		allDenied, any := true, false
		var by []string
		for _, e := range backends {
			for _, pm := range e.Backend.Ports {
				if pm.Port != sp.Port || pm.Resolved == 0 {
					continue
				}
				any = true
				var denied bool
				if svc.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal {
					acc := g.Model.FromOutside(e.T.Peer, proto, int(pm.Resolved))
					denied = !acc.Unknown && !acc.Everyone && len(acc.Prefixes) == 0
				} else {
					denied = true
					ips := nodeIPs(g.Cluster.Nodes)
					if len(ips) == 0 {
						denied = false // which address the policies see is unknown
					}
					for _, ip := range ips {
						if g.Model.Reach(policy.IPEndpoint(ip), policy.PeerEndpoint(e.T.Peer)).Verdict(proto, int(pm.Resolved)) != policy.Denied {
							denied = false
						}
					}
				}
				if !denied {
					allDenied = false
				}
				in, _ := g.Model.PoliciesFor(e.T.Peer)
				by = append(by, in...)
			}
		}
		if any && allDenied {
			add("NV007", []string{"Service " + n.Ref()}, fmt.Sprintf("%s Service %s port %d/%s is exposed outside the cluster, but its backends' ingress (%s) denies every outside client", svc.Spec.Type, n.Ref(), sp.Port, sp.Protocol, strings.Join(dedupe(by), ", ")),
				"add an ingress rule admitting the clients (an ipBlock, or no from under externalTrafficPolicy Local; the node addresses under Cluster), or stop exposing the Service")
		}
	}
}

func (g *Graph) lintIngresses(add addFinding) {
	for _, ing := range g.Cluster.Ingresses {
		ref := "Ingress " + ing.Namespace + "/" + ing.Name
		controllers, _ := g.ControllerPods(ing)
		for _, r := range Routes(ing) {
			svcNode := g.byKey["svc/"+ing.Namespace+"/"+r.Service]
			if r.Service == "" {
				continue
			}
			if svcNode == nil || svcNode.Service == nil {
				add("NV003", []string{ref, "Service " + ing.Namespace + "/" + r.Service}, fmt.Sprintf("%s route %s names Service %s/%s, which does not exist", ref, routeName(r), ing.Namespace, r.Service),
					"create the Service, or point the route at an existing one")
				continue
			}
			found := false
			for _, p := range svcNode.Service.Spec.Ports {
				if fmt.Sprint(p.Port) == r.Port || (p.Name != "" && p.Name == r.Port) {
					found = true
				}
			}
			if !found {
				add("NV003", []string{ref, "Service " + svcNode.Ref()}, fmt.Sprintf("%s route %s names port %s of Service %s, which has %s", ref, routeName(r), r.Port, svcNode.Ref(), servicePortList(svcNode.Service)),
					"use one of the Service's ports")
				continue
			}
			if len(controllers) == 0 {
				continue
			}
			rt := RouteTrace{Route: r}
			g.traceRoute(&rt, g.byKey["ingress/"+ing.Namespace+"/"+ing.Name], controllers, "")
			if rt.Verdict == "denied" && strings.HasPrefix(rt.Summary, "blocked at the backend") {
				objs := []string{ref}
				for _, b := range rt.Backends {
					if !b.Allowed {
						objs = append(objs, "Pod "+b.Pod)
						break
					}
				}
				add("NV010", objs, fmt.Sprintf("%s route %s → %s: %s", ref, routeName(r), svcNode.Ref(), rt.Summary),
					fmt.Sprintf("allow the controller's pods in the backend's ingress: a peer with namespaceSelector for %s and a podSelector for the controller pods, on the targetPort", g.Model.Peers[controllers[0]].Namespace))
			}
		}
	}
}

func (g *Graph) lintPolicies(add addFinding) {
	nsWithPolicy := map[string]bool{}
	for _, np := range g.Cluster.NetworkPolicies {
		nsWithPolicy[np.Namespace] = true
		id := np.Namespace + "/" + np.Name
		ref := "NetworkPolicy " + id
		if len(g.Model.SelectedBy(id)) == 0 {
			add("NV004", []string{ref}, fmt.Sprintf("%s selects no pod: no pod in %s matches podSelector %s", ref, np.Namespace, selectorText(&np.Spec.PodSelector)),
				"fix the podSelector, or delete the policy")
		}
		check := func(field string, peers []networkingv1.NetworkPolicyPeer) {
			for i, p := range peers {
				if p.IPBlock != nil {
					continue
				}
				if p.NamespaceSelector != nil && len(g.namespacesMatching(p.NamespaceSelector)) == 0 {
					add("NV006", []string{ref}, fmt.Sprintf("%s %s[%d] selects namespaces %s, and no namespace carries those labels", ref, field, i, selectorText(p.NamespaceSelector)),
						"fix the namespaceSelector (kubernetes.io/metadata.name selects a namespace by name)")
					continue
				}
				if p.PodSelector != nil && len(p.PodSelector.MatchLabels)+len(p.PodSelector.MatchExpressions) > 0 {
					nss := []string{np.Namespace}
					if p.NamespaceSelector != nil {
						nss = g.namespacesMatching(p.NamespaceSelector)
					}
					if !g.anyPodMatches(p.PodSelector, nss) {
						add("NV006", []string{ref}, fmt.Sprintf("%s %s[%d] selects pods %s in %s, and no pod there carries those labels", ref, field, i, selectorText(p.PodSelector), strings.Join(nss, ", ")),
							"fix the podSelector, or the labels of the pods it should admit")
					}
				}
			}
		}
		for i, r := range np.Spec.Ingress {
			check(fmt.Sprintf("spec.ingress[%d].from", i), r.From)
		}
		for i, r := range np.Spec.Egress {
			check(fmt.Sprintf("spec.egress[%d].to", i), r.To)
		}
	}
	byNS := map[string][]string{}
	for i := range g.Model.Peers {
		p := &g.Model.Peers[i]
		if !nsWithPolicy[p.Namespace] {
			byNS[p.Namespace] = append(byNS[p.Namespace], p.ID())
		}
	}
	var nss []string
	for ns := range byNS {
		nss = append(nss, ns)
	}
	sort.Strings(nss)
	for _, ns := range nss {
		if _, gap := g.Cluster.Gap("networkpolicies", ns); gap {
			continue
		}
		add("NV005", []string{"Namespace " + ns}, fmt.Sprintf("namespace %s has no NetworkPolicy: its %d pods/workloads accept and send any traffic", ns, len(byNS[ns])),
			"add a default-deny policy for the namespace, then allow what it needs by label")
	}
	meshed := map[string]int{}
	for i := range g.Model.Peers {
		if m := g.Mesh(i); m != "" {
			meshed[g.Model.Peers[i].Namespace+"\x00"+m]++
		}
	}
	var keys []string
	for k := range meshed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ns, mesh, _ := strings.Cut(k, "\x00")
		add("NV011", []string{"Namespace " + ns}, fmt.Sprintf("%d pods in %s run in the %s mesh: their traffic passes through sidecar proxies, and mesh authorization policies may deny what NetworkPolicy allows", meshed[k], ns, mesh),
			"check the mesh's own policies (e.g. Istio AuthorizationPolicy) too")
	}
}

func selectorText(ls *metav1.LabelSelector) string {
	s, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return "(invalid)"
	}
	if s.Empty() {
		return "{} (everything)"
	}
	return s.String()
}

func (g *Graph) namespacesMatching(ls *metav1.LabelSelector) []string {
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return nil
	}
	var out []string
	for _, ns := range g.Cluster.Namespaces {
		l := labels.Set{}
		for k, v := range ns.Labels {
			l[k] = v
		}
		l[policy.NamespaceNameLabel] = ns.Name
		if sel.Matches(l) {
			out = append(out, ns.Name)
		}
	}
	return out
}

func (g *Graph) anyPodMatches(ls *metav1.LabelSelector, nss []string) bool {
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return false
	}
	in := map[string]bool{}
	for _, ns := range nss {
		in[ns] = true
	}
	for i := range g.Model.Peers {
		p := &g.Model.Peers[i]
		if in[p.Namespace] && sel.Matches(labels.Set(p.Labels)) {
			return true
		}
	}
	return false
}

// lintNodes compares each node's podCIDR with its max pods (the kubenet
// note: a /24 per node for the default of 110 pods).
func (g *Graph) lintNodes(add addFinding) {
	for _, n := range g.Cluster.Nodes {
		maxPods := n.Status.Capacity.Pods().Value()
		if maxPods == 0 {
			maxPods = n.Status.Allocatable.Pods().Value()
		}
		if maxPods == 0 {
			continue
		}
		cidrs := n.Spec.PodCIDRs
		if len(cidrs) == 0 && n.Spec.PodCIDR != "" {
			cidrs = []string{n.Spec.PodCIDR}
		}
		for _, c := range cidrs {
			p, err := netip.ParsePrefix(c)
			if err != nil || !p.Addr().Is4() {
				continue
			}
			usable := int64(1)<<(32-p.Bits()) - 2
			if usable < maxPods {
				add("NV008", []string{"Node " + n.Name}, fmt.Sprintf("node %s has podCIDR %s (%d usable addresses) but may run %d pods", n.Name, c, usable, maxPods),
					fmt.Sprintf("give nodes a /%d or larger (a /24 holds the default of 110 pods), or lower max pods to %d", bitsFor(maxPods), usable))
			}
		}
	}
}

func bitsFor(pods int64) int {
	bits := 32
	for (int64(1)<<(32-bits))-2 < pods {
		bits--
	}
	return bits
}

// lintDNS flags pods whose egress is restricted but does not reach the
// cluster DNS on UDP and TCP 53.
func (g *Graph) lintDNS(add addFinding) {
	if len(g.Match(g.opts.DNS)) == 0 {
		return
	}
	// Pods of one class get the same answer: one finding per class.
	members := map[int][]string{}
	var classes []int
	for i := range g.Model.Peers {
		_, egress := g.Model.PoliciesFor(i)
		if len(egress) == 0 {
			continue // unrestricted egress reaches DNS
		}
		c := g.Model.ClassOf(i)
		if _, ok := members[c]; !ok {
			classes = append(classes, c)
		}
		p := g.Model.Peers[i]
		members[c] = append(members[c], p.Kind+" "+p.ID())
	}
	for _, c := range classes {
		check := g.DNS(g.Model.ClassMembers(c)[0])
		if check.UDP == "allowed" && check.TCP == "allowed" {
			continue
		}
		add("NV009", members[c], check.Reason,
			fmt.Sprintf("allow egress to the cluster DNS pods (%s) on UDP 53 and TCP 53", g.opts.DNS))
	}
}
