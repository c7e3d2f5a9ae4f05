package graph_test

import (
	"strings"
	"testing"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/kube"
)

// Workloads stand for their pods: they carry the template's labels and
// named ports, and a named port resolves on each workload's own template.
const workloadManifests = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: web, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: api, namespace: shop}
spec:
  serviceName: api
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: api, ports: [{name: http, containerPort: 9090}]}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: "n"}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: report}}
        spec: {restartPolicy: Never, containers: [{name: r, image: r}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: http-only, namespace: shop}
spec:
  podSelector: {}
  ingress: [{ports: [{port: http}]}]
`

func TestWorkloadPeers(t *testing.T) {
	c := &kube.Cluster{}
	if errs := kube.Decode(c, "workloads.yaml", strings.NewReader(workloadManifests)); len(errs) > 0 {
		t.Fatal(errs)
	}
	c.Finish()
	g := graph.Build(c, graph.Options{})
	cases := []struct {
		from, to string
		port     string
		verdict  string
		kind     string
	}{
		{"n/report", "shop/web", "8080", "allowed", "Deployment"},
		{"n/report", "shop/web", "9090", "denied", "Deployment"},
		{"n/report", "shop/api", "9090", "allowed", "StatefulSet"},
		{"n/report", "shop/api", "8080", "denied", "StatefulSet"},
		{"shop/web", "n/report", "80", "allowed", "CronJob"},
		{"n/report", "shop/api", "http", "allowed", "StatefulSet"},
	}
	for _, tc := range cases {
		tr, err := g.Trace(graph.TraceRequest{From: tc.from, To: tc.to, Port: tc.port, Protocol: policy.TCP})
		if err != nil {
			t.Fatalf("%s → %s: %v", tc.from, tc.to, err)
		}
		if tr.Verdict != tc.verdict {
			t.Errorf("%s → %s:%s = %s, want %s (%s)", tc.from, tc.to, tc.port, tr.Verdict, tc.verdict, tr.Summary)
		}
		if last := tr.Hops[len(tr.Hops)-1]; last.Kind != tc.kind {
			t.Errorf("%s → %s: destination shown as %s, want its kind %s", tc.from, tc.to, last.Kind, tc.kind)
		}
	}
}
