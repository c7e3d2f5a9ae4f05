package kube

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Default applies the API server's defaults to one object in place, so that
// an object read from a manifest looks the way the API server would store it
// and consumers never have to re-default. It covers every kind netviz reads
// and is idempotent, so objects that already came from an API server (the
// live-cluster source) can go through it too. Other kinds are left alone.
//
// Only the defaults that change what netviz shows are applied: protocols,
// target ports, Service and NetworkPolicy policy fields, replica counts,
// restart and DNS policies, and the namespace name label. Defaults such as
// resource requests or probe timings are not.
func Default(obj runtime.Object) {
	defaultAdminPolicy(obj)
	switch o := obj.(type) {
	case *corev1.Namespace:
		defaultNamespace(o)
	case *corev1.Pod:
		defaultPodSpec(&o.Spec)
		if o.Spec.EnableServiceLinks == nil {
			o.Spec.EnableServiceLinks = ptr(corev1.DefaultEnableServiceLinks)
		}
		// A host-network pod listens on the node: the API server sets each
		// hostPort to its containerPort (on Pods only, not templates).
		if o.Spec.HostNetwork {
			defaultHostNetworkPorts(o.Spec.Containers)
			defaultHostNetworkPorts(o.Spec.InitContainers)
		}
	case *corev1.Service:
		defaultService(o)
	case *corev1.ReplicationController:
		if o.Spec.Template != nil {
			// The API server copies the template's labels into an empty
			// selector and into empty object labels.
			if l := o.Spec.Template.Labels; l != nil {
				if len(o.Spec.Selector) == 0 {
					o.Spec.Selector = l
				}
				if len(o.Labels) == 0 {
					o.Labels = l
				}
			}
			defaultPodSpec(&o.Spec.Template.Spec)
		}
		defaultReplicas(&o.Spec.Replicas)
	case *appsv1.Deployment:
		defaultReplicas(&o.Spec.Replicas)
		defaultPodSpec(&o.Spec.Template.Spec)
	case *appsv1.ReplicaSet:
		defaultReplicas(&o.Spec.Replicas)
		defaultPodSpec(&o.Spec.Template.Spec)
	case *appsv1.StatefulSet:
		defaultReplicas(&o.Spec.Replicas)
		defaultPodSpec(&o.Spec.Template.Spec)
	case *appsv1.DaemonSet:
		defaultPodSpec(&o.Spec.Template.Spec)
	case *batchv1.Job:
		defaultJobSpec(&o.Spec)
		if len(o.Labels) == 0 && o.Spec.Template.Labels != nil {
			o.Labels = o.Spec.Template.Labels
		}
	case *batchv1.CronJob:
		if o.Spec.ConcurrencyPolicy == "" {
			o.Spec.ConcurrencyPolicy = batchv1.AllowConcurrent
		}
		if o.Spec.Suspend == nil {
			o.Spec.Suspend = ptr(false)
		}
		if o.Spec.SuccessfulJobsHistoryLimit == nil {
			o.Spec.SuccessfulJobsHistoryLimit = ptr[int32](3)
		}
		if o.Spec.FailedJobsHistoryLimit == nil {
			o.Spec.FailedJobsHistoryLimit = ptr[int32](1)
		}
		// The job template is defaulted when the CronJob creates a Job
		// from it; only the pod spec is defaulted on the CronJob itself.
		defaultPodSpec(&o.Spec.JobTemplate.Spec.Template.Spec)
	case *discoveryv1.EndpointSlice:
		defaultEndpointSlice(o)
	case *networkingv1.NetworkPolicy:
		defaultNetworkPolicy(o)
	case *networkingv1.IngressClass:
		if p := o.Spec.Parameters; p != nil && p.Scope == nil {
			p.Scope = ptr(networkingv1.IngressClassParametersReferenceScopeCluster)
		}
	}
	// Ingress: no defaults in networking.k8s.io/v1; a missing pathType is a
	// validation error. Node: nothing netviz reads is defaulted.
}

func ptr[T any](v T) *T { return &v }

// defaultNamespace sets the kubernetes.io/metadata.name label, which the API
// server keeps equal to the namespace name whatever the manifest says.
func defaultNamespace(ns *corev1.Namespace) {
	if ns.Name == "" {
		return
	}
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	ns.Labels[corev1.LabelMetadataName] = ns.Name
}

func defaultReplicas(p **int32) {
	if *p == nil {
		*p = ptr[int32](1)
	}
}

func defaultJobSpec(spec *batchv1.JobSpec) {
	if spec.Completions == nil && spec.Parallelism == nil {
		spec.Completions = ptr[int32](1)
	}
	if spec.Parallelism == nil {
		spec.Parallelism = ptr[int32](1)
	}
	defaultPodSpec(&spec.Template.Spec)
}

func defaultPodSpec(spec *corev1.PodSpec) {
	if spec.DNSPolicy == "" {
		spec.DNSPolicy = corev1.DNSClusterFirst
	}
	if spec.RestartPolicy == "" {
		spec.RestartPolicy = corev1.RestartPolicyAlways
	}
	if spec.SchedulerName == "" {
		spec.SchedulerName = corev1.DefaultSchedulerName
	}
	defaultContainerPorts(spec.Containers)
	defaultContainerPorts(spec.InitContainers)
}

