package graph

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/kube"
)

// ErrSuggestionCheck marks a suggestion that failed its own check: with
// the suggested policies laid over the cluster, the traffic is still not
// allowed, or other traffic changed too. It means a bug in netviz.
var ErrSuggestionCheck = errors.New("suggestion failed its check")

// SuggestRequest asks for the smallest NetworkPolicies that would let From
// reach To on Port. From is a pod or workload (NS/NAME, pod/NS/NAME,
// workload/NS/NAME); To is one too, or a Service (svc/NS/NAME, or a
// cluster DNS name relative to From), meaning its ready backends on the
// targetPort the Service port resolves to.
type SuggestRequest struct {
	From, To string
	// Port is a number or a port name; for a Service, its port (by number
	// or name).
	Port     string
	Protocol policy.Protocol
}

// Suggestion is the answer to a SuggestRequest: the policies to add, and
// the check that they do exactly what was asked.
type Suggestion struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Port     string `json:"port"`
	Protocol string `json:"protocol"`
	// Verdict is the trace's verdict without the suggestion.
	Verdict string `json:"verdict"`
	// AlreadyAllowed is set when there is nothing to add.
	AlreadyAllowed bool `json:"alreadyAllowed"`
	// Policies are the NetworkPolicies to add: an ingress policy in the
	// destination's namespace and/or an egress policy in the source's,
	// only for a side that denies.
	Policies []*networkingv1.NetworkPolicy `json:"policies"`
	// Unknown says, for each side whose answer is unknown, what is
	// unknown; no policy netviz could suggest decides it.
	Unknown []string `json:"unknown,omitempty"`
	Notes   []string `json:"notes,omitempty"`
	// After is the trace's verdict with the policies laid over the
	// cluster: "allowed", or "unknown" when a side was unknown before.
	After string `json:"after,omitempty"`
	// Diff is every connection the policies change.
	Diff *DiffResult `json:"diff,omitempty"`

	// target is the destination as resolved, for the check's trace, and
	// port the port the policies allow (a number, or a name resolved on
	// each destination).
	target string
	port   intstr.IntOrString
}

// Objects returns the policies as runtime objects, for an overlay.
func (s *Suggestion) Objects() []runtime.Object {
	out := make([]runtime.Object, len(s.Policies))
	for i, p := range s.Policies {
		out[i] = p
	}
	return out
}

// suggestTarget is one destination peer and the port the traffic uses on
// it.
type suggestTarget struct {
	peer int
	port int
}

// unstableLabels are labels that name one pod or one revision of a
// workload: a policy that selects by them breaks on the next rollout.
var unstableLabels = map[string]bool{
	"pod-template-hash":                        true,
	"controller-revision-hash":                 true,
	"statefulset.kubernetes.io/pod-name":       true,
	"apps.kubernetes.io/pod-index":             true,
	"controller-uid":                           true,
	"batch.kubernetes.io/controller-uid":       true,
	"job-name":                                 true,
	"batch.kubernetes.io/job-name":             true,
	"batch.kubernetes.io/job-completion-index": true,
	"pod-template-generation":                  true,
}

// preferredLabels are the keys a selector is built from first, in order.
var preferredLabels = []string{
	"app.kubernetes.io/name", "app", "k8s-app", "app.kubernetes.io/instance",
	"app.kubernetes.io/component", "component", "tier", "role", "name",
}

// identityLabels are the keys that name an application on their own.
var identityLabels = map[string]bool{"app.kubernetes.io/name": true, "app": true, "k8s-app": true}

func labelRank(k string) int {
	for i, p := range preferredLabels {
		if p == k {
			return i
		}
	}
	return len(preferredLabels)
}

