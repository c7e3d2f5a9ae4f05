package graph

import (
	"fmt"
	"sort"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// knownControllers maps an IngressClass spec.controller to the labels the
// well-known controllers' own charts put on the pods that proxy traffic.
var knownControllers = map[string]labels.Set{
	"k8s.io/ingress-nginx":                          {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"},
	"nginx.org/ingress-controller":                  {"app.kubernetes.io/name": "nginx-ingress"},
	"traefik.io/ingress-controller":                 {"app.kubernetes.io/name": "traefik"},
	"haproxy.org/ingress-controller/haproxy":        {"app.kubernetes.io/name": "kubernetes-ingress"},
	"haproxy-ingress.github.io/controller":          {"app.kubernetes.io/name": "haproxy-ingress"},
	"ingress-controllers.konghq.com/kong":           {"app.kubernetes.io/name": "kong"},
	"projectcontour.io/ingress-controller":          {"app.kubernetes.io/name": "contour", "app.kubernetes.io/component": "envoy"},
	"projectcontour.io/contour":                     {"app.kubernetes.io/name": "contour", "app.kubernetes.io/component": "envoy"},
	"getambassador.io/ingress-controller":           {"app.kubernetes.io/name": "emissary-ingress"},
	"getambassador.io/emissary-ingress":             {"app.kubernetes.io/name": "emissary-ingress"},
	"k8s.io/ingress-nginx-internal":                 {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"},
	"gateway.envoyproxy.io/gatewayclass-controller": {"app.kubernetes.io/name": "envoy"},
}

const (
	legacyClassAnnotation  = "kubernetes.io/ingress.class"
	defaultClassAnnotation = "ingressclass.kubernetes.io/is-default-class"
)

// IngressClassOf finds an Ingress's class: spec.ingressClassName, else the
// legacy annotation, else the cluster's default IngressClass. It says how
// it found it.
func (g *Graph) IngressClassOf(ing *networkingv1.Ingress) (*networkingv1.IngressClass, string) {
	name, how := "", ""
	switch {
	case ing.Spec.IngressClassName != nil && *ing.Spec.IngressClassName != "":
		name, how = *ing.Spec.IngressClassName, "spec.ingressClassName"
	case ing.Annotations[legacyClassAnnotation] != "":
		name, how = ing.Annotations[legacyClassAnnotation], "the legacy annotation "+legacyClassAnnotation
	}
	for _, ic := range g.Cluster.IngressClasses {
		if name != "" && ic.Name == name {
			return ic, how
		}
		if name == "" && ic.Annotations[defaultClassAnnotation] == "true" {
			return ic, "the default IngressClass"
		}
	}
	if name != "" {
		return nil, fmt.Sprintf("IngressClass %q (from %s) is not in the snapshot", name, how)
	}
	return nil, "the Ingress names no class and no IngressClass is marked default"
}

// ControllerPods finds the pods that proxy an Ingress's traffic: from
// --ingress-controller when given, else from the class's controller and
// the labels of well-known controllers.
func (g *Graph) ControllerPods(ing *networkingv1.Ingress) ([]int, string) {
	if g.opts.IngressController.Namespace != "" {
		pods := g.Match(g.opts.IngressController)
		return pods, "pods " + g.opts.IngressController.String() + " (--ingress-controller)"
	}
	ic, how := g.IngressClassOf(ing)
	if ic == nil {
		return nil, how
	}
	set, ok := knownControllers[ic.Spec.Controller]
	if !ok {
		return nil, fmt.Sprintf("IngressClass %s (found by %s) names controller %q, whose pods netviz does not know; pass --ingress-controller NAMESPACE/SELECTOR", ic.Name, how, ic.Spec.Controller)
	}
	sel := labels.SelectorFromSet(set)
	var out []int
	for i := range g.Model.Peers {
		if sel.Matches(labels.Set(g.Model.Peers[i].Labels)) {
			out = append(out, i)
		}
	}
	desc := fmt.Sprintf("IngressClass %s (found by %s), controller %s: pods %s", ic.Name, how, ic.Spec.Controller, sel)
	if len(out) == 0 {
		return nil, desc + " — none in the snapshot"
	}
	return out, desc
}

// IngressRoute is one way through an Ingress: a host and path (or the
// default backend) to a Service port.
type IngressRoute struct {
	Host     string `json:"host"`
	Path     string `json:"path"`
	PathType string `json:"pathType"`
	Default  bool   `json:"default,omitempty"`
	TLS      bool   `json:"tls"`
	Service  string `json:"service"`
	// Port is the Service port, by number or name.
	Port string `json:"port"`
}

// Routes lists every route of an Ingress, rules first, then the default
// backend.
func Routes(ing *networkingv1.Ingress) []IngressRoute {
	tls := map[string]bool{}
	for _, t := range ing.Spec.TLS {
		for _, h := range t.Hosts {
			tls[h] = true
		}
	}
	var out []IngressRoute
	for _, rule := range ing.Spec.Rules {
		if rule.HTTP == nil {
			continue
		}
		for _, p := range rule.HTTP.Paths {
			r := IngressRoute{Host: rule.Host, Path: p.Path, TLS: tls[rule.Host] || hostWildcardTLS(tls, rule.Host)}
			if p.PathType != nil {
				r.PathType = string(*p.PathType)
			}
			if p.Backend.Service != nil {
				r.Service, r.Port = p.Backend.Service.Name, backendPort(p.Backend.Service.Port)
			}
			out = append(out, r)
		}
	}
	if b := ing.Spec.DefaultBackend; b != nil && b.Service != nil {
		out = append(out, IngressRoute{Default: true, Service: b.Service.Name, Port: backendPort(b.Service.Port)})
	}
	return out
}

func hostWildcardTLS(tls map[string]bool, host string) bool {
	for h := range tls {
		if strings.HasPrefix(h, "*.") && hostMatches(h, host) {
			return true
		}
	}
	return false
}

func backendPort(p networkingv1.ServiceBackendPort) string {
	if p.Name != "" {
		return p.Name
	}
	return fmt.Sprint(p.Number)
}

// hostMatches applies the Ingress host rules: an exact match, or a
// wildcard "*.example.com" matching exactly one more label.
func hostMatches(rule, host string) bool {
	if rule == "" {
		return true
	}
	if !strings.HasPrefix(rule, "*.") {
		return strings.EqualFold(rule, host)
	}
	suffix := rule[1:]
	if !strings.HasSuffix(strings.ToLower(host), strings.ToLower(suffix)) {
		return false
	}
	first := host[:len(host)-len(suffix)]
	return first != "" && !strings.Contains(first, ".")
}

// pathMatches applies the Ingress path rules: Exact compares the whole
// path; Prefix compares path elements split by "/" (so /foo matches
// /foo/bar but not /foobar). ImplementationSpecific is treated as Prefix.
func pathMatches(pathType, rulePath, path string) bool {
	if pathType == string(networkingv1.PathTypeExact) {
		return rulePath == path
	}
	rp := strings.Split(strings.Trim(rulePath, "/"), "/")
	pp := strings.Split(strings.Trim(path, "/"), "/")
	if strings.Trim(rulePath, "/") == "" {
		return true
	}
	if len(rp) > len(pp) {
		return false
	}
	for i := range rp {
		if rp[i] != pp[i] {
			return false
		}
	}
	return true
}

// MatchRoute picks the route a request for host and path takes, as the
// Ingress spec orders them: rules whose host matches (exact hosts before
// wildcards), then among paths Exact before Prefix and the longest prefix
// first; the default backend when nothing matches. It returns how it
// decided.
func MatchRoute(routes []IngressRoute, host, path string) (IngressRoute, string, bool) {
	type cand struct {
		r     IngressRoute
		score int
	}
	var cands []cand
	for _, r := range routes {
		if r.Default || !hostMatches(r.Host, host) || !pathMatches(r.PathType, r.Path, path) {
			continue
		}
		score := len(r.Path)
		if r.PathType == string(networkingv1.PathTypeExact) {
			score += 1 << 20
		}
		switch {
		case r.Host == "":
		case strings.HasPrefix(r.Host, "*."):
			score += 1 << 21
		default:
			score += 1 << 22
		}
		cands = append(cands, cand{r, score})
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	if len(cands) > 0 {
		r := cands[0].r
		how := fmt.Sprintf("host %q matches rule host %q; path %q matches %s path %q", host, r.Host, path, r.PathType, r.Path)
		if r.PathType == string(networkingv1.PathTypeImplementationSpecific) {
			how += " (ImplementationSpecific is treated as Prefix; the controller may match differently)"
		}
		return r, how, true
	}
	for _, r := range routes {
		if r.Default {
			return r, "no rule matches, so the default backend takes the request", true
		}
	}
	return IngressRoute{}, "no rule matches and the Ingress has no default backend: the controller answers 404", false
}
