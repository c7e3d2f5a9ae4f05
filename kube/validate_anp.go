package kube

import (
	"fmt"
	"net/netip"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

// The CRD's own limits (sigs.k8s.io/network-policy-api v1alpha1).
const (
	maxANPPriority = 1000
	maxANPRules    = 100
)

// validateAdminNetworkPolicy checks what the CRD's schema and CEL rules
// check and what changes a verdict: priority range, one subject, actions,
// peers with exactly one field, valid selectors, CIDRs and ports.
func validateAdminNetworkPolicy(p *anpv1alpha1.AdminNetworkPolicy) field.ErrorList {
	spec := field.NewPath("spec")
	var errs field.ErrorList
	if p.Spec.Priority < 0 || p.Spec.Priority > maxANPPriority {
		errs = append(errs, field.Invalid(spec.Child("priority"), p.Spec.Priority, fmt.Sprintf("must be between 0 and %d", maxANPPriority)))
	}
	errs = append(errs, validateANPSubject(p.Spec.Subject, spec.Child("subject"))...)
	actions := []string{"Allow", "Deny", "Pass"}
	if len(p.Spec.Ingress) > maxANPRules {
		errs = append(errs, field.TooMany(spec.Child("ingress"), len(p.Spec.Ingress), maxANPRules))
	}
	if len(p.Spec.Egress) > maxANPRules {
		errs = append(errs, field.TooMany(spec.Child("egress"), len(p.Spec.Egress), maxANPRules))
	}
	for i, r := range p.Spec.Ingress {
		path := spec.Child("ingress").Index(i)
		errs = append(errs, validateAction(string(r.Action), actions, path.Child("action"))...)
		if len(r.From) == 0 {
			errs = append(errs, field.Required(path.Child("from"), "at least one peer"))
		}
		for j, peer := range r.From {
			errs = append(errs, validateANPPeer(peer.Namespaces, peer.Pods, nil, nil, path.Child("from").Index(j))...)
		}
		errs = append(errs, validateANPPorts(r.Ports, path.Child("ports"))...)
	}
	for i, r := range p.Spec.Egress {
		path := spec.Child("egress").Index(i)
		errs = append(errs, validateAction(string(r.Action), actions, path.Child("action"))...)
		if len(r.To) == 0 {
			errs = append(errs, field.Required(path.Child("to"), "at least one peer"))
		}
		for j, peer := range r.To {
			errs = append(errs, validateANPPeer(peer.Namespaces, peer.Pods, peer.Nodes, peer.Networks, path.Child("to").Index(j))...)
			if len(peer.DomainNames) > 0 && (peer.Namespaces != nil || peer.Pods != nil || peer.Nodes != nil || len(peer.Networks) > 0) {
				errs = append(errs, field.Invalid(path.Child("to").Index(j), "", "exactly one of namespaces, pods, nodes, networks or domainNames"))
			}
		}
		errs = append(errs, validateANPPorts(r.Ports, path.Child("ports"))...)
	}
	return errs
}

// validateBaselineAdminNetworkPolicy is the same for the singleton
// baseline, which must be named "default".
func validateBaselineAdminNetworkPolicy(p *anpv1alpha1.BaselineAdminNetworkPolicy) field.ErrorList {
	spec := field.NewPath("spec")
	var errs field.ErrorList
	if p.Name != "default" {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), p.Name, "the BaselineAdminNetworkPolicy is a singleton and must be named default"))
	}
	errs = append(errs, validateANPSubject(p.Spec.Subject, spec.Child("subject"))...)
	actions := []string{"Allow", "Deny"}
	for i, r := range p.Spec.Ingress {
		path := spec.Child("ingress").Index(i)
		errs = append(errs, validateAction(string(r.Action), actions, path.Child("action"))...)
		for j, peer := range r.From {
			errs = append(errs, validateANPPeer(peer.Namespaces, peer.Pods, nil, nil, path.Child("from").Index(j))...)
		}
		errs = append(errs, validateANPPorts(r.Ports, path.Child("ports"))...)
	}
	for i, r := range p.Spec.Egress {
		path := spec.Child("egress").Index(i)
		errs = append(errs, validateAction(string(r.Action), actions, path.Child("action"))...)
		for j, peer := range r.To {
			errs = append(errs, validateANPPeer(peer.Namespaces, peer.Pods, peer.Nodes, peer.Networks, path.Child("to").Index(j))...)
		}
		errs = append(errs, validateANPPorts(r.Ports, path.Child("ports"))...)
	}
	return errs
}

