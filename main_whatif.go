package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
	"github.com/netviz/netviz/kube"
)

// whatIfFlags are --with and --without: a what-if overlay on any source.
type whatIfFlags struct {
	with    []string
	without []string

	mu sync.Mutex
	// overlay and errs are the flags read once: stdin can be read only
	// once, and a live source applies the overlay to every snapshot.
	overlay *kube.Overlay
	errs    []error
	// base is the source as read, before the overlay; set by load.
	base *kube.Cluster
}

// read reads the overlay the first time it is asked for.
func (w *whatIfFlags) read(stdin io.Reader) (*kube.Overlay, []error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.overlay == nil && w.errs == nil {
		w.overlay, w.errs = kube.ReadOverlay(w.with, w.without, stdin)
		if w.errs == nil {
			w.errs = []error{}
		}
	}
	return w.overlay, w.errs
}

// register adds the flags to root as persistent flags, so every command
// works on the overlaid state.
func (w *whatIfFlags) register(root *cobra.Command) {
	flags := root.PersistentFlags()
	flags.StringArrayVar(&w.with, "with", nil, "what-if: lay manifests (a file, a directory or - for stdin) over the source; an object with the same kind, namespace and name replaces the one there, a new one is added; nothing is written to the cluster; repeatable")
	flags.StringArrayVar(&w.without, "without", nil, "what-if: take an object out, as KIND/NAMESPACE/NAME (KIND/NAME for cluster-scoped kinds), e.g. NetworkPolicy/shop/default-deny-all; repeatable")
}

// active reports whether an overlay was asked for.
func (w *whatIfFlags) active() bool { return len(w.with) > 0 || len(w.without) > 0 }

// applyWhatIf lays the --with/--without overlay over the cluster just read
// from the source, keeping the source as read for `netviz diff`. Errors
// join the source's, so load reports them all the same way.
func (a *app) applyWhatIf(c *kube.Cluster, errs []error) (*kube.Cluster, []error) {
	a.whatIf.mu.Lock()
	a.whatIf.base = c
	a.whatIf.mu.Unlock()
	if !a.whatIf.active() || c == nil {
		return c, errs
	}
	if slices.Contains(a.whatIf.with, "-") && slices.Contains(a.src.files, "-") {
		return c, append(errs, errors.New("--with - and -f - both read stdin: give one of them a file"))
	}
	o, oerrs := a.whatIf.read(a.stdin)
	if len(oerrs) > 0 {
		for _, err := range oerrs {
			var le *kube.LoadError
			if errors.As(err, &le) {
				err = fmt.Errorf("--with %w", err)
			}
			errs = append(errs, err)
		}
		return c, errs
	}
	oc, err := o.Apply(c)
	if err != nil {
		return c, append(errs, err)
	}
	if len(oc.Overlay) == 0 {
		fmt.Fprintln(a.stderr, "netviz: what-if: the overlay changes no object")
	} else {
		parts := make([]string, len(oc.Overlay))
		for i, ch := range oc.Overlay {
			parts[i] = ch.String()
		}
		fmt.Fprintln(a.stderr, "netviz: what-if: "+strings.Join(parts, ", ")+" (nothing is written to the cluster)")
	}
	return oc, errs
}

