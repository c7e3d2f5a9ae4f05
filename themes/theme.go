// Package themes holds netviz's colour themes as plain data: the built-in
// themes, user theme files, and the rules that pick one at start-up.
//
// A Theme names a colour for every semantic slot of the screen, the glyphs
// that must accompany colours (a verdict is never shown by colour alone) and
// a few text attributes. The ui package turns a Theme into styles; this
// package knows nothing about terminals.
package themes

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Theme is one complete netviz theme.
type Theme struct {
	// Name is the theme's name: a built-in name or the user file's base name.
	// A theme file does not set it.
	Name string `json:"-" yaml:"-"`
	// Description is a one-line summary shown when listing themes.
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
	// Inherits names the theme whose values fill the slots this one leaves unset.
	Inherits string `json:"inherits,omitempty" yaml:"inherits,omitempty"`
	// NoColor marks a monochrome theme: the UI must emit no colour at all and
	// tell things apart with Attrs and Glyphs only. Its colour slots may be empty.
	NoColor bool `json:"noColor,omitempty" yaml:"noColor,omitempty"`
	// Colors holds one colour per semantic slot.
	Colors Colors `json:"colors" yaml:"colors"`
	// Glyphs holds the symbols drawn next to coloured items.
	Glyphs Glyphs `json:"glyphs" yaml:"glyphs"`
	// Attrs holds bold/underline/reverse flags per slot.
	Attrs Attrs `json:"attrs" yaml:"attrs"`
}

// Colors holds a colour for every slot: "#rgb", "#rrggbb", or an ANSI
// palette index "0" to "255".
type Colors struct {
	// Background is the background the colours were chosen for. The UI fills
	// boxes such as dialogs with it; elsewhere the terminal's own shows.
	Background string `json:"background" yaml:"background"`
	// Text is ordinary text.
	Text string `json:"text" yaml:"text"`
	// Muted is secondary text: hints, labels, counts.
	Muted string `json:"muted" yaml:"muted"`
	// Border is the border of panes that do not have focus.
	Border string `json:"border" yaml:"border"`
	// Focus is the border of the pane that has focus.
	Focus string `json:"focus" yaml:"focus"`
	// Title is pane and screen titles.
	Title string `json:"title" yaml:"title"`
	// Key is key names in help and hint lines.
	Key string `json:"key" yaml:"key"`
	// Highlight is text matching the current filter or search.
	Highlight string `json:"highlight" yaml:"highlight"`
	// SelectionFg is the text of the selected row.
	SelectionFg string `json:"selectionFg" yaml:"selectionFg"`
	// SelectionBg is the background of the selected row.
	SelectionBg string `json:"selectionBg" yaml:"selectionBg"`
	// StatusBarFg is the text of the status bar.
	StatusBarFg string `json:"statusBarFg" yaml:"statusBarFg"`
	// StatusBarBg is the background of the status bar.
	StatusBarBg string `json:"statusBarBg" yaml:"statusBarBg"`
	// Warning is warnings.
	Warning string `json:"warning" yaml:"warning"`
	// Error is errors.
	Error string `json:"error" yaml:"error"`
	// Allow is an allowed connection.
	Allow string `json:"allow" yaml:"allow"`
	// Deny is a denied connection.
	Deny string `json:"deny" yaml:"deny"`
	// Unknown is a verdict that depends on data netviz cannot read.
	Unknown string `json:"unknown" yaml:"unknown"`
	// Ingress is Ingress objects.
	Ingress string `json:"ingress" yaml:"ingress"`
	// Service is Services.
	Service string `json:"service" yaml:"service"`
	// Pod is Pods.
	Pod string `json:"pod" yaml:"pod"`
	// Workload is Deployments, StatefulSets, DaemonSets, Jobs and the like.
	Workload string `json:"workload" yaml:"workload"`
	// Namespace is Namespaces.
	Namespace string `json:"namespace" yaml:"namespace"`
	// Policy is NetworkPolicies.
	Policy string `json:"policy" yaml:"policy"`
	// External is peers outside the cluster: IP blocks, DNS names, the internet.
	External string `json:"external" yaml:"external"`
	// Added is something present now that was not before.
	Added string `json:"added" yaml:"added"`
	// Removed is something present before that is gone now.
	Removed string `json:"removed" yaml:"removed"`
	// Changed is something present before and now, but different.
	Changed string `json:"changed" yaml:"changed"`
}

