package graph_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/kube"
	"github.com/netviz/netviz/kube/synth"
)

// benchSizes are the generated cluster sizes the targets speak of.
var benchSizes = []int{100, 1000, 5000, 20000}

var (
	synthMu    sync.Mutex
	synthCache = map[int]*kube.Cluster{}
	synthFiles = map[int]string{}
)

func synthCluster(b *testing.B, pods int) *kube.Cluster {
	synthMu.Lock()
	defer synthMu.Unlock()
	if c, ok := synthCache[pods]; ok {
		return c
	}
	c := synth.Generate(synth.Options{Pods: pods, Seed: 1})
	synthCache[pods] = c
	return c
}

// synthFile writes the generated cluster as YAML once per size, so load
// benchmarks read real manifests.
func synthFile(b *testing.B, pods int) string {
	c := synthCluster(b, pods)
	synthMu.Lock()
	defer synthMu.Unlock()
	if f, ok := synthFiles[pods]; ok {
		return f
	}
	dir, err := os.MkdirTemp("", "netviz-bench")
	if err != nil {
		b.Fatal(err)
	}
	f := filepath.Join(dir, fmt.Sprintf("cluster-%d.yaml", pods))
	var buf bytes.Buffer
	if err := synth.WriteYAML(&buf, c); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(f, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	synthFiles[pods] = f
	return f
}

func sizes(b *testing.B, fn func(b *testing.B, pods int)) {
	for _, n := range benchSizes {
		if n > 5000 && testing.Short() {
			continue
		}
		b.Run(fmt.Sprintf("pods=%d", n), func(b *testing.B) { fn(b, n) })
	}
}

// BenchmarkLoad reads the generated manifests with the -f reader.
func BenchmarkLoad(b *testing.B) {
	sizes(b, func(b *testing.B, pods int) {
		f := synthFile(b, pods)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			c, errs := kube.Load([]string{f}, nil)
			if len(errs) > 0 || len(c.Pods) != len(synthCluster(b, pods).Pods) {
				b.Fatalf("load: %v (%d pods)", errs, len(c.Pods))
			}
		}
	})
}

// BenchmarkBuild compiles the policy model and builds the graph.
func BenchmarkBuild(b *testing.B) {
	sizes(b, func(b *testing.B, pods int) {
		c := synthCluster(b, pods)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			graph.Build(c, graph.Options{})
		}
	})
}

// BenchmarkAllPairsByNamespace is `netviz matrix --by namespace` without
// a port, including load: every pod pair decided on every port.
func BenchmarkAllPairsByNamespace(b *testing.B) {
	sizes(b, func(b *testing.B, pods int) {
		f := synthFile(b, pods)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			c, _ := kube.Load([]string{f}, nil)
			g := graph.Build(c, graph.Options{})
			mx, err := g.Matrix(graph.MatrixRequest{})
			if err != nil {
				b.Fatal(err)
			}
			if err := mx.WriteNamespaceJSON(io.Discard); err != nil {
				b.Fatal(err)
			}
			if i == 0 {
				b.ReportMetric(float64(g.Model.Classes()), "classes")
				b.ReportMetric(float64(len(c.NetworkPolicies)), "policies")
			}
		}
	})
}

// BenchmarkConnectionsJSON lists every connection as JSON (matrix without
// a port), after load.
func BenchmarkConnectionsJSON(b *testing.B) {
	sizes(b, func(b *testing.B, pods int) {
		if pods > 5000 {
			b.Skip("the connection list grows with connectivity; 20 000 pods write gigabytes")
		}
		c := synthCluster(b, pods)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			g := graph.Build(c, graph.Options{})
			mx, err := g.Matrix(graph.MatrixRequest{})
			if err != nil {
				b.Fatal(err)
			}
			if err := mx.WriteJSON(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkTrace answers one pod-to-Service trace on a built graph.
func BenchmarkTrace(b *testing.B) {
	sizes(b, func(b *testing.B, pods int) {
		c := synthCluster(b, pods)
		g := graph.Build(c, graph.Options{})
		from := c.Pods[len(c.Pods)/2]
		svc := c.Services[len(c.Services)/3]
		req := graph.TraceRequest{From: from.Namespace + "/" + from.Name, To: "svc/" + svc.Namespace + "/" + svc.Name, Port: "80", Protocol: policy.TCP}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := g.Trace(req); err != nil {
				b.Fatal(err)
			}
		}
	})
}
