package themes

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// userDir writes files (name → content) into a fresh folder and returns it.
func userDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// testdataDir copies testdata/themes into a fresh folder, adding extra files.
func testdataDir(t *testing.T, extra map[string]string) string {
	t.Helper()
	files := map[string]string{}
	entries, err := os.ReadDir("testdata/themes")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join("testdata/themes", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(data)
	}
	for name, content := range extra {
		files[name] = content
	}
	return userDir(t, files)
}

// env returns an environment lookup backed by vars.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestLoadUserThemes(t *testing.T) {
	l := Loader{Dir: testdataDir(t, nil)}
	dark, _ := Builtin("dark")

	tests := map[string]struct {
		name  string
		check func(t *testing.T, got Theme)
	}{
		"inherits a built-in, overriding some slots": {
			name: "ocean",
			check: func(t *testing.T, got Theme) {
				want := dark
				want.Name = "ocean"
				want.Description = "Dark, with teal borders and ASCII verdicts."
				want.Inherits = "dark"
				want.Colors.Border = "#2aa198"
				want.Colors.Focus = "#5fd7d7"
				want.Colors.Title = "#5fd7d7"
				want.Colors.SelectionBg = "#5fd7d7"
				want.Colors.Pod = "252"
				want.Glyphs.Allow = "ok"
				want.Glyphs.Deny = "NO"
				want.Attrs.Title = Attr{Bold: true, Underline: true}
				if got != want {
					t.Errorf("ocean:\n got %+v\nwant %+v", got, want)
				}
			},
		},
		"inherits a user theme that inherits a built-in": {
			name: "reef",
			check: func(t *testing.T, got Theme) {
				if got.Colors.Allow != "#00ff87" || got.Glyphs.Changed != "*" {
					t.Errorf("reef's own slots not applied: allow %q, changed glyph %q", got.Colors.Allow, got.Glyphs.Changed)
				}
				if got.Colors.Border != "#2aa198" || got.Glyphs.Allow != "ok" {
					t.Errorf("slots from ocean not inherited: border %q, allow glyph %q", got.Colors.Border, got.Glyphs.Allow)
				}
				if got.Colors.Deny != dark.Colors.Deny || got.Attrs.Deny != dark.Attrs.Deny {
					t.Errorf("slots from dark not inherited: deny %q %+v", got.Colors.Deny, got.Attrs.Deny)
				}
				if got.Description != "" {
					t.Errorf("description was inherited: %q", got.Description)
				}
			},
		},
		"complete theme without inherits gets default glyphs": {
			name: "paper",
			check: func(t *testing.T, got Theme) {
				if got.Colors.Background != "#fff" || got.Colors.Pod != "0" {
					t.Errorf("colours not read: %+v", got.Colors)
				}
				if got.Glyphs != DefaultGlyphs() {
					t.Errorf("glyphs = %+v, want defaults", got.Glyphs)
				}
				if got.Attrs != (Attrs{}) {
					t.Errorf("attrs = %+v, want none", got.Attrs)
				}
			},
		},
		"built-in": {
			name: "light",
			check: func(t *testing.T, got Theme) {
				want, _ := Builtin("light")
				if got != want {
					t.Errorf("Load(light) differs from Builtin(light)")
				}
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := l.Load(tc.name)
			if err != nil {
				t.Fatalf("Load(%q): %v", tc.name, err)
			}
			if got.Name != tc.name {
				t.Errorf("Name = %q, want %q", got.Name, tc.name)
			}
			tc.check(t, got)
		})
	}
}

