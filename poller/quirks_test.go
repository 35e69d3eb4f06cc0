package poller

import (
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

// With discovery.states [Running], a job that fails leaves the list the
// service sends. It is described once more and kept with its final state for
// its retention, so an alert on failed jobs can fire.
func TestAJobThatLeavesTheFilteredListingKeepsItsFinalState(t *testing.T) {
	api := newFakeAPI()
	api.setJob(fakeJob("7", "Running"))
	api.setListed(fakeSummary("7", "Running"))
	spec := discoverySpec(api)
	spec.Discovery.States = []string{"Running"}
	pt := newPollTest(t, Options{Retention: time.Hour}, spec)
	pt.cycle()
	if req := api.listReqs[0]; req.State != "Running" {
		t.Fatalf("the list was asked for State=%q, want Running", req.State)
	}

	api.setState("7", "Failed")
	api.setListed(fakeSummary("7", "Failed")) // the fake applies State=Running: 7 is not sent
	pt.cycle()
	s := pt.snap("c1", "7")
	if s.Info.State != "Failed" || s.Class == collector.ClassActive {
		t.Fatalf("the job that left the listing: state %q class %q, want Failed and finished", s.Info.State, s.Class)
	}
	for range 3 {
		pt.cycle()
	}
	if !pt.has("c1", "7") {
		t.Fatal("the failed job went before its retention ended")
	}
	if n := api.calls("7"); n > 3 {
		t.Errorf("the finished job was described %d times, want at most 3", n)
	}
	pt.clock.Add(2 * time.Hour)
	pt.cycle()
	if pt.has("c1", "7") {
		t.Fatal("the failed job is still there after its retention")
	}
}

// Initing is a job state the list cannot filter by (the SDK's enum for the
// list's State has no Initing): the exporter lists every state and filters
// itself instead of sending a value the service refuses.
func TestAStateTheListCannotFilterByIsFilteredLocally(t *testing.T) {
	api := newFakeAPI()
	api.setJob(fakeJob("1", "Initing"))
	api.setListed(fakeSummary("1", "Initing"), fakeSummary("2", "Running"))
	spec := discoverySpec(api)
	spec.Discovery.States = []string{"Initing"}
	pt := newPollTest(t, Options{}, spec)
	pt.cycle()
	if req := api.listReqs[0]; req.State != client.ListStateAll {
		t.Fatalf("the list was asked for State=%q, want %s", req.State, client.ListStateAll)
	}
	wantIDs(t, pt.ids("c1"), "1")
}

// Whether the service echoes a sub-task's id or its array's is not
// documented: an answer about array job 10 to a question about 10_3 is the
// answer when 10 is an array job whose range holds 3; it is kept under 10_3.
// An answer about any other job is still refused.
func TestASubTaskAnsweredByItsArraysID(t *testing.T) {
	api := newFakeAPI()
	api.setJob(arrayJob("10_3", "Running", 1, 5, 1))
	api.answerAs["10_3"] = "10"
	api.setJob(arrayJob("10_9", "Running", 1, 5, 1))
	api.answerAs["10_9"] = "10" // 9 is outside 1..5
	api.setJob(arrayJob("11_2", "Running", 1, 5, 1))
	api.answerAs["11_2"] = "12"
	pt := newPollTest(t, Options{}, staticSpec(api, "10_3", "10_9", "11_2"))
	pt.cycle()
	s := pt.snap("c1", "10_3")
	if s.Info == nil || s.LastErrorCode != "" || string(s.Info.JobID) != "10_3" {
		t.Fatalf("10_3 answered as 10: info %v, error %q", s.Info, s.LastErrorCode)
	}
	for _, id := range []string{"10_9", "11_2"} {
		if s := pt.snap("c1", id); s.Info != nil || s.LastErrorCode != codeUnexpectedJobID {
			t.Errorf("%s: info %v, error %q; want refused as %s", id, s.Info, s.LastErrorCode, codeUnexpectedJobID)
		}
	}
}

// With expand_array, a sub-task whose describe fails is asked for once an
// interval, like any job: no range probe repeats its describe.
func TestAFailingSubTaskIsDescribedOncePerInterval(t *testing.T) {
	api := newFakeAPI()
	api.setJob(arrayJob("5_1", "Running", 1, 3, 1))
	api.setDescribeErr("5_1", &client.APIError{StatusCode: 503, Code: "ServiceUnavailable"})
	api.setJob(fakeJob("plain", "Running"))
	api.setDescribeErr("plain", &client.APIError{StatusCode: 503, Code: "ServiceUnavailable"})
	spec := staticSpec(api, "5_1", "plain")
	spec.ExpandArray = true
	pt := newPollTest(t, Options{}, spec)
	for range 5 {
		pt.cycle()
	}
	if a, p := api.calls("5_1"), api.calls("plain"); a != p || a != 5 {
		t.Fatalf("in 5 intervals the failing sub-task was described %d times and a plain failing job %d, want 5 and 5", a, p)
	}
}
