package poller

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

// jobState is what the poller knows about one tracked job beyond its snapshot.
type jobState struct {
	id     string
	source collector.Source
	class  collector.Class
	// parent marks an array job as the listing shows it: the service describes
	// only its sub-tasks, so its snapshot is built from the list summary.
	parent bool
	// attempted is set once a describe of the job was tried.
	attempted bool
	// terminalSince is when the job was first seen in a terminal state; zero
	// while it is not terminal. Retention counts from it when EndTime is unset.
	terminalSince time.Time
	snap          *collector.JobSnapshot
}

// arrayState is an array job whose sub-tasks are tracked because a static or
// listed job anchors it.
type arrayState struct {
	source collector.Source
	rng    *arrayRange // nil until an answer told the range
	// candidates are sub-task ids whose answer tells the range, in the order
	// to ask for them.
	candidates []string
	// probed is set once every candidate was asked without learning a range;
	// it is cleared when the candidates or the listed parent's state change.
	probed bool
}

// targets is the set of jobs one cluster tracks, the reasons each is tracked,
// and their polling classes. The poller is its only user and serialises
// access to it.
type targets struct {
	clusterID string
	store     Store
	shard     sharder
	logger    log.Logger

	static    map[string]struct{}
	discovery bool
	expand    bool
	// listed is the last listing (filtered), by job id.
	listed map[string]client.JobSummary
	arrays map[string]*arrayState
	jobs   map[string]*jobState
	// tombstones are jobs removed by retention; they are not tracked again
	// while they are still configured, listed or siblings of a tracked array.
	tombstones map[string]struct{}
	// dirty says the reasons for tracking changed and reconcile must run.
	dirty bool
}

func newTargets(clusterID string, store Store, shard sharder, logger log.Logger) *targets {
	return &targets{
		clusterID:  clusterID,
		store:      store,
		shard:      shard,
		logger:     logger,
		static:     map[string]struct{}{},
		listed:     map[string]client.JobSummary{},
		arrays:     map[string]*arrayState{},
		jobs:       map[string]*jobState{},
		tombstones: map[string]struct{}{},
	}
}

// configure takes the static part of a cluster's spec.
func (t *targets) configure(s ClusterSpec) {
	static := make(map[string]struct{}, len(s.JobIDs))
	for _, id := range s.JobIDs {
		static[id] = struct{}{}
	}
	if !sameKeys(static, t.static) {
		t.static = static
		t.dirty = true
	}
	if s.ExpandArray != t.expand {
		t.expand = s.ExpandArray
		t.dirty = true
	}
	if on := s.Discovery != nil; on != t.discovery {
		t.discovery = on
		if !on {
			t.listed = map[string]client.JobSummary{}
		}
		t.dirty = true
	}
}

func sameKeys[V1, V2 any](a map[string]V1, b map[string]V2) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			return false
		}
	}
	return true
}

// isParentSummary reports whether a listed job is an array job listed by its
// array id, which the service does not describe.
func isParentSummary(s client.JobSummary) bool {
	return bool(s.IsArrayJob) && !strings.Contains(string(s.JobID), "_")
}

