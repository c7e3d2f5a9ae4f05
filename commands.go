package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/goccy/go-graphviz"
	"github.com/spf13/cobra"

	"github.com/netviz/netviz/graph"
	"github.com/netviz/netviz/graph/policy"
)

func (a *app) traceCmd() *cobra.Command {
	var port, proto, output, host, path string
	cmd := &cobra.Command{
		Use:   "trace FROM TO",
		Short: "Trace whether FROM may reach TO, hop by hop, and which policy and rule decided",
		Long: `Trace whether traffic from FROM reaches TO, hop by hop.

FROM and TO are NAMESPACE/NAME (a pod or workload), svc/NAMESPACE/NAME (a
Service port: every pod behind it is traced and its targetPort resolved),
ip/ADDRESS (or a bare address), or internet. TO may also be a cluster DNS
name — SERVICE, SERVICE.NAMESPACE, SERVICE.NAMESPACE.svc.cluster.local, or
HOST.SUBDOMAIN.NAMESPACE.svc.cluster.local for a pod behind a headless
Service — relative to FROM's namespace; the trace then first checks that
FROM may ask the cluster DNS.

From internet, TO is svc/NAMESPACE/NAME (through its NodePort or
LoadBalancer) or ingress/NAMESPACE/NAME (through the Ingress controller's
pods, then the backend: both policies must allow it). --host and --path pick
one route of the Ingress; without them every route is traced.

A port may be given by number or by name; without --port the set of allowed
ports is reported.

Exit status: 0 allowed, 1 denied (or allowed to only some backends), 2 bad
input, 3 unknown (the answer depends on something netviz could not read).`,
		Example: `  netviz trace --demo shop/frontend-0 svc/shop/cart --port 80
  netviz trace -f ./manifests x/a y/b --port 81 --protocol UDP -o json
  netviz trace --demo internet ingress/shop/shop --host api.example.com --path /v1/catalog
  netviz trace --demo internet svc/shop/payments-webhook --port 443
  netviz trace --demo shop/frontend-7d9c6b8f4-x2k9p cart --port 80`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := outputFormat(output, "text", "json"); err != nil {
				return err
			}
			p, err := policy.ParseProtocol(proto)
			if err != nil {
				return err
			}
			g, err := a.buildGraph()
			if err != nil {
				return err
			}
			t, err := g.Trace(graph.TraceRequest{From: args[0], To: args[1], Port: port, Protocol: p, Host: host, Path: path})
			if err != nil {
				return err
			}
			if output == "json" {
				err = t.WriteJSON(a.stdout)
			} else {
				err = t.WriteText(a.stdout)
			}
			if err != nil {
				return err
			}
			switch t.Verdict {
			case "allowed":
				return nil
			case "unknown":
				return exitError{exitUnknown}
			}
			return exitError{exitDenied}
		},
	}
	cmd.Flags().StringVar(&port, "port", "", "destination port, by number or name (default: every port)")
	cmd.Flags().StringVar(&proto, "protocol", "TCP", "TCP, UDP or SCTP")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	cmd.Flags().StringVar(&host, "host", "", "with an Ingress: the request's host")
	cmd.Flags().StringVar(&path, "path", "", "with an Ingress: the request's path")
	return cmd
}

func (a *app) matrixCmd() *cobra.Command {
	var port, proto, output, by string
	cmd := &cobra.Command{
		Use:   "matrix",
		Short: "Reachability between every pair of pods and workloads",
		Long: `Decide reachability between every ordered pair of distinct pods/workloads.

With --port, every pair gets a verdict on that port. Without it, the matrix
lists connections: each pair with at least one allowed port, and its allowed
ports per protocol as ranges; a pair that is absent has nothing allowed.
--by namespace aggregates to namespace × namespace (every pod pair is still
decided).`,
		Example: `  netviz matrix --demo --port 80
  netviz matrix -f ./manifests --port 53 --protocol UDP -o csv
  netviz matrix --demo --by namespace -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := outputFormat(output, "text", "json", "csv"); err != nil {
				return err
			}
			if by != "pod" && by != "namespace" {
				return fmt.Errorf("--by takes pod or namespace, not %q", by)
			}
			p, err := policy.ParseProtocol(proto)
			if err != nil {
				return err
			}
			g, err := a.buildGraph()
			if err != nil {
				return err
			}
			mx, err := g.Matrix(graph.MatrixRequest{Port: port, Protocol: p, Namespace: a.namespace()})
			if err != nil {
				return err
			}
			switch {
			case by == "namespace" && output == "json":
				return mx.WriteNamespaceJSON(a.stdout)
			case by == "namespace" && output == "csv":
				return mx.WriteNamespaceCSV(a.stdout)
			case by == "namespace":
				return mx.WriteNamespaceText(a.stdout)
			case output == "json":
				return mx.WriteJSON(a.stdout)
			case output == "csv":
				return mx.WriteCSV(a.stdout)
			}
			return mx.WriteText(a.stdout)
		},
	}
	cmd.Flags().StringVar(&port, "port", "", "port by number or name (default: list connections on every port)")
	cmd.Flags().StringVar(&proto, "protocol", "TCP", "TCP, UDP or SCTP")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text, json or csv")
	cmd.Flags().StringVar(&by, "by", "pod", "pod or namespace")
	return cmd
}

func (a *app) exportCmd() *cobra.Command {
	var format, out, focus string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export the traffic graph as DOT, JSON or SVG",
		Long: `Export the traffic graph: one cluster per namespace, node shapes by kind,
allowed edges solid with port labels; where a Service or Ingress route exists
but NetworkPolicy blocks it, the edge is dashed red and labelled with the
policy. DOT output is sorted and byte-stable. SVG is rendered in-process, no
Graphviz needed.`,
		Example: `  netviz export --demo --format dot -o demo.dot
  netviz export --demo -n shop --format svg -o shop.svg
  netviz export -f ./manifests --focus svc/shop/cart --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := outputFormat(format, "dot", "json", "svg"); err != nil {
				return fmt.Errorf("--format: %w", err)
			}
			g, err := a.buildGraph()
			if err != nil {
				return err
			}
			v, err := g.View(graph.ExportOptions{Namespace: a.namespace(), Focus: focus})
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			switch format {
			case "dot":
				err = v.WriteDOT(&buf)
			case "json":
				err = v.WriteJSON(&buf)
			case "svg":
				err = renderSVG(v, &buf)
			}
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err = a.stdout.Write(buf.Bytes())
				return err
			}
			if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
				return fmt.Errorf("write %s: %w", out, err)
			}
			fmt.Fprintf(a.stderr, "netviz: wrote %s\n", out)
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "dot", "dot, json or svg")
	cmd.Flags().StringVarP(&out, "output", "o", "", "file to write (default: stdout)")
	cmd.Flags().StringVar(&focus, "focus", "", "only this object and its neighbours (NS/NAME, svc/NS/NAME, ingress/NS/NAME)")
	return cmd
}

