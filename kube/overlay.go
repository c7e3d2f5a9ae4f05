package kube

import (
	"fmt"
	"io"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

// Change operations an overlay records.
const (
	ChangeAdded    = "added"
	ChangeReplaced = "replaced"
	ChangeRemoved  = "removed"
)

// Change is one object a what-if overlay added, replaced or removed.
type Change struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	// Op is ChangeAdded, ChangeReplaced or ChangeRemoved.
	Op string `json:"op"`
}

// String renders the change as "replaced NetworkPolicy shop/allow-dns".
func (c Change) String() string {
	return c.Op + " " + c.Kind + " " + objectName(c.Namespace, c.Name)
}

// ObjectRef names one object: KIND/NAMESPACE/NAME, or KIND/NAME for a
// cluster-scoped kind.
type ObjectRef struct {
	Kind      string
	Namespace string
	Name      string
}

// String renders the reference as ParseObjectRef reads it.
func (r ObjectRef) String() string {
	if r.Namespace == "" {
		return r.Kind + "/" + r.Name
	}
	return r.Kind + "/" + r.Namespace + "/" + r.Name
}

// kindAliases maps what users type (kubectl's resource names, plurals and
// short names, in any case) to the kinds netviz reads.
var kindAliases = func() map[string]string {
	m := map[string]string{}
	for gk := range readKinds {
		k := strings.ToLower(gk.Kind)
		m[k] = gk.Kind
		switch {
		case strings.HasSuffix(k, "s"):
			m[k+"es"] = gk.Kind
		case strings.HasSuffix(k, "y"):
			m[strings.TrimSuffix(k, "y")+"ies"] = gk.Kind
		default:
			m[k+"s"] = gk.Kind
		}
	}
	for short, kind := range map[string]string{
		"ns": "Namespace", "no": "Node", "po": "Pod", "svc": "Service", "rc": "ReplicationController",
		"deploy": "Deployment", "rs": "ReplicaSet", "sts": "StatefulSet", "ds": "DaemonSet",
		"cj": "CronJob", "ing": "Ingress", "netpol": "NetworkPolicy", "anp": "AdminNetworkPolicy",
		"banp": "BaselineAdminNetworkPolicy",
	} {
		if _, ok := m[strings.ToLower(kind)]; ok {
			m[short] = kind
		}
	}
	return m
}()

// namespacedKind reports whether kind (as netviz names it) lives in a
// namespace.
func namespacedKind(kind string) bool {
	for gk, info := range readKinds {
		if gk.Kind == kind {
			return info.namespaced
		}
	}
	return true
}

// ParseObjectRef reads KIND/NAMESPACE/NAME (KIND/NAME for cluster-scoped
// kinds). KIND is a kind netviz reads, or one of kubectl's names for it
// (networkpolicy, netpol, deploy, svc, …), in any case.
func ParseObjectRef(s string) (ObjectRef, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return ObjectRef{}, fmt.Errorf("%q: want KIND/NAMESPACE/NAME, or KIND/NAME for a cluster-scoped kind", s)
	}
	for _, p := range parts {
		if p == "" {
			return ObjectRef{}, fmt.Errorf("%q: want KIND/NAMESPACE/NAME, or KIND/NAME for a cluster-scoped kind", s)
		}
	}
	kind, ok := kindAliases[strings.ToLower(parts[0])]
	if !ok {
		return ObjectRef{}, fmt.Errorf("%q: netviz does not read the kind %s", s, parts[0])
	}
	namespaced := namespacedKind(kind)
	switch {
	case namespaced && len(parts) == 2:
		return ObjectRef{}, fmt.Errorf("%q: %s is namespaced: want %s/NAMESPACE/NAME", s, kind, kind)
	case !namespaced && len(parts) == 3:
		return ObjectRef{}, fmt.Errorf("%q: %s is cluster-scoped: want %s/NAME", s, kind, kind)
	case namespaced:
		return ObjectRef{Kind: kind, Namespace: parts[1], Name: parts[2]}, nil
	}
	return ObjectRef{Kind: kind, Name: parts[1]}, nil
}

