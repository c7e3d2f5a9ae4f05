package graph

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/netviz/netviz/graph/policy"
)

// PodSelector picks pods: a namespace and a label selector, written
// NAMESPACE/SELECTOR (e.g. kube-system/k8s-app=kube-dns).
type PodSelector struct {
	Namespace string
	Selector  labels.Selector
}

// DefaultDNS selects the cluster DNS pods most clusters run.
var DefaultDNS = PodSelector{Namespace: "kube-system", Selector: labels.SelectorFromSet(labels.Set{"k8s-app": "kube-dns"})}

// ParsePodSelector reads NAMESPACE/SELECTOR.
func ParsePodSelector(s string) (PodSelector, error) {
	ns, sel, ok := strings.Cut(s, "/")
	if !ok || ns == "" || sel == "" {
		return PodSelector{}, inputErr("%q: want NAMESPACE/SELECTOR, e.g. kube-system/k8s-app=kube-dns", s)
	}
	parsed, err := labels.Parse(sel)
	if err != nil {
		return PodSelector{}, inputErr("%q: %v", s, err)
	}
	return PodSelector{Namespace: ns, Selector: parsed}, nil
}

func (p PodSelector) String() string {
	if p.Selector == nil {
		return p.Namespace
	}
	return p.Namespace + "/" + p.Selector.String()
}

// Match returns the peers the selector picks.
func (g *Graph) Match(p PodSelector) []int {
	var out []int
	for i := range g.Model.Peers {
		peer := &g.Model.Peers[i]
		if peer.Namespace == p.Namespace && p.Selector.Matches(labels.Set(peer.Labels)) {
			out = append(out, i)
		}
	}
	return out
}

// DNSCheck says whether a pod can ask the cluster DNS.
type DNSCheck struct {
	// Known is false when the snapshot holds no cluster DNS pods.
	Known bool `json:"known"`
	// UDP and TCP are the verdicts for port 53 to every DNS pod.
	UDP string `json:"udp"`
	TCP string `json:"tcp"`
	// Resolves is false when UDP 53 is denied: names will not resolve.
	Resolves bool `json:"resolves"`
	// Reason explains the answer in one sentence.
	Reason string `json:"reason"`
}

// DNS checks whether peer i may reach the cluster DNS pods on UDP and TCP
// 53. Both are needed: UDP for ordinary answers, TCP for large ones.
func (g *Graph) DNS(i int) DNSCheck {
	dns := g.Match(g.opts.DNS)
	if len(dns) == 0 {
		return DNSCheck{Resolves: true, UDP: "unknown", TCP: "unknown", Reason: fmt.Sprintf("no cluster DNS pods (%s) in the snapshot, so name resolution is not judged", g.opts.DNS)}
	}
	verdict := func(proto policy.Protocol) (policy.Verdict, string) {
		all, none := true, true
		var why string
		for _, d := range dns {
			if d == i {
				continue
			}
			v := g.Model.Reach(policy.PeerEndpoint(i), policy.PeerEndpoint(d)).Verdict(proto, 53)
			if v == policy.Allowed {
				none = false
			} else {
				all = false
				if why == "" {
					ex := g.Model.Explain(policy.PeerEndpoint(i), policy.PeerEndpoint(d), proto, 53)
					why = ex.Egress.Reason
					if ex.Egress.Verdict == "allowed" {
						why = ex.Ingress.Reason
					}
				}
			}
		}
		switch {
		case all:
			return policy.Allowed, ""
		case none:
			return policy.Denied, why
		}
		return policy.Unknown, "only some DNS pods can be reached: " + why
	}
	udp, udpWhy := verdict(policy.UDP)
	tcp, tcpWhy := verdict(policy.TCP)
	c := DNSCheck{Known: true, UDP: udp.String(), TCP: tcp.String(), Resolves: udp != policy.Denied}
	name := g.Model.Peers[i].ID()
	switch {
	case udp == policy.Allowed && tcp == policy.Allowed:
		c.Reason = fmt.Sprintf("%s may ask the cluster DNS (%s) on UDP and TCP 53", name, g.opts.DNS)
	case udp == policy.Denied:
		c.Reason = fmt.Sprintf("names will not resolve: %s may not send UDP 53 to the cluster DNS (%s): %s", name, g.opts.DNS, udpWhy)
	case tcp != policy.Allowed:
		c.Reason = fmt.Sprintf("large DNS answers will fail: %s may send UDP 53 but not TCP 53 to the cluster DNS (%s): %s", name, g.opts.DNS, tcpWhy)
	default:
		c.Reason = fmt.Sprintf("whether %s can ask the cluster DNS is unknown: %s", name, udpWhy)
	}
	return c
}

