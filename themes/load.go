package themes

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
)

const (
	// Default is the theme used when none is chosen.
	Default = "dark"
	// Mono is the built-in monochrome theme used when NO_COLOR is set.
	Mono = "mono"
	// EnvVar is the environment variable that names the theme to use.
	EnvVar = "NETVIZ_THEME"
	// FileExt is the extension of user theme files.
	FileExt = ".yaml"
)

// ErrUnknownTheme is wrapped by errors for a theme name that is neither
// built in nor a user theme file.
var ErrUnknownTheme = errors.New("unknown theme")

// maxFileSize bounds a theme file; real ones are a few kilobytes.
const maxFileSize = 1 << 20

// maxInherits bounds a chain of inherits, which is a cycle long before this.
const maxInherits = 16

//go:embed builtin/*.yaml
var builtinFS embed.FS

// validName matches theme names: they become file names, so no separators.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// builtins parses the embedded themes once. A built-in that does not parse
// is a bug that the package tests catch, so it panics.
var builtins = sync.OnceValue(func() map[string]Theme {
	entries, err := fs.ReadDir(builtinFS, "builtin")
	if err != nil {
		panic(fmt.Sprintf("themes: read built-in themes: %v", err))
	}
	layers := map[string]*layer{}
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), FileExt)
		data, err := builtinFS.ReadFile(path.Join("builtin", e.Name()))
		if err != nil {
			panic(fmt.Sprintf("themes: read built-in theme %s: %v", name, err))
		}
		l, err := parseLayer("built-in "+name, data)
		if err != nil {
			panic(fmt.Sprintf("themes: %v", err))
		}
		layers[name] = l
	}
	themes := map[string]Theme{}
	for name, l := range layers {
		if l.inherits != "" {
			panic(fmt.Sprintf("themes: built-in %s: built-in themes must be complete, not inherit", name))
		}
		t := Theme{Name: name, Glyphs: DefaultGlyphs()}
		l.apply(&t)
		if err := t.Validate(); err != nil {
			var e *Error
			if errors.As(err, &e) {
				e.File = l.file
			}
			panic(fmt.Sprintf("themes: %v", err))
		}
		themes[name] = t
	}
	return themes
})

// Builtin returns the built-in theme called name.
func Builtin(name string) (Theme, bool) {
	t, ok := builtins()[name]
	return t, ok
}

// BuiltinNames returns the names of the built-in themes, sorted.
func BuiltinNames() []string {
	names := make([]string, 0, len(builtins()))
	for name := range builtins() {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// DefaultDir returns the folder user themes are read from:
// os.UserConfigDir()/netviz/themes.
func DefaultDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the user config folder for themes: %w", err)
	}
	return filepath.Join(dir, "netviz", "themes"), nil
}

// Loader finds themes: the built-ins, and user theme files NAME.yaml in Dir.
type Loader struct {
	// Dir is the folder of user theme files; empty means built-ins only.
	Dir string
}

// NewLoader returns a Loader for the user's theme folder (DefaultDir), or
// for built-ins only when there is no user config folder.
func NewLoader() Loader {
	dir, _ := DefaultDir()
	return Loader{Dir: dir}
}

// Names returns every theme name, built-in and user, sorted. A user file
// whose name is a built-in's is left out, because the built-in wins; a file
// that does not parse is still listed, so that loading it tells what is wrong.
func (l Loader) Names() []string {
	names := BuiltinNames()
	for _, name := range l.userNames() {
		if _, ok := Builtin(name); !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// userNames lists the names of the theme files in l.Dir. A folder that is
// missing or unreadable has none.
func (l Loader) userNames() []string {
	if l.Dir == "" {
		return nil
	}
	entries, err := os.ReadDir(l.Dir)
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), FileExt)
		if ok && !e.IsDir() && validName.MatchString(name) {
			names = append(names, name)
		}
	}
	return names
}

// File returns the path of the user theme file for name.
func (l Loader) File(name string) string {
	return filepath.Join(l.Dir, name+FileExt)
}

// Load returns the theme called name: a built-in, or else the user theme in
// l.Dir, laid over the theme it inherits. Errors name the file and field at
// fault; an unknown name wraps ErrUnknownTheme and lists the known ones.
func (l Loader) Load(name string) (Theme, error) {
	return l.load(name, nil)
}

