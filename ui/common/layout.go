package common

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Fit truncates or pads a styled line to exactly w cells.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := ansi.StringWidth(s)
	if n > w {
		s = ansi.Truncate(s, w, "…")
		n = ansi.StringWidth(s)
	}
	if n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// FitBlock makes a block of lines exactly w cells wide and h lines high:
// long lines are cut, short ones padded, missing lines added.
func FitBlock(s string, w, h int) string {
	if h <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	var b strings.Builder
	for i := 0; i < h; i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i < len(lines) {
			b.WriteString(Fit(lines[i], w))
		} else {
			b.WriteString(strings.Repeat(" ", w))
		}
	}
	return b.String()
}

// Wrap breaks plain text into lines of at most w cells, at spaces where it
// can; indent starts every line after the first. Styling is removed:
// style the lines afterwards.
func Wrap(s string, w int, indent string) []string {
	s = ansi.Strip(s)
	if w <= ansi.StringWidth(indent)+1 {
		return []string{s}
	}
	var out []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case ansi.StringWidth(line)+1+ansi.StringWidth(word) <= w:
			line += " " + word
		default:
			out = append(out, line)
			line = indent + word
		}
		for ansi.StringWidth(line) > w {
			r := []rune(line)
			n := 0
			for n < len(r) && ansi.StringWidth(string(r[:n+1])) <= w {
				n++
			}
			n = max(n, 1)
			out = append(out, string(r[:n]))
			line = indent + string(r[n:])
		}
	}
	if line != "" || len(out) == 0 {
		out = append(out, line)
	}
	return out
}

// Box draws a rounded box of exactly w×h cells with title set in its top
// border and body inside; the focused box has the focus colour.
func (s *Styles) Box(title, body string, w, h int, focused bool) string {
	if w < 4 || h < 2 {
		return FitBlock(body, max(w, 0), max(h, 0))
	}
	border, ts := s.Border, s.Muted
	if focused {
		border, ts = s.Focus, s.Title
	}
	inner := w - 2
	t := ""
	if title != "" {
		t = " " + ansi.Truncate(title, max(inner-4, 1), "…") + " "
	}
	var b strings.Builder
	b.WriteString(border.Render("╭─"))
	b.WriteString(ts.Render(t))
	b.WriteString(border.Render(strings.Repeat("─", max(inner-1-ansi.StringWidth(t), 0)) + "╮"))
	side := border.Render("│")
	for _, l := range strings.Split(FitBlock(body, inner, h-2), "\n") {
		b.WriteString("\n" + side + l + side)
	}
	b.WriteString("\n" + border.Render("╰"+strings.Repeat("─", inner)+"╯"))
	return b.String()
}
