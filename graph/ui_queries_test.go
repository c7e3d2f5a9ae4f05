package graph

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/kube"
)

// uiFixture is a small namespace with one of every health cue.
const uiFixture = `
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Pod
metadata: {namespace: a, name: web-0, labels: {app: web}}
spec: {containers: [{name: c, image: i, ports: [{name: http, containerPort: 8080}]}]}
status: {phase: Running, podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {namespace: a, name: web-1, labels: {app: web}}
spec: {containers: [{name: c, image: i, ports: [{name: http, containerPort: 8080}, {containerPort: 9090}]}]}
status: {phase: Running, podIP: 10.0.0.2}
---
apiVersion: v1
kind: Pod
metadata: {namespace: a, name: client, labels: {app: client}}
spec: {containers: [{name: c, image: i, ports: [{containerPort: 9090}]}]}
status: {phase: Running, podIP: 10.0.0.3}
---
apiVersion: v1
kind: Pod
metadata: {namespace: a, name: loner, labels: {app: loner}}
spec: {containers: [{name: c, image: i, ports: [{containerPort: 8080}, {name: dns, containerPort: 53, protocol: UDP}]}]}
status: {phase: Running, podIP: 10.0.0.4}
---
apiVersion: v1
kind: Pod
metadata: {namespace: a, name: db-0, labels: {app: db}}
spec: {containers: [{name: c, image: i, ports: [{containerPort: 5432}, {containerPort: 9090}]}]}
status: {phase: Running, podIP: 10.0.0.5}
---
apiVersion: v1
kind: Service
metadata: {namespace: a, name: web}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}
---
apiVersion: v1
kind: Service
metadata: {namespace: a, name: ghost}
spec: {selector: {app: ghost}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {namespace: a, name: db}
spec: {selector: {app: db}, ports: [{port: 5432}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {namespace: a, name: front}
spec:
  rules:
  - host: web.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
      - {path: /old, pathType: Prefix, backend: {service: {name: ghost, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {namespace: a, name: broken}
spec:
  defaultBackend: {service: {name: gone, port: {number: 80}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {namespace: a, name: web}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: client}}}]
    ports: [{port: http}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {namespace: a, name: deny-db}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {namespace: a, name: stale}
spec:
  podSelector: {matchLabels: {app: nothing}}
  policyTypes: [Ingress]
`

func uiGraph(t *testing.T) *Graph {
	t.Helper()
	c := &kube.Cluster{}
	if errs := kube.Decode(c, "fixture.yaml", strings.NewReader(uiFixture)); len(errs) > 0 {
		t.Fatalf("decode fixture: %v", errs)
	}
	c.Finish()
	return Build(c, Options{})
}

func TestInventoryCues(t *testing.T) {
	g := uiGraph(t)
	inv := g.Inventory()
	if len(inv.Namespaces) != 1 || inv.Namespaces[0].Name != "a" {
		t.Fatalf("namespaces = %+v, want just a", inv.Namespaces)
	}
	ns := inv.Namespaces[0]
	cues := map[string]string{}
	for _, x := range ns.Ingresses {
		cues[x.Node.Key()] = x.Cue
	}
	for _, x := range ns.Services {
		cues[x.Node.Key()] = x.Cue
	}
	for _, x := range ns.Peers {
		cues[x.Node.Key()] = x.Cue
	}
	for _, x := range ns.Policies {
		cues["policy/"+x.ID] = x.Cue
	}
	want := map[string]string{
		"ingress/a/front":  "backend a/ghost: " + CueNoSelectorMatch,
		"ingress/a/broken": "backend a/gone: " + CueMissingService,
		"svc/a/web":        "",
		"svc/a/ghost":      CueNoSelectorMatch,
		"svc/a/db":         "",
		"svc/a/gone":       CueMissingService,
		"pod/a/web-0":      "",
		"pod/a/web-1":      "",
		"pod/a/db-0":       "",
		"pod/a/client":     CueNoPolicy,
		"pod/a/loner":      CueNoPolicy,
		"policy/a/web":     "",
		"policy/a/deny-db": "",
		"policy/a/stale":   CueSelectsNothing,
	}
	if !reflect.DeepEqual(cues, want) {
		t.Errorf("cues:\n got %v\nwant %v", cues, want)
	}
	if ns.Cues != 7 || inv.Cues != 7 {
		t.Errorf("cue counts = %d/%d, want 7", ns.Cues, inv.Cues)
	}
	if inv.Pods != 5 || inv.Services != 4 || inv.Ingresses != 2 || inv.Policies != 3 {
		t.Errorf("totals = %+v", inv)
	}
	for _, s := range ns.Services {
		if s.Node.Name == "web" {
			if s.Backends != 2 || s.Ready != 2 || s.Ports != "80/TCP→http" {
				t.Errorf("svc web = %+v", s)
			}
		}
	}
	for _, p := range ns.Peers {
		if p.Node.Name == "web-0" && (!reflect.DeepEqual(p.Ingress, []string{"a/web"}) || !reflect.DeepEqual(p.Services, []string{"a/web"})) {
			t.Errorf("web-0 = %+v", p)
		}
	}
}

