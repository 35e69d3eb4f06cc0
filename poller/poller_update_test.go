package poller

import (
	"strings"
	"testing"

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
