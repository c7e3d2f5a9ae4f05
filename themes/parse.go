package themes

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is a problem with a theme: the file it is in, the line and field
// where it is, and what is wrong. Its message is one line.
type Error struct {
	// File is the theme file's path, or "built-in NAME"; empty when the
	// theme did not come from a file.
	File string
	// Line is the 1-based line in File, or 0 when unknown.
	Line int
	// Field is the dotted path of the field, such as "colors.allow"; empty
	// when the problem is the whole file.
	Field string
	// Msg says what is wrong.
	Msg string
}

// Error formats e as "FILE:LINE: FIELD: MSG", leaving out the parts it lacks.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(oneLine(e.Msg))
	return b.String()
}

// oneLine joins the lines of s, so that an error always fits a status bar.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// layer is what one theme file says, before it is laid over its base.
type layer struct {
	file         string
	description  string
	inherits     string
	inheritsLine int
	noColor      *bool
	colors       map[string]string
	glyphs       map[string]string
	attrs        map[string]map[string]bool
}

// topFields are the keys a theme file may have.
var topFields = []string{"description", "inherits", "noColor", "colors", "glyphs", "attrs"}

// parseLayer reads one theme file. file names it in errors.
func parseLayer(file string, data []byte) (*layer, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: file, Msg: "empty theme file"}
		}
		return nil, yamlError(file, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, yamlError(file, err)
	case !isEmptyDocument(&extra):
		return nil, &Error{File: file, Line: extra.Line, Msg: "a second YAML document starts here; a theme file holds exactly one"}
	}

	l := &layer{
		file:   file,
		colors: map[string]string{},
		glyphs: map[string]string{},
		attrs:  map[string]map[string]bool{},
	}
	root := deref(doc.Content[0])
	if isNull(root) {
		return l, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: file, Line: root.Line, Msg: "want a mapping of theme fields (colors, glyphs, ...)"}
	}
	err := eachEntry(file, "", root, topFields, func(key string, val *yaml.Node) error {
		switch key {
		case "description":
			s, err := stringValue(file, key, val)
			l.description = s
			return err
		case "inherits":
			s, err := stringValue(file, key, val)
			l.inherits, l.inheritsLine = s, val.Line
			return err
		case "noColor":
			b, err := boolValue(file, key, val)
			l.noColor = &b
			return err
		case "colors":
			return eachEntry(file, key, val, slotNames(colorSlots), func(slot string, v *yaml.Node) error {
				field := key + "." + slot
				c, err := colorValue(file, field, v)
				if err != nil {
					return err
				}
				if err := checkColor(c); err != nil {
					return &Error{File: file, Line: v.Line, Field: field, Msg: err.Error()}
				}
				l.colors[slot] = c
				return nil
			})
		case "glyphs":
			return eachEntry(file, key, val, slotNames(glyphSlots), func(slot string, v *yaml.Node) error {
				field := key + "." + slot
				g, err := glyphValue(file, field, v)
				if err != nil {
					return err
				}
				if err := checkGlyph(g); err != nil {
					return &Error{File: file, Line: v.Line, Field: field, Msg: err.Error()}
				}
				l.glyphs[slot] = g
				return nil
			})
		case "attrs":
			return eachEntry(file, key, val, slotNames(attrSlots), func(slot string, v *yaml.Node) error {
				flags := map[string]bool{}
				l.attrs[slot] = flags
				field := key + "." + slot
				return eachEntry(file, field, v, slotNames(attrFlags), func(flag string, fv *yaml.Node) error {
					b, err := boolValue(file, field+"."+flag, fv)
					flags[flag] = b
					return err
				})
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// apply lays l over t: every value l sets replaces t's. The description
// belongs to one file and is not inherited.
func (l *layer) apply(t *Theme) {
	t.Description = l.description
	t.Inherits = l.inherits
	if l.noColor != nil {
		t.NoColor = *l.noColor
	}
	colors := reflect.ValueOf(&t.Colors).Elem()
	for name, c := range l.colors {
		s, _ := findSlot(colorSlots, name)
		colors.Field(s.index).SetString(c)
	}
	glyphs := reflect.ValueOf(&t.Glyphs).Elem()
	for name, g := range l.glyphs {
		glyphs.Field(glyphSlot(name).index).SetString(g)
	}
	attrs := reflect.ValueOf(&t.Attrs).Elem()
	for name, flags := range l.attrs {
		s, _ := findSlot(attrSlots, name)
		attr := attrs.Field(s.index)
		for flag, on := range flags {
			f, _ := findSlot(attrFlags, flag)
			attr.Field(f.index).SetBool(on)
		}
	}
}

// eachEntry calls fn for every key of the mapping node at field, after
// checking that the key is one of known and appears once. A null node is an
// empty mapping.
func eachEntry(file, field string, node *yaml.Node, known []string, fn func(key string, val *yaml.Node) error) error {
	node = deref(node)
	if isNull(node) {
		return nil
	}
	if node.Kind != yaml.MappingNode {
		return &Error{File: file, Line: node.Line, Field: field, Msg: "want a mapping of " + strings.Join(known, ", ")}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := deref(node.Content[i]), node.Content[i+1]
		path := join(field, k.Value)
		if k.Kind != yaml.ScalarNode {
			return &Error{File: file, Line: k.Line, Field: field, Msg: "keys must be plain names"}
		}
		if line, dup := seen[k.Value]; dup {
			return &Error{File: file, Line: k.Line, Field: path, Msg: fmt.Sprintf("set twice (first on line %d)", line)}
		}
		seen[k.Value] = k.Line
		if !slices.Contains(known, k.Value) {
			return &Error{File: file, Line: k.Line, Field: path, Msg: unknownMsg(field, k.Value, known)}
		}
		if err := fn(k.Value, v); err != nil {
			return err
		}
	}
	return nil
}

// unknownMsg explains an unknown key, suggesting the nearest known one.
func unknownMsg(field, key string, known []string) string {
	what := "unknown field"
	switch {
	case field == "" && key == "name":
		return what + "; a theme's name is its file name"
	case field == "colors" || field == "glyphs" || field == "attrs":
		what = "unknown slot"
	case strings.HasPrefix(field, "attrs."):
		what = "unknown attribute"
	}
	best, bestDist := "", 3
	for _, k := range known {
		if d := distance(strings.ToLower(key), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf("%s (did you mean %q?)", what, best)
	}
	return fmt.Sprintf("%s (known: %s)", what, strings.Join(known, ", "))
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// stringValue reads a string scalar.
func stringValue(file, field string, node *yaml.Node) (string, error) {
	node = deref(node)
	if node.Kind != yaml.ScalarNode || node.Tag != "!!str" {
		return "", &Error{File: file, Line: node.Line, Field: field, Msg: "want a string" + got(node)}
	}
	return node.Value, nil
}

// boolValue reads true or false.
func boolValue(file, field string, node *yaml.Node) (bool, error) {
	node = deref(node)
	if node.Kind != yaml.ScalarNode || node.Tag != "!!bool" {
		return false, &Error{File: file, Line: node.Line, Field: field, Msg: "want true or false" + got(node)}
	}
	b, err := strconv.ParseBool(node.Value)
	if err != nil {
		return false, &Error{File: file, Line: node.Line, Field: field, Msg: fmt.Sprintf("want true or false, got %q", node.Value)}
	}
	return b, nil
}

// colorValue reads a colour: a string, or an integer written bare.
func colorValue(file, field string, node *yaml.Node) (string, error) {
	node = deref(node)
	if isNull(node) {
		return "", &Error{File: file, Line: node.Line, Field: field, Msg: `no colour given; quote hex colours, because an unquoted # starts a YAML comment: write "#1e90ff"`}
	}
	if node.Kind != yaml.ScalarNode || (node.Tag != "!!str" && node.Tag != "!!int") {
		return "", &Error{File: file, Line: node.Line, Field: field, Msg: `want a colour such as "#1e90ff" or "39"` + got(node)}
	}
	return node.Value, nil
}

// glyphValue reads a glyph, taking any scalar as the text it was written as.
func glyphValue(file, field string, node *yaml.Node) (string, error) {
	node = deref(node)
	if isNull(node) {
		return "", &Error{File: file, Line: node.Line, Field: field, Msg: `no glyph given; quote glyphs, because YAML reads a bare ~ as nothing: write "~"`}
	}
	if node.Kind != yaml.ScalarNode {
		return "", &Error{File: file, Line: node.Line, Field: field, Msg: "want a quoted glyph such as \"✓\"" + got(node)}
	}
	return node.Value, nil
}

// got describes what a node holds, for error messages.
func got(node *yaml.Node) string {
	switch node.Kind {
	case yaml.MappingNode:
		return ", got a mapping"
	case yaml.SequenceNode:
		return ", got a list"
	case yaml.ScalarNode:
		if isNull(node) {
			return ", got nothing"
		}
		return fmt.Sprintf(", got %q", node.Value)
	}
	return ""
}

// yamlLine matches the position that YAML syntax errors start with.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a YAML syntax error into an *Error.
func yamlError(file string, err error) error {
	msg := oneLine(err.Error())
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &Error{File: file, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// deref follows YAML aliases to the node they name.
func deref(node *yaml.Node) *yaml.Node {
	for node.Kind == yaml.AliasNode && node.Alias != nil {
		node = node.Alias
	}
	return node
}

// isNull reports whether node is a YAML null (an empty value, ~ or null).
func isNull(node *yaml.Node) bool {
	return node.Kind == yaml.ScalarNode && node.Tag == "!!null"
}

// isEmptyDocument reports whether doc holds nothing, as a trailing "---" does.
func isEmptyDocument(doc *yaml.Node) bool {
	return doc.Kind == yaml.DocumentNode && (len(doc.Content) == 0 || (len(doc.Content) == 1 && isNull(doc.Content[0])))
}

// join appends key to a dotted field path.
func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}
