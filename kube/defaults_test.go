package kube

import (
	"reflect"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestDefaultPolicyTypes(t *testing.T) {
	ingress := []networkingv1.NetworkPolicyIngressRule{{}}
	egress := []networkingv1.NetworkPolicyEgressRule{{}}
	tests := []struct {
		name string
		spec networkingv1.NetworkPolicySpec
		want []networkingv1.PolicyType
	}{
		{"absent, no rules", networkingv1.NetworkPolicySpec{}, []networkingv1.PolicyType{"Ingress"}},
		{"absent, ingress rules", networkingv1.NetworkPolicySpec{Ingress: ingress}, []networkingv1.PolicyType{"Ingress"}},
		{"absent, egress rules", networkingv1.NetworkPolicySpec{Egress: egress}, []networkingv1.PolicyType{"Ingress", "Egress"}},
		{"absent, egress: []", networkingv1.NetworkPolicySpec{Egress: []networkingv1.NetworkPolicyEgressRule{}}, []networkingv1.PolicyType{"Ingress"}},
		{"empty list is absent", networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{}, Egress: egress}, []networkingv1.PolicyType{"Ingress", "Egress"}},
		{"explicit egress only", networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{"Egress"}, Ingress: ingress}, []networkingv1.PolicyType{"Egress"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			np := &networkingv1.NetworkPolicy{Spec: tt.spec}
			Default(np)
			if !slices.Equal(np.Spec.PolicyTypes, tt.want) {
				t.Errorf("policyTypes = %v, want %v", np.Spec.PolicyTypes, tt.want)
			}
		})
	}
}

func TestDefaultNetworkPolicyEmptyLists(t *testing.T) {
	tcp := corev1.ProtocolTCP
	udp := corev1.ProtocolUDP
	port := intstr.FromInt32(53)
	// Every spelling of "no rules", "all sources" and "all ports" must come
	// out the same.
	empty := &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{
		Ingress: []networkingv1.NetworkPolicyIngressRule{},
		Egress: []networkingv1.NetworkPolicyEgressRule{{
			To:    []networkingv1.NetworkPolicyPeer{},
			Ports: []networkingv1.NetworkPolicyPort{},
		}},
	}}
	absent := &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{
		Egress: []networkingv1.NetworkPolicyEgressRule{{}},
	}}
	Default(empty)
	Default(absent)
	if !reflect.DeepEqual(empty, absent) {
		t.Errorf("empty lists and absent lists differ after Default:\n%#v\n%#v", empty.Spec, absent.Spec)
	}
	if empty.Spec.Ingress != nil || empty.Spec.Egress[0].To != nil || empty.Spec.Egress[0].Ports != nil {
		t.Errorf("empty lists were not normalised to nil: %#v", empty.Spec)
	}

	np := &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{
		Ingress: []networkingv1.NetworkPolicyIngressRule{{
			Ports: []networkingv1.NetworkPolicyPort{{Port: &port}, {Port: &port, Protocol: &udp}},
			From:  []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8", Except: []string{}}}},
		}},
	}}
	Default(np)
	r := np.Spec.Ingress[0]
	if *r.Ports[0].Protocol != tcp || *r.Ports[1].Protocol != udp {
		t.Errorf("port protocols = %s, %s; want TCP (defaulted), UDP (kept)", *r.Ports[0].Protocol, *r.Ports[1].Protocol)
	}
	if r.From[0].IPBlock.Except != nil {
		t.Errorf("except: [] was not normalised to nil")
	}
	// A nil podSelector (not given) and an empty one (all pods) mean
	// different things and must stay apart.
	sel := &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{
		Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}}}},
	}}
	Default(sel)
	if sel.Spec.Ingress[0].From[0].PodSelector == nil {
		t.Errorf("an empty podSelector was dropped")
	}
}

