package graph_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/kube"
)

// conformanceDir holds the upstream e2e NetworkPolicy tests as data; see
// its README for the format.
const conformanceDir = "policy/testdata/conformance"

type confCase struct {
	Name     string     `json:"name"`
	Upstream string     `json:"upstream"`
	Notes    string     `json:"notes"`
	Cluster  string     `json:"cluster"`
	Steps    []confStep `json:"steps"`
}

type confStep struct {
	Description     string                        `json:"description"`
	NamespaceLabels map[string]map[string]*string `json:"namespaceLabels"`
	PodLabels       map[string]map[string]*string `json:"podLabels"`
	Policies        []json.RawMessage             `json:"policies"`
	Probes          []struct {
		Port     int    `json:"port"`
		Protocol string `json:"protocol"`
		Table    string `json:"table"`
	} `json:"probes"`
}

// TestConformance runs every transcribed upstream case through the same
// path as `netviz matrix`: the manifest reader (with the API server's
// defaults and validation), the graph, and the matrix.
func TestConformance(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(conformanceDir, "[0-9]*.yaml"))
	if err != nil || len(files) < 50 {
		t.Fatalf("expected the conformance cases in %s, found %d (%v)", conformanceDir, len(files), err)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var tc confCase
		if err := yaml.UnmarshalStrict(raw, &tc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		fixture := tc.Cluster
		if fixture == "" {
			fixture = "cluster.yaml"
		}
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			for si, step := range tc.Steps {
				c := loadStep(t, filepath.Join(conformanceDir, fixture), file, step.Policies, step.NamespaceLabels, step.PodLabels)
				g := graph.Build(c, graph.Options{})
				for _, probe := range step.Probes {
					proto, err := policy.ParseProtocol(probe.Protocol)
					if err != nil {
						t.Fatal(err)
					}
					mx, err := g.Matrix(graph.MatrixRequest{Port: strconv.Itoa(probe.Port), Protocol: proto})
					if err != nil {
						t.Fatal(err)
					}
					checkTable(t, g, mx, probe.Table, func() string {
						return tc.Name + " / step " + strconv.Itoa(si+1) + " (" + step.Description + ") / " + strconv.Itoa(probe.Port) + "/" + probe.Protocol
					})
				}
			}
		})
	}
}

// loadStep reads a conformance fixture, then a step's objects, through the
// manifest reader, and lays the step's label changes over them.
func loadStep(t *testing.T, fixture, caseFile string, objects []json.RawMessage, nsLabels, podLabels map[string]map[string]*string) *kube.Cluster {
	t.Helper()
	c := &kube.Cluster{}
	f, err := os.Open(fixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if errs := kube.Decode(c, fixture, f); len(errs) > 0 {
		t.Fatalf("fixture: %v", errs)
	}
	var stream bytes.Buffer
	for _, o := range objects {
		stream.Write(o)
		stream.WriteByte('\n')
	}
	if errs := kube.Decode(c, caseFile, &stream); len(errs) > 0 {
		t.Fatalf("objects: %v", errs)
	}
	for _, ns := range c.Namespaces {
		mergeLabels(&ns.Labels, nsLabels[ns.Name])
	}
	for _, p := range c.Pods {
		mergeLabels(&p.Labels, podLabels[p.Namespace+"/"+p.Name])
	}
	c.Finish()
	return c
}

func mergeLabels(dst *map[string]string, overlay map[string]*string) {
	if len(overlay) == 0 {
		return
	}
	if *dst == nil {
		*dst = map[string]string{}
	}
	for k, v := range overlay {
		if v == nil {
			delete(*dst, k)
		} else {
			(*dst)[k] = *v
		}
	}
}

// checkTable compares a truth table ('.' allowed, 'X' denied, '-' not
// judged) with the matrix.
func checkTable(t *testing.T, g *graph.Graph, mx *graph.Matrix, table string, where func() string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(table), "\n")
	header := strings.Fields(lines[0])[1:]
	var wrong []string
	for _, line := range lines[1:] {
		cells := strings.Fields(line)
		from := cells[0]
		s, ok := g.Model.PeerIndex(from)
		if !ok {
			t.Fatalf("%s: no peer %s", where(), from)
		}
		for i, want := range cells[1:] {
			if want == "-" {
				continue
			}
			d, ok := g.Model.PeerIndex(header[i])
			if !ok {
				t.Fatalf("%s: no peer %s", where(), header[i])
			}
			got := mx.Verdict(s, d)
			if (want == "." && got != policy.Allowed) || (want == "X" && got != policy.Denied) {
				wrong = append(wrong, from+" → "+header[i]+": got "+got.String()+", want "+want)
			}
		}
	}
	if len(wrong) > 0 {
		t.Errorf("%s: %d cells differ:\n  %s", where(), len(wrong), strings.Join(wrong, "\n  "))
	}
}
