package poller

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/go-kit/log/level"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

// Array jobs, with expand_array: the service describes an array job only by
// its sub-tasks ("<array>_<index>"), and an answer about a sub-task tells the
// array's index range. A tracked sub-task or a listed array job anchors its
// array; once the range is known, every sibling is tracked. When no tracked
// sub-task will tell the range, a range probe asks for candidate sub-tasks
// that are not tracked, one call at a time, as the budget allows.

// maxArraySiblings bounds how many sub-tasks one array job may add, so a
// corrupt or hostile ArrayProperties cannot make the exporter track millions
// of ids.
const maxArraySiblings = 100000

// arrayState is an array job whose sub-tasks are tracked because a static or
// listed job anchors it. Its task is its range probe.
type arrayState struct {
	task
	source collector.Source
	rng    *arrayRange // nil until an answer told the range
	// candidates are untracked sub-task ids whose answer tells the range, in
	// the order to ask for them; next is the one to ask next.
	candidates []string
	next       int
	// probed is set once every candidate was asked without learning a range;
	// it is cleared when the candidates or the listed parent's state change.
	probed bool
}

// reconcileArrays finds the array jobs anchored by wanted jobs (a sub-task id
// names its array; a listed parent is one), adds the siblings of those whose
// range is known to want, and schedules the range probes still needed.
// Arrays no longer anchored are forgotten.
func (t *targets) reconcileArrays(want map[string]collector.Source, now time.Time) {
	if !t.expand {
		for _, a := range t.arrays {
			t.ag.drop(&a.task)
		}
		clear(t.arrays)
		return
	}
	// The candidates of a probe are the anchors this shard does not track
	// (another shard describes them, but every shard needs the range) and,
	// for a listed array job, its first sub-tasks. A candidate this shard
	// tracks tells the range with its own describe.
	tracked := func(id string) bool {
		_, ok := want[id]
		return ok && t.shard.owns(t.clusterID, id)
	}
	anchored := make(map[string][]string)
	sources := make(map[string]collector.Source)
	for id, src := range want {
		arrayID := id
		if a, _, ok := client.SplitSubTaskID(id); ok {
			arrayID = a
			if !tracked(id) {
				anchored[a] = append(anchored[a], id)
			}
		} else if sum, ok := t.listed[id]; !ok || !isParentSummary(sum) {
			continue
		}
		if _, ok := anchored[arrayID]; !ok {
			anchored[arrayID] = nil
		}
		if sources[arrayID] != collector.SourceStatic {
			sources[arrayID] = src
		}
	}
	for arrayID, cands := range anchored {
		slices.Sort(cands)
		if sum, ok := t.listed[arrayID]; ok && isParentSummary(sum) {
			// The service numbers sub-tasks from 1 or from 0.
			for _, id := range []string{client.SubTaskID(arrayID, 1), client.SubTaskID(arrayID, 0)} {
				if !tracked(id) && !slices.Contains(cands, id) {
					cands = append(cands, id)
				}
			}
		}
		a := t.arrays[arrayID]
		if a == nil {
			a = &arrayState{task: task{id: arrayID, probe: true}}
			t.arrays[arrayID] = a
		}
		if !slices.Equal(a.candidates, cands) {
			a.candidates, a.next, a.probed = cands, 0, false
		}
		a.source = sources[arrayID]
		t.scheduleProbe(a, now)
	}
	for arrayID, a := range t.arrays {
		if _, ok := anchored[arrayID]; !ok {
			t.ag.drop(&a.task)
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
			level.Warn(t.logger).Log("msg", "array job has more sub-tasks than are tracked", "cluster_id", t.clusterID,
				"array_job_id", arrayID, "tracked", maxArraySiblings, "announced", a.rng.count())
		}
	}
}

// scheduleProbe puts an array's range probe on the agenda while it is
// needed, and takes it off once it is not.
func (t *targets) scheduleProbe(a *arrayState, now time.Time) {
	if a.rng != nil || a.probed || a.next >= len(a.candidates) {
		t.ag.drop(&a.task)
		return
	}
	if a.place == placeNone {
		t.ag.schedule(&a.task, now)
	}
}

// probeCandidate is the sub-task the probe t asks for next.
func (t *targets) probeCandidate(pt *task) (string, bool) {
	a := t.arrays[pt.id]
	if a == nil || &a.task != pt || a.next >= len(a.candidates) {
		return "", false
	}
	return a.candidates[a.next], true
}

// probeAnswered takes a candidate's answer: its range, or that the job is
// not an array job after all.
func (t *targets) probeAnswered(pt *task, id string, info *client.JobInfo, now time.Time) {
	a := t.arrays[pt.id]
	if a == nil || &a.task != pt {
		return
	}
	a.place = placeNone
	if !t.learnRange(id, info, now) && a.rng == nil {
		a.probed = true
	}
	t.scheduleProbe(a, now)
	// The candidate is a sibling now: its answer is its first describe.
	if j := t.jobs[id]; j != nil && j.fresh {
		t.describeOK(j, info, now)
	}
}