func TestDefaultService(t *testing.T) {
	cluster := corev1.ServiceInternalTrafficPolicyCluster
	tests := []struct {
		name string
		in   corev1.ServiceSpec
		want corev1.ServiceSpec
	}{
		{
			name: "ClusterIP by default, targetPort from port, TCP",
			in:   corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}, {Port: 53, Protocol: "UDP", TargetPort: intstr.FromString("dns")}}},
			want: corev1.ServiceSpec{
				Type:                  corev1.ServiceTypeClusterIP,
				SessionAffinity:       corev1.ServiceAffinityNone,
				InternalTrafficPolicy: &cluster,
				Ports: []corev1.ServicePort{
					{Port: 80, Protocol: "TCP", TargetPort: intstr.FromInt32(80)},
					{Port: 53, Protocol: "UDP", TargetPort: intstr.FromString("dns")},
				},
			},
		},
		{
			name: "NodePort gets externalTrafficPolicy",
			in:   corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}}},
			want: corev1.ServiceSpec{
				Type:                  corev1.ServiceTypeNodePort,
				SessionAffinity:       corev1.ServiceAffinityNone,
				InternalTrafficPolicy: &cluster,
				ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyCluster,
				Ports:                 []corev1.ServicePort{{Port: 80, Protocol: "TCP", TargetPort: intstr.FromInt32(8080)}},
			},
		},
		{
			name: "LoadBalancer keeps Local and gets node ports allocated",
			in:   corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyLocal},
			want: corev1.ServiceSpec{
				Type:                          corev1.ServiceTypeLoadBalancer,
				SessionAffinity:               corev1.ServiceAffinityNone,
				InternalTrafficPolicy:         &cluster,
				ExternalTrafficPolicy:         corev1.ServiceExternalTrafficPolicyLocal,
				AllocateLoadBalancerNodePorts: ptr(true),
			},
		},
		{
			name: "ClusterIP with externalIPs is externally accessible",
			in:   corev1.ServiceSpec{ExternalIPs: []string{"192.0.2.1"}},
			want: corev1.ServiceSpec{
				Type:                  corev1.ServiceTypeClusterIP,
				SessionAffinity:       corev1.ServiceAffinityNone,
				InternalTrafficPolicy: &cluster,
				ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyCluster,
				ExternalIPs:           []string{"192.0.2.1"},
			},
		},
		{
			name: "ExternalName has no traffic policies",
			in:   corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "db.example.com"},
			want: corev1.ServiceSpec{
				Type:            corev1.ServiceTypeExternalName,
				SessionAffinity: corev1.ServiceAffinityNone,
				ExternalName:    "db.example.com",
			},
		},
		{
			name: "ClientIP affinity gets its timeout",
			in:   corev1.ServiceSpec{SessionAffinity: corev1.ServiceAffinityClientIP},
			want: corev1.ServiceSpec{
				Type:                  corev1.ServiceTypeClusterIP,
				SessionAffinity:       corev1.ServiceAffinityClientIP,
				SessionAffinityConfig: &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr[int32](10800)}},
				InternalTrafficPolicy: &cluster,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := &corev1.Service{Spec: tt.in}
			Default(svc)
			if !reflect.DeepEqual(svc.Spec, tt.want) {
				t.Errorf("got  %+v\nwant %+v", svc.Spec, tt.want)
			}
		})
	}
}

func TestDefaultPod(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		HostNetwork:    true,
		InitContainers: []corev1.Container{{Name: "init", Ports: []corev1.ContainerPort{{ContainerPort: 9000}}}},
		Containers: []corev1.Container{{Name: "c", Ports: []corev1.ContainerPort{
			{ContainerPort: 80},
			{ContainerPort: 53, Protocol: corev1.ProtocolUDP},
		}}},
	}}
	Default(pod)
	want := []corev1.ContainerPort{
		{ContainerPort: 80, HostPort: 80, Protocol: corev1.ProtocolTCP},
		{ContainerPort: 53, HostPort: 53, Protocol: corev1.ProtocolUDP},
	}
	if !reflect.DeepEqual(pod.Spec.Containers[0].Ports, want) {
		t.Errorf("ports = %+v, want %+v", pod.Spec.Containers[0].Ports, want)
	}
	if p := pod.Spec.InitContainers[0].Ports[0]; p.Protocol != corev1.ProtocolTCP || p.HostPort != 9000 {
		t.Errorf("init container port = %+v", p)
	}
	if pod.Spec.RestartPolicy != corev1.RestartPolicyAlways || pod.Spec.DNSPolicy != corev1.DNSClusterFirst {
		t.Errorf("restartPolicy %q, dnsPolicy %q", pod.Spec.RestartPolicy, pod.Spec.DNSPolicy)
	}

	// A template's hostPort is set when its pods are made, not before.
	d := &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		HostNetwork: true,
		Containers:  []corev1.Container{{Name: "c", Ports: []corev1.ContainerPort{{ContainerPort: 80}}}},
	}}}}
	Default(d)
	if p := d.Spec.Template.Spec.Containers[0].Ports[0]; p.Protocol != corev1.ProtocolTCP || p.HostPort != 0 {
		t.Errorf("template port = %+v, want TCP and no hostPort", p)
	}
	if *d.Spec.Replicas != 1 {
		t.Errorf("replicas = %d, want 1", *d.Spec.Replicas)
	}
}

