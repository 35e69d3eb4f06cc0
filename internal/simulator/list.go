package simulator

import (
	"sort"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// listQuery is a checked ListServerlessJobs request.
type listQuery struct {
	pageNumber, pageSize    int
	jobIDs, jobNames        map[string]bool
	state                   string // "" matches every state
	submitStart, submitEnd  int64  // Unix seconds; 0 = no bound
	submitOrder, startOrder string // "", Asc, Desc
}

// progress is a job's (or array job's) state and times at an instant, enough
// for a list entry.
type progress struct {
	state          string
	start, end     time.Duration // offsets from submission
	started, ended bool
}

// progressOf reads a timeline whose phases after the first are shifted by
// shift, without copying it: array jobs may have many sub-tasks.
func progressOf(tl []Phase, shift, d time.Duration) progress {
	var p progress
	for i, ph := range tl {
		at := ph.At
		if i > 0 {
			at += shift
		}
		if at > d {
			break
		}
		p.state = ph.State
		if ph.State == StateRunning && !p.started {
			p.started, p.start = true, at
		}
		if client.IsTerminal(ph.State) {
			p.ended, p.end = true, at
		}
	}
	if p.started && p.ended && p.start > p.end {
		p.started = false
	}
	return p
}

func (j *job) progress(d time.Duration) progress {
	if j.array == nil {
		return progressOf(j.timeline, 0, d)
	}
	a := j.array
	var agg progress
	var running, pending, failed, canceled bool
	agg.ended = true
	for idx, k := a.start, time.Duration(0); idx <= a.end; idx, k = idx+a.step, k+1 {
		var p progress
		if tl, ok := a.tasks[idx]; ok {
			p = progressOf(tl, 0, d)
		} else {
			p = progressOf(j.timeline, k*a.stagger, d)
		}
		switch p.state {
		case StateRunning, StateIniting:
			running = true
		case StatePending:
			pending = true
		case StateFailed:
			failed = true
		case StateCanceled:
			canceled = true
		}
		if p.started && (!agg.started || p.start < agg.start) {
			agg.started, agg.start = true, p.start
		}
		if !p.ended {
			agg.ended = false
		} else if p.end > agg.end {
			agg.end = p.end
		}
	}
	switch {
	case running:
		agg.state = StateRunning
	case pending:
		agg.state = StatePending
	case failed:
		agg.state = StateFailed
	case canceled:
		agg.state = StateCanceled
	default:
		agg.state = StateSucceeded
	}
	return agg
}

// stateAt is the job's (aggregated) state at elapsed time t.
func (j *job) stateAt(t time.Duration) string {
	if j.verbatim != nil {
		return j.verbatimSummary.State.String()
	}
	return j.progress(t - j.submit).state
}

func (w *world) summary(j *job, t time.Duration) client.JobSummary {
	if j.verbatim != nil {
		return j.verbatimSummary
	}
	p := j.progress(t - j.submit)
	abs := func(off time.Duration) client.Int64 { return client.Int64(w.epoch.Add(j.submit + off).Unix()) }
	s := client.JobSummary{
		JobID:      client.Text(j.id),
		JobName:    client.Text(j.name),
		State:      client.Text(p.state),
		Priority:   client.Int64(j.priority),
		Queue:      client.Text(j.queue),
		User:       client.Text(j.user),
		SubmitTime: abs(0),
		IsArrayJob: client.Bool(j.array != nil),
	}
	if p.started {
		s.StartTime = abs(p.start)
	}
	if p.ended {
		s.EndTime = abs(p.end)
	}
	return s
}

// list answers one page. The common case (no recurring jobs, submit order)
// walks the presorted index once and renders only the page; other orders
// sort the matching jobs, O(n log n) per page, never O(n^2).
func (w *world) list(c *cluster, t time.Duration, q listQuery) (total int, page []client.JobSummary) {
	offset := (q.pageNumber - 1) * q.pageSize
	desc := q.submitOrder != "Asc"
	matches := func(j *job) bool {
		if j.submit > t {
			return false
		}
		if q.jobIDs != nil && !q.jobIDs[j.id] {
			return false
		}
		if q.jobNames != nil && !q.jobNames[j.name] {
			return false
		}
		if q.submitStart != 0 || q.submitEnd != 0 {
			sub := w.epoch.Add(j.submit).Unix()
			if (q.submitStart != 0 && sub < q.submitStart) || (q.submitEnd != 0 && sub > q.submitEnd) {
				return false
			}
		}
		if q.state != "" && j.stateAt(t) != q.state {
			return false
		}
		return true
	}
	page = []client.JobSummary{}
	if len(c.recurring) == 0 && q.startOrder == "" {
		n := len(c.bySubmit)
		for i := 0; i < n; i++ {
			j := c.bySubmit[i]
			if desc {
				j = c.bySubmit[n-1-i]
			}
			if !matches(j) {
				continue
			}
			if total >= offset && len(page) < q.pageSize {
				page = append(page, w.summary(j, t))
			}
			total++
		}
		return total, page
	}
	var all []*job
	for _, j := range c.bySubmit {
		if matches(j) {
			all = append(all, j)
		}
	}
	for _, r := range c.recurring {
		lo, hi, ok := r.visible(t)
		for k := lo; ok && k <= hi; k++ {
			if j := r.instance(k); matches(j) {
				all = append(all, j)
			}
		}
	}
	var starts map[*job]int64
	if q.startOrder != "" {
		starts = make(map[*job]int64, len(all))
		for _, j := range all {
			starts[j] = int64(w.summary(j, t).StartTime)
		}
	}
	sort.SliceStable(all, func(a, b int) bool {
		ja, jb := all[a], all[b]
		if q.submitOrder != "" || q.startOrder == "" {
			if ja.submit != jb.submit {
				return (ja.submit < jb.submit) != desc
			}
		}
		if q.startOrder != "" && starts[ja] != starts[jb] {
			return (starts[ja] < starts[jb]) != (q.startOrder == "Desc")
		}
		return idLess(ja.id, jb.id) != desc
	})
	total = len(all)
	for i := offset; i < total && len(page) < q.pageSize; i++ {
		page = append(page, w.summary(all[i], t))
	}
	return total, page
}
