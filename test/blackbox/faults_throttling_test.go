package blackbox

import (
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

// A short burst of throttling is absorbed by the client's retries, each
// made only after the wait the service announced: longer than the client's
// own back-off bound, so a retry that came sooner would show.
func TestFaultThrottlingBurstHonoursTheAnnouncedWait(t *testing.T) {
	r := newRig(t, rigOptions{MaxRetries: 2, JobIDs: []string{"1"}})
	r.healthy()

	const timeLeft = 450 * time.Millisecond // above the 200ms and 400ms back-off bounds
	if err := r.sim.SetFaults(simulator.Fault{Kind: simulator.FaultThrottling, TimeLeft: timeLeft, Count: 2}); err != nil {
		t.Fatal(err)
	}
	before := len(r.front.arrivalTimes())
	r.cycle()
	r.goodAt = r.clock.Now()
	r.expectFresh()

	arrivals := r.front.arrivalTimes()[before:]
	if len(arrivals) != 3 {
		t.Fatalf("%d describes for a burst of 2 throttled answers, want 3", len(arrivals))
	}
	for i := 1; i < len(arrivals); i++ {
		if gap := arrivals[i].Sub(arrivals[i-1]); gap < timeLeft {
			t.Errorf("retry %d came %s after the throttled answer, before the announced %s", i, gap, timeLeft)
		}
	}
	if got := r.simCalls("Throttling.User"); got != 2 {
		t.Errorf("simulator answered Throttling.User %d times, want 2", got)
	}
	if got := r.apiRequests(client.ActionDescribeServerlessJobs, "Throttling.User"); got != 2 {
		t.Errorf("api_requests_total{code=Throttling.User} = %v, want 2", got)
	}
	m := r.scrape()
	if _, ok := m.get(jobSeries("ehpc_serverless_job_poll_errors_total", rigCluster, "1", "code", "Throttling.User")); ok {
		t.Errorf("a burst the retries absorbed must not count as a failed poll")
	}
}

// Sustained throttling: every describe is tried exactly 1+max_retries times
// per cycle, never more, and the job keeps its last good data meanwhile.
func TestFaultThrottlingSustainedMakesNoRetryStorm(t *testing.T) {
	const retries = 2
	r := newRig(t, rigOptions{MaxRetries: retries})
	r.healthy()
	if err := r.sim.SetFaults(simulator.Fault{Kind: simulator.FaultThrottling, Status: 429, TimeLeft: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	r.sim.ResetCalls()
	const cycles = 3
	for range cycles {
		r.cycle()
	}
	want := int64(cycles * len(r.jobs) * (1 + retries))
	if got := r.sim.Calls().Total; got != want {
		t.Fatalf("%d calls reached the service over %d throttled cycles of %d jobs, want exactly %d", got, cycles, len(r.jobs), want)
	}
	if got := r.apiRequests(client.ActionDescribeServerlessJobs, "Throttling.User"); got != float64(want) {
		t.Errorf("api_requests_total{code=Throttling.User} = %v, want %d", got, want)
	}
	r.expectStale("Throttling.User", cycles)
	if !strings.Contains(r.logs.String(), "code=Throttling.User") {
		t.Errorf("the cycle's warning does not name the code:\n%s", r.logs.String())
	}
	r.recover("Throttling.User", cycles)
}

// A wait that would outlast the cycle's budget is not waited for: the call
// fails at once with the throttling code, and nothing is retried.
func TestFaultThrottlingWaitBeyondTheBudgetIsNotWaitedFor(t *testing.T) {
	r := newRig(t, rigOptions{MaxRetries: 3, CallTimeout: 30 * time.Second})
	r.healthy()
	if err := r.sim.SetFaults(simulator.Fault{Kind: simulator.FaultThrottling, TimeLeft: time.Hour}); err != nil {
		t.Fatal(err)
	}
	r.sim.ResetCalls()
	r.cycle()
	if got := r.sim.Calls().Total; got != int64(len(r.jobs)) {
		t.Fatalf("%d calls, want one per job: a retry after an hour cannot fit a 30s budget", got)
	}
	r.expectStale("Throttling.User", 1)
	r.recover("Throttling.User", 1)
}
