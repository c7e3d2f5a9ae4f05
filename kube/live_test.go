package kube

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func fullPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: "shop", Name: "web-1", ResourceVersion: "7",
			Labels:          map[string]string{"app": "web"},
			Annotations:     map[string]string{lastApplied: `{"huge":true}`, "team": "a"},
			ManagedFields:   []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
			OwnerReferences: []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "web-abc"}},
		},
		Spec: corev1.PodSpec{
			NodeName:    "node-1",
			HostNetwork: false,
			Hostname:    "web-1",
			Subdomain:   "web",
			Volumes:     []corev1.Volume{{Name: "data"}},
			InitContainers: []corev1.Container{{
				Name: "proxy", Image: "proxy:1", RestartPolicy: ptr(corev1.ContainerRestartPolicyAlways),
				Ports: []corev1.ContainerPort{{Name: "admin", ContainerPort: 15000}},
			}},
			Containers: []corev1.Container{{
				Name: "app", Image: "web:1",
				Env:            []corev1.EnvVar{{Name: "PASSWORD", Value: "hunter2"}},
				Ports:          []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
				ReadinessProbe: &corev1.Probe{},
				VolumeMounts:   []corev1.VolumeMount{{Name: "data", MountPath: "/data"}},
			}},
		},
		Status: corev1.PodStatus{
			Phase:  corev1.PodRunning,
			PodIP:  "10.244.0.5",
			PodIPs: []corev1.PodIP{{IP: "10.244.0.5"}},
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodScheduled, Status: corev1.ConditionTrue},
				{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastProbeTime: metav1.Now()},
			},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Image: "web:1"}},
		},
	}
}

func TestSlimPod(t *testing.T) {
	k, _ := kindByName(ResourcePods)
	p := k.slim(fullPod()).(*corev1.Pod)

	if p.ManagedFields != nil {
		t.Error("managedFields kept")
	}
	if _, ok := p.Annotations[lastApplied]; ok {
		t.Error("last-applied-configuration kept")
	}
	if p.Annotations["team"] != "a" || p.Labels["app"] != "web" || len(p.OwnerReferences) != 1 {
		t.Errorf("metadata lost: %+v", p.ObjectMeta)
	}
	if p.Spec.Volumes != nil || p.Status.ContainerStatuses != nil {
		t.Error("volumes or container statuses kept")
	}
	c := p.Spec.Containers[0]
	if c.Image != "" || c.Env != nil || c.ReadinessProbe != nil || c.VolumeMounts != nil {
		t.Errorf("container not slimmed: %+v", c)
	}
	if c.Name != "app" || len(c.Ports) != 1 || c.Ports[0].ContainerPort != 8080 {
		t.Errorf("container name or ports lost: %+v", c)
	}
	// Default ran after slimming: protocols are set.
	if c.Ports[0].Protocol != corev1.ProtocolTCP {
		t.Errorf("port protocol = %q, want TCP (defaulted)", c.Ports[0].Protocol)
	}
	ic := p.Spec.InitContainers[0]
	if ic.Name != "proxy" || len(ic.Ports) != 1 || ic.RestartPolicy == nil || ic.Image != "" {
		t.Errorf("init container = %+v, want name, ports and restart policy only", ic)
	}
	if p.Spec.NodeName != "node-1" || p.Spec.Hostname != "web-1" || p.Spec.Subdomain != "web" {
		t.Errorf("spec identity lost: %+v", p.Spec)
	}
	if p.Status.Phase != corev1.PodRunning || p.Status.PodIP != "10.244.0.5" || len(p.Status.PodIPs) != 1 || len(p.Status.Conditions) != 1 {
		t.Errorf("status lost: %+v", p.Status)
	}
	if c := p.Status.Conditions[0]; c.Type != corev1.PodReady || !c.LastProbeTime.IsZero() {
		t.Errorf("condition = %+v, want Ready without a probe time", c)
	}
	// The transform must be idempotent.
	again := k.slim(p.DeepCopy()).(*corev1.Pod)
	if !k.same(p, again) {
		t.Error("slimming twice changes the pod")
	}
}