// Suggest finds the smallest NetworkPolicies that would allow the
// request's traffic, and checks them: laid over the cluster (as
// `--with` would), the trace must be allowed (or unknown only where it
// was unknown before), and every connection that changes must be from a
// pod the suggestion's source selector picks to a pod its destination
// selector picks, on the requested port. A failed check returns an error
// wrapping ErrSuggestionCheck.
func (g *Graph) Suggest(req SuggestRequest) (*Suggestion, error) {
	if req.Port == "" {
		return nil, inputErr("a port is needed: the suggestion allows one port")
	}
	from, err := g.Resolve(req.From)
	if err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if from.Kind != RefPeer || from.Node == nil {
		return nil, fmt.Errorf("from: %w", inputErr("netviz suggests policies between pods and workloads; %s is not one", req.From))
	}
	to, fqdn, err := g.resolveTarget(req.To, from)
	if err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	s := &Suggestion{From: req.From, To: req.To, Port: req.Port, Protocol: req.Protocol.String(), Policies: []*networkingv1.NetworkPolicy{}}
	var targets []suggestTarget
	var policyPort intstr.IntOrString
	var toName string
	switch to.Kind {
	case RefPeer:
		port, err := g.portOn(to, TraceRequest{Port: req.Port, Protocol: req.Protocol})
		if err != nil {
			return nil, err
		}
		targets = []suggestTarget{{peer: to.Peer, port: port}}
		policyPort = intstr.Parse(req.Port)
		s.target = to.Node.Key()
		toName = ""
	case RefService:
		targets, policyPort, err = g.serviceTargets(to.Node, req, s)
		if err != nil {
			return nil, err
		}
		s.target = to.Node.Key()
		toName = to.Node.Name
	default:
		return nil, fmt.Errorf("to: %w", inputErr("netviz suggests policies towards pods, workloads and Services; %s is not one", req.To))
	}
	if fqdn != "" && from.Peer >= 0 {
		if check := g.DNS(from.Peer); !check.Resolves {
			s.Notes = append(s.Notes, fmt.Sprintf("%s cannot resolve %s (%s): suggest for %s → the cluster DNS pods on port 53 (UDP and TCP) as well", from.Node.Ref(), fqdn, check.Reason, from.Node.Ref()))
		}
	}
	trace, err := g.Trace(TraceRequest{From: from.Node.Key(), To: s.target, Port: req.Port, Protocol: req.Protocol})
	if err != nil {
		return nil, err
	}
	s.Verdict = trace.Verdict
	if trace.Verdict == "allowed" {
		s.AlreadyAllowed = true
		return s, nil
	}

	// Which side denies, for which destination.
	var egressDeny, ingressDeny []int
	unknown := map[string]bool{}
	for _, t := range targets {
		ex := g.Model.Explain(policy.PeerEndpoint(from.Peer), policy.PeerEndpoint(t.peer), req.Protocol, t.port)
		for _, d := range []*policy.DirectionExplanation{&ex.Egress, &ex.Ingress} {
			switch d.Verdict {
			case "denied":
				if err := g.fixable(d, from.Peer, t.peer); err != nil {
					return nil, err
				}
				if d.Direction == "egress" {
					egressDeny = append(egressDeny, t.peer)
				} else {
					ingressDeny = append(ingressDeny, t.peer)
				}
			case "unknown":
				if !unknown[d.Reason] {
					unknown[d.Reason] = true
					s.Unknown = append(s.Unknown, d.Direction+": "+d.Reason)
				}
			}
		}
	}
	if len(egressDeny) == 0 && len(ingressDeny) == 0 {
		if len(s.Unknown) > 0 {
			return s, nil // nothing denies: what is unknown decides
		}
		return nil, inputErr("no NetworkPolicy denies %s → %s on %s/%s, so no policy can help: %s", req.From, req.To, req.Port, req.Protocol, trace.Summary)
	}

	srcGroup := g.Model.Peers[from.Peer]
	fromName := g.groupName(from.Peer)
	if toName == "" {
		toName = g.groupName(targets[0].peer)
	}
	s.port = policyPort
	name := policyName(fromName, toName, req.Port, req.Protocol)
	proto := corev1.Protocol(req.Protocol.String())
	ports := []networkingv1.NetworkPolicyPort{{Protocol: &proto, Port: &policyPort}}

	if len(ingressDeny) > 0 {
		dstNS := g.Model.Peers[ingressDeny[0]].Namespace
		dstSel, err := g.selectorFor(ingressDeny, "ingress")
		if err != nil {
			return nil, err
		}
		srcSel, err := g.selectorFor([]int{from.Peer}, "")
		if err != nil {
			return nil, err
		}
		np := newPolicy(g.uniquePolicyName(dstNS, name), dstNS, dstSel, networkingv1.PolicyTypeIngress)
		np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{
			From:  []networkingv1.NetworkPolicyPeer{peerFor(srcSel, srcGroup.Namespace, dstNS)},
			Ports: ports,
		}}
		s.Policies = append(s.Policies, np)
	}
	if len(egressDeny) > 0 {
		srcNS := srcGroup.Namespace
		srcSel, err := g.selectorFor([]int{from.Peer}, "egress")
		if err != nil {
			return nil, err
		}
		dstSel, err := g.selectorFor(egressDeny, "")
		if err != nil {
			return nil, err
		}
		np := newPolicy(g.uniquePolicyName(srcNS, name+"-egress"), srcNS, srcSel, networkingv1.PolicyTypeEgress)
		np.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{
			To:    []networkingv1.NetworkPolicyPeer{peerFor(dstSel, g.Model.Peers[egressDeny[0]].Namespace, srcNS)},
			Ports: ports,
		}}
		s.Policies = append(s.Policies, np)
	}
	if err := g.CheckSuggestion(s); err != nil {
		return nil, err
	}
	return s, nil
}

