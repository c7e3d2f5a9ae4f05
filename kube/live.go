package kube

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	anpclient "sigs.k8s.io/network-policy-api/pkg/client/clientset/versioned"
)

// State says how current a live Snapshot is.
type State string

// The states of a live source.
const (
	// StateSynced marks the first snapshot, once every cache has synced.
	StateSynced State = "synced"
	// StateLive marks a later snapshot while every watch is healthy.
	StateLive State = "live"
	// StateReconnecting marks a snapshot while some watch cannot reach the
	// API server: the data is the last known state, and Err says why.
	StateReconnecting State = "reconnecting"
)

// Snapshot is one update of a live source: the cluster as it is now, and
// how current that is.
type Snapshot struct {
	// Cluster is the state of the cluster, finished (see Cluster.Finish)
	// and never modified afterwards: consumers may keep it and read it
	// from any goroutine. It is nil only in a reconnecting snapshot sent
	// before the first sync, when there is no state yet.
	Cluster *Cluster
	State   State
	// Err is the error of the first failing watch while reconnecting.
	Err error
}

// LiveOptions tune a live source. The zero value is ready to use.
type LiveOptions struct {
	// Namespace is where netviz reads a kind that the user may not list in
	// all namespaces: the namespace from -n, or else the kubeconfig
	// context's. Empty means "default".
	Namespace string
	// AllNamespaces (kubectl's -A) makes netviz, for a kind the user may
	// not list in all namespaces, try every namespace it can list instead
	// of only Namespace.
	AllNamespaces bool
	// Batch is how long watch events are gathered into one snapshot
	// (default DefaultBatch).
	Batch time.Duration
	// ProbeTimeout bounds the first contact with the API server (default
	// DefaultProbeTimeout).
	ProbeTimeout time.Duration
	// GiveUp is how long WaitForSync waits while the API server cannot be
	// reached (default DefaultGiveUp). A live source itself never gives up.
	GiveUp time.Duration
}

// Defaults of LiveOptions.
const (
	// DefaultBatch is how long watch events are gathered into one
	// snapshot: short enough that a change shows within a second.
	DefaultBatch = 250 * time.Millisecond
	// DefaultGiveUp is how long WaitForSync waits for an unreachable API
	// server.
	DefaultGiveUp = 15 * time.Second
)

// Live reads a cluster through shared informers (list and watch, no resync,
// no polling) for the kinds netviz shows, and turns their events into
// Snapshots: batched, so that a burst of events costs one rebuild, and built
// only from the kinds that changed. It uses only the get, list and watch
// verbs, and never reads Secrets.
//
// Kinds the user may not list in every namespace are read in the fallback
// namespaces (see LiveOptions); what cannot be read at all becomes a Gap in
// every snapshot. A Live survives the API server going away: its snapshots
// say StateReconnecting meanwhile, and the informers resume where they
// stopped. Stop it to release everything; a context switch is a Stop and a
// new StartLive.
type Live struct {
	host    string
	version string
	opts    LiveOptions
	kinds   []resourceKind // what the API server serves of liveKinds
	plan    map[string]access

	informers []*liveInformer
	byKind    map[string][]*liveInformer

	cancel  context.CancelFunc
	wg      sync.WaitGroup
	stop    sync.Once
	wake    chan struct{}
	updates chan Snapshot
	synced  chan struct{}

	mu       sync.Mutex
	dirty    map[string]bool
	changed  chan struct{} // closed and replaced when a watch's health changes
	current  Snapshot
	built    map[string]*Cluster // per kind, the last sorted lists
	rebuilds int
	events   int
}

// liveInformer is one informer: a kind in every namespace, or in one.
type liveInformer struct {
	kind resourceKind
	ns   string // "" for every namespace or a cluster-scoped kind
	inf  cache.SharedIndexInformer
	live *Live

	mu        sync.Mutex
	err       error // the last list or watch error; nil once one succeeds
	errSince  time.Time
	forbidden bool // err says the user may not read this (any more)
}