func TestSlimNodeDropsHeartbeatsAndImages(t *testing.T) {
	k, _ := kindByName(ResourceNodes)
	node := func(beat time.Time, rv string) *corev1.Node {
		return &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: "n1", ResourceVersion: rv},
			Spec:       corev1.NodeSpec{PodCIDR: "10.244.1.0/24", ProviderID: "cloud://x"},
			Status: corev1.NodeStatus{
				Addresses:  []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.0.0.1"}},
				Images:     []corev1.ContainerImage{{Names: []string{"big:1"}}},
				Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: metav1.NewTime(beat)}, {Type: corev1.NodeMemoryPressure}},
			},
		}
	}
	a := k.slim(node(time.Unix(100, 0), "1")).(*corev1.Node)
	b := k.slim(node(time.Unix(200, 0), "2")).(*corev1.Node)
	if a.Status.Images != nil || a.Spec.ProviderID != "" {
		t.Error("images or provider ID kept")
	}
	if a.Spec.PodCIDR == "" || len(a.Status.Addresses) != 1 || len(a.Status.Conditions) != 1 {
		t.Errorf("node lost what netviz reads: %+v", a)
	}
	if !k.same(a, b) {
		t.Error("a heartbeat counts as a change")
	}
}

func TestSame(t *testing.T) {
	k, _ := kindByName(ResourceNetworkPolicies)
	np := func(rv, app string) *networkingv1.NetworkPolicy {
		return k.slim(&networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: "x", Name: "p", ResourceVersion: rv},
			Spec:       networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}},
		}).(*networkingv1.NetworkPolicy)
	}
	tests := map[string]struct {
		a, b any
		want bool
	}{
		"only the resource version": {np("1", "a"), np("2", "a"), true},
		"selector changed":          {np("1", "a"), np("2", "b"), false},
		"a tombstone":               {np("1", "a"), "tombstone", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := k.same(tc.a, tc.b); got != tc.want {
				t.Errorf("same = %v, want %v", got, tc.want)
			}
		})
	}
}

// fakeReviewer allows what its rules list: "resource" for every namespace,
// "resource/ns" for one.
type fakeReviewer struct {
	allow map[string]bool
	err   error
}

var _ accessReviewer = fakeReviewer{}

func (f fakeReviewer) allowed(_ context.Context, _, resource, _, ns string) (bool, string, error) {
	if f.err != nil {
		return false, "", f.err
	}
	if f.allow[resource] {
		return true, "", nil
	}
	return ns != "" && f.allow[resource+"/"+ns], "", nil
}

// coreKinds are the kinds every API server serves.
func coreKinds() []resourceKind {
	var out []resourceKind
	for _, k := range liveKinds {
		if k.group != anpGroup {
			out = append(out, k)
		}
	}
	return out
}

func TestPlanAccess(t *testing.T) {
	everything := map[string]bool{}
	for _, k := range liveKinds {
		everything[k.name] = true
	}
	noNetpol := map[string]bool{}
	for _, k := range liveKinds {
		noNetpol[k.name] = k.name != ResourceNetworkPolicies
	}
	nsOnly := map[string]bool{}
	for _, k := range liveKinds {
		if k.namespaced {
			nsOnly[k.name+"/team-a"] = true
		}
	}
	tests := map[string]struct {
		rev      fakeReviewer
		fallback []string
		wantAll  []string
		wantNS   map[string][]string
	}{
		"cluster-wide reader": {
			rev: fakeReviewer{allow: everything}, fallback: []string{"default"},
			wantAll: []string{"endpointslices", "ingressclasses", "ingresses", "namespaces", "networkpolicies", "nodes", "pods", "services"},
		},
		"no network policies": {
			rev: fakeReviewer{allow: noNetpol}, fallback: []string{"default"},
			wantAll: []string{"endpointslices", "ingressclasses", "ingresses", "namespaces", "nodes", "pods", "services"},
			wantNS:  map[string][]string{"networkpolicies": nil},
		},
		"one namespace": {
			rev: fakeReviewer{allow: nsOnly}, fallback: []string{"team-a", "team-b"},
			wantNS: map[string][]string{
				"pods": {"team-a"}, "services": {"team-a"}, "endpointslices": {"team-a"},
				"ingresses": {"team-a"}, "networkpolicies": {"team-a"},
				"namespaces": nil, "nodes": nil, "ingressclasses": nil,
			},
		},
		"reviews unavailable": {
			rev: fakeReviewer{err: errors.New("404")}, fallback: []string{"default"},
			wantAll: []string{"endpointslices", "ingressclasses", "ingresses", "namespaces", "networkpolicies", "nodes", "pods", "services"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			plan := planAccess(context.Background(), coreKinds(), tc.rev, func(map[string]bool) []string { return tc.fallback })
			var all []string
			for kind, a := range plan {
				if a.all {
					all = append(all, kind)
					continue
				}
				want, ok := tc.wantNS[kind]
				if !ok {
					t.Errorf("%s: not readable everywhere, want it to be", kind)
				}
				if !slices.Equal(a.namespaces, want) {
					t.Errorf("%s: namespaces %v, want %v", kind, a.namespaces, want)
				}
				if a.why == "" {
					t.Errorf("%s: no reason given", kind)
				}
			}
			slices.Sort(all)
			if !slices.Equal(all, tc.wantAll) {
				t.Errorf("readable everywhere: %v, want %v", all, tc.wantAll)
			}
		})
	}
}