// reconcile brings the tracked jobs in line with the reasons to track them:
// static ids, the listing, and the siblings of anchored array jobs, within this
// shard and minus tombstones. Jobs that stay keep their state and snapshot.
func (t *targets) reconcile(now time.Time) {
	want := make(map[string]collector.Source, len(t.static)+len(t.listed))
	for id := range t.static {
		want[id] = collector.SourceStatic
	}
	for id := range t.listed {
		if _, ok := want[id]; !ok {
			want[id] = collector.SourceDiscovered
		}
	}
	t.reconcileArrays(want)

	for id, src := range want {
		if _, dead := t.tombstones[id]; dead || !t.shard.owns(t.clusterID, id) {
			continue
		}
		sum, listed := t.listed[id]
		parent := listed && isParentSummary(sum)
		j := t.jobs[id]
		switch {
		case j == nil:
			j = &jobState{id: id, source: src, class: collector.ClassActive, parent: parent}
			t.jobs[id] = j
			if parent {
				t.refreshParent(j, sum, now)
			} else {
				t.set(j, &collector.JobSnapshot{})
			}
		case j.parent != parent:
			j.parent, j.source = parent, src
			if parent {
				t.refreshParent(j, sum, now)
			} else {
				j.class = collector.ClassActive
				t.set(j, j.derive())
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
	for id := range t.jobs {
		if _, ok := want[id]; !ok {
			t.remove(id)
		}
	}
	for id := range t.tombstones {
		if _, ok := want[id]; !ok {
			delete(t.tombstones, id)
		}
	}
	t.dirty = false
}

// reconcileArrays finds the array jobs anchored by wanted jobs (a sub-task id
// names its array; a listed parent is one) and adds the siblings of those whose
// range is known to want. Arrays no longer anchored are forgotten.
func (t *targets) reconcileArrays(want map[string]collector.Source) {
	if !t.expand {
		clear(t.arrays)
		return
	}
	anchored := make(map[string][]string)
	sources := make(map[string]collector.Source)
	for id, src := range want {
		arrayID := id
		if a, _, ok := client.SplitSubTaskID(id); ok {
			arrayID = a
			anchored[a] = append(anchored[a], id)
		} else if sum, ok := t.listed[id]; ok && isParentSummary(sum) {
			if _, seen := anchored[id]; !seen {
				anchored[id] = nil
			}
		} else {
			continue
		}
		if sources[arrayID] != collector.SourceStatic {
			sources[arrayID] = src
		}
	}
	for arrayID, cands := range anchored {
		slices.Sort(cands)
		if sum, ok := t.listed[arrayID]; ok && isParentSummary(sum) {
			// The service numbers sub-tasks from 1 or from 0.
			cands = append(cands, client.SubTaskID(arrayID, 1), client.SubTaskID(arrayID, 0))
		}
		a := t.arrays[arrayID]
		if a == nil {
			a = &arrayState{}
			t.arrays[arrayID] = a
		}
		if !slices.Equal(a.candidates, cands) {
			a.candidates = cands
			a.probed = false
		}
		a.source = sources[arrayID]
	}
	for arrayID := range t.arrays {
		if _, ok := anchored[arrayID]; !ok {
			delete(t.arrays, arrayID)
		}
	}
	for arrayID, a := range t.arrays {
		if a.rng == nil {
			continue
		}
		truncated := a.rng.siblings(arrayID, func(id string) {
			if _, ok := want[id]; !ok {
				want[id] = a.source
			}
		})
		if truncated {
			announced, _ := client.ArrayTaskCount(a.rng.start, a.rng.end, a.rng.step)
			level.Warn(t.logger).Log("msg", "array job has more sub-tasks than are tracked", "cluster_id", t.clusterID,
				"array_job_id", arrayID, "tracked", maxArraySiblings, "announced", announced)
		}
	}
}

// learnRange records what a successful answer about a sub-task says about its
// array: its range, or that it is not an array job after all.
func (t *targets) learnRange(id string, info *client.JobInfo) {
	arrayID, _, ok := client.SplitSubTaskID(id)
	if !ok {
		return
	}
	a := t.arrays[arrayID]
	if a == nil {
		return
	}
	r := rangeFromInfo(info)
	if r == nil {
		if a.rng == nil {
			a.probed = true
		}
		return
	}
	v, err := r.validate()
	if err != nil {
		level.Warn(t.logger).Log("msg", "ignoring the array range of a job", "cluster_id", t.clusterID, "job_id", id, "err", err)
		a.probed = true
		return
	}
	if a.rng != nil && *a.rng == v {
		return
	}
	a.rng = &v
	t.dirty = true
}

// probeDue returns the arrays whose range must be asked for: not yet known,
// not given up on, and no tracked candidate is about to be described anyway.
func (t *targets) probeDue() map[string][]string {
	var due map[string][]string
next:
	for arrayID, a := range t.arrays {
		if a.rng != nil || a.probed || len(a.candidates) == 0 {
			continue
		}
		for _, c := range a.candidates {
			if j := t.jobs[c]; j != nil && !j.parent && !j.attempted {
				continue next
			}
		}
		if due == nil {
			due = map[string][]string{}
		}
		due[arrayID] = slices.Clone(a.candidates)
	}
	return due
}

// probeFailed gives up on learning an array's range until its candidates or
// its listed state change.
func (t *targets) probeFailed(arrayID string) {
	if a := t.arrays[arrayID]; a != nil && a.rng == nil {
		a.probed = true
	}
}

// due returns the jobs to describe this cycle, sorted by id.
func (t *targets) due() []*jobState {
	var out []*jobState
	for _, j := range t.jobs {
		if !j.parent && (j.class == collector.ClassActive || j.class == collector.ClassFinal) {
			out = append(out, j)
		}
	}
	slices.SortFunc(out, func(a, b *jobState) int { return strings.Compare(a.id, b.id) })
	return out
}

// applyListing takes a listing. A complete listing replaces the listed set; a
// partial one (a page failed, or the page cap was hit) only adds to it, so a
// failure never removes a job.
func (t *targets) applyListing(jobs []client.JobSummary, complete bool, now time.Time) {
	listed := make(map[string]client.JobSummary, len(jobs))
	if !complete {
		maps.Copy(listed, t.listed)
	}
	for _, s := range jobs {
		if s.JobID != "" {
			listed[string(s.JobID)] = s
		}
	}
	if !sameKeys(listed, t.listed) {
		t.dirty = true
	}
	for id, s := range listed {
		old, had := t.listed[id]
		if had && isParentSummary(old) != isParentSummary(s) {
			t.dirty = true
		}
		if had && old.State != s.State {
			if a := t.arrays[id]; a != nil {
				a.probed = false // its sub-tasks may exist now
			}
		}
		j := t.jobs[id]
		if j == nil {
			continue
		}
		if j.parent {
			if isParentSummary(s) {
				t.refreshParent(j, s, now)
			}
			continue
		}
		// Un-freeze on news only: a listing that keeps disagreeing with the
		// describe answer (the two can lag each other) must not cause a
		// describe every other cycle.
		if j.class == collector.ClassFrozen && j.snap.Info != nil && j.snap.Info.State != s.State && (!had || old.State != s.State) {
			j.class = collector.ClassActive
			t.set(j, j.derive())
		}
	}
	t.listed = listed
}

// refreshParent stores an array job's snapshot built from its list summary.
func (t *targets) refreshParent(j *jobState, s client.JobSummary, refreshed time.Time) {
	var rng *arrayRange
	if a := t.arrays[j.id]; a != nil {
		rng = a.rng
	}
	if client.IsTerminal(s.State.String()) {
		j.class = collector.ClassFrozen
		if j.terminalSince.IsZero() {
			j.terminalSince = refreshed
		}
	} else {
		j.class = collector.ClassActive
		j.terminalSince = time.Time{}
	}
	snap := j.derive()
	snap.Info = summaryInfo(s, rng)
	snap.LastSuccess = refreshed
	snap.LastErrorCode, snap.LastErrorMessage = "", ""
	t.set(j, snap)
}

func summaryInfo(s client.JobSummary, rng *arrayRange) *client.JobInfo {
	info := &client.JobInfo{
		JobID:      s.JobID,
		JobName:    s.JobName,
		State:      s.State,
		Priority:   s.Priority,
		Queue:      s.Queue,
		User:       s.User,
		SubmitTime: s.SubmitTime,
		StartTime:  s.StartTime,
		EndTime:    s.EndTime,
		IsArrayJob: s.IsArrayJob,
	}
	if rng != nil {
		info.ArrayProperties = &client.ArrayProperties{
			IndexStart: client.Int64(rng.start),
			IndexEnd:   client.Int64(rng.end),
			IndexStep:  client.Int64(rng.step),
		}
	}
	return info
}

func rangeOfSnapshot(s *collector.JobSnapshot) *arrayRange {
	if s == nil || s.Info == nil || s.Info.ArrayProperties == nil {
		return nil
	}
	p := s.Info.ArrayProperties
	return &arrayRange{start: int64(p.IndexStart), end: int64(p.IndexEnd), step: int64(p.IndexStep)}
}

// describeOK records a successful describe and moves the job along its
// classes: active until terminal, then final for one more describe (the
// containers' final states can lag the job's), then frozen.
func (t *targets) describeOK(j *jobState, info *client.JobInfo, now time.Time) {
	j.attempted = true
	switch {
	case !client.IsTerminal(info.State.String()):
		j.class = collector.ClassActive
		j.terminalSince = time.Time{}
	case j.class == collector.ClassFinal:
		j.class = collector.ClassFrozen
	default:
		j.class = collector.ClassFinal
		if j.terminalSince.IsZero() {
			j.terminalSince = now
		}
	}
	snap := j.derive()
	snap.Info = info
	snap.LastSuccess = now
	snap.LastErrorCode, snap.LastErrorMessage = "", ""
	t.set(j, snap)
	if t.expand {
		t.learnRange(j.id, info)
	}
}

// describeFailed records a failed describe; the last good data stays so its
// age shows on /metrics.
func (t *targets) describeFailed(j *jobState, code, message string) {
	j.attempted = true
	snap := j.derive()
	errs := make(map[string]uint64, len(snap.PollErrors)+1)
	maps.Copy(errs, snap.PollErrors)
	errs[code]++
	snap.PollErrors = errs
	snap.LastErrorCode, snap.LastErrorMessage = code, message
	t.set(j, snap)
}

// expire removes frozen jobs that ended longer than retention ago and keeps a
// tombstone so they are not tracked again while still configured or listed.
func (t *targets) expire(now time.Time, retention time.Duration) {
	for id, j := range t.jobs {
		if j.class != collector.ClassFrozen {
			continue
		}
		end := j.terminalSince
		if j.snap.Info != nil && j.snap.Info.EndTime > 0 {
			end = time.Unix(int64(j.snap.Info.EndTime), 0)
		}
		if end.IsZero() || now.Sub(end) <= retention {
			continue
		}
		t.remove(id)
		t.tombstones[id] = struct{}{}
	}
}

// clear forgets every job, for a cluster that was removed.
func (t *targets) clear() {
	for id := range t.jobs {
		t.remove(id)
	}
	clear(t.tombstones)
	clear(t.arrays)
}

func (t *targets) remove(id string) {
	delete(t.jobs, id)
	t.store.Delete(collector.JobKey{ClusterID: t.clusterID, JobID: id})
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
	j.snap = s
	t.store.Set(s)
}
