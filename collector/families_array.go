package collector

import (
	"slices"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// arrayFamilies: how far along each array job is, counted over its tracked
// sub-tasks (with expand_array, all of them).
func arrayFamilies() []family {
	return []family{{
		name:   "ehpc_serverless_array_tasks_by_state",
		help:   "Tracked sub-tasks of an array job by state (with expand_array, every sub-task); every documented state is present for each array job (0 when none).",
		labels: []string{"cluster_id", "array_job_id", "state"},
		agg:    countArrayTasks,
		// One set per array job: a series per job, which the aggregate-only
		// mode is there to avoid.
		scope: scopePerJob,
	}}
}

// countArrayTasks writes, per cluster and array job, its sub-tasks by state.
// A map, not runs of the sorted jobs: an id such as "10_1_2" (array "10_1")
// sorts between sub-tasks of "10", and a series written twice would break
// the scrape.
func countArrayTasks(v *scrapeView, w *sampleWriter) {
	jobs := v.jobs
	type key struct{ cluster, array string }
	counts := map[key]map[string]int{}
	var order []key
	for _, rd := range jobs {
		s := rd.snap
		a, _, ok := client.SplitSubTaskID(s.Key.JobID)
		if !ok || s.Info == nil {
			continue
		}
		k := key{s.Key.ClusterID, a}
		if counts[k] == nil {
			counts[k] = map[string]int{}
			order = append(order, k)
		}
		counts[k][s.Info.State.String()]++
	}
	slices.SortFunc(order, func(x, y key) int { return compareKeys(JobKey{x.cluster, x.array}, JobKey{y.cluster, y.array}) })
	for _, k := range order {
		w.counts(client.JobStates, counts[k], k.cluster, k.array)
	}
}
