package blackbox

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

// Server-side failures are retried max_retries times, then counted under the
// service's code, or HTTP<status> when the answer is not the service's JSON.
func TestFaultServerErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault simulator.Fault
		code  string
	}{
		{"503 ServiceUnavailable", simulator.Fault{Kind: simulator.FaultServiceUnavailable}, "ServiceUnavailable"},
		{"500 UnknownError", simulator.Fault{Kind: simulator.FaultUnknownError}, "UnknownError"},
		{"406 EcsError", simulator.Fault{Kind: simulator.FaultError, Code: "EcsError"}, "EcsError"},
		{"500 InternalError", simulator.Fault{Kind: simulator.FaultError, Code: "InternalError", Status: 500}, "InternalError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const retries = 1
			r := newRig(t, rigOptions{MaxRetries: retries})
			r.healthy()
			if err := r.sim.SetFaults(tc.fault); err != nil {
				t.Fatal(err)
			}
			r.sim.ResetCalls()
			r.cycle()
			want := float64(len(r.jobs) * (1 + retries))
			if got := float64(r.simCalls(tc.code)); got != want {
				t.Errorf("simulator answered %s %v times, want %v (each job tried 1+%d times)", tc.code, got, want, retries)
			}
			if got := r.apiRequests(client.ActionDescribeServerlessJobs, tc.code); got != want {
				t.Errorf("api_requests_total{code=%s} = %v, want %v", tc.code, got, want)
			}
			r.expectStale(tc.code, 1)
			r.recover(tc.code, 1)
		})
	}
}

// A proxy's HTML error page is not mistaken for an answer: it counts as
// HTTP502, the message says it was HTML, and nothing of the page leaks into
// the metrics.
func TestFaultHTMLErrorPage(t *testing.T) {
	r := newRig(t, rigOptions{MaxRetries: 1})
	r.healthy()
	if err := r.sim.SetFaults(simulator.Fault{Kind: simulator.FaultBadGateway}); err != nil {
		t.Fatal(err)
	}
	r.cycle()
	r.expectStale("HTTP502", 1)
	msg := r.snap("1").LastErrorMessage
	if !strings.Contains(msg, "text/html") {
		t.Errorf("message %q does not say the answer was an HTML page", msg)
	}
	if strings.Contains(r.scrape().raw, "Tengine") {
		t.Errorf("the page's text reached /metrics")
	}
	r.recover("HTTP502", 1)
}

// An answer slower than a call's bound: the call's deadline ends the
// call, the failure counts as Timeout, and the cycle returns on time instead
// of waiting for the answer.
func TestFaultTimeoutLongerThanThePollBudget(t *testing.T) {
	r := newRig(t, rigOptions{MaxRetries: 3, CallTimeout: time.Second, Timeout: time.Minute})
	r.healthy()
	if err := r.sim.SetFaults(simulator.Fault{Kind: simulator.FaultSlow, Delay: time.Hour}); err != nil {
		t.Fatal(err)
	}
	r.sim.ResetCalls()
	r.cycle()
	r.expectStale("Timeout", 1)
	// Each call was cut by the budget: no retry was started after it.
	if got := r.apiRequests(client.ActionDescribeServerlessJobs, "Timeout"); got != float64(len(r.jobs)) {
		t.Errorf("api_requests_total{code=Timeout} = %v, want one per job", got)
	}
	r.recover("Timeout", 1)
}

// An attempt timeout shorter than the budget: each attempt times out, is
// retried, and the job's failure is a Timeout.
func TestFaultTimeoutOfEachAttempt(t *testing.T) {
	const retries = 1
	r := newRig(t, rigOptions{MaxRetries: retries, Timeout: 200 * time.Millisecond})
	r.healthy()
	if err := r.sim.SetFaults(simulator.Fault{Kind: simulator.FaultSlow, Delay: time.Hour}); err != nil {
		t.Fatal(err)
	}
	r.cycle()
	want := float64(len(r.jobs) * (1 + retries))
	if got := r.apiRequests(client.ActionDescribeServerlessJobs, "Timeout"); got != want {
		t.Errorf("api_requests_total{code=Timeout} = %v, want %v", got, want)
	}
	r.expectStale("Timeout", 1)
	if msg := r.snap("1").LastErrorMessage; !strings.Contains(msg, "200ms") {
		t.Errorf("message %q does not name the attempt timeout", msg)
	}
	r.recover("Timeout", 1)
}

// Nobody listening: ConnectionError, retried, then recovery once the
// service is back on the same address.
func TestFaultConnectionRefused(t *testing.T) {
	const retries = 1
	r := newRig(t, rigOptions{MaxRetries: retries})
	r.healthy()
	r.srv.stop()
	r.cycle()
	want := float64(len(r.jobs) * (1 + retries))
	if got := r.apiRequests(client.ActionDescribeServerlessJobs, "ConnectionError"); got != want {
		t.Errorf("api_requests_total{code=ConnectionError} = %v, want %v", got, want)
	}
	r.expectStale("ConnectionError", 1)
	if msg := r.snap("1").LastErrorMessage; !strings.Contains(msg, "refused") {
		t.Errorf("message %q does not say the connection was refused", msg)
	}
	r.srv.start()
	r.recover("ConnectionError", 1)
}

// The connection is dropped without an answer.
func TestFaultConnectionReset(t *testing.T) {
	const retries = 1
	r := newRig(t, rigOptions{MaxRetries: retries})
	r.healthy()
	if err := r.sim.SetFaults(simulator.Fault{Kind: simulator.FaultConnectionReset}); err != nil {
		t.Fatal(err)
	}
	r.sim.ResetCalls()
	r.cycle()
	want := int64(len(r.jobs) * (1 + retries))
	if got := r.apiRequests(client.ActionDescribeServerlessJobs, "ConnectionError"); got != float64(want) {
		t.Errorf("api_requests_total{code=ConnectionError} = %v, want %d", got, want)
	}
	// The simulator counts a dropped connection after dropping it, so the
	// client can see the reset first.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.sim.WaitCalls(ctx, func(c simulator.CallCounts) bool { return c.Count("", "ConnectionReset") >= want }); err != nil {
		t.Errorf("simulator dropped %d connections, want %d", r.simCalls("ConnectionReset"), want)
	}
	if got := r.simCalls("ConnectionReset"); got != want {
		t.Errorf("simulator dropped %d connections, want %d", got, want)
	}
	r.expectStale("ConnectionError", 1)
	r.recover("ConnectionError", 1)
}
