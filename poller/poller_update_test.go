package poller

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

func TestUpdateKeepsDataOfJobsThatStay(t *testing.T) {
	api := newFakeAPI()
	for _, id := range []string{"1", "2", "3", "4", "9"} {
		api.setJob(fakeJob(id, "Running"))
	}
	api.setJob(fakeJob("f", "Succeeded"))
	c2 := staticSpec(api, "9")
	c2.ClusterID = "c2"
	pt := newPollTest(t, Options{}, staticSpec(api, "1", "2", "3", "f"), c2)
	pt.cycle()
	pt.cycle()
	kept, frozen := pt.snap("c1", "1"), pt.snap("c1", "f")
	if frozen.Class != collector.ClassFrozen {
		t.Fatalf("setup: class %q, want frozen", frozen.Class)
	}

	if err := pt.p.Update([]ClusterSpec{staticSpec(api, "1", "4", "f")}); err != nil {
		t.Fatal(err)
	}
	// Removed ids and the removed cluster are gone at once.
	wantIDs(t, pt.ids("c1"), "1", "4", "f")
	wantIDs(t, pt.ids("c2"))
	if pt.snap("c1", "1") != kept || pt.snap("c1", "f") != frozen {
		t.Fatalf("jobs that stay must keep their snapshots")
	}
	if s := pt.snap("c1", "4"); s.Info != nil || s.Class != collector.ClassActive || s.Source != collector.SourceStatic {
		t.Fatalf("new job: %+v", s)
	}
	if got := testutil.CollectAndCount(pt.p.metrics.calls, "ehpc_serverless_exporter_scheduled_calls_total"); got != len(works) {
		t.Fatalf("%d scheduled_calls series after removing a cluster, want %d (c1's)", got, len(works))
	}

	api.resetCounts()
	pt.cycle()
	if api.calls("4") != 1 || api.calls("1") != 1 || api.calls("f") != 0 || api.calls("9") != 0 {
		t.Fatalf("after the update: describes %v; want 1 and 4 once, the frozen job and the removed cluster never", api.describeCalls)
	}
	if s := pt.snap("c1", "f"); s.Class != collector.ClassFrozen {
		t.Fatalf("a frozen job must stay frozen across an update, got %q", s.Class)
	}
}

func TestUpdateRejectsBadSpecsAndKeepsTheOld(t *testing.T) {
	api := newFakeAPI()
	api.setJob(fakeJob("1", "Running"))
	pt := newPollTest(t, Options{}, staticSpec(api, "1"))
	pt.cycle()
	err := pt.p.Update([]ClusterSpec{staticSpec(api, "1"), staticSpec(nil, "2")})
	if err == nil || !strings.Contains(err.Error(), `cluster "c1": listed twice`) {
		t.Fatalf("Update error = %v", err)
	}
	wantIDs(t, pt.ids("c1"), "1")
}

func TestReady(t *testing.T) {
	api := newFakeAPI()
	api.setJob(fakeJob("1", "Running"))
	c2 := staticSpec(api, "1")
	c2.ClusterID = "c2"
	pt := newPollTest(t, Options{}, staticSpec(api, "1"))
	if pt.p.Ready() {
		t.Fatalf("ready before any cycle")
	}
	api.setDescribeErr("1", errTestUnreachable)
	pt.cycle()
	if !pt.p.Ready() {
		t.Fatalf("not ready after every cluster finished a cycle (failures count as finished)")
	}
	if err := pt.p.Update([]ClusterSpec{staticSpec(api, "1"), c2}); err != nil {
		t.Fatal(err)
	}
	if pt.p.Ready() {
		t.Fatalf("ready while a new cluster has not finished a cycle")
	}
	pt.cycle()
	if !pt.p.Ready() {
		t.Fatalf("not ready after the new cluster's first cycle")
	}
	empty := newPollTest(t, Options{})
	if !empty.p.Ready() {
		t.Fatalf("a poller without clusters has nothing to wait for")
	}
}

// A reload's polling settings take effect: jobs are asked for at the new
// interval, and bad settings change nothing.
func TestReconfigureAppliesPollingSettings(t *testing.T) {
	api := newFakeAPI()
	api.setJob(fakeJob("1", "Running"))
	spec := staticSpec(api, "1")
	pt := newPollTest(t, Options{Interval: time.Minute}, spec)
	pt.cycle()
	opts := pt.p.opts
	opts.Interval = 10 * time.Second
	if err := pt.p.Reconfigure(opts, []ClusterSpec{spec}); err != nil {
		t.Fatal(err)
	}
	// The job's next describe was set at the old interval; the one after at
	// the new one.
	pt.clock.Add(time.Minute)
	pt.p.RunDue(t.Context())
	pt.clock.Add(10 * time.Second)
	pt.p.RunDue(t.Context())
	if n := api.calls("1"); n != 3 {
		t.Fatalf("%d describes, want 3 (the last one 10 s after the one before)", n)
	}
	if s := pt.snap("c1", "1"); s.MaxAge != 10*time.Second {
		t.Fatalf("the target age shown is %s, want the new interval", s.MaxAge)
	}
	bad := opts
	bad.Concurrency = 0
	if err := pt.p.Reconfigure(bad, []ClusterSpec{spec}); err == nil || pt.p.opts.Concurrency != opts.Concurrency {
		t.Fatalf("a bad reload: %v, concurrency now %d", err, pt.p.opts.Concurrency)
	}
}