// fixable says why a NetworkPolicy cannot allow what one side denies:
// an AdminNetworkPolicy Deny comes before every NetworkPolicy, and a peer
// no NetworkPolicy selects (its traffic left to the
// BaselineAdminNetworkPolicy) would be isolated by the first one that did.
func (g *Graph) fixable(d *policy.DirectionExplanation, src, dst int) error {
	if n := len(d.Tiers); n > 0 && strings.HasPrefix(d.Tiers[n-1], "AdminNetworkPolicy/") && strings.HasSuffix(d.Tiers[n-1], "Deny)") {
		return inputErr("%s denies it at %s: an AdminNetworkPolicy Deny comes before every NetworkPolicy, so no NetworkPolicy can allow it; change the AdminNetworkPolicy", d.Tiers[n-1], d.Direction)
	}
	peer := dst
	if d.Direction == "egress" {
		peer = src
	}
	in, eg := g.Model.PoliciesFor(peer)
	if (d.Direction == "egress" && len(eg) == 0) || (d.Direction == "ingress" && len(in) == 0) {
		return inputErr("%s's %s is denied, but no NetworkPolicy selects it (%s): a NetworkPolicy that did would isolate it and cut the rest of its %s", g.Model.Peers[peer].ID(), d.Direction, d.Reason, d.Direction)
	}
	return nil
}

// serviceTargets lists a Service's ready backends and the port the
// requested Service port reaches on each, and the policy port: the
// targetPort by name or number.
func (g *Graph) serviceTargets(n *Node, req SuggestRequest, s *Suggestion) ([]suggestTarget, intstr.IntOrString, error) {
	svc := n.Service
	var sp *corev1.ServicePort
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		if string(p.Protocol) != req.Protocol.String() {
			continue
		}
		if strconv.Itoa(int(p.Port)) == req.Port || p.Name == req.Port {
			sp = p
			break
		}
	}
	if sp == nil {
		return nil, intstr.IntOrString{}, inputErr("Service %s has no port %s/%s (it has %s)", n.Ref(), req.Port, req.Protocol, servicePortList(svc))
	}
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		return nil, intstr.IntOrString{}, inputErr("Service %s is an ExternalName alias: its traffic leaves the cluster, so no pod-to-pod policy applies", n.Ref())
	}
	target := sp.TargetPort
	if target.Type == intstr.Int && target.IntVal == 0 {
		target = intstr.FromInt32(sp.Port)
	}
	var out []suggestTarget
	for _, e := range g.Out(n) {
		if e.Kind != EdgeBackend || !e.Backend.Ready {
			continue
		}
		port := 0
		for _, pm := range e.Backend.Ports {
			if pm.Port == sp.Port && pm.Protocol == req.Protocol.String() {
				port = int(pm.Resolved)
			}
		}
		if port == 0 {
			s.Notes = append(s.Notes, fmt.Sprintf("%s has no container port named %s, so the Service port cannot reach it whatever the policies say", e.T.Ref(), target.String()))
			continue
		}
		out = append(out, suggestTarget{peer: e.T.Peer, port: port})
	}
	if len(out) == 0 {
		return nil, target, inputErr("Service %s has no ready backend that port %s/%s reaches, so no policy can help", n.Ref(), req.Port, req.Protocol)
	}
	return out, target, nil
}