func TestGapsFor(t *testing.T) {
	ns := func(names ...string) []*corev1.Namespace {
		var out []*corev1.Namespace
		for _, n := range names {
			out = append(out, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}})
		}
		return out
	}
	all := func() map[string]access {
		m := map[string]access{}
		for _, k := range liveKinds {
			m[k.name] = access{all: true}
		}
		return m
	}
	tests := map[string]struct {
		eff       map[string]access
		ns        []*corev1.Namespace
		wantGaps  []Gap
		wantWarns []string
	}{
		"everything readable": {eff: all(), ns: ns("a", "b")},
		"policies forbidden everywhere": {
			eff: func() map[string]access {
				m := all()
				m[ResourceNetworkPolicies] = access{why: "the user may not list networkpolicies"}
				return m
			}(),
			ns:       ns("a", "b"),
			wantGaps: []Gap{{Resource: "networkpolicies", Reason: "the user may not list networkpolicies"}},
		},
		"policies readable in one namespace": {
			eff: func() map[string]access {
				m := all()
				m[ResourceNetworkPolicies] = access{namespaces: []string{"a"}, why: "no"}
				return m
			}(),
			ns:        ns("a", "b", "c"),
			wantGaps:  []Gap{{Resource: "networkpolicies", Namespace: "b", Reason: "no"}, {Resource: "networkpolicies", Namespace: "c", Reason: "no"}},
			wantWarns: []string{"the user may not list networkpolicies in all namespaces: netviz reads them in namespace a only"},
		},
		"nodes forbidden": {
			eff: func() map[string]access {
				m := all()
				m[ResourceNodes] = access{why: "no"}
				return m
			}(),
			ns:       ns("a"),
			wantGaps: []Gap{{Resource: "nodes", Reason: "no"}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			gaps, warns := gapsFor(liveKinds, tc.eff, tc.ns)
			if !slices.Equal(gaps, tc.wantGaps) {
				t.Errorf("gaps = %v, want %v", gaps, tc.wantGaps)
			}
			if !slices.Equal(warns, tc.wantWarns) {
				t.Errorf("warnings = %q, want %q", warns, tc.wantWarns)
			}
		})
	}
}

// A burst of events costs one rebuild: the builder gathers a batch.
func TestBurstIsOneRebuild(t *testing.T) {
	l := newLive(LiveOptions{Batch: 300 * time.Millisecond, GiveUp: time.Second}, liveKinds, map[string]access{})
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	l.wg.Go(func() { l.run(ctx) })
	defer l.Stop()

	first := <-l.Updates()
	if first.State != StateSynced || first.Cluster == nil {
		t.Fatalf("first snapshot = %+v, want a synced cluster", first)
	}
	for range 1000 {
		l.markDirty(ResourcePods)
	}
	second := <-l.Updates()
	if second.State != StateLive || second.Cluster == first.Cluster {
		t.Fatalf("second snapshot = %+v, want a new live cluster", second)
	}
	select {
	case s := <-l.Updates():
		t.Fatalf("a third snapshot came: %+v", s)
	case <-time.After(2 * l.opts.Batch):
	}
	if got := l.Stats(); got.Rebuilds != 2 || got.Events != 1000 {
		t.Errorf("stats = %+v, want 2 rebuilds (sync and burst) of 1000 events", got)
	}
}

// Nothing changed, nothing sent: waking the builder without a change
// yields no snapshot.
func TestNoChangeNoSnapshot(t *testing.T) {
	l := newLive(LiveOptions{Batch: 50 * time.Millisecond}, liveKinds, map[string]access{})
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	l.wg.Go(func() { l.run(ctx) })
	<-l.Updates()
	l.notify()
	select {
	case s := <-l.Updates():
		t.Fatalf("snapshot without a change: %+v", s)
	case <-time.After(4 * l.opts.Batch):
	}
	l.Stop()
	if _, open := <-l.Updates(); open {
		t.Error("Updates still open after Stop")
	}
}

// A slow reader gets the newest snapshot, not a backlog.
func TestPublishKeepsLatest(t *testing.T) {
	l := newLive(LiveOptions{}, liveKinds, nil)
	for i, s := range []State{StateSynced, StateReconnecting, StateLive} {
		l.publish(Snapshot{State: s, Err: errors.New(string(rune('a' + i)))})
	}
	got := <-l.Updates()
	if got.State != StateLive {
		t.Errorf("read %v, want the latest (live)", got.State)
	}
	select {
	case s := <-l.Updates():
		t.Errorf("backlog: %v", s.State)
	default:
	}
}
