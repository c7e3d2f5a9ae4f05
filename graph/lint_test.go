package graph_test

import (
	"strings"
	"testing"

	"github.com/netviz/netviz/graph"
)

// lintBase is a small healthy namespace the cases add to: a web pod behind
// a Service, default-deny with an allow, and cluster DNS.
const lintBase = `
apiVersion: v1
kind: Pod
metadata: {name: coredns-0, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec: {containers: [{name: c, image: c, ports: [{name: dns, containerPort: 53, protocol: UDP}, {name: dns-tcp, containerPort: 53}]}]}
status: {podIP: 10.0.0.2, podIPs: [{ip: 10.0.0.2}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-0, namespace: app, labels: {app: web}}
spec: {containers: [{name: w, image: w, ports: [{name: http, containerPort: 8080}]}]}
status: {podIP: 10.0.1.2, podIPs: [{ip: 10.0.1.2}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: app}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: http}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-web, namespace: app}
spec: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{namespaceSelector: {}}], ports: [{port: http}]}]}
`

func TestLintRules(t *testing.T) {
	tests := map[string]struct {
		extra  string
		id     string
		object string
		absent bool
	}{
		"NV001 Service selects nothing": {extra: `
apiVersion: v1
kind: Service
metadata: {name: ghost, namespace: app}
spec: {selector: {app: ghost}, ports: [{port: 80}]}`, id: "NV001", object: "Service app/ghost"},
		"NV001 not for a selectorless Service": {extra: `
apiVersion: v1
kind: Service
metadata: {name: external, namespace: app}
spec: {ports: [{port: 80}]}`, id: "NV001", object: "Service app/external", absent: true},
		"NV002 targetPort nobody exposes": {extra: `
apiVersion: v1
kind: Service
metadata: {name: web-admin, namespace: app}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: admin}]}`, id: "NV002", object: "Service app/web-admin"},
		"NV003 Ingress to a missing Service port": {extra: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: site, namespace: app}
spec: {rules: [{host: a.example, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 8443}}}}]}}]}`, id: "NV003", object: "Ingress app/site"},
		"NV004 policy selects nothing": {extra: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: typo, namespace: app}
spec: {podSelector: {matchLabels: {app: wbe}}}`, id: "NV004", object: "NetworkPolicy app/typo"},
		"NV005 namespace without policy":  {id: "NV005", object: "Namespace kube-system"},
		"NV005 not where a policy exists": {id: "NV005", object: "Namespace app", absent: true},
		"NV006 namespace labels nothing carries": {extra: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-monitoring, namespace: app}
spec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: monitoring}}}]}]}`, id: "NV006", object: "NetworkPolicy app/from-monitoring"},
		"NV006 pod labels nothing carries": {extra: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-api, namespace: app}
spec: {podSelector: {}, ingress: [{from: [{podSelector: {matchLabels: {app: api}}}]}]}`, id: "NV006", object: "NetworkPolicy app/from-api"},
		"NV006 not for the name label": {extra: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-kube-system, namespace: app}
spec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]}]}`, id: "NV006", object: "NetworkPolicy app/from-kube-system", absent: true},
		"NV007 LoadBalancer whose backends deny outside": {extra: `
apiVersion: v1
kind: Service
metadata: {name: web-public, namespace: app}
spec: {type: LoadBalancer, externalTrafficPolicy: Local, selector: {app: web}, ports: [{port: 80, targetPort: http}]}`, id: "NV007", object: "Service app/web-public"},
		"NV008 pod CIDR smaller than max pods": {extra: `
apiVersion: v1
kind: Node
metadata: {name: small}
spec: {podCIDR: 10.9.0.0/25}
status: {capacity: {pods: "200"}}`, id: "NV008", object: "Node small"},
		"NV008 not for a /24 and 110 pods": {extra: `
apiVersion: v1
kind: Node
metadata: {name: fine}
spec: {podCIDR: 10.9.1.0/24}
status: {capacity: {pods: "110"}}`, id: "NV008", object: "Node fine", absent: true},
		"NV009 egress without DNS": {extra: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-egress, namespace: app}
spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{ports: [{port: 443}]}]}`, id: "NV009", object: "Pod app/web-0"},
		"NV009 not when DNS is allowed on UDP and TCP": {extra: `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-egress, namespace: app}
spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]}]}`, id: "NV009", object: "Pod app/web-0", absent: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			manifests := lintBase
			if tc.extra != "" {
				manifests += "---" + tc.extra
			}
			g := graph.Build(clusterOf(t, manifests), graph.Options{})
			var found *graph.Finding
			findings := g.Lint()
			for i, f := range findings {
				if f.ID == tc.id && strings.Contains(strings.Join(f.Objects, "|"), tc.object) {
					found = &findings[i]
				}
			}
			switch {
			case tc.absent && found != nil:
				t.Errorf("unexpected %s on %s: %s", tc.id, tc.object, found.Message)
			case !tc.absent && found == nil:
				t.Errorf("no %s on %s; got %v", tc.id, tc.object, findings)
			case found != nil && (found.Why == "" || found.Fix == "" || found.Severity == ""):
				t.Errorf("%s lacks why, fix or severity: %+v", tc.id, found)
			}
		})
	}
}
