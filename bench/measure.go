package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/poller"
)

// measure runs the whole experiment. It returns what it measured so far even
// when it fails part way, so the figures it has are still printed.
func measure(ctx context.Context, o options, progress io.Writer) (*report, error) {
	say := func(format string, args ...any) { fmt.Fprintf(progress, "... "+format+"\n", args...) }
	rep := &report{opts: o, machine: describeMachine()}

	tmp, err := os.MkdirTemp("", "ehpc-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	bin := o.exporterBin
	if bin == "" {
		say("building the exporter")
		start := time.Now()
		if bin, err = buildExporter(ctx, tmp); err != nil {
			return nil, err
		}
		rep.build = time.Since(start)
	}

	simCtx, stopSim := context.WithCancel(context.Background())
	defer stopSim()
	w, err := startWorld(simCtx, o)
	if err != nil {
		return nil, err
	}
	rep.world = w
	rep.limit = poller.FreshnessLimit(w.activeJobs(), w.pages(), o.rps, o.interval)
	rep.listing = poller.ListingPeriod(w.pages(), o.rps, o.interval)
	r := &runner{ctx: ctx, o: o, w: w, rep: rep, say: say,
		bin: bin, config: filepath.Join(tmp, "config.yml"), storage: filepath.Join(tmp, "state")}
	if err := os.WriteFile(r.config, []byte(exporterConfig(w, o)), 0o600); err != nil {
		return nil, err
	}
	if err := os.Mkdir(r.storage, 0o700); err != nil {
		return nil, err
	}

	say("starting the exporter on %d jobs (%d active) in %d cluster(s), %g requests/s", w.totalJobs(), w.activeJobs(), len(w.clusters), o.rps)
	if rep.ready, err = r.start(); err != nil {
		return rep, err
	}
	defer func() { _ = r.e.stop() }()
	rep.toReady = spend(w.log.since(0), nil, w.finished)
	r.memory("at ready")

	for _, phase := range []struct {
		what string
		run  func() error
	}{
		{"measuring the active jobs' data age", r.freshness},
		{"waiting for the finished backlog", r.drain},
		{"counting steady intervals", r.steady},
		{"timing a state change", r.stateChange},
		{fmt.Sprintf("timing %d scrapes with gzip and %d without", o.scrapes, o.scrapes), r.scrapeLatency},
		{"restarting the exporter on its state file", r.restartCost},
	} {
		say("%s", phase.what)
		if err := phase.run(); err != nil {
			return rep, err
		}
	}
	if !o.restart {
		_, rep.peakRSS, rep.rssErr = r.e.memory()
	}
	return rep, nil
}

// runner holds what the phases of one run share.
type runner struct {
	ctx context.Context
	o   options
	w   *world
	rep *report
	say func(string, ...any)
	e   *exporter
	sc  *scraper

	bin, config, storage string
	started              time.Time // when the running process was started
}

// start runs the exporter and waits until it is ready, returning how long
// that took.
func (r *runner) start() (time.Duration, error) {
	r.started = time.Now()
	e, err := startExporter(r.bin, r.config, r.storage)
	if err != nil {
		return 0, err
	}
	r.e, r.rep.exporter = e, e
	r.sc = newScraper(e.base)
	if err := e.waitReady(r.ctx); err != nil {
		return 0, err
	}
	return time.Since(r.started), nil
}

// memory notes the exporter's memory at a point of the run, to tell which
// phase sets the peak.
func (r *runner) memory(when string) {
	if rss, peak, err := r.e.memory(); err == nil {
		r.rep.memory = append(r.rep.memory, memoryPoint{when, rss, peak})
	}
}

// wait lets the exporter work for d, or less when the run's bound or the
// process ends first. The harness measures over time here; it does not
// wait for a condition.
func (r *runner) wait(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-r.ctx.Done():
		return r.ctx.Err()
	case <-r.e.proc.Done():
		return fmt.Errorf("the exporter exited: %v", r.e.proc.Err())
	}
}

