package poller

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"golang.org/x/time/rate"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

// A state change the listing shows is on /metrics as soon as the listing has
// been read, however many describes wait, and the job's describe goes first.
func TestListedStateChangeShowsAtOnceAndJumpsTheQueue(t *testing.T) {
	api := newFakeAPI()
	var listed []client.JobSummary
	for i := range 50 {
		id := fmt.Sprint(i)
		api.setJob(fakeJob(id, "Running"))
		listed = append(listed, fakeSummary(id, "Running"))
	}
	api.setListed(listed...)
	pt := newPollTest(t, Options{Concurrency: 1}, discoverySpec(api))
	pt.cycle()

	// Job 42 fails. Every describe is held, so the 50 due describes queue up
	// behind the listing.
	api.setState("42", "Failed")
	listed[42].State = "Failed"
	api.setListed(listed...)
	api.gate = make(chan struct{})
	api.entered = make(chan string, 100)
	done := make(chan struct{})
	pt.clock.Add(pt.p.opts.Interval)
	go func() { pt.p.RunDue(context.Background()); close(done) }()

	first := <-api.entered // the first describe after the listing
	if s := pt.snap("c1", "42"); s.Info.State != "Failed" {
		t.Fatalf("state on /metrics %q while the describes wait, want Failed from the listing", s.Info.State)
	}
	if first != "42" {
		t.Fatalf("the first describe after the listing was of job %s, want 42 (its state changed)", first)
	}
	close(api.gate)
	<-done
	if s := pt.snap("c1", "42"); s.Info.State != "Failed" || len(s.Info.ContainerGroups) == 0 {
		t.Fatalf("after its describe job 42 has state %q and %d groups", s.Info.State, len(s.Info.ContainerGroups))
	}
}

// A job first seen finished long ago costs one describe; one that ended
// within the settle time is described once more for its final containers.
func TestLongFinishedJobsAreDescribedOnce(t *testing.T) {
	api := newFakeAPI()
	pt := newPollTest(t, Options{Settle: 2 * time.Minute, Retention: 24 * time.Hour}, staticSpec(api, "old", "fresh"))
	old := fakeJob("old", "Succeeded")
	old.EndTime = client.Int64(pt.clock.Now().Add(-time.Hour).Unix())
	api.setJob(old)
	fresh := fakeJob("fresh", "Failed")
	fresh.EndTime = client.Int64(pt.clock.Now().Unix())
	api.setJob(fresh)
	for range 4 {
		pt.cycle()
	}
	if n := api.calls("old"); n != 1 {
		t.Errorf("a job that ended an hour ago was described %d times, want 1", n)
	}
	if n := api.calls("fresh"); n != 2 {
		t.Errorf("a job that had just ended was described %d times, want 2", n)
	}
	for _, id := range []string{"old", "fresh"} {
		if c := pt.snap("c1", id).Class; c != collector.ClassFrozen {
			t.Errorf("job %s is %s, want frozen", id, c)
		}
	}
}

// Jobs the listing shows finished wait in the backlog, showing their listed
// state, while active jobs go first; a listed job past its retention costs
// no call at all.
func TestListedFinishedJobsWaitInTheBacklog(t *testing.T) {
	api := newFakeAPI()
	pt := newPollTest(t, Options{Concurrency: 1, Retention: time.Hour}, discoverySpec(api))
	api.setJob(fakeJob("run", "Running"))
	done := fakeSummary("done", "Succeeded")
	done.EndTime = client.Int64(pt.clock.Now().Add(-10 * time.Minute).Unix())
	api.setJob(fakeJob("done", "Succeeded"))
	ancient := fakeSummary("ancient", "Failed")
	ancient.EndTime = client.Int64(pt.clock.Now().Add(-48 * time.Hour).Unix())
	api.setListed(done, fakeSummary("run", "Running"), ancient)
	api.entered = make(chan string, 10)
	pt.cycle()
	close(api.entered)
	var order []string
	for id := range api.entered {
		order = append(order, id)
	}
	if got := strings.Join(order, " "); got != "run done" {
		t.Fatalf("describes in the order %q, want the active job first, then the backlog, never the job past retention", got)
	}
	if pt.has("c1", "ancient") {
		t.Fatalf("a job that ended two days ago, with a retention of an hour, is on /metrics")
	}
}