func groupText(g *Graph, groups []ReachGroup) []string {
	var out []string
	for _, rg := range groups {
		var names []string
		for _, p := range rg.Peers {
			names = append(names, g.Model.Peers[p].Name)
		}
		out = append(out, rg.Verdict.String()+" "+rg.Namespace+" "+rg.Result.Allowed.String()+" "+strings.Join(names, ","))
	}
	return out
}

func TestReachGroups(t *testing.T) {
	g := uiGraph(t)
	idx := func(id string) int {
		i, ok := g.Model.PeerIndex(id)
		if !ok {
			t.Fatalf("no peer %s", id)
		}
		return i
	}
	tests := map[string]struct {
		got  []ReachGroup
		want []string
	}{
		"who may reach web-0": {
			got: g.Reachers(idx("a/web-0")),
			want: []string{
				"allowed a TCP 8080 client",
				"denied a none db-0,loner,web-1",
			},
		},
		"whom client may reach": {
			got: g.Reachable(idx("a/client")),
			want: []string{
				"allowed a TCP 8080 web-0,web-1",
				"allowed a TCP all ports; UDP all ports; SCTP all ports loner",
				"denied a none db-0",
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := groupText(g, tc.got); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

func TestNeighbourhood(t *testing.T) {
	g := uiGraph(t)
	tests := map[string]struct {
		key     string
		in, out []string // "from→to label [blocked by …]"
		peer    bool
		wantErr bool
	}{
		"service with an ingress and two pods": {
			key: "svc/a/web",
			in:  []string{"ingress/a/front→svc/a/web web.example.com/ (Prefix) → :80"},
			out: []string{"svc/a/web→pod/a/web-0 80→8080/TCP", "svc/a/web→pod/a/web-1 80→8080/TCP"},
		},
		"service whose only pod is isolated": {
			key: "svc/a/db",
			out: []string{"svc/a/db→pod/a/db-0 5432→5432/TCP blocked by a/deny-db"},
		},
		"pod": {
			key:  "pod/a/web-0",
			in:   []string{"svc/a/web→pod/a/web-0 80→8080/TCP"},
			peer: true,
		},
		"unknown key": {key: "pod/a/nope", wantErr: true},
	}
	text := func(es []*ViewEdge) []string {
		var out []string
		for _, e := range es {
			s := e.F.Key() + "→" + e.T.Key() + " " + e.Label
			if e.Blocked {
				s += " blocked by " + strings.Join(e.BlockedBy, ",")
			}
			out = append(out, s)
		}
		return out
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			nb, err := g.Neighbourhood(tc.key)
			if tc.wantErr {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := text(nb.In); !reflect.DeepEqual(got, tc.in) {
				t.Errorf("in = %q, want %q", got, tc.in)
			}
			if got := text(nb.Out); !reflect.DeepEqual(got, tc.out) {
				t.Errorf("out = %q, want %q", got, tc.out)
			}
			if (len(nb.Reachers) > 0) != tc.peer || (len(nb.Reachable) > 0) != tc.peer {
				t.Errorf("reach groups present = %v/%v, want %v", len(nb.Reachers) > 0, len(nb.Reachable) > 0, tc.peer)
			}
		})
	}
}

func TestTraceView(t *testing.T) {
	g := uiGraph(t)
	tests := map[string]struct {
		req       TraceRequest
		nodes     []string
		policy    []string // policy edges: "to label blocked-by"
		dotSubstr string
	}{
		"allowed through a service": {
			req:       TraceRequest{From: "a/client", To: "svc/a/web", Port: "80", Protocol: policy.TCP},
			nodes:     []string{"pod/a/client", "pod/a/web-0", "pod/a/web-1", "svc/a/web"},
			policy:    []string{"pod/a/web-0 trace 80/TCP: allowed", "pod/a/web-1 trace 80/TCP: allowed"},
			dotSubstr: `"svc/a/web" -> "pod/a/web-0"`,
		},
		"denied to a pod": {
			req:       TraceRequest{From: "a/loner", To: "a/web-0", Port: "8080", Protocol: policy.TCP},
			nodes:     []string{"pod/a/loner", "pod/a/web-0"},
			policy:    []string{"pod/a/web-0 trace 8080/TCP: denied a/web"},
			dotSubstr: `blocked by a/web`,
		},
		"from an address outside": {
			req:    TraceRequest{From: "ip/192.0.2.1", To: "a/client", Protocol: policy.TCP},
			nodes:  []string{"ip/192.0.2.1", "pod/a/client"},
			policy: []string{"pod/a/client trace allowed TCP all ports; UDP all ports; SCTP all ports"},
		},
		"from the internet through an Ingress": {
			req:       TraceRequest{From: "internet", To: "ingress/a/front", Protocol: policy.TCP},
			nodes:     []string{"ingress/a/front", "internet", "pod/a/web-0", "pod/a/web-1", "svc/a/ghost", "svc/a/web"},
			dotSubstr: `"internet" -> "ingress/a/front"`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v, err := g.TraceView(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			var nodes, pol []string
			for _, n := range v.Nodes {
				nodes = append(nodes, n.Key())
			}
			for _, e := range v.Edges {
				if e.Kind == EdgePolicy {
					s := e.T.Key() + " " + e.Label
					if e.Blocked {
						s += " " + strings.Join(e.BlockedBy, ",")
					}
					pol = append(pol, s)
				}
			}
			if !reflect.DeepEqual(nodes, tc.nodes) {
				t.Errorf("nodes = %q, want %q", nodes, tc.nodes)
			}
			if !reflect.DeepEqual(pol, tc.policy) {
				t.Errorf("policy edges = %q, want %q", pol, tc.policy)
			}
			var buf bytes.Buffer
			if err := v.WriteDOT(&buf); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(buf.String(), tc.dotSubstr) {
				t.Errorf("DOT lacks %q:\n%s", tc.dotSubstr, buf.String())
			}
		})
	}
	if _, err := g.TraceView(TraceRequest{From: "a/nope", To: "a/web-0"}); err == nil {
		t.Error("TraceView of an unknown source: want an error")
	}
}

func TestPortChoices(t *testing.T) {
	g := uiGraph(t)
	labels := func(pcs []PortChoice) []string {
		var out []string
		for _, pc := range pcs {
			out = append(out, pc.Port+"/"+pc.Protocol.String()+"="+pc.Label)
		}
		return out
	}
	tests := map[string]struct {
		got  []PortChoice
		want []string
	}{
		"service": {g.TracePorts("svc/a/web"), []string{"/TCP=every port", "80/TCP=80/TCP → http (http)"}},
		"pod":     {g.TracePorts("a/loner"), []string{"/TCP=every port", "8080/TCP=8080/TCP", "53/UDP=53/UDP (dns)"}},
		"unknown": {g.TracePorts("a/nope"), []string{"/TCP=every port"}},
		// Served ports come first, however many peers declare another.
		"common ports": {g.CommonPorts(2), []string{"8080/TCP=8080/TCP", "5432/TCP=5432/TCP"}},
		"common, all":  {g.CommonPorts(10), []string{"8080/TCP=8080/TCP", "5432/TCP=5432/TCP", "9090/TCP=9090/TCP", "53/UDP=53/UDP"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := labels(tc.got); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTraceNames(t *testing.T) {
	g := uiGraph(t)
	want := []string{"a/client", "a/db-0", "a/loner", "a/web-0", "a/web-1", "ingress/a/broken", "ingress/a/front", "internet", "svc/a/db", "svc/a/ghost", "svc/a/web"}
	if got := g.TraceTargets(); !reflect.DeepEqual(got, want) {
		t.Errorf("TraceTargets = %q, want %q", got, want)
	}
	tests := map[string]string{
		"pod/a/web-0":     "a/web-0",
		"svc/a/web":       "svc/a/web",
		"svc/a/gone":      "", // missing Service
		"ingress/a/front": "ingress/a/front",
	}
	for key, want := range tests {
		if got := g.TraceRef(g.Node(key)); got != want {
			t.Errorf("TraceRef(%s) = %q, want %q", key, got, want)
		}
	}
	// Every trace name resolves.
	for _, s := range g.TraceTargets() {
		if _, err := g.Resolve(s); err != nil {
			t.Errorf("Resolve(%s): %v", s, err)
		}
	}
}

func TestObjectKey(t *testing.T) {
	c, errs := kube.LoadDemo()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	g := Build(c, Options{})
	tests := []struct{ obj, want string }{
		{"Service shop/cart", "svc/shop/cart"},
		{"Service shop/search", "svc/shop/search"}, // missing, but the graph shows it
		{"Ingress shop/shop", "ingress/shop/shop"},
		{"Pod shop/payments-7b6d5c9f8-m6k8s", "pod/shop/payments-7b6d5c9f8-m6k8s"},
		{"monitoring/grafana-7c9b8d6f5d-k2j8h", "pod/monitoring/grafana-7c9b8d6f5d-k2j8h"},
		{"NetworkPolicy shop/default-deny-all", "policy/shop/default-deny-all"},
		{"Namespace default", "namespace/default"},
		{"Node node-3", ""},
	}
	for _, tt := range tests {
		if got := g.ObjectKey(tt.obj); got != tt.want {
			t.Errorf("ObjectKey(%q) = %q, want %q", tt.obj, got, tt.want)
		}
	}
}
