package kube

import (
	"fmt"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	netutils "k8s.io/utils/net"
)

// Validate returns the API server's validation errors for one defaulted
// object, as LoadErrors naming the object and the field but not the file
// (Load adds that). It checks what the API server checks on create for the
// parts netviz reads — names, labels, selectors, ports, protocols, CIDRs,
// NetworkPolicy peers and policy types, Service and Ingress fields — with
// the API server's own messages. Fields netviz ignores (images, volumes,
// probes, resources, …) are not checked. An unknown kind has no errors.
//
// Call Default first: like the API server, Validate expects defaults (for
// example, a container port without a protocol is an error here).
func Validate(obj runtime.Object) []*LoadError {
	var errs field.ErrorList
	var kind string
	var meta *metav1.ObjectMeta
	switch o := obj.(type) {
	case *corev1.Namespace:
		kind, meta = "Namespace", &o.ObjectMeta
		errs = validateMeta(meta, false, apivalidation.ValidateNamespaceName)
	case *corev1.Node:
		kind, meta = "Node", &o.ObjectMeta
		errs = validateMeta(meta, false, apivalidation.NameIsDNSSubdomain)
	case *corev1.Pod:
		kind, meta = "Pod", &o.ObjectMeta
		errs = validateMeta(meta, true, apivalidation.NameIsDNSSubdomain)
		errs = append(errs, validatePodSpec(&o.Spec, true, field.NewPath("spec"))...)
	case *corev1.Service:
		kind, meta = "Service", &o.ObjectMeta
		errs = validateMeta(meta, true, apivalidation.NameIsDNS1035Label)
		errs = append(errs, validateService(o)...)
	case *corev1.ReplicationController:
		kind, meta = "ReplicationController", &o.ObjectMeta
		errs = validateMeta(meta, true, apivalidation.NameIsDNSSubdomain)
		errs = append(errs, validateReplicationController(&o.Spec, field.NewPath("spec"))...)
	case *appsv1.Deployment:
		kind, meta = "Deployment", &o.ObjectMeta
		errs = validateMeta(meta, true, apivalidation.NameIsDNSSubdomain)
		errs = append(errs, validateController(o.Spec.Selector, &o.Spec.Template, "deployment", field.NewPath("spec"))...)
	case *appsv1.ReplicaSet:
		kind, meta = "ReplicaSet", &o.ObjectMeta
		errs = validateMeta(meta, true, apivalidation.NameIsDNSSubdomain)
		errs = append(errs, validateController(o.Spec.Selector, &o.Spec.Template, "deployment", field.NewPath("spec"))...)
	case *appsv1.StatefulSet:
		kind, meta = "StatefulSet", &o.ObjectMeta
		errs = validateMeta(meta, true, apivalidation.NameIsDNSSubdomain)
		errs = append(errs, validateController(o.Spec.Selector, &o.Spec.Template, "statefulset", field.NewPath("spec"))...)
	case *appsv1.DaemonSet:
		kind, meta = "DaemonSet", &o.ObjectMeta
		errs = validateMeta(meta, true, apivalidation.NameIsDNSSubdomain)
		errs = append(errs, validateController(o.Spec.Selector, &o.Spec.Template, "daemonset", field.NewPath("spec"))...)
	case *batchv1.Job:
		kind, meta = "Job", &o.ObjectMeta
		errs = validateMeta(meta, true, apivalidation.NameIsDNSSubdomain)
		errs = append(errs, validateJobTemplate(&o.Spec.Template, field.NewPath("spec", "template"))...)
	case *batchv1.CronJob:
		kind, meta = "CronJob", &o.ObjectMeta
		errs = validateMeta(meta, true, apivalidation.NameIsDNSSubdomain)
		// The CronJob controller appends an 11-character suffix to name
		// its Jobs, which must still fit in a label value.
		if len(o.Name) > 52 {
			errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), o.Name, "must be no more than 52 characters"))
		}
		if o.Spec.Schedule == "" {
			errs = append(errs, field.Required(field.NewPath("spec", "schedule"), ""))
		}
		errs = append(errs, validateJobTemplate(&o.Spec.JobTemplate.Spec.Template, field.NewPath("spec", "jobTemplate", "spec", "template"))...)
	case *discoveryv1.EndpointSlice:
		kind, meta = "EndpointSlice", &o.ObjectMeta
		errs = validateMeta(meta, true, apivalidation.NameIsDNSSubdomain)
		errs = append(errs, validateEndpointSlice(o)...)
	case *networkingv1.Ingress:
		kind, meta = "Ingress", &o.ObjectMeta
		errs = validateMeta(meta, true, apivalidation.NameIsDNSSubdomain)
		errs = append(errs, validateIngressSpec(&o.Spec, field.NewPath("spec"))...)
	case *networkingv1.IngressClass:
		kind, meta = "IngressClass", &o.ObjectMeta
		errs = validateMeta(meta, false, apivalidation.NameIsDNSSubdomain)
		errs = append(errs, validateIngressClassSpec(&o.Spec, field.NewPath("spec"))...)
	case *networkingv1.NetworkPolicy:
		kind, meta = "NetworkPolicy", &o.ObjectMeta
		errs = validateMeta(meta, true, apivalidation.NameIsDNSSubdomain)
		errs = append(errs, validateNetworkPolicySpec(&o.Spec, field.NewPath("spec"))...)
	case *anpv1alpha1.AdminNetworkPolicy:
		kind, meta = "AdminNetworkPolicy", &o.ObjectMeta
		errs = validateMeta(meta, false, apivalidation.NameIsDNSSubdomain)
		errs = append(errs, validateAdminNetworkPolicy(o)...)
	case *anpv1alpha1.BaselineAdminNetworkPolicy:
		kind, meta = "BaselineAdminNetworkPolicy", &o.ObjectMeta
		errs = validateMeta(meta, false, apivalidation.NameIsDNSSubdomain)
		errs = append(errs, validateBaselineAdminNetworkPolicy(o)...)
	default:
		return nil
	}
	out := make([]*LoadError, 0, len(errs))
	for _, e := range errs {
		out = append(out, &LoadError{
			Kind: kind, Namespace: meta.Namespace, Name: meta.Name,
			Field: e.Field, Msg: e.ErrorBody(),
		})
	}
	return out
}

