// Package metricsdoc reads the metric contract, docs/METRICS.md, so that the
// tests of the alert rules and of the dashboards can refuse a query on a
// metric the exporter does not document.
package metricsdoc

import (
	"fmt"
	"os"
	"regexp"
	"strings"
)

// rowName matches the first cell of a table row that names a metric.
var rowName = regexp.MustCompile(`(?m)^\| (ehpc_serverless_[a-z0-9_]+) \|`)

// minRows guards against a change of the table format silently leaving
// nothing to check against.
const minRows = 30

// Names returns the metric names documented in the contract at path.
func Names(path string) (map[string]bool, error) {
	doc, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, m := range rowName.FindAllStringSubmatch(string(doc), -1) {
		out[m[1]] = true
	}
	if len(out) < minRows {
		return nil, fmt.Errorf("found only %d metrics in %s; has its table format changed?", len(out), path)
	}
	return out, nil
}

// fullHeader starts a table whose third column lists every label of a
// family (the job tables list only the labels beyond cluster_id and job_id).
const fullHeader = "| metric | type | labels |"

// notes are the parenthesised remarks of a labels cell, such as the values a
// label takes.
var notes = regexp.MustCompile(`\([^)]*\)`)

// Labels returns the label names of the families whose table in the contract
// at path lists all of their labels.
func Labels(path string) (map[string][]string, error) {
	doc, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	inTable := false
	for _, line := range strings.Split(string(doc), "\n") {
		switch {
		case strings.HasPrefix(line, fullHeader):
			inTable = true
			continue
		case !strings.HasPrefix(line, "|"):
			inTable = false
			continue
		case !inTable:
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !rowName.MatchString(line) {
			continue
		}
		labels := []string{}
		for _, l := range strings.Split(notes.ReplaceAllString(cells[3], ""), ",") {
			if l = strings.TrimSpace(l); l != "" && l != "..." {
				labels = append(labels, l)
			}
		}
		out[strings.TrimSpace(cells[1])] = labels
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no table of %s lists complete labels (%q); has its format changed?", path, fullHeader)
	}
	return out, nil
}

// Family maps a series name to the family the contract documents: a
// histogram's _bucket, _sum and _count series belong to the histogram, whose
// name ends in its unit, _seconds.
func Family(series string) string {
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(series, suffix); ok && strings.HasSuffix(base, "_seconds") {
			return base
		}
	}
	return series
}
