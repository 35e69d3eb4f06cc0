package poller

import (
	"time"

	"github.com/go-kit/log"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

// targets is the set of jobs one cluster tracks and the reasons each is
// tracked: a static id, the listing, being a sibling of a tracked array job,
// or having finished after it left the listing. Which class a job is in and
// when it is asked for next is lifecycle.go's business; this file only adds
// and removes. The poller serialises access.
type targets struct {
	clusterID string
	store     Store
	shard     sharder
	opts      Options
	logger    log.Logger
	ag        *agenda

	static    map[string]struct{}
	discovery bool
	filter    *DiscoverySpec // the listing's filters, when discovery is on
	expand    bool
	// listed is the last listing (filtered), by job id; prevListed the one
	// before it.
	listed, prevListed map[string]client.JobSummary
	// walkStarted is when the walk of the last listing began.
	walkStarted time.Time
	arrays      map[string]*arrayState
	jobs        map[string]*jobState
	// tombstones are jobs removed by retention; they are not tracked again
	// while they are still configured, listed or siblings of a tracked array.
	tombstones map[string]struct{}
}

// jobState is what the poller knows about one tracked job beyond its
// snapshot. Its task is its place on the agenda.
type jobState struct {
	task
	source collector.Source
	class  collector.Class
	// parent marks an array job as the listing shows it: the service describes
	// only its sub-tasks, so its snapshot is built from the list summary.
	parent bool
	// attempted is set once a describe of the job was tried.
	attempted bool
	// terminalSince is when the job was first seen finished; zero while it
	// is not. Retention counts from it when the answer has no end time.
	terminalSince time.Time
	// kept: a discovered job that is no longer listed but finished; it stays
	// for its retention like any finished job.
	kept bool
	// leaving: an active discovered job that left the listing; it is
	// described once more to learn how it ended.
	leaving bool
	// missed counts the complete listings in a row that did not show a job
	// whose describe says it should be listed: a listing that changed while
	// paged can skip a job once, hardly twice in a row.
	missed int
	// restored: brought back by the state file and not yet seen in a
	// complete listing.
	restored bool
	// since is when the job's data age starts to count: its last successful
	// describe, or when it began to be tracked.
	since time.Time
	snap  *collector.JobSnapshot
}

func newTargets(clusterID string, store Store, shard sharder, opts Options, logger log.Logger, seq *uint64) *targets {
	return &targets{
		clusterID:  clusterID,
		store:      store,
		shard:      shard,
		opts:       opts,
		logger:     logger,
		ag:         newAgenda(opts.Interval, 0, seq),
		static:     map[string]struct{}{},
		listed:     map[string]client.JobSummary{},
		arrays:     map[string]*arrayState{},
		jobs:       map[string]*jobState{},
		tombstones: map[string]struct{}{},
	}
}

// configure takes the static part of a cluster's spec.
func (t *targets) configure(s ClusterSpec, now time.Time) {
	static := make(map[string]struct{}, len(s.JobIDs))
	for _, id := range s.JobIDs {
		static[id] = struct{}{}
	}
	t.static = static
	t.expand = s.ExpandArray
	t.discovery, t.filter = s.Discovery != nil, s.Discovery
	if !t.discovery {
		clear(t.listed)
	}
	t.ag.setListing(t.discovery, now)
}

// isParentSummary reports whether a listed job is an array job listed by its
// array id, which the service does not describe.
func isParentSummary(s client.JobSummary) bool {
	_, _, sub := client.SplitSubTaskID(string(s.JobID))
	return bool(s.IsArrayJob) && !sub
}

// reconcile brings the tracked jobs in line with the reasons to track them:
// static ids, the listing, and the siblings of anchored array jobs, within this
// shard and minus tombstones. Jobs that stay keep their state and snapshot.
// byListing says a complete listing caused it: a discovered job that is no
// longer listed then leaves the way finished jobs do (lifecycle.go) instead
// of disappearing.
func (t *targets) reconcile(now time.Time, byListing bool) {
	want := make(map[string]collector.Source, len(t.static)+len(t.listed))
	for id := range t.static {
		want[id] = collector.SourceStatic
	}
	for id := range t.listed {
		if _, ok := want[id]; !ok {
			want[id] = collector.SourceDiscovered
		}
	}
	t.reconcileArrays(want, now)

	for id, src := range want {
		if _, dead := t.tombstones[id]; dead || !t.shard.owns(t.clusterID, id) {
			continue
		}
		sum, listed := t.listed[id]
		parent := listed && isParentSummary(sum)
		j := t.jobs[id]
		if j == nil {
			j = &jobState{task: task{id: id}, source: src, parent: parent, since: now}
			var s *client.JobSummary
			if listed {
				s = &sum
			}
			if t.admit(j, s, now) {
				t.jobs[id] = j
			}
			continue
		}
		j.kept, j.leaving = false, false
		if _, ok := t.listed[id]; ok {
			j.missed = 0
		}
		if byListing {
			j.restored = false
		}
		switch {
		case j.parent != parent:
			j.parent, j.source = parent, src
			if parent {
				t.ag.drop(&j.task)
				t.refreshParent(j, sum, now)
			} else {
				t.readmit(j, now)
			}
		case j.source != src:
			j.source = src
			t.set(j, j.derive())
		case parent:
			if a := t.arrays[id]; a != nil && !a.rng.equal(rangeOfSnapshot(j.snap)) {
				t.refreshParent(j, sum, j.snap.LastSuccess)
			}
		}
	}
	for id, j := range t.jobs {
		if _, ok := want[id]; ok {
			continue
		}
		switch {
		case j.source == collector.SourceDiscovered && !t.discovery:
			t.remove(id) // discovery was turned off
		case j.kept || j.leaving || (j.restored || j.missed > 0) && !byListing:
		case byListing && j.source == collector.SourceDiscovered && !j.parent && t.wasListed(id):
			t.leave(j, now)
		default:
			t.remove(id)
		}
	}
	for id := range t.tombstones {
		if _, ok := want[id]; !ok {
			delete(t.tombstones, id)
		}
	}
}

// wasListed reports whether the listing before the last one showed the job,
// or the job is still in its grace after a listing missed it.
func (t *targets) wasListed(id string) bool {
	if _, ok := t.prevListed[id]; ok {
		return true
	}
	j := t.jobs[id]
	return j != nil && j.missed > 0
}

// clear forgets every job, for a cluster that was removed.
func (t *targets) clear() {
	for id := range t.jobs {
		t.remove(id)
	}
	for _, a := range t.arrays {
		t.ag.drop(&a.task)
	}
	clear(t.tombstones)
	clear(t.arrays)
}

func (t *targets) remove(id string) {
	if j := t.jobs[id]; j != nil {
		t.ag.drop(&j.task)
	}
	delete(t.jobs, id)
	t.store.Delete(collector.JobKey{ClusterID: t.clusterID, JobID: id})
	if a := t.opts.Analytics; a != nil {
		a.Forget(t.clusterID, id)
	}
}

// bury removes a job for good: it is not tracked again while still
// configured, listed or a sibling.
func (t *targets) bury(id string) {
	t.remove(id)
	t.tombstones[id] = struct{}{}
}

// waitingFirst counts the active jobs never asked for yet.
func (t *targets) waitingFirst() int {
	n := 0
	for _, j := range t.jobs {
		if j.fresh && !j.parent {
			n++
		}
	}
	return n
}

// derive returns a copy of the job's snapshot with its current source and
// class, ready to be changed and stored: stored snapshots are never modified.
func (j *jobState) derive() *collector.JobSnapshot {
	var s collector.JobSnapshot
	if j.snap != nil {
		s = *j.snap
	}
	s.Source, s.Class = j.source, j.class
	return &s
}

func (t *targets) set(j *jobState, s *collector.JobSnapshot) {
	s.Key = collector.JobKey{ClusterID: t.clusterID, JobID: j.id}
	s.Source, s.Class = j.source, j.class
	s.MaxAge = 0
	if !j.parent && (j.class == collector.ClassActive || j.class == collector.ClassFinal) {
		s.MaxAge = t.opts.Interval
	}
	j.snap = s
	t.store.Set(s)
}