func TestLoadMalformed(t *testing.T) {
	// Each case writes bad.yaml (plus any other files) and loads "bad". The
	// whole error is compared, with FILE standing for bad.yaml's path and DIR
	// for the folder.
	tests := map[string]struct {
		bad   string
		other map[string]string
		want  string
	}{
		"invalid hex colour": {
			bad:  "inherits: dark\ncolors:\n  allow: \"#12345\"\n",
			want: `FILE:3: colors.allow: invalid colour "#12345": want "#rgb", "#rrggbb" or an ANSI colour number 0-255`,
		},
		"non-hex digit": {
			bad:  "inherits: dark\ncolors:\n  deny: \"#12g\"\n",
			want: `FILE:3: colors.deny: invalid colour "#12g": 'g' is not a hex digit`,
		},
		"colour name": {
			bad:  "inherits: dark\ncolors:\n  deny: red\n",
			want: `FILE:3: colors.deny: invalid colour "red": want "#rgb", "#rrggbb" or an ANSI colour number 0-255`,
		},
		"ANSI number out of range": {
			bad:  "inherits: dark\ncolors:\n  text: 256\n",
			want: `FILE:3: colors.text: invalid colour "256": want "#rgb", "#rrggbb" or an ANSI colour number 0-255`,
		},
		"unquoted hex colour is a comment": {
			bad:  "inherits: dark\ncolors:\n  allow: #00ff00\n",
			want: `FILE:3: colors.allow: no colour given; quote hex colours, because an unquoted # starts a YAML comment: write "#1e90ff"`,
		},
		"colour given as a list": {
			bad:  "inherits: dark\ncolors:\n  allow: [1, 2]\n",
			want: `FILE:3: colors.allow: want a colour such as "#1e90ff" or "39", got a list`,
		},
		"misspelt slot": {
			bad:  "inherits: dark\ncolors:\n  alow: \"#fff\"\n",
			want: `FILE:3: colors.alow: unknown slot (did you mean "allow"?)`,
		},
		"unknown glyph slot": {
			bad:  "inherits: dark\nglyphs:\n  cluster: \"C\"\n",
			want: `FILE:3: glyphs.cluster: unknown slot (known: allow, deny, unknown, ingress, service, pod, workload, namespace, policy, external, arrow, added, removed, changed)`,
		},
		"misspelt top-level field": {
			bad:  "inherits: dark\ncolours:\n  allow: \"#fff\"\n",
			want: `FILE:2: colours: unknown field (did you mean "colors"?)`,
		},
		"name field": {
			bad:  "name: bad\ninherits: dark\n",
			want: `FILE:1: name: unknown field; a theme's name is its file name`,
		},
		"unknown attribute": {
			bad:  "inherits: dark\nattrs:\n  title: {italic: true}\n",
			want: `FILE:3: attrs.title.italic: unknown attribute (known: bold, underline, reverse)`,
		},
		"attribute not a boolean": {
			bad:  "inherits: dark\nattrs:\n  title: {bold: yes}\n",
			want: `FILE:3: attrs.title.bold: want true or false, got "yes"`,
		},
		"noColor not a boolean": {
			bad:  "inherits: dark\nnoColor: 1\n",
			want: `FILE:2: noColor: want true or false, got "1"`,
		},
		"colors not a mapping": {
			bad:  "inherits: dark\ncolors: blue\n",
			want: `FILE:2: colors: want a mapping of background, text, muted, border, focus, title, key, highlight, selectionFg, selectionBg, statusBarFg, statusBarBg, warning, error, allow, deny, unknown, ingress, service, pod, workload, namespace, policy, external, added, removed, changed`,
		},
		"slot set twice": {
			bad:  "inherits: dark\ncolors:\n  allow: \"#fff\"\n  allow: \"#000\"\n",
			want: `FILE:4: colors.allow: set twice (first on line 3)`,
		},
		"broken YAML": {
			bad:  "inherits: dark\ncolors:\n  allow: \"#fff\n",
			want: `FILE:3: invalid YAML: found unexpected end of stream`,
		},
		"bad indentation": {
			bad:  "inherits: dark\ncolors:\n  allow: \"#fff\"\n deny: \"#000\"\n",
			want: `FILE:3: invalid YAML: did not find expected key`,
		},
		"not a mapping": {
			bad:  "- dark\n- light\n",
			want: `FILE:1: want a mapping of theme fields (colors, glyphs, ...)`,
		},
		"two documents": {
			bad:  "inherits: dark\n---\ninherits: light\n",
			want: `FILE:2: a second YAML document starts here; a theme file holds exactly one`,
		},
		"empty file": {
			bad:  "# nothing here yet\n",
			want: `FILE: empty theme file`,
		},
		"bare tilde glyph": {
			bad:  "inherits: dark\nglyphs:\n  changed: ~\n",
			want: `FILE:3: glyphs.changed: no glyph given; quote glyphs, because YAML reads a bare ~ as nothing: write "~"`,
		},
		"glyph too long": {
			bad:  "inherits: dark\nglyphs:\n  allow: \"allowed\"\n",
			want: `FILE:3: glyphs.allow: invalid glyph "allowed": 7 characters, at most 3`,
		},
		"blank glyph": {
			bad:  "inherits: dark\nglyphs:\n  deny: \" \"\n",
			want: `FILE:3: glyphs.deny: invalid glyph " ": spaces and control characters are not allowed`,
		},
		"verdict glyphs alike": {
			bad:  "inherits: dark\nglyphs:\n  deny: \"✓\"\n",
			want: `FILE: glyphs.deny: "✓" is also the allow glyph; they must differ so that meaning never rests on colour alone`,
		},
		"partial theme without inherits": {
			bad:  "colors:\n  text: \"#fff\"\n",
			want: `FILE: colors.background: not set; set it, or add "inherits: dark" to take unset slots from a built-in theme`,
		},
		"colour theme inheriting mono": {
			bad:  "inherits: mono\nnoColor: false\n",
			want: `FILE: colors.background: not set`,
		},
		"inherits an unknown theme": {
			bad:  "inherits: drak\n",
			want: `FILE:1: inherits: unknown theme "drak" (available: bad, colorblind, dark, high-contrast, light, mono)`,
		},
		"inherits itself": {
			bad:  "inherits: bad\n",
			want: `FILE:1: inherits: cycle: bad → bad`,
		},
		"inherits in a cycle": {
			bad:   "inherits: other\n",
			other: map[string]string{"other.yaml": "inherits: bad\n"},
			want:  `theme bad inherits other: DIR/other.yaml:1: inherits: cycle: bad → other → bad`,
		},
		"inherits a broken theme": {
			bad:   "inherits: other\n",
			other: map[string]string{"other.yaml": "inherits: dark\ncolors:\n  deny: \"#ff\"\n"},
			want:  `theme bad inherits other: DIR/other.yaml:3: colors.deny: invalid colour "#ff": want "#rgb", "#rrggbb" or an ANSI colour number 0-255`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			files := map[string]string{"bad.yaml": tc.bad}
			for k, v := range tc.other {
				files[k] = v
			}
			dir := userDir(t, files)
			_, err := Loader{Dir: dir}.Load("bad")
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			file := filepath.Join(dir, "bad.yaml")
			want := strings.NewReplacer("FILE", file, "DIR", dir).Replace(tc.want)
			if err.Error() != want {
				t.Errorf("error:\n got %s\nwant %s", err, want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error", err)
			}
		})
	}
}

