package poller

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

var errTestUnreachable = errors.New("connect: network is unreachable")

func TestRunPollsAtOnceAndStops(t *testing.T) {
	api := newFakeAPI()
	api.setJob(fakeJob("1", "Running"))
	api.setJob(fakeJob("2", "Running"))
	pt := newPollTest(t, Options{Interval: time.Hour}, staticSpec(api, "1"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { pt.p.Run(ctx); close(done) }()

	waitFor(t, "the first cycle", pt.p.Ready)
	if n := api.calls("1"); n != 1 {
		t.Fatalf("%d describes after the first cycle, want 1", n)
	}

	// A cluster added while running gets its own goroutine and polls at once.
	c2 := staticSpec(api, "2")
	c2.ClusterID = "c2"
	if err := pt.p.Update([]ClusterSpec{staticSpec(api, "1"), c2}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the new cluster's first cycle", pt.p.Ready)
	if !pt.has("c2", "2") || pt.snap("c2", "2").Info == nil {
		t.Fatalf("the added cluster was not polled")
	}
	// A removed cluster's goroutine stops.
	if err := pt.p.Update([]ClusterSpec{staticSpec(api, "1")}); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("Run did not return after its context ended")
	}
	wantIDs(t, pt.ids("c2"))
}

func TestScheduledCallsAndListingMetrics(t *testing.T) {
	api := newFakeAPI()
	api.setJob(fakeJob("1", "Running"))
	api.setListed(fakeSummary("1", "Running"))
	pt := newPollTest(t, Options{Interval: 30 * time.Second}, discoverySpec(api))
	pt.cycle()
	calls := func(work string) float64 { return testutil.ToFloat64(pt.p.metrics.calls.WithLabelValues("c1", work)) }
	if d, l := calls(workDescribe), calls(workList); d != 1 || l != 1 {
		t.Fatalf("scheduled calls: %v describes, %v list pages; want 1 and 1", d, l)
	}

	// A listing page that takes 45 s (on the poller's clock).
	pt.clock.Add(30 * time.Second)
	api.onList = func() { pt.clock.Add(45 * time.Second) }
	pt.cycle()
	want := `
# HELP ehpc_serverless_exporter_listing_duration_seconds Duration of one full walk of a cluster's job list (ListServerlessJobs, every page), in seconds.
# TYPE ehpc_serverless_exporter_listing_duration_seconds histogram
ehpc_serverless_exporter_listing_duration_seconds_bucket{cluster_id="c1",le="0.1"} 1
ehpc_serverless_exporter_listing_duration_seconds_bucket{cluster_id="c1",le="0.25"} 1
ehpc_serverless_exporter_listing_duration_seconds_bucket{cluster_id="c1",le="0.5"} 1
ehpc_serverless_exporter_listing_duration_seconds_bucket{cluster_id="c1",le="1"} 1
ehpc_serverless_exporter_listing_duration_seconds_bucket{cluster_id="c1",le="2.5"} 1
ehpc_serverless_exporter_listing_duration_seconds_bucket{cluster_id="c1",le="5"} 1
ehpc_serverless_exporter_listing_duration_seconds_bucket{cluster_id="c1",le="10"} 1
ehpc_serverless_exporter_listing_duration_seconds_bucket{cluster_id="c1",le="20"} 1
ehpc_serverless_exporter_listing_duration_seconds_bucket{cluster_id="c1",le="30"} 1
ehpc_serverless_exporter_listing_duration_seconds_bucket{cluster_id="c1",le="60"} 2
ehpc_serverless_exporter_listing_duration_seconds_bucket{cluster_id="c1",le="120"} 2
ehpc_serverless_exporter_listing_duration_seconds_bucket{cluster_id="c1",le="300"} 2
ehpc_serverless_exporter_listing_duration_seconds_bucket{cluster_id="c1",le="+Inf"} 2
ehpc_serverless_exporter_listing_duration_seconds_sum{cluster_id="c1"} 45
ehpc_serverless_exporter_listing_duration_seconds_count{cluster_id="c1"} 2
`
	if err := testutil.GatherAndCompare(pt.reg, stringsReader(want), "ehpc_serverless_exporter_listing_duration_seconds"); err != nil {
		t.Fatal(err)
	}
	if problems, err := testutil.GatherAndLint(pt.reg); err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %v", err, problems)
	}
}

func TestTwoPollersCanShareARegistry(t *testing.T) {
	pt := newPollTest(t, Options{})
	store, err := collector.NewStore(collector.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(store, Options{Interval: time.Second, Concurrency: 1, Registerer: pt.reg}, nil); err != nil {
		t.Fatalf("second poller on one registry: %v", err)
	}
}

func TestFailuresAreLogged(t *testing.T) {
	var buf bytes.Buffer
	api := newFakeAPI()
	api.setDescribeErr("1", &client.APIError{StatusCode: 400, Code: "Throttling.User", Message: "slow down"})
	api.setListErr(0, &client.APIError{StatusCode: 503, Code: "ServiceUnavailable"})
	spec := discoverySpec(api)
	spec.JobIDs = []string{"1"}
	pt := newPollTest(t, Options{Logger: log.NewLogfmtLogger(log.NewSyncWriter(&buf))}, spec)
	pt.cycle()
	out := buf.String()
	for _, want := range []string{
		`level=debug msg="describe failed" cluster_id=c1 job_id=1 code=Throttling.User`,
		`level=warn msg="listing jobs failed; no discovered job is removed this time" cluster_id=c1 page=1 code=ServiceUnavailable`,
		`level=warn msg="describes failed; the last good data of these jobs is kept" cluster_id=c1 failed_describes=1 code=Throttling.User err="`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	// The warning carries the failure's message, so an operator reading only
	// warnings learns why.
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `msg="describes failed`) && !strings.Contains(line, "slow down") {
			t.Errorf("the failure warning lacks the failure's message: %s", line)
		}
	}
}
