package graph_test

import (
	"testing"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/kube/synth"
)

// TestBulkMatchesPairs checks, on generated clusters shaped like real
// ones, that deciding a source against every class at once gives the same
// answer as deciding each pair.
func TestBulkMatchesPairs(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		c := synth.Generate(synth.Options{Pods: 600, Seed: seed})
		g := graph.Build(c, graph.Options{})
		m := g.Model
		all := make([]policy.Result, m.Classes())
		for s := 0; s < m.Classes(); s++ {
			m.ReachFrom(s, all)
			for d := range all {
				want := m.ClassReach(s, d)
				if !all[d].Allowed.Equal(want.Allowed) || !all[d].Unknown.Equal(want.Unknown) {
					t.Fatalf("seed %d: class %d → %d: bulk %v, pair %v", seed, s, d, all[d].Allowed, want.Allowed)
				}
			}
		}
	}
}