// Ready means every active job was asked for once and every listing read
// once; finished jobs in the backlog do not hold it up.
func TestReadyWaitsForActiveJobsOnly(t *testing.T) {
	api := newFakeAPI()
	api.setJob(fakeJob("run", "Running"))
	api.setJob(fakeJob("done", "Succeeded"))
	api.setListed(fakeSummary("run", "Running"), fakeSummary("done", "Succeeded"))
	api.setDescribeErr("done", &client.APIError{StatusCode: 503, Code: "ServiceUnavailable"})
	pt := newPollTest(t, Options{}, discoverySpec(api))
	if pt.p.Ready() {
		t.Fatal("ready before anything was asked")
	}
	pt.cycle()
	if !pt.p.Ready() {
		t.Fatal("not ready after the listing and the active job's describe")
	}
}

// A budget wait is not a failure: the client-side rate limit makes calls
// wait, and none of them is counted as failed, by job or by API code.
func TestBudgetWaitsAreNotFailures(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("JobIds.1")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"RequestId":"r","TotalCount":1,"JobInfos":[{"JobId":%q,"State":"Running"}]}`, id)
	}))
	defer srv.Close()
	limiter := rate.NewLimiter(40, 1)
	reg := prometheus.NewRegistry()
	apiMetrics := NewAPIMetrics(reg)
	api, err := client.New(client.Options{
		Endpoint: srv.URL, RegionID: "cn-hangzhou", RateLimiter: limiter, Observer: apiMetrics, MaxRetries: 2,
		Credential: client.StaticCredential{AccessKeyID: "id", AccessKeySecret: "secret"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 20 {
		ids = append(ids, fmt.Sprint(i))
	}
	spec := staticSpec(api, ids...)
	spec.Limiter = limiter
	pt := newPollTest(t, Options{Concurrency: 4, Interval: time.Second}, spec)
	pt.p.RunDue(context.Background())
	for _, id := range ids {
		s := pt.snap("c1", id)
		if s.Info == nil || len(s.PollErrors) != 0 || s.LastErrorCode != "" {
			t.Errorf("job %s: info %v, poll errors %v, last error %q", id, s.Info != nil, s.PollErrors, s.LastErrorCode)
		}
	}
	if n := testutil.ToFloat64(apiMetrics.requests.WithLabelValues("c1", client.ActionDescribeServerlessJobs, client.CodeOK)); n != 20 {
		t.Errorf("%v OK describes counted, want 20", n)
	}
	if n := testutil.CollectAndCount(apiMetrics.requests); n != 1 {
		t.Errorf("%d API request series, want only the OK one", n)
	}
}

// A budget too small for the interval is said once, with the rate it would
// need, and once more when it suffices again; not every time it is checked.
func TestABudgetTooSmallIsSaidOnce(t *testing.T) {
	var logs strings.Builder
	api := newFakeAPI()
	var ids []string
	for i := range 20 {
		id := fmt.Sprint(i)
		ids = append(ids, id)
		api.setJob(fakeJob(id, "Running"))
	}
	spec := staticSpec(api, ids...)
	spec.Limiter = rate.NewLimiter(2, 1) // 20 jobs every 5 s need 4 calls/s
	pt := newPollTest(t, Options{Interval: 5 * time.Second, Logger: log.NewLogfmtLogger(log.NewSyncWriter(&logs))}, spec)
	check := func() {
		pt.p.mu.Lock()
		pt.p.checkBudgetsLocked()
		pt.p.mu.Unlock()
	}
	for range 3 {
		check()
	}
	const warn = `msg="the API budget cannot keep the data of active jobs as fresh as polling.interval asks`
	if n := strings.Count(logs.String(), warn); n != 1 {
		t.Fatalf("%d warnings, want 1:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "requests_per_second=2 needed_requests_per_second=4.00") {
		t.Fatalf("the warning does not say the rate it needs:\n%s", logs.String())
	}
	spec.Limiter.SetLimit(10)
	for range 3 {
		check()
	}
	if n := strings.Count(logs.String(), `msg="the API budget keeps up with polling.interval again"`); n != 1 {
		t.Fatalf("%d all-clear lines, want 1:\n%s", n, logs.String())
	}
}
