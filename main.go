// Command netviz shows how traffic enters and moves through a Kubernetes
// cluster, and whether NetworkPolicies let pod A reach pod B — in a
// terminal UI, and as a CLI for scripts and CI.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/kube"
)

// Exit codes shared by every command.
const (
	exitAllowed = 0
	exitDenied  = 1
	exitInput   = 2
	exitUnknown = 3
)

// exitError carries an exit code up to main without printing anything
// more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes netviz with args and returns the exit code; tests call it
// directly.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	}
	fmt.Fprintln(stderr, "netviz: "+oneLine(err.Error()))
	return exitInput
}

func oneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ") }

// sourceFlags are the flags every command takes to say where cluster state
// comes from, and how to read it.
type sourceFlags struct {
	files             []string
	demo              bool
	clusterDomain     string
	dns               string
	ingressController string
}

func (s *sourceFlags) register(cmd *cobra.Command) {
	cmd.PersistentFlags().StringArrayVarP(&s.files, "filename", "f", nil, "read manifests from a file, a directory (recursively) or - for stdin; repeatable")
	cmd.PersistentFlags().BoolVar(&s.demo, "demo", false, "use the embedded demo cluster")
	cmd.PersistentFlags().StringVar(&s.clusterDomain, "cluster-domain", "cluster.local", "the cluster's DNS domain")
	cmd.PersistentFlags().StringVar(&s.dns, "dns", "kube-system/k8s-app=kube-dns", "the cluster DNS pods, as NAMESPACE/SELECTOR")
	cmd.PersistentFlags().StringVar(&s.ingressController, "ingress-controller", "", "the Ingress controller pods, as NAMESPACE/SELECTOR (default: found from the IngressClass)")
}

// graphOptions turns the flags into graph options.
func (s *sourceFlags) graphOptions() (graph.Options, error) {
	opts := graph.Options{ClusterDomain: s.clusterDomain}
	dns, err := graph.ParsePodSelector(s.dns)
	if err != nil {
		return opts, fmt.Errorf("--dns: %w", err)
	}
	opts.DNS = dns
	if s.ingressController != "" {
		ic, err := graph.ParsePodSelector(s.ingressController)
		if err != nil {
			return opts, fmt.Errorf("--ingress-controller: %w", err)
		}
		opts.IngressController = ic
	}
	return opts, nil
}

// app holds what every command shares.
type app struct {
	src    sourceFlags
	live   liveFlags
	whatIf whatIfFlags
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "netviz",
		Short: "See how traffic flows through a Kubernetes cluster, and why it is allowed or denied",
		Long: `netviz reads a cluster — the current kubeconfig context by default (kubectl's
--kubeconfig, --context and -n apply), manifests with -f, or the embedded demo
with --demo — builds the traffic graph Ingress → Service → Pods with
NetworkPolicy allow/deny overlaid, and answers "can this pod talk to that one,
and if not, why?". Without a command it opens the terminal UI.`,
		Example: `  netviz trace --demo shop/frontend svc/shop/cart --port 80
  netviz matrix -f ./manifests --port 80
  netviz export --demo -n shop --format dot -o shop.dot`,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTUI(a, cmd)
		},
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return fmt.Errorf("%s (see %s --help)", err, cmd.CommandPath())
	})
	a.src.register(root)
	a.live.register(root)
	a.whatIf.register(root)
	registerTUIFlags(root)
	root.AddCommand(a.traceCmd(), a.matrixCmd(), a.exportCmd(), a.lintCmd())
	root.AddCommand(a.diffCmd(), a.suggestCmd())
	return root
}

// load reads the cluster from the chosen source. Every load error goes to
// stderr, one line each; any error makes the command exit 2 after the
// rest has been reported.
func (a *app) load() (*kube.Cluster, error) {
	var c *kube.Cluster
	var errs []error
	switch {
	case a.src.demo && len(a.src.files) > 0:
		return nil, errors.New("--demo and -f cannot be used together")
	case a.src.demo:
		c, errs = kube.LoadDemo()
	case len(a.src.files) > 0:
		c, errs = kube.Load(a.src.files, a.stdin)
	default:
		c, errs = a.loadLive()
	}
	c, errs = a.applyWhatIf(c, errs)
	for _, n := range c.Notes {
		fmt.Fprintln(a.stderr, "netviz: note: "+oneLine(n))
	}
	for _, w := range c.Warnings {
		fmt.Fprintln(a.stderr, "netviz: warning: "+oneLine(w))
	}
	for _, g := range c.Gaps {
		fmt.Fprintln(a.stderr, "netviz: warning: "+oneLine(g.String())+" (verdicts that depend on it are unknown)")
	}
	if len(errs) > 0 {
		for _, err := range errs {
			fmt.Fprintln(a.stderr, "netviz: "+oneLine(err.Error()))
		}
		return nil, exitError{exitInput}
	}
	return c, nil
}

// buildGraph loads the source and builds its graph.
func (a *app) buildGraph() (*graph.Graph, error) {
	opts, err := a.src.graphOptions()
	if err != nil {
		return nil, err
	}
	c, err := a.load()
	if err != nil {
		return nil, err
	}
	return graph.Build(c, opts), nil
}

// outputFormat checks -o against the formats a command offers.
func outputFormat(got string, allowed ...string) error {
	for _, f := range allowed {
		if got == f {
			return nil
		}
	}
	return fmt.Errorf("unknown output format %q (want %s)", got, strings.Join(allowed, ", "))
}
