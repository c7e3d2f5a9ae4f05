package graph_test

import (
	"strings"
	"testing"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
)

func TestMatchRoute(t *testing.T) {
	routes := []graph.IngressRoute{
		{Host: "shop.example.com", Path: "/", PathType: "Prefix", Service: "frontend"},
		{Host: "shop.example.com", Path: "/api", PathType: "Prefix", Service: "api"},
		{Host: "shop.example.com", Path: "/api/v2", PathType: "Exact", Service: "v2"},
		{Host: "*.example.com", Path: "/", PathType: "Prefix", Service: "wild"},
		{Host: "", Path: "/static", PathType: "ImplementationSpecific", Service: "static"},
		{Default: true, Service: "default"},
	}
	tests := map[string]struct {
		host, path, want string
		how              string
	}{
		"longest prefix":                       {"shop.example.com", "/api/users", "api", ""},
		"prefix is element-wise":               {"shop.example.com", "/apiary", "frontend", ""},
		"exact beats prefix":                   {"shop.example.com", "/api/v2", "v2", ""},
		"exact needs the whole path":           {"shop.example.com", "/api/v2/x", "api", ""},
		"wildcard matches one label":           {"blog.example.com", "/x", "wild", ""},
		"wildcard does not match two labels":   {"a.blog.example.com", "/x", "default", "default backend"},
		"wildcard does not match the apex":     {"example.com", "/x", "default", ""},
		"exact host before wildcard":           {"shop.example.com", "/x", "frontend", ""},
		"hostless rule, implementation note":   {"other.org", "/static/app.js", "static", "treated as Prefix"},
		"nothing matches: the default backend": {"other.org", "/", "default", "default backend"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r, how, ok := graph.MatchRoute(routes, tc.host, tc.path)
			if !ok || r.Service != tc.want {
				t.Fatalf("%s%s → %s (%s), want %s", tc.host, tc.path, r.Service, how, tc.want)
			}
			if !strings.Contains(how, tc.how) {
				t.Errorf("explanation %q does not say %q", how, tc.how)
			}
		})
	}
	if _, how, ok := graph.MatchRoute(routes[:3], "other.org", "/"); ok || !strings.Contains(how, "404") {
		t.Errorf("no route and no default backend: ok=%v, %q", ok, how)
	}
}

const ingressWorld = `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: traefik, annotations: {ingressclass.kubernetes.io/is-default-class: "true"}}
spec: {controller: traefik.io/ingress-controller}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: custom}
spec: {controller: example.com/custom}
---
apiVersion: v1
kind: Pod
metadata: {name: traefik-0, namespace: edge, labels: {app.kubernetes.io/name: traefik}}
spec: {containers: [{name: t, image: t, ports: [{name: web, containerPort: 8000}]}]}
status: {podIP: 10.1.0.5, podIPs: [{ip: 10.1.0.5}]}
---
apiVersion: v1
kind: Pod
metadata: {name: proxy-0, namespace: edge, labels: {role: proxy}}
spec: {containers: [{name: p, image: p}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: by-default, namespace: web}
spec: {defaultBackend: {service: {name: site, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: by-annotation, namespace: web, annotations: {kubernetes.io/ingress.class: custom}}
spec: {defaultBackend: {service: {name: site, port: {number: 80}}}}
`

func TestIngressClassAndController(t *testing.T) {
	c := clusterOf(t, ingressWorld)
	g := graph.Build(c, graph.Options{})
	byDefault := g.Node("ingress/web/by-default").Ingress
	ic, how := g.IngressClassOf(byDefault)
	if ic == nil || ic.Name != "traefik" || how != "the default IngressClass" {
		t.Errorf("default class: %v, %q", ic, how)
	}
	pods, desc := g.ControllerPods(byDefault)
	if len(pods) != 1 || g.Model.Peers[pods[0]].ID() != "edge/traefik-0" {
		t.Errorf("traefik pods = %v (%s)", pods, desc)
	}
	byAnnotation := g.Node("ingress/web/by-annotation").Ingress
	if ic, how := g.IngressClassOf(byAnnotation); ic == nil || ic.Name != "custom" || !strings.Contains(how, "legacy annotation") {
		t.Errorf("annotation class: %v, %q", ic, how)
	}
	if pods, desc := g.ControllerPods(byAnnotation); len(pods) != 0 || !strings.Contains(desc, "--ingress-controller") {
		t.Errorf("an unknown controller must point to --ingress-controller: %v %q", pods, desc)
	}
	sel, err := graph.ParsePodSelector("edge/role=proxy")
	if err != nil {
		t.Fatal(err)
	}
	g = graph.Build(c, graph.Options{IngressController: sel})
	if pods, _ := g.ControllerPods(byAnnotation); len(pods) != 1 || g.Model.Peers[pods[0]].ID() != "edge/proxy-0" {
		t.Errorf("--ingress-controller: %v", pods)
	}
	if _, err := graph.ParsePodSelector("no-slash"); err == nil {
		t.Error("a selector without a namespace was accepted")
	}
}

