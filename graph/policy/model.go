// Package policy decides Kubernetes NetworkPolicy v1 reachability exactly.
//
// Policies are compiled once into a Model. A question takes traffic (source,
// destination, protocol, port) and returns an egress result at the source and
// an ingress result at the destination; traffic is allowed only when both
// allow. Every result can explain itself. The package is pure: no I/O, and the
// only goroutines are the ones its bulk queries start and wait for.
//
// For scale, peers that no policy can tell apart (the same answers for every
// selector, the same ipBlock membership, the same named ports) share one
// class, and every bulk question is answered per pair of classes.
package policy

import (
	"fmt"
	"net/netip"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
	"sort"
	"strconv"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// NamespaceNameLabel is the label the API server sets on every namespace.
const NamespaceNameLabel = "kubernetes.io/metadata.name"

// Namespace is what the engine knows of one namespace.
type Namespace struct {
	Name   string
	Labels map[string]string
	// LabelsUnknown is set when namespaces could not be read: only the
	// kubernetes.io/metadata.name label is certain then.
	LabelsUnknown bool
	// PoliciesUnknown is set when the namespace's NetworkPolicies could not
	// be read: nothing is certain about its pods' isolation then.
	PoliciesUnknown bool
	// Reason says why something is unknown, for explanations.
	Reason string
}

// NamedPort is a container port as policies see it.
type NamedPort struct {
	Name     string
	Protocol Protocol
	Port     int
}

// Peer is one pod, or a workload standing for its pods.
type Peer struct {
	Namespace string
	Name      string
	Kind      string // "Pod" or the workload kind
	Labels    map[string]string
	// IPs are the peer's known addresses. With none, whether an ipBlock
	// matches the peer is unknown.
	IPs   []netip.Addr
	Ports []NamedPort
}

// ID is "namespace/name".
func (p *Peer) ID() string { return p.Namespace + "/" + p.Name }

// Input is everything the engine needs.
type Input struct {
	Namespaces []Namespace
	Peers      []Peer
	Policies   []*networkingv1.NetworkPolicy
	// AdminPolicies and Baseline are the cluster-scoped tiers around
	// NetworkPolicy; Nodes serve their "nodes" peers.
	AdminPolicies []*anpv1alpha1.AdminNetworkPolicy
	Baseline      *anpv1alpha1.BaselineAdminNetworkPolicy
	Nodes         []Node
	// AdminUnknown and BaselineUnknown say that the tier could not be read
	// (the reason in TierReason): any of its rules could decide any
	// traffic, so the answers it could change are unknown.
	AdminUnknown, BaselineUnknown bool
	TierReason                    string
}

// tri is a three-valued truth.
type tri uint8

const (
	no tri = iota
	maybe
	yes
)

type matcherKind uint8

const (
	mPods      matcherKind = iota // podSelector in one namespace
	mNamespace                    // every pod of matching namespaces
	mNsPods                       // podSelector within matching namespaces
	mIPBlock                      // ipBlock with except
	mNodes                        // AdminNetworkPolicy nodes: node addresses
	mNetworks                     // AdminNetworkPolicy networks: CIDRs
	mDomains                      // AdminNetworkPolicy domainNames: never certain
	mAmbiguous                    // a CIDR the API server accepts but plugins read differently
)

// matcher is one deduplicated "which peers does this select" question.
type matcher struct {
	kind     matcherKind
	ns       string
	podSel   labels.Selector
	nsSel    labels.Selector
	cidr     netip.Prefix
	except   []netip.Prefix
	networks []netip.Prefix
	desc     string
}

type namedRef struct {
	name  string
	proto Protocol
}

// rulePorts is a rule's port list, with named ports left for the
// destination to resolve.
type rulePorts struct {
	numeric Ports
	named   []namedRef
	desc    []string // each port entry as written, for explanations
}

type rule struct {
	all   bool  // no peers listed: everything
	peers []int // matcher per peer; -1 for a peer that can match nothing
	ports rulePorts
}

type compiledPolicy struct {
	src     *networkingv1.NetworkPolicy
	id      string
	target  int
	ingress bool
	egress  bool
	in, eg  []rule
}

// class is a set of peers that every policy treats alike.
type class struct {
	yes, maybe bitset // over matchers
	named      map[namedRef]int
	polUnknown bool
	unknownWhy string
	inPolicies []int // policies with type Ingress selecting the class
	egPolicies []int
	members    []int
	// hasAdmin is set when an AdminNetworkPolicy or the baseline may apply
	// to the class, so its answers go through the tiers.
	hasAdmin bool
}

// Model is the compiled form of a set of policies over a set of peers.
// It is safe for concurrent reads.
type Model struct {
	Peers      []Peer
	namespaces map[string]*Namespace
	matchers   []matcher
	policies   []compiledPolicy
	classes    []*class
	classOf    []int
	byID       map[string]int
	ipPeers    map[netip.Addr]int
	admin      []*adminPolicy
	baseline   *adminPolicy
	nodes      []Node
	bulk       bulk
	// adminUnknown and baselineUnknown mark tiers that could not be read.
	adminUnknown, baselineUnknown bool
	tierReason                    string
}

// Compile builds the model. Policies are expected to be defaulted and valid
// (see kube.Default and kube.Validate); anything malformed that slips
// through matches nothing rather than everything.
func Compile(in Input) *Model {
	m := &Model{
		Peers:      in.Peers,
		namespaces: map[string]*Namespace{},
		byID:       map[string]int{},
		ipPeers:    map[netip.Addr]int{},
	}
	for i := range in.Namespaces {
		ns := in.Namespaces[i]
		m.namespaces[ns.Name] = &ns
	}
	for i := range in.Peers {
		p := &in.Peers[i]
		if _, ok := m.namespaces[p.Namespace]; !ok {
			m.namespaces[p.Namespace] = &Namespace{Name: p.Namespace}
		}
		if _, dup := m.byID[p.ID()]; !dup {
			m.byID[p.ID()] = i
		}
		for _, ip := range p.IPs {
			m.ipPeers[ip] = i
		}
	}
	matcherIDs := map[string]int{}
	addMatcher := func(mt matcher) int {
		if id, ok := matcherIDs[mt.desc]; ok {
			return id
		}
		m.matchers = append(m.matchers, mt)
		matcherIDs[mt.desc] = len(m.matchers) - 1
		return len(m.matchers) - 1
	}
	for _, np := range in.Policies {
		m.policies = append(m.policies, m.compilePolicy(np, addMatcher))
	}
	m.nodes = in.Nodes
	m.adminUnknown, m.baselineUnknown, m.tierReason = in.AdminUnknown, in.BaselineUnknown, in.TierReason
	m.compileAdmin(in.AdminPolicies, in.Baseline, addMatcher)
	m.classify()
	return m
}

func selectorOrNothing(ls *metav1.LabelSelector) labels.Selector {
	if ls == nil {
		return labels.Everything()
	}
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return labels.Nothing()
	}
	return sel
}