// renderSVG lays the DOT out with Graphviz compiled to WebAssembly, so no
// Graphviz installation is needed.
func renderSVG(v *graph.View, w io.Writer) error {
	var dot bytes.Buffer
	if err := v.WriteDOT(&dot); err != nil {
		return err
	}
	ctx := context.Background()
	gv, err := graphviz.New(ctx)
	if err != nil {
		return fmt.Errorf("start graphviz: %w", err)
	}
	defer gv.Close()
	gr, err := graphviz.ParseBytes(dot.Bytes())
	if err != nil {
		return fmt.Errorf("parse dot: %w", err)
	}
	defer gr.Close()
	if err := gv.Render(ctx, gr, graphviz.SVG, w); err != nil {
		return errors.New("render svg: " + err.Error())
	}
	return nil
}

func (a *app) lintCmd() *cobra.Command {
	var output string
	var ignore []string
	cmd := &cobra.Command{
		Use:   "lint",
		Short: "Find where traffic breaks: dead Services, blocked routes, missing DNS egress, policies that select nothing",
		Long: `Lint the cluster's traffic paths. Each finding has a stable ID, a severity,
the objects involved, why it matters and what to change.

Exit status: 0 when no error-severity finding remains after --ignore, 1 when
one does, 2 on bad input.`,
		Example: `  netviz lint --demo
  netviz lint -f ./manifests -o json
  netviz lint -f ./manifests --ignore NV005 --ignore NV011`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := outputFormat(output, "text", "json"); err != nil {
				return err
			}
			skip := map[string]bool{}
			for _, id := range ignore {
				known := false
				for _, r := range graph.LintRules {
					known = known || r.ID == id
				}
				if !known {
					return fmt.Errorf("--ignore %s: no such check (see netviz lint --help)", id)
				}
				skip[id] = true
			}
			g, err := a.buildGraph()
			if err != nil {
				return err
			}
			findings := []graph.Finding{}
			failed := false
			for _, f := range g.Lint() {
				if skip[f.ID] {
					continue
				}
				findings = append(findings, f)
				failed = failed || f.Severity == graph.SeverityError
			}
			if output == "json" {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				err = enc.Encode(struct {
					Findings []graph.Finding `json:"findings"`
				}{findings})
			} else {
				err = writeFindings(a.stdout, findings)
			}
			if err != nil {
				return err
			}
			if failed {
				return exitError{exitDenied}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	cmd.Flags().StringArrayVar(&ignore, "ignore", nil, "silence a check by ID (repeatable)")
	return cmd
}

func writeFindings(w io.Writer, findings []graph.Finding) error {
	counts := map[graph.Severity]int{}
	for _, f := range findings {
		mark := map[graph.Severity]string{graph.SeverityError: "✗", graph.SeverityWarning: "!", graph.SeverityInfo: "·"}[f.Severity]
		fmt.Fprintf(w, "%s %s %s [%s] %s\n", mark, f.ID, strings.ToUpper(string(f.Severity)), f.Rule, f.Message)
		fmt.Fprintf(w, "    objects: %s\n    why: %s\n    fix: %s\n", strings.Join(f.Objects, ", "), f.Why, f.Fix)
		counts[f.Severity]++
	}
	_, err := fmt.Fprintf(w, "\n%d errors, %d warnings, %d notes\n", counts[graph.SeverityError], counts[graph.SeverityWarning], counts[graph.SeverityInfo])
	return err
}