// Glyphs holds the symbols drawn with coloured items, so that nothing is told
// by colour alone. Each is one to three characters.
type Glyphs struct {
	// Allow marks an allowed connection.
	Allow string `json:"allow" yaml:"allow"`
	// Deny marks a denied connection.
	Deny string `json:"deny" yaml:"deny"`
	// Unknown marks a verdict netviz cannot decide.
	Unknown string `json:"unknown" yaml:"unknown"`
	// Ingress marks Ingress objects.
	Ingress string `json:"ingress" yaml:"ingress"`
	// Service marks Services.
	Service string `json:"service" yaml:"service"`
	// Pod marks Pods.
	Pod string `json:"pod" yaml:"pod"`
	// Workload marks workloads.
	Workload string `json:"workload" yaml:"workload"`
	// Namespace marks Namespaces.
	Namespace string `json:"namespace" yaml:"namespace"`
	// Policy marks NetworkPolicies.
	Policy string `json:"policy" yaml:"policy"`
	// External marks peers outside the cluster.
	External string `json:"external" yaml:"external"`
	// Arrow joins the two ends of a connection.
	Arrow string `json:"arrow" yaml:"arrow"`
	// Added marks added items in a diff.
	Added string `json:"added" yaml:"added"`
	// Removed marks removed items in a diff.
	Removed string `json:"removed" yaml:"removed"`
	// Changed marks changed items in a diff.
	Changed string `json:"changed" yaml:"changed"`
}

// Attr is the text attributes of one slot.
type Attr struct {
	// Bold draws the text bold.
	Bold bool `json:"bold,omitempty" yaml:"bold,omitempty"`
	// Underline underlines the text.
	Underline bool `json:"underline,omitempty" yaml:"underline,omitempty"`
	// Reverse swaps foreground and background.
	Reverse bool `json:"reverse,omitempty" yaml:"reverse,omitempty"`
}

// Attrs holds the text attributes of the slots that carry meaning. Under
// NoColor they are the only emphasis there is.
type Attrs struct {
	// Text is ordinary text.
	Text Attr `json:"text" yaml:"text"`
	// Muted is secondary text.
	Muted Attr `json:"muted" yaml:"muted"`
	// Title is titles.
	Title Attr `json:"title" yaml:"title"`
	// Key is key names in help and hint lines.
	Key Attr `json:"key" yaml:"key"`
	// Highlight is filter and search matches.
	Highlight Attr `json:"highlight" yaml:"highlight"`
	// Selection is the selected row.
	Selection Attr `json:"selection" yaml:"selection"`
	// StatusBar is the status bar.
	StatusBar Attr `json:"statusBar" yaml:"statusBar"`
	// Warning is warnings.
	Warning Attr `json:"warning" yaml:"warning"`
	// Error is errors.
	Error Attr `json:"error" yaml:"error"`
	// Allow is allowed connections.
	Allow Attr `json:"allow" yaml:"allow"`
	// Deny is denied connections.
	Deny Attr `json:"deny" yaml:"deny"`
	// Unknown is undecidable verdicts.
	Unknown Attr `json:"unknown" yaml:"unknown"`
	// Added is added items in a diff.
	Added Attr `json:"added" yaml:"added"`
	// Removed is removed items in a diff.
	Removed Attr `json:"removed" yaml:"removed"`
	// Changed is changed items in a diff.
	Changed Attr `json:"changed" yaml:"changed"`
}

// DefaultGlyphs returns the glyphs a theme has unless it sets its own. They
// are limited to symbols found in the fonts terminals commonly use.
func DefaultGlyphs() Glyphs {
	return Glyphs{
		Allow:     "✓",
		Deny:      "✗",
		Unknown:   "?",
		Ingress:   "▶",
		Service:   "◆",
		Pod:       "●",
		Workload:  "○",
		Namespace: "□",
		Policy:    "§",
		External:  "*",
		Arrow:     "→",
		Added:     "+",
		Removed:   "-",
		Changed:   "~",
	}
}