// groupName is the workload name of peer i, for policy names.
func (g *Graph) groupName(i int) string {
	n := g.PeerNode(i)
	if n.Kind == KindWorkload || n.Pod == nil {
		return n.Name
	}
	w := newWorkloadGroups(g)
	return w.list[w.of(n)][2]
}

var nameChars = regexp.MustCompile(`[^a-z0-9-]+`)

// policyName is netviz-allow-<from>-to-<to>-<port>[-<protocol>], as a
// valid object name.
func policyName(from, to, port string, proto policy.Protocol) string {
	clean := func(s string) string {
		return strings.Trim(nameChars.ReplaceAllString(strings.ToLower(s), "-"), "-")
	}
	name := "netviz-allow-" + clean(from) + "-to-" + clean(to) + "-" + clean(port)
	if proto != policy.TCP {
		name += "-" + strings.ToLower(proto.String())
	}
	if len(name) > 200 {
		name = strings.TrimRight(name[:200], "-")
	}
	return name
}

// uniquePolicyName keeps a suggested policy from replacing one the
// namespace already has.
func (g *Graph) uniquePolicyName(ns, name string) string {
	taken := map[string]bool{}
	for _, np := range g.Cluster.NetworkPolicies {
		if np.Namespace == ns {
			taken[np.Name] = true
		}
	}
	out := name
	for i := 2; taken[out]; i++ {
		out = fmt.Sprintf("%s-%d", name, i)
	}
	return out
}

func newPolicy(name, ns string, sel map[string]string, t networkingv1.PolicyType) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: sel},
			PolicyTypes: []networkingv1.PolicyType{t},
		},
	}
}

// peerFor selects pods of namespace ns by labels, from a policy in
// namespace home.
func peerFor(sel map[string]string, ns, home string) networkingv1.NetworkPolicyPeer {
	p := networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{MatchLabels: sel}}
	if ns != home {
		p.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{policy.NamespaceNameLabel: ns}}
	}
	return p
}

// selectorFor finds the narrowest label selector that picks the peers of
// targets (all in one namespace), preferring to cover their whole
// workloads and labels such as app over others, and never labels that
// name one pod or one revision.
//
// With side "ingress" or "egress", the selector becomes a policy's
// podSelector for that direction, and must not pick a peer no policy
// isolates in that direction yet: the new policy would isolate it and cut
// its other traffic. With side "", the selector only names peers in a
// rule.
func (g *Graph) selectorFor(targets []int, side string) (map[string]string, error) {
	m := g.Model
	ns := m.Peers[targets[0]].Namespace
	var inNS []int
	for i := range m.Peers {
		if m.Peers[i].Namespace == ns {
			inNS = append(inNS, i)
		}
	}
	isolated := func(i int) bool {
		in, eg := m.PoliciesFor(i)
		if side == "ingress" {
			return len(in) > 0
		}
		return len(eg) > 0
	}
	// The whole workloads of the targets (the isolated part of them for a
	// podSelector), and the targets alone as the fallback.
	groups := newWorkloadGroups(g)
	want := map[int]bool{}
	isTarget := map[int]bool{}
	for _, t := range targets {
		want[groups.of(g.PeerNode(t))] = true
		isTarget[t] = true
	}
	var whole []int
	for _, i := range inNS {
		if isTarget[i] || (want[groups.of(g.PeerNode(i))] && (side == "" || isolated(i))) {
			whole = append(whole, i)
		}
	}
	var avoid []int
	if side != "" {
		for _, i := range inNS {
			if !isolated(i) {
				avoid = append(avoid, i)
			}
		}
	}
	// A pod's name changes with every rollout of its workload.
	ephemeral := func(i int) bool {
		n := g.PeerNode(i)
		return n.Kind == KindPod && groups.list[groups.of(n)][1] != "Pod"
	}
	sel, err := narrowest(m, whole, inNS, avoid, ephemeral)
	if err == nil || len(whole) == len(targets) {
		if err != nil {
			return nil, err
		}
		return sel, nil
	}
	return narrowest(m, targets, inNS, avoid, ephemeral)
}

