package poller

import (
	"context"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

func TestRetentionRemovesFinishedJobsAndTombstonesHold(t *testing.T) {
	api := newFakeAPI()
	clock := newFakeClock()
	old := fakeJob("old", "Succeeded")
	old.EndTime = client.Int64(clock.Now().Add(-2 * time.Hour).Unix())
	api.setJob(old)
	recent := fakeJob("recent", "Failed")
	recent.EndTime = client.Int64(clock.Now().Add(-10 * time.Minute).Unix())
	api.setJob(recent)
	api.setJob(fakeJob("noend", "Canceled"))
	api.setJob(fakeJob("d", "Succeeded"))
	api.setListed(fakeSummary("d", "Succeeded"))
	api.setJob(fakeJob("run", "Running"))

	spec := discoverySpec(api)
	spec.JobIDs = []string{"old", "recent", "noend", "run"}
	pt := newPollTest(t, Options{Retention: time.Hour}, spec)
	clock = pt.clock

	// All described; "old" ended 2h ago, past its retention, so it never
	// reaches /metrics (a restart must not bring back old failures).
	pt.cycle()
	wantIDs(t, pt.ids("c1"), "d", "noend", "recent", "run")
	pt.cycle()
	wantIDs(t, pt.ids("c1"), "d", "noend", "recent", "run")

	// "noend" has no EndTime: retention counts from when it was first seen
	// finished. "d" has no EndTime either and is listed.
	clock.Add(61 * time.Minute)
	pt.cycle()
	wantIDs(t, pt.ids("c1"), "run")
	describes := api.totalDescribes()

	// Still configured and listed: the tombstones keep them out.
	for range 3 {
		pt.cycle()
	}
	wantIDs(t, pt.ids("c1"), "run")
	if n := api.totalDescribes() - describes; n != 3 {
		t.Fatalf("%d describes in 3 cycles after retention, want 3 (only the running job)", n)
	}

	// Once no longer listed, the tombstone goes; listed again, the job is
	// tracked again.
	api.setListed()
	pt.cycle()
	api.setListed(fakeSummary("d", "Succeeded"))
	pt.cycle()
	wantIDs(t, pt.ids("c1"), "d", "run")

	// Likewise for a static id removed from and put back into the config.
	spec.JobIDs = []string{"run"}
	if err := pt.p.Update([]ClusterSpec{spec}); err != nil {
		t.Fatal(err)
	}
	spec.JobIDs = []string{"run", "old"}
	if err := pt.p.Update([]ClusterSpec{spec}); err != nil {
		t.Fatal(err)
	}
	if !pt.has("c1", "old") {
		t.Fatalf("a job configured again after its tombstone was dropped is not tracked")
	}
}

func TestRetentionKeepsFinalAndActiveJobs(t *testing.T) {
	api := newFakeAPI()
	api.setJob(fakeJob("1", "Succeeded")) // no end time: retention counts from the first sight
	pt := newPollTest(t, Options{Retention: time.Minute, Interval: 2 * time.Minute}, staticSpec(api, "1"))
	pt.cycle()
	if s := pt.snap("c1", "1"); s.Class != collector.ClassFinal {
		t.Fatalf("class %q after the first finished answer, want final", s.Class)
	}
	// Its last describe fails, long past its retention: it stays final,
	// and stays, until that describe has been made.
	api.setDescribeErr("1", &client.APIError{StatusCode: 503, Code: "ServiceUnavailable"})
	pt.clock.Add(time.Hour)
	pt.p.RunDue(context.Background())
	if s := pt.snap("c1", "1"); s.Class != collector.ClassFinal {
		t.Fatalf("class %q after a failed final describe, want final", s.Class)
	}
	api.setDescribeErr("1", nil)
	pt.cycle()
	if pt.has("c1", "1") {
		t.Fatalf("frozen job past retention still stored")
	}
}
