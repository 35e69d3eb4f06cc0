package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// checkTree walks the YAML tree against the Go types of the schema before
// anything is decoded, so that every unknown key, secret-looking key and
// wrongly typed value is reported with its line and key path, all at once.
// The decoder that follows (with KnownFields) would stop at the first
// problem and name Go types instead of keys.
func checkTree(root *yaml.Node, l *errorList) {
	w := &treeWalker{l: l, budget: maxTreeVisits}
	if r := resolve(root); r != nil && r.Kind != yaml.MappingNode {
		l.addLine(root.Line, "", "the config must be a mapping of keys (clusters:, polling:, ...), got %s", kindName(r))
		return
	}
	w.walk(root, reflect.TypeFor[Config](), "")
}

// maxTreeVisits bounds the walk: aliases can make a small file describe an
// exponentially large tree.
const maxTreeVisits = 200000

type treeWalker struct {
	l        *errorList
	budget   int
	exceeded bool
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

func (w *treeWalker) walk(n *yaml.Node, t reflect.Type, path string) {
	if w.budget--; w.budget < 0 {
		if !w.exceeded {
			w.exceeded = true
			w.l.addLine(n.Line, path, "the document is too large or uses too many aliases")
		}
		return
	}
	n = resolve(n)
	if n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		// An empty value keeps the default, as the decoder does.
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		v := reflect.New(t).Interface().(yaml.Unmarshaler)
		if err := v.UnmarshalYAML(n); err != nil {
			w.l.addLine(n.Line, path, "%s", err)
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		w.walkStruct(n, t, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			w.l.addLine(n.Line, path, "want a list (e.g. [a, b] or one \"- item\" per line), got %s", kindName(n))
			return
		}
		for i, item := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			w.l.pos[p] = item.Line
			w.walk(item, t.Elem(), p)
		}
	default:
		w.walkScalar(n, t, path)
	}
}

func (w *treeWalker) walkScalar(n *yaml.Node, t reflect.Type, path string) {
	want := map[reflect.Kind]string{
		reflect.String:  "a string",
		reflect.Bool:    "true or false",
		reflect.Int:     "a whole number",
		reflect.Float64: "a number",
	}[t.Kind()]
	if n.Kind != yaml.ScalarNode {
		w.l.addLine(n.Line, path, "want %s, got %s", want, kindName(n))
		return
	}
	if err := n.Decode(reflect.New(t).Interface()); err != nil {
		w.l.addLine(n.Line, path, "want %s, got %s", want, quoteValue(n.Value))
	}
}

type entry struct {
	key, value *yaml.Node
}

func (w *treeWalker) walkStruct(n *yaml.Node, t reflect.Type, path string) {
	if n.Kind != yaml.MappingNode {
		w.l.addLine(n.Line, path, "want a mapping of keys, got %s", kindName(n))
		return
	}
	fields := yamlFields(t)
	seen := map[string]int{}
	for _, e := range w.entries(n, path) {
		k := e.key
		if k.Kind != yaml.ScalarNode {
			w.l.addLine(k.Line, path, "keys must be plain names, got %s", kindName(k))
			continue
		}
		name := k.Value
		p := joinPath(path, name)
		if line, dup := seen[name]; dup {
			w.l.addLine(k.Line, p, "key is already set at line %d", line)
			continue
		}
		seen[name] = k.Line
		f, known := fields[name]
		switch {
		case known:
			w.l.pos[p] = k.Line
			w.walk(e.value, f, p)
		case looksLikeSecret(name):
			// The value is deliberately not looked at again, and a key
			// written as key=value loses what follows the name.
			if i := strings.IndexAny(name, "=: \t"); i >= 0 {
				p = joinPath(path, name[:i])
			}
			w.l.addLine(k.Line, p, "secrets are not accepted in the config file; use the credential chain (environment variables, profile, RRSA)")
		default:
			w.l.addLine(k.Line, p, "unknown key%s", keyHint(name, fields))
		}
	}
}