// maxGlyphRunes bounds a glyph so that the UI can reserve a column for it.
const maxGlyphRunes = 3

// Validate reports the first problem that makes t unusable: a colour slot
// that is unset (allowed only when NoColor) or not a valid colour, a glyph
// that is empty or too long, or verdict or diff glyphs that cannot be told
// apart. The error is an *Error naming the field.
func (t Theme) Validate() error {
	colors := reflect.ValueOf(t.Colors)
	for _, s := range colorSlots {
		v := colors.Field(s.index).String()
		field := "colors." + s.name
		if v == "" {
			if t.NoColor {
				continue
			}
			return &Error{Field: field, Msg: "not set"}
		}
		if err := checkColor(v); err != nil {
			return &Error{Field: field, Msg: err.Error()}
		}
	}
	glyphs := reflect.ValueOf(t.Glyphs)
	for _, s := range glyphSlots {
		if err := checkGlyph(glyphs.Field(s.index).String()); err != nil {
			return &Error{Field: "glyphs." + s.name, Msg: err.Error()}
		}
	}
	for _, group := range [][]string{{"allow", "deny", "unknown"}, {"added", "removed", "changed"}} {
		seen := map[string]string{}
		for _, name := range group {
			g := glyphs.Field(glyphSlot(name).index).String()
			if other, ok := seen[g]; ok {
				return &Error{Field: "glyphs." + name, Msg: fmt.Sprintf("%q is also the %s glyph; they must differ so that meaning never rests on colour alone", g, other)}
			}
			seen[g] = name
		}
	}
	return nil
}

// checkColor accepts "#rgb", "#rrggbb" (any case) and the ANSI palette
// indexes "0" to "255" written without leading zeros.
func checkColor(s string) error {
	if strings.HasPrefix(s, "#") {
		hex := s[1:]
		if len(hex) != 3 && len(hex) != 6 {
			return fmt.Errorf("invalid colour %q: want \"#rgb\", \"#rrggbb\" or an ANSI colour number 0-255", s)
		}
		for _, r := range hex {
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return fmt.Errorf("invalid colour %q: %q is not a hex digit", s, r)
			}
		}
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 255 || strconv.Itoa(n) != s {
		return fmt.Errorf("invalid colour %q: want \"#rgb\", \"#rrggbb\" or an ANSI colour number 0-255", s)
	}
	return nil
}

// checkGlyph accepts one to maxGlyphRunes printable characters that are not
// spaces.
func checkGlyph(s string) error {
	if s == "" {
		return fmt.Errorf("not set")
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("invalid glyph %q: not valid UTF-8", s)
	}
	if n := utf8.RuneCountInString(s); n > maxGlyphRunes {
		return fmt.Errorf("invalid glyph %q: %d characters, at most %d", s, n, maxGlyphRunes)
	}
	for _, r := range s {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return fmt.Errorf("invalid glyph %q: spaces and control characters are not allowed", s)
		}
	}
	return nil
}

// slot is one field of Colors, Glyphs or Attrs: its name in theme files and
// its index in the struct.
type slot struct {
	name  string
	index int
}

var (
	colorSlots = slotsOf(reflect.TypeFor[Colors]())
	glyphSlots = slotsOf(reflect.TypeFor[Glyphs]())
	attrSlots  = slotsOf(reflect.TypeFor[Attrs]())
	attrFlags  = slotsOf(reflect.TypeFor[Attr]())
)

// slotsOf lists the fields of a struct by their json names, in field order.
func slotsOf(t reflect.Type) []slot {
	slots := make([]slot, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		slots = append(slots, slot{name: name, index: i})
	}
	return slots
}

// findSlot returns the slot called name, or false.
func findSlot(slots []slot, name string) (slot, bool) {
	for _, s := range slots {
		if s.name == name {
			return s, true
		}
	}
	return slot{}, false
}

// glyphSlot returns the glyph slot called name, which must exist.
func glyphSlot(name string) slot {
	s, ok := findSlot(glyphSlots, name)
	if !ok {
		panic("themes: no glyph slot " + name)
	}
	return s
}

// slotNames returns the names of slots, in field order.
func slotNames(slots []slot) []string {
	names := make([]string, len(slots))
	for i, s := range slots {
		names[i] = s.name
	}
	return names
}
