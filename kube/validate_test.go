package kube

import (
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func messages(errs []*LoadError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func policyWithPeer(peer networkingv1.NetworkPolicyPeer) *networkingv1.NetworkPolicy {
	np := &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"},
		Spec: networkingv1.NetworkPolicySpec{
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{peer}}},
		},
	}
	Default(np)
	return np
}

func TestValidateIPBlock(t *testing.T) {
	const at = "NetworkPolicy ns/p: spec.ingress[0].from[0].ipBlock."
	tests := []struct {
		name   string
		cidr   string
		except []string
		want   []string
	}{
		{name: "IPv4", cidr: "10.0.0.0/8", except: []string{"10.1.0.0/16", "10.2.3.4/32"}},
		{name: "IPv6", cidr: "2001:db8::/32", except: []string{"2001:db8:1::/48", "2001:db8::1/128"}},
		{name: "all IPv4", cidr: "0.0.0.0/0", except: []string{"169.254.169.254/32"}},
		{name: "all IPv6", cidr: "::/0", except: []string{"fd00::/8"}},
		{name: "sloppy but accepted", cidr: "10.0.0.1/8"},
		{name: "missing cidr", want: []string{at + "cidr: Required value"}},
		{name: "IPv4 garbage", cidr: "10.0.0.0", want: []string{at + `cidr: Invalid value: "10.0.0.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`}},
		{name: "IPv6 garbage", cidr: "2001:db8:::/64", want: []string{at + `cidr: Invalid value: "2001:db8:::/64": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`}},
		{name: "IPv4 except wider", cidr: "10.1.0.0/16", except: []string{"10.0.0.0/8"}, want: []string{at + "except[0]: Invalid value: \"10.0.0.0/8\": must be a strict subset of `cidr`"}},
		{name: "IPv6 except equal", cidr: "2001:db8::/32", except: []string{"2001:db8::/32"}, want: []string{at + "except[0]: Invalid value: \"2001:db8::/32\": must be a strict subset of `cidr`"}},
		{name: "IPv4 except in IPv6 cidr", cidr: "::/0", except: []string{"10.0.0.0/8"}, want: []string{at + "except[0]: Invalid value: \"10.0.0.0/8\": must be a strict subset of `cidr`"}},
		{name: "bad except", cidr: "10.0.0.0/8", except: []string{"10.0.0.0/33"}, want: []string{at + `except[0]: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			np := policyWithPeer(networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: tt.cidr, Except: tt.except}})
			diffLines(t, "errors", messages(Validate(np)), tt.want)
		})
	}
}

func TestValidatePeers(t *testing.T) {
	const at = "NetworkPolicy ns/p: spec.ingress[0].from[0]"
	all := &metav1.LabelSelector{}
	block := &networkingv1.IPBlock{CIDR: "192.0.2.0/24"}
	tests := []struct {
		name string
		peer networkingv1.NetworkPolicyPeer
		want []string
	}{
		{name: "pod selector", peer: networkingv1.NetworkPolicyPeer{PodSelector: all}},
		{name: "namespace selector", peer: networkingv1.NetworkPolicyPeer{NamespaceSelector: all}},
		{name: "both selectors", peer: networkingv1.NetworkPolicyPeer{PodSelector: all, NamespaceSelector: all}},
		{name: "ipBlock", peer: networkingv1.NetworkPolicyPeer{IPBlock: block}},
		{name: "ipBlock and both selectors", peer: networkingv1.NetworkPolicyPeer{IPBlock: block, PodSelector: all, NamespaceSelector: all},
			want: []string{at + ": Forbidden: may not specify both ipBlock and another peer"}},
		{name: "nothing", want: []string{at + ": Required value: must specify a peer"}},
		{name: "bad expression value", peer: networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"a b"}}},
		}}, want: []string{at + `.podSelector.matchExpressions[0].values[0]: Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diffLines(t, "errors", messages(Validate(policyWithPeer(tt.peer))), tt.want)
		})
	}
}

