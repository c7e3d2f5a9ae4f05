// Package kube turns the world — manifest files, the embedded demo cluster
// and (later) a live API server — into plain typed Kubernetes objects.
// It knows nothing about graphs or terminals.
package kube

import (
	"fmt"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// Cluster is one snapshot of the objects netviz reads. Every object has had
// the API server's defaults applied, so consumers never re-default.
type Cluster struct {
	Namespaces      []*corev1.Namespace
	Pods            []*corev1.Pod
	Workloads       []*Workload
	Services        []*corev1.Service
	EndpointSlices  []*discoveryv1.EndpointSlice
	Ingresses       []*networkingv1.Ingress
	IngressClasses  []*networkingv1.IngressClass
	NetworkPolicies []*networkingv1.NetworkPolicy
	Nodes           []*corev1.Node
	// AdminNetworkPolicies and BaselineAdminNetworkPolicies are the
	// cluster-scoped tiers around NetworkPolicy (sigs.k8s.io/network-policy-api).
	AdminNetworkPolicies         []*anpv1alpha1.AdminNetworkPolicy
	BaselineAdminNetworkPolicies []*anpv1alpha1.BaselineAdminNetworkPolicy

	// Gaps lists what could not be read. Any verdict that depends on a gap
	// is "unknown", never a guess.
	Gaps []Gap
	// Warnings are non-fatal remarks about the input (skipped kinds, …).
	Warnings []string
	// Notes are facts about the source worth saying once, that are no
	// problem (e.g. a cluster without the AdminNetworkPolicy CRDs).
	Notes []string
	// Overlay lists what a what-if overlay (--with, --without) changed;
	// empty when the snapshot is the source as read.
	Overlay []Change
}

// Resource names used in Gaps.
const (
	ResourceNamespaces      = "namespaces"
	ResourcePods            = "pods"
	ResourceServices        = "services"
	ResourceEndpointSlices  = "endpointslices"
	ResourceIngresses       = "ingresses"
	ResourceIngressClasses  = "ingressclasses"
	ResourceNetworkPolicies = "networkpolicies"
	ResourceNodes           = "nodes"
	ResourceAdminPolicies   = "adminnetworkpolicies"
	ResourceBaselinePolicy  = "baselineadminnetworkpolicies"
)

// Gap records a resource netviz could not read, in one namespace or (when
// Namespace is empty) cluster-wide.
type Gap struct {
	Resource  string
	Namespace string
	Reason    string
}

func (g Gap) String() string {
	where := "in all namespaces"
	switch {
	case g.Namespace != "":
		where = "in namespace " + g.Namespace
	case clusterScoped[g.Resource]:
		where = "at cluster scope"
	}
	return fmt.Sprintf("cannot read %s %s: %s", g.Resource, where, g.Reason)
}

// clusterScoped lists the resources that belong to no namespace.
var clusterScoped = map[string]bool{
	ResourceNamespaces: true, ResourceNodes: true, ResourceIngressClasses: true,
	ResourceAdminPolicies: true, ResourceBaselinePolicy: true,
}

// Workload is a pod controller (Deployment, StatefulSet, …) standing in for
// the pods it would run. It counts as one peer named Namespace/Name and
// carries its pod template's labels and ports.
type Workload struct {
	Kind      string // Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, ReplicationController
	Namespace string
	Name      string
	Labels    map[string]string // the workload object's own labels
	Template  corev1.PodTemplateSpec
	Replicas  int32 // desired replicas where the kind has them, else 1
	// ServiceName is a StatefulSet's governing Service (for pod DNS names).
	ServiceName string
}

// WorkloadKinds lists the controller kinds netviz reads as workloads.
var WorkloadKinds = []string{"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicationController"}

// workloadFrom converts a typed controller object into a Workload.
func workloadFrom(obj any) *Workload {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return &Workload{Kind: "Deployment", Namespace: o.Namespace, Name: o.Name, Labels: o.Labels, Template: o.Spec.Template, Replicas: replicas(o.Spec.Replicas)}
	case *appsv1.ReplicaSet:
		return &Workload{Kind: "ReplicaSet", Namespace: o.Namespace, Name: o.Name, Labels: o.Labels, Template: o.Spec.Template, Replicas: replicas(o.Spec.Replicas)}
	case *appsv1.StatefulSet:
		return &Workload{Kind: "StatefulSet", Namespace: o.Namespace, Name: o.Name, Labels: o.Labels, Template: o.Spec.Template, Replicas: replicas(o.Spec.Replicas), ServiceName: o.Spec.ServiceName}
	case *appsv1.DaemonSet:
		return &Workload{Kind: "DaemonSet", Namespace: o.Namespace, Name: o.Name, Labels: o.Labels, Template: o.Spec.Template, Replicas: 1}
	case *batchv1.Job:
		return &Workload{Kind: "Job", Namespace: o.Namespace, Name: o.Name, Labels: o.Labels, Template: o.Spec.Template, Replicas: replicas(o.Spec.Parallelism)}
	case *batchv1.CronJob:
		// A CronJob's pods come from the Jobs it creates from its template.
		js := o.Spec.JobTemplate.Spec
		return &Workload{Kind: "CronJob", Namespace: o.Namespace, Name: o.Name, Labels: o.Labels, Template: js.Template, Replicas: replicas(js.Parallelism)}
	case *corev1.ReplicationController:
		var t corev1.PodTemplateSpec
		if o.Spec.Template != nil {
			t = *o.Spec.Template
		}
		return &Workload{Kind: "ReplicationController", Namespace: o.Namespace, Name: o.Name, Labels: o.Labels, Template: t, Replicas: replicas(o.Spec.Replicas)}
	}
	return nil
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// Sort orders every list by namespace and name so that output built from a
// Cluster is stable.
func (c *Cluster) Sort() {
	sort.Slice(c.Namespaces, func(i, j int) bool { return c.Namespaces[i].Name < c.Namespaces[j].Name })
	sort.Slice(c.Pods, func(i, j int) bool {
		return nsLess(c.Pods[i].Namespace, c.Pods[i].Name, c.Pods[j].Namespace, c.Pods[j].Name)
	})
	sort.Slice(c.Workloads, func(i, j int) bool {
		a, b := c.Workloads[i], c.Workloads[j]
		if a.Namespace != b.Namespace || a.Name != b.Name {
			return nsLess(a.Namespace, a.Name, b.Namespace, b.Name)
		}
		return a.Kind < b.Kind
	})
	sort.Slice(c.Services, func(i, j int) bool {
		return nsLess(c.Services[i].Namespace, c.Services[i].Name, c.Services[j].Namespace, c.Services[j].Name)
	})
	sort.Slice(c.EndpointSlices, func(i, j int) bool {
		return nsLess(c.EndpointSlices[i].Namespace, c.EndpointSlices[i].Name, c.EndpointSlices[j].Namespace, c.EndpointSlices[j].Name)
	})
	sort.Slice(c.Ingresses, func(i, j int) bool {
		return nsLess(c.Ingresses[i].Namespace, c.Ingresses[i].Name, c.Ingresses[j].Namespace, c.Ingresses[j].Name)
	})
	sort.Slice(c.IngressClasses, func(i, j int) bool { return c.IngressClasses[i].Name < c.IngressClasses[j].Name })
	sort.Slice(c.NetworkPolicies, func(i, j int) bool {
		return nsLess(c.NetworkPolicies[i].Namespace, c.NetworkPolicies[i].Name, c.NetworkPolicies[j].Namespace, c.NetworkPolicies[j].Name)
	})
	sort.Slice(c.Nodes, func(i, j int) bool { return c.Nodes[i].Name < c.Nodes[j].Name })
	sort.Slice(c.AdminNetworkPolicies, func(i, j int) bool { return c.AdminNetworkPolicies[i].Name < c.AdminNetworkPolicies[j].Name })
	sort.Slice(c.BaselineAdminNetworkPolicies, func(i, j int) bool {
		return c.BaselineAdminNetworkPolicies[i].Name < c.BaselineAdminNetworkPolicies[j].Name
	})
}

func nsLess(ns1, n1, ns2, n2 string) bool {
	if ns1 != ns2 {
		return ns1 < ns2
	}
	return n1 < n2
}

// Gap reports whether resource could not be read in namespace ns (or
// cluster-wide), and why.
func (c *Cluster) Gap(resource, ns string) (Gap, bool) {
	for _, g := range c.Gaps {
		if g.Resource == resource && (g.Namespace == "" || g.Namespace == ns) {
			return g, true
		}
	}
	return Gap{}, false
}
