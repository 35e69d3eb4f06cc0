package config

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Error is one problem found in a config file. Line is 0 when the problem has
// no single place in the file (an empty file, a missing top-level key).
type Error struct {
	File string
	Line int
	Path string // key path such as clusters[0].job_ids[1]; "" for the whole file
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one file, in file order. It is returned
// whole so that one run of --config.check shows everything to fix.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// errorList collects errors for one file. Positions of keys are recorded
// while the YAML tree is checked, so that later semantic checks can point at
// the line of the key they complain about.
type errorList struct {
	file string
	errs Errors
	pos  map[string]int
}

func newErrorList(file string) *errorList {
	return &errorList{file: file, pos: map[string]int{}}
}

func (l *errorList) addLine(line int, path, format string, args ...any) {
	l.errs = append(l.errs, &Error{File: l.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// add reports a problem at path, placed at the line of path or, when the key
// is absent, of its nearest present ancestor.
func (l *errorList) add(path, format string, args ...any) {
	l.addLine(l.lineOf(path), path, format, args...)
}

func (l *errorList) lineOf(path string) int {
	for p := path; p != ""; p = parentPath(p) {
		if line, ok := l.pos[p]; ok {
			return line
		}
	}
	return 0
}

func parentPath(p string) string {
	if i := strings.LastIndexAny(p, ".["); i >= 0 {
		return p[:i]
	}
	return ""
}

// result returns the collected errors sorted by line, or nil.
func (l *errorList) result() error {
	if len(l.errs) == 0 {
		return nil
	}
	sort.SliceStable(l.errs, func(i, j int) bool { return l.errs[i].Line < l.errs[j].Line })
	return l.errs
}

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// addYAML turns an error of the YAML library ("yaml: line 3: ...", or a
// TypeError listing "line 3: ..." entries) into file:line errors.
func (l *errorList) addYAML(msg string) {
	l.addYAMLPrefixed("", msg)
}

// addYAMLPrefixed is addYAML with a prefix on every message.
func (l *errorList) addYAMLPrefixed(prefix, msg string) {
	msg = strings.TrimPrefix(msg, "yaml: unmarshal errors:\n")
	for _, part := range strings.Split(msg, "\n") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if m := yamlLineRE.FindStringSubmatch(part); m != nil {
			line, _ := strconv.Atoi(m[1])
			l.addLine(line, "", "%s%s", prefix, m[2])
			continue
		}
		l.addLine(0, "", "%s%s", prefix, strings.TrimPrefix(part, "yaml: "))
	}
}