func (m *Model) compilePolicy(np *networkingv1.NetworkPolicy, add func(matcher) int) compiledPolicy {
	cp := compiledPolicy{src: np, id: np.Namespace + "/" + np.Name}
	sel := selectorOrNothing(&np.Spec.PodSelector)
	cp.target = add(matcher{kind: mPods, ns: np.Namespace, podSel: sel, desc: "pods " + np.Namespace + " " + sel.String()})
	types := np.Spec.PolicyTypes
	if len(types) == 0 {
		// The API server's default, applied here too so an undefaulted
		// policy cannot widen what is allowed.
		types = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		if len(np.Spec.Egress) > 0 {
			types = append(types, networkingv1.PolicyTypeEgress)
		}
	}
	for _, t := range types {
		switch t {
		case networkingv1.PolicyTypeIngress:
			cp.ingress = true
		case networkingv1.PolicyTypeEgress:
			cp.egress = true
		}
	}
	if cp.ingress {
		for _, r := range np.Spec.Ingress {
			cp.in = append(cp.in, m.compileRule(np.Namespace, r.From, r.Ports, add))
		}
	}
	if cp.egress {
		for _, r := range np.Spec.Egress {
			cp.eg = append(cp.eg, m.compileRule(np.Namespace, r.To, r.Ports, add))
		}
	}
	return cp
}

