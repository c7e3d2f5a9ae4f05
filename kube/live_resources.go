package kube

import (
	"context"
	"slices"
	"sort"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
	anpclient "sigs.k8s.io/network-policy-api/pkg/client/clientset/versioned"
)

// lastApplied is the annotation kubectl apply keeps a full copy of the
// object in; netviz never reads it and it can be larger than the object.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// anpGroup is the API group of the AdminNetworkPolicy tiers.
const anpGroup = "policy.networking.k8s.io"

// clients are the clientsets the live source reads with: Kubernetes' own
// kinds, and the AdminNetworkPolicy tiers (a CRD, so JSON on the wire).
type clients struct {
	core kubernetes.Interface
	anp  anpclient.Interface
}

// resourceKind describes one kind the live source reads: how to list and
// watch it, how to slim it for the cache, and where it goes in a Cluster.
type resourceKind struct {
	name       string // the Resource… constant, as used in Gaps
	group      string // API group, for access reviews
	version    string
	namespaced bool
	object     runtime.Object // an empty object of the kind, for the informer

	list  func(c clients, ns string) func(context.Context, metav1.ListOptions) (runtime.Object, error)
	watch func(c clients, ns string) func(context.Context, metav1.ListOptions) (watch.Interface, error)
	// slim drops what netviz never reads and applies Default. It runs
	// before an object enters the cache, so the cache holds only slim,
	// defaulted objects that nobody mutates afterwards.
	slim func(obj any) any
	// same reports whether two versions of an object differ in nothing
	// netviz reads, so an update that changes only the resource version
	// (or stripped fields) costs no snapshot.
	same func(a, b any) bool
	// fill puts the sorted objects into c.
	fill func(c *Cluster, objs []any)
	// copy copies the kind's list from src into dst, so that dst owns its
	// slice.
	copy func(dst, src *Cluster)
}

// listWatch is what every typed client of a kind offers.
type listWatch[L runtime.Object] interface {
	List(ctx context.Context, opts metav1.ListOptions) (L, error)
	Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
}

// kindOf builds a resourceKind for the object type T with the list type L.
func kindOf[T any, PT interface {
	*T
	runtime.Object
	metav1.Object
}, L runtime.Object](
	name string, gv schema.GroupVersion, namespaced bool,
	client func(c clients, ns string) listWatch[L],
	slim func(PT) PT,
	field func(c *Cluster) *[]PT,
) resourceKind {
	return resourceKind{
		name:       name,
		group:      gv.Group,
		version:    gv.Version,
		namespaced: namespaced,
		object:     PT(new(T)),
		list: func(c clients, ns string) func(context.Context, metav1.ListOptions) (runtime.Object, error) {
			return func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
				return client(c, ns).List(ctx, opts)
			}
		},
		watch: func(c clients, ns string) func(context.Context, metav1.ListOptions) (watch.Interface, error) {
			return func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
				return client(c, ns).Watch(ctx, opts)
			}
		},
		slim: func(obj any) any {
			o, ok := obj.(PT)
			if !ok {
				return obj // a tombstone or another kind: leave it alone
			}
			o = slim(o)
			o.SetManagedFields(nil)
			if a := o.GetAnnotations(); a[lastApplied] != "" {
				delete(a, lastApplied)
			}
			Default(o)
			return o
		},
		same: func(a, b any) bool {
			x, ok1 := a.(PT)
			y, ok2 := b.(PT)
			if !ok1 || !ok2 {
				return false
			}
			if x == y {
				return true
			}
			// Compare shallow copies with the resource version blanked:
			// the slim objects hold only what netviz reads.
			xc, yc := *x, *y
			PT(&xc).SetResourceVersion("")
			PT(&yc).SetResourceVersion("")
			return equality.Semantic.DeepEqual(&xc, &yc)
		},
		fill: func(c *Cluster, objs []any) {
			typed := make([]PT, 0, len(objs))
			for _, o := range objs {
				if t, ok := o.(PT); ok {
					typed = append(typed, t)
				}
			}
			sort.Slice(typed, func(i, j int) bool {
				return nsLess(typed[i].GetNamespace(), typed[i].GetName(), typed[j].GetNamespace(), typed[j].GetName())
			})
			*field(c) = typed
		},
		copy: func(dst, src *Cluster) { *field(dst) = slices.Clone(*field(src)) },
	}
}

