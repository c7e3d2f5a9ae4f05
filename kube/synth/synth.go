// Package synth generates realistic synthetic clusters of any size, for
// benchmarks and for property tests: per-namespace default-deny, DNS
// egress, namespace selectors, matchExpressions, named ports, endPort,
// ipBlock with except, Services and Ingresses growing with the pods.
package synth

import (
	"fmt"
	"io"
	"math/rand"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/netviz/netviz/kube"
)

// Options size a generated cluster.
type Options struct {
	Pods int
	Seed int64
}

var tiers = []string{"web", "api", "worker", "db", "cache"}

// Generate builds a cluster of about o.Pods pods, with about 0.3 Services
// and 0.2 NetworkPolicies per pod. The same options give the same cluster.
func Generate(o Options) *kube.Cluster {
	r := rand.New(rand.NewSource(o.Seed))
	c := &kube.Cluster{}
	nsCount := max(2, o.Pods/50)
	teams := []string{"payments", "search", "growth", "platform", "data"}
	pods := 0
	ipOf := func(i int) string { return fmt.Sprintf("10.%d.%d.%d", 64+i/65536, (i/256)%256, i%256) }
	// kube-system with CoreDNS, so DNS egress rules have a target.
	c.Namespaces = append(c.Namespaces, ns("kube-system", map[string]string{"team": "platform"}))
	for i := 0; i < 2; i++ {
		c.Pods = append(c.Pods, pod("kube-system", fmt.Sprintf("coredns-%d", i), map[string]string{"k8s-app": "kube-dns"}, ipOf(pods),
			[]corev1.ContainerPort{{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP}, {Name: "dns-tcp", ContainerPort: 53, Protocol: corev1.ProtocolTCP}}))
		pods++
	}
	for n := 0; n < nsCount && pods < o.Pods; n++ {
		nsName := fmt.Sprintf("ns-%03d", n)
		team := teams[r.Intn(len(teams))]
		env := []string{"prod", "staging"}[r.Intn(2)]
		c.Namespaces = append(c.Namespaces, ns(nsName, map[string]string{"team": team, "env": env}))
		perNS := o.Pods / nsCount
		appCount := max(1, perNS/4)
		var apps []string
		for a := 0; a < appCount && pods < o.Pods; a++ {
			app := fmt.Sprintf("app-%02d", a)
			apps = append(apps, app)
			tier := tiers[r.Intn(len(tiers))]
			replicas := 2 + r.Intn(5)
			for k := 0; k < replicas && pods < o.Pods; k++ {
				labels := map[string]string{"app": app, "tier": tier, "pod-template-hash": fmt.Sprintf("h%d", a)}
				httpPort := int32(8080)
				if k == 0 && r.Intn(4) == 0 {
					labels["track"] = "canary"
					httpPort = 8081 // a named port that maps differently on the canary
				}
				if tier == "db" {
					labels["statefulset.kubernetes.io/pod-name"] = fmt.Sprintf("%s-%d", app, k)
				}
				c.Pods = append(c.Pods, pod(nsName, fmt.Sprintf("%s-%d", app, k), labels, ipOf(pods), []corev1.ContainerPort{
					{Name: "http", ContainerPort: httpPort, Protocol: corev1.ProtocolTCP},
					{Name: "metrics", ContainerPort: 9090, Protocol: corev1.ProtocolTCP},
				}))
				pods++
			}
			c.Services = append(c.Services, service(nsName, app, map[string]string{"app": app}))
			if r.Intn(3) == 0 {
				c.Services = append(c.Services, service(nsName, app+"-metrics", map[string]string{"app": app}))
			}
		}
		c.NetworkPolicies = append(c.NetworkPolicies, namespacePolicies(r, nsName, apps, teams)...)
	}
	c.Finish()
	return c
}

func ns(name string, labels map[string]string) *corev1.Namespace {
	return &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
}

func pod(ns, name string, labels map[string]string, ip string, ports []corev1.ContainerPort) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "app", Ports: ports}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
	}
}

func service(ns, name string, sel map[string]string) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, Selector: sel, Ports: []corev1.ServicePort{
			{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("http")},
		}},
	}
}

