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
		{
			name:   "ehpc_serverless_jobs",
			help:   "Tracked jobs whose state is known, by cluster, queue, user and state (every documented state for each cluster, queue and user, 0 when none; exposed instead of the per-job series when metrics.per_job is false).",
			labels: []string{"cluster_id", "queue", "user", "state"},
			scope:  scopeAggregate,
			agg: func(v *scrapeView, w *sampleWriter) {
				for _, row := range v.owners {
					w.counts(client.JobStates, row.states, row.owner.cluster, row.owner.queue, row.owner.user)
				}
			},
		},
		{
			name:   "ehpc_serverless_container_groups",
			help:   "Container groups of the tracked jobs by cluster, queue, user and status (every documented status for each cluster, queue and user, 0 when none; exposed instead of the per-job series when metrics.per_job is false).",
			labels: []string{"cluster_id", "queue", "user", "status"},
			scope:  scopeAggregate,
			agg: func(v *scrapeView, w *sampleWriter) {
				for _, row := range v.owners {
					w.counts(client.GroupStatuses, row.groups, row.owner.cluster, row.owner.queue, row.owner.user)
				}
			},
		},
	}
}