func TestResolveName(t *testing.T) {
	g := demoGraph(t)
	tests := map[string]struct {
		name, ns, want, fqdn string
	}{
		"short name, source namespace":  {"cart", "shop", "svc/shop/cart", "cart.shop.svc.cluster.local"},
		"name.namespace":                {"kube-dns.kube-system", "shop", "svc/kube-system/kube-dns", "kube-dns.kube-system.svc.cluster.local"},
		"name.namespace.svc":            {"cart.shop.svc", "default", "svc/shop/cart", "cart.shop.svc.cluster.local"},
		"fully qualified, trailing dot": {"cart.shop.svc.cluster.local.", "default", "svc/shop/cart", "cart.shop.svc.cluster.local"},
		"pod behind a headless Service": {"db-1.db.shop.svc.cluster.local", "default", "pod/shop/db-1", "db-1.db.shop.svc.cluster.local"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ref, fqdn, err := g.ResolveName(tc.name, tc.ns)
			if err != nil {
				t.Fatal(err)
			}
			if ref.Node.Key() != tc.want || fqdn != tc.fqdn {
				t.Errorf("%s → %s (%s), want %s (%s)", tc.name, ref.Node.Key(), fqdn, tc.want, tc.fqdn)
			}
		})
	}
	for _, bad := range []string{"nope", "cart.nowhere", "db-9.db.shop.svc.cluster.local", "cart-0.cart.shop.svc.cluster.local", "a.b.c.d.e"} {
		if _, _, err := g.ResolveName(bad, "shop"); err == nil {
			t.Errorf("%s resolved", bad)
		}
	}
	// Another cluster domain.
	g2 := graph.Build(g.Cluster, graph.Options{ClusterDomain: "corp.internal"})
	if ref, fqdn, err := g2.ResolveName("cart.shop.svc.corp.internal", "x"); err != nil || ref.Node.Key() != "svc/shop/cart" || fqdn != "cart.shop.svc.corp.internal" {
		t.Errorf("--cluster-domain: %v %s %v", ref.Node, fqdn, err)
	}
}

func TestTraceServiceHops(t *testing.T) {
	g := demoGraph(t)
	// Named targetPorts resolve per backend: the canary serves http on 8081.
	tr, err := g.Trace(graph.TraceRequest{From: "shop/frontend-7d9c6b8f4-x2k9p", To: "svc/shop/catalog", Port: "80", Protocol: policy.TCP})
	if err != nil {
		t.Fatal(err)
	}
	ports := map[string]int{}
	for _, b := range tr.Backends {
		ports[b.Pod] = b.Port
	}
	if ports["shop/catalog-canary-5b8d9c7f6-r7t8v"] != 8081 || ports["shop/catalog-84c6f5d9b7-j9w2l"] != 8080 {
		t.Errorf("targetPort per backend: %v", ports)
	}
	// A not-ready endpoint gets no traffic; sessionAffinity is shown.
	tr, err = g.Trace(graph.TraceRequest{From: "shop/frontend-7d9c6b8f4-x2k9p", To: "svc/shop/cart", Port: "80", Protocol: policy.TCP})
	if err != nil {
		t.Fatal(err)
	}
	notReady := 0
	for _, b := range tr.Backends {
		if !b.Ready {
			notReady++
		}
	}
	if notReady != 1 || !strings.Contains(strings.Join(tr.Notes, " "), "sessionAffinity ClientIP") {
		t.Errorf("cart: %d not ready, notes %v", notReady, tr.Notes)
	}
	// publishNotReadyAddresses keeps db-1 published.
	tr, _ = g.Trace(graph.TraceRequest{From: "shop/cart-5f7b9c6d8-4tq2m", To: "svc/shop/db", Port: "5432", Protocol: policy.TCP})
	for _, b := range tr.Backends {
		if !b.Ready {
			t.Errorf("%s is published although not ready (publishNotReadyAddresses)", b.Pod)
		}
	}
	// ExternalName: judged only through ipBlock rules, so unknown.
	tr, _ = g.Trace(graph.TraceRequest{From: "shop/checkout-6c8d7f9b5-h7n4r", To: "svc/shop/orders-db", Port: "5432", Protocol: policy.TCP})
	if tr.Verdict != "unknown" || !strings.Contains(tr.Summary, "ipBlock") {
		t.Errorf("ExternalName: %s: %s", tr.Verdict, tr.Summary)
	}
	// internalTrafficPolicy Local is explained.
	tr, _ = g.Trace(graph.TraceRequest{From: "shop/payments-7b6d5c9f8-m6k8s", To: "svc/monitoring/otel-agent", Port: "4317", Protocol: policy.TCP})
	if !strings.Contains(strings.Join(tr.Notes, " "), "internalTrafficPolicy Local") {
		t.Errorf("internalTrafficPolicy not explained: %v", tr.Notes)
	}
	skipped := 0
	for _, b := range tr.Backends {
		if b.Verdict == "skipped" {
			skipped++
		}
	}
	if tr.Verdict != "allowed" || skipped != 2 {
		t.Errorf("internalTrafficPolicy Local: %s with %d backends on other nodes skipped, want allowed with 2", tr.Verdict, skipped)
	}
}