func (a *app) diffCmd() *cobra.Command {
	var output string
	var exitCode bool
	cmd := &cobra.Command{
		Use:   "diff --with PATH [--without KIND/NS/NAME]",
		Short: "What a change to the manifests does to traffic: connections added, removed or changed",
		Long: `Compare the connections of the source (the live cluster, -f or --demo)
with the same source under a what-if overlay: --with lays local manifests over
it (same-named objects are replaced, new ones added) and --without takes
objects out. Nothing is written to the cluster.

A connection is a pair of pods/workloads with the ports allowed between them,
per protocol (and the ports whose answer is unknown). Pairs are grouped by
namespace and workload — pods of a Deployment, StatefulSet, … under the
workload's name — and pairs whose change is the same are collapsed and counted.
Marks: + added, - removed, ~ changed. With -n, only changes with an end in that
namespace are listed.

Exit status: 0, or with --exit-code 1 when a connection changed (for CI
gates); 2 on bad input.`,
		Example: `  netviz diff -f ./manifests --with ./pr/ --exit-code
  netviz diff --demo --without NetworkPolicy/shop/default-deny-all
  netviz diff --demo --with fix-dns.yaml -o dot | dot -Tsvg > diff.svg
  kubectl get netpol -n shop new -o yaml | netviz diff --with - -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := outputFormat(output, "text", "json", "dot"); err != nil {
				return err
			}
			if !a.whatIf.active() {
				return errors.New("diff compares the source with a what-if: give --with PATH and/or --without KIND/NAMESPACE/NAME")
			}
			opts, err := a.src.graphOptions()
			if err != nil {
				return err
			}
			c, err := a.load()
			if err != nil {
				return err
			}
			a.whatIf.mu.Lock()
			base := a.whatIf.base
			a.whatIf.mu.Unlock()
			d := graph.Diff(graph.Build(base, opts), graph.Build(c, opts)).InNamespace(a.namespace())
			switch output {
			case "json":
				err = d.WriteJSON(a.stdout)
			case "dot":
				err = d.WriteDOT(a.stdout)
			default:
				err = d.WriteText(a.stdout)
			}
			if err != nil {
				return err
			}
			if exitCode && !d.Empty() {
				return exitError{exitDenied}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text, json or dot")
	cmd.Flags().BoolVar(&exitCode, "exit-code", false, "exit 1 when any connection changed")
	return cmd
}

func (a *app) suggestCmd() *cobra.Command {
	var port, proto, output string
	cmd := &cobra.Command{
		Use:   "suggest FROM TO --port P",
		Short: "The smallest NetworkPolicy that would allow FROM to reach TO on one port, checked before it is printed",
		Long: `For traffic that netviz trace denies, print the smallest NetworkPolicies that
would allow exactly it: an ingress policy in the destination's namespace
and/or an egress policy in the source's, only for a side that denies.

FROM is a pod or workload (NAMESPACE/NAME, pod/…, workload/…); TO is one too,
or svc/NAMESPACE/NAME (or a cluster DNS name), meaning the Service's ready
backends on the targetPort its port resolves to. Selectors use the pods'
existing labels — app.kubernetes.io/name, app, k8s-app and the like first,
narrowed until they pick the workload alone — never pod-template-hash,
revision hashes or pod names; a namespaceSelector on
kubernetes.io/metadata.name is added when the namespaces differ.

Before printing, netviz lays the policies over the cluster (as --with would),
traces again, and diffs: the traffic must now be allowed, and only traffic
from the selected source pods to the selected destination pods on that port
may change. The diff is printed as YAML comments (a "diff" field in JSON).
Nothing is written to the cluster: apply the output yourself.

Exit status: 0 a policy was printed or the traffic is already allowed; 1 the
check failed (a bug: please report it); 2 bad input or nothing a
NetworkPolicy can fix; 3 a side's answer is unknown, so the traffic may stay
blocked.`,
		Example: `  netviz suggest --demo shop/checkout-6c8d7f9b5-h7n4r svc/shop/cart --port 9000
  netviz suggest -f ./manifests web/frontend api/backend --port http -o json
  netviz suggest --demo shop/payments-7b6d5c9f8-m6k8s svc/kube-system/kube-dns --port 53 --protocol UDP > dns.yaml`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := outputFormat(output, "yaml", "json"); err != nil {
				return err
			}
			if port == "" {
				return errors.New("--port is required: a suggestion allows one port")
			}
			p, err := policy.ParseProtocol(proto)
			if err != nil {
				return err
			}
			g, err := a.buildGraph()
			if err != nil {
				return err
			}
			s, err := g.Suggest(graph.SuggestRequest{From: args[0], To: args[1], Port: port, Protocol: p})
			if errors.Is(err, graph.ErrSuggestionCheck) {
				fmt.Fprintln(a.stderr, "netviz: "+oneLine(err.Error())+" — this is a bug in netviz, please report it")
				return exitError{exitDenied}
			}
			if err != nil {
				return err
			}
			if output == "json" {
				err = writeSuggestionJSON(a.stdout, s)
			} else {
				err = writeSuggestionYAML(a.stdout, a.stderr, s)
			}
			if err != nil {
				return err
			}
			if len(s.Unknown) > 0 && !s.AlreadyAllowed {
				return exitError{exitUnknown}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&port, "port", "", "destination port, by number or name (for a Service, its port)")
	cmd.Flags().StringVar(&proto, "protocol", "TCP", "TCP, UDP or SCTP")
	cmd.Flags().StringVarP(&output, "output", "o", "yaml", "yaml or json")
	return cmd
}

func writeSuggestionJSON(w io.Writer, s *graph.Suggestion) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// writeSuggestionYAML prints the policies as a YAML stream ready for
// kubectl apply, with the verdicts and the check's diff as comments. What
// is not a policy (already allowed, unknown) goes to stderr.
func writeSuggestionYAML(w, stderr io.Writer, s *graph.Suggestion) error {
	what := fmt.Sprintf("%s → %s on %s/%s", s.From, s.To, s.Port, s.Protocol)
	if s.AlreadyAllowed {
		fmt.Fprintf(stderr, "netviz: %s is already allowed: nothing to add\n", what)
		return nil
	}
	for _, n := range s.Notes {
		fmt.Fprintln(stderr, "netviz: note: "+n)
	}
	if len(s.Policies) == 0 {
		for _, u := range s.Unknown {
			fmt.Fprintln(stderr, "netviz: unknown: "+u)
		}
		fmt.Fprintf(stderr, "netviz: %s is %s, and no side denies it: what is unknown decides, and no policy netviz suggests would\n", what, s.Verdict)
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# netviz suggest: %s (now %s)\n", what, s.Verdict)
	for _, u := range s.Unknown {
		fmt.Fprintf(&b, "# unknown: %s\n", u)
	}
	fmt.Fprintf(&b, "# checked with these policies laid over the cluster: %s\n", s.After)
	var diff strings.Builder
	if s.Diff != nil {
		if err := s.Diff.WriteText(&diff); err != nil {
			return err
		}
	}
	for _, line := range strings.Split(strings.TrimRight(diff.String(), "\n"), "\n") {
		if line == "" {
			b.WriteString("#\n")
			continue
		}
		b.WriteString("#   " + line + "\n")
	}
	for _, np := range s.Policies {
		out, err := yaml.Marshal(np)
		if err != nil {
			return fmt.Errorf("write policy %s/%s: %w", np.Namespace, np.Name, err)
		}
		b.WriteString("---\n")
		b.Write(out)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