// StartLive contacts the API server described by cfg, checks what the user
// may read, and starts the informers. It returns within seconds: when the
// server cannot be reached or rejects the credentials, with an error that
// says so. ctx bounds only this start; the informers run until Stop.
func StartLive(ctx context.Context, cfg *rest.Config, opts LiveOptions) (*Live, error) {
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	if opts.ProbeTimeout <= 0 {
		opts.ProbeTimeout = DefaultProbeTimeout
	}
	if opts.GiveUp <= 0 {
		opts.GiveUp = DefaultGiveUp
	}
	if opts.Namespace == "" {
		opts.Namespace = metav1.NamespaceDefault
	}
	version, err := Probe(ctx, cfg, opts.ProbeTimeout)
	if err != nil {
		return nil, err
	}

	// Access reviews are quick requests: bound them like the probe.
	quick := rest.CopyConfig(cfg)
	quick.Timeout = 2 * opts.ProbeTimeout
	quick.WarningHandler = rest.NoWarnings{}
	if quick.QPS == 0 {
		// Some twenty reviews go out at once; client-go's default of 5
		// per second would make them take seconds.
		quick.QPS, quick.Burst = 50, 100
	}
	reviews, err := newClients(quick, false)
	if err != nil {
		return nil, err
	}
	kinds := servedKinds(reviews.core)
	reviewer := firstAnswer{ssarReviewer{reviews.core}, listReviewer{reviews}}
	plan := planAccess(ctx, kinds, reviewer, func(all map[string]bool) []string {
		return fallbackNamespaces(ctx, reviews.core, opts, all[ResourceNamespaces])
	})
	return startInformers(cfg, opts, kinds, plan, version)
}

// newClients makes the clientsets for cfg: Kubernetes' kinds in protobuf
// when proto is set (it halves decoding), the CRD kinds in JSON, which is
// all a CRD speaks.
func newClients(cfg *rest.Config, proto bool) (clients, error) {
	core := rest.CopyConfig(cfg)
	if proto {
		core.ContentType = runtime.ContentTypeProtobuf
		core.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	}
	cs, err := kubernetes.NewForConfig(core)
	if err != nil {
		return clients{}, fmt.Errorf("configure a client for %s: %w", cfg.Host, err)
	}
	anp, err := anpclient.NewForConfig(cfg)
	if err != nil {
		return clients{}, fmt.Errorf("configure a client for %s: %w", cfg.Host, err)
	}
	return clients{core: cs, anp: anp}, nil
}

// fallbackNamespaces returns where to read kinds that the user may not list
// in every namespace: with AllNamespaces, every namespace the user can list
// (when it can); else the one namespace.
func fallbackNamespaces(ctx context.Context, cs kubernetes.Interface, opts LiveOptions, canListNamespaces bool) []string {
	if !opts.AllNamespaces || !canListNamespaces {
		return []string{opts.Namespace}
	}
	var names []string
	list := metav1.ListOptions{Limit: 500}
	for {
		nss, err := cs.CoreV1().Namespaces().List(ctx, list)
		if err != nil {
			return []string{opts.Namespace}
		}
		for _, ns := range nss.Items {
			names = append(names, ns.Name)
		}
		if nss.Continue == "" {
			break
		}
		list.Continue = nss.Continue
	}
	slices.Sort(names)
	return names
}

// startInformers creates and runs the informers of plan.
func startInformers(cfg *rest.Config, opts LiveOptions, kinds []resourceKind, plan map[string]access, version string) (*Live, error) {
	cfg = rest.CopyConfig(cfg)
	// Lists and watches must never time out: the first list of a large
	// cluster takes as long as it takes, and a watch stays open. The
	// API server ends each watch itself after a few minutes.
	cfg.Timeout = 0
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = 50, 100
	}
	cfg.WarningHandler = rest.NoWarnings{}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "netviz"
	}
	cs, err := newClients(cfg, true)
	if err != nil {
		return nil, err
	}

	l := newLive(opts, kinds, plan)
	l.host, l.version = cfg.Host, version
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	for _, k := range kinds {
		a := plan[k.name]
		var scopes []string
		switch {
		case a.all:
			scopes = []string{metav1.NamespaceAll}
		case k.namespaced:
			scopes = a.namespaces
		}
		for _, ns := range scopes {
			li, err := l.newInformer(ctx, cs, k, ns)
			if err != nil {
				cancel()
				return nil, err
			}
			l.informers = append(l.informers, li)
			l.byKind[k.name] = append(l.byKind[k.name], li)
		}
	}
	for _, li := range l.informers {
		l.wg.Go(func() { li.inf.RunWithContext(ctx) })
		l.wg.Go(func() {
			// Wake the builder once this informer has synced, so the
			// first snapshot goes out as soon as the last one has.
			select {
			case <-li.inf.HasSyncedChecker().Done():
				l.notify()
			case <-ctx.Done():
			}
		})
	}
	l.wg.Go(func() { l.run(ctx) })
	return l, nil
}

