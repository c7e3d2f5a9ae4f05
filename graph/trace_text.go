package graph

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/netviz/netviz/graph/policy"
)

// verdictGlyph pairs each verdict with a glyph, so a verdict never rests on
// colour alone.
func verdictGlyph(v string) string {
	switch v {
	case "allowed":
		return "✓ ALLOWED"
	case "partial":
		return "✗ PARTIAL"
	case "unknown":
		return "? UNKNOWN"
	case "skipped":
		return "· SKIPPED"
	}
	return "✗ DENIED"
}

// WriteText tells the trace as a story: the hops, then egress at the
// source and ingress at the destination, each with the policy and rule
// that decided, then the verdict.
func (t *Trace) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	what := "every port"
	if t.Port != "" {
		what = "port " + t.Port + "/" + t.Protocol
	}
	fmt.Fprintf(bw, "trace %s → %s on %s\n\n", t.From, t.To, what)
	for i, h := range t.Hops {
		writeHop(bw, i, h)
	}
	if len(t.Backends) == 0 {
		if t.Egress != nil && t.Egress.Direction != "" {
			bw.WriteByte('\n')
			writeDirection(bw, "  ", t.Egress)
			writeDirection(bw, "  ", t.Ingress)
		}
	}
	for _, b := range t.Backends {
		fmt.Fprintf(bw, "\n  backend %s", b.Pod)
		if b.Port > 0 {
			fmt.Fprintf(bw, " (targetPort %s = %d/%s)", b.TargetPort, b.Port, t.Protocol)
		}
		if !b.Ready && b.Verdict != "skipped" {
			bw.WriteString(" — not ready")
		}
		bw.WriteString("\n")
		if b.Egress != nil && b.Egress.Direction != "" {
			writeDirection(bw, "    ", b.Egress)
			writeDirection(bw, "    ", b.Ingress)
		}
		fmt.Fprintf(bw, "    → %s: %s\n", verdictGlyph(b.Verdict), b.Summary)
	}
	for _, r := range t.Routes {
		fmt.Fprintf(bw, "\n  route %s → %s:%s\n", routeName(r.Route), r.Route.Service, r.Route.Port)
		if r.Match != "" {
			fmt.Fprintf(bw, "    matched: %s\n", r.Match)
		}
		for i, h := range r.Hops {
			writeHop(bw, i+1, h)
		}
		for _, b := range r.Backends {
			fmt.Fprintf(bw, "    backend %s", b.Pod)
			if b.Port > 0 {
				fmt.Fprintf(bw, " (targetPort %s = %d/TCP)", b.TargetPort, b.Port)
			}
			if !b.Ready {
				bw.WriteString(" — not ready")
			}
			fmt.Fprintf(bw, ": %s %s\n", verdictGlyph(b.Verdict), b.Summary)
		}
		fmt.Fprintf(bw, "    → %s: %s\n", verdictGlyph(r.Verdict), r.Summary)
	}
	if t.Ports != nil && t.Port == "" && len(t.Backends) == 0 {
		fmt.Fprintf(bw, "\n  allowed ports: %s\n", portsText(t.Ports))
	}
	for _, n := range t.Notes {
		fmt.Fprintf(bw, "\n  note: %s\n", n)
	}
	fmt.Fprintf(bw, "\n%s: %s\n", verdictGlyph(t.Verdict), t.Summary)
	return bw.Flush()
}

func writeHop(bw *bufio.Writer, i int, h Hop) {
	prefix := "  "
	if i > 0 {
		prefix = "  " + strings.Repeat("  ", i-1) + "→ "
	}
	fmt.Fprintf(bw, "%s%s %s", prefix, h.Kind, h.Name)
	if h.Detail != "" {
		fmt.Fprintf(bw, " (%s)", h.Detail)
	}
	bw.WriteByte('\n')
}

func writeDirection(bw *bufio.Writer, indent string, d *policy.DirectionExplanation) {
	mark := map[string]string{"allowed": "✓", "denied": "✗", "unknown": "?"}[d.Verdict]
	fmt.Fprintf(bw, "%s%s %s at %s: %s\n", indent, mark, d.Direction, d.Peer, d.Reason)
	for _, r := range d.Rules {
		if len(d.Rules) == 1 && d.Verdict == "allowed" {
			break // the reason already names it
		}
		certain := ""
		if !r.Certain {
			certain = " (uncertain)"
		}
		peer := r.Peer
		if peer == "" {
			peer = r.Rule
		}
		fmt.Fprintf(bw, "%s    · %s %s: %s, %s%s\n", indent, r.Policy, peer, r.Match, policy.PortsPhrase(r.Ports), certain)
	}
}

func portsText(m map[string]string) string {
	var parts []string
	for _, p := range []string{"TCP", "UDP", "SCTP"} {
		if m[p] != "" {
			v := m[p]
			if v == "1-65535" {
				v = "all"
			}
			parts = append(parts, p+" "+v)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

// WriteJSON writes the trace's JSON contract, indented.
func (t *Trace) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(t)
}
