package collector

import (
	"cmp"
	"slices"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// capSeries returns the jobs whose series are written when the jobs' series
// must stay within limit (0: no limit), in their key order, and how many
// series of each cluster it left out. Whole jobs go, so that what is shown of a job is never
// half of it: finished jobs first (they can no longer change, and Prometheus
// already has their history), those that ended longest ago first; then
// active jobs, the most recently submitted first (Prometheus has the least
// of them).
func capSeries(jobs []*rendered, limit int) ([]*rendered, map[string]int) {
	if limit <= 0 {
		return jobs, nil
	}
	total := 0
	for _, rd := range jobs {
		total += rd.series
	}
	if total <= limit {
		return jobs, nil
	}
	order := slices.Clone(jobs)
	slices.SortStableFunc(order, dropFirst)
	drop := make(map[*rendered]bool)
	byCluster := make(map[string]int)
	for dropped, i := 0, 0; total-dropped > limit; i++ {
		rd := order[i]
		if rd.series > 0 {
			drop[rd] = true
			dropped += rd.series
			byCluster[rd.snap.Key.ClusterID] += rd.series
		}
	}
	shown := make([]*rendered, 0, len(jobs)-len(drop))
	for _, rd := range jobs {
		if !drop[rd] {
			shown = append(shown, rd)
		}
	}
	return shown, byCluster
}

// dropFirst orders jobs by which is left out first.
func dropFirst(a, b *rendered) int {
	fa, ea := finishedAt(a.snap)
	fb, eb := finishedAt(b.snap)
	switch {
	case fa && !fb:
		return -1
	case fb && !fa:
		return 1
	case fa:
		return cmp.Compare(ea, eb)
	}
	return cmp.Compare(submitted(b.snap), submitted(a.snap))
}

// finishedAt reports whether the job finished and when (Unix seconds; 0 when
// the answer gives no end time, which sorts it first among the finished).
func finishedAt(s *JobSnapshot) (bool, int64) {
	if s.Info == nil || !client.IsTerminal(s.Info.State.String()) {
		return false, 0
	}
	return true, int64(s.Info.EndTime)
}

func submitted(s *JobSnapshot) int64 {
	if s.Info == nil {
		return 0
	}
	return int64(s.Info.SubmitTime)
}