// narrowest picks labels common to every peer of cover, one at a time —
// an identity label (app.kubernetes.io/name, app, k8s-app) first, then
// whichever drops the most other peers of the namespace — until the
// selector picks cover alone or no label narrows it further. It fails
// when cover shares no usable label, or the selector picks a peer of
// avoid.
func narrowest(m *policy.Model, cover, inNS, avoid []int, ephemeral func(int) bool) (map[string]string, error) {
	names := func(ps []int) string {
		var out []string
		for _, p := range ps[:min(len(ps), 3)] {
			out = append(out, m.Peers[p].ID())
		}
		if len(ps) > 3 {
			out = append(out, fmt.Sprintf("… (%d in all)", len(ps)))
		}
		return strings.Join(out, ", ")
	}
	common := map[string]string{}
	for k, v := range m.Peers[cover[0]].Labels {
		if !unstableLabels[k] {
			common[k] = v
		}
	}
	for _, p := range cover {
		peer := &m.Peers[p]
		for k, v := range common {
			if got, ok := peer.Labels[k]; !ok || got != v || (v == peer.Name && ephemeral(p)) {
				delete(common, k)
			}
		}
	}
	if len(common) == 0 {
		return nil, inputErr("%s share no label a policy can select them by (pod-template-hash, revision hashes and pod names change with every rollout): add a label such as app", names(cover))
	}
	keys := make([]string, 0, len(common))
	for k := range common {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, rj := labelRank(keys[i]), labelRank(keys[j])
		if ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	sel := map[string]string{}
	matched := inNS
	filter := func(ps []int, k, v string) []int {
		var out []int
		for _, p := range ps {
			if got, ok := m.Peers[p].Labels[k]; ok && got == v {
				out = append(out, p)
			}
		}
		return out
	}
	for _, k := range keys {
		if identityLabels[k] {
			sel[k] = common[k]
			matched = filter(matched, k, common[k])
			break
		}
	}
	for len(matched) > len(cover) {
		best, bestN := "", len(matched)
		for _, k := range keys {
			if _, used := sel[k]; used {
				continue
			}
			if n := len(filter(matched, k, common[k])); n < bestN {
				best, bestN = k, n
			}
		}
		if best == "" {
			break
		}
		sel[best] = common[best]
		matched = filter(matched, best, common[best])
	}
	if len(sel) == 0 {
		sel[keys[0]] = common[keys[0]]
		matched = filter(matched, keys[0], common[keys[0]])
	}
	s := labels.SelectorFromSet(sel)
	var hit []int
	for _, p := range avoid {
		if s.Matches(labels.Set(m.Peers[p].Labels)) {
			hit = append(hit, p)
		}
	}
	if len(hit) > 0 {
		return nil, inputErr("every selector for %s also picks %s, which no policy isolates yet: a policy selecting it would cut its other traffic, so give %s a label of its own", names(cover), names(hit), names(cover))
	}
	return sel, nil
}

// CheckSuggestion lays the suggestion's policies over the cluster, traces
// the request again and computes the diff; it fills s.After and s.Diff.
// It fails (wrapping ErrSuggestionCheck) unless the trace is allowed —
// or unknown where a side was unknown before — and every changed
// connection goes from a peer that a policy's source selector picks to a
// peer that its destination selector picks, gaining only the requested
// port and losing nothing.
func (g *Graph) CheckSuggestion(s *Suggestion) error {
	o, errs := kube.NewOverlay(s.Objects(), nil)
	if len(errs) > 0 {
		return fmt.Errorf("%w: the suggested policies are not valid: %v", ErrSuggestionCheck, errors.Join(errs...))
	}
	c, err := o.Apply(g.Cluster)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSuggestionCheck, err)
	}
	after := Build(c, g.opts)
	proto, err := policy.ParseProtocol(s.Protocol)
	if err != nil {
		return err
	}
	from, err := g.Resolve(s.From)
	if err != nil {
		return err
	}
	t, err := after.Trace(TraceRequest{From: from.Node.Key(), To: s.target, Port: s.Port, Protocol: proto})
	if err != nil {
		return fmt.Errorf("%w: trace with the suggestion: %v", ErrSuggestionCheck, err)
	}
	s.After = t.Verdict
	if t.Verdict != "allowed" && !(t.Verdict == "unknown" && len(s.Unknown) > 0) {
		return fmt.Errorf("%w: with the suggested policies the trace is still %s: %s", ErrSuggestionCheck, t.Verdict, t.Summary)
	}
	s.Diff = Diff(g, after)
	var bad []string
	s.Diff.EachPair(func(p DiffPair) bool {
		if why := s.outside(after, p, proto); why != "" {
			bad = append(bad, why)
		}
		return len(bad) < 5
	})
	if len(bad) > 0 {
		return fmt.Errorf("%w: it changes other traffic too: %s", ErrSuggestionCheck, strings.Join(bad, "; "))
	}
	return nil
}

