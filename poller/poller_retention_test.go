package poller

import (
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

	pt.cycle() // all described; the finished ones become final
	wantIDs(t, pt.ids("c1"), "d", "noend", "old", "recent", "run")
	pt.cycle() // described once more, frozen; "old" ended 2h ago and goes
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
	clock := newFakeClock()
	j := fakeJob("1", "Succeeded")
	j.EndTime = client.Int64(clock.Now().Add(-48 * time.Hour).Unix())
	api.setJob(j)
	pt := newPollTest(t, Options{Retention: time.Hour}, staticSpec(api, "1"))
	pt.cycle()
	if !pt.has("c1", "1") {
		t.Fatalf("a job in class final was removed before its last describe")
	}
	// Its last describe fails: it stays final, and stays.
	api.setDescribeErr("1", &client.APIError{StatusCode: 503, Code: "ServiceUnavailable"})
	pt.cycle()
	if s := pt.snap("c1", "1"); s.Class != collector.ClassFinal {
		t.Fatalf("class %q after a failed final describe, want final", s.Class)
	}
	api.setDescribeErr("1", nil)
	pt.cycle()
	if pt.has("c1", "1") {
		t.Fatalf("frozen job past retention still stored")
	}
}