// validateMeta is the API server's metadata validation on create, except
// that an owner reference may lack its uid: manifests written by hand
// match owners by kind and name, and netviz only reads them that way.
func validateMeta(meta *metav1.ObjectMeta, namespaced bool, nameFn apivalidation.ValidateNameFunc) field.ErrorList {
	if meta.Name == "" && meta.GenerateName != "" {
		return field.ErrorList{field.Required(field.NewPath("metadata", "name"),
			"generateName alone is not enough: the API server makes the name when it creates the object, so a manifest read by netviz needs a name")}
	}
	var out field.ErrorList
	for _, e := range apivalidation.ValidateObjectMeta(meta, namespaced, nameFn, field.NewPath("metadata")) {
		if e.Type == field.ErrorTypeRequired && strings.HasPrefix(e.Field, "metadata.ownerReferences[") && strings.HasSuffix(e.Field, ".uid") {
			continue
		}
		out = append(out, e)
	}
	return out
}

var supportedProtocols = []corev1.Protocol{corev1.ProtocolSCTP, corev1.ProtocolTCP, corev1.ProtocolUDP}

func validateProtocol(p corev1.Protocol, path *field.Path) field.ErrorList {
	switch {
	case p == "":
		return field.ErrorList{field.Required(path, "")}
	case !slices.Contains(supportedProtocols, p):
		return field.ErrorList{field.NotSupported(path, p, supportedProtocols)}
	}
	return nil
}

func validateDNS1123Label(value string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(value) {
		errs = append(errs, field.Invalid(path, value, msg))
	}
	return errs
}

func validatePortNum(port int32, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsValidPortNum(int(port)) {
		errs = append(errs, field.Invalid(path, port, msg))
	}
	return errs
}

func validatePortName(name string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsValidPortName(name) {
		errs = append(errs, field.Invalid(path, name, msg))
	}
	return errs
}

func validatePortNumOrName(port intstr.IntOrString, path *field.Path) field.ErrorList {
	if port.Type == intstr.String {
		return validatePortName(port.StrVal, path)
	}
	return validatePortNum(port.IntVal, path)
}

// validateSelector checks a label selector the way the API server does and
// then converts it, as netviz will, so no selector that cannot be evaluated
// gets through.
func validateSelector(sel *metav1.LabelSelector, path *field.Path) field.ErrorList {
	errs := metavalidation.ValidateLabelSelector(sel, metavalidation.LabelSelectorValidationOptions{}, path)
	if len(errs) == 0 {
		if _, err := metav1.LabelSelectorAsSelector(sel); err != nil {
			errs = append(errs, field.Invalid(path, sel, err.Error()))
		}
	}
	return errs
}

