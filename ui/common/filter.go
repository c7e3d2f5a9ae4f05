package common

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
)

// Filter is what `/` typed, k9s style: a case-insensitive regular
// expression, `!` before it to invert, or `-l SELECTOR` to match labels.
// The zero Filter matches everything.
type Filter struct {
	raw    string
	re     *regexp.Regexp
	invert bool
	sel    labels.Selector
}

// ParseFilter reads a filter as typed after `/`.
func ParseFilter(s string) (Filter, error) {
	s = strings.TrimSpace(s)
	f := Filter{raw: s}
	switch {
	case s == "":
		return f, nil
	case strings.HasPrefix(s, "-l ") || s == "-l":
		sel, err := labels.Parse(strings.TrimSpace(strings.TrimPrefix(s, "-l")))
		if err != nil {
			return Filter{}, fmt.Errorf("label filter %q: %w", s, err)
		}
		f.sel = sel
		return f, nil
	case strings.HasPrefix(s, "!"):
		f.invert = true
		s = s[1:]
	}
	re, err := regexp.Compile("(?i)" + s)
	if err != nil {
		return Filter{}, fmt.Errorf("filter %q is not a regular expression: %w", f.raw, err)
	}
	f.re = re
	return f, nil
}

// Empty reports whether the filter matches everything.
func (f Filter) Empty() bool { return f.re == nil && f.sel == nil }

// String is the filter as typed.
func (f Filter) String() string { return f.raw }

// Match reports whether an item with this name and these labels passes.
// Items without labels never pass a label filter.
func (f Filter) Match(name string, lbls map[string]string) bool {
	switch {
	case f.sel != nil:
		return lbls != nil && f.sel.Matches(labels.Set(lbls))
	case f.re != nil:
		return f.re.MatchString(name) != f.invert
	}
	return true
}
