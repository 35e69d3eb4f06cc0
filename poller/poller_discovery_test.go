package poller

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

func listedJobs(n int, state string) []client.JobSummary {
	out := make([]client.JobSummary, n)
	for i := range out {
		out[i] = fakeSummary(fmt.Sprintf("j%03d", i), state)
	}
	return out
}

func TestDiscoveryReadsEveryPage(t *testing.T) {
	api := newFakeAPI()
	api.setListed(listedJobs(250, "Running")...)
	pt := newPollTest(t, Options{}, discoverySpec(api))
	pt.cycle()

	if n := api.listCalls(); n != 3 {
		t.Fatalf("%d list calls for 250 jobs, want 3", n)
	}
	for i, req := range api.listReqs {
		if req.PageNumber != i+1 || req.PageSize != 100 || req.ClusterID != "c1" || req.RegionID != "cn-hangzhou" ||
			req.State != "All" || !req.SubmitTimeStart.IsZero() {
			t.Errorf("request %d = %+v", i, req)
		}
	}
	if got := len(pt.ids("c1")); got != 250 {
		t.Fatalf("%d jobs tracked, want 250", got)
	}
	s := pt.snap("c1", "j042")
	if s.Source != collector.SourceDiscovered || s.Class != collector.ClassActive {
		t.Errorf("discovered job: source %q class %q", s.Source, s.Class)
	}
	// Discovered jobs are described in the same cycle: they are unknown to us.
	if n := api.totalDescribes(); n != 250 {
		t.Errorf("%d describes in the first cycle, want 250", n)
	}
}

func TestDiscoveryStopsOnEmptyPageOrPageCap(t *testing.T) {
	t.Run("no TotalCount: stop on the empty page", func(t *testing.T) {
		api := newFakeAPI()
		api.hideTotal = true
		api.setListed(listedJobs(200, "Running")...)
		pt := newPollTest(t, Options{}, discoverySpec(api))
		pt.cycle()
		if n := api.listCalls(); n != 3 {
			t.Fatalf("%d list calls, want 3 (two full pages and the empty one)", n)
		}
		if got := len(pt.ids("c1")); got != 200 {
			t.Fatalf("%d jobs tracked, want 200", got)
		}
	})
	t.Run("a list that never ends", func(t *testing.T) {
		api := newFakeAPI()
		api.endless = true
		api.hideTotal = true
		spec := discoverySpec(api)
		spec.Discovery.Queues = []string{"none"} // keep the test small: track nothing
		pt := newPollTest(t, Options{}, spec)
		pt.cycle()
		if n := api.listCalls(); n != maxListPages {
			t.Fatalf("%d list calls, want the cap %d", n, maxListPages)
		}
	})
	t.Run("a list that repeats its jobs changed while paged", func(t *testing.T) {
		api := newFakeAPI()
		api.endless, api.repeat = true, true
		pt := newPollTest(t, Options{}, discoverySpec(api))
		pt.cycle()
		// Page 2 repeats page 1: the walk starts over once, then gives up.
		if n := api.listCalls(); n != 4 {
			t.Fatalf("%d list calls, want 4 (two walks of two pages)", n)
		}
		// What was seen is still tracked.
		if got := len(pt.ids("c1")); got != 100 {
			t.Fatalf("%d jobs tracked, want 100", got)
		}
	})
}

func TestDiscoveryFilters(t *testing.T) {
	api := newFakeAPI()
	jobs := []client.JobSummary{
		fakeSummary("a", "Running"),
		fakeSummary("b", "Pending"),
		fakeSummary("c", "Succeeded"),
		fakeSummary("d", "Running"),
		fakeSummary("e", "Running"),
		fakeSummary("f", "Running"),
		fakeSummary("old", "Running"),
	}
	recent := client.Int64(newFakeClock().Now().Add(-time.Hour).Unix())
	for i := range jobs {
		jobs[i].SubmitTime = recent
	}
	jobs[3].Queue = "gpu"
	jobs[4].User = "bob"
	jobs[5].JobName = "nightly-backup"
	jobs[6].SubmitTime = client.Int64(newFakeClock().Now().Add(-48 * time.Hour).Unix())
	api.setListed(jobs...)

	cases := []struct {
		name      string
		d         DiscoverySpec
		wantState string
		want      []string
	}{
		{"everything", DiscoverySpec{}, "All", []string{"a", "b", "c", "d", "e", "f", "old"}},
		{"one state is asked of the service", DiscoverySpec{States: []string{"Running"}}, "Running", []string{"a", "d", "e", "f", "old"}},
		{"several states are filtered here", DiscoverySpec{States: []string{"Running", "Pending"}}, "All", []string{"a", "b", "d", "e", "f", "old"}},
		{"queue", DiscoverySpec{Queues: []string{"gpu"}}, "All", []string{"d"}},
		{"user", DiscoverySpec{Users: []string{"alice"}}, "All", []string{"a", "b", "c", "d", "f", "old"}},
		{"name", DiscoverySpec{NamePattern: regexp.MustCompile(`^(?:nightly-.*)$`)}, "All", []string{"f"}},
		{"submitted within", DiscoverySpec{SubmittedWithin: 24 * time.Hour}, "All", []string{"a", "b", "c", "d", "e", "f"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api.resetCounts()
			spec := staticSpec(api)
			spec.Discovery = &tc.d
			pt := newPollTest(t, Options{}, spec)
			pt.cycle()
			wantIDs(t, pt.ids("c1"), tc.want...)
			req := api.listReqs[0]
			if req.State != tc.wantState {
				t.Errorf("State = %q, want %q", req.State, tc.wantState)
			}
			if tc.d.SubmittedWithin > 0 && !req.SubmitTimeStart.Equal(pt.clock.Now().Add(-tc.d.SubmittedWithin)) {
				t.Errorf("SubmitTimeStart = %v, want now - %v", req.SubmitTimeStart, tc.d.SubmittedWithin)
			}
		})
	}
}

