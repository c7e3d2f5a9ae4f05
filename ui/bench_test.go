package ui

import (
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/kube"
	"github.com/netviz/netviz/kube/synth"
	"github.com/netviz/netviz/ui/common"
)

var (
	bigOnce sync.Once
	big     *kube.Cluster
)

// bigCluster is a synthetic cluster of 5 000 pods.
func bigCluster() *kube.Cluster {
	bigOnce.Do(func() { big = synth.Generate(synth.Options{Pods: 5000}) })
	return big
}

// benchKeys measures what one key press costs on the UI loop: Update,
// then View, as the program does. Commands the key returns run off the
// loop in the program and are not measured; setup runs them.
func benchKeys(b *testing.B, m Model, presses ...tea.Msg) {
	b.Helper()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		nm, _ := m.Update(presses[i%len(presses)])
		m = nm.(Model)
		_ = m.View()
	}
}

// alternate is n presses of one key, then n of another, so the cursor
// walks a long way down and back instead of stopping at the end.
func alternate(a, z string, n int) []tea.Msg {
	var out []tea.Msg
	for i := 0; i < n; i++ {
		out = append(out, keys(a)[0])
	}
	for i := 0; i < n; i++ {
		out = append(out, keys(z)[0])
	}
	return out
}

func BenchmarkUpdateView(b *testing.B) {
	c := bigCluster()
	base := newTestModel(b, c, 160, 48)
	g := base.common.Snap.Graph
	var pod, svc string
	for _, n := range g.Nodes() {
		if pod == "" && n.Kind == graph.KindPod && n.Namespace == "ns-010" {
			pod = n.Key()
		}
		if svc == "" && n.Kind == graph.KindService && n.Namespace == "ns-010" {
			svc = n.Key()
		}
	}
	b.Run("browser all namespaces j/k", func(b *testing.B) {
		m := send(b, base, keys("l")...)
		benchKeys(b, m, alternate("j", "k", 500)...)
	})
	b.Run("browser namespaces j/k", func(b *testing.B) {
		benchKeys(b, base, alternate("j", "k", 50)...)
	})
	b.Run("browser filter typing", func(b *testing.B) {
		m := send(b, base, keys("l", "/")...)
		benchKeys(b, m, append(keys("ns-01"), keys("backspace", "backspace", "backspace", "backspace", "backspace")...)...)
	})
	b.Run("command completion typing", func(b *testing.B) {
		m := send(b, base, keys(":", "trace ")...)
		benchKeys(b, m, append(keys("ns-01"), keys("backspace", "backspace", "backspace", "backspace", "backspace")...)...)
	})
	b.Run("graph pod j/k", func(b *testing.B) {
		m := send(b, base, common.OpenMsg{Key: pod})
		benchKeys(b, m, alternate("j", "k", 30)...)
	})
	b.Run("graph service j/k", func(b *testing.B) {
		m := send(b, base, common.OpenMsg{Key: svc})
		benchKeys(b, m, append(alternate("j", "k", 5), keys("l", "h")...)...)
	})
	b.Run("trace p", func(b *testing.B) {
		from := g.TraceRef(g.Node(pod))
		m := send(b, base, common.TraceMsg{Req: graph.TraceRequest{From: from, To: svc, Protocol: policy.TCP}})
		benchKeys(b, m, keys("p")...)
	})
	b.Run("matrix h/j/k/l", func(b *testing.B) {
		m := send(b, base, keys("4")...)
		benchKeys(b, m, append(alternate("j", "k", 40), alternate("l", "h", 40)...)...)
	})
	b.Run("matrix pods h/j/k/l", func(b *testing.B) {
		m := send(b, base, keys("4", "j", "j", "l", "l", "enter")...)
		benchKeys(b, m, append(alternate("j", "k", 20), alternate("l", "h", 20)...)...)
	})
	b.Run("help overlay", func(b *testing.B) {
		benchKeys(b, base, keys("?")...)
	})
}

// BenchmarkSnapshotSwap measures what a new snapshot costs on the UI loop
// once it is built off the loop: every view refreshing its selection.
func BenchmarkSnapshotSwap(b *testing.B) {
	c := bigCluster()
	m := newTestModel(b, c, 160, 48)
	snaps := []SnapshotMsg{buildSnapshot(c, 2, graph.Options{}), buildSnapshot(c, 3, graph.Options{})}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		nm, _ := m.Update(snaps[i%2])
		m = nm.(Model)
		_ = m.View()
	}
}

// BenchmarkAnswers measures the questions views ask off the UI loop,
// whose answers are cached per snapshot.
func BenchmarkAnswers(b *testing.B) {
	snap := buildSnapshot(bigCluster(), 1, graph.Options{}).Snap
	g := snap.Graph
	var pod, svc string
	for _, n := range g.Nodes() {
		if pod == "" && n.Kind == graph.KindPod && n.Namespace == "ns-010" {
			pod = n.Key()
		}
		if svc == "" && n.Kind == graph.KindService && n.Namespace == "ns-010" {
			svc = n.Key()
		}
	}
	b.Run("neighbourhood of a pod", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := g.Neighbourhood(pod); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("neighbourhood of a service", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := g.Neighbourhood(svc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("namespace matrix", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := common.NewMatrixAnswer(g, common.MatrixKey{Port: "8080", Protocol: policy.TCP}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("snapshot build", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			buildSnapshot(bigCluster(), 1, graph.Options{})
		}
	})
}
