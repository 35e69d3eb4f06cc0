package blackbox

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/proctest"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/poller"
)

// The scale rig runs the real poller with the real client against the real
// simulator serving a generated world, over loopback HTTP. The simulator's
// clock is a manual one and the poller reads the same clock, so every job's
// state, submit time and end time is known exactly at every cycle, and so is
// the least number of calls a cycle can make.

const (
	scaleKeyID  = "LTAIscalerig"
	scaleSecret = "scale-rig-secret-5e0b7a"
	// scaleStep is how far the simulated clock moves between two cycles.
	scaleStep = 30 * time.Second
)

type scaleRig struct {
	tb    testing.TB
	sc    *simulator.Scenario
	sim   *simulator.Simulator
	clock *simulator.ManualClock
	store *collector.Store
	reg   *prometheus.Registry
	p     *poller.Poller
}

// newScaleRig serves sc and polls every cluster of it with discovery d.
func newScaleRig(tb testing.TB, sc *simulator.Scenario, d poller.DiscoverySpec, retention time.Duration) *scaleRig {
	tb.Helper()
	clock := simulator.NewManualClock(sc.Epoch)
	sim, err := simulator.New(simulator.Options{
		Scenario: sc,
		Keys:     map[string]simulator.Key{scaleKeyID: {Secret: scaleSecret}},
		Clock:    clock,
	})
	if err != nil {
		tb.Fatalf("simulator: %v", err)
	}
	srv := httptest.NewServer(sim)
	tb.Cleanup(srv.Close)
	api, err := client.New(client.Options{
		Endpoint:         srv.URL,
		RegionID:         "cn-hangzhou",
		Credential:       client.StaticCredential{AccessKeyID: scaleKeyID, AccessKeySecret: scaleSecret},
		CredentialSource: "the scale rig's key",
		Timeout:          time.Minute,
		Concurrency:      8,
	})
	if err != nil {
		tb.Fatalf("client: %v", err)
	}
	store, err := collector.NewStore(collector.StoreOptions{})
	if err != nil {
		tb.Fatalf("store: %v", err)
	}
	var specs []poller.ClusterSpec
	for _, c := range sc.Clusters {
		dc := d
		specs = append(specs, poller.ClusterSpec{ClusterID: c.ID, RegionID: "cn-hangzhou", API: api, Account: "acct", Discovery: &dc})
	}
	reg := prometheus.NewRegistry()
	p, err := poller.New(store, poller.Options{
		// One step of the clock is one interval, so every active job is due
		// again at each cycle. Calls get a real-time bound generous enough
		// for a slow machine under the race detector.
		Interval:    scaleStep,
		Settle:      2 * time.Minute,
		CallTimeout: 10 * time.Minute,
		Retention:   retention,
		Concurrency: 8,
		Now:         clock.Now,
		Registerer:  reg,
	}, specs)
	if err != nil {
		tb.Fatalf("poller: %v", err)
	}
	return &scaleRig{tb: tb, sc: sc, sim: sim, clock: clock, store: store, reg: reg, p: p}
}

// cycle moves the clock one step, runs one cycle of every cluster and
// returns the calls the simulator answered during it, and how many of them
// were not 200 OK.
func (r *scaleRig) cycle() (describes, lists, failed int64) {
	r.tb.Helper()
	r.clock.Advance(scaleStep)
	before := r.sim.Calls()
	d0, l0 := r.spent()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	r.p.RunDue(ctx)
	// The simulator counts a call once its answer is written, which can be
	// just after the client has read it: wait until it has counted every
	// call the poller made (the rig makes no retries).
	d1, l1 := r.spent()
	var after simulator.CallCounts
	proctest.Eventually(r.tb, time.Minute, time.Millisecond, "the simulator to count every call", func() (bool, string) {
		after = r.sim.Calls()
		return after.Total-before.Total == int64(d1-d0+l1-l0), fmt.Sprintf("%d calls counted, %v made", after.Total-before.Total, d1-d0+l1-l0)
	})
	describes = after.Count(simulator.ActionDescribeServerlessJobs, "") - before.Count(simulator.ActionDescribeServerlessJobs, "")
	lists = after.Count(simulator.ActionListServerlessJobs, "") - before.Count(simulator.ActionListServerlessJobs, "")
	failed = (after.Total - after.Count("", "OK")) - (before.Total - before.Count("", "OK"))
	return describes, lists, failed
}