func newLive(opts LiveOptions, kinds []resourceKind, plan map[string]access) *Live {
	return &Live{
		opts:    opts,
		kinds:   kinds,
		plan:    plan,
		byKind:  map[string][]*liveInformer{},
		wake:    make(chan struct{}, 1),
		updates: make(chan Snapshot, 1),
		synced:  make(chan struct{}),
		dirty:   map[string]bool{},
		changed: make(chan struct{}),
		built:   map[string]*Cluster{},
	}
}

// newInformer makes the informer for kind k in namespace ns. The list and
// watch calls report their outcome, which is how a Live knows when a watch
// fails and when it is back.
func (l *Live) newInformer(ctx context.Context, cs clients, k resourceKind, ns string) (*liveInformer, error) {
	li := &liveInformer{kind: k, ns: ns, live: l}
	list, watchFn := k.list(cs, ns), k.watch(cs, ns)
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			obj, err := list(ctx, opts)
			li.report(ctx, err)
			return obj, err
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			w, err := watchFn(ctx, opts)
			li.report(ctx, err)
			return w, err
		},
	}
	li.inf = cache.NewSharedIndexInformerWithOptions(cache.ToListWatcherWithWatchListSemantics(lw, cs.core), k.object,
		cache.SharedIndexInformerOptions{ResyncPeriod: 0})
	if err := li.inf.SetTransform(func(obj any) (any, error) { return k.slim(obj), nil }); err != nil {
		return nil, fmt.Errorf("set up %s informer: %w", k.name, err)
	}
	// The handler replaces client-go's, which would log to stderr (and
	// through the TUI).
	if err := li.inf.SetWatchErrorHandlerWithContext(func(ctx context.Context, _ *cache.Reflector, err error) {
		if !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
			li.report(ctx, err)
		}
	}); err != nil {
		return nil, fmt.Errorf("set up %s informer: %w", k.name, err)
	}
	_, err := li.inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { l.markDirty(k.name) },
		UpdateFunc: func(old, cur any) {
			if !k.same(old, cur) {
				l.markDirty(k.name)
			}
		},
		DeleteFunc: func(any) { l.markDirty(k.name) },
	})
	if err != nil {
		return nil, fmt.Errorf("set up %s informer: %w", k.name, err)
	}
	return li, nil
}

// report records the outcome of a list or watch call.
func (li *liveInformer) report(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return // stopping
	}
	forbidden := apierrors.IsForbidden(err) || apierrors.IsNotFound(err)
	li.mu.Lock()
	wasErr, wasForbidden := li.err != nil, li.forbidden
	if err == nil {
		li.err, li.forbidden = nil, false
	} else {
		if li.err == nil {
			li.errSince = time.Now()
		}
		li.err, li.forbidden = err, forbidden
	}
	changed := wasErr != (err != nil) || wasForbidden != li.forbidden
	li.mu.Unlock()
	if !changed {
		return
	}
	if wasForbidden != forbidden {
		// The objects of this informer enter or leave the snapshot.
		li.live.markDirty(li.kind.name)
	}
	li.live.broadcast()
	li.live.notify()
}

// health returns the informer's last error, since when, and whether it
// means the user may not read this.
func (li *liveInformer) health() (error, time.Time, bool) {
	li.mu.Lock()
	defer li.mu.Unlock()
	return li.err, li.errSince, li.forbidden
}

// Updates returns the change feed: the first snapshot once every cache has
// synced, then one per batch of changes and one per change of State. Only
// the latest snapshot waits in the channel: a slow reader skips to the
// newest. The channel is closed by Stop.
func (l *Live) Updates() <-chan Snapshot { return l.updates }

// Host returns the API server's URL.
func (l *Live) Host() string { return l.host }

// Version returns the API server's version, e.g. "v1.34.4", or "" when it
// would not say.
func (l *Live) Version() string { return l.version }

// Current returns the latest snapshot; its Cluster is nil before the first
// sync.
func (l *Live) Current() Snapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.current
}

// LiveStats counts what a Live has done.
type LiveStats struct {
	// Events is the number of watch events that changed something netviz
	// reads.
	Events int
	// Rebuilds is the number of snapshots built from them.
	Rebuilds int
}

// Stats returns the counts so far.
func (l *Live) Stats() LiveStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return LiveStats{Events: l.events, Rebuilds: l.rebuilds}
}