func TestDiscoveredJobsComeAndGo(t *testing.T) {
	api := newFakeAPI()
	for _, id := range []string{"1", "2", "3", "s"} {
		api.setJob(fakeJob(id, "Running"))
	}
	api.setListed(fakeSummary("1", "Running"), fakeSummary("2", "Running"), fakeSummary("s", "Running"))
	spec := discoverySpec(api)
	spec.JobIDs = []string{"s"}
	pt := newPollTest(t, Options{}, spec)
	pt.cycle()
	wantIDs(t, pt.ids("c1"), "1", "2", "s")
	if src := pt.snap("c1", "s").Source; src != collector.SourceStatic {
		t.Errorf("a configured job that is also listed has source %q, want static", src)
	}

	// A job that leaves the listing while running is described once more to
	// learn how it ended. Still running and matching the filters, it should
	// be listed: a list that changed while paged may have skipped it, so it
	// stays for one more listing; missing again, it goes.
	api.setListed(fakeSummary("2", "Running"), fakeSummary("3", "Running"))
	pt.cycle()
	wantIDs(t, pt.ids("c1"), "1", "2", "3", "s")
	pt.cycle()
	wantIDs(t, pt.ids("c1"), "2", "3", "s")
	if n := api.calls("1"); n != 3 {
		t.Errorf("a job that left the listing was described %d times, want 3 (once more at each listing that missed it)", n)
	}
	if pt.snap("c1", "3").Info == nil {
		t.Errorf("a newly listed job is described in the cycle that found it")
	}
}

func TestFailedListingRemovesNothing(t *testing.T) {
	api := newFakeAPI()
	api.setListed(listedJobs(3, "Running")...)
	pt := newPollTest(t, Options{}, discoverySpec(api))
	pt.cycle()
	wantIDs(t, pt.ids("c1"), "j000", "j001", "j002")

	t.Run("whole listing fails", func(t *testing.T) {
		api.setListed()
		api.setListErr(0, &client.APIError{StatusCode: 503, Code: "ServiceUnavailable"})
		pt.cycle()
		wantIDs(t, pt.ids("c1"), "j000", "j001", "j002")
	})
	t.Run("a later page fails", func(t *testing.T) {
		var fresh []client.JobSummary
		for i := range 150 {
			fresh = append(fresh, fakeSummary(fmt.Sprintf("n%03d", i), "Running"))
		}
		api.setListed(fresh...)
		api.setListErr(2, &client.APIError{StatusCode: 400, Code: "Throttling"})
		pt.cycle()
		ids := pt.ids("c1")
		if len(ids) != 103 || !pt.has("c1", "j000") || !pt.has("c1", "n099") || pt.has("c1", "n100") {
			t.Fatalf("after a partial listing: %d jobs tracked, want the 3 old ones and the 100 of page 1", len(ids))
		}
	})
	t.Run("a good listing removes again", func(t *testing.T) {
		api.setListErr(0, nil)
		api.setListed(fakeSummary("j001", "Running"))
		pt.cycle()
		wantIDs(t, pt.ids("c1"), "j001")
	})
}

func TestListedStateChangeUnfreezesAJob(t *testing.T) {
	api := newFakeAPI()
	api.setJob(fakeJob("1", "Failed"))
	api.setListed(fakeSummary("1", "Failed"))
	pt := newPollTest(t, Options{}, discoverySpec(api))
	for range 4 {
		pt.cycle()
	}
	if n := api.calls("1"); n != 2 {
		t.Fatalf("finished job described %d times, want 2", n)
	}
	if c := pt.snap("c1", "1").Class; c != collector.ClassFrozen {
		t.Fatalf("class %q, want frozen", c)
	}

	// Requeued: the listing shows the change, the job is described again.
	api.setListed(fakeSummary("1", "Running"))
	api.setState("1", "Running")
	pt.cycle()
	if n := api.calls("1"); n != 3 {
		t.Fatalf("after the listed state changed the job was described %d times in all, want 3", n)
	}
	s := pt.snap("c1", "1")
	if s.Class != collector.ClassActive || s.Info.State != "Running" {
		t.Fatalf("after un-freezing: class %q state %q", s.Class, s.Info.State)
	}
}

func TestListingThatDisagreesDoesNotUnfreezeEveryCycle(t *testing.T) {
	api := newFakeAPI()
	api.setJob(fakeJob("1", "Canceled"))
	api.setListed(fakeSummary("1", "Failed")) // the list keeps saying otherwise
	pt := newPollTest(t, Options{}, discoverySpec(api))
	for range 6 {
		pt.cycle()
	}
	if n := api.calls("1"); n != 2 {
		t.Fatalf("described %d times over 6 cycles, want 2", n)
	}
}

func TestDiscoveryCanBeTurnedOff(t *testing.T) {
	api := newFakeAPI()
	api.setListed(fakeSummary("d", "Running"))
	spec := discoverySpec(api)
	spec.JobIDs = []string{"s"}
	pt := newPollTest(t, Options{}, spec)
	pt.cycle()
	wantIDs(t, pt.ids("c1"), "d", "s")
	spec.Discovery = nil
	if err := pt.p.Update([]ClusterSpec{spec}); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, pt.ids("c1"), "s")
	pt.cycle()
	if n := api.listCalls(); n != 1 {
		t.Fatalf("listed %d times, want 1", n)
	}
}
