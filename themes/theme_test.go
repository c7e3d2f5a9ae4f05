package themes

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckColor(t *testing.T) {
	tests := map[string]struct {
		in string
		ok bool
	}{
		"short hex":          {"#fff", true},
		"long hex":           {"#1e90ff", true},
		"upper case hex":     {"#1E90FF", true},
		"ANSI zero":          {"0", true},
		"ANSI 255":           {"255", true},
		"ANSI 39":            {"39", true},
		"empty":              {"", false},
		"hash only":          {"#", false},
		"four digits":        {"#ffff", false},
		"five digits":        {"#12345", false},
		"eight digits":       {"#1e90ffaa", false},
		"not hex":            {"#ggg", false},
		"no hash":            {"1e90ff", false},
		"ANSI 256":           {"256", false},
		"negative":           {"-1", false},
		"leading zero":       {"007", false},
		"plus sign":          {"+7", false},
		"spaces":             {" 7", false},
		"colour name":        {"red", false},
		"hex with spaces":    {"# fff", false},
		"rgb function":       {"rgb(0,0,0)", false},
		"ANSI with fraction": {"7.0", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := checkColor(tc.in)
			if (err == nil) != tc.ok {
				t.Errorf("checkColor(%q) = %v, want ok=%v", tc.in, err, tc.ok)
			}
		})
	}
}

func TestCheckGlyph(t *testing.T) {
	tests := map[string]struct {
		in string
		ok bool
	}{
		"one symbol":      {"✓", true},
		"ascii":           {"x", true},
		"three":           {"[+]", true},
		"empty":           {"", false},
		"four":            {"allo", false},
		"space":           {" ", false},
		"inner space":     {"a b", false},
		"tab":             {"\t", false},
		"newline":         {"x\n", false},
		"escape sequence": {"\x1b[m", false},
		"invalid UTF-8":   {"\xff", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := checkGlyph(tc.in)
			if (err == nil) != tc.ok {
				t.Errorf("checkGlyph(%q) = %v, want ok=%v", tc.in, err, tc.ok)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	dark, _ := Builtin("dark")
	mono, _ := Builtin("mono")
	tests := map[string]struct {
		edit func(*Theme)
		base Theme
		want string // "" for valid
	}{
		"dark as is":           {base: dark},
		"ANSI colours":         {base: dark, edit: func(t *Theme) { t.Colors.Text = "252" }},
		"unset colour":         {base: dark, edit: func(t *Theme) { t.Colors.Deny = "" }, want: "colors.deny: not set"},
		"invalid colour":       {base: dark, edit: func(t *Theme) { t.Colors.Pod = "pink" }, want: `colors.pod: invalid colour "pink": want "#rgb", "#rrggbb" or an ANSI colour number 0-255`},
		"mono without colours": {base: mono},
		"mono with a colour":   {base: mono, edit: func(t *Theme) { t.Colors.Text = "7" }},
		"mono with bad colour": {base: mono, edit: func(t *Theme) { t.Colors.Text = "#12" }, want: `colors.text: invalid colour "#12": want "#rgb", "#rrggbb" or an ANSI colour number 0-255`},
		"unset glyph":          {base: dark, edit: func(t *Theme) { t.Glyphs.Pod = "" }, want: "glyphs.pod: not set"},
		"unknown like deny":    {base: dark, edit: func(t *Theme) { t.Glyphs.Unknown = "✗" }, want: `glyphs.unknown: "✗" is also the deny glyph; they must differ so that meaning never rests on colour alone`},
		"changed like added":   {base: dark, edit: func(t *Theme) { t.Glyphs.Changed = "+" }, want: `glyphs.changed: "+" is also the added glyph; they must differ so that meaning never rests on colour alone`},
		"kinds may share":      {base: dark, edit: func(t *Theme) { t.Glyphs.Pod, t.Glyphs.Service = "o", "o" }},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			th := tc.base
			if tc.edit != nil {
				tc.edit(&th)
			}
			err := th.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tc.want != "" && (err == nil || err.Error() != tc.want):
				t.Errorf("Validate() = %v, want %s", err, tc.want)
			}
			var e *Error
			if err != nil && !errors.As(err, &e) {
				t.Errorf("error %T is not an *Error", err)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	tests := map[string]struct {
		err  Error
		want string
	}{
		"everything":   {Error{File: "a.yaml", Line: 3, Field: "colors.allow", Msg: "bad"}, "a.yaml:3: colors.allow: bad"},
		"no line":      {Error{File: "a.yaml", Field: "colors.allow", Msg: "bad"}, "a.yaml: colors.allow: bad"},
		"no field":     {Error{File: "a.yaml", Line: 1, Msg: "bad"}, "a.yaml:1: bad"},
		"no file":      {Error{Field: "glyphs.pod", Msg: "bad"}, "glyphs.pod: bad"},
		"line ignored": {Error{Line: 4, Msg: "bad"}, "bad"},
		"one line":     {Error{File: "a.yaml", Msg: "bad\n  thing"}, "a.yaml: bad thing"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseAcceptsYAMLForms(t *testing.T) {
	// Different ways of writing the same values all read the same.
	tests := map[string]string{
		"block":   "colors:\n  allow: \"#00ff00\"\n  pod: 7\nglyphs:\n  allow: \"+\"\nattrs:\n  deny:\n    bold: true\n",
		"flow":    "{colors: {allow: '#00ff00', pod: '7'}, glyphs: {allow: +}, attrs: {deny: {bold: true}}}\n",
		"end doc": "colors:\n  allow: \"#00ff00\"\n  pod: \"7\"\nglyphs:\n  allow: \"+\"\nattrs:\n  deny: {bold: true}\n---\n",
	}
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			l, err := parseLayer("t.yaml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if l.colors["allow"] != "#00ff00" || l.colors["pod"] != "7" || l.glyphs["allow"] != "+" || !l.attrs["deny"]["bold"] {
				t.Errorf("parsed %+v", l)
			}
		})
	}
	t.Run("aliases", func(t *testing.T) {
		l, err := parseLayer("t.yaml", []byte("colors:\n  allow: &green \"#00ff00\"\n  added: *green\n"))
		if err != nil {
			t.Fatal(err)
		}
		if l.colors["added"] != "#00ff00" {
			t.Errorf("alias not followed: %+v", l.colors)
		}
	})
}

// FuzzParseLayer feeds arbitrary bytes to the theme file parser: it must not
// panic, and every error must be a one-line *Error naming the file.
func FuzzParseLayer(f *testing.F) {
	for _, dir := range []string{"builtin", "testdata/themes"} {
		paths, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add([]byte("colors: {allow: #fff}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("---\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := parseLayer("f.yaml", data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error: %v", err, err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "f.yaml") || strings.Contains(msg, "\n") {
				t.Fatalf("bad error message %q", msg)
			}
			return
		}
		// Whatever parsed must lay over a theme without panicking.
		th, _ := Builtin("dark")
		l.apply(&th)
		_ = th.Validate()
	})
}