// Overlay is a what-if: objects to lay over a cluster (a same-named
// object is replaced, a new one added) and objects to take out of it. It
// is read once and can be applied to any number of snapshots, such as
// each update of a live cluster. Applying it never writes anywhere.
type Overlay struct {
	objects *Cluster
	without []ObjectRef
	// Warnings are remarks about the overlay's own input (duplicates
	// within it, skipped kinds).
	Warnings []string
}

// ReadOverlay reads the objects of every path in with (a file, a
// directory, or "-" for stdin) with the same reader, defaults and
// validation as Load, and parses every KIND/NAMESPACE/NAME in without. The
// errors are *LoadError values for the files and plain errors for
// without; an object with errors is left out of the overlay.
func ReadOverlay(with, without []string, stdin io.Reader) (*Overlay, []error) {
	o := &Overlay{objects: &Cluster{}}
	d := newDecoder(o.objects)
	var errs []error
	for _, p := range with {
		errs = append(errs, d.loadPath(p, stdin)...)
	}
	d.flush()
	o.Warnings = o.objects.Warnings
	o.objects.Warnings = nil
	seen := map[ObjectRef]bool{}
	for _, s := range without {
		ref, err := ParseObjectRef(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("--without %w", err))
			continue
		}
		if !seen[ref] {
			seen[ref] = true
			o.without = append(o.without, ref)
		}
	}
	return o, errs
}

// NewOverlay makes an overlay from typed objects (for example suggested
// NetworkPolicies), defaulted and validated as Load would. The objects are
// not modified.
func NewOverlay(objects []runtime.Object, without []ObjectRef) (*Overlay, []error) {
	o := &Overlay{objects: &Cluster{}, without: without}
	d := newDecoder(o.objects)
	var errs []error
	for i, obj := range objects {
		obj = obj.DeepCopyObject()
		src := source{file: "overlay", doc: i + 1}
		Default(obj)
		bad := false
		for _, e := range Validate(obj) {
			e.File, e.Doc = src.file, src.doc
			errs = append(errs, e)
			bad = true
		}
		if !bad {
			d.add(src, obj)
		}
	}
	o.Warnings = o.objects.Warnings
	o.objects.Warnings = nil
	return o, errs
}

// Empty reports whether the overlay changes nothing.
func (o *Overlay) Empty() bool {
	if o == nil {
		return true
	}
	c := o.objects
	return len(o.without) == 0 && len(c.Namespaces)+len(c.Nodes)+len(c.Pods)+len(c.Workloads)+len(c.Services)+
		len(c.EndpointSlices)+len(c.Ingresses)+len(c.IngressClasses)+len(c.NetworkPolicies)+
		len(c.AdminNetworkPolicies)+len(c.BaselineAdminNetworkPolicies) == 0
}