// validatePodSpec checks a pod's containers and their ports. isPod is false
// for pod templates, where a host-network hostPort may still be unset.
func validatePodSpec(spec *corev1.PodSpec, isPod bool, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	if len(spec.Containers) == 0 {
		errs = append(errs, field.Required(path.Child("containers"), ""))
	}
	for i := range spec.Containers {
		p := path.Child("containers").Index(i)
		errs = append(errs, validateContainer(&spec.Containers[i], p)...)
		if names.Has(spec.Containers[i].Name) {
			errs = append(errs, field.Duplicate(p.Child("name"), spec.Containers[i].Name))
		} else {
			names.Insert(spec.Containers[i].Name)
		}
	}
	for i := range spec.InitContainers {
		p := path.Child("initContainers").Index(i)
		errs = append(errs, validateContainer(&spec.InitContainers[i], p)...)
		if names.Has(spec.InitContainers[i].Name) {
			errs = append(errs, field.Duplicate(p.Child("name"), spec.InitContainers[i].Name))
		} else if spec.InitContainers[i].Name != "" {
			names.Insert(spec.InitContainers[i].Name)
		}
	}
	if spec.HostNetwork {
		for i, c := range spec.Containers {
			for j, port := range c.Ports {
				if (isPod || port.HostPort != 0) && port.HostPort != port.ContainerPort {
					errs = append(errs, field.Invalid(path.Child("containers").Index(i).Child("ports").Index(j).Child("hostPort"),
						port.HostPort, "must match `containerPort` when `hostNetwork` is true"))
				}
			}
		}
	}
	switch spec.RestartPolicy {
	case corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever:
	case "":
		errs = append(errs, field.Required(path.Child("restartPolicy"), ""))
	default:
		errs = append(errs, field.NotSupported(path.Child("restartPolicy"), spec.RestartPolicy,
			[]corev1.RestartPolicy{corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever}))
	}
	return errs
}

func validateContainer(c *corev1.Container, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if c.Name == "" {
		errs = append(errs, field.Required(path.Child("name"), ""))
	} else {
		errs = append(errs, validateDNS1123Label(c.Name, path.Child("name"))...)
	}
	names := sets.New[string]()
	for i, port := range c.Ports {
		p := path.Child("ports").Index(i)
		if port.Name != "" {
			if msgs := validation.IsValidPortName(port.Name); len(msgs) != 0 {
				for _, msg := range msgs {
					errs = append(errs, field.Invalid(p.Child("name"), port.Name, msg))
				}
			} else if names.Has(port.Name) {
				errs = append(errs, field.Duplicate(p.Child("name"), port.Name))
			} else {
				names.Insert(port.Name)
			}
		}
		if port.ContainerPort == 0 {
			errs = append(errs, field.Required(p.Child("containerPort"), ""))
		} else {
			errs = append(errs, validatePortNum(port.ContainerPort, p.Child("containerPort"))...)
		}
		if port.HostPort != 0 {
			errs = append(errs, validatePortNum(port.HostPort, p.Child("hostPort"))...)
		}
		errs = append(errs, validateProtocol(port.Protocol, p.Child("protocol"))...)
	}
	return errs
}

func validatePodTemplate(t *corev1.PodTemplateSpec, path *field.Path) field.ErrorList {
	errs := metavalidation.ValidateLabels(t.Labels, path.Child("metadata", "labels"))
	return append(errs, validatePodSpec(&t.Spec, false, path.Child("spec"))...)
}

// validateController checks an apps/v1 controller: a required, non-empty
// selector that matches its pod template's labels. what names the kind in
// the API server's message.
func validateController(sel *metav1.LabelSelector, t *corev1.PodTemplateSpec, what string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	selPath := path.Child("selector")
	if sel == nil {
		errs = append(errs, field.Required(selPath, ""))
	} else {
		errs = append(errs, validateSelector(sel, selPath)...)
		if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
			errs = append(errs, field.Invalid(selPath, sel, "empty selector is invalid for "+what))
		}
	}
	if s, err := metav1.LabelSelectorAsSelector(sel); err == nil && !s.Empty() && !s.Matches(labels.Set(t.Labels)) {
		errs = append(errs, field.Invalid(path.Child("template", "metadata", "labels"), t.Labels, "`selector` does not match template `labels`"))
	}
	return append(errs, validatePodTemplate(t, path.Child("template"))...)
}