func (m *Model) compileRule(ns string, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort, add func(matcher) int) rule {
	r := rule{all: len(peers) == 0, ports: compilePorts(ports)}
	for _, p := range peers {
		r.peers = append(r.peers, compilePeer(ns, p, add))
	}
	return r
}

func compilePeer(ns string, p networkingv1.NetworkPolicyPeer, add func(matcher) int) int {
	switch {
	case p.IPBlock != nil:
		if p.PodSelector != nil || p.NamespaceSelector != nil {
			return -1 // invalid: the API server rejects it
		}
		cidr, err := netip.ParsePrefix(p.IPBlock.CIDR)
		if err != nil {
			// The API server accepts some CIDRs Go does not (leading
			// zeros); network plugins read those differently, so whether
			// they match is unknown.
			return add(matcher{kind: mAmbiguous, desc: "ambiguous ipBlock " + p.IPBlock.CIDR})
		}
		mt := matcher{kind: mIPBlock, cidr: cidr.Masked()}
		parts := []string{"ipBlock " + mt.cidr.String()}
		for _, e := range p.IPBlock.Except {
			ex, err := netip.ParsePrefix(e)
			if err != nil {
				return add(matcher{kind: mAmbiguous, desc: "ambiguous ipBlock " + p.IPBlock.CIDR + " except " + e})
			}
			mt.except = append(mt.except, ex.Masked())
			parts = append(parts, ex.Masked().String())
		}
		mt.desc = strings.Join(parts, " except ")
		return add(mt)
	case p.NamespaceSelector != nil && p.PodSelector != nil:
		nsSel, podSel := selectorOrNothing(p.NamespaceSelector), selectorOrNothing(p.PodSelector)
		return add(matcher{kind: mNsPods, nsSel: nsSel, podSel: podSel, desc: "nspods " + nsSel.String() + " | " + podSel.String()})
	case p.NamespaceSelector != nil:
		nsSel := selectorOrNothing(p.NamespaceSelector)
		return add(matcher{kind: mNamespace, nsSel: nsSel, desc: "ns " + nsSel.String()})
	case p.PodSelector != nil:
		podSel := selectorOrNothing(p.PodSelector)
		return add(matcher{kind: mPods, ns: ns, podSel: podSel, desc: "pods " + ns + " " + podSel.String()})
	}
	return -1 // an empty peer is rejected by the API server
}

func compilePorts(ports []networkingv1.NetworkPolicyPort) rulePorts {
	var rp rulePorts
	if len(ports) == 0 {
		rp.numeric = AllProtocols
		return rp
	}
	for _, p := range ports {
		proto := protocolOf(p.Protocol)
		switch {
		case p.Port == nil:
			rp.numeric[proto] = AllPorts
			rp.desc = append(rp.desc, "all "+proto.String()+" ports")
		case p.Port.Type == intstr.String:
			rp.named = append(rp.named, namedRef{p.Port.StrVal, proto})
			rp.desc = append(rp.desc, p.Port.StrVal+"/"+proto.String())
		default:
			lo, hi := int(p.Port.IntVal), int(p.Port.IntVal)
			if p.EndPort != nil {
				hi = int(*p.EndPort)
			}
			rp.numeric[proto] = rp.numeric[proto].Union(Span(lo, hi))
			if hi != lo {
				rp.desc = append(rp.desc, strconv.Itoa(lo)+"-"+strconv.Itoa(hi)+"/"+proto.String())
			} else {
				rp.desc = append(rp.desc, strconv.Itoa(lo)+"/"+proto.String())
			}
		}
	}
	return rp
}

// resolve turns a rule's ports into numbers on a destination with the
// given named ports: a name matches only with the same protocol.
func (rp *rulePorts) resolve(named map[namedRef]int) Ports {
	if len(rp.named) == 0 {
		return rp.numeric
	}
	out := rp.numeric
	for _, n := range rp.named {
		if port, ok := named[n]; ok {
			out[n.proto] = out[n.proto].Union(Single(port))
		}
	}
	return out
}