// Apply returns a new Cluster: base with the overlay's objects laid over
// it and its removals taken out, finished (see Finish) and with Overlay
// listing what changed. base is not modified. Removing a Namespace removes
// everything in it, removing a workload removes the pods it controls, and
// removing a Service removes its EndpointSlices, as the API server's
// garbage collector would. A removal that names no object is an error; so
// is an object both given and removed.
func (o *Overlay) Apply(base *Cluster) (*Cluster, error) {
	c := base.clone()
	if o == nil {
		return c, nil
	}
	given := map[ObjectRef]bool{}
	for _, k := range o.objects.keys() {
		given[ObjectRef{Kind: k.kind, Namespace: k.namespace, Name: k.name}] = true
	}
	var changes []Change
	for _, ref := range o.without {
		if given[ref] {
			return nil, fmt.Errorf("--without %s: the object is also in --with; give it in one of them", ref)
		}
		removed := c.remove(ref)
		if len(removed) == 0 {
			return nil, fmt.Errorf("--without %s: %s", ref, c.missing(ref))
		}
		changes = append(changes, removed...)
	}
	changes = append(changes, c.merge(o.objects)...)
	var addedWorkloads []*Workload
	for _, ch := range changes {
		if ch.Op != ChangeRemoved && isWorkloadKind(ch.Kind) {
			addedWorkloads = append(addedWorkloads, &Workload{Kind: ch.Kind, Namespace: ch.Namespace, Name: ch.Name})
		}
	}
	c.Finish()
	kept := map[workloadKey]bool{}
	for _, w := range c.Workloads {
		kept[workloadKey{w.Kind, w.Namespace, w.Name}] = true
	}
	for _, w := range addedWorkloads {
		if !kept[workloadKey{w.Kind, w.Namespace, w.Name}] {
			c.Warnings = append(c.Warnings, fmt.Sprintf("overlay: %s %s/%s has pods in the cluster, and those pods (their own labels and ports) stand for it: change the pods to see a change in its template", w.Kind, w.Namespace, w.Name))
		}
	}
	for _, w := range o.Warnings {
		c.Warnings = append(c.Warnings, "overlay: "+w)
	}
	sort.SliceStable(changes, func(i, j int) bool {
		a, b := changes[i], changes[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Name < b.Name
	})
	c.Overlay = changes
	return c, nil
}

func isWorkloadKind(kind string) bool {
	for _, k := range WorkloadKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// clone copies the lists of c, so that they can change without changing
// c; the objects are shared, except Namespaces, which Finish touches.
func (c *Cluster) clone() *Cluster {
	out := *c
	out.Namespaces = make([]*corev1.Namespace, len(c.Namespaces))
	for i, ns := range c.Namespaces {
		out.Namespaces[i] = ns.DeepCopy()
	}
	out.Pods = append([]*corev1.Pod(nil), c.Pods...)
	out.Workloads = append([]*Workload(nil), c.Workloads...)
	out.Services = append([]*corev1.Service(nil), c.Services...)
	out.EndpointSlices = append([]*discoveryv1.EndpointSlice(nil), c.EndpointSlices...)
	out.Ingresses = append(out.Ingresses[:0:0], c.Ingresses...)
	out.IngressClasses = append(out.IngressClasses[:0:0], c.IngressClasses...)
	out.NetworkPolicies = append(out.NetworkPolicies[:0:0], c.NetworkPolicies...)
	out.Nodes = append(out.Nodes[:0:0], c.Nodes...)
	out.AdminNetworkPolicies = append(out.AdminNetworkPolicies[:0:0], c.AdminNetworkPolicies...)
	out.BaselineAdminNetworkPolicies = append(out.BaselineAdminNetworkPolicies[:0:0], c.BaselineAdminNetworkPolicies...)
	out.Gaps = append([]Gap(nil), c.Gaps...)
	out.Warnings = append([]string(nil), c.Warnings...)
	out.Overlay = append([]Change(nil), c.Overlay...)
	return &out
}

// keys lists every object of c.
func (c *Cluster) keys() []objectKey {
	var out []objectKey
	c.each(func(kind, ns, name string) { out = append(out, objectKey{kind, ns, name}) })
	return out
}

// each calls fn for every object of c.
func (c *Cluster) each(fn func(kind, ns, name string)) {
	for _, o := range c.Namespaces {
		fn("Namespace", "", o.Name)
	}
	for _, o := range c.Nodes {
		fn("Node", "", o.Name)
	}
	for _, o := range c.Pods {
		fn("Pod", o.Namespace, o.Name)
	}
	for _, o := range c.Workloads {
		fn(o.Kind, o.Namespace, o.Name)
	}
	for _, o := range c.Services {
		fn("Service", o.Namespace, o.Name)
	}
	for _, o := range c.EndpointSlices {
		fn("EndpointSlice", o.Namespace, o.Name)
	}
	for _, o := range c.Ingresses {
		fn("Ingress", o.Namespace, o.Name)
	}
	for _, o := range c.IngressClasses {
		fn("IngressClass", "", o.Name)
	}
	for _, o := range c.NetworkPolicies {
		fn("NetworkPolicy", o.Namespace, o.Name)
	}
	for _, o := range c.AdminNetworkPolicies {
		fn("AdminNetworkPolicy", "", o.Name)
	}
	for _, o := range c.BaselineAdminNetworkPolicies {
		fn("BaselineAdminNetworkPolicy", "", o.Name)
	}
}

// merge lays the objects of over onto c and returns what changed. An
// object equal to the one it replaces (apart from what the API server
// sets: uid, resourceVersion, timestamps, managed fields) is no change.
func (c *Cluster) merge(over *Cluster) []Change {
	var ch []Change
	mergeList(&ch, &c.Namespaces, over.Namespaces, func(o *corev1.Namespace) objectKey { return objectKey{"Namespace", "", o.Name} }, sameObject)
	mergeList(&ch, &c.Nodes, over.Nodes, func(o *corev1.Node) objectKey { return objectKey{"Node", "", o.Name} }, sameObject)
	mergeList(&ch, &c.Pods, over.Pods, func(o *corev1.Pod) objectKey { return objectKey{"Pod", o.Namespace, o.Name} }, sameObject)
	mergeList(&ch, &c.Workloads, over.Workloads, func(o *Workload) objectKey { return objectKey{o.Kind, o.Namespace, o.Name} }, sameWorkload)
	mergeList(&ch, &c.Services, over.Services, func(o *corev1.Service) objectKey { return objectKey{"Service", o.Namespace, o.Name} }, sameObject)
	mergeList(&ch, &c.EndpointSlices, over.EndpointSlices, func(o *discoveryv1.EndpointSlice) objectKey {
		return objectKey{"EndpointSlice", o.Namespace, o.Name}
	}, sameObject)
	mergeList(&ch, &c.Ingresses, over.Ingresses, func(o *networkingv1.Ingress) objectKey { return objectKey{"Ingress", o.Namespace, o.Name} }, sameObject)
	mergeList(&ch, &c.IngressClasses, over.IngressClasses, func(o *networkingv1.IngressClass) objectKey { return objectKey{"IngressClass", "", o.Name} }, sameObject)
	mergeList(&ch, &c.NetworkPolicies, over.NetworkPolicies, func(o *networkingv1.NetworkPolicy) objectKey {
		return objectKey{"NetworkPolicy", o.Namespace, o.Name}
	}, sameObject)
	mergeList(&ch, &c.AdminNetworkPolicies, over.AdminNetworkPolicies, func(o *anpv1alpha1.AdminNetworkPolicy) objectKey {
		return objectKey{"AdminNetworkPolicy", "", o.Name}
	}, sameObject)
	mergeList(&ch, &c.BaselineAdminNetworkPolicies, over.BaselineAdminNetworkPolicies, func(o *anpv1alpha1.BaselineAdminNetworkPolicy) objectKey {
		return objectKey{"BaselineAdminNetworkPolicy", "", o.Name}
	}, sameObject)
	return ch
}

func mergeList[T any](changes *[]Change, list *[]T, over []T, key func(T) objectKey, same func(a, b T) bool) {
	if len(over) == 0 {
		return
	}
	index := make(map[objectKey]int, len(*list))
	for i, o := range *list {
		index[key(o)] = i
	}
	for _, o := range over {
		k := key(o)
		if i, ok := index[k]; ok {
			if !same((*list)[i], o) {
				*changes = append(*changes, Change{Kind: k.kind, Namespace: k.namespace, Name: k.name, Op: ChangeReplaced})
			}
			(*list)[i] = o
			continue
		}
		*list = append(*list, o)
		index[k] = len(*list) - 1
		*changes = append(*changes, Change{Kind: k.kind, Namespace: k.namespace, Name: k.name, Op: ChangeAdded})
	}
}

// serverSetAnnotations are annotations tools set that say nothing about
// traffic.
var serverSetAnnotations = []string{"kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision"}

// sameObject compares two objects of one kind, leaving out what the API
// server sets on its own.
func sameObject[T runtime.Object](a, b T) bool {
	na, nb := a.DeepCopyObject(), b.DeepCopyObject()
	for _, o := range []runtime.Object{na, nb} {
		m, err := meta.Accessor(o)
		if err != nil {
			return false
		}
		m.SetUID("")
		m.SetResourceVersion("")
		m.SetGeneration(0)
		m.SetCreationTimestamp(metav1.Time{})
		m.SetManagedFields(nil)
		if ann := m.GetAnnotations(); len(ann) > 0 {
			for _, k := range serverSetAnnotations {
				delete(ann, k)
			}
			if len(ann) == 0 {
				m.SetAnnotations(nil)
			}
		}
	}
	return equality.Semantic.DeepEqual(na, nb)
}

func sameWorkload(a, b *Workload) bool {
	return a.Kind == b.Kind && a.Replicas == b.Replicas && a.ServiceName == b.ServiceName &&
		equality.Semantic.DeepEqual(a.Labels, b.Labels) && equality.Semantic.DeepEqual(a.Template, b.Template)
}

// remove takes the object ref names out of c, with what the garbage
// collector would take with it, and returns what was removed.
func (c *Cluster) remove(ref ObjectRef) []Change {
	var out []Change
	gone := func(kind, ns, name string) {
		out = append(out, Change{Kind: kind, Namespace: ns, Name: name, Op: ChangeRemoved})
	}
	match := func(kind, ns, name string) bool {
		return kind == ref.Kind && ns == ref.Namespace && name == ref.Name
	}
	switch ref.Kind {
	case "Namespace":
		if !removeFrom(&c.Namespaces, func(o *corev1.Namespace) bool { return o.Name == ref.Name }) {
			return nil
		}
		gone("Namespace", "", ref.Name)
		in := func(ns string) bool { return ns == ref.Name }
		c.removeWhere(func(kind, ns, name string) bool { return in(ns) }, gone)
	case "Pod", "Service", "EndpointSlice", "Ingress", "NetworkPolicy", "Node", "IngressClass",
		"AdminNetworkPolicy", "BaselineAdminNetworkPolicy":
		c.removeWhere(match, gone)
		if len(out) > 0 && ref.Kind == "Service" {
			removeFromLogged(&c.EndpointSlices, func(o *discoveryv1.EndpointSlice) bool {
				return o.Namespace == ref.Namespace && o.Labels[discoveryv1.LabelServiceName] == ref.Name
			}, func(o *discoveryv1.EndpointSlice) { gone("EndpointSlice", o.Namespace, o.Name) })
		}
	default: // a workload kind
		found := removeFrom(&c.Workloads, func(w *Workload) bool { return match(w.Kind, w.Namespace, w.Name) })
		pods := removeFromLogged(&c.Pods, func(p *corev1.Pod) bool {
			return p.Namespace == ref.Namespace && controlledBy(p, ref.Kind, ref.Name)
		}, func(p *corev1.Pod) { gone("Pod", p.Namespace, p.Name) })
		if !found && !pods {
			return nil
		}
		// The workload first, then its pods.
		out = append([]Change{{Kind: ref.Kind, Namespace: ref.Namespace, Name: ref.Name, Op: ChangeRemoved}}, out...)
	}
	return out
}

// removeWhere removes every namespaced or cluster-scoped object (other
// than Namespaces) that drop selects.
func (c *Cluster) removeWhere(drop func(kind, ns, name string) bool, gone func(kind, ns, name string)) {
	log := func(kind, ns, name string) bool {
		if drop(kind, ns, name) {
			gone(kind, ns, name)
			return true
		}
		return false
	}
	removeFrom(&c.Nodes, func(o *corev1.Node) bool { return log("Node", "", o.Name) })
	removeFrom(&c.Pods, func(o *corev1.Pod) bool { return log("Pod", o.Namespace, o.Name) })
	removeFrom(&c.Workloads, func(o *Workload) bool { return log(o.Kind, o.Namespace, o.Name) })
	removeFrom(&c.Services, func(o *corev1.Service) bool { return log("Service", o.Namespace, o.Name) })
	removeFrom(&c.EndpointSlices, func(o *discoveryv1.EndpointSlice) bool { return log("EndpointSlice", o.Namespace, o.Name) })
	removeFrom(&c.Ingresses, func(o *networkingv1.Ingress) bool { return log("Ingress", o.Namespace, o.Name) })
	removeFrom(&c.IngressClasses, func(o *networkingv1.IngressClass) bool { return log("IngressClass", "", o.Name) })
	removeFrom(&c.NetworkPolicies, func(o *networkingv1.NetworkPolicy) bool { return log("NetworkPolicy", o.Namespace, o.Name) })
	removeFrom(&c.AdminNetworkPolicies, func(o *anpv1alpha1.AdminNetworkPolicy) bool { return log("AdminNetworkPolicy", "", o.Name) })
	removeFrom(&c.BaselineAdminNetworkPolicies, func(o *anpv1alpha1.BaselineAdminNetworkPolicy) bool {
		return log("BaselineAdminNetworkPolicy", "", o.Name)
	})
}

// removeFrom drops the elements drop selects, keeping the order of the
// rest, and reports whether any was dropped.
func removeFrom[T any](list *[]T, drop func(T) bool) bool {
	return removeFromLogged(list, drop, func(T) {})
}

func removeFromLogged[T any](list *[]T, drop func(T) bool, logged func(T)) bool {
	kept := (*list)[:0]
	dropped := false
	for _, o := range *list {
		if drop(o) {
			logged(o)
			dropped = true
			continue
		}
		kept = append(kept, o)
	}
	clear((*list)[len(kept):])
	*list = kept
	return dropped
}

// controlledBy reports whether pod p is run by the workload kind/name: as
// its controller, or through the ReplicaSet a Deployment makes
// (<deployment>-<pod-template-hash>) or the Job a CronJob makes
// (<cronjob>-<digits>).
func controlledBy(p *corev1.Pod, kind, name string) bool {
	ref := ControllerRef(p.OwnerReferences)
	if ref == nil {
		return false
	}
	switch {
	case ref.Kind == kind && ref.Name == name:
		return true
	case kind == "Deployment" && ref.Kind == "ReplicaSet":
		hash := p.Labels[appsv1.DefaultDeploymentUniqueLabelKey]
		return hash != "" && ref.Name == name+"-"+hash
	case kind == "CronJob" && ref.Kind == "Job":
		rest, ok := strings.CutPrefix(ref.Name, name+"-")
		return ok && allDigits(rest)
	}
	return false
}

// missing explains why ref names nothing: what of that kind there is in
// its namespace, or that the namespace does not exist.
func (c *Cluster) missing(ref ObjectRef) string {
	var names []string
	nsExists := ref.Namespace == ""
	c.each(func(kind, ns, name string) {
		if kind == "Namespace" && name == ref.Namespace {
			nsExists = true
		}
		if kind == ref.Kind && ns == ref.Namespace {
			names = append(names, name)
		}
	})
	if !nsExists {
		return fmt.Sprintf("no such object: there is no namespace %s", ref.Namespace)
	}
	where := ""
	if ref.Namespace != "" {
		where = " in namespace " + ref.Namespace
	}
	if len(names) == 0 {
		return fmt.Sprintf("no such object: there is no %s%s", ref.Kind, where)
	}
	sort.Strings(names)
	const show = 8
	list := strings.Join(names[:min(show, len(names))], ", ")
	if len(names) > show {
		list += fmt.Sprintf(", … (%d in all)", len(names))
	}
	return fmt.Sprintf("no such object; the %s objects%s are: %s", ref.Kind, where, list)
}