// freshness measures the worst data age of the active jobs over a window
// long enough for every one of them to be described a few times.
func (r *runner) freshness() error {
	win := r.o.window
	if win == 0 {
		win = max(3*r.rep.limit, 3*r.o.interval)
	}
	if deadline, ok := r.ctx.Deadline(); ok {
		// Leave the later phases a fifth of what is left.
		win = min(win, time.Until(deadline)*4/5)
	}
	from := time.Now()
	if err := r.wait(win); err != nil {
		return err
	}
	to := time.Now()
	calls := r.w.log.since(0)
	r.rep.fresh = dataAge(calls, r.w.active, r.started, from, to)
	r.rep.window = spend(callsBefore(calls, to), nil, r.w.finished).minus(spend(callsBefore(calls, from), nil, r.w.finished))
	r.memory("after the window")
	return nil
}

// drain waits, at most -drain, for every job to have been described once,
// and otherwise says how long the rest would take at the rate seen.
func (r *runner) drain() error {
	total := r.w.totalJobs()
	deadline := time.Now().Add(r.o.drain)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		calls := r.w.log.since(0)
		done := len(described(calls))
		if done == total {
			r.rep.drained = time.Since(r.started)
			r.rep.toComplete = spend(calls, nil, r.w.finished)
			return nil
		}
		if time.Now().After(deadline) || r.ctx.Err() != nil {
			r.rep.notDrained = total - done
			r.rep.toComplete = spend(calls, nil, r.w.finished)
			// The backlog's pace over the window and the drain wait.
			if rate := r.backlogRate(calls); rate > 0 {
				r.rep.drainETA = time.Duration(float64(total-done) / rate * float64(time.Second))
			}
			return nil
		}
		select {
		case <-r.ctx.Done():
		case <-r.e.proc.Done():
			return fmt.Errorf("the exporter exited: %v", r.e.proc.Err())
		case <-tick.C:
		}
	}
}

// backlogRate is the finished jobs described for the first time per second
// since the start of the freshness window.
func (r *runner) backlogRate(calls []call) float64 {
	from := r.started.Add(r.rep.ready)
	seen := described(callsBefore(calls, from))
	n := 0
	for _, c := range callsBetween(calls, from, time.Now()) {
		k := jobKey{c.Cluster, c.Job}
		if !c.List && c.OK && !seen[k] && r.w.finished(k) {
			seen[k] = true
			n++
		}
	}
	return float64(n) / time.Since(from).Seconds()
}

// steadyWalks is how many listing walks the steady count spans.
const steadyWalks = 3

// steady counts the calls of three intervals once the backlog is gone and
// the budget keeps up: each should make one listing walk and one describe
// per active job. The count runs from the start of one walk of the first
// cluster to the start of its third walk after, so that it holds exactly
// three walks whatever the phase of the schedule.
func (r *runner) steady() error {
	if r.rep.notDrained > 0 || r.rep.limit > r.o.interval+r.rep.walk() {
		r.say("skipped: the backlog is not drained or the budget does not keep up with the interval")
		return nil
	}
	from := r.w.log.mark()
	deadline := time.Now().Add(time.Duration(steadyWalks+2) * r.rep.listing)
	for time.Now().Before(deadline) {
		if err := r.wait(r.o.interval / 10); err != nil {
			return err
		}
		calls := r.w.log.since(from)
		var starts []int
		for i, c := range calls {
			if c.List && c.Page == 1 && c.Cluster == r.w.clusters[0].ID {
				starts = append(starts, i)
			}
		}
		if len(starts) > steadyWalks {
			span := calls[starts[0]:starts[steadyWalks]]
			s := spend(span, nil, r.w.finished)
			r.rep.steadyPerInterval = float64(s.total()) / steadyWalks
			return nil
		}
	}
	return fmt.Errorf("fewer than %d listing walks began in %s", steadyWalks+1, time.Duration(steadyWalks+2)*r.rep.listing)
}