// probeRetry asks again: the next candidate at once when this one does not
// exist, the same one an interval later after any other failure.
func (t *targets) probeRetry(pt *task, now time.Time, nextCandidate bool) {
	a := t.arrays[pt.id]
	if a == nil || &a.task != pt {
		return
	}
	a.place = placeNone
	if !nextCandidate {
		t.ag.schedule(&a.task, now.Add(t.opts.Interval))
		return
	}
	if a.next++; a.next >= len(a.candidates) {
		a.probed = true
		level.Debug(t.logger).Log("msg", "no sub-task of the array job answered; its sub-tasks are not tracked for now", "cluster_id", t.clusterID, "array_job_id", pt.id)
	}
	t.scheduleProbe(a, now)
}

// probeDone ends a probe that has nothing left to ask.
func (t *targets) probeDone(pt *task, now time.Time) {
	if a := t.arrays[pt.id]; a != nil && &a.task == pt {
		a.place = placeNone
		t.scheduleProbe(a, now)
	}
}

// learnRange records what a successful answer about a sub-task says about
// its array. It reports whether the answer told a valid range; a changed
// range brings the siblings in line at once.
func (t *targets) learnRange(id string, info *client.JobInfo, now time.Time) bool {
	arrayID, _, ok := client.SplitSubTaskID(id)
	if !ok {
		return false
	}
	a := t.arrays[arrayID]
	if a == nil {
		return false
	}
	r := rangeFromInfo(info)
	if r == nil {
		return false
	}
	v, err := r.validate()
	if err != nil {
		level.Warn(t.logger).Log("msg", "ignoring the array range of a job", "cluster_id", t.clusterID, "job_id", id, "err", err)
		return false
	}
	if a.rng != nil && *a.rng == v {
		return true
	}
	a.rng = &v
	t.scheduleProbe(a, now)
	t.reconcile(now, false)
	return true
}

// answersForSubTask reports whether an answer about another job id than the
// sub-task asked for is still the answer: the service may echo the array's
// id, so an array job whose range holds the index counts. Anything else is
// about another job.
func answersForSubTask(asked string, info *client.JobInfo) bool {
	arrayID, idx, ok := client.SplitSubTaskID(asked)
	if !ok || string(info.JobID) != arrayID {
		return false
	}
	index, err := strconv.ParseInt(idx, 10, 64)
	if err != nil {
		return false
	}
	r := rangeFromInfo(info)
	if r == nil {
		return false
	}
	v, err := r.validate()
	return err == nil && v.holds(index)
}

// arrayRange is the index range of an array job as its describe answer gives it.
type arrayRange struct {
	start, end, step int64
}

// rangeFromInfo returns the index range an answer announces, or nil when the
// answer is not an array sub-task.
func rangeFromInfo(info *client.JobInfo) *arrayRange {
	if info == nil || !bool(info.IsArrayJob) || info.ArrayProperties == nil {
		return nil
	}
	p := info.ArrayProperties
	return &arrayRange{start: int64(p.IndexStart), end: int64(p.IndexEnd), step: int64(p.IndexStep)}
}

func rangeOfSnapshot(s *collector.JobSnapshot) *arrayRange {
	if s == nil || s.Info == nil || s.Info.ArrayProperties == nil {
		return nil
	}
	p := s.Info.ArrayProperties
	return &arrayRange{start: int64(p.IndexStart), end: int64(p.IndexEnd), step: int64(p.IndexStep)}
}

// validate reports what is wrong with a range the service sent. A step of 0
// is what an answer without a step decodes to, and means 1.
func (r arrayRange) validate() (arrayRange, error) {
	if r.step == 0 {
		r.step = 1
	}
	switch {
	case r.start < 0:
		return r, fmt.Errorf("array index start %d is negative", r.start)
	case r.end < r.start:
		return r, fmt.Errorf("array index end %d is before start %d", r.end, r.start)
	case r.step < 0:
		return r, fmt.Errorf("array index step %d is negative", r.step)
	}
	return r, nil
}

// count is the number of indices in a valid range.
func (r arrayRange) count() int64 {
	return (r.end-r.start)/r.step + 1
}

// holds reports whether index is one of a valid range's indices.
func (r arrayRange) holds(index int64) bool {
	return index >= r.start && index <= r.end && (index-r.start)%r.step == 0
}

// siblings calls fn for every sub-task id of the array, at most
// maxArraySiblings of them; truncated says the range was larger.
func (r arrayRange) siblings(arrayID string, fn func(id string)) (truncated bool) {
	n := int64(0)
	for i := r.start; i <= r.end; i += r.step {
		if n == maxArraySiblings {
			return true
		}
		fn(client.SubTaskID(arrayID, i))
		n++
		if i > r.end-r.step { // the next step would overflow or pass the end
			break
		}
	}
	return false
}

// equal compares two optional ranges.
func (r *arrayRange) equal(o *arrayRange) bool {
	if r == nil || o == nil {
		return r == o
	}
	return *r == *o
}
