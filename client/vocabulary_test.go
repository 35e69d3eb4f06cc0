package client

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

func TestClassifyJobState(t *testing.T) {
	for state, want := range map[string]JobStateClass{
		"Pending": JobClassPending, "Initing": JobClassPending,
		"Running":   JobClassRunning,
		"Succeeded": JobClassTerminal, "Canceled": JobClassTerminal, "Failed": JobClassTerminal,
		// The poller has always matched states without regard to case.
		"succeeded": JobClassTerminal, "FAILED": JobClassTerminal, "running": JobClassRunning,
		"": JobClassUnknown, "Cancelled": JobClassUnknown, "Suspended": JobClassUnknown, " Failed": JobClassUnknown,
	} {
		if got := ClassifyJobState(state); got != want {
			t.Errorf("ClassifyJobState(%q) = %d, want %d", state, got, want)
		}
		if got := IsTerminal(state); got != (want == JobClassTerminal) {
			t.Errorf("IsTerminal(%q) = %v", state, got)
		}
	}
	for _, s := range JobStates {
		if ClassifyJobState(s) == JobClassUnknown {
			t.Errorf("listed job state %q has no class", s)
		}
	}
}

// ownerFiles may spell the vocabulary; every other non-test Go file of the
// module names it through the owner's constants and lists.
var ownerFiles = map[string]bool{"client/vocabulary.go": true}

// coincidences are literals, outside the owner, that equal a word of the
// vocabulary but mean something else. They are exempt from the single-word
// check only: a list of such words is caught wherever it is.
var coincidences = map[string]string{
	"client/errors.go Canceled":                 "the error code of a cancelled call",
	"internal/simulator/faultwrite.go Canceled": "the code recorded for a call cut short",
	"internal/simulator/events.go Failed":       "the reason of a container event",
	"internal/dashgen/overview.go Running":      "a panel title and a legend",
	"internal/dashgen/overview.go Succeeded":    "a panel title",
	"internal/dashgen/overview.go Failed":       "a panel title",
	"internal/dashgen/overview.go Canceled":     "a panel title",
}

type vocabulary struct {
	name, plural string
	values       []string
	// words: every literal equal to a value is suspect. Credential types are
	// everyday words ("default", "profile"), so only lists of them are.
	words bool
	// named match each value as a whole word inside a longer text.
	named []*regexp.Regexp
}

func vocabularies() []vocabulary {
	vs := []vocabulary{
		{name: "job state", plural: "job states", values: JobStates, words: true},
		{name: "container group status", plural: "container group statuses", values: GroupStatuses, words: true},
		{name: "container state", plural: "container states", values: ContainerStates, words: true},
		{name: "spot strategy", plural: "spot strategies", values: SpotStrategies, words: true},
		{name: "action name", plural: "action names", values: []string{ActionDescribeServerlessJobs, ActionListServerlessJobs}, words: true},
		{name: "credential type", plural: "credential types", values: CredentialTypes},
	}
	for i := range vs {
		for _, x := range vs[i].values {
			vs[i].named = append(vs[i].named, regexp.MustCompile(`\b`+regexp.QuoteMeta(x)+`\b`))
		}
	}
	return vs
}

// namesAll reports whether text names every value of v.
func (v *vocabulary) namesAll(text string) bool {
	for _, re := range v.named {
		if !re.MatchString(text) {
			return false
		}
	}
	return true
}

// TestVocabularyHasOneOwner fails when the module's non-test source spells
// the API's vocabulary outside its owner: a string literal equal to a state,
// status, strategy or action name; a composite literal holding two values of
// one vocabulary (a second list, or a second set such as the terminal
// states); or a text naming every value of one (a second list in prose, such
// as a help text or an error message). Texts naming some values, like a
// dashboard's PromQL or a panel's description of it, are a selection, not a
// list, and pass.
func TestVocabularyHasOneOwner(t *testing.T) {
	root := moduleRoot(t)
	files := moduleSources(t, root)
	if len(files) < 20 {
		t.Fatalf("found only %d source files under %s; the walk is broken", len(files), root)
	}
	vocabs := vocabularies()
	var problems []string
	used := map[string]bool{}
	for _, rel := range files {
		if ownerFiles[rel] {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, filepath.Join(root, filepath.FromSlash(rel)), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parse %s: %v", rel, err)
		}
		for _, u := range vocabularyUses(f, vocabs) {
			key := rel + " " + u.word
			if _, ok := coincidences[key]; ok && u.word != "" {
				used[key] = true
				continue
			}
			problems = append(problems, fmt.Sprintf("%s:%d: %s; use the client's constants and lists (client/vocabulary.go)",
				rel, fset.Position(u.pos).Line, u.what))
		}
	}
	for key := range coincidences {
		if !used[key] {
			problems = append(problems, "coincidence "+strconv.Quote(key)+" matches nothing any more; remove it from the test")
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// use is vocabulary spelled out at pos. word is set for a single literal
// equal to a value, the only kind a coincidence may excuse.
type use struct {
	pos  token.Pos
	word string
	what string
}

func vocabularyUses(f *ast.File, vocabs []vocabulary) []use {
	var out []use
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BasicLit:
			s, ok := stringValue(n)
			if !ok {
				return true
			}
			for i := range vocabs {
				v := &vocabs[i]
				switch {
				case v.words && slices.Contains(v.values, s):
					out = append(out, use{n.Pos(), s, fmt.Sprintf("%q is a %s", s, v.name)})
					return true
				case v.namesAll(s):
					out = append(out, use{n.Pos(), "", "text lists every " + v.name})
				}
			}
		case *ast.CompositeLit:
			var lits []string
			for _, e := range n.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					lits = appendString(lits, kv.Key)
					e = kv.Value
				}
				lits = appendString(lits, e)
			}
			for _, v := range vocabs {
				seen := map[string]bool{}
				for _, s := range lits {
					if slices.Contains(v.values, s) {
						seen[s] = true
					}
				}
				if len(seen) >= 2 {
					out = append(out, use{n.Pos(), "", "a second list of " + v.plural})
				}
			}
		}
		return true
	})
	return out
}

func stringValue(n ast.Expr) (string, bool) {
	lit, ok := n.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

func appendString(list []string, e ast.Expr) []string {
	if s, ok := stringValue(e); ok {
		return append(list, s)
	}
	return list
}

// moduleRoot is the directory of the go.mod above this package.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// moduleSources lists the module's non-test Go files, slash-separated and
// relative to root, skipping what the go tool skips (testdata, vendor, names
// starting with . or _) and nested modules.
func moduleSources(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path == root {
				return nil
			}
			if name == "testdata" || name == "vendor" || name == "node_modules" ||
				strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir
			} else if !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			return nil
		}
		if strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