func TestDefaultWorkloads(t *testing.T) {
	labels := map[string]string{"app": "x"}
	rc := &corev1.ReplicationController{Spec: corev1.ReplicationControllerSpec{
		Template: &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}},
	}}
	Default(rc)
	if !reflect.DeepEqual(rc.Spec.Selector, labels) || !reflect.DeepEqual(rc.Labels, labels) || *rc.Spec.Replicas != 1 {
		t.Errorf("ReplicationController: selector %v, labels %v, replicas %d", rc.Spec.Selector, rc.Labels, *rc.Spec.Replicas)
	}

	job := &batchv1.Job{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}}}}
	Default(job)
	if *job.Spec.Parallelism != 1 || *job.Spec.Completions != 1 || !reflect.DeepEqual(job.Labels, labels) {
		t.Errorf("Job: parallelism %d, completions %d, labels %v", *job.Spec.Parallelism, *job.Spec.Completions, job.Labels)
	}
	job = &batchv1.Job{Spec: batchv1.JobSpec{Parallelism: ptr[int32](3)}}
	Default(job)
	if *job.Spec.Parallelism != 3 || job.Spec.Completions != nil {
		t.Errorf("Job with parallelism: completions must stay unset, got %v", job.Spec.Completions)
	}

	cj := &batchv1.CronJob{}
	Default(cj)
	if cj.Spec.ConcurrencyPolicy != batchv1.AllowConcurrent || *cj.Spec.Suspend {
		t.Errorf("CronJob: concurrencyPolicy %q suspend %v", cj.Spec.ConcurrencyPolicy, *cj.Spec.Suspend)
	}
}

func TestDefaultEndpointSliceConditions(t *testing.T) {
	tests := []struct {
		name                      string
		in                        discoveryv1.EndpointConditions
		ready, serving, terminate bool
	}{
		{"unknown reads as ready", discoveryv1.EndpointConditions{}, true, true, false},
		{"not ready is kept", discoveryv1.EndpointConditions{Ready: ptr(false)}, false, true, false},
		{"terminating is not ready", discoveryv1.EndpointConditions{Terminating: ptr(true)}, false, true, true},
		{"terminating but serving", discoveryv1.EndpointConditions{Terminating: ptr(true), Serving: ptr(true), Ready: ptr(false)}, false, true, true},
		{"not serving is kept", discoveryv1.EndpointConditions{Serving: ptr(false)}, true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es := &discoveryv1.EndpointSlice{
				Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"10.0.0.1"}, Conditions: tt.in}},
				Ports:     []discoveryv1.EndpointPort{{Port: ptr[int32](80)}},
			}
			Default(es)
			c := es.Endpoints[0].Conditions
			if *c.Ready != tt.ready || *c.Serving != tt.serving || *c.Terminating != tt.terminate {
				t.Errorf("ready %v serving %v terminating %v, want %v %v %v", *c.Ready, *c.Serving, *c.Terminating, tt.ready, tt.serving, tt.terminate)
			}
			if p := es.Ports[0]; *p.Protocol != corev1.ProtocolTCP || *p.Name != "" {
				t.Errorf("port = %+v", p)
			}
		})
	}
}

func TestDefaultNamespaceLabel(t *testing.T) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop", Labels: map[string]string{
		"kubernetes.io/metadata.name": "spoofed",
		"team":                        "web",
	}}}
	Default(ns)
	want := map[string]string{"kubernetes.io/metadata.name": "shop", "team": "web"}
	if !reflect.DeepEqual(ns.Labels, want) {
		t.Errorf("labels = %v, want %v", ns.Labels, want)
	}
}

// TestDefaultIdempotent checks that defaulting an already defaulted object
// (as the live source does with API server objects) changes nothing.
func TestDefaultIdempotent(t *testing.T) {
	c, errs := Load([]string{"testdata/defaults.yaml", "testdata/workloads/all-kinds.yaml", "testdata/multidoc.yaml"}, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var objs []runtime.Object
	for _, o := range c.NetworkPolicies {
		objs = append(objs, o)
	}
	for _, o := range c.Services {
		objs = append(objs, o)
	}
	for _, o := range c.Pods {
		objs = append(objs, o)
	}
	for _, o := range c.EndpointSlices {
		objs = append(objs, o)
	}
	for _, o := range c.Namespaces {
		objs = append(objs, o)
	}
	for _, o := range objs {
		again := o.DeepCopyObject()
		Default(again)
		if !reflect.DeepEqual(o, again) {
			t.Errorf("Default changed an already defaulted %T:\n%+v\n%+v", o, o, again)
		}
	}
}
