package policy

import "testing"

func TestRangeSetAlgebra(t *testing.T) {
	tests := map[string]struct {
		a, b                string
		union, inter, minus string
	}{
		"disjoint":       {"80", "443", "80,443", "", "80"},
		"adjacent merge": {"1-79", "80-100", "1-100", "", "1-79"},
		"overlap":        {"80-90", "85-95", "80-95", "85-90", "80-84"},
		"inside":         {"1-65535", "80", "1-65535", "80", "1-79,81-65535"},
		"empty":          {"", "53", "53", "", ""},
		"many":           {"1-10,20-30,40-50", "5-25,45", "1-30,40-50", "5-10,20-25,45", "1-4,26-30,40-44,46-50"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a, err := ParseRangeSet(tc.a)
			if err != nil {
				t.Fatal(err)
			}
			b, err := ParseRangeSet(tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if got := a.Union(b).String(); got != tc.union {
				t.Errorf("union = %q, want %q", got, tc.union)
			}
			if got := a.Intersect(b).String(); got != tc.inter {
				t.Errorf("intersect = %q, want %q", got, tc.inter)
			}
			if got := a.Subtract(b).String(); got != tc.minus {
				t.Errorf("subtract = %q, want %q", got, tc.minus)
			}
		})
	}
}

func TestRangeSetContains(t *testing.T) {
	s, _ := ParseRangeSet("22,80-90,443,8000-9000")
	for p, want := range map[int]bool{21: false, 22: true, 23: false, 80: true, 85: true, 90: true, 91: false, 443: true, 8500: true, 9001: false} {
		if got := s.Contains(p); got != want {
			t.Errorf("Contains(%d) = %v, want %v", p, got, want)
		}
	}
}

func TestParseRangeSetRejects(t *testing.T) {
	for _, bad := range []string{"0", "65536", "90-80", "x", "1-", "80,,81"} {
		if _, err := ParseRangeSet(bad); err == nil {
			t.Errorf("ParseRangeSet(%q) accepted", bad)
		}
	}
}
