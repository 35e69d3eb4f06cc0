package analytics

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Buckets are the upper bounds, in seconds, of the lifecycle histograms:
// HPC jobs wait and run from seconds to a week.
var Buckets = []float64{1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 28800, 86400, 172800, 604800}

// hist is one histogram's counts: per bucket (not cumulative), the sum and
// the count.
type hist struct {
	Counts []uint64 `json:"counts"`
	Sum    float64  `json:"sum"`
	Count  uint64   `json:"count"`
}

func (h *hist) add(v float64) {
	if v < 0 {
		return // clocks that disagree; an observation below 0 means nothing
	}
	i, _ := slices.BinarySearch(Buckets, v)
	if i < len(h.Counts) {
		h.Counts[i]++
	}
	h.Sum += v
	h.Count++
}

func marshal(st *state) ([]byte, error) { return json.Marshal(st) }

func unmarshal(b []byte, st *state) error { return json.Unmarshal(b, st) }

// The families, by what their keys hold.
var (
	finishedLabels    = []string{"cluster_id", "queue", "user", "state", "reason_class"}
	terminationLabels = []string{"cluster_id", "queue", "reason_class"}
	resourceLabels    = []string{"cluster_id", "queue", "user", "instance_type", "spot_strategy"}
	spotLabels        = []string{"cluster_id", "zone_id", "instance_type"}
)

// aggregation says which of a key's labels are exposed under the configured
// aggregation labels.
func (r *Recorder) aggregation(labels []string) (names []string, kept []int) {
	for i, l := range labels {
		if (l == string(LabelQueue) || l == string(LabelUser)) && !slices.Contains(r.labels, Label(l)) {
			continue
		}
		names = append(names, l)
		kept = append(kept, i)
	}
	return names, kept
}

const (
	finishedName = "ehpc_serverless_jobs_finished_total"
	finishedHelp = "Jobs that finished, counted once each when the exporter first sees them finished, by final state and (for jobs that did not succeed) failure class."
)

// Describe implements prometheus.Collector. The families' label sets follow
// the configured aggregation labels, which a reload can change, so the
// collector is unchecked.
func (r *Recorder) Describe(chan<- *prometheus.Desc) {}

// Collect implements prometheus.Collector: it writes what has been counted.
func (r *Recorder) Collect(ch chan<- prometheus.Metric) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counters(ch, finishedName, finishedHelp, finishedLabels, r.st.Finished)
	r.counters(ch, "ehpc_serverless_container_terminations_total",
		"Runs of containers that ended (each restart, and a final exit), by failure class of the run's end (none for exit 0).",
		terminationLabels, r.st.Terminations)
	for i, name := range []string{"ehpc_serverless_allocated_cpu_core_seconds_total", "ehpc_serverless_allocated_memory_byte_seconds_total", "ehpc_serverless_allocated_gpu_seconds_total"} {
		help := [...]string{
			"CPU cores allocated to running container groups, times the seconds they ran: core-seconds, counted while they run and closed at their end.",
			"Memory allocated to running container groups, times the seconds they ran: byte-seconds.",
			"GPUs allocated to the containers of running container groups, times the seconds they ran: GPU-seconds.",
		}[i]
		vals := make(map[string]float64, len(r.st.Resources))
		for k, acc := range r.st.Resources {
			vals[k] = acc[i]
		}
		r.counters(ch, name, help, resourceLabels, vals)
	}
	r.counters(ch, "ehpc_serverless_spot_reclaim_notices_total",
		"Spot reclaim notices (SpotToBeReleased and like events) of container groups, by zone and instance type.",
		spotLabels, r.st.SpotNotices)
	r.counters(ch, "ehpc_serverless_jobs_lost_to_spot_reclaim_total",
		"Jobs that failed because a spot container group was reclaimed, by zone and instance type of the group.",
		spotLabels, r.st.SpotLost)
	r.histograms(ch, "queue_wait", "ehpc_serverless_job_queue_wait_seconds",
		"Time jobs waited from submission to start, in seconds; observed once per job.", []string{"cluster_id", "queue"})
	r.histograms(ch, "run", "ehpc_serverless_job_run_seconds",
		"Time jobs ran from start to end, in seconds, by final state; observed once per job when it finishes.", []string{"cluster_id", "queue", "state"})
	r.histograms(ch, "startup", "ehpc_serverless_container_group_startup_seconds",
		"Time a container group took from creation to its first container's start, in seconds; observed once per group.", []string{"cluster_id", "queue"})
}

// counters writes one counter family, summing the keys that differ only in
// labels the configuration does not expose.
func (r *Recorder) counters(ch chan<- prometheus.Metric, name, help string, labels []string, vals map[string]float64) {
	if len(vals) == 0 {
		return
	}
	names, kept := r.aggregation(labels)
	desc := prometheus.NewDesc(name, help, names, nil)
	sums := map[string]float64{}
	var order []string
	for _, k := range sortedKeys(vals) {
		p := project(split(k), kept)
		if _, ok := sums[p]; !ok {
			order = append(order, p)
		}
		sums[p] += vals[k]
	}
	for _, p := range order {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, sums[p], values(p, len(names))...)
	}
}

// histograms writes one histogram family from the keys that start with its
// name.
func (r *Recorder) histograms(ch chan<- prometheus.Metric, key, name, help string, labels []string) {
	names, kept := r.aggregation(labels)
	desc := prometheus.NewDesc(name, help, names, nil)
	sums := map[string]*hist{}
	var order []string
	for _, k := range sortedKeys(r.st.Hists) {
		parts := split(k)
		if parts[0] != key {
			continue
		}
		p := project(parts[1:1+len(labels)], kept)
		h := sums[p]
		if h == nil {
			h = &hist{Counts: make([]uint64, len(Buckets))}
			sums[p] = h
			order = append(order, p)
		}
		src := r.st.Hists[k]
		for i := range h.Counts {
			h.Counts[i] += src.Counts[i]
		}
		h.Sum += src.Sum
		h.Count += src.Count
	}
	for _, p := range order {
		h := sums[p]
		cum := make(map[float64]uint64, len(Buckets))
		var c uint64
		for i, b := range Buckets {
			c += h.Counts[i]
			cum[b] = c
		}
		ch <- prometheus.MustNewConstHistogram(desc, h.Count, h.Sum, cum, values(p, len(names))...)
	}
}

// values are the label values of a projected key for n labels.
func values(p string, n int) []string {
	if n == 0 {
		return nil
	}
	return split(p)
}

func project(vals []string, kept []int) string {
	out := make([]string, len(kept))
	for i, k := range kept {
		if k < len(vals) {
			out[i] = vals[k]
		}
	}
	return join(out...)
}

// WatchSince is when the recorder began to count.
func (r *Recorder) WatchSince() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.st.WatchSince
}