// liveKinds lists the kinds the live source reads, in the order of the
// Cluster fields. Secrets are not among them, and never will be: TLS needs
// only the secret's name, which the Ingress carries. The AdminNetworkPolicy
// tiers are read where the API server serves them (their CRDs are
// installed); where it does not, there are none.
var liveKinds = []resourceKind{
	kindOf(ResourceNamespaces, corev1.SchemeGroupVersion, false,
		func(c clients, _ string) listWatch[*corev1.NamespaceList] { return c.core.CoreV1().Namespaces() },
		slimNamespace, func(c *Cluster) *[]*corev1.Namespace { return &c.Namespaces }),
	kindOf(ResourcePods, corev1.SchemeGroupVersion, true,
		func(c clients, ns string) listWatch[*corev1.PodList] { return c.core.CoreV1().Pods(ns) },
		slimPod, func(c *Cluster) *[]*corev1.Pod { return &c.Pods }),
	kindOf(ResourceServices, corev1.SchemeGroupVersion, true,
		func(c clients, ns string) listWatch[*corev1.ServiceList] { return c.core.CoreV1().Services(ns) },
		keep[*corev1.Service], func(c *Cluster) *[]*corev1.Service { return &c.Services }),
	kindOf(ResourceEndpointSlices, discoveryv1.SchemeGroupVersion, true,
		func(c clients, ns string) listWatch[*discoveryv1.EndpointSliceList] {
			return c.core.DiscoveryV1().EndpointSlices(ns)
		},
		keep[*discoveryv1.EndpointSlice], func(c *Cluster) *[]*discoveryv1.EndpointSlice { return &c.EndpointSlices }),
	kindOf(ResourceIngresses, networkingv1.SchemeGroupVersion, true,
		func(c clients, ns string) listWatch[*networkingv1.IngressList] {
			return c.core.NetworkingV1().Ingresses(ns)
		},
		slimIngress, func(c *Cluster) *[]*networkingv1.Ingress { return &c.Ingresses }),
	kindOf(ResourceIngressClasses, networkingv1.SchemeGroupVersion, false,
		func(c clients, _ string) listWatch[*networkingv1.IngressClassList] {
			return c.core.NetworkingV1().IngressClasses()
		},
		keep[*networkingv1.IngressClass], func(c *Cluster) *[]*networkingv1.IngressClass { return &c.IngressClasses }),
	kindOf(ResourceNetworkPolicies, networkingv1.SchemeGroupVersion, true,
		func(c clients, ns string) listWatch[*networkingv1.NetworkPolicyList] {
			return c.core.NetworkingV1().NetworkPolicies(ns)
		},
		keep[*networkingv1.NetworkPolicy], func(c *Cluster) *[]*networkingv1.NetworkPolicy { return &c.NetworkPolicies }),
	kindOf(ResourceNodes, corev1.SchemeGroupVersion, false,
		func(c clients, _ string) listWatch[*corev1.NodeList] { return c.core.CoreV1().Nodes() },
		slimNode, func(c *Cluster) *[]*corev1.Node { return &c.Nodes }),
	kindOf(ResourceAdminPolicies, anpv1alpha1.SchemeGroupVersion, false,
		func(c clients, _ string) listWatch[*anpv1alpha1.AdminNetworkPolicyList] {
			return c.anp.PolicyV1alpha1().AdminNetworkPolicies()
		},
		keep[*anpv1alpha1.AdminNetworkPolicy], func(c *Cluster) *[]*anpv1alpha1.AdminNetworkPolicy { return &c.AdminNetworkPolicies }),
	kindOf(ResourceBaselinePolicy, anpv1alpha1.SchemeGroupVersion, false,
		func(c clients, _ string) listWatch[*anpv1alpha1.BaselineAdminNetworkPolicyList] {
			return c.anp.PolicyV1alpha1().BaselineAdminNetworkPolicies()
		},
		keep[*anpv1alpha1.BaselineAdminNetworkPolicy], func(c *Cluster) *[]*anpv1alpha1.BaselineAdminNetworkPolicy {
			return &c.BaselineAdminNetworkPolicies
		}),
}

