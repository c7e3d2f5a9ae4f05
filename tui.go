package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/netviz/netviz/kube"
	"github.com/netviz/netviz/themes"
	"github.com/netviz/netviz/ui"
)

// registerTUIFlags adds the flags only the terminal UI reads.
func registerTUIFlags(root *cobra.Command) {
	root.Flags().String("theme", "", "terminal UI theme: "+strings.Join(themes.BuiltinNames(), ", ")+" or a file in the user's theme folder (default: $NETVIZ_THEME, else dark; NO_COLOR picks mono)")
}

// runTUI opens the terminal UI on the chosen source: the demo, manifest
// files, or the live cluster of the kubeconfig. Without a terminal it
// prints the help instead, as the TUI cannot run.
func runTUI(a *app, cmd *cobra.Command) error {
	if !isTerminal(a.stdin) || !isTerminal(a.stdout) {
		return cmd.Help()
	}
	flag, _ := cmd.Flags().GetString("theme")
	theme, warnings := themes.Resolve(flag, os.Getenv)
	gopts, err := a.src.graphOptions()
	if err != nil {
		return err
	}
	opts := ui.Options{Theme: theme, Warnings: warnings, Graph: gopts, Namespace: a.namespace()}
	if a.whatIf.active() {
		opts.WhatIf = a.tuiWhatIf
	}
	switch {
	case a.src.demo && len(a.src.files) > 0:
		return errors.New("--demo and -f cannot be used together")
	case slices.Contains(a.src.files, "-") || slices.Contains(a.whatIf.with, "-"):
		return errors.New("the terminal UI reads keys from stdin, so it cannot read manifests from it: pass files instead of -")
	case a.src.demo:
		opts.Source = "demo"
		opts.Load = a.tuiLoader(func() (*kube.Cluster, []error) { return kube.LoadDemo() })
	case len(a.src.files) > 0:
		opts.Source = "files: " + strings.Join(a.src.files, ", ")
		opts.Load = a.tuiLoader(func() (*kube.Cluster, []error) { return kube.Load(a.src.files, nil) })
	default:
		live, err := a.startLive("")
		if err != nil {
			return err
		}
		_, current, _ := a.liveContexts()
		opts.Source = "context " + current
		if current == "" {
			opts.Source = live.Host()
		}
		opts.Updates = a.liveFeed(live)
		opts.Contexts = func() []string {
			names, _, _ := a.liveContexts()
			return names
		}
		opts.SwitchContext = func(name string) (<-chan ui.Update, error) {
			next, err := a.switchLive(live, name)
			if err != nil {
				return nil, err
			}
			live = next
			return a.liveFeed(next), nil
		}
		defer func() { live.Stop() }()
	}
	return ui.Run(opts)
}

// tuiLoader wraps a reader of files or the demo for the TUI. It returns
// the cluster as read: the TUI lays the what-if overlay over it itself
// (tuiWhatIf), so that it can show what the overlay changed.
func (a *app) tuiLoader(read func() (*kube.Cluster, []error)) func(context.Context) (*kube.Cluster, error) {
	return func(context.Context) (*kube.Cluster, error) {
		c, errs := read()
		if len(errs) > 0 {
			return nil, errors.Join(errs...)
		}
		return c, nil
	}
}

// tuiWhatIf lays the what-if overlay over a cluster for the TUI; its
// remarks become warnings rather than lines on stderr, which would tear
// the screen.
func (a *app) tuiWhatIf(c *kube.Cluster) (*kube.Cluster, error) {
	oc, errs := a.quietWhatIf(c, nil)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return oc, nil
}

// quietWhatIf is applyWhatIf with its remarks kept as cluster warnings.
func (a *app) quietWhatIf(c *kube.Cluster, errs []error) (*kube.Cluster, []error) {
	if !a.whatIf.active() || c == nil {
		return c, errs
	}
	var buf bytes.Buffer
	saved := a.stderr
	a.stderr = &buf
	c, errs = a.applyWhatIf(c, errs)
	a.stderr = saved
	if c != nil && buf.Len() > 0 {
		cc := *c
		cc.Warnings = slices.Clone(c.Warnings)
		for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			cc.Warnings = append(cc.Warnings, strings.TrimPrefix(l, "netviz: "))
		}
		c = &cc
	}
	return c, errs
}

// liveFeed turns a live source's snapshots into the TUI's updates; the
// TUI lays the what-if overlay over each (tuiWhatIf). It ends when the
// source stops.
func (a *app) liveFeed(l *kube.Live) <-chan ui.Update {
	out := make(chan ui.Update)
	go func() {
		defer close(out)
		for s := range l.Updates() {
			out <- ui.Update{Cluster: s.Cluster, State: string(s.State), Err: s.Err}
		}
	}()
	return out
}

// isTerminal reports whether f is an interactive terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(file.Fd())
}
