package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

// The key the harness's simulator accepts; it guards nothing but made-up data
// on a loopback port.
const (
	benchKeyID  = "LTAIbenchharness"
	benchSecret = "bench-harness-secret-not-a-real-key"
)

// changeAt is when, in simulated time after the epoch, the watched job
// changes state. The harness jumps the clock there; every other active job
// of a generated scenario runs for about a day, so nothing else changes
// state on the way.
const changeAt = 6 * time.Hour

// clusterInfo is what the harness knows about one generated cluster.
type clusterInfo struct {
	ID     string
	Jobs   int
	Active int // not finished at the epoch
}

// listPages is the number of ListServerlessJobs pages of 100 that cover the
// cluster: the least any client that finds jobs by listing must read.
func (c clusterInfo) listPages() int {
	return max(1, (c.Jobs+99)/100)
}

// watchedJob is the active job whose state change the harness times.
type watchedJob struct {
	ClusterID, JobID string
	From, To         string
}

// world is the simulator the exporter polls, served on loopback.
type world struct {
	sim      *simulator.Simulator
	clock    *jumpClock
	log      *callLog
	active   []jobKey // not finished at the epoch
	isActive map[jobKey]bool
	endpoint string
	clusters []clusterInfo
	watched  watchedJob
	done     chan error
}

// startWorld generates the scenario, picks the watched job, and serves the
// simulator on 127.0.0.1 until ctx ends.
func startWorld(ctx context.Context, o options) (*world, error) {
	epoch := time.Now().Truncate(time.Second)
	sc := simulator.Generate(simulator.GenerateOptions{
		Jobs:           o.jobs,
		ActiveFraction: o.active,
		Clusters:       o.clusters,
		Seed:           o.seed,
		Epoch:          epoch,
	})
	w := &world{clock: newJumpClock(epoch), done: make(chan error, 1), isActive: map[jobKey]bool{}}
	for _, c := range sc.Clusters {
		info := clusterInfo{ID: c.ID, Jobs: len(c.Jobs)}
		for _, j := range c.Jobs {
			if lastPhaseAt(j) > 0 {
				info.Active++
				k := jobKey{c.ID, j.ID}
				w.active = append(w.active, k)
				w.isActive[k] = true
			}
		}
		w.clusters = append(w.clusters, info)
	}
	watched, err := watchOneJob(sc)
	if err != nil {
		return nil, err
	}
	w.watched = watched

	w.sim, err = simulator.New(simulator.Options{
		Scenario: sc,
		Keys:     map[string]simulator.Key{benchKeyID: {Secret: benchSecret}},
		Clock:    w.clock,
	})
	if err != nil {
		return nil, err
	}
	w.log = newCallLog(w.sim)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("simulator: %w", err)
	}
	w.endpoint = "http://" + ln.Addr().String()
	go func() { w.done <- serveHandler(ctx, ln, w.log) }()
	return w, nil
}

// lastPhaseAt is when the job's last phase starts, relative to the epoch.
func lastPhaseAt(j simulator.Job) time.Duration {
	if len(j.Timeline) == 0 {
		return j.Submit
	}
	return j.Submit + j.Timeline[len(j.Timeline)-1].At
}

// watchOneJob moves the end of one running job of the first cluster to
// changeAt, so that the harness decides when it finishes.
func watchOneJob(sc *simulator.Scenario) (watchedJob, error) {
	if len(sc.Clusters) == 0 {
		return watchedJob{}, errors.New("the generated scenario has no cluster")
	}
	c := &sc.Clusters[0]
	for i := range c.Jobs {
		j := &c.Jobs[i]
		n := len(j.Timeline)
		// Running well before the epoch, finishing long after changeAt.
		if n < 2 || lastPhaseAt(*j) <= changeAt || j.Submit+j.Timeline[n-2].At > -time.Minute ||
			j.Timeline[n-2].State != simulator.StateRunning {
			continue
		}
		j.Timeline[n-1] = simulator.Phase{At: changeAt - j.Submit, State: simulator.StateSucceeded}
		return watchedJob{ClusterID: c.ID, JobID: j.ID, From: simulator.StateRunning, To: simulator.StateSucceeded}, nil
	}
	return watchedJob{}, fmt.Errorf("cluster %s has no job running before the epoch; raise -jobs or -active", c.ID)
}

// activeJobs is the number of jobs not finished when the run starts, over
// all clusters.
func (w *world) activeJobs() int {
	n := 0
	for _, c := range w.clusters {
		n += c.Active
	}
	return n
}

func (w *world) totalJobs() int {
	n := 0
	for _, c := range w.clusters {
		n += c.Jobs
	}
	return n
}

// pages is the number of list pages of one walk over every cluster.
func (w *world) pages() int {
	n := 0
	for _, c := range w.clusters {
		n += c.listPages()
	}
	return n
}

// finished reports whether a job had ended when the run started.
func (w *world) finished(k jobKey) bool { return !w.isActive[k] }

// finishWatchedJob jumps the simulated clock to the watched job's change.
func (w *world) finishWatchedJob() {
	w.clock.jumpTo(w.sim.Epoch().Add(changeAt + time.Second))
}

// jumpClock runs at real speed from the epoch, and can be moved forward at
// once: the jobs live realistically while the harness polls them, and one
// state change happens exactly when the harness wants it.
type jumpClock struct {
	origin time.Time
	start  time.Time
	jump   atomic.Int64
}

func newJumpClock(origin time.Time) *jumpClock {
	return &jumpClock{origin: origin, start: time.Now()}
}

// Now is the simulated time.
func (c *jumpClock) Now() time.Time {
	return c.origin.Add(time.Since(c.start) + time.Duration(c.jump.Load()))
}

// jumpTo moves the clock forward to t; it never moves it back.
func (c *jumpClock) jumpTo(t time.Time) {
	if d := t.Sub(c.Now()); d > 0 {
		c.jump.Add(int64(d))
	}
}