func validateReplicationController(spec *corev1.ReplicationControllerSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if labels.Set(spec.Selector).AsSelector().Empty() {
		errs = append(errs, field.Required(path.Child("selector"), ""))
	}
	errs = append(errs, metavalidation.ValidateLabels(spec.Selector, path.Child("selector"))...)
	tPath := path.Child("template")
	if spec.Template == nil {
		return append(errs, field.Required(tPath, ""))
	}
	sel := labels.Set(spec.Selector).AsSelector()
	if !sel.Empty() && !sel.Matches(labels.Set(spec.Template.Labels)) {
		errs = append(errs, field.Invalid(tPath.Child("metadata", "labels"), spec.Template.Labels, "`selector` does not match template `labels`"))
	}
	errs = append(errs, validatePodTemplate(spec.Template, tPath)...)
	if rp := spec.Template.Spec.RestartPolicy; rp != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(tPath.Child("spec", "restartPolicy"), rp, []corev1.RestartPolicy{corev1.RestartPolicyAlways}))
	}
	return errs
}

// validateJobTemplate checks a Job's pod template. Its selector is made by
// the API server, so only the template's own rules apply.
func validateJobTemplate(t *corev1.PodTemplateSpec, path *field.Path) field.ErrorList {
	errs := validatePodTemplate(t, path)
	if rp := t.Spec.RestartPolicy; rp != corev1.RestartPolicyOnFailure && rp != corev1.RestartPolicyNever {
		errs = append(errs, field.NotSupported(path.Child("spec", "restartPolicy"), rp,
			[]corev1.RestartPolicy{corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever}))
	}
	return errs
}

var (
	supportedServiceTypes = []corev1.ServiceType{corev1.ServiceTypeClusterIP, corev1.ServiceTypeExternalName,
		corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort}
	supportedAffinities = []corev1.ServiceAffinity{corev1.ServiceAffinityClientIP, corev1.ServiceAffinityNone}
	supportedETPs       = []corev1.ServiceExternalTrafficPolicy{corev1.ServiceExternalTrafficPolicyCluster, corev1.ServiceExternalTrafficPolicyLocal}
	supportedITPs       = []corev1.ServiceInternalTrafficPolicy{corev1.ServiceInternalTrafficPolicyCluster, corev1.ServiceInternalTrafficPolicyLocal}
)

func isHeadless(svc *corev1.Service) bool {
	return svc.Spec.ClusterIP == corev1.ClusterIPNone ||
		(len(svc.Spec.ClusterIPs) == 1 && svc.Spec.ClusterIPs[0] == corev1.ClusterIPNone)
}

