package graph_test

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/kube"
	"github.com/netviz/netviz/kube/synth"
)

var update = flag.Bool("update", false, "rewrite golden files")

// synthOverlay is a pull request against a generated cluster: one
// namespace loses its default deny, one allow policy gets another port,
// one pod is removed and a new policy opens an app to another namespace.
func synthOverlay(t testing.TB, c *kube.Cluster, seed int64) *kube.Cluster {
	t.Helper()
	r := rand.New(rand.NewSource(seed))
	var objs []runtime.Object
	var without []kube.ObjectRef
	var denies, allows []*networkingv1.NetworkPolicy
	for _, np := range c.NetworkPolicies {
		switch {
		case np.Name == "default-deny":
			denies = append(denies, np)
		case len(np.Spec.Ingress) > 0 && len(np.Spec.Ingress[0].Ports) > 0:
			allows = append(allows, np)
		}
	}
	if len(denies) > 0 {
		np := denies[r.Intn(len(denies))]
		without = append(without, kube.ObjectRef{Kind: "NetworkPolicy", Namespace: np.Namespace, Name: np.Name})
	}
	if len(allows) > 0 {
		np := allows[r.Intn(len(allows))].DeepCopy()
		np.Spec.Ingress[0].Ports = append(np.Spec.Ingress[0].Ports, networkingv1.NetworkPolicyPort{Port: ptr(intstr.FromInt32(9443))})
		objs = append(objs, np)
	}
	pod := c.Pods[r.Intn(len(c.Pods))]
	without = append(without, kube.ObjectRef{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name})
	target := c.Pods[r.Intn(len(c.Pods))]
	for target.Labels["app"] == "" {
		target = c.Pods[r.Intn(len(c.Pods))]
	}
	other := c.Namespaces[r.Intn(len(c.Namespaces))].Name
	np := &networkingv1.NetworkPolicy{}
	np.APIVersion, np.Kind = "networking.k8s.io/v1", "NetworkPolicy"
	np.Namespace, np.Name = target.Namespace, "pr-open-"+target.Labels["app"]
	np.Spec.PodSelector.MatchLabels = map[string]string{"app": target.Labels["app"]}
	np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{
		From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{policy.NamespaceNameLabel: other}}}},
	}}
	objs = append(objs, np)
	// One more kind of change, by seed: a pod's labels, a namespace's
	// labels, or a cluster-wide AdminNetworkPolicy.
	switch seed % 3 {
	case 0:
		// CoreDNS may send anywhere; as a web-tier pod, rules that admit
		// the web tier from other namespaces now admit it too.
		p := c.Pods[0].DeepCopy()
		p.Labels["tier"] = "web"
		objs = append(objs, p)
	case 1:
		ns := c.Namespaces[r.Intn(len(c.Namespaces))].DeepCopy()
		ns.Labels["team"] = "search"
		ns.Labels["env"] = "staging"
		objs = append(objs, ns)
	default:
		anp := &anpv1alpha1.AdminNetworkPolicy{}
		anp.APIVersion, anp.Kind, anp.Name = "policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy", "pr-guard"
		anp.Spec.Priority = 5
		anp.Spec.Subject.Namespaces = &metav1.LabelSelector{}
		ports := &[]anpv1alpha1.AdminNetworkPolicyPort{{PortNumber: &anpv1alpha1.Port{Protocol: "TCP", Port: 7777}}}
		all := &metav1.LabelSelector{}
		anp.Spec.Ingress = []anpv1alpha1.AdminNetworkPolicyIngressRule{{
			Name: "allow-7777-in", Action: anpv1alpha1.AdminNetworkPolicyRuleActionAllow, Ports: ports,
			From: []anpv1alpha1.AdminNetworkPolicyIngressPeer{{Namespaces: all}},
		}}
		anp.Spec.Egress = []anpv1alpha1.AdminNetworkPolicyEgressRule{{
			Name: "allow-7777-out", Action: anpv1alpha1.AdminNetworkPolicyRuleActionAllow, Ports: ports,
			To: []anpv1alpha1.AdminNetworkPolicyEgressPeer{{Namespaces: all}},
		}}
		objs = append(objs, anp)
	}
	o, errs := kube.NewOverlay(objs, without)
	if len(errs) > 0 {
		t.Fatalf("overlay: %v", errs)
	}
	oc, err := o.Apply(c)
	if err != nil {
		t.Fatal(err)
	}
	return oc
}