func TestLoadUnknownName(t *testing.T) {
	dir := testdataDir(t, nil)
	tests := map[string]struct {
		name string
		want string
	}{
		"no such theme": {
			name: "solarized",
			want: `unknown theme "solarized" (available: colorblind, dark, high-contrast, light, mono, ocean, paper, reef)`,
		},
		"case matters": {
			name: "Dark",
			want: `unknown theme "Dark" (available: colorblind, dark, high-contrast, light, mono, ocean, paper, reef)`,
		},
		"path outside the folder": {
			name: "../ocean",
			want: `unknown theme "../ocean": a theme name is letters, digits, '-' and '_' (available: colorblind, dark, high-contrast, light, mono, ocean, paper, reef)`,
		},
		"file extension": {
			name: "ocean.yaml",
			want: `unknown theme "ocean.yaml": a theme name is letters, digits, '-' and '_' (available: colorblind, dark, high-contrast, light, mono, ocean, paper, reef)`,
		},
		"empty": {
			name: "",
			want: `unknown theme "": a theme name is letters, digits, '-' and '_' (available: colorblind, dark, high-contrast, light, mono, ocean, paper, reef)`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Loader{Dir: dir}.Load(tc.name)
			if !errors.Is(err, ErrUnknownTheme) {
				t.Fatalf("error %v does not wrap ErrUnknownTheme", err)
			}
			if err.Error() != tc.want {
				t.Errorf("error:\n got %s\nwant %s", err, tc.want)
			}
		})
	}
}