func validateService(svc *corev1.Service) field.ErrorList {
	var errs field.ErrorList
	s := &svc.Spec
	spec := field.NewPath("spec")
	headless := isHeadless(svc)

	if len(s.Ports) == 0 && !headless && s.Type != corev1.ServiceTypeExternalName {
		errs = append(errs, field.Required(spec.Child("ports"), ""))
	}
	switch s.Type {
	case "":
		errs = append(errs, field.Required(spec.Child("type"), ""))
	case corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort:
		if headless {
			errs = append(errs, field.Invalid(spec.Child("clusterIP"), s.ClusterIP,
				fmt.Sprintf("may not be set to 'None' for %s services", s.Type)))
		}
	case corev1.ServiceTypeExternalName:
		if s.ClusterIP != "" {
			errs = append(errs, field.Forbidden(spec.Child("clusterIP"), "may not be set for ExternalName services"))
		}
		// The name (a CNAME) may end in a dot to mark it fully qualified.
		if cname := strings.TrimSuffix(s.ExternalName, "."); cname == "" {
			errs = append(errs, field.Required(spec.Child("externalName"), ""))
		} else {
			for _, msg := range validation.IsDNS1123Subdomain(cname) {
				errs = append(errs, field.Invalid(spec.Child("externalName"), cname, msg))
			}
		}
	case corev1.ServiceTypeClusterIP:
	default:
		errs = append(errs, field.NotSupported(spec.Child("type"), s.Type, supportedServiceTypes))
	}

	names := sets.New[string]()
	type protoPort struct {
		proto corev1.Protocol
		port  int32
	}
	seen := map[protoPort]bool{}
	seenNode := map[protoPort]bool{}
	for i := range s.Ports {
		sp := &s.Ports[i]
		p := spec.Child("ports").Index(i)
		if len(s.Ports) > 1 && sp.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), ""))
		} else if sp.Name != "" {
			errs = append(errs, validateDNS1123Label(sp.Name, p.Child("name"))...)
			if names.Has(sp.Name) {
				errs = append(errs, field.Duplicate(p.Child("name"), sp.Name))
			} else {
				names.Insert(sp.Name)
			}
		}
		errs = append(errs, validatePortNum(sp.Port, p.Child("port"))...)
		errs = append(errs, validateProtocol(sp.Protocol, p.Child("protocol"))...)
		errs = append(errs, validatePortNumOrName(sp.TargetPort, p.Child("targetPort"))...)
		if sp.NodePort != 0 {
			if s.Type == corev1.ServiceTypeClusterIP {
				errs = append(errs, field.Forbidden(p.Child("nodePort"), "may not be used when `type` is 'ClusterIP'"))
			}
			errs = append(errs, validatePortNum(sp.NodePort, p.Child("nodePort"))...)
			k := protoPort{sp.Protocol, sp.NodePort}
			if seenNode[k] {
				errs = append(errs, field.Duplicate(p.Child("nodePort"), sp.NodePort))
			}
			seenNode[k] = true
		}
		k := protoPort{sp.Protocol, sp.Port}
		if seen[k] {
			errs = append(errs, field.Duplicate(p, fmt.Sprintf("%d/%s", sp.Port, sp.Protocol)))
		}
		seen[k] = true
	}

	if s.Selector != nil {
		errs = append(errs, metavalidation.ValidateLabels(s.Selector, spec.Child("selector"))...)
	}

	switch {
	case s.SessionAffinity == "":
		errs = append(errs, field.Required(spec.Child("sessionAffinity"), ""))
	case !slices.Contains(supportedAffinities, s.SessionAffinity):
		errs = append(errs, field.NotSupported(spec.Child("sessionAffinity"), s.SessionAffinity, supportedAffinities))
	}

	if s.ClusterIP != "" && s.ClusterIP != corev1.ClusterIPNone {
		errs = append(errs, validation.IsValidIPForLegacyField(spec.Child("clusterIP"), s.ClusterIP, false, nil)...)
	}
	for i, ip := range s.ClusterIPs {
		if ip != corev1.ClusterIPNone {
			errs = append(errs, validation.IsValidIPForLegacyField(spec.Child("clusterIPs").Index(i), ip, false, nil)...)
		}
	}
	for i, ip := range s.ExternalIPs {
		errs = append(errs, validation.IsValidIPForLegacyField(spec.Child("externalIPs").Index(i), ip, false, nil)...)
	}

	if !externallyAccessible(svc) {
		if s.ExternalTrafficPolicy != "" {
			errs = append(errs, field.Invalid(spec.Child("externalTrafficPolicy"), s.ExternalTrafficPolicy,
				"may only be set for externally-accessible services"))
		}
	} else if s.ExternalTrafficPolicy == "" {
		errs = append(errs, field.Required(spec.Child("externalTrafficPolicy"), ""))
	} else if !slices.Contains(supportedETPs, s.ExternalTrafficPolicy) {
		errs = append(errs, field.NotSupported(spec.Child("externalTrafficPolicy"), s.ExternalTrafficPolicy, supportedETPs))
	}
	if s.InternalTrafficPolicy != nil && !slices.Contains(supportedITPs, *s.InternalTrafficPolicy) {
		errs = append(errs, field.NotSupported(spec.Child("internalTrafficPolicy"), *s.InternalTrafficPolicy, supportedITPs))
	}
	return errs
}

var supportedAddressTypes = []discoveryv1.AddressType{discoveryv1.AddressTypeFQDN, discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6}