// stateChange finishes the watched job right after the exporter has read it
// as running, and times how long /metrics takes to show it finished. It also
// notes when the exporter asked for the job again, which tells whether the
// listing or the describe brought the change.
func (r *runner) stateChange() error {
	job := r.w.watched
	key := jobKey{job.ClusterID, job.JobID}
	changed := make(chan time.Time, 1)
	described := make(chan time.Time, 1)
	r.w.log.afterNextDescribe(key, func() {
		r.w.finishWatchedJob()
		changed <- time.Now()
		r.w.log.afterNextDescribe(key, func() { described <- time.Now() })
	})
	bound := r.rep.limit + r.rep.listing + 10*time.Second
	var at time.Time
	select {
	case at = <-changed:
	case <-time.After(bound):
		return fmt.Errorf("job %s of cluster %s was not described within %s", job.JobID, job.ClusterID, bound)
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
	// Uncompressed scrapes a little apart: cheap for the exporter and for
	// the harness, so that looking does not slow down what is looked at.
	want := []byte(fmt.Sprintf("ehpc_serverless_job_state{cluster_id=%q,job_id=%q,state=%q} 1\n", job.ClusterID, job.JobID, job.To))
	deadline := at.Add(2*r.rep.listing + 10*time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		s, err := r.sc.get(r.ctx, false)
		if err != nil {
			return err
		}
		if bytes.Contains(s.Body, want) {
			r.rep.changeVisible = time.Since(at)
			select {
			case t := <-described:
				r.rep.changeDescribed = t.Sub(at)
			default:
			}
			return nil
		}
		select {
		case <-r.ctx.Done():
			return r.ctx.Err()
		case <-tick.C:
		}
	}
	r.rep.changeMissing = true
	return nil
}

func (r *runner) scrapeLatency() error {
	r.memory("before the scrapes")
	for _, gz := range []bool{true, false} {
		var lat latencies
		for range r.o.scrapes {
			s, err := r.sc.get(r.ctx, gz)
			if err != nil {
				return err
			}
			lat = append(lat, s.Took)
			if gz {
				r.rep.gzipBytes = s.WireSize
			} else {
				r.rep.plainBytes = s.WireSize
				r.rep.series = seriesCount(s.Body)
				r.rep.perJob = costPerJob(s.Body, r.w.isActive)
				r.rep.families = costPerFamily(s.Body)
			}
		}
		if gz {
			r.rep.gzipLatency = lat
		} else {
			r.rep.plainLatency = lat
		}
	}
	r.memory("after the scrapes")
	return nil
}

// restartCost stops the exporter, which writes its state file, starts it
// again on the file and counts the calls until it is ready: the listing,
// the active jobs, and whatever it asks again that the file should have
// spared it.
func (r *runner) restartCost() error {
	if !r.o.restart {
		return nil
	}
	// The first process's peak is the one the targets are about.
	_, r.rep.peakRSS, r.rep.rssErr = r.e.memory()
	if err := r.e.stop(); err != nil {
		return fmt.Errorf("stop the exporter for the restart: %w", err)
	}
	if fi, err := stateFileSize(r.storage); err == nil {
		r.rep.stateFileBytes = fi
	}
	before := r.w.log.mark()
	known := described(r.w.log.since(0))
	var err error
	if r.rep.restartReady, err = r.start(); err != nil {
		return err
	}
	r.rep.restart = spend(r.w.log.since(before), known, r.w.finished)
	r.rep.restarted = true
	s, err := r.sc.get(r.ctx, false)
	if err != nil {
		return err
	}
	r.rep.restartSeries = seriesCount(s.Body)
	r.rep.restartFamilies = costPerFamily(s.Body)
	r.memory("after the restart")
	return nil
}

// callsBefore and callsBetween cut the log by time.
func callsBefore(calls []call, t time.Time) []call {
	for i, c := range calls {
		if !c.At.Before(t) {
			return calls[:i]
		}
	}
	return calls
}

func callsBetween(calls []call, from, to time.Time) []call {
	rest := calls[len(callsBefore(calls, from)):]
	return callsBefore(rest, to)
}

// stateFileSize is the size of the state file the exporter keeps in dir.
func stateFileSize(dir string) (int64, error) {
	m, err := filepath.Glob(filepath.Join(dir, "*.json.gz"))
	if err != nil || len(m) != 1 {
		return 0, fmt.Errorf("state file in %s: found %d (%v)", dir, len(m), err)
	}
	fi, err := os.Stat(m[0])
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