func proto(p corev1.Protocol) *corev1.Protocol { return &p }

func npPort(p corev1.Protocol, port intstr.IntOrString, end int32) networkingv1.NetworkPolicyPort {
	np := networkingv1.NetworkPolicyPort{Protocol: proto(p), Port: &port}
	if end > 0 {
		np.EndPort = &end
	}
	return np
}

func policy(ns, name string, sel metav1.LabelSelector, types []networkingv1.PolicyType) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       networkingv1.NetworkPolicySpec{PodSelector: sel, PolicyTypes: types},
	}
}

// namespacePolicies gives one namespace a default deny, DNS egress and
// per-app allows — about 0.2 policies per pod.
func namespacePolicies(r *rand.Rand, nsName string, apps []string, teams []string) []*networkingv1.NetworkPolicy {
	both := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
	var out []*networkingv1.NetworkPolicy
	out = append(out, policy(nsName, "default-deny", metav1.LabelSelector{}, both))
	dns := policy(nsName, "allow-dns", metav1.LabelSelector{}, []networkingv1.PolicyType{networkingv1.PolicyTypeEgress})
	dns.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{
		To: []networkingv1.NetworkPolicyPeer{{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "kube-system"}},
			PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}},
		}},
		Ports: []networkingv1.NetworkPolicyPort{npPort(corev1.ProtocolUDP, intstr.FromInt32(53), 0), npPort(corev1.ProtocolTCP, intstr.FromInt32(53), 0)},
	}}
	out = append(out, dns)
	for i, app := range apps {
		sel := metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}
		switch r.Intn(5) {
		case 0: // same-namespace callers by tier, on the named port
			p := policy(nsName, "allow-"+app+"-from-tiers", sel, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress})
			p.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"web", "api"}},
					{Key: "track", Operator: metav1.LabelSelectorOpDoesNotExist},
				}}}},
				Ports: []networkingv1.NetworkPolicyPort{npPort(corev1.ProtocolTCP, intstr.FromString("http"), 0)},
			}}
			out = append(out, p)
		case 1: // another team's namespaces, on a port range
			p := policy(nsName, "allow-"+app+"-from-team", sel, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress})
			p.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": teams[r.Intn(len(teams))]}}}},
				Ports: []networkingv1.NetworkPolicyPort{npPort(corev1.ProtocolTCP, intstr.FromInt32(8000), 8100)},
			}}
			out = append(out, p)
		case 2: // egress to the internet but not the private range
			p := policy(nsName, "allow-"+app+"-internet", sel, []networkingv1.PolicyType{networkingv1.PolicyTypeEgress})
			p.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{
				To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"10.0.0.0/8", "172.16.0.0/12"}}}},
				Ports: []networkingv1.NetworkPolicyPort{npPort(corev1.ProtocolTCP, intstr.FromInt32(443), 0)},
			}}
			out = append(out, p)
		case 3: // egress to the next app, and ingress from the previous one
			next := apps[(i+1)%len(apps)]
			p := policy(nsName, "allow-"+app+"-to-"+next, sel, both)
			p.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{
				To:    []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": next}}}},
				Ports: []networkingv1.NetworkPolicyPort{npPort(corev1.ProtocolTCP, intstr.FromString("http"), 0)},
			}}
			p.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{{
					NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"staging"}}}},
					PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "web"}},
				}},
			}}
			out = append(out, p)
		default:
			// no policy of its own: only the namespace defaults apply
		}
	}
	return out
}

// WriteYAML writes the cluster as one multi-document YAML stream, the way
// `kubectl get -o yaml` objects would be concatenated.
func WriteYAML(w io.Writer, c *kube.Cluster) error {
	var objs []any
	for _, o := range c.Namespaces {
		objs = append(objs, o)
	}
	for _, o := range c.Pods {
		objs = append(objs, o)
	}
	for _, o := range c.Services {
		objs = append(objs, o)
	}
	for _, o := range c.NetworkPolicies {
		objs = append(objs, o)
	}
	for _, o := range objs {
		b, err := yaml.Marshal(o)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "---\n%s", b); err != nil {
			return err
		}
	}
	return nil
}
