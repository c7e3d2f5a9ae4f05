package graph_test

import (
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
)

// anpConformanceDir holds the network-policy-api conformance tests for the
// AdminNetworkPolicy and BaselineAdminNetworkPolicy tiers as data; see its
// README for the format.
const anpConformanceDir = "policy/testdata/anp-conformance"

type anpCase struct {
	Name     string    `json:"name"`
	Upstream string    `json:"upstream"`
	Notes    string    `json:"notes"`
	Steps    []anpStep `json:"steps"`
}

type anpStep struct {
	Description     string                        `json:"description"`
	NamespaceLabels map[string]map[string]*string `json:"namespaceLabels"`
	PodLabels       map[string]map[string]*string `json:"podLabels"`
	Objects         []json.RawMessage             `json:"objects"`
	Probes          []struct {
		From     string `json:"from"`
		To       string `json:"to"`
		ToIP     string `json:"toIP"`
		Port     int    `json:"port"`
		Protocol string `json:"protocol"`
		Allowed  bool   `json:"allowed"`
	} `json:"probes"`
}

// TestANPConformance runs the tier conformance cases through the manifest
// reader, the graph and Trace, as `netviz trace` does.
func TestANPConformance(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(anpConformanceDir, "[0-9]*.yaml"))
	if err != nil || len(files) < 30 {
		t.Fatalf("expected the tier conformance cases in %s, found %d (%v)", anpConformanceDir, len(files), err)
	}
	probes := 0
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var tc anpCase
		if err := yaml.UnmarshalStrict(raw, &tc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			for si, step := range tc.Steps {
				c := loadStep(t, filepath.Join(anpConformanceDir, "cluster.yaml"), file, step.Objects, step.NamespaceLabels, step.PodLabels)
				g := graph.Build(c, graph.Options{})
				for _, p := range step.Probes {
					probes++
					proto, err := policy.ParseProtocol(p.Protocol)
					if err != nil {
						t.Fatal(err)
					}
					to := p.To
					if p.ToIP != "" {
						to = "ip/" + netip.MustParseAddr(p.ToIP).String()
					}
					tr, err := g.Trace(graph.TraceRequest{From: p.From, To: to, Port: strconv.Itoa(p.Port), Protocol: proto})
					if err != nil {
						t.Fatalf("step %d: %v", si+1, err)
					}
					if tr.Allowed != p.Allowed {
						t.Errorf("%s / step %d (%s): %s → %s %d/%s: allowed=%v, want %v\n  egress: %s\n  ingress: %s",
							tc.Name, si+1, step.Description, p.From, to, p.Port, p.Protocol, tr.Allowed, p.Allowed, tr.Egress.Reason, tr.Ingress.Reason)
					}
				}
			}
		})
	}
	if probes < 400 {
		t.Errorf("only %d probes ran", probes)
	}
}
