package policy

import (
	"fmt"
	"slices"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
)

// PolicyDescription is a NetworkPolicy in plain words.
type PolicyDescription struct {
	ID string `json:"id"`
	// Selects says whom the policy applies to.
	Selects string `json:"selects"`
	// Types are the directions it isolates (Ingress, Egress).
	Types []string `json:"types"`
	// Ingress and Egress say what each rule allows; an isolated direction
	// with no rules allows nothing.
	Ingress []string `json:"ingress"`
	Egress  []string `json:"egress"`
	// Peers are the pods and workloads it selects right now.
	Peers []string `json:"peers"`
}

// Policies returns the IDs ("ns/name") of every compiled policy, in input
// order.
func (m *Model) Policies() []string {
	out := make([]string, len(m.policies))
	for i, cp := range m.policies {
		out[i] = cp.id
	}
	return out
}

// PolicyObject returns the NetworkPolicy with the given ID.
func (m *Model) PolicyObject(id string) (*networkingv1.NetworkPolicy, bool) {
	for _, cp := range m.policies {
		if cp.id == id {
			return cp.src, true
		}
	}
	return nil, false
}

// SelectedBy returns the peers that policy id selects right now.
func (m *Model) SelectedBy(id string) []int {
	for _, cp := range m.policies {
		if cp.id != id {
			continue
		}
		var out []int
		for _, c := range m.classes {
			if c.yes.has(cp.target) {
				out = append(out, c.members...)
			}
		}
		slices.Sort(out)
		return out
	}
	return nil
}

// PoliciesFor returns the policies that select peer i, for ingress and for
// egress.
func (m *Model) PoliciesFor(i int) (ingress, egress []string) {
	c := m.classes[m.classOf[i]]
	for _, pid := range c.inPolicies {
		ingress = append(ingress, m.policies[pid].id)
	}
	for _, pid := range c.egPolicies {
		egress = append(egress, m.policies[pid].id)
	}
	return ingress, egress
}

// Describe puts policy id in plain words.
func (m *Model) Describe(id string) (PolicyDescription, bool) {
	for _, cp := range m.policies {
		if cp.id != id {
			continue
		}
		d := PolicyDescription{ID: id, Selects: m.matcherText(cp.target), Types: []string{}, Ingress: []string{}, Egress: []string{}, Peers: []string{}}
		if cp.ingress {
			d.Types = append(d.Types, "Ingress")
		}
		if cp.egress {
			d.Types = append(d.Types, "Egress")
		}
		for i, r := range cp.in {
			d.Ingress = append(d.Ingress, m.ruleText(fmt.Sprintf("spec.ingress[%d]", i), "from", &r))
		}
		for i, r := range cp.eg {
			d.Egress = append(d.Egress, m.ruleText(fmt.Sprintf("spec.egress[%d]", i), "to", &r))
		}
		if cp.ingress && len(cp.in) == 0 {
			d.Ingress = append(d.Ingress, "no rules: all ingress to the selected pods is denied")
		}
		if cp.egress && len(cp.eg) == 0 {
			d.Egress = append(d.Egress, "no rules: all egress from the selected pods is denied")
		}
		for _, p := range m.SelectedBy(id) {
			d.Peers = append(d.Peers, m.Peers[p].ID())
		}
		return d, true
	}
	return PolicyDescription{}, false
}

func (m *Model) ruleText(field, dir string, r *rule) string {
	var who string
	if r.all {
		who = "everyone"
	} else {
		var parts []string
		for _, mi := range r.peers {
			parts = append(parts, m.matcherText(mi))
		}
		who = strings.Join(parts, " or ")
	}
	ports := "on every port"
	if t := r.ports.text(); t != "all" {
		ports = "on " + t
	}
	return fmt.Sprintf("%s: %s %s, %s", field, dir, who, ports)
}
