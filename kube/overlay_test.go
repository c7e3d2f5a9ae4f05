package kube

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestParseObjectRef(t *testing.T) {
	cases := []struct {
		in   string
		want ObjectRef
		err  string
	}{
		{in: "NetworkPolicy/shop/default-deny-all", want: ObjectRef{"NetworkPolicy", "shop", "default-deny-all"}},
		{in: "netpol/shop/x", want: ObjectRef{"NetworkPolicy", "shop", "x"}},
		{in: "networkpolicies/shop/x", want: ObjectRef{"NetworkPolicy", "shop", "x"}},
		{in: "deploy/legacy/inventory-sync", want: ObjectRef{"Deployment", "legacy", "inventory-sync"}},
		{in: "svc/shop/cart", want: ObjectRef{"Service", "shop", "cart"}},
		{in: "ingresses/shop/shop", want: ObjectRef{"Ingress", "shop", "shop"}},
		{in: "Namespace/legacy", want: ObjectRef{"Namespace", "", "legacy"}},
		{in: "ns/legacy", want: ObjectRef{"Namespace", "", "legacy"}},
		{in: "ingressclasses/nginx", want: ObjectRef{"IngressClass", "", "nginx"}},
		{in: "NetworkPolicy/x", err: "NetworkPolicy is namespaced"},
		{in: "Namespace/a/b", err: "Namespace is cluster-scoped"},
		{in: "ConfigMap/a/b", err: "does not read the kind ConfigMap"},
		{in: "NetworkPolicy//x", err: "want KIND/NAMESPACE/NAME"},
		{in: "x", err: "want KIND/NAMESPACE/NAME"},
		{in: "a/b/c/d", err: "want KIND/NAMESPACE/NAME"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseObjectRef(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func loadDemo(t *testing.T) *Cluster {
	t.Helper()
	c, errs := LoadDemo()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return c
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// snapshot records what a cluster holds, to prove Apply leaves it alone.
func snapshot(c *Cluster) []string {
	var out []string
	c.each(func(kind, ns, name string) { out = append(out, kind+"/"+ns+"/"+name) })
	for _, ns := range c.Namespaces {
		for k, v := range ns.Labels {
			out = append(out, ns.Name+":"+k+"="+v)
		}
	}
	sort.Strings(out)
	return out
}

const newPolicy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-payments-dns, namespace: shop}
spec:
  podSelector: {matchLabels: {app: payments}}
  policyTypes: [Egress]
  egress:
  - ports: [{port: 53, protocol: UDP}]
`

// changedDNS is the demo's allow-dns-egress with payments added.
const changedDNS = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-dns-egress, namespace: shop}
spec:
  podSelector:
    matchExpressions: [{key: app, operator: In, values: [frontend, cart, checkout, catalog, db, payments]}]
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
`

// sameDefaultDeny is the demo's default-deny-all as a user would keep it
// in git: no uid, resourceVersion or timestamps, policyTypes in another
// order of fields.
const sameDefaultDeny = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-all, namespace: shop}
spec:
  policyTypes: [Ingress, Egress]
  podSelector: {}
`

func TestOverlayApply(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name    string
		with    map[string]string
		without []string
		want    []Change
		err     string
		check   func(t *testing.T, c *Cluster)
	}{{
		name: "replace, add and keep an unchanged copy",
		with: map[string]string{"a.yaml": changedDNS + "---\n" + newPolicy, "b.yaml": sameDefaultDeny},
		want: []Change{
			{"NetworkPolicy", "shop", "allow-dns-egress", ChangeReplaced},
			{"NetworkPolicy", "shop", "allow-payments-dns", ChangeAdded},
		},
		check: func(t *testing.T, c *Cluster) {
			for _, np := range c.NetworkPolicies {
				if np.Name == "allow-dns-egress" && len(np.Spec.PodSelector.MatchExpressions[0].Values) != 6 {
					t.Error("allow-dns-egress was not replaced")
				}
			}
		},
	}, {
		name:    "remove a policy",
		without: []string{"NetworkPolicy/shop/default-deny-all"},
		want:    []Change{{"NetworkPolicy", "shop", "default-deny-all", ChangeRemoved}},
	}, {
		name:    "remove a Deployment whose pods are loaded",
		without: []string{"Deployment/shop/catalog-canary"},
		want: []Change{
			{"Deployment", "shop", "catalog-canary", ChangeRemoved},
			{"Pod", "shop", "catalog-canary-5b8d9c7f6-r7t8v", ChangeRemoved},
		},
	}, {
		name:    "remove a Deployment without pods",
		without: []string{"deploy/legacy/inventory-sync"},
		want:    []Change{{"Deployment", "legacy", "inventory-sync", ChangeRemoved}},
	}, {
		name:    "remove a Service and its EndpointSlices",
		without: []string{"svc/shop/cart"},
		want: []Change{
			{"EndpointSlice", "shop", "cart-m8x5q", ChangeRemoved},
			{"Service", "shop", "cart", ChangeRemoved},
		},
	}, {
		name:    "remove a namespace and everything in it",
		without: []string{"Namespace/legacy"},
		check: func(t *testing.T, c *Cluster) {
			for _, ch := range c.Overlay {
				if ch.Op != ChangeRemoved || (ch.Namespace != "legacy" && ch.Name != "legacy") {
					t.Errorf("unexpected change %v", ch)
				}
			}
			if len(c.Overlay) < 3 {
				t.Errorf("only %d changes: %v", len(c.Overlay), c.Overlay)
			}
			c.each(func(kind, ns, name string) {
				if ns == "legacy" || (kind == "Namespace" && name == "legacy") {
					t.Errorf("%s %s/%s survived", kind, ns, name)
				}
			})
		},
	}, {
		name:    "remove what is not there",
		without: []string{"NetworkPolicy/shop/nope"},
		err:     "--without NetworkPolicy/shop/nope: no such object; the NetworkPolicy objects in namespace shop are: allow-cart-egress,",
	}, {
		name:    "remove from a namespace that is not there",
		without: []string{"NetworkPolicy/nowhere/x"},
		err:     "there is no namespace nowhere",
	}, {
		name:    "give and remove the same object",
		with:    map[string]string{"c.yaml": newPolicy},
		without: []string{"NetworkPolicy/shop/allow-payments-dns"},
		err:     "also in --with",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := loadDemo(t)
			before := snapshot(base)
			var paths []string
			for name, content := range tc.with {
				paths = append(paths, writeFile(t, dir, strings.ReplaceAll(tc.name, " ", "-")+"-"+name, content))
			}
			o, errs := ReadOverlay(paths, tc.without, nil)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			c, err := o.Apply(base)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != nil && !reflect.DeepEqual(c.Overlay, tc.want) {
				t.Errorf("changes %v, want %v", c.Overlay, tc.want)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
			if after := snapshot(base); !reflect.DeepEqual(before, after) {
				t.Error("Apply changed the base cluster")
			}
			if len(base.Overlay) != 0 {
				t.Error("the base cluster records overlay changes")
			}
		})
	}
}

// TestOverlayReusable applies one overlay to two snapshots, as a live
// source would after an update.
func TestOverlayReusable(t *testing.T) {
	o, errs := NewOverlay(nil, []ObjectRef{{Kind: "NetworkPolicy", Namespace: "shop", Name: "default-deny-all"}})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for i := 0; i < 2; i++ {
		c, err := o.Apply(loadDemo(t))
		if err != nil || len(c.Overlay) != 1 {
			t.Fatalf("apply %d: %v, %v", i, c.Overlay, err)
		}
	}
	if o.Empty() {
		t.Error("an overlay with a removal is not empty")
	}
}

// TestOverlayNewNamespace: an object in a namespace the cluster lacks
// brings the namespace with it, labelled as the API server would.
func TestOverlayNewNamespace(t *testing.T) {
	np := &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: "deny", Namespace: "brand-new"},
	}
	o, errs := NewOverlay([]runtime.Object{np}, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	c, err := o.Apply(loadDemo(t))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ns := range c.Namespaces {
		if ns.Name == "brand-new" {
			found = ns.Labels["kubernetes.io/metadata.name"] == "brand-new"
		}
	}
	if !found {
		t.Error("namespace brand-new missing or unlabelled")
	}
	if np.Spec.PolicyTypes != nil {
		t.Error("NewOverlay defaulted the caller's object")
	}
	for _, p := range c.NetworkPolicies {
		if p.Name == "deny" && len(p.Spec.PolicyTypes) != 1 {
			t.Errorf("overlay object not defaulted: %v", p.Spec.PolicyTypes)
		}
	}
}

// TestReadOverlayErrors: --with goes through the same reader as -f, so
// its errors name the file, document and field; --without errors name
// the argument.
func TestReadOverlayErrors(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.yaml", `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad, namespace: shop}
spec:
  podSelector: {}
  ingress:
  - from: [{ipBlock: {cidr: not-a-cidr}}]
`)
	o, errs := ReadOverlay([]string{bad, filepath.Join(dir, "missing.yaml")}, []string{"Secret/shop/x"}, nil)
	if len(errs) != 3 {
		t.Fatalf("want 3 errors, got %v", errs)
	}
	var le *LoadError
	if !errors.As(errs[0], &le) || le.File != bad || le.Field != "spec.ingress[0].from[0].ipBlock.cidr" {
		t.Errorf("first error %v, want a LoadError on the cidr", errs[0])
	}
	if !strings.Contains(errs[1].Error(), "missing.yaml") {
		t.Errorf("second error %v, want the missing file named", errs[1])
	}
	if !strings.Contains(errs[2].Error(), "--without") || !strings.Contains(errs[2].Error(), "Secret") {
		t.Errorf("third error %v, want the --without argument named", errs[2])
	}
	if !o.Empty() {
		t.Error("the bad policy was kept")
	}
	o, errs = ReadOverlay([]string{"-"}, nil, strings.NewReader(newPolicy))
	if len(errs) > 0 || o.Empty() {
		t.Errorf("stdin: %v, empty %v", errs, o.Empty())
	}
}
