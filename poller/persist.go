package poller

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"time"

	"github.com/go-kit/log/level"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/statefile"
)

// The state file makes restarts cheap: it keeps every tracked job's snapshot
// and class, the retention clocks, the known array ranges and the
// tombstones. On start they are served at once; frozen jobs are not asked
// for again, finished ones that were buried stay buried, and only active
// jobs and what the listing shows changed cost calls. Restored active jobs
// keep their old data (its age shows) until their first describe, which
// /-/ready waits for.

const (
	stateKind    = "ehpc_serverless_exporter poller state"
	stateVersion = 1
	// saveEvery is how often Run writes the state file while it changes.
	saveEvery = time.Minute
)

type savedState struct {
	Saved     time.Time       `json:"saved"`
	Clusters  []savedCluster  `json:"clusters"`
	Analytics json.RawMessage `json:"analytics,omitempty"`
}

// WriteJSON writes st as encoding/json would, a job at a time, so that a
// save holds one job's encoding in memory, not the whole state's
// (statefile.StreamWriter). TestSavedStateStreamsAsItEncodes keeps the two
// encodings equal.
func (st *savedState) WriteJSON(w io.Writer) error {
	ew := &stickyWriter{w: w}
	e := json.NewEncoder(ew) // values end in a newline: whitespace to JSON
	var encErr error
	put := func(s string) { _, _ = io.WriteString(ew, s) }
	enc := func(v any) {
		if encErr == nil {
			encErr = e.Encode(v)
		}
	}
	put(`{"saved":`)
	enc(st.Saved)
	if len(st.Analytics) > 0 {
		put(`,"analytics":`)
		enc(st.Analytics)
	}
	put(`,"clusters":[`)
	for i, c := range st.Clusters {
		if i > 0 {
			put(",")
		}
		put(`{"id":`)
		enc(c.ID)
		put(`,"jobs":[`)
		for k := range c.Jobs {
			if k > 0 {
				put(",")
			}
			enc(&c.Jobs[k])
		}
		put("]")
		if len(c.Ranges) > 0 {
			put(`,"arrays":`)
			enc(c.Ranges)
		}
		if len(c.Tombstones) > 0 {
			put(`,"tombstones":`)
			enc(c.Tombstones)
		}
		put("}")
	}
	put("]}")
	return errors.Join(encErr, ew.err)
}

// stickyWriter keeps the first write error and writes nothing after it.
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	s.err = err
	return n, err
}

type savedCluster struct {
	ID         string       `json:"id"`
	Jobs       []savedJob   `json:"jobs"`
	Ranges     []savedRange `json:"arrays,omitempty"`
	Tombstones []string     `json:"tombstones,omitempty"`
}

type savedRange struct {
	ID    string `json:"id"`
	Start int64  `json:"start"`
	End   int64  `json:"end"`
	Step  int64  `json:"step"`
}

type savedJob struct {
	ID               string            `json:"id"`
	Source           collector.Source  `json:"source"`
	Class            collector.Class   `json:"class"`
	Parent           bool              `json:"parent,omitempty"`
	Attempted        bool              `json:"attempted,omitempty"`
	Kept             bool              `json:"kept,omitempty"`
	TerminalSince    time.Time         `json:"terminal_since,omitzero"`
	Info             *client.JobInfo   `json:"info,omitempty"`
	LastSuccess      time.Time         `json:"last_success,omitzero"`
	PollErrors       map[string]uint64 `json:"poll_errors,omitempty"`
	LastErrorCode    string            `json:"last_error_code,omitempty"`
	LastErrorMessage string            `json:"last_error_message,omitempty"`
}

// savedMark says whether the state changed since it was last written.
type savedMark struct {
	dirty   bool
	failing bool // the last write failed: say so once, not every minute
	last    time.Time
}

func (m *savedMark) touch() { m.dirty = true }

// SaveState writes the state file now, if one is configured. Run does so
// every minute while the state changes, and once more when it returns.
func (p *Poller) SaveState() error {
	return p.saveState(true)
}

func (p *Poller) saveState(force bool) error {
	if p.opts.StatePath == "" {
		return nil
	}
	p.mu.Lock()
	now := p.opts.Now()
	if !force && (!p.saved.dirty || now.Sub(p.saved.last) < saveEvery) {
		p.mu.Unlock()
		return nil
	}
	st := p.snapshotStateLocked(now)
	p.saved.dirty, p.saved.last = false, now
	p.mu.Unlock()

	// Snapshots are immutable, so encoding them needs no lock.
	err := statefile.Write(p.opts.StatePath, stateKind, stateVersion, st)
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case err != nil && !p.saved.failing:
		level.Warn(p.logger).Log("msg", "cannot write the state file; a restart will describe every job again", "err", err)
	case err == nil && p.saved.failing:
		level.Info(p.logger).Log("msg", "the state file is written again", "path", p.opts.StatePath)
	}
	if err != nil {
		p.saved.dirty = true
	}
	p.saved.failing = err != nil
	return err
}