// TestValidateValidObjects checks that well-formed objects of every kind
// pass, so that validation does not reject what the API server accepts.
func TestValidateValidObjects(t *testing.T) {
	tmpl := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "x"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 80}}}}},
	}
	jobTmpl := *tmpl.DeepCopy()
	jobTmpl.Spec.RestartPolicy = corev1.RestartPolicyNever
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}}
	meta := metav1.ObjectMeta{Name: "x", Namespace: "ns", OwnerReferences: []metav1.OwnerReference{
		// No uid, as in hand-written manifests.
		{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "x-1"},
	}}
	prefix := networkingv1.PathTypePrefix
	objs := []runtime.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns"}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1.example"}},
		&corev1.Pod{ObjectMeta: meta, Spec: tmpl.Spec},
		&corev1.Service{ObjectMeta: meta, Spec: corev1.ServiceSpec{ClusterIP: "None"}}, // headless, no ports
		&corev1.Service{ObjectMeta: meta, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "db.example.com."}},
		&corev1.Service{ObjectMeta: meta, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, ClusterIP: "10.96.0.1", ClusterIPs: []string{"10.96.0.1", "fd00::1"},
			Ports: []corev1.ServicePort{{Name: "a", Port: 80, NodePort: 30080}, {Name: "b", Port: 80, Protocol: corev1.ProtocolUDP}}}},
		&corev1.ReplicationController{ObjectMeta: meta, Spec: corev1.ReplicationControllerSpec{Template: tmpl.DeepCopy()}},
		&appsv1.Deployment{ObjectMeta: meta, Spec: appsv1.DeploymentSpec{Selector: sel, Template: tmpl}},
		&appsv1.ReplicaSet{ObjectMeta: meta, Spec: appsv1.ReplicaSetSpec{Selector: sel, Template: tmpl}},
		&appsv1.StatefulSet{ObjectMeta: meta, Spec: appsv1.StatefulSetSpec{Selector: sel, Template: tmpl}},
		&appsv1.DaemonSet{ObjectMeta: meta, Spec: appsv1.DaemonSetSpec{Selector: sel, Template: tmpl}},
		&batchv1.Job{ObjectMeta: meta, Spec: batchv1.JobSpec{Template: jobTmpl}},
		&batchv1.CronJob{ObjectMeta: meta, Spec: batchv1.CronJobSpec{Schedule: "@daily", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: jobTmpl}}}},
		&discoveryv1.EndpointSlice{ObjectMeta: meta, AddressType: discoveryv1.AddressTypeIPv6,
			Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"fd00::5"}}}, Ports: []discoveryv1.EndpointPort{{Port: ptr[int32](80)}}},
		&networkingv1.Ingress{ObjectMeta: meta, Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{
			Host: "*.example.com",
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
				Path: "/api", PathType: &prefix,
				Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "api", Port: networkingv1.ServiceBackendPort{Name: "http"}}},
			}}}},
		}}}},
		&networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "nginx"}, Spec: networkingv1.IngressClassSpec{Controller: "k8s.io/ingress-nginx"}},
		&networkingv1.NetworkPolicy{ObjectMeta: meta},
	}
	for _, o := range objs {
		Default(o)
		if errs := Validate(o); len(errs) > 0 {
			t.Errorf("%T: unexpected errors:\n  %s", o, strings.Join(messages(errs), "\n  "))
		}
	}
}

func TestValidateErrorsCarryTheObject(t *testing.T) {
	np := policyWithPeer(networkingv1.NetworkPolicyPeer{})
	errs := Validate(np)
	if len(errs) != 1 {
		t.Fatalf("got %d errors", len(errs))
	}
	e := errs[0]
	got := []string{e.File, e.Kind, e.Namespace, e.Name, e.Field, e.Msg}
	want := []string{"", "NetworkPolicy", "ns", "p", "spec.ingress[0].from[0]", "Required value: must specify a peer"}
	if !slices.Equal(got, want) || e.Doc != 0 {
		t.Errorf("got %q (doc %d), want %q", got, e.Doc, want)
	}
	if errs := Validate(&corev1.ConfigMap{}); errs != nil {
		t.Errorf("a kind netviz does not read has errors: %v", messages(errs))
	}
}

func TestValidateOther(t *testing.T) {
	exact := networkingv1.PathTypeExact
	odd := networkingv1.PathType("Regex")
	backend := networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}}
	ing := func(path string, pt *networkingv1.PathType, b networkingv1.IngressBackend) *networkingv1.Ingress {
		return &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "i", Namespace: "ns"}, Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{Path: path, PathType: pt, Backend: b}}}},
		}}}}
	}
	tests := []struct {
		name string
		obj  runtime.Object
		want []string
	}{
		{"ingress relative path", ing("api", &exact, backend), []string{`Ingress ns/i: spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path`}},
		{"ingress unknown pathType", ing("/", &odd, backend), []string{`Ingress ns/i: spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"`}},
		{"ingress backend without port", ing("/", &exact, networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web"}}),
			[]string{`Ingress ns/i: spec.rules[0].http.paths[0].backend: Required value: port name or number is required`}},
		{"ingress without rules or backend", &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "i", Namespace: "ns"}},
			[]string{"Ingress ns/i: spec: Invalid value: null: either `defaultBackend` or `rules` must be specified"}},
		{"service needs port names", &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"}, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}, {Port: 81}}}},
			[]string{"Service ns/s: spec.ports[0].name: Required value", "Service ns/s: spec.ports[1].name: Required value"}},
		{"service type", &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"}, Spec: corev1.ServiceSpec{Type: "Internal", ClusterIP: "None"}},
			[]string{`Service ns/s: spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"`}},
		{"service clusterIP", &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"}, Spec: corev1.ServiceSpec{ClusterIP: "10.96.0.300", Ports: []corev1.ServicePort{{Port: 80}}}},
			[]string{`Service ns/s: spec.clusterIP: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`}},
		{"deployment selector must match", &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "ns"}, Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "a"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "b"}}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}},
		}}, []string{"Deployment ns/d: spec.template.metadata.labels: Invalid value: {\"app\":\"b\"}: `selector` does not match template `labels`"}},
		{"job restartPolicy", &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "j", Namespace: "ns"}, Spec: batchv1.JobSpec{
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}},
		}}, []string{`Job ns/j: spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"`}},
		{"endpoint slice address family", &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: "e", Namespace: "ns"}, AddressType: discoveryv1.AddressTypeIPv4,
			Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"fd00::1"}}}},
			[]string{`EndpointSlice ns/e: endpoints[0].addresses: Invalid value: "fd00::1": must be an IPv4 address`}},
		{"pod needs containers", &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}},
			[]string{"Pod ns/p: spec.containers: Required value"}},
		{"duplicate container port names", &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "c", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 80}, {Name: "http", ContainerPort: 81}},
		}}}}, []string{`Pod ns/p: spec.containers[0].ports[1].name: Duplicate value: "http"`}},
		{"ingress class controller", &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Spec: networkingv1.IngressClassSpec{Controller: "nginx"}},
			[]string{`IngressClass c: spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			Default(tt.obj)
			diffLines(t, "errors", messages(Validate(tt.obj)), tt.want)
		})
	}
}