func ptr[T any](v T) *T { return &v }

// peerKey is a peer's node key.
func peerKey(p *policy.Peer) string {
	if p.Kind == "Pod" {
		return "pod/" + p.ID()
	}
	return "workload/" + p.ID()
}

// bruteDiff decides every pair of both snapshots peer by peer.
func bruteDiff(base, over *graph.Graph) map[[2]string][2]policy.Result {
	type side struct {
		g   *graph.Graph
		idx map[string]int
	}
	sides := [2]side{{g: base, idx: map[string]int{}}, {g: over, idx: map[string]int{}}}
	var keys []string
	seen := map[string]bool{}
	for i := range sides {
		for p := range sides[i].g.Model.Peers {
			k := peerKey(&sides[i].g.Model.Peers[p])
			sides[i].idx[k] = p
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	out := map[[2]string][2]policy.Result{}
	for _, a := range keys {
		for _, b := range keys {
			if a == b {
				continue
			}
			var rs [2]policy.Result
			for i, s := range sides {
				pa, okA := s.idx[a]
				pb, okB := s.idx[b]
				if okA && okB {
					rs[i] = s.g.Model.Reach(policy.PeerEndpoint(pa), policy.PeerEndpoint(pb))
				}
			}
			if !rs[0].Allowed.Equal(rs[1].Allowed) || !rs[0].Unknown.Equal(rs[1].Unknown) {
				out[[2]string{a, b}] = rs
			}
		}
	}
	return out
}

// TestDiffMatchesBruteForce compares the joint-class diff with deciding
// every pair of both snapshots one by one, on generated clusters.
func TestDiffMatchesBruteForce(t *testing.T) {
	for seed := int64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			c := synth.Generate(synth.Options{Pods: 150, Seed: seed})
			oc := synthOverlay(t, c, seed)
			base, over := graph.Build(c, graph.Options{}), graph.Build(oc, graph.Options{})
			want := bruteDiff(base, over)
			d := graph.Diff(base, over)
			if len(want) == 0 {
				t.Fatal("the overlay changed nothing: the test proves nothing")
			}
			got := map[[2]string]graph.DiffPair{}
			d.EachPair(func(p graph.DiffPair) bool {
				if _, dup := got[[2]string{p.From, p.To}]; dup {
					t.Errorf("pair %s → %s listed twice", p.From, p.To)
				}
				got[[2]string{p.From, p.To}] = p
				return true
			})
			for k, rs := range want {
				p, ok := got[k]
				if !ok {
					t.Errorf("missing %s → %s: %v → %v", k[0], k[1], rs[0], rs[1])
					continue
				}
				if !p.Before.Allowed.Equal(rs[0].Allowed) || !p.After.Allowed.Equal(rs[1].Allowed) {
					t.Errorf("%s → %s: got %v → %v, want %v → %v", k[0], k[1], p.Before.Allowed, p.After.Allowed, rs[0].Allowed, rs[1].Allowed)
				}
				if q, ok := d.Pair(k[0], k[1]); !ok || q.Op != p.Op {
					t.Errorf("Pair(%s, %s) = %v, %v; EachPair says %v", k[0], k[1], q.Op, ok, p.Op)
				}
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("extra %s → %s", k[0], k[1])
				}
			}
			total := 0
			for _, g := range d.Groups {
				total += g.Pairs
				if g.Pairs == 0 || len(g.From.Peers) == 0 || len(g.To.Peers) == 0 {
					t.Errorf("empty group %+v", g)
				}
			}
			if total != len(want) || d.Added+d.Removed+d.Changed != len(want) {
				t.Errorf("groups count %d pairs (added %d, removed %d, changed %d), want %d", total, d.Added, d.Removed, d.Changed, len(want))
			}
		})
	}
}