func (p *Poller) snapshotStateLocked(now time.Time) *savedState {
	st := &savedState{Saved: now}
	if a := p.opts.Analytics; a != nil {
		if b, err := a.Export(); err == nil {
			st.Analytics = b
		}
	}
	for _, id := range p.order {
		c := p.clusters[id]
		sc := savedCluster{ID: id}
		for _, j := range c.t.jobs {
			s := j.snap
			sj := savedJob{ID: j.id, Source: j.source, Class: j.class, Parent: j.parent, Attempted: j.attempted,
				Kept: j.kept, TerminalSince: j.terminalSince}
			if s != nil {
				sj.Info, sj.LastSuccess, sj.PollErrors = s.Info, s.LastSuccess, s.PollErrors
				sj.LastErrorCode, sj.LastErrorMessage = s.LastErrorCode, s.LastErrorMessage
			}
			sc.Jobs = append(sc.Jobs, sj)
		}
		for aid, a := range c.t.arrays {
			if a.rng != nil {
				sc.Ranges = append(sc.Ranges, savedRange{ID: aid, Start: a.rng.start, End: a.rng.end, Step: a.rng.step})
			}
		}
		for tid := range c.t.tombstones {
			sc.Tombstones = append(sc.Tombstones, tid)
		}
		st.Clusters = append(st.Clusters, sc)
	}
	return st
}

// restoreLocked reads the state file, if any, into the configured clusters.
func (p *Poller) restoreLocked() {
	if p.opts.StatePath == "" {
		return
	}
	var st savedState
	err := statefile.Read(p.opts.StatePath, stateKind, stateVersion, &st)
	switch {
	case errors.Is(err, os.ErrNotExist):
		level.Info(p.logger).Log("msg", "no state file yet; every job is described once", "path", p.opts.StatePath)
		return
	case err != nil:
		level.Warn(p.logger).Log("msg", "ignoring the state file; every job is described once", "err", err)
		return
	}
	now := p.opts.Now()
	if a := p.opts.Analytics; a != nil && len(st.Analytics) > 0 {
		if err := a.Import(st.Analytics); err != nil {
			level.Warn(p.logger).Log("msg", "ignoring the analytics of the state file; the counts start afresh", "err", err)
		}
	}
	jobs := 0
	for _, sc := range st.Clusters {
		c := p.clusters[sc.ID]
		if c == nil {
			continue // no longer configured
		}
		jobs += c.t.restore(sc, now)
	}
	p.saved.last = now
	level.Info(p.logger).Log("msg", "restored the state file", "path", p.opts.StatePath, "jobs", jobs, "saved", st.Saved.UTC().Format(time.RFC3339))
}

// restore takes one cluster's saved jobs, ranges and tombstones, and returns
// how many jobs it took.
func (t *targets) restore(sc savedCluster, now time.Time) int {
	for _, tid := range sc.Tombstones {
		if j := t.jobs[tid]; j == nil || !j.attempted {
			t.bury(tid) // admitted by the configuration a moment ago, not yet asked
		}
	}
	for _, r := range sc.Ranges {
		if a := t.arrays[r.ID]; a != nil && a.rng == nil {
			rng := arrayRange{start: r.Start, end: r.End, step: r.Step}
			if v, err := rng.validate(); err == nil {
				a.rng = &v
			}
		}
	}
	t.reconcile(now, false) // the siblings of the restored ranges
	n := 0
	for _, sj := range sc.Jobs {
		if _, dead := t.tombstones[sj.ID]; dead || !t.shard.owns(t.clusterID, sj.ID) {
			continue
		}
		j := t.jobs[sj.ID]
		switch {
		case j == nil && sj.Source == collector.SourceDiscovered && t.discovery:
			j = &jobState{task: task{id: sj.ID}, source: sj.Source, restored: true}
			t.jobs[sj.ID] = j
		case j == nil || j.attempted:
			continue // no longer wanted, or already known better
		}
		j.class, j.parent, j.attempted, j.kept = sj.Class, sj.Parent, sj.Attempted, sj.Kept
		j.terminalSince = sj.TerminalSince
		snap := &collector.JobSnapshot{Info: sj.Info, LastSuccess: sj.LastSuccess, PollErrors: sj.PollErrors,
			LastErrorCode: sj.LastErrorCode, LastErrorMessage: sj.LastErrorMessage}
		t.set(j, snap)
		t.ag.drop(&j.task)
		j.fresh = false
		switch {
		case j.parent || j.class == collector.ClassFrozen:
		case j.class == collector.ClassBacklog:
			t.ag.toBacklog(&j.task, j.terminalSince)
		case j.class == collector.ClassFinal:
			t.ag.schedule(&j.task, now)
		default:
			// Oldest data first; /-/ready waits for a describe by this process.
			j.class, j.fresh = collector.ClassActive, true
			due := now
			if !sj.LastSuccess.IsZero() && sj.LastSuccess.Add(t.opts.Interval).Before(now) {
				due = sj.LastSuccess.Add(t.opts.Interval)
			}
			t.set(j, j.derive())
			t.ag.schedule(&j.task, due)
		}
		j.since = now
		if !sj.LastSuccess.IsZero() {
			j.since = sj.LastSuccess
		}
		n++
	}
	t.reconcile(now, false)
	t.expire(now)
	return n
}
