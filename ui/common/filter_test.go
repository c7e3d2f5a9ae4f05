package common

import (
	"strings"
	"testing"
)

func TestFilter(t *testing.T) {
	lbls := map[string]string{"app": "cart", "tier": "backend"}
	tests := map[string]struct {
		filter  string
		name    string
		labels  map[string]string
		want    bool
		wantErr bool
	}{
		"empty matches all":         {"", "anything", nil, true, false},
		"regex":                     {"car", "shop/cart", nil, true, false},
		"regex no match":            {"^cart", "shop/cart", nil, false, false},
		"case-insensitive":          {"CART", "shop/cart", nil, true, false},
		"inverted":                  {"!cart", "shop/cart", nil, false, false},
		"inverted keeps others":     {"!cart", "shop/db", nil, true, false},
		"label equality":            {"-l app=cart", "x", lbls, true, false},
		"label set":                 {"-l tier in (backend,db)", "x", lbls, true, false},
		"label mismatch":            {"-l app=db", "x", lbls, false, false},
		"label without labels":      {"-l app=cart", "x", nil, false, false},
		"label existence":           {"-l !track", "x", lbls, true, false},
		"bad regex":                 {"(", "", nil, false, true},
		"bad selector":              {"-l app in (", "", nil, false, true},
		"inverted bad regex":        {"![", "", nil, false, true},
		"spaces around are trimmed": {"  cart  ", "shop/cart", nil, true, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f, err := ParseFilter(tc.filter)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseFilter(%q) error = %v, want error %v", tc.filter, err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if got := f.Match(tc.name, tc.labels); got != tc.want {
				t.Errorf("%q matches %q %v: %v, want %v", tc.filter, tc.name, tc.labels, got, tc.want)
			}
		})
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"", "cart", "!cart", "-l app=cart", "-l", "(", "![", "-l a in (b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := ParseFilter(s)
		if err != nil {
			return
		}
		flt.Match(s, map[string]string{"a": s})
		if flt.Empty() != (strings.TrimSpace(s) == "") {
			t.Errorf("ParseFilter(%q).Empty() = %v", s, flt.Empty())
		}
	})
}

func TestWrapAndFit(t *testing.T) {
	tests := map[string]struct {
		in     string
		w      int
		indent string
		want   []string
	}{
		"fits":             {"a b c", 10, "", []string{"a b c"}},
		"breaks at spaces": {"one two three four", 9, "  ", []string{"one two", "  three", "  four"}},
		"long word is cut": {"abcdefghij", 4, "", []string{"abcd", "efgh", "ij"}},
		"styling removed":  {"\x1b[1mbold\x1b[m text", 20, "", []string{"bold text"}},
		"empty":            {"", 5, "", []string{""}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Wrap(tc.in, tc.w, tc.indent)
			if len(got) != len(tc.want) {
				t.Fatalf("Wrap = %q, want %q", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("Wrap = %q, want %q", got, tc.want)
				}
			}
		})
	}
	if got := Fit("abcdef", 4); got != "abc…" {
		t.Errorf("Fit cut = %q", got)
	}
	if got := Fit("ab", 4); got != "ab  " {
		t.Errorf("Fit pad = %q", got)
	}
	if got := FitBlock("a\nb\nc", 2, 2); got != "a \nb " {
		t.Errorf("FitBlock = %q", got)
	}
}
