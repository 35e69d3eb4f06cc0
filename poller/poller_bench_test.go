package poller

import (
	"context"
	"fmt"
	"testing"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// steadyCluster lists n jobs of which active are running and the rest
// finished, and runs the cycles it takes to reach the steady state: every
// finished job frozen.
func steadyCluster(tb testing.TB, n, active int) (*pollTest, *fakeAPI) {
	tb.Helper()
	api := newFakeAPI()
	listed := make([]client.JobSummary, n)
	for i := range n {
		id := fmt.Sprintf("%d", 100000+i)
		state := "Succeeded"
		if i < active {
			state = "Running"
		}
		listed[i] = fakeSummary(id, state)
		api.setJob(fakeJob(id, state))
	}
	api.setListed(listed...)
	pt := newPollTest(tb, Options{Concurrency: 8}, discoverySpec(api))
	for range 3 {
		pt.cycle()
	}
	api.resetCounts()
	return pt, api
}

func TestSteadyStateSpendsCallsOnlyOnActiveJobs(t *testing.T) {
	pt, api := steadyCluster(t, 1000, 50)
	for range 3 {
		pt.cycle()
	}
	if d, l := api.totalDescribes(), api.listCalls(); d != 3*50 || l != 3*10 {
		t.Fatalf("3 steady cycles over 1000 jobs (50 active): %d describes and %d list pages, want 150 and 30", d, l)
	}
	if len(pt.ids("c1")) != 1000 {
		t.Fatalf("%d jobs tracked, want 1000", len(pt.ids("c1")))
	}
}

// BenchmarkPollCycle10k is one steady-state interval of a cluster with
// 10,000 listed jobs of which 500 are running: 500 describes and 100 list
// pages. Each iteration moves the fake clock on by one interval, so that
// the work of an interval is due.
func BenchmarkPollCycle10k(b *testing.B) {
	pt, api := steadyCluster(b, 10000, 500)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		pt.clock.Add(pt.p.opts.Interval)
		pt.p.RunDue(ctx)
	}
	b.StopTimer()
	describes := float64(api.totalDescribes()) / float64(b.N)
	pages := float64(api.listCalls()) / float64(b.N)
	if describes != 500 || pages != 100 {
		b.Fatalf("per cycle: %v describes and %v list pages, want 500 and 100", describes, pages)
	}
	b.ReportMetric(describes, "describes/cycle")
	b.ReportMetric(pages, "list_pages/cycle")
	b.ReportMetric(describes+pages, "api_calls/cycle")
}
