package themes

import (
	"math"
	"os"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestBuiltinNames(t *testing.T) {
	want := []string{"colorblind", "dark", "high-contrast", "light", "mono"}
	if got := BuiltinNames(); !slices.Equal(got, want) {
		t.Errorf("BuiltinNames() = %v, want %v", got, want)
	}
	if _, ok := Builtin("nope"); ok {
		t.Error("Builtin(nope) found a theme")
	}
	if _, ok := Builtin(Default); !ok {
		t.Errorf("the default theme %q is not built in", Default)
	}
}

func TestBuiltinsComplete(t *testing.T) {
	for _, name := range BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			th, _ := Builtin(name)
			if th.Name != name {
				t.Errorf("Name = %q", th.Name)
			}
			if th.Description == "" {
				t.Error("no description")
			}
			if err := th.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}

			// Every colour slot is written in the file itself, not filled in.
			data, err := builtinFS.ReadFile(path.Join("builtin", name+FileExt))
			if err != nil {
				t.Fatal(err)
			}
			l, err := parseLayer(name, data)
			if err != nil {
				t.Fatal(err)
			}
			colors := reflect.ValueOf(th.Colors)
			for _, s := range colorSlots {
				v := colors.Field(s.index).String()
				if th.NoColor {
					if v != "" {
						t.Errorf("colors.%s = %q in a NoColor theme", s.name, v)
					}
					continue
				}
				if _, ok := l.colors[s.name]; !ok {
					t.Errorf("colors.%s is not set in the file", s.name)
				}
			}
			glyphs := reflect.ValueOf(th.Glyphs)
			for _, s := range glyphSlots {
				if glyphs.Field(s.index).String() == "" {
					t.Errorf("glyphs.%s is empty", s.name)
				}
			}
		})
	}
}

func TestMonoIsMonochrome(t *testing.T) {
	mono, _ := Builtin(Mono)
	if !mono.NoColor {
		t.Fatal("mono is not NoColor")
	}
	// Without colour, the selection and status bar still need to stand out.
	if !mono.Attrs.Selection.Reverse || !mono.Attrs.StatusBar.Reverse {
		t.Errorf("mono selection %+v / status bar %+v are not reversed", mono.Attrs.Selection, mono.Attrs.StatusBar)
	}
	for _, name := range BuiltinNames() {
		if th, _ := Builtin(name); th.NoColor != (name == Mono) {
			t.Errorf("%s: NoColor = %v", name, th.NoColor)
		}
	}
}

// safeGlyphs are symbols present in the fonts terminals commonly use. ✔, ✘,
// ⬤ and ⎈ are not: they show as boxes or double width in many.
var safeGlyphs = []string{"✓", "✗", "?", "●", "○", "◆", "▶", "→", "□", "§", "*", "+", "-", "~"}

func TestBuiltinGlyphsAreSafe(t *testing.T) {
	for _, name := range BuiltinNames() {
		th, _ := Builtin(name)
		glyphs := reflect.ValueOf(th.Glyphs)
		for _, s := range glyphSlots {
			g := glyphs.Field(s.index).String()
			if !slices.Contains(safeGlyphs, g) {
				t.Errorf("%s: glyphs.%s = %q, not in the safe set %v", name, s.name, g, safeGlyphs)
			}
			if n := utf8.RuneCountInString(g); n != 1 {
				t.Errorf("%s: glyphs.%s = %q is %d characters, want 1", name, s.name, g, n)
			}
		}
	}
}