// TestDiffNoChange: the same snapshot twice differs in nothing.
func TestDiffNoChange(t *testing.T) {
	c := synth.Generate(synth.Options{Pods: 200, Seed: 3})
	g := graph.Build(c, graph.Options{})
	d := graph.Diff(g, graph.Build(c, graph.Options{}))
	if !d.Empty() || len(d.Groups) != 0 {
		t.Fatalf("diff of a snapshot with itself: %d groups, %d/%d/%d pairs", len(d.Groups), d.Added, d.Removed, d.Changed)
	}
	if _, ok := d.Pair(peerKey(&g.Model.Peers[0]), peerKey(&g.Model.Peers[1])); ok {
		t.Error("Pair reports a change where there is none")
	}
}

// TestWorkloadOf names the workload of pods from their owners and labels.
func TestWorkloadOf(t *testing.T) {
	c, errs := kube.LoadDemo()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := map[string][2]string{
		"shop/frontend-7d9c6b8f4-x2k9p":       {"Deployment", "frontend"},
		"shop/catalog-canary-5b8d9c7f6-r7t8v": {"Deployment", "catalog-canary"},
		"shop/db-0":                           {"StatefulSet", "db"},
	}
	for _, p := range c.Pods {
		w, ok := want[p.Namespace+"/"+p.Name]
		if !ok {
			continue
		}
		delete(want, p.Namespace+"/"+p.Name)
		if kind, name := graph.WorkloadOf(p); kind != w[0] || name != w[1] {
			t.Errorf("%s/%s: %s %s, want %s %s", p.Namespace, p.Name, kind, name, w[0], w[1])
		}
	}
	if len(want) > 0 {
		t.Errorf("pods not in the demo: %v", want)
	}
}

// TestDiffGolden writes a generated cluster's diff in every format.
func TestDiffGolden(t *testing.T) {
	c := synth.Generate(synth.Options{Pods: 120, Seed: 7})
	oc := synthOverlay(t, c, 7)
	d := graph.Diff(graph.Build(c, graph.Options{}), graph.Build(oc, graph.Options{}))
	for name, write := range map[string]func(*bytes.Buffer) error{
		"diff-synth.txt":  func(b *bytes.Buffer) error { return d.WriteText(b) },
		"diff-synth.json": func(b *bytes.Buffer) error { return d.WriteJSON(b) },
		"diff-synth.dot":  func(b *bytes.Buffer) error { return d.WriteDOT(b) },
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := write(&buf); err != nil {
				t.Fatal(err)
			}
			golden(t, name, buf.Bytes())
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update and review the diff):\n%s", name, got)
	}
}

// BenchmarkDiff diffs the generated cluster against two overlays: "pr"
// changes a few policies, a pod and a namespace's labels (seed 1 of
// synthOverlay); "cluster-wide" also adds an AdminNetworkPolicy, so every
// pair must be decided again in both models (seed 2) — the worst case,
// two matrix computations. BenchmarkDiffMatrix is one matrix computation
// of the same cluster, the unit the diff's cost is measured in.
func BenchmarkDiff(b *testing.B) {
	for _, pods := range []int{1000, 5000} {
		for _, change := range []struct {
			name string
			seed int64
		}{{"pr", 1}, {"cluster-wide", 2}} {
			b.Run(fmt.Sprintf("pods=%d/change=%s", pods, change.name), func(b *testing.B) {
				c := synthCluster(b, pods)
				base, over := graph.Build(c, graph.Options{}), graph.Build(synthOverlay(b, c, change.seed), graph.Options{})
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					d := graph.Diff(base, over)
					if i == 0 {
						b.ReportMetric(float64(d.Added+d.Removed+d.Changed), "changed-pairs")
						b.ReportMetric(float64(base.Model.Classes()), "classes")
					}
				}
			})
		}
	}
}

// BenchmarkDiffMatrix is one matrix computation (every class pair, every
// port) of the models BenchmarkDiff compares: the generated cluster, and
// the cluster under the cluster-wide overlay, whose AdminNetworkPolicy
// makes every pair dearer to decide.
func BenchmarkDiffMatrix(b *testing.B) {
	for _, pods := range []int{1000, 5000} {
		for _, model := range []string{"base", "cluster-wide"} {
			b.Run(fmt.Sprintf("pods=%d/model=%s", pods, model), func(b *testing.B) {
				c := synthCluster(b, pods)
				if model != "base" {
					c = synthOverlay(b, c, 2)
				}
				g := graph.Build(c, graph.Options{})
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := g.Matrix(graph.MatrixRequest{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