// A Service whose endpoints are no pod (default/kubernetes → the API
// server) is judged by the source's egress to the endpoint's address.
func TestTraceToAddressEndpoints(t *testing.T) {
	g := demoGraph(t)
	for from, want := range map[string]string{"default/netshoot": "allowed", "shop/frontend-7d9c6b8f4-x2k9p": "denied"} {
		tr, err := g.Trace(graph.TraceRequest{From: from, To: "svc/default/kubernetes", Port: "443", Protocol: policy.TCP})
		if err != nil {
			t.Fatal(err)
		}
		if tr.Verdict != want || len(tr.Backends) != 1 || tr.Backends[0].Pod != "192.168.10.2" || tr.Backends[0].Port != 6443 {
			t.Errorf("%s → kubernetes: %s (%s), backends %+v", from, tr.Verdict, tr.Summary, tr.Backends)
		}
	}
}

func TestTraceFromOutside(t *testing.T) {
	g := demoGraph(t)
	tests := map[string]struct {
		req           graph.TraceRequest
		verdict, says string
	}{
		"ClusterIP is unreachable from outside": {graph.TraceRequest{From: "internet", To: "svc/shop/cart", Port: "80"}, "denied", "ClusterIP-only"},
		"Local keeps the client address":        {graph.TraceRequest{From: "internet", To: "svc/shop/payments-webhook", Port: "443"}, "partial", "203.0.113.0/24"},
		"NodePort whose backends deny outside":  {graph.TraceRequest{From: "internet", To: "svc/shop/catalog-partner", Port: "80"}, "denied", "node IPs"},
		"Ingress route allowed end to end":      {graph.TraceRequest{From: "internet", To: "ingress/shop/shop", Host: "shop.example.com", Path: "/cart"}, "allowed", ""},
		"Ingress route blocked at the backend":  {graph.TraceRequest{From: "internet", To: "ingress/shop/shop", Host: "api.example.com", Path: "/v1/catalog"}, "denied", "must allow the Ingress controller"},
		"Ingress route to a missing Service":    {graph.TraceRequest{From: "internet", To: "ingress/shop/shop", Host: "api.example.com", Path: "/v1/search/q"}, "denied", "does not exist"},
		"every route of an Ingress":             {graph.TraceRequest{From: "internet", To: "ingress/shop/shop"}, "partial", "api.example.com/v1/catalog"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tr, err := g.Trace(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Verdict != tc.verdict || !strings.Contains(tr.Summary, tc.says) {
				t.Errorf("%s: %s\n%s", tr.Verdict, tr.Summary, strings.Join(tr.Notes, "\n"))
			}
		})
	}
}

func TestDNSCheck(t *testing.T) {
	g := demoGraph(t)
	for pod, want := range map[string]struct{ udp, tcp string }{
		"shop/frontend-7d9c6b8f4-x2k9p":                           {"allowed", "allowed"},
		"shop/payments-7b6d5c9f8-m6k8s":                           {"denied", "denied"},
		"ingress-nginx/ingress-nginx-controller-6b9f4c8d5f-2vq8w": {"allowed", "denied"},
	} {
		i, _ := g.Model.PeerIndex(pod)
		got := g.DNS(i)
		if got.UDP != want.udp || got.TCP != want.tcp {
			t.Errorf("%s: UDP %s TCP %s, want %s %s (%s)", pod, got.UDP, got.TCP, want.udp, want.tcp, got.Reason)
		}
	}
	// A name asked from a pod that cannot resolve fails before the
	// connection is judged.
	tr, err := g.Trace(graph.TraceRequest{From: "shop/payments-7b6d5c9f8-m6k8s", To: "kube-dns.kube-system", Port: "53", Protocol: policy.UDP})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Verdict != "denied" || tr.DNS == nil || tr.DNS.Resolves || !strings.Contains(tr.Summary, "cannot be resolved") {
		t.Errorf("%s: %s", tr.Verdict, tr.Summary)
	}
	// Without DNS pods in the snapshot, resolution is not judged.
	g2 := graph.Build(clusterOf(t, ingressWorld), graph.Options{})
	if c := g2.DNS(0); c.Known || !c.Resolves {
		t.Errorf("no DNS pods: %+v", c)
	}
}