// entries lists the key/value pairs of a mapping with YAML merge keys
// (<<: *base) applied: keys written in the mapping win over merged ones.
func (w *treeWalker) entries(n *yaml.Node, path string) []entry {
	var own, merged []entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Value == "<<" && (k.Tag == "" || k.Tag == "!" || k.ShortTag() == "!!merge") {
			merged = append(merged, w.mergeSources(v, path)...)
			continue
		}
		own = append(own, entry{k, v})
	}
	if len(merged) == 0 {
		return own
	}
	written := map[string]bool{}
	for _, e := range own {
		written[e.key.Value] = true
	}
	out := own
	for _, e := range merged {
		if !written[e.key.Value] {
			written[e.key.Value] = true
			out = append(out, e)
		}
	}
	return out
}

func (w *treeWalker) mergeSources(v *yaml.Node, path string) []entry {
	if w.budget--; w.budget < 0 {
		return nil
	}
	r := resolve(v)
	if r == nil {
		return nil
	}
	switch r.Kind {
	case yaml.MappingNode:
		return w.entries(r, path)
	case yaml.SequenceNode:
		var out []entry
		for _, item := range r.Content {
			if ri := resolve(item); ri == nil || ri.Kind != yaml.MappingNode {
				w.l.addLine(item.Line, path, "a merge (<<) takes a mapping or a list of mappings")
				continue
			}
			out = append(out, w.mergeSources(item, path)...)
		}
		return out
	}
	w.l.addLine(v.Line, path, "a merge (<<) takes a mapping or a list of mappings")
	return nil
}

// resolve follows aliases; it returns nil for a dangling one.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > 100 {
			return nil
		}
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return quoteValue(n.Value)
	}
	return "an unexpected YAML node"
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// yamlFields maps the YAML key names of a struct to their field types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		out[name] = f.Type
	}
	return out
}

// sectionKeys knows, for each key name, the sections it is valid in, so that
// a key placed at the wrong level can be sent where it belongs.
var sectionKeys = func() map[string][]string {
	out := map[string][]string{}
	var visit func(t reflect.Type, path string)
	visit = func(t reflect.Type, path string) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || reflect.PointerTo(t).Implements(unmarshalerType) {
			return
		}
		for name, ft := range yamlFields(t) {
			out[name] = append(out[name], path)
			visit(ft, joinPath(path, name))
		}
	}
	visit(reflect.TypeFor[Config](), "")
	return out
}()

func keyHint(name string, fields map[string]reflect.Type) string {
	known := make([]string, 0, len(fields))
	for k := range fields {
		known = append(known, k)
	}
	if s := closest(name, known); s != "" {
		return fmt.Sprintf(" (did you mean %s?)", s)
	}
	if sections := sectionKeys[name]; len(sections) == 1 && sections[0] != "" {
		return fmt.Sprintf(" (%s belongs under %s)", name, sections[0])
	}
	return ""
}

var secretWords = []string{"secret", "password", "passwd", "token", "accesskey", "privatekey", "apikey"}

// looksLikeSecret is true for key names under which people paste secrets.
func looksLikeSecret(key string) bool {
	k := strings.Map(func(r rune) rune {
		switch r {
		case '_', '-', '.', ' ':
			return -1
		}
		return r
	}, strings.ToLower(key))
	if k == "ak" || k == "sk" || k == "akid" {
		return true
	}
	// token_file, secret_path and the like name where a secret lives, not
	// the secret itself: they get the ordinary unknown-key answer.
	for _, suffix := range []string{"file", "path"} {
		if strings.HasSuffix(k, suffix) {
			return false
		}
	}
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// closest returns the candidate nearest to s when it is near enough to be a
// likely typo, else "". Ties go to the first candidate in sorted order.
func closest(s string, candidates []string) string {
	best, bestD := "", 0
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), strings.ToLower(c))
		limit := 2
		if len(c) <= 4 {
			limit = 1
		}
		if d > limit {
			continue
		}
		if best == "" || d < bestD || d == bestD && c < best {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 1 << 30
	}
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