// WaitForSync waits until every cache has synced (or turned out to be
// forbidden) and returns the first snapshot's cluster. It fails when ctx
// ends, or when some watch has been failing for LiveOptions.GiveUp.
func (l *Live) WaitForSync(ctx context.Context) (*Cluster, error) {
	for {
		changed := l.changedCh()
		select {
		case <-l.synced:
			return l.Current().Cluster, nil
		default:
		}
		var giveUp <-chan time.Time
		if err, since := l.failing(); err != nil {
			left := l.opts.GiveUp - time.Since(since)
			if left <= 0 {
				return nil, fmt.Errorf("read the cluster at %s: %w", l.host, err)
			}
			giveUp = time.After(left)
		}
		select {
		case <-l.synced:
		case <-changed:
		case <-giveUp:
		case <-ctx.Done():
			if err, _ := l.failing(); err != nil {
				return nil, fmt.Errorf("read the cluster at %s: %w", l.host, err)
			}
			return nil, fmt.Errorf("wait for the caches of %s to sync: %w", l.host, context.Cause(ctx))
		}
	}
}

// Stop stops the informers and the snapshot builder, waits for them, and
// closes the Updates channel. It may be called more than once.
func (l *Live) Stop() {
	l.stop.Do(func() {
		if l.cancel != nil {
			l.cancel()
		}
		l.wg.Wait()
	})
}

func (l *Live) changedCh() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.changed
}

func (l *Live) broadcast() {
	l.mu.Lock()
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// notify wakes the builder without blocking.
func (l *Live) notify() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *Live) markDirty(kind string) {
	l.mu.Lock()
	l.dirty[kind] = true
	l.events++
	l.mu.Unlock()
	l.notify()
}

// failing returns the error of the first informer (in kind order) whose
// calls fail for another reason than being forbidden, and since when.
func (l *Live) failing() (error, time.Time) {
	for _, li := range l.informers {
		if err, since, forbidden := li.health(); err != nil && !forbidden {
			what := li.kind.name
			if li.ns != "" {
				what += " in " + li.ns
			}
			return fmt.Errorf("watch %s: %s", what, shortError(err)), since
		}
	}
	return nil, time.Time{}
}

// shortError drops the request URL from a client error: the resource is
// named already, and the URL would fill the status bar.
func shortError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// settled reports whether every informer has synced or is forbidden.
func (l *Live) settled() bool {
	for _, li := range l.informers {
		if _, _, forbidden := li.health(); !forbidden && !li.inf.HasSynced() {
			return false
		}
	}
	return true
}

