package livetest

import (
	"context"
	"slices"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
	anpclient "sigs.k8s.io/network-policy-api/pkg/client/clientset/versioned"

	"github.com/netviz/netviz/kube"
	"github.com/netviz/netviz/kube/testbed"
)

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// installANPCRDs installs minimal CRDs for the AdminNetworkPolicy tiers,
// waits until they are served, and removes them when the test ends (and
// waits until they are gone, so that later tests see a cluster without
// them).
func installANPCRDs(t *testing.T, cp *testbed.ControlPlane) {
	t.Helper()
	ctx := testContext(t)
	dyn, err := dynamic.NewForConfig(cp.Config())
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"AdminNetworkPolicy", "BaselineAdminNetworkPolicy"} {
		plural := map[string]string{"AdminNetworkPolicy": "adminnetworkpolicies", "BaselineAdminNetworkPolicy": "baselineadminnetworkpolicies"}[kind]
		name := plural + ".policy.networking.k8s.io"
		crd := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "apiextensions.k8s.io/v1",
			"kind":       "CustomResourceDefinition",
			"metadata": map[string]any{"name": name, "annotations": map[string]any{
				// *.k8s.io groups are protected; the real CRDs carry this.
				"api-approved.kubernetes.io": "https://github.com/kubernetes-sigs/network-policy-api/pull/30",
			}},
			"spec": map[string]any{
				"group": "policy.networking.k8s.io",
				"scope": "Cluster",
				"names": map[string]any{"plural": plural, "kind": kind, "listKind": kind + "List"},
				"versions": []any{map[string]any{
					"name": "v1alpha1", "served": true, "storage": true,
					"schema": map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
				}},
			},
		}}
		if _, err := dyn.Resource(crdResource).Create(ctx, crd, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create CRD %s: %v", name, err)
		}
		t.Cleanup(func() {
			ctx := context.Background()
			if err := dyn.Resource(crdResource).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
				t.Errorf("delete CRD %s: %v", name, err)
				return
			}
			err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
				_, err := dyn.Resource(crdResource).Get(ctx, name, metav1.GetOptions{})
				return apierrors.IsNotFound(err), nil
			})
			if err != nil {
				t.Errorf("CRD %s not gone: %v", name, err)
			}
		})
	}
	anp := anpClient(t, cp)
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err1 := anp.PolicyV1alpha1().AdminNetworkPolicies().List(ctx, metav1.ListOptions{})
		_, err2 := anp.PolicyV1alpha1().BaselineAdminNetworkPolicies().List(ctx, metav1.ListOptions{})
		return err1 == nil && err2 == nil, nil
	})
	if err != nil {
		t.Fatalf("AdminNetworkPolicy CRDs not served: %v", err)
	}
}

func anpClient(t *testing.T, cp *testbed.ControlPlane) anpclient.Interface {
	t.Helper()
	cs, err := anpclient.NewForConfig(cp.Config())
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestAdminNetworkPolicyTier(t *testing.T) {
	cp := testbed.Require(t)
	ns := cp.Namespace(t, nil)
	node := cp.Node(t, ns).Name
	run(t, cp, node, testbed.NewPod(ns, "a", map[string]string{"app": "a"}))
	run(t, cp, node, testbed.NewPod(ns, "b", map[string]string{"app": "b"}, tcp("http", 80)))

	// Without the CRDs there are no admin policies, and no gap either.
	l := startLive(t, cp.Config(), kube.LiveOptions{})
	if c := synced(t, l); len(c.Gaps) != 0 {
		t.Errorf("gaps without the CRDs: %v", c.Gaps)
	}
	l.Stop()

	installANPCRDs(t, cp)
	l = startLive(t, cp.Config(), kube.LiveOptions{})
	c := synced(t, l)
	if len(c.Gaps) != 0 {
		t.Errorf("gaps for an admin: %v", c.Gaps)
	}
	from, to := ns+"/a", ns+"/b"
	if got := verdict(t, c, from, to, "80"); got != "allowed" {
		t.Fatalf("before the admin policy: %s, want allowed", got)
	}
	anp := &anpv1alpha1.AdminNetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: ns},
		Spec: anpv1alpha1.AdminNetworkPolicySpec{
			Priority: 10,
			Subject:  anpv1alpha1.AdminNetworkPolicySubject{Namespaces: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}},
			Ingress: []anpv1alpha1.AdminNetworkPolicyIngressRule{{
				Name: "deny-all", Action: anpv1alpha1.AdminNetworkPolicyRuleActionDeny,
				From: []anpv1alpha1.AdminNetworkPolicyIngressPeer{{Namespaces: &metav1.LabelSelector{}}},
			}},
		},
	}
	if _, err := anpClient(t, cp).PolicyV1alpha1().AdminNetworkPolicies().Create(testContext(t), anp, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, l, "a → b denied by the admin policy", func(s kube.Snapshot) bool {
		return slices.ContainsFunc(s.Cluster.AdminNetworkPolicies, func(p *anpv1alpha1.AdminNetworkPolicy) bool { return p.Name == ns }) &&
			verdict(t, s.Cluster, from, to, "80") == "denied"
	})

	// A user who may read everything but the admin tiers gets gaps.
	grant(t, cp, testbed.UserNoNetpol, "", readRules(kube.ResourcePods, kube.ResourceNamespaces, kube.ResourceServices,
		kube.ResourceEndpointSlices, kube.ResourceIngresses, kube.ResourceIngressClasses, kube.ResourceNodes, kube.ResourceNetworkPolicies))
	cfg, err := cp.ConfigFor(testbed.UserNoNetpol)
	if err != nil {
		t.Fatal(err)
	}
	lu := startLive(t, cfg, kube.LiveOptions{Namespace: ns})
	cu := synced(t, lu)
	want := []kube.Gap{
		{Resource: kube.ResourceAdminPolicies, Reason: "the user may not list adminnetworkpolicies"},
		{Resource: kube.ResourceBaselinePolicy, Reason: "the user may not list baselineadminnetworkpolicies"},
	}
	if !slices.Equal(cu.Gaps, want) {
		t.Errorf("gaps = %v, want %v", cu.Gaps, want)
	}
}