func validateEndpointSlice(es *discoveryv1.EndpointSlice) field.ErrorList {
	var errs field.ErrorList
	switch {
	case es.AddressType == "":
		errs = append(errs, field.Required(field.NewPath("addressType"), ""))
	case !slices.Contains(supportedAddressTypes, es.AddressType):
		errs = append(errs, field.NotSupported(field.NewPath("addressType"), es.AddressType, supportedAddressTypes))
	}
	var portNames []string
	for i, port := range es.Ports {
		p := field.NewPath("ports").Index(i)
		name := ""
		if port.Name != nil {
			name = *port.Name
		}
		if name != "" {
			errs = append(errs, validateDNS1123Label(name, p.Child("name"))...)
		}
		if slices.Contains(portNames, name) {
			errs = append(errs, field.Duplicate(p.Child("name"), name))
		} else {
			portNames = append(portNames, name)
		}
		if port.Protocol == nil {
			errs = append(errs, field.Required(p.Child("protocol"), ""))
		} else {
			errs = append(errs, validateProtocol(*port.Protocol, p.Child("protocol"))...)
		}
		if port.Port != nil {
			errs = append(errs, validatePortNum(*port.Port, p.Child("port"))...)
		}
	}
	for i, ep := range es.Endpoints {
		p := field.NewPath("endpoints").Index(i).Child("addresses")
		if len(ep.Addresses) == 0 {
			errs = append(errs, field.Required(p, "must contain at least 1 address"))
		}
		for j, addr := range ep.Addresses {
			ap := p.Index(j)
			switch es.AddressType {
			case discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6:
				ipErrs := validation.IsValidIPForLegacyField(ap, addr, false, nil)
				if len(ipErrs) > 0 {
					errs = append(errs, ipErrs...)
					continue
				}
				if es.AddressType == discoveryv1.AddressTypeIPv4 && !netutils.IsIPv4String(addr) {
					errs = append(errs, field.Invalid(p, addr, "must be an IPv4 address"))
				}
				if es.AddressType == discoveryv1.AddressTypeIPv6 && !netutils.IsIPv6String(addr) {
					errs = append(errs, field.Invalid(p, addr, "must be an IPv6 address"))
				}
			case discoveryv1.AddressTypeFQDN:
				errs = append(errs, validation.IsFullyQualifiedDomainName(ap, addr)...)
			}
		}
	}
	return errs
}

var (
	supportedPathTypes   = []networkingv1.PathType{networkingv1.PathTypeExact, networkingv1.PathTypeImplementationSpecific, networkingv1.PathTypePrefix}
	invalidPathSequences = []string{"//", "/./", "/../", "%2f", "%2F"}
	invalidPathSuffixes  = []string{"/..", "/."}
)

func validateIngressSpec(spec *networkingv1.IngressSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(spec.Rules) == 0 && spec.DefaultBackend == nil {
		errs = append(errs, field.Invalid(path, spec.Rules, "either `defaultBackend` or `rules` must be specified"))
	}
	if spec.DefaultBackend != nil {
		errs = append(errs, validateIngressBackend(spec.DefaultBackend, path.Child("defaultBackend"))...)
	}
	for i, rule := range spec.Rules {
		rp := path.Child("rules").Index(i)
		if rule.Host != "" {
			hp := rp.Child("host")
			if netutils.ParseIPSloppy(rule.Host) != nil {
				errs = append(errs, field.Invalid(hp, rule.Host, "must be a DNS name, not an IP address"))
			}
			check := validation.IsDNS1123Subdomain
			if strings.Contains(rule.Host, "*") {
				check = validation.IsWildcardDNS1123Subdomain
			}
			for _, msg := range check(rule.Host) {
				errs = append(errs, field.Invalid(hp, rule.Host, msg))
			}
		}
		if rule.HTTP == nil {
			continue
		}
		hp := rp.Child("http")
		if len(rule.HTTP.Paths) == 0 {
			errs = append(errs, field.Required(hp.Child("paths"), ""))
		}
		for j := range rule.HTTP.Paths {
			errs = append(errs, validateIngressPath(&rule.HTTP.Paths[j], hp.Child("paths").Index(j))...)
		}
	}
	for i, tls := range spec.TLS {
		for j, host := range tls.Hosts {
			check := validation.IsDNS1123Subdomain
			if strings.Contains(host, "*") {
				check = validation.IsWildcardDNS1123Subdomain
			}
			for _, msg := range check(host) {
				errs = append(errs, field.Invalid(path.Child("tls").Index(i).Child("hosts").Index(j), host, msg))
			}
		}
	}
	if spec.IngressClassName != nil {
		for _, msg := range apivalidation.NameIsDNSSubdomain(*spec.IngressClassName, false) {
			errs = append(errs, field.Invalid(path.Child("ingressClassName"), *spec.IngressClassName, msg))
		}
	}
	return errs
}

func validateIngressPath(p *networkingv1.HTTPIngressPath, path *field.Path) field.ErrorList {
	if p.PathType == nil {
		return field.ErrorList{field.Required(path.Child("pathType"), "pathType must be specified")}
	}
	var errs field.ErrorList
	switch *p.PathType {
	case networkingv1.PathTypeExact, networkingv1.PathTypePrefix:
		if !strings.HasPrefix(p.Path, "/") {
			errs = append(errs, field.Invalid(path.Child("path"), p.Path, "must be an absolute path"))
		}
		for _, seq := range invalidPathSequences {
			if strings.Contains(p.Path, seq) {
				errs = append(errs, field.Invalid(path.Child("path"), p.Path, fmt.Sprintf("must not contain '%s'", seq)))
			}
		}
		for _, suffix := range invalidPathSuffixes {
			if strings.HasSuffix(p.Path, suffix) {
				errs = append(errs, field.Invalid(path.Child("path"), p.Path, fmt.Sprintf("cannot end with '%s'", suffix)))
			}
		}
	case networkingv1.PathTypeImplementationSpecific:
		if p.Path != "" && !strings.HasPrefix(p.Path, "/") {
			errs = append(errs, field.Invalid(path.Child("path"), p.Path, "must be an absolute path"))
		}
	default:
		errs = append(errs, field.NotSupported(path.Child("pathType"), *p.PathType, supportedPathTypes))
	}
	return append(errs, validateIngressBackend(&p.Backend, path.Child("backend"))...)
}