// nsLabelsMatch evaluates a namespace selector, three-valued.
func (m *Model) nsLabelsMatch(sel labels.Selector, nsName string) tri {
	ns := m.namespaces[nsName]
	if ns == nil || !ns.LabelsUnknown {
		var l map[string]string
		if ns != nil {
			l = ns.Labels
		}
		return boolTri(sel.Matches(withNameLabel(l, nsName)))
	}
	reqs, selectable := sel.Requirements()
	if !selectable {
		return no
	}
	for _, r := range reqs {
		if r.Key() != NamespaceNameLabel {
			return maybe
		}
	}
	return boolTri(sel.Matches(labels.Set{NamespaceNameLabel: nsName}))
}

func withNameLabel(l map[string]string, name string) labels.Set {
	if l[NamespaceNameLabel] == name {
		return l
	}
	out := make(labels.Set, len(l)+1)
	for k, v := range l {
		out[k] = v
	}
	out[NamespaceNameLabel] = name
	return out
}

func boolTri(b bool) tri {
	if b {
		return yes
	}
	return no
}

// matchPeer evaluates matcher mi against a peer in its namespace.
func (m *Model) matchPeer(mi int, p *Peer) tri {
	mt := &m.matchers[mi]
	switch mt.kind {
	case mPods:
		return boolTri(p.Namespace == mt.ns && mt.podSel.Matches(labels.Set(p.Labels)))
	case mNamespace:
		return m.nsLabelsMatch(mt.nsSel, p.Namespace)
	case mNsPods:
		if !mt.podSel.Matches(labels.Set(p.Labels)) {
			return no
		}
		return m.nsLabelsMatch(mt.nsSel, p.Namespace)
	case mIPBlock, mNetworks:
		if len(p.IPs) == 0 {
			return maybe
		}
		for _, ip := range p.IPs {
			if mt.matchIP(ip) {
				return yes
			}
		}
		return no
	case mAmbiguous:
		return maybe
	case mNodes, mDomains:
		return no // pods are neither nodes nor domain names
	}
	return no
}

func (mt *matcher) matchIP(ip netip.Addr) bool {
	ip = ip.Unmap()
	if mt.kind == mNetworks {
		for _, n := range mt.networks {
			if n.Contains(ip) {
				return true
			}
		}
		return false
	}
	if !mt.cidr.Contains(ip) {
		return false
	}
	for _, e := range mt.except {
		if e.Contains(ip) {
			return false
		}
	}
	return true
}