// run is the snapshot builder: it waits for the first sync, then turns
// each batch of events into one snapshot.
func (l *Live) run(ctx context.Context) {
	defer close(l.updates)
	var lastErr error
	for !l.settled() {
		if err, _ := l.failing(); (err == nil) != (lastErr == nil) {
			lastErr = err
			if err != nil {
				l.publish(Snapshot{State: StateReconnecting, Err: err})
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
		}
	}
	l.publish(Snapshot{Cluster: l.rebuild(), State: StateSynced})
	close(l.synced)

	for {
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
		}
		// Gather the rest of the batch.
		t := time.NewTimer(l.opts.Batch)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		select {
		case <-l.wake:
		default:
		}
		prev := l.Current()
		next := Snapshot{Cluster: prev.Cluster, State: StateLive}
		if err, _ := l.failing(); err != nil {
			next.State, next.Err = StateReconnecting, err
		}
		if l.isDirty() {
			next.Cluster = l.rebuild()
		}
		// Synced and live are both healthy: going from one to the other
		// is no news.
		stateChanged := (next.State == StateReconnecting) != (prev.State == StateReconnecting)
		if next.Cluster != prev.Cluster || stateChanged || errString(next.Err) != errString(prev.Err) {
			l.publish(next)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (l *Live) isDirty() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.dirty) > 0
}

// publish makes s current and puts it in the Updates channel, replacing
// an unread older one. Only run calls it, so the loop ends at once.
func (l *Live) publish(s Snapshot) {
	l.mu.Lock()
	l.current = s
	l.mu.Unlock()
	for {
		select {
		case l.updates <- s:
			return
		default:
		}
		select {
		case <-l.updates:
		default:
		}
	}
}

// rebuild makes a new Cluster from the caches, re-reading only the kinds
// that changed since the last one.
func (l *Live) rebuild() *Cluster {
	l.mu.Lock()
	dirty := l.dirty
	l.dirty = map[string]bool{}
	l.rebuilds++
	l.mu.Unlock()

	eff := l.effectiveAccess()
	c := &Cluster{}
	for _, k := range l.kinds {
		if l.built[k.name] == nil || dirty[k.name] {
			var objs []any
			for _, li := range l.byKind[k.name] {
				if _, _, forbidden := li.health(); !forbidden {
					objs = append(objs, li.inf.GetStore().List()...)
				}
			}
			part := &Cluster{}
			k.fill(part, objs)
			l.built[k.name] = part
		}
		k.copy(c, l.built[k.name])
	}
	cached := c.Namespaces
	c.Namespaces = nil

	// When pods are read in some namespaces only, the others show only if
	// something netviz read lives there.
	pods := eff[ResourcePods]
	var used map[string]bool
	if !pods.all && len(pods.namespaces) > 0 {
		used = namespacesInUse(c)
		for _, ns := range pods.namespaces {
			used[ns] = true
		}
	}
	// Finish writes the metadata.name label of every namespace: give it
	// copies, as the cached objects are shared with earlier snapshots.
	for _, ns := range cached {
		if used != nil && !used[ns.Name] {
			continue
		}
		cp := *ns
		cp.Labels = make(map[string]string, len(ns.Labels)+1)
		for k, v := range ns.Labels {
			cp.Labels[k] = v
		}
		c.Namespaces = append(c.Namespaces, &cp)
	}
	c.Finish()
	c.Gaps, c.Warnings = gapsFor(l.kinds, eff, c.Namespaces)
	if note := tiersNote(l.kinds); note != "" {
		c.Notes = append(c.Notes, note)
	}
	return c
}

// tiersNote says, once per snapshot (so once in the CLI and in the TUI's
// status bar), that the cluster does not serve the AdminNetworkPolicy
// tiers: then only NetworkPolicy is evaluated, which is right for that
// cluster, and worth knowing.
func tiersNote(served []resourceKind) string {
	for _, k := range served {
		if k.group == anpGroup {
			return ""
		}
	}
	return "AdminNetworkPolicy and BaselineAdminNetworkPolicy are not installed on this cluster (the sigs.k8s.io/network-policy-api CRDs): only NetworkPolicy is evaluated"
}

// namespacesInUse returns the namespaces of every namespaced object in c.
func namespacesInUse(c *Cluster) map[string]bool {
	used := map[string]bool{}
	for _, o := range c.Pods {
		used[o.Namespace] = true
	}
	for _, o := range c.Services {
		used[o.Namespace] = true
	}
	for _, o := range c.EndpointSlices {
		used[o.Namespace] = true
	}
	for _, o := range c.Ingresses {
		used[o.Namespace] = true
	}
	for _, o := range c.NetworkPolicies {
		used[o.Namespace] = true
	}
	return used
}

// effectiveAccess is the plan, less what turned out forbidden since.
func (l *Live) effectiveAccess() map[string]access {
	eff := map[string]access{}
	for _, k := range l.kinds {
		a := l.plan[k.name]
		e := access{why: a.why}
		for _, li := range l.byKind[k.name] {
			err, _, forbidden := li.health()
			if forbidden {
				if e.why == "" {
					e.why = forbiddenReason("list", k.name, "")
					if apierrors.IsNotFound(err) {
						e.why = "the API server does not serve " + k.name
					}
				}
				continue
			}
			if li.ns == "" {
				e.all = true
			} else {
				e.namespaces = append(e.namespaces, li.ns)
			}
		}
		if e.all {
			e.namespaces = nil
		}
		eff[k.name] = e
	}
	return eff
}

// gapsFor turns what the user may read into the Gaps of a snapshot with
// the given namespaces, and one warning when namespaced kinds are read only
// in some namespaces.
func gapsFor(kinds []resourceKind, eff map[string]access, namespaces []*corev1.Namespace) ([]Gap, []string) {
	var gaps []Gap
	var partial []string
	readIn := map[string]bool{}
	for _, k := range kinds {
		a := eff[k.name]
		if a.all {
			continue
		}
		if !k.namespaced || len(a.namespaces) == 0 {
			gaps = append(gaps, Gap{Resource: k.name, Reason: a.why})
			continue
		}
		partial = append(partial, k.name)
		for _, ns := range a.namespaces {
			readIn[ns] = true
		}
		for _, ns := range namespaces {
			if !slices.Contains(a.namespaces, ns.Name) {
				gaps = append(gaps, Gap{Resource: k.name, Namespace: ns.Name, Reason: a.why})
			}
		}
	}
	var warnings []string
	if len(partial) > 0 {
		var nss []string
		for ns := range readIn {
			nss = append(nss, ns)
		}
		slices.Sort(nss)
		word := "namespace"
		if len(nss) > 1 {
			word = "namespaces"
		}
		warnings = append(warnings, fmt.Sprintf("the user may not list %s in all namespaces: netviz reads them in %s %s only",
			strings.Join(partial, ", "), word, strings.Join(nss, ", ")))
	}
	return gaps, warnings
}
