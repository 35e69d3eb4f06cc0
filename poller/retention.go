package poller

import (
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

// Retention: a finished job stays on /metrics for Options.Retention after it
// ended (its EndTime, else when it was first seen finished), then it is
// buried: removed, with a tombstone that keeps it from being tracked again
// while it is still configured or listed. A job that is already past its
// retention when it is first seen never reaches /metrics at all.

// expired reports whether a job that ended at end is past its retention.
func (t *targets) expired(end, now time.Time) bool {
	return !end.IsZero() && now.Sub(end) > t.opts.Retention
}

// endOf is when a tracked finished job ended, as far as the poller knows.
func (j *jobState) endOf() time.Time {
	if j.snap != nil && j.snap.Info != nil && j.snap.Info.EndTime > 0 {
		return time.Unix(int64(j.snap.Info.EndTime), 0)
	}
	return j.terminalSince
}

// expire buries the finished jobs whose retention has ended.
func (t *targets) expire(now time.Time) {
	for id, j := range t.jobs {
		// A final job waits for its last describe, whose answer decides.
		if j.class != collector.ClassFrozen && j.class != collector.ClassBacklog {
			continue
		}
		if j.place == placeInFlight {
			continue // its answer decides
		}
		if t.expired(j.endOf(), now) {
			t.bury(id)
		}
	}
}