// elapsed is the simulated time since the epoch.
func (r *scaleRig) elapsed() time.Duration { return r.clock.Now().Sub(r.sc.Epoch) }

// jobEnd is when a job's last phase begins, from the epoch.
func jobEnd(j simulator.Job) time.Duration {
	return j.Submit + j.Timeline[len(j.Timeline)-1].At
}

// expect sums, over the clusters, the jobs keep selects and the pages of 100
// that list the jobs visible to discovery.
func (r *scaleRig) expect(visible, keep func(simulator.Job) bool) (ids map[collector.JobKey]bool, pages int64) {
	ids = map[collector.JobKey]bool{}
	for _, c := range r.sc.Clusters {
		n := int64(0)
		for _, j := range c.Jobs {
			if !visible(j) {
				continue
			}
			n++
			if keep(j) {
				ids[collector.JobKey{ClusterID: c.ID, JobID: j.ID}] = true
			}
		}
		pages += max(1, (n+99)/100)
	}
	return ids, pages
}

func (r *scaleRig) wantStored(want map[collector.JobKey]bool) {
	r.tb.Helper()
	got := r.store.Keys()
	var missing, extra []collector.JobKey
	for _, k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	for k := range want {
		if !slices.Contains(got, k) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 || len(extra) > 0 {
		r.tb.Fatalf("stored %d jobs, want %d: missing %d (e.g. %v), extra %d (e.g. %v)",
			len(got), len(want), len(missing), head(missing), len(extra), head(extra))
	}
}

func head(keys []collector.JobKey) []collector.JobKey { return keys[:min(len(keys), 3)] }

// classes counts the stored jobs by polling class.
func (r *scaleRig) classes() map[collector.Class]int {
	out := map[collector.Class]int{}
	for _, s := range r.store.All() {
		out[s.Class]++
	}
	return out
}

func (r *scaleRig) exposition() string {
	r.tb.Helper()
	var b bytes.Buffer
	if _, err := r.store.WriteTo(&b); err != nil {
		r.tb.Fatal(err)
	}
	return b.String()
}

// scheduled is what the poller says it has spent on a cluster so far, by
// work (list, describe, urgent, backlog, probe), as its own metrics show it.
func (r *scaleRig) scheduled(clusterID, work string) float64 {
	r.tb.Helper()
	series := fmt.Sprintf("ehpc_serverless_exporter_scheduled_calls_total{cluster_id=%q,work=%q}", clusterID, work)
	v, ok := gatherSamples(r.tb, r.reg).get(series)
	if !ok {
		r.tb.Fatalf("the poller's registry lacks %s", series)
	}
	return v
}

// spent sums scheduled over the clusters: list pages, and every describe.
func (r *scaleRig) spent() (describes, lists float64) {
	for _, c := range r.sc.Clusters {
		lists += r.scheduled(c.ID, "list")
		for _, w := range []string{"describe", "urgent", "backlog", "probe"} {
			describes += r.scheduled(c.ID, w)
		}
	}
	return describes, lists
}

// Every job is described once, a job that finished long ago never again,
// and from then on each interval costs exactly one call per list page and
// one describe per unfinished job: the lower bound. Jobs that finish later,
// once they have settled, are described once more and then never again.
func TestScaleSteadyStateCallsEqualTheLowerBound(t *testing.T) {
	if testing.Short() {
		t.Skip("polls 2,000 simulated jobs over HTTP")
	}
	sc := simulator.Generate(simulator.GenerateOptions{Jobs: 2000, Clusters: 2, Seed: 5})
	r := newScaleRig(t, sc, poller.DiscoverySpec{}, 30*24*time.Hour)
	all := func(simulator.Job) bool { return true }
	everyJob, pages := r.expect(all, all)
	if len(everyJob) != 2000 || pages != 20 {
		t.Fatalf("generated %d jobs over %d pages, want 2000 and 20", len(everyJob), pages)
	}
	active := func(j simulator.Job) bool { return jobEnd(j) > r.elapsed() }

	// The first interval describes every job once: the finished ones ended
	// hours ago, so their first answer is final.
	d, l, f := r.cycle()
	if d != 2000 || l != pages || f != 0 {
		t.Fatalf("first interval: %d describes, %d list pages, %d failed; want 2000, %d, 0", d, l, f, pages)
	}
	r.wantStored(everyJob)

	for k := 2; k <= 4; k++ {
		running, _ := r.expect(all, active)
		gd0, gl0 := r.spent()
		d, l, f := r.cycle()
		if d != int64(len(running)) || l != pages || f != 0 {
			t.Fatalf("steady interval %d: %d describes + %d list pages (%d failed), want the lower bound %d + %d",
				k, d, l, f, len(running), pages)
		}
		gd, gl := r.spent()
		if gd-gd0 != float64(d) || gl-gl0 != float64(l) {
			t.Fatalf("steady interval %d: the scheduled_calls counters say %v describes and %v list pages, the simulator %d and %d", k, gd-gd0, gl-gl0, d, l)
		}
		if c := r.classes(); c[collector.ClassActive] != len(running) || c[collector.ClassFrozen] != 2000-len(running) {
			t.Fatalf("steady interval %d: classes %v, want %d active and %d frozen", k, c, len(running), 2000-len(running))
		}
	}

	// A day later every generated job has finished, hours before: one more
	// describe each, final at once, then only the listing is read.
	running, _ := r.expect(all, active)
	r.clock.Advance(25 * time.Hour)
	for k, want := range []int64{int64(len(running)), 0, 0} {
		d, l, f := r.cycle()
		if d != want || l != pages || f != 0 {
			t.Fatalf("interval %d after the active jobs finished: %d describes, %d list pages, %d failed; want %d, %d, 0", k+1, d, l, f, want, pages)
		}
	}
	if c := r.classes(); c[collector.ClassFrozen] != 2000 {
		t.Fatalf("classes %v after every job finished, want 2000 frozen", c)
	}
	r.wantStored(everyJob)
}

// With a submit-time window, listed jobs come as they are submitted. A job
// that ages out of the window leaves the listing: a running one goes after
// one more describe, a finished one stays until its retention ends, and its
// series go with it.
func TestScaleDiscoveredJobsAppearAndAgeOut(t *testing.T) {
	if testing.Short() {
		t.Skip("polls 1,000 simulated jobs over HTTP")
	}
	sc := simulator.Generate(simulator.GenerateOptions{Jobs: 1000, Seed: 9})
	cl := &sc.Clusters[0]
	running := []simulator.Phase{{At: 0, State: simulator.StatePending}, {At: time.Minute, State: simulator.StateRunning}}
	cl.Jobs = append(cl.Jobs, simulator.Job{ID: "late", Name: "late", Queue: "comp", User: "u", Submit: 90 * time.Minute, Timeline: running},
		// Still running when it leaves the window two hours in.
		simulator.Job{ID: "leaver", Name: "leaver", Queue: "comp", User: "u", Submit: -330 * time.Minute,
			Timeline: append(slices.Clone(running), simulator.Phase{At: 48 * time.Hour, State: simulator.StateSucceeded})})
	const window, retention = 6 * time.Hour, 12 * time.Hour
	r := newScaleRig(t, sc, poller.DiscoverySpec{SubmittedWithin: window}, retention)
	inWindow := func(j simulator.Job) bool {
		now := r.elapsed()
		return j.Submit <= now && now-j.Submit <= window
	}
	finished := func(j simulator.Job) bool { return jobEnd(j) <= r.elapsed() }
	retained := func(j simulator.Job) bool { return !finished(j) || r.elapsed()-jobEnd(j) <= retention }
	seen := map[string]bool{}
	// want: listed and not past retention, or seen before, finished and
	// still within retention.
	want := func(j simulator.Job) bool {
		if inWindow(j) {
			return retained(j)
		}
		return seen[j.ID] && finished(j) && retained(j)
	}
	remember := func(ids map[collector.JobKey]bool) {
		for k := range ids {
			seen[k.JobID] = true
		}
	}

	r.cycle()
	first, _ := r.expect(inWindow, want)
	if len(first) < 50 || len(first) > 500 {
		t.Fatalf("%d jobs in the first window; the test wants a partial set", len(first))
	}
	r.wantStored(first)
	remember(first)
	if first[collector.JobKey{ClusterID: cl.ID, JobID: "late"}] {
		t.Fatal("a job not yet submitted is expected")
	}

	r.clock.Advance(2 * time.Hour)
	r.cycle()
	all := func(simulator.Job) bool { return true }
	second, _ := r.expect(all, want)
	r.wantStored(second)
	remember(second)
	if !second[collector.JobKey{ClusterID: cl.ID, JobID: "late"}] {
		t.Fatal("the job submitted meanwhile is not expected")
	}
	text := r.exposition()
	if !strings.Contains(text, `job_id="late"`) {
		t.Error("the newly submitted job has no series")
	}
	gone, kept := 0, 0
	for k := range first {
		switch {
		case !second[k]:
			gone++
			if strings.Contains(text, fmt.Sprintf("job_id=%q", k.JobID)) {
				t.Fatalf("job %s left the window and its retention but still has series", k.JobID)
			}
		case !inWindow(jobByID(cl, k.JobID)):
			kept++ // left the window finished, within its retention
		}
	}
	if gone == 0 || kept == 0 {
		t.Fatalf("%d jobs went and %d left the window but stayed; the test wants both", gone, kept)
	}
}

func jobByID(c *simulator.Cluster, id string) simulator.Job {
	for _, j := range c.Jobs {
		if j.ID == id {
			return j
		}
	}
	return simulator.Job{}
}

// Finished jobs leave after the retention period, series included, and are
// not described again while they are still listed.
func TestScaleRetentionRemovesSeries(t *testing.T) {
	if testing.Short() {
		t.Skip("polls 1,000 simulated jobs over HTTP")
	}
	sc := simulator.Generate(simulator.GenerateOptions{Jobs: 1000, Seed: 13})
	const retention = 24 * time.Hour
	r := newScaleRig(t, sc, poller.DiscoverySpec{}, retention)
	all := func(simulator.Job) bool { return true }
	active := func(j simulator.Job) bool { return jobEnd(j) > r.elapsed() }
	kept := func(j simulator.Job) bool { return r.elapsed()-jobEnd(j) <= retention }

	// Every job is described once; the ones past retention never reach the
	// store, and are not described again while they are still listed.
	r.cycle()
	everyJob, _ := r.expect(all, all)
	want, pages := r.expect(all, kept)
	r.wantStored(want)
	r.cycle()
	if len(want) == len(everyJob) || len(want) < 100 {
		t.Fatalf("%d of %d jobs within retention; the test wants a partial set", len(want), len(everyJob))
	}
	r.wantStored(want)
	text := r.exposition()
	for k := range everyJob {
		if !want[k] && strings.Contains(text, fmt.Sprintf("job_id=%q,", k.JobID)) {
			t.Fatalf("job %s ended more than %s ago but still has series", k.JobID, retention)
		}
	}
	running, _ := r.expect(all, active)
	for k := range 2 {
		d, l, _ := r.cycle()
		if d != int64(len(running)) || l != pages {
			t.Fatalf("cycle %d after retention: %d describes, %d list pages; want %d and %d", k+3, d, l, len(running), pages)
		}
	}
	r.wantStored(want)
}

// A compressed answer of a store of realistic size decodes, with the standard
// library's reader as Prometheus uses it, to exactly the uncompressed answer.
func TestScaleGzipAnswerIsTheIdentityAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("polls 1,000 simulated jobs over HTTP")
	}
	r := newScaleRig(t, simulator.Generate(simulator.GenerateOptions{Jobs: 1000, Seed: 3}), poller.DiscoverySpec{}, 30*24*time.Hour)
	r.cycle()
	srv := httptest.NewServer(collector.Handler(r.store, nil, nil))
	defer srv.Close()
	fetch := func(enc string) (string, []byte) {
		req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept-Encoding", enc)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.Header.Get("Content-Encoding"), b
	}
	_, plain := fetch("identity")
	ce, packed := fetch("gzip")
	if ce != "gzip" || len(packed) >= len(plain)/4 {
		t.Fatalf("gzip answer: Content-Encoding %q, %d bytes for %d plain", ce, len(packed), len(plain))
	}
	zr, err := gzip.NewReader(bytes.NewReader(packed))
	if err != nil {
		t.Fatal(err)
	}
	unpacked, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if len(plain) < 1<<20 || !bytes.Equal(unpacked, plain) {
		t.Fatalf("the gzip answer decodes to %d bytes that differ from the %d-byte identity answer", len(unpacked), len(plain))
	}
}