// TestBuiltinContrast checks the built-in colour themes against WCAG 2
// contrast ratios: 4.5:1 for text (7:1 in high-contrast) and 3:1 for
// borders, each against the theme's background or its own background slot.
func TestBuiltinContrast(t *testing.T) {
	nonText := []string{"background", "border", "focus", "selectionFg", "selectionBg", "statusBarFg", "statusBarBg"}
	for _, name := range BuiltinNames() {
		th, _ := Builtin(name)
		if th.NoColor {
			continue
		}
		t.Run(name, func(t *testing.T) {
			textMin := 4.5
			if name == "high-contrast" {
				textMin = 7
			}
			c := th.Colors
			check := func(what, fg, bg string, minRatio float64) {
				t.Helper()
				if r := contrast(t, fg, bg); r < minRatio {
					t.Errorf("%s: %s on %s has contrast %.2f, want at least %.1f", what, fg, bg, r, minRatio)
				}
			}
			colors := reflect.ValueOf(c)
			for _, s := range colorSlots {
				if slices.Contains(nonText, s.name) {
					continue
				}
				check(s.name, colors.Field(s.index).String(), c.Background, textMin)
			}
			check("border", c.Border, c.Background, 3)
			check("focus", c.Focus, c.Background, 3)
			check("selection", c.SelectionFg, c.SelectionBg, textMin)
			check("status bar", c.StatusBarFg, c.StatusBarBg, textMin)
			if c.Allow == c.Deny {
				t.Errorf("allow and deny share the colour %s", c.Allow)
			}
		})
	}
}

// TestColorblindAvoidsRedGreen keeps the colour-blind theme's verdicts off
// the red-green axis: allow must be bluer than it is green or red.
func TestColorblindAvoidsRedGreen(t *testing.T) {
	th, _ := Builtin("colorblind")
	r, g, b := rgb(t, th.Colors.Allow)
	if b <= g || b <= r {
		t.Errorf("colorblind allow %s is not blue", th.Colors.Allow)
	}
	r, g, b = rgb(t, th.Colors.Deny)
	if r <= b || g <= b {
		t.Errorf("colorblind deny %s is not orange", th.Colors.Deny)
	}
}

// rgb parses "#rgb" or "#rrggbb" into channels from 0 to 1.
func rgb(t *testing.T, hex string) (r, g, b float64) {
	t.Helper()
	h := strings.TrimPrefix(hex, "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	n, err := strconv.ParseUint(h, 16, 32)
	if len(h) != 6 || err != nil {
		t.Fatalf("built-in colour %q is not hex", hex)
	}
	return float64(n>>16&0xff) / 255, float64(n>>8&0xff) / 255, float64(n&0xff) / 255
}

// contrast is the WCAG 2 contrast ratio of two hex colours.
func contrast(t *testing.T, a, b string) float64 {
	t.Helper()
	la, lb := luminance(rgb(t, a)), luminance(rgb(t, b))
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

// luminance is WCAG 2 relative luminance.
func luminance(r, g, b float64) float64 {
	lin := func(c float64) float64 {
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// TestREADME keeps the user documentation in step with the code: it names
// every slot, and its example theme is the one the tests load.
func TestREADME(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	for _, group := range []struct {
		field string
		slots []slot
	}{{"colors", colorSlots}, {"glyphs", glyphSlots}, {"attrs", attrSlots}, {"attribute", attrFlags}} {
		for _, s := range group.slots {
			if !strings.Contains(readme, "`"+s.name+"`") {
				t.Errorf("README.md does not document %s `%s`", group.field, s.name)
			}
		}
	}
	for _, name := range BuiltinNames() {
		if !strings.Contains(readme, "`"+name+"`") {
			t.Errorf("README.md does not mention the built-in theme `%s`", name)
		}
	}
	example, err := os.ReadFile("testdata/themes/ocean.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(readme, string(example)) {
		t.Error("README.md does not contain testdata/themes/ocean.yaml verbatim")
	}
	for _, g := range slotNames(glyphSlots) {
		def := reflect.ValueOf(DefaultGlyphs()).Field(glyphSlot(g).index).String()
		if !strings.Contains(readme, "`"+g+"` | `"+def+"`") {
			t.Errorf("README.md does not give %q as the default %s glyph", def, g)
		}
	}
}
