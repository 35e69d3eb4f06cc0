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