func validateIngressBackend(b *networkingv1.IngressBackend, path *field.Path) field.ErrorList {
	switch {
	case b.Resource != nil && b.Service != nil:
		return field.ErrorList{field.Invalid(path, "", "cannot set both resource and service backends")}
	case b.Resource != nil:
		var errs field.ErrorList
		if b.Resource.Kind == "" {
			errs = append(errs, field.Required(path.Child("resource", "kind"), ""))
		}
		if b.Resource.Name == "" {
			errs = append(errs, field.Required(path.Child("resource", "name"), ""))
		}
		return errs
	case b.Service == nil:
		return field.ErrorList{field.Invalid(path, "", "resource or service backend is required")}
	}
	var errs field.ErrorList
	svc := b.Service
	if svc.Name == "" {
		errs = append(errs, field.Required(path.Child("service", "name"), ""))
	} else {
		for _, msg := range apivalidation.NameIsDNS1035Label(svc.Name, false) {
			errs = append(errs, field.Invalid(path.Child("service", "name"), svc.Name, msg))
		}
	}
	switch {
	case svc.Port.Name != "" && svc.Port.Number != 0:
		errs = append(errs, field.Invalid(path, "", "cannot set both port name & port number"))
	case svc.Port.Name != "":
		errs = append(errs, validatePortName(svc.Port.Name, path.Child("service", "port", "name"))...)
	case svc.Port.Number != 0:
		errs = append(errs, validatePortNum(svc.Port.Number, path.Child("service", "port", "number"))...)
	default:
		errs = append(errs, field.Required(path, "port name or number is required"))
	}
	return errs
}

func validateIngressClassSpec(spec *networkingv1.IngressClassSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(spec.Controller) > 250 {
		errs = append(errs, field.TooLong(path.Child("controller"), "", 250))
	}
	return append(errs, validation.IsDomainPrefixedPath(path.Child("controller"), spec.Controller)...)
}

var supportedPolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}

// validateNetworkPolicySpec is the API server's NetworkPolicy validation.
func validateNetworkPolicySpec(spec *networkingv1.NetworkPolicySpec, path *field.Path) field.ErrorList {
	errs := validateSelector(&spec.PodSelector, path.Child("podSelector"))
	for i, rule := range spec.Ingress {
		rp := path.Child("ingress").Index(i)
		for j := range rule.Ports {
			errs = append(errs, validatePolicyPort(&rule.Ports[j], rp.Child("ports").Index(j))...)
		}
		for j := range rule.From {
			errs = append(errs, validatePeer(&rule.From[j], rp.Child("from").Index(j))...)
		}
	}
	for i, rule := range spec.Egress {
		rp := path.Child("egress").Index(i)
		for j := range rule.Ports {
			errs = append(errs, validatePolicyPort(&rule.Ports[j], rp.Child("ports").Index(j))...)
		}
		for j := range rule.To {
			errs = append(errs, validatePeer(&rule.To[j], rp.Child("to").Index(j))...)
		}
	}
	if len(spec.PolicyTypes) > len(supportedPolicyTypes) {
		return append(errs, field.Invalid(path.Child("policyTypes"), spec.PolicyTypes, "may not specify more than two policyTypes"))
	}
	for i, t := range spec.PolicyTypes {
		if !slices.Contains(supportedPolicyTypes, t) {
			errs = append(errs, field.NotSupported(path.Child("policyTypes").Index(i), t, supportedPolicyTypes))
		}
	}
	return errs
}