// classify groups peers into classes.
func (m *Model) classify() {
	var referenced []namedRef
	seenRef := map[namedRef]bool{}
	refer := func(rp *rulePorts) {
		for _, n := range rp.named {
			if !seenRef[n] {
				seenRef[n] = true
				referenced = append(referenced, n)
			}
		}
	}
	for _, cp := range m.policies {
		for _, rs := range [][]rule{cp.in, cp.eg} {
			for i := range rs {
				refer(&rs[i].ports)
			}
		}
	}
	admins := m.admin
	if m.baseline != nil {
		admins = append(admins[:len(admins):len(admins)], m.baseline)
	}
	for _, ap := range admins {
		for _, rs := range [][]adminRule{ap.in, ap.eg} {
			for i := range rs {
				refer(&rs[i].ports)
			}
		}
	}
	// Label keys any pod selector looks at: pods that agree on these agree
	// on every selector.
	keys := map[string]bool{}
	var ipMatchers, labelMatchers []int
	for i, mt := range m.matchers {
		if mt.kind == mIPBlock || mt.kind == mNetworks || mt.kind == mAmbiguous {
			ipMatchers = append(ipMatchers, i)
			continue
		}
		labelMatchers = append(labelMatchers, i)
		if mt.podSel != nil {
			reqs, _ := mt.podSel.Requirements()
			for _, r := range reqs {
				keys[r.Key()] = true
			}
		}
	}
	sortedKeys := make([]string, 0, len(keys))
	for k := range keys {
		sortedKeys = append(sortedKeys, k)
	}
	sort.Strings(sortedKeys)

	type group struct{ yes, maybe bitset }
	groups := map[string]*group{}
	classIDs := map[string]int{}
	m.classOf = make([]int, len(m.Peers))
	var kb strings.Builder
	for pi := range m.Peers {
		p := &m.Peers[pi]
		kb.Reset()
		kb.WriteString(p.Namespace)
		for _, k := range sortedKeys {
			if v, ok := p.Labels[k]; ok {
				kb.WriteByte(0)
				kb.WriteString(k)
				kb.WriteByte('=')
				kb.WriteString(v)
			}
		}
		gk := kb.String()
		g := groups[gk]
		if g == nil {
			g = &group{yes: newBitset(len(m.matchers)), maybe: newBitset(len(m.matchers))}
			for _, mi := range labelMatchers {
				switch m.matchPeer(mi, p) {
				case yes:
					g.yes.set(mi)
				case maybe:
					g.maybe.set(mi)
				}
			}
			groups[gk] = g
		}
		yesBits, maybeBits := g.yes, g.maybe
		if len(ipMatchers) > 0 {
			yesBits, maybeBits = yesBits.clone(), maybeBits.clone()
			for _, mi := range ipMatchers {
				switch m.matchPeer(mi, p) {
				case yes:
					yesBits.set(mi)
				case maybe:
					maybeBits.set(mi)
				}
			}
		}
		kb.Reset()
		kb.WriteString(yesBits.key())
		kb.WriteByte('|')
		kb.WriteString(maybeBits.key())
		named := map[namedRef]int{}
		for _, ref := range referenced {
			if port, ok := resolveNamed(p, ref); ok {
				named[ref] = port
				fmt.Fprintf(&kb, "|%s/%d=%d", ref.name, ref.proto, port)
			}
		}
		ns := m.namespaces[p.Namespace]
		if ns.PoliciesUnknown {
			kb.WriteString("|unknown:" + ns.Reason)
		}
		ck := kb.String()
		ci, ok := classIDs[ck]
		if !ok {
			ci = len(m.classes)
			classIDs[ck] = ci
			c := &class{yes: yesBits, maybe: maybeBits, named: named, polUnknown: ns.PoliciesUnknown, unknownWhy: ns.Reason}
			for pid, cp := range m.policies {
				if yesBits.has(cp.target) {
					if cp.ingress {
						c.inPolicies = append(c.inPolicies, pid)
					}
					if cp.egress {
						c.egPolicies = append(c.egPolicies, pid)
					}
				}
			}
			c.hasAdmin = m.adminUnknown || m.baselineUnknown
			for _, ap := range m.admin {
				c.hasAdmin = c.hasAdmin || yesBits.has(ap.subject) || maybeBits.has(ap.subject)
			}
			if m.baseline != nil {
				c.hasAdmin = c.hasAdmin || yesBits.has(m.baseline.subject) || maybeBits.has(m.baseline.subject)
			}
			m.classes = append(m.classes, c)
		}
		m.classOf[pi] = ci
		m.classes[ci].members = append(m.classes[ci].members, pi)
	}
}

// resolveNamed finds a named port on a peer: name and protocol must match.
func resolveNamed(p *Peer, ref namedRef) (int, bool) {
	for _, cp := range p.Ports {
		if cp.Name == ref.name && cp.Protocol == ref.proto {
			return cp.Port, true
		}
	}
	return 0, false
}

// Classes returns how many classes the peers fell into.
func (m *Model) Classes() int { return len(m.classes) }

// PeerIndex finds a peer by "namespace/name".
func (m *Model) PeerIndex(id string) (int, bool) {
	i, ok := m.byID[id]
	return i, ok
}

// PeerByIP finds the peer that holds ip.
func (m *Model) PeerByIP(ip netip.Addr) (int, bool) {
	i, ok := m.ipPeers[ip]
	return i, ok
}

// ClassOf returns the class of peer i; peers of one class get the same
// answers to every question.
func (m *Model) ClassOf(i int) int { return m.classOf[i] }

// ClassMembers returns the peers of class c.
func (m *Model) ClassMembers(c int) []int { return m.classes[c].members }

type bitset []uint64

func newBitset(n int) bitset    { return make(bitset, (n+63)/64) }
func (b bitset) set(i int)      { b[i/64] |= 1 << (uint(i) % 64) }
func (b bitset) has(i int) bool { return i >= 0 && i/64 < len(b) && b[i/64]&(1<<(uint(i)%64)) != 0 }
func (b bitset) clone() bitset  { return append(bitset(nil), b...) }
func (b bitset) key() string {
	var sb strings.Builder
	for _, w := range b {
		sb.WriteString(strconv.FormatUint(w, 36))
		sb.WriteByte('.')
	}
	return sb.String()
}
