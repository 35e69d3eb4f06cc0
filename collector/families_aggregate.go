package collector

import (
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// aggregateFamilies are what StoreOptions.AggregateOnly shows instead of the
// per-job series: how many jobs and container groups are in which state, per
// cluster, queue and user. Their series grow with the organisation, not with
// the number of jobs. The counts are kept as jobs are stored
// (aggregate_totals.go).
func aggregateFamilies() []family {
	return []family{
		byOwner("ehpc_serverless_jobs", "state", client.JobStates,
			"Tracked jobs whose state is known, by cluster, queue, user and state (every documented state for each cluster, queue and user, 0 when none; exposed instead of the per-job series when metrics.per_job is false).",
			func(r *aggRow) map[string]int { return r.states }),
		byOwner("ehpc_serverless_container_groups", "status", client.GroupStatuses,
			"Container groups of the tracked jobs by cluster, queue, user and status (every documented status for each cluster, queue and user, 0 when none; exposed instead of the per-job series when metrics.per_job is false).",
			func(r *aggRow) map[string]int { return r.groups }),
	}
}

// byOwner is a family of counts per cluster, queue and user, one series for
// each value of label: every known one, then any other seen.
func byOwner(name, label string, known []string, help string, counts func(*aggRow) map[string]int) family {
	return family{
		name:   name,
		help:   help,
		labels: []string{"cluster_id", "queue", "user", label},
		scope:  scopeAggregate,
		agg: func(v *scrapeView, w *sampleWriter) {
			for i := range v.owners {
				row := &v.owners[i]
				w.counts(known, counts(row), row.owner.cluster, row.owner.queue, row.owner.user)
			}
		},
	}
}
