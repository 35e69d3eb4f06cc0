package poller

import (
	"maps"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

// The job state machine: what each answer means for a job's class and for
// when it is asked for next.
//
//	new, listed finished  -> backlog (described once, newest first, when the
//	                         budget has room), or buried at once when it
//	                         ended longer than retention ago
//	new, other            -> active, described at once
//	active                -> active, described again one interval later,
//	                         while the answer is not finished
//	first finished answer -> frozen when it ended longer than Settle ago,
//	                         else final, described once more an interval later
//	final                 -> frozen after that describe
//	frozen                -> never described again, unless the listing shows
//	                         a new state; buried after retention
//
// A listing that shows a new state updates the snapshot at once and makes
// the job's describe urgent. A discovered job that leaves the listing while
// active is described once more (urgent); finished, it is kept for its
// retention.

// admit places a job that starts being tracked. It reports false when the
// job is not worth tracking at all: the listing shows it finished longer
// than retention ago, so it is buried without a call.
func (t *targets) admit(j *jobState, s *client.JobSummary, now time.Time) bool {
	if j.parent {
		t.refreshParent(j, *s, now)
		return true
	}
	if s != nil && client.IsTerminal(string(s.State)) {
		end := summaryEnd(*s)
		if t.expired(end, now) {
			t.tombstones[j.id] = struct{}{}
			return false
		}
		j.class = collector.ClassBacklog
		j.terminalSince = now
		if !end.IsZero() {
			j.terminalSince = end
		}
		t.set(j, t.summarySnapshot(j, *s))
		t.ag.toBacklog(&j.task, j.terminalSince)
		return true
	}
	j.class, j.fresh = collector.ClassActive, true
	snap := &collector.JobSnapshot{}
	if s != nil {
		snap = t.summarySnapshot(j, *s)
	}
	t.set(j, snap)
	t.ag.schedule(&j.task, now)
	return true
}

// readmit makes a job that was an array parent a describable job again.
func (t *targets) readmit(j *jobState, now time.Time) {
	j.class, j.fresh = collector.ClassActive, !j.attempted
	t.set(j, j.derive())
	t.ag.schedule(&j.task, now)
}

// describeOK records a successful describe and moves the job along its
// classes.
func (t *targets) describeOK(j *jobState, info *client.JobInfo, now time.Time) {
	j.attempted, j.fresh = true, false
	terminal := client.IsTerminal(string(info.State))
	end := finishedAt(info)
	if terminal && t.expired(end, now) {
		t.bury(j.id) // restarts honour retention: it never reaches /metrics again
		return
	}
	if a := t.opts.Analytics; a != nil {
		a.Observe(t.clusterID, j.id, info, now)
	}
	switch {
	case !terminal:
		j.class = collector.ClassActive
		j.terminalSince = time.Time{}
		t.ag.schedule(&j.task, now.Add(t.opts.Interval))
	case j.class == collector.ClassFinal || !end.IsZero() && now.Sub(end) > t.opts.Settle:
		j.class = collector.ClassFrozen
		t.ag.drop(&j.task)
	default:
		j.class = collector.ClassFinal
		t.ag.schedule(&j.task, now.Add(t.opts.Interval))
	}
	if terminal && j.terminalSince.IsZero() {
		j.terminalSince = now
		if !end.IsZero() {
			j.terminalSince = end
		}
	}
	j.since = now
	snap := j.derive()
	snap.Info = info
	snap.LastSuccess = now
	snap.LastErrorCode, snap.LastErrorMessage = "", ""
	t.set(j, snap)
	if t.expand {
		t.learnRange(j.id, info, now)
	}
	if j.leaving {
		t.leaveAnswered(j, now)
	}
}

// describeFailed records a failed describe; the last good data stays so its
// age shows on /metrics. The job is asked for again one interval later.
func (t *targets) describeFailed(j *jobState, code, message string, now time.Time) {
	j.attempted, j.fresh = true, false
	snap := j.derive()
	errs := make(map[string]uint64, len(snap.PollErrors)+1)
	maps.Copy(errs, snap.PollErrors)
	errs[code]++
	snap.PollErrors = errs
	snap.LastErrorCode, snap.LastErrorMessage = code, message
	t.set(j, snap)
	if j.leaving && code == codeJobNotFound {
		t.remove(j.id) // it left the listing and the service no longer knows it
		return
	}
	t.ag.schedule(&j.task, now.Add(t.opts.Interval))
}

// describeSkipped puts back a job whose call was not made: nothing was
// learnt and nothing failed. When the poller is stopping it goes back where
// it was; when the rate limit could not admit it in time, it waits an
// interval, so that a budget far too small cannot make the poller spin.
func (t *targets) describeSkipped(j *jobState, now time.Time, stopping bool) {
	switch {
	case !stopping:
		t.ag.schedule(&j.task, now.Add(t.opts.Interval))
	case j.from == placeBacklog:
		t.ag.toBacklog(&j.task, j.end)
	case j.from == placeUrgent:
		t.ag.hurry(&j.task, now)
	default:
		t.ag.schedule(&j.task, now)
	}
}

// leave handles a discovered job that a complete listing no longer shows.
func (t *targets) leave(j *jobState, now time.Time) {
	switch {
	case j.class != collector.ClassActive:
		j.kept = true // finished: it stays until its retention ends
	case j.attempted && !j.since.Before(t.walkStarted):
		// Described while the walk was read: that answer is the once-more
		// describe, and asking again would learn nothing.
		t.leaveAnswered(j, now)
	default:
		j.leaving = true
		t.ag.hurry(&j.task, now)
	}
}

// leaveAnswered ends the once-more describe of a job that left the listing:
// finished, it is kept for its retention; still running and no longer
// matching the discovery filters, it goes. Still running and matching, it
// should be listed: a listing that changed while it was paged can skip a
// job, so it stays for one more listing, which decides.
func (t *targets) leaveAnswered(j *jobState, now time.Time) {
	j.leaving = false
	switch {
	case j.class != collector.ClassActive:
		j.kept, j.missed = true, 0
	case j.missed == 0 && t.filter != nil && t.filter.matchesAnswer(j.snap.Info, now):
		j.missed = 1
	default:
		t.remove(j.id)
	}
}

// listedNews takes what a listing says about a tracked job. Only news
// counts: a listing that keeps disagreeing with the describe answer (the two
// can lag each other) must not cause a describe every walk.
func (t *targets) listedNews(j *jobState, s client.JobSummary, prev client.JobSummary, hadPrev bool, now time.Time) {
	if j.parent {
		if isParentSummary(s) {
			t.refreshParent(j, s, now)
		}
		return
	}
	if hadPrev && prev.State == s.State {
		return
	}
	if j.snap.Info == nil || j.snap.Info.State == s.State {
		return
	}
	// The new state shows at once; the containers follow with the describe.
	snap := j.derive()
	snap.Info = withSummary(snap.Info, s)
	switch j.class {
	case collector.ClassBacklog:
		if client.IsTerminal(string(s.State)) {
			t.set(j, snap)
			return
		}
		j.class = collector.ClassActive
	case collector.ClassFrozen, collector.ClassFinal:
		j.class = collector.ClassActive
	}
	t.set(j, snap)
	t.ag.hurry(&j.task, now)
}

// refreshParent stores an array job's snapshot built from its list summary.
func (t *targets) refreshParent(j *jobState, s client.JobSummary, refreshed time.Time) {
	var rng *arrayRange
	if a := t.arrays[j.id]; a != nil {
		rng = a.rng
	}
	if client.IsTerminal(string(s.State)) {
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

// summarySnapshot is the snapshot of a job known only from the listing: its
// state and times, no containers, and no successful describe yet.
func (t *targets) summarySnapshot(j *jobState, s client.JobSummary) *collector.JobSnapshot {
	snap := j.derive()
	snap.Info = summaryInfo(s, nil)
	return snap
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

// withSummary is a copy of info with the state and times the listing gives.
func withSummary(info *client.JobInfo, s client.JobSummary) *client.JobInfo {
	cp := *info
	cp.State = s.State
	if s.StartTime > 0 {
		cp.StartTime = s.StartTime
	}
	if s.EndTime > 0 {
		cp.EndTime = s.EndTime
	}
	return &cp
}

// finishedAt is when a finished job ended: its EndTime, else the latest
// final time of its container groups; zero when the answer says neither.
func finishedAt(info *client.JobInfo) time.Time {
	if info.EndTime > 0 {
		return time.Unix(int64(info.EndTime), 0)
	}
	var end time.Time
	for i := range info.ContainerGroups {
		g := &info.ContainerGroups[i]
		for _, f := range []client.Text{g.SucceededTime, g.FailedTime, g.ExpiredTime} {
			if ts, ok := f.Time(); ok && ts.After(end) {
				end = ts
			}
		}
	}
	return end
}

func summaryEnd(s client.JobSummary) time.Time {
	if s.EndTime > 0 {
		return time.Unix(int64(s.EndTime), 0)
	}
	return time.Time{}
}