func defaultContainerPorts(containers []corev1.Container) {
	for i := range containers {
		for j := range containers[i].Ports {
			if containers[i].Ports[j].Protocol == "" {
				containers[i].Ports[j].Protocol = corev1.ProtocolTCP
			}
		}
	}
}

func defaultHostNetworkPorts(containers []corev1.Container) {
	for i := range containers {
		for j := range containers[i].Ports {
			p := &containers[i].Ports[j]
			if p.HostPort == 0 {
				p.HostPort = p.ContainerPort
			}
		}
	}
}

func defaultService(svc *corev1.Service) {
	s := &svc.Spec
	if s.SessionAffinity == "" {
		s.SessionAffinity = corev1.ServiceAffinityNone
	}
	if s.SessionAffinity == corev1.ServiceAffinityNone {
		s.SessionAffinityConfig = nil
	}
	if s.SessionAffinity == corev1.ServiceAffinityClientIP {
		if c := s.SessionAffinityConfig; c == nil || c.ClientIP == nil || c.ClientIP.TimeoutSeconds == nil {
			s.SessionAffinityConfig = &corev1.SessionAffinityConfig{
				ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr(corev1.DefaultClientIPServiceAffinitySeconds)},
			}
		}
	}
	if s.Type == "" {
		s.Type = corev1.ServiceTypeClusterIP
	}
	for i := range s.Ports {
		p := &s.Ports[i]
		if p.Protocol == "" {
			p.Protocol = corev1.ProtocolTCP
		}
		if p.TargetPort == intstr.FromInt32(0) || p.TargetPort == intstr.FromString("") {
			p.TargetPort = intstr.FromInt32(p.Port)
		}
	}
	if externallyAccessible(svc) && s.ExternalTrafficPolicy == "" {
		s.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
	}
	if s.InternalTrafficPolicy == nil {
		switch s.Type {
		case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer:
			s.InternalTrafficPolicy = ptr(corev1.ServiceInternalTrafficPolicyCluster)
		}
	}
	if s.Type == corev1.ServiceTypeLoadBalancer && s.AllocateLoadBalancerNodePorts == nil {
		s.AllocateLoadBalancerNodePorts = ptr(true)
	}
}

// externallyAccessible mirrors the API server's test for Services that
// receive traffic from outside the cluster.
func externallyAccessible(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeLoadBalancer ||
		svc.Spec.Type == corev1.ServiceTypeNodePort ||
		(svc.Spec.Type == corev1.ServiceTypeClusterIP && len(svc.Spec.ExternalIPs) > 0)
}

func defaultEndpointSlice(es *discoveryv1.EndpointSlice) {
	for i := range es.Ports {
		p := &es.Ports[i]
		if p.Name == nil {
			p.Name = ptr("")
		}
		if p.Protocol == nil {
			p.Protocol = ptr(corev1.ProtocolTCP)
		}
	}
	// The API server leaves unset conditions nil, meaning "unknown", and the
	// API documents how consumers must read them: ready and serving as
	// true, terminating as false. netviz settles that here once, so the
	// graph never meets a nil condition. A terminating endpoint is never
	// ready unless it says so.
	for i := range es.Endpoints {
		c := &es.Endpoints[i].Conditions
		if c.Terminating == nil {
			c.Terminating = ptr(false)
		}
		if c.Ready == nil {
			c.Ready = ptr(!*c.Terminating)
		}
		if c.Serving == nil {
			c.Serving = ptr(true)
		}
	}
}

func defaultNetworkPolicy(np *networkingv1.NetworkPolicy) {
	s := &np.Spec
	// An empty list means the same as an absent one everywhere in a
	// NetworkPolicy spec, and the API server does not keep empty lists
	// (they are omitted when stored). Normalise to nil so that
	// `ingress: []` and no `ingress` at all look identical downstream.
	if len(s.Ingress) == 0 {
		s.Ingress = nil
	}
	if len(s.Egress) == 0 {
		s.Egress = nil
	}
	for i := range s.Ingress {
		r := &s.Ingress[i]
		r.Ports = defaultPolicyPorts(r.Ports)
		r.From = normalisePeers(r.From)
	}
	for i := range s.Egress {
		r := &s.Egress[i]
		r.Ports = defaultPolicyPorts(r.Ports)
		r.To = normalisePeers(r.To)
	}
	if len(s.PolicyTypes) == 0 {
		// Any policy that does not specify policyTypes applies to ingress,
		// and to egress only if it has egress rules. `egress: []` has none.
		s.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		if len(s.Egress) != 0 {
			s.PolicyTypes = append(s.PolicyTypes, networkingv1.PolicyTypeEgress)
		}
	}
}

func defaultPolicyPorts(ports []networkingv1.NetworkPolicyPort) []networkingv1.NetworkPolicyPort {
	if len(ports) == 0 {
		return nil
	}
	for i := range ports {
		if ports[i].Protocol == nil {
			ports[i].Protocol = ptr(corev1.ProtocolTCP)
		}
	}
	return ports
}

func normalisePeers(peers []networkingv1.NetworkPolicyPeer) []networkingv1.NetworkPolicyPeer {
	if len(peers) == 0 {
		return nil
	}
	for i := range peers {
		if b := peers[i].IPBlock; b != nil && len(b.Except) == 0 {
			b.Except = nil
		}
	}
	return peers
}
