package collector

import (
	"slices"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// The metric family table, the kube-state-metrics way: one row per family with
// its name, help, type, label names and a function that turns a snapshot into
// samples. Adding a metric is adding a row; the renderer, the allow/deny lists
// and the tests all work from the table.

type metricType uint8

const (
	gauge metricType = iota
	counter
)

func (t metricType) String() string {
	if t == counter {
		return "counter"
	}
	return "gauge"
}

// family is one row of the table. Exactly one of gen and agg is set.
type family struct {
	name string
	help string
	typ  metricType
	// labels are the label names. For per-job rows (gen) they come after the
	// cluster_id and job_id every job series carries; for store-wide rows (agg)
	// they are the whole label set.
	labels []string
	// gen writes the samples of one job. It runs when the snapshot is stored,
	// never on a scrape.
	gen func(s *JobSnapshot, w *sampleWriter)
	// agg writes samples derived from the whole store. It runs on every scrape,
	// so it must stay a cheap count over the jobs.
	agg func(v *scrapeView, w *sampleWriter)
	// notCompact marks a per-job row that compact (finished) jobs do not
	// carry: what a job holds or does only while it runs (allocation,
	// readiness, priority), and the times of its groups and containers that
	// the job's own start and end bound. What a person looking into a failure
	// needs, the runbook's diagnoses included, stays.
	notCompact bool
	// withCap marks a row that says something only under a series cap
	// (StoreOptions.MaxSeries); without one it is not in the renderer.
	withCap bool
	// scope says in which mode (StoreOptions.AggregateOnly) a row is exposed.
	scope scope
}

// scope is the mode a family row belongs to.
type scope uint8

const (
	// scopeDefault: per-job rows (gen) only with per-job series, store-wide
	// rows (agg) in both modes.
	scopeDefault scope = iota
	// scopePerJob: a store-wide row with a series per job (or array job).
	scopePerJob
	// scopeAggregate: a store-wide row that replaces per-job series.
	scopeAggregate
)

// inMode reports whether the row is exposed with or without per-job series.
func (f *family) inMode(aggregateOnly bool) bool {
	switch f.scope {
	case scopeDefault:
		return f.gen == nil || !aggregateOnly
	case scopePerJob:
		return !aggregateOnly
	}
	return aggregateOnly
}

// Label names shared by many rows. No label is ever called "type" or "job":
// both clash with Prometheus conventions (the target's job label, and the
// word users reach for in joins).
var (
	jobLabelNames       = []string{"cluster_id", "job_id"}
	groupLabelNames     = []string{"container_group_id"}
	containerLabelNames = []string{"container_group_id", "container", "container_type"}
)

func withLabels(base []string, extra ...string) []string {
	out := make([]string, 0, len(base)+len(extra))
	out = append(out, base...)
	return append(out, extra...)
}

// familyTable returns every family in exposition order: job data, container
// groups, containers, then the exporter's view of each job and of the store.
func familyTable(tags tagLabels, classify func(*client.JobInfo) string) []family {
	var t []family
	t = append(t, jobFamilies(classify)...)
	t = append(t, groupFamilies(tags)...)
	t = append(t, containerFamilies()...)
	t = append(t, exporterFamilies()...)
	t = append(t, arrayFamilies()...)
	t = append(t, aggregateFamilies()...)
	return t
}

// sampleWriter appends the samples of one family to buf.
type sampleWriter struct {
	buf []byte
	// prefix is `{cluster_id="…",job_id="…"` for per-job rows, rendered once
	// per snapshot; empty for store-wide rows.
	prefix []byte
	name   string
	labels []string // label name tokens, each `name="`
	// compact is set while a finished job is rendered (see compactable):
	// state sets write only the current value, and rows that matter only
	// for a running job write nothing.
	compact bool
}

// add appends one sample. vals are the values of the row's labels, in order;
// a missing value is written empty rather than failing, but the table tests
// make sure every row passes exactly as many as it declares.
func (w *sampleWriter) add(v float64, vals ...string) {
	b := append(w.buf, w.name...)
	open := len(w.prefix) > 0
	if open {
		b = append(b, w.prefix...)
	}
	for i, tok := range w.labels {
		if open {
			b = append(b, ',')
		} else {
			b = append(b, '{')
			open = true
		}
		b = append(b, tok...)
		if i < len(vals) {
			b = appendLabelValue(b, vals[i])
		}
		b = append(b, '"')
	}
	if open {
		b = append(b, '}')
	}
	b = append(b, ' ')
	b = appendValue(b, v)
	w.buf = append(b, '\n')
}

// stateSet writes one sample per known value (1 for cur, 0 for the others)
// and, when cur is set but not among them, one more for cur, so a value the
// API adds later shows up instead of vanishing. lead are the label values
// before the state label. For a compact job it writes cur alone: the zeros
// are there so that a transition shows at once, and a finished job makes
// none.
func (w *sampleWriter) stateSet(known []string, cur string, lead ...string) {
	var vals [8]string
	n := copy(vals[:len(vals)-1], lead)
	if w.compact {
		if cur != "" {
			vals[n] = cur
			w.add(1, vals[:n+1]...)
		}
		return
	}
	seen := false
	for _, k := range known {
		vals[n] = k
		if k == cur {
			seen = true
		}
		w.add(boolValue(k == cur), vals[:n+1]...)
	}
	if !seen && cur != "" {
		vals[n] = cur
		w.add(1, vals[:n+1]...)
	}
}

// notCompact marks f as a row compact jobs do not carry.
func notCompact(f family) family {
	f.notCompact = true
	return f
}

// counts writes a count per value, the last label: every known value (0 when
// c has none), then the other values of c in sorted order, so a value the
// API adds later shows up. lead are the label values before it.
func (w *sampleWriter) counts(known []string, c map[string]int, lead ...string) {
	var vals [8]string
	n := copy(vals[:len(vals)-1], lead)
	for _, v := range known {
		vals[n] = v
		w.add(float64(c[v]), vals[:n+1]...)
	}
	var other []string
	for v := range c {
		if !slices.Contains(known, v) {
			other = append(other, v)
		}
	}
	slices.Sort(other)
	for _, v := range other {
		vals[n] = v
		w.add(float64(c[v]), vals[:n+1]...)
	}
}