func TestLoadWithoutUserFolder(t *testing.T) {
	_, err := Loader{}.Load("ocean")
	want := `unknown theme "ocean" (available: colorblind, dark, high-contrast, light, mono)`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestLoadTooLarge(t *testing.T) {
	dir := userDir(t, map[string]string{"big.yaml": "inherits: dark\n" + strings.Repeat("# padding\n", maxFileSize/10+1)})
	_, err := Loader{Dir: dir}.Load("big")
	want := filepath.Join(dir, "big.yaml") + ": larger than 1048576 bytes; not a theme file"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestNames(t *testing.T) {
	tests := map[string]struct {
		files map[string]string
		want  []string
	}{
		"built-ins only": {
			want: []string{"colorblind", "dark", "high-contrast", "light", "mono"},
		},
		"user themes sorted in": {
			files: map[string]string{"zebra.yaml": "", "amber.yaml": "", "my_theme-2.yaml": ""},
			want:  []string{"amber", "colorblind", "dark", "high-contrast", "light", "mono", "my_theme-2", "zebra"},
		},
		"other files, bad names and shadowed built-ins left out": {
			files: map[string]string{
				"notes.txt":      "",
				"ocean.yml":      "",
				"my theme.yaml":  "",
				".hidden.yaml":   "",
				"dark.yaml":      "",
				"broken.yaml":    "colors: [",
				"ocean.yaml.bak": "",
			},
			want: []string{"broken", "colorblind", "dark", "high-contrast", "light", "mono"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Loader{Dir: userDir(t, tc.files)}.Names()
			if !slices.Equal(got, tc.want) {
				t.Errorf("Names() = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("missing folder", func(t *testing.T) {
		got := Loader{Dir: filepath.Join(t.TempDir(), "absent")}.Names()
		if want := BuiltinNames(); !slices.Equal(got, want) {
			t.Errorf("Names() = %v, want %v", got, want)
		}
	})
}

func TestResolve(t *testing.T) {
	ocean := "inherits: dark\nglyphs:\n  allow: \"ok\"\n"
	broken := "inherits: dark\ncolors:\n  allow: \"#00ff0\"\n"
	tests := map[string]struct {
		flag      string
		env       map[string]string
		files     map[string]string
		wantName  string
		noColor   bool
		wantGlyph string // the allow glyph, when it matters
		warnings  []string
	}{
		"default": {
			wantName: "dark",
		},
		"environment": {
			env:      map[string]string{"NETVIZ_THEME": "light"},
			wantName: "light",
		},
		"flag beats environment": {
			flag:     "high-contrast",
			env:      map[string]string{"NETVIZ_THEME": "light"},
			wantName: "high-contrast",
		},
		"blank flag falls through to environment": {
			flag:     "  ",
			env:      map[string]string{"NETVIZ_THEME": " colorblind "},
			wantName: "colorblind",
		},
		"user theme from flag": {
			flag:      "ocean",
			files:     map[string]string{"ocean.yaml": ocean},
			wantName:  "ocean",
			wantGlyph: "ok",
		},
		"unknown flag falls back to default": {
			flag:     "nope",
			env:      map[string]string{"NETVIZ_THEME": "light"},
			wantName: "dark",
			warnings: []string{`theme from --theme: unknown theme "nope" (available: colorblind, dark, high-contrast, light, mono); using theme "dark"`},
		},
		"malformed file from environment falls back to default": {
			env:      map[string]string{"NETVIZ_THEME": "broken"},
			files:    map[string]string{"broken.yaml": broken},
			wantName: "dark",
			warnings: []string{`theme from $NETVIZ_THEME: DIR/broken.yaml:3: colors.allow: invalid colour "#00ff0": want "#rgb", "#rrggbb" or an ANSI colour number 0-255; using theme "dark"`},
		},
		"NO_COLOR": {
			env:      map[string]string{"NO_COLOR": "1"},
			wantName: "mono",
			noColor:  true,
		},
		"NO_COLOR with any value": {
			env:      map[string]string{"NO_COLOR": "false"},
			wantName: "mono",
			noColor:  true,
		},
		"empty NO_COLOR is unset": {
			env:      map[string]string{"NO_COLOR": ""},
			wantName: "dark",
		},
		"NO_COLOR beats environment": {
			env:      map[string]string{"NO_COLOR": "1", "NETVIZ_THEME": "light"},
			wantName: "mono",
			noColor:  true,
		},
		"NO_COLOR keeps the chosen theme's glyphs": {
			env:       map[string]string{"NO_COLOR": "1", "NETVIZ_THEME": "ocean"},
			files:     map[string]string{"ocean.yaml": ocean},
			wantName:  "mono",
			noColor:   true,
			wantGlyph: "ok",
		},
		"NO_COLOR with a malformed theme still warns": {
			env:      map[string]string{"NO_COLOR": "1", "NETVIZ_THEME": "broken"},
			files:    map[string]string{"broken.yaml": broken},
			wantName: "mono",
			noColor:  true,
			warnings: []string{`theme from $NETVIZ_THEME: DIR/broken.yaml:3: colors.allow: invalid colour "#00ff0": want "#rgb", "#rrggbb" or an ANSI colour number 0-255; using theme "dark"`},
		},
		"blank flag does not beat NO_COLOR": {
			flag:     " ",
			env:      map[string]string{"NO_COLOR": "1"},
			wantName: "mono",
			noColor:  true,
		},
		"flag beats NO_COLOR": {
			flag:     "light",
			env:      map[string]string{"NO_COLOR": "1"},
			wantName: "light",
		},
		"user file shadowing a built-in is ignored": {
			flag:     "dark",
			files:    map[string]string{"dark.yaml": "inherits: light\n"},
			wantName: "dark",
			warnings: []string{`DIR/dark.yaml is ignored: "dark" is a built-in theme; rename the file to use it`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := userDir(t, tc.files)
			got, warnings := Loader{Dir: dir}.Resolve(tc.flag, env(tc.env))
			if got.Name != tc.wantName {
				t.Errorf("theme = %q, want %q", got.Name, tc.wantName)
			}
			if got.NoColor != tc.noColor {
				t.Errorf("NoColor = %v, want %v", got.NoColor, tc.noColor)
			}
			want, _ := Builtin(tc.wantName)
			if tc.wantGlyph == "" {
				tc.wantGlyph = want.Glyphs.Allow
			}
			if got.Glyphs.Allow != tc.wantGlyph {
				t.Errorf("allow glyph = %q, want %q", got.Glyphs.Allow, tc.wantGlyph)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("resolved theme is invalid: %v", err)
			}
			var wantWarnings []string
			for _, w := range tc.warnings {
				wantWarnings = append(wantWarnings, strings.ReplaceAll(w, "DIR", dir))
			}
			if !slices.Equal(warnings, wantWarnings) {
				t.Errorf("warnings:\n got %q\nwant %q", warnings, wantWarnings)
			}
		})
	}
}

func TestResolveReadsProcessEnvironmentWhenEnvIsNil(t *testing.T) {
	t.Setenv("NETVIZ_THEME", "light")
	t.Setenv("NO_COLOR", "")
	got, warnings := Loader{}.Resolve("", nil)
	if got.Name != "light" || len(warnings) != 0 {
		t.Errorf("Resolve = %q %q, want light and no warnings", got.Name, warnings)
	}
}

func TestDefaultDir(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	t.Setenv("HOME", cfg)
	t.Setenv("AppData", cfg)
	dir, err := DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	base, err := os.UserConfigDir()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(base, "netviz", "themes"); dir != want {
		t.Errorf("DefaultDir() = %q, want %q", dir, want)
	}

	// The package-level functions read the same folder.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mine.yaml"), []byte("inherits: light\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(Names(), "mine") {
		t.Errorf("Names() = %v, want it to list mine", Names())
	}
	if got, err := Load("mine"); err != nil || got.Inherits != "light" {
		t.Errorf("Load(mine) = %+v, %v", got, err)
	}
	if got, _ := Resolve("mine", env(nil)); got.Name != "mine" {
		t.Errorf("Resolve(mine) = %q", got.Name)
	}
}