// load loads name; chain holds the themes that inherit from it, to find cycles.
func (l Loader) load(name string, chain []string) (Theme, error) {
	if t, ok := Builtin(name); ok {
		return t, nil
	}
	if !validName.MatchString(name) {
		return Theme{}, fmt.Errorf("%w %q: a theme name is letters, digits, '-' and '_' (available: %s)", ErrUnknownTheme, name, strings.Join(l.Names(), ", "))
	}
	file := l.File(name)
	data, err := l.read(file)
	if errors.Is(err, fs.ErrNotExist) {
		return Theme{}, fmt.Errorf("%w %q (available: %s)", ErrUnknownTheme, name, strings.Join(l.Names(), ", "))
	}
	if err != nil {
		return Theme{}, &Error{File: file, Msg: err.Error()}
	}
	lay, err := parseLayer(file, data)
	if err != nil {
		return Theme{}, err
	}

	t := Theme{Glyphs: DefaultGlyphs()}
	if lay.inherits != "" {
		chain = append(chain, name)
		inheritsErr := func(msg string) error {
			return &Error{File: file, Line: lay.inheritsLine, Field: "inherits", Msg: msg}
		}
		switch {
		case slices.Contains(chain, lay.inherits):
			return Theme{}, inheritsErr("cycle: " + strings.Join(append(chain, lay.inherits), " → "))
		case len(chain) >= maxInherits:
			return Theme{}, inheritsErr(fmt.Sprintf("more than %d themes inherit in a row", maxInherits))
		}
		base, err := l.load(lay.inherits, chain)
		if err != nil {
			if errors.Is(err, ErrUnknownTheme) {
				return Theme{}, inheritsErr(err.Error())
			}
			// The base's own error already names its file and field.
			return Theme{}, fmt.Errorf("theme %s inherits %s: %w", name, lay.inherits, err)
		}
		t = base
	}
	lay.apply(&t)
	t.Name = name
	if err := t.Validate(); err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.File = file
			if lay.inherits == "" && strings.HasPrefix(e.Field, "colors.") && e.Msg == "not set" {
				e.Msg = fmt.Sprintf("not set; set it, or add \"inherits: %s\" to take unset slots from a built-in theme", Default)
			}
		}
		return Theme{}, err
	}
	return t, nil
}

// read reads a theme file, refusing one too large to be a theme.
func (l Loader) read(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read theme file: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("larger than %d bytes; not a theme file", maxFileSize)
	}
	return data, nil
}

// Resolve picks the theme to use at start-up. The name comes from flag (the
// --theme flag) if set, else from $NETVIZ_THEME, else Default. When NO_COLOR
// is set to anything and no --theme flag was given, the result is the Mono
// theme with the chosen theme's glyphs (no-color.org: a command-line flag
// overrides NO_COLOR). A theme that fails to load never stops netviz: Resolve
// falls back to Default and returns the reason as a warning. env reads the
// environment; nil means os.Getenv.
func (l Loader) Resolve(flag string, env func(string) string) (Theme, []string) {
	if env == nil {
		env = os.Getenv
	}
	var warnings []string
	name, source := strings.TrimSpace(flag), "--theme"
	if name == "" {
		name, source = strings.TrimSpace(env(EnvVar)), "$"+EnvVar
	}
	if name == "" {
		name, source = Default, ""
	}

	t, err := l.Load(name)
	if err != nil {
		warnings = append(warnings, fmt.Sprintf("theme from %s: %v; using theme %q", source, err, Default))
		t, _ = Builtin(Default)
	} else if _, builtin := Builtin(name); builtin && l.Dir != "" {
		if _, err := os.Stat(l.File(name)); err == nil {
			warnings = append(warnings, fmt.Sprintf("%s is ignored: %q is a built-in theme; rename the file to use it", l.File(name), name))
		}
	}

	if source != "--theme" && env("NO_COLOR") != "" {
		mono, _ := Builtin(Mono)
		mono.Glyphs = t.Glyphs
		t = mono
	}
	return t, warnings
}

// Names returns every theme name, built-in and from the user's theme folder,
// sorted.
func Names() []string {
	return NewLoader().Names()
}

// Load returns the theme called name from the built-ins or the user's theme
// folder. See Loader.Load.
func Load(name string) (Theme, error) {
	return NewLoader().Load(name)
}

// Resolve picks the theme to use at start-up from the --theme flag, the
// environment and the user's theme folder. See Loader.Resolve.
func Resolve(flag string, env func(string) string) (Theme, []string) {
	return NewLoader().Resolve(flag, env)
}
