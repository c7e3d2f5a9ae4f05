package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	// Exec plugins are built into client-go; this adds OIDC, as in kubectl.
	_ "k8s.io/client-go/plugin/pkg/client/auth"

	"github.com/netviz/netviz/kube"
)

// liveFlags are kubectl's flags for reaching a cluster: --kubeconfig (and
// KUBECONFIG, a merged list), --context, -n/--namespace, --server, --token,
// --as and the rest of k8s.io/cli-runtime's ConfigFlags, plus
// -A/--all-namespaces.
type liveFlags struct {
	config        *genericclioptions.ConfigFlags
	allNamespaces bool

	mu sync.Mutex // guards config.Context while a context is chosen
}

// register adds the flags to root as persistent flags, so every command
// takes them.
func (l *liveFlags) register(root *cobra.Command) {
	l.config = genericclioptions.NewConfigFlags(false)
	l.config.CacheDir = nil // netviz keeps no discovery cache
	flags := root.PersistentFlags()
	l.config.AddFlags(flags)
	flags.Lookup("namespace").Usage = "only this namespace; on a live cluster also the namespace netviz reads where the user may not read all namespaces (default: the context's)"
	flags.Lookup("request-timeout").Usage = "how long the first contact with the API server may take, e.g. 10s (0 means 5s); lists and watches never time out"
	flags.BoolVarP(&l.allNamespaces, "all-namespaces", "A", false, "all namespaces, even with -n; on a live cluster, where the user may not read all namespaces at once, read each namespace the user may")
}

// namespace returns the namespace the commands keep to: -n, unless -A.
// The kubeconfig context's namespace does not restrict what they show.
func (a *app) namespace() string {
	if a.live.allNamespaces || a.live.config == nil || a.live.config.Namespace == nil {
		return ""
	}
	return *a.live.config.Namespace
}

// errNoKubeconfig says that there is no cluster to connect to.
var errNoKubeconfig = errors.New("no kubeconfig found (--kubeconfig, $KUBECONFIG or ~/.kube/config): use --demo for the embedded demo cluster, or -f FILE|DIR to read manifests")

// loader returns the kubeconfig loader for contextName ("" for --context
// or the current context), honouring every other flag.
func (l *liveFlags) loader(contextName string) clientcmd.ClientConfig {
	l.mu.Lock()
	defer l.mu.Unlock()
	if contextName != "" {
		saved := l.config.Context
		l.config.Context = &contextName
		// The loader copies the flag values when it is made.
		defer func() { l.config.Context = saved }()
	}
	return l.config.ToRawKubeConfigLoader()
}

// restConfig returns the client configuration and the fallback namespace
// for contextName.
func (l *liveFlags) restConfig(contextName string) (*rest.Config, string, error) {
	loader := l.loader(contextName)
	if err := l.haveKubeconfig(loader); err != nil {
		return nil, "", err
	}
	cfg, err := loader.ClientConfig()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) {
			return nil, "", errNoKubeconfig
		}
		return nil, "", fmt.Errorf("read kubeconfig: %w", err)
	}
	ns, _, err := loader.Namespace()
	if err != nil {
		return nil, "", fmt.Errorf("read kubeconfig: %w", err)
	}
	return cfg, ns, nil
}

// haveKubeconfig returns errNoKubeconfig when nothing says where a cluster
// is: no kubeconfig, no --server, and not running in a pod. client-go would
// otherwise fall back to http://localhost:8080, which is never what a
// netviz user meant.
func (l *liveFlags) haveKubeconfig(loader clientcmd.ClientConfig) error {
	raw, err := loader.RawConfig()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) {
			return errNoKubeconfig
		}
		return fmt.Errorf("read kubeconfig: %w", err)
	}
	if len(raw.Clusters) > 0 || len(raw.Contexts) > 0 || (l.config.APIServer != nil && *l.config.APIServer != "") {
		return nil
	}
	if os.Getenv("KUBERNETES_SERVICE_HOST") != "" && os.Getenv("KUBERNETES_SERVICE_PORT") != "" {
		return nil // in a pod: client-go uses its service account
	}
	return errNoKubeconfig
}

// silenceKlog stops client-go logging to stderr, which would break the
// TUI and clutter the CLI: netviz reports failing watches itself.
var silenceKlog = sync.OnceFunc(func() {
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
})

// startLive starts reading the cluster of contextName ("" for --context or
// the kubeconfig's current context). It returns within seconds, before the
// caches have synced: the first snapshot arrives on the Live's Updates
// channel. An unreachable server or rejected credentials are an error.
func (a *app) startLive(contextName string) (*kube.Live, error) {
	cfg, ns, err := a.live.restConfig(contextName)
	if err != nil {
		return nil, err
	}
	silenceKlog()
	opts := kube.LiveOptions{Namespace: ns, AllNamespaces: a.live.allNamespaces, ProbeTimeout: cfg.Timeout}
	return kube.StartLive(context.Background(), cfg, opts)
}

// liveUpdates starts reading the cluster of the current context for the
// TUI and returns its change feed; call Stop on the Live to end it.
func (a *app) liveUpdates() (<-chan kube.Snapshot, *kube.Live, error) {
	l, err := a.startLive("")
	if err != nil {
		return nil, nil, err
	}
	return l.Updates(), l, nil
}

// switchLive starts reading the cluster of contextName and then stops old
// (which may be nil). When the new context cannot be read, old keeps
// running and the error says why.
func (a *app) switchLive(old *kube.Live, contextName string) (*kube.Live, error) {
	l, err := a.startLive(contextName)
	if err != nil {
		return nil, fmt.Errorf("switch to context %q: %w", contextName, err)
	}
	if old != nil {
		old.Stop()
	}
	return l, nil
}

// liveContexts returns the names of the kubeconfig's contexts, sorted, and
// the one in use (--context, or the current context).
func (a *app) liveContexts() ([]string, string, error) {
	raw, err := a.live.loader("").RawConfig()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) {
			return nil, "", errNoKubeconfig
		}
		return nil, "", fmt.Errorf("read kubeconfig: %w", err)
	}
	names := make([]string, 0, len(raw.Contexts))
	for name := range raw.Contexts {
		names = append(names, name)
	}
	sort.Strings(names)
	current := raw.CurrentContext
	if c := a.live.config.Context; c != nil && *c != "" {
		current = *c
	}
	return names, current, nil
}

// loadLive reads the cluster once for the CLI: it waits until every cache
// has synced, takes that snapshot and stops. The returned Cluster is never
// nil, so that load can report its warnings.
func (a *app) loadLive() (*kube.Cluster, []error) {
	empty := &kube.Cluster{}
	l, err := a.startLive("")
	if err != nil {
		return empty, []error{err}
	}
	defer l.Stop()
	c, err := l.WaitForSync(context.Background())
	if err != nil {
		return empty, []error{err}
	}
	return c, nil
}
