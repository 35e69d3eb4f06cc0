package collector

import (
	"cmp"
	"slices"
	"strings"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// aggregateFamilies are what StoreOptions.AggregateOnly shows instead of the
// per-job series: how many jobs and container groups are in which state, per
// cluster, queue and user. Their series grow with the organisation, not with
// the number of jobs.
func aggregateFamilies() []family {
	return []family{
		{
			name:   "ehpc_serverless_jobs",
			help:   "Tracked jobs whose state is known, by cluster, queue, user and state (every documented state for each cluster, queue and user, 0 when none; exposed instead of the per-job series when metrics.per_job is false).",
			labels: []string{"cluster_id", "queue", "user", "state"},
			scope:  scopeAggregate,
			agg: func(v *scrapeView, w *sampleWriter) {
				countByOwner(v.jobs, w, client.JobStates, countJobState)
			},
		},
		{
			name:   "ehpc_serverless_container_groups",
			help:   "Container groups of the tracked jobs by cluster, queue, user and status (every documented status for each cluster, queue and user, 0 when none; exposed instead of the per-job series when metrics.per_job is false).",
			labels: []string{"cluster_id", "queue", "user", "status"},
			scope:  scopeAggregate,
			agg: func(v *scrapeView, w *sampleWriter) {
				countByOwner(v.jobs, w, client.GroupStatuses, countGroupStatuses)
			},
		},
	}
}

func countJobState(j *client.JobInfo, c map[string]int) {
	if st := j.State.String(); st != "" {
		c[st]++
	}
}

func countGroupStatuses(j *client.JobInfo, c map[string]int) {
	eachGroup(j, func(g *client.ContainerGroup) {
		if st := g.Status.String(); st != "" {
			c[st]++
		}
	})
}

// countByOwner writes, for every cluster, queue and user that has a described
// job, how many values of each kind its jobs give (count adds them to c):
// every known value, 0 when none, then the others in sorted order. count is
// a plain function, not a closure, so that a scrape of 100,000 jobs does not
// allocate once per job.
func countByOwner(jobs []*rendered, w *sampleWriter, known []string, count func(j *client.JobInfo, c map[string]int)) {
	type owner struct{ cluster, queue, user string }
	counts := map[owner]map[string]int{}
	for _, rd := range jobs {
		j := rd.snap.Info
		if j == nil {
			continue
		}
		o := owner{rd.snap.Key.ClusterID, j.Queue.String(), j.User.String()}
		c := counts[o]
		if c == nil {
			c = make(map[string]int, len(known))
			counts[o] = c
		}
		count(j, c)
	}
	owners := make([]owner, 0, len(counts))
	for o := range counts {
		owners = append(owners, o)
	}
	slices.SortFunc(owners, func(a, b owner) int {
		return cmp.Or(strings.Compare(a.cluster, b.cluster), strings.Compare(a.queue, b.queue), strings.Compare(a.user, b.user))
	})
	for _, o := range owners {
		w.counts(known, counts[o], o.cluster, o.queue, o.user)
	}
}