func validateANPSubject(s anpv1alpha1.AdminNetworkPolicySubject, path *field.Path) field.ErrorList {
	switch {
	case (s.Namespaces == nil) == (s.Pods == nil):
		return field.ErrorList{field.Invalid(path, "", "exactly one of namespaces or pods")}
	case s.Namespaces != nil:
		return validateSelector(s.Namespaces, path.Child("namespaces"))
	}
	errs := validateSelector(&s.Pods.NamespaceSelector, path.Child("pods", "namespaceSelector"))
	return append(errs, validateSelector(&s.Pods.PodSelector, path.Child("pods", "podSelector"))...)
}

func validateAction(a string, allowed []string, path *field.Path) field.ErrorList {
	for _, x := range allowed {
		if a == x {
			return nil
		}
	}
	return field.ErrorList{field.NotSupported(path, a, allowed)}
}

func validateANPPeer(ns *metav1.LabelSelector, pods *anpv1alpha1.NamespacedPod, nodes *metav1.LabelSelector, networks []anpv1alpha1.CIDR, path *field.Path) field.ErrorList {
	set := 0
	var errs field.ErrorList
	if ns != nil {
		set++
		errs = append(errs, validateSelector(ns, path.Child("namespaces"))...)
	}
	if pods != nil {
		set++
		errs = append(errs, validateSelector(&pods.NamespaceSelector, path.Child("pods", "namespaceSelector"))...)
		errs = append(errs, validateSelector(&pods.PodSelector, path.Child("pods", "podSelector"))...)
	}
	if nodes != nil {
		set++
		errs = append(errs, validateSelector(nodes, path.Child("nodes"))...)
	}
	if len(networks) > 0 {
		set++
		for i, n := range networks {
			if _, err := netip.ParsePrefix(string(n)); err != nil {
				errs = append(errs, field.Invalid(path.Child("networks").Index(i), string(n), "must be a valid CIDR"))
			}
		}
	}
	if set != 1 {
		errs = append(errs, field.Invalid(path, "", "exactly one of namespaces, pods, nodes or networks"))
	}
	return errs
}

func validateANPPorts(ports *[]anpv1alpha1.AdminNetworkPolicyPort, path *field.Path) field.ErrorList {
	if ports == nil {
		return nil
	}
	var errs field.ErrorList
	for i, p := range *ports {
		pp := path.Index(i)
		set := 0
		if p.PortNumber != nil {
			set++
			errs = append(errs, validateProtocol(p.PortNumber.Protocol, pp.Child("portNumber", "protocol"))...)
			if p.PortNumber.Port < 1 || p.PortNumber.Port > 65535 {
				errs = append(errs, field.Invalid(pp.Child("portNumber", "port"), p.PortNumber.Port, "must be between 1 and 65535, inclusive"))
			}
		}
		if p.NamedPort != nil {
			set++
		}
		if p.PortRange != nil {
			set++
			errs = append(errs, validateProtocol(p.PortRange.Protocol, pp.Child("portRange", "protocol"))...)
			if p.PortRange.Start < 1 || p.PortRange.End > 65535 || p.PortRange.Start >= p.PortRange.End {
				errs = append(errs, field.Invalid(pp.Child("portRange"), fmt.Sprintf("%d-%d", p.PortRange.Start, p.PortRange.End), "start must be below end, within 1-65535"))
			}
		}
		if set != 1 {
			errs = append(errs, field.Invalid(pp, "", "exactly one of portNumber, namedPort or portRange"))
		}
	}
	return errs
}

// defaultAdminPorts applies the CRD's default: a port's protocol is TCP.
func defaultAdminPorts(ports *[]anpv1alpha1.AdminNetworkPolicyPort) {
	if ports == nil {
		return
	}
	for i := range *ports {
		p := &(*ports)[i]
		if p.PortNumber != nil && p.PortNumber.Protocol == "" {
			p.PortNumber.Protocol = "TCP"
		}
		if p.PortRange != nil && p.PortRange.Protocol == "" {
			p.PortRange.Protocol = "TCP"
		}
	}
}

// defaultAdminPolicy applies the CRD defaults to either tier.
func defaultAdminPolicy(obj any) {
	switch o := obj.(type) {
	case *anpv1alpha1.AdminNetworkPolicy:
		for i := range o.Spec.Ingress {
			defaultAdminPorts(o.Spec.Ingress[i].Ports)
		}
		for i := range o.Spec.Egress {
			defaultAdminPorts(o.Spec.Egress[i].Ports)
		}
	case *anpv1alpha1.BaselineAdminNetworkPolicy:
		for i := range o.Spec.Ingress {
			defaultAdminPorts(o.Spec.Ingress[i].Ports)
		}
		for i := range o.Spec.Egress {
			defaultAdminPorts(o.Spec.Egress[i].Ports)
		}
	}
}