// outside says why a changed pair is not one the suggestion is meant to
// change, or "" when it is.
func (s *Suggestion) outside(after *Graph, p DiffPair, proto policy.Protocol) string {
	src, dst := after.Node(p.From), after.Node(p.To)
	if src == nil || dst == nil || src.Peer < 0 || dst.Peer < 0 {
		return fmt.Sprintf("%s → %s appeared or vanished", p.From, p.To)
	}
	sp, dp := &after.Model.Peers[src.Peer], &after.Model.Peers[dst.Peer]
	covered := false
	for _, np := range s.Policies {
		var srcSel, dstSel *metav1.LabelSelector
		var srcNS, dstNS string
		var nsSel *metav1.LabelSelector
		if len(np.Spec.Ingress) > 0 {
			peer := np.Spec.Ingress[0].From[0]
			dstSel, dstNS = &np.Spec.PodSelector, np.Namespace
			srcSel, srcNS, nsSel = peer.PodSelector, np.Namespace, peer.NamespaceSelector
		} else {
			peer := np.Spec.Egress[0].To[0]
			srcSel, srcNS = &np.Spec.PodSelector, np.Namespace
			dstSel, dstNS, nsSel = peer.PodSelector, np.Namespace, peer.NamespaceSelector
		}
		if nsSel != nil {
			other := nsSel.MatchLabels[policy.NamespaceNameLabel]
			if len(np.Spec.Ingress) > 0 {
				srcNS = other
			} else {
				dstNS = other
			}
		}
		if sp.Namespace == srcNS && dp.Namespace == dstNS && selects(srcSel, sp.Labels) && selects(dstSel, dp.Labels) {
			covered = true
			break
		}
	}
	if !covered {
		return fmt.Sprintf("%s → %s is outside the suggestion's selectors", sp.ID(), dp.ID())
	}
	// Only the requested port may be gained, on the port it names on dst.
	port := 0
	if s.port.Type == intstr.Int {
		port = int(s.port.IntVal)
	} else {
		for _, cp := range dp.Ports {
			if cp.Name == s.port.StrVal && cp.Protocol == proto {
				port = cp.Port
				break
			}
		}
	}
	var allowed policy.Ports
	if port > 0 {
		allowed[proto] = policy.Single(port)
	}
	if !p.Before.Allowed.Subtract(p.After.Allowed).Empty() {
		return fmt.Sprintf("%s → %s loses %s", sp.ID(), dp.ID(), p.Before.Allowed.Subtract(p.After.Allowed))
	}
	if gained := p.After.Allowed.Subtract(p.Before.Allowed).Subtract(allowed); !gained.Empty() {
		return fmt.Sprintf("%s → %s gains %s", sp.ID(), dp.ID(), gained)
	}
	if gained := p.After.Unknown.Subtract(p.Before.Unknown).Subtract(allowed); !gained.Empty() {
		return fmt.Sprintf("%s → %s becomes unknown on %s", sp.ID(), dp.ID(), gained)
	}
	return ""
}

func selects(ls *metav1.LabelSelector, l map[string]string) bool {
	sel, err := metav1.LabelSelectorAsSelector(ls)
	return err == nil && sel.Matches(labels.Set(l))
}