func validatePolicyPort(port *networkingv1.NetworkPolicyPort, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if port.Protocol != nil && !slices.Contains(supportedProtocols, *port.Protocol) {
		errs = append(errs, field.NotSupported(path.Child("protocol"), *port.Protocol, []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}))
	}
	switch {
	case port.Port == nil:
		if port.EndPort != nil {
			errs = append(errs, field.Invalid(path.Child("endPort"), *port.EndPort, "may not be specified when `port` is not specified"))
		}
	case port.Port.Type == intstr.Int:
		errs = append(errs, validatePortNum(port.Port.IntVal, path.Child("port"))...)
		if port.EndPort != nil {
			if *port.EndPort < port.Port.IntVal {
				errs = append(errs, field.Invalid(path.Child("endPort"), port.Port.IntVal, "must be greater than or equal to `port`"))
			}
			errs = append(errs, validatePortNum(*port.EndPort, path.Child("endPort"))...)
		}
	default:
		if port.EndPort != nil {
			errs = append(errs, field.Invalid(path.Child("endPort"), *port.EndPort, "may not be specified when `port` is non-numeric"))
		}
		errs = append(errs, validatePortName(port.Port.StrVal, path.Child("port"))...)
	}
	return errs
}

func validatePeer(peer *networkingv1.NetworkPolicyPeer, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	n := 0
	if peer.PodSelector != nil {
		n++
		errs = append(errs, validateSelector(peer.PodSelector, path.Child("podSelector"))...)
	}
	if peer.NamespaceSelector != nil {
		n++
		errs = append(errs, validateSelector(peer.NamespaceSelector, path.Child("namespaceSelector"))...)
	}
	if peer.IPBlock != nil {
		n++
		errs = append(errs, validateIPBlock(peer.IPBlock, path.Child("ipBlock"))...)
	}
	if n == 0 {
		errs = append(errs, field.Required(path, "must specify a peer"))
	} else if n > 1 && peer.IPBlock != nil {
		errs = append(errs, field.Forbidden(path, "may not specify both ipBlock and another peer"))
	}
	return errs
}

// validateIPBlock is the API server's ipBlock check. Like the API server
// (without the StrictIPCIDRValidation gate) it accepts sloppy CIDRs such as
// 10.0.0.1/8 or leading zeros; those earn a warning (see cidrWarnings), and
// whoever evaluates them must parse them with k8s.io/utils/net's
// ParseCIDRSloppy, as network plugins do.
func validateIPBlock(b *networkingv1.IPBlock, path *field.Path) field.ErrorList {
	if b.CIDR == "" {
		return field.ErrorList{field.Required(path.Child("cidr"), "")}
	}
	errs := validation.IsValidCIDRForLegacyField(path.Child("cidr"), b.CIDR, false, nil)
	_, cidr, err := netutils.ParseCIDRSloppy(b.CIDR)
	if err != nil {
		return errs
	}
	for i, s := range b.Except {
		p := path.Child("except").Index(i)
		exceptErrs := validation.IsValidCIDRForLegacyField(p, s, false, nil)
		errs = append(errs, exceptErrs...)
		_, except, err := netutils.ParseCIDRSloppy(s)
		if err != nil {
			continue
		}
		// net.IPNet.Contains is false across IP families, so an IPv6
		// except inside an IPv4 cidr (or the reverse) fails here too.
		cidrLen, _ := cidr.Mask.Size()
		exceptLen, _ := except.Mask.Size()
		if !cidr.Contains(except.IP) || cidrLen >= exceptLen {
			errs = append(errs, field.Invalid(p, s, "must be a strict subset of `cidr`"))
		}
	}
	return errs
}

// cidrWarnings returns the API server's warnings for a policy's sloppy but
// accepted ipBlock CIDRs.
func cidrWarnings(np *networkingv1.NetworkPolicy) []string {
	var out []string
	check := func(b *networkingv1.IPBlock, path *field.Path) {
		if b == nil {
			return
		}
		if _, _, err := netutils.ParseCIDRSloppy(b.CIDR); err == nil {
			out = append(out, validation.GetWarningsForCIDR(path.Child("cidr"), b.CIDR)...)
		}
		for i, s := range b.Except {
			if _, _, err := netutils.ParseCIDRSloppy(s); err == nil {
				out = append(out, validation.GetWarningsForCIDR(path.Child("except").Index(i), s)...)
			}
		}
	}
	for i, r := range np.Spec.Ingress {
		for j := range r.From {
			check(r.From[j].IPBlock, field.NewPath("spec", "ingress").Index(i).Child("from").Index(j).Child("ipBlock"))
		}
	}
	for i, r := range np.Spec.Egress {
		for j := range r.To {
			check(r.To[j].IPBlock, field.NewPath("spec", "egress").Index(i).Child("to").Index(j).Child("ipBlock"))
		}
	}
	return out
}
