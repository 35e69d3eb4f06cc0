package collector

import (
	"cmp"
	"slices"
)

func sourceOfJob(s *JobSnapshot) Source { return s.Source }
func classOfJob(s *JobSnapshot) Class   { return s.Class }

func exporterFamilies() []family {
	return []family{
		{
			name: "ehpc_serverless_job_last_poll_success_timestamp_seconds",
			help: "When the exporter last described this job successfully, in Unix seconds; time() minus this is the age of the job's data. Absent until the first success, and for finished jobs that are no longer described.",
			// A frozen job is never described again: its age only grows and
			// says nothing (the recording rule and the panels leave finished
			// jobs out), and at 10,000 jobs the series cost about 1 MiB.
			notCompact: true,
			gen: func(s *JobSnapshot, w *sampleWriter) {
				if v, ok := unixSeconds(s.LastSuccess); ok {
					w.add(v)
				}
			},
		},
		{
			name:   "ehpc_serverless_job_poll_errors_total",
			help:   "Failed attempts to describe this job, by error code (the API's code, or a transport class such as Timeout).",
			typ:    counter,
			labels: []string{"code"},
			gen: func(s *JobSnapshot, w *sampleWriter) {
				if len(s.PollErrors) == 0 {
					return
				}
				codes := make([]string, 0, len(s.PollErrors))
				for c := range s.PollErrors {
					codes = append(codes, c)
				}
				slices.Sort(codes)
				for _, c := range codes {
					w.add(float64(s.PollErrors[c]), c)
				}
			},
		},
		{
			name:   "ehpc_serverless_exporter_jobs_tracked",
			help:   "Jobs the exporter currently tracks, by how they were found (static: configured ids; discovered: ListServerlessJobs).",
			labels: []string{"cluster_id", "source"},
			agg: func(v *scrapeView, w *sampleWriter) {
				countPerCluster(v.jobs, w, Sources, sourceOfJob)
			},
		},
		{
			name:    "ehpc_serverless_exporter_series_dropped",
			help:    "Series of the cluster's jobs left out of this answer because the jobs' series exceed metrics.max_series (finished jobs first, the oldest first); absent when there is no cap.",
			labels:  []string{"cluster_id"},
			withCap: true,
			agg: func(v *scrapeView, w *sampleWriter) {
				eachCluster(v.jobs, func(cluster string) { w.add(float64(v.dropped[cluster]), cluster) })
			},
		},
		{
			name:   "ehpc_serverless_exporter_jobs_by_poll_class",
			help:   "Tracked jobs by polling class (active: described every cycle; final: described once more after finishing; frozen: no longer described).",
			labels: []string{"cluster_id", "class"},
			agg: func(v *scrapeView, w *sampleWriter) {
				countPerCluster(v.jobs, w, Classes, classOfJob)
			},
		},
	}
}

// countPerCluster writes, for each cluster, the number of jobs per value of
// attr: every known value, then the others in sorted order. jobs are sorted by
// cluster, so each cluster is one run and no map is needed.
func countPerCluster[V ~string](jobs []*rendered, w *sampleWriter, known []V, attr func(*JobSnapshot) V) {
	type count struct {
		value V
		n     int
	}
	counts := make([]count, 0, len(known)+2)
	for start := 0; start < len(jobs); {
		cluster := jobs[start].snap.Key.ClusterID
		counts = counts[:0]
		for _, k := range known {
			counts = append(counts, count{value: k})
		}
		end := start
		for ; end < len(jobs) && jobs[end].snap.Key.ClusterID == cluster; end++ {
			v := attr(jobs[end].snap)
			i := slices.IndexFunc(counts, func(c count) bool { return c.value == v })
			if i < 0 {
				counts = append(counts, count{value: v})
				i = len(counts) - 1
			}
			counts[i].n++
		}
		slices.SortFunc(counts[len(known):], func(a, b count) int { return cmp.Compare(a.value, b.value) })
		for _, c := range counts {
			w.add(float64(c.n), cluster, string(c.value))
		}
		start = end
	}
}

// eachCluster calls fn once for every cluster of jobs, which are sorted by
// cluster.
func eachCluster(jobs []*rendered, fn func(cluster string)) {
	for i, rd := range jobs {
		if c := rd.snap.Key.ClusterID; i == 0 || c != jobs[i-1].snap.Key.ClusterID {
			fn(c)
		}
	}
}