func keep[T any](o T) T { return o }

// slimNamespace keeps the metadata and the phase.
func slimNamespace(ns *corev1.Namespace) *corev1.Namespace {
	ns.Spec = corev1.NamespaceSpec{}
	ns.Status.Conditions = nil
	return ns
}

// slimPod keeps what the graph, the policy engine and the views read:
// labels, owners, node, host networking, containers' names and ports, the
// DNS identity (hostname, subdomain), and the phase, IPs and readiness.
// Volumes, environment, images, resources, probes, security contexts and
// container statuses go: they are most of a pod's size.
func slimPod(p *corev1.Pod) *corev1.Pod {
	s := p.Spec
	p.Spec = corev1.PodSpec{
		InitContainers:     slimContainers(s.InitContainers),
		Containers:         slimContainers(s.Containers),
		RestartPolicy:      s.RestartPolicy,
		DNSPolicy:          s.DNSPolicy,
		ServiceAccountName: s.ServiceAccountName,
		NodeName:           s.NodeName,
		HostNetwork:        s.HostNetwork,
		Hostname:           s.Hostname,
		Subdomain:          s.Subdomain,
		SchedulerName:      s.SchedulerName,
		EnableServiceLinks: s.EnableServiceLinks,
	}
	st := p.Status
	p.Status = corev1.PodStatus{
		Phase:   st.Phase,
		Reason:  st.Reason,
		HostIP:  st.HostIP,
		HostIPs: st.HostIPs,
		PodIP:   st.PodIP,
		PodIPs:  st.PodIPs,
	}
	for _, c := range st.Conditions {
		if c.Type == corev1.PodReady {
			// Probe times change without changing anything netviz shows.
			c.LastProbeTime = metav1.Time{}
			p.Status.Conditions = []corev1.PodCondition{c}
		}
	}
	return p
}

func slimContainers(cs []corev1.Container) []corev1.Container {
	if len(cs) == 0 {
		return nil
	}
	out := make([]corev1.Container, len(cs))
	for i, c := range cs {
		// RestartPolicy marks an init container as a sidecar, which
		// keeps serving its ports.
		out[i] = corev1.Container{Name: c.Name, Ports: c.Ports, RestartPolicy: c.RestartPolicy}
	}
	return out
}

// slimIngress drops the load balancer status, which can list many
// addresses and is not part of the route.
func slimIngress(ing *networkingv1.Ingress) *networkingv1.Ingress {
	ing.Status = networkingv1.IngressStatus{}
	return ing
}

// slimNode keeps the labels, the pod CIDRs, the addresses and the
// conditions. The image list, which holds every image the node has pulled,
// and the rest of the status go.
func slimNode(n *corev1.Node) *corev1.Node {
	st := n.Status
	n.Status = corev1.NodeStatus{Addresses: st.Addresses, Phase: st.Phase}
	for _, c := range st.Conditions {
		if c.Type == corev1.NodeReady {
			// Heartbeats would otherwise change the node every few
			// seconds.
			c.LastHeartbeatTime = metav1.Time{}
			n.Status.Conditions = append(n.Status.Conditions, c)
		}
	}
	n.Spec = corev1.NodeSpec{PodCIDR: n.Spec.PodCIDR, PodCIDRs: n.Spec.PodCIDRs, Unschedulable: n.Spec.Unschedulable, Taints: n.Spec.Taints}
	return n
}

// kindByName returns the resourceKind called name.
func kindByName(name string) (resourceKind, bool) {
	for _, k := range liveKinds {
		if k.name == name {
			return k, true
		}
	}
	return resourceKind{}, false
}
