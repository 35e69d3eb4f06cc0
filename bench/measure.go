package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
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
	cfg := filepath.Join(tmp, "config.yml")
	if err := os.WriteFile(cfg, []byte(exporterConfig(w, o)), 0o600); err != nil {
		return nil, err
	}

	say("starting the exporter on %d jobs (%d active) in %d cluster(s)", w.totalJobs(), w.activeJobs(), len(w.clusters))
	start := time.Now()
	e, err := startExporter(bin, cfg)
	if err != nil {
		return nil, err
	}
	rep.exporter = e
	defer e.stop()
	if err := e.waitReady(ctx); err != nil {
		return rep, err
	}
	rep.ready = time.Since(start)
	sc := newScraper(e.base)
	r := &runner{ctx: ctx, o: o, w: w, sc: sc, rep: rep, e: e}
	r.memory("at ready")

	say("ready after %s; waiting for the steady state", rep.ready.Round(time.Millisecond))
	if err := r.warmUp(); err != nil {
		return rep, err
	}
	r.memory("after the warm-up")
	say("counting %d steady cycles", o.cycles)
	if err := r.steadyCycles(); err != nil {
		return rep, err
	}
	r.memory("after the steady cycles")
	say("timing a state change")
	if err := r.stateChange(); err != nil {
		return rep, err
	}
	say("timing %d scrapes with gzip and %d without", o.scrapes, o.scrapes)
	if err := r.scrapeLatency(); err != nil {
		return rep, err
	}
	r.memory("after the scrapes")
	_, rep.peakRSS, rep.rssErr = e.memory()
	return rep, nil
}

// runner holds what the phases of one run share.
type runner struct {
	ctx context.Context
	o   options
	w   *world
	sc  *scraper
	rep *report
	e   *exporter
	k   int // the last cycle waited for
}

// memory notes the exporter's memory at a point of the run, to tell which
// phase sets the peak.
func (r *runner) memory(when string) {
	if rss, peak, err := r.e.memory(); err == nil {
		r.rep.memory = append(r.rep.memory, memoryPoint{when, rss, peak})
	}
}

// waitCycle waits until cycle k of every cluster is over, by the simulator's
// count of calls and by the exporter's own count of cycles, and returns the
// exporter's own samples read right after.
func (r *runner) waitCycle(k int) ([]sample, error) {
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	quiet := min(max(r.o.interval/10, 200*time.Millisecond), time.Second)
	for r.w.counter.started(r.w.clusters) < k || !r.w.counter.quietFor(quiet) {
		select {
		case <-r.ctx.Done():
			return nil, fmt.Errorf("waiting for poll cycle %d: %w", k, r.ctx.Err())
		case <-tick.C:
		}
	}
	for {
		s, err := r.sc.get(r.ctx, true)
		if err != nil {
			return nil, err
		}
		own, err := samplesOf(s.Body, "ehpc_serverless_exporter_")
		if err != nil {
			return nil, err
		}
		if r.cyclesDone(own) >= k {
			r.k = k
			return own, nil
		}
		select {
		case <-r.ctx.Done():
			return nil, fmt.Errorf("waiting for the exporter to finish poll cycle %d: %w", k, r.ctx.Err())
		case <-tick.C:
		}
	}
}

// cyclesDone is the fewest cycles any cluster has finished, by the exporter's
// poll duration histogram.
func (r *runner) cyclesDone(own []sample) int {
	done := -1
	for _, c := range r.w.clusters {
		v, n := sum(own, "ehpc_serverless_exporter_poll_duration_seconds_count", map[string]string{"cluster_id": c.ID})
		if n == 0 {
			return 0
		}
		if done < 0 || int(v) < done {
			done = int(v)
		}
	}
	return max(done, 0)
}

// cycleRecord is one cycle as the simulator counted it and as the exporter
// reported it.
type cycleRecord struct {
	N        int
	Sim      cycleCalls
	Exporter struct{ Describes, ListPages int }
	Exact    bool // the exporter's gauge was read before the next cycle ended
	Tracked  int
	Active   int // jobs in polling class active
	Final    int // jobs in polling class final
}

func (r *runner) record(k int, own []sample) cycleRecord {
	rec := cycleRecord{N: k, Sim: r.w.counter.cycle(r.w.clusters, k)}
	d, _ := sum(own, "ehpc_serverless_exporter_poll_cycle_api_calls", map[string]string{"action": client.ActionDescribeServerlessJobs})
	l, _ := sum(own, "ehpc_serverless_exporter_poll_cycle_api_calls", map[string]string{"action": client.ActionListServerlessJobs})
	rec.Exporter.Describes, rec.Exporter.ListPages = int(d), int(l)
	rec.Exact = r.cyclesDone(own) == k
	t, _ := sum(own, "ehpc_serverless_exporter_jobs_tracked", nil)
	a, _ := sum(own, "ehpc_serverless_exporter_jobs_by_poll_class", map[string]string{"class": "active"})
	f, _ := sum(own, "ehpc_serverless_exporter_jobs_by_poll_class", map[string]string{"class": "final"})
	rec.Tracked, rec.Active, rec.Final = int(t), int(a), int(f)
	return rec
}

// warmUp waits for the cycles after which every finished job is frozen and
// only the active ones are described.
func (r *runner) warmUp() error {
	for k := 1; k <= maxWarmupCycles; k++ {
		own, err := r.waitCycle(k)
		if err != nil {
			return err
		}
		rec := r.record(k, own)
		r.rep.warmup = append(r.rep.warmup, rec)
		if rec.Final == 0 && rec.Active == r.w.activeJobs() && rec.Tracked == r.w.totalJobs() {
			return nil
		}
	}
	r.rep.notSteady = true
	return nil
}

func (r *runner) steadyCycles() error {
	first := r.k + 1
	for k := first; k < first+r.o.cycles; k++ {
		own, err := r.waitCycle(k)
		if err != nil {
			return err
		}
		r.rep.steady = append(r.rep.steady, r.record(k, own))
	}
	return nil
}

// stateChange finishes the watched job right after the exporter has read it
// as running, and times how long /metrics takes to show it finished. It also
// notes when the exporter asked for the job again, which splits the delay
// into the wait for the next poll and the way from answer to /metrics.
func (r *runner) stateChange() error {
	job := r.w.watched
	changed := make(chan time.Time, 1)
	described := make(chan time.Time, 1)
	r.w.counter.afterNextDescribe(job.ClusterID, job.JobID, func() {
		r.w.finishWatchedJob()
		changed <- time.Now()
		r.w.counter.afterNextDescribe(job.ClusterID, job.JobID, func() { described <- time.Now() })
	})
	var at time.Time
	select {
	case at = <-changed:
	case <-time.After(2*r.o.interval + 10*time.Second):
		return fmt.Errorf("job %s of cluster %s was not described within two intervals", job.JobID, job.ClusterID)
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
	// Uncompressed scrapes a little apart: cheap for the exporter and for
	// the harness, so that looking does not slow down what is looked at.
	want := []byte(fmt.Sprintf("ehpc_serverless_job_state{cluster_id=%q,job_id=%q,state=%q} 1\n", job.ClusterID, job.JobID, job.To))
	deadline := at.Add(2*r.o.interval + 10*time.Second)
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
			}
		}
		if gz {
			r.rep.gzipLatency = lat
		} else {
			r.rep.plainLatency = lat
		}
	}
	return nil
}