// ResolveName maps a cluster DNS name, relative to namespace ns, to a
// Service or a pod: NAME, NAME.NS, NAME.NS.svc, NAME.NS.svc.DOMAIN, and for
// a pod behind a headless Service HOST.SUBDOMAIN.NS.svc.DOMAIN. It returns
// the fully qualified name.
func (g *Graph) ResolveName(name, ns string) (Ref, string, error) {
	domain := g.opts.ClusterDomain
	n := strings.TrimSuffix(name, ".")
	n = strings.TrimSuffix(n, "."+domain)
	parts := strings.Split(n, ".")
	if len(parts) > 0 && parts[len(parts)-1] == "svc" {
		parts = parts[:len(parts)-1]
	} else if len(parts) > 2 {
		return Ref{}, "", inputErr("%q is not a cluster DNS name (want SERVICE, SERVICE.NAMESPACE or SERVICE.NAMESPACE.svc.%s)", name, domain)
	}
	switch len(parts) {
	case 1:
		parts = append(parts, ns)
	case 2, 3:
	default:
		return Ref{}, "", inputErr("%q is not a cluster DNS name", name)
	}
	if len(parts) == 3 {
		host, sub, pns := parts[0], parts[1], parts[2]
		fqdn := fmt.Sprintf("%s.%s.%s.svc.%s", host, sub, pns, domain)
		svc := g.byKey["svc/"+pns+"/"+sub]
		if svc == nil || svc.Service == nil || svc.Service.Spec.ClusterIP != corev1.ClusterIPNone {
			return Ref{}, "", inputErr("%s: no headless Service %s/%s, so no pod has that name", fqdn, pns, sub)
		}
		for _, pn := range g.peerNode {
			if pn.Pod != nil && pn.Namespace == pns && pn.Pod.Spec.Hostname == host && pn.Pod.Spec.Subdomain == sub {
				return Ref{Kind: RefPeer, Peer: pn.Peer, Node: pn}, fqdn, nil
			}
		}
		return Ref{}, "", inputErr("%s: no pod in %s has hostname %s and subdomain %s", fqdn, pns, host, sub)
	}
	svcName, sns := parts[0], parts[1]
	fqdn := fmt.Sprintf("%s.%s.svc.%s", svcName, sns, domain)
	n2 := g.byKey["svc/"+sns+"/"+svcName]
	if n2 == nil || n2.Service == nil {
		return Ref{}, "", inputErr("%s: no Service %s/%s", fqdn, sns, svcName)
	}
	return Ref{Kind: RefService, Peer: -1, Node: n2}, fqdn, nil
}

// Mesh says which service mesh a peer is in: "istio", "linkerd" or "".
// A pod is meshed when it carries the mesh's proxy container (sidecar or
// native sidecar init container); a workload when its namespace asks for
// injection.
func (g *Graph) Mesh(i int) string {
	n := g.peerNode[i]
	var spec *corev1.PodSpec
	switch {
	case n.Pod != nil:
		spec = &n.Pod.Spec
	case n.Work != nil:
		spec = &n.Work.Template.Spec
	}
	if spec != nil {
		for _, cs := range [][]corev1.Container{spec.Containers, spec.InitContainers} {
			for _, c := range cs {
				switch c.Name {
				case "istio-proxy":
					return "istio"
				case "linkerd-proxy":
					return "linkerd"
				}
			}
		}
	}
	if n.Pod != nil {
		// A running pod without the proxy is not meshed, whatever its
		// namespace asks for (it may predate the label).
		return ""
	}
	for _, ns := range g.Cluster.Namespaces {
		if ns.Name != n.Namespace {
			continue
		}
		if ns.Labels["istio-injection"] == "enabled" {
			return "istio"
		}
		if ns.Annotations["linkerd.io/inject"] == "enabled" {
			return "linkerd"
		}
	}
	return ""
}
