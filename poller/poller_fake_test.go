package poller

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

// fakeAPI is an in-memory E-HPC: describe answers by job id, and a job list
// served in pages the way the service pages it.
type fakeAPI struct {
	mu sync.Mutex

	jobs        map[string]client.JobInfo
	describeErr map[string]error
	// answerAs makes the describe of a key answer with another JobId.
	answerAs map[string]string

	listed []client.JobSummary
	// listErr fails the page listErrPage (every page when 0).
	listErr     error
	listErrPage int
	// hideTotal answers TotalCount 0, as a service that does not count would.
	hideTotal bool
	// endless answers every page with a full page of jobs: new ones on
	// every page, or with repeat the same ones.
	endless, repeat bool

	describeCalls map[string]int
	multiIDCalls  int
	noDeadline    int
	remaining     []time.Duration // deadline minus now, per call
	listReqs      []client.ListServerlessJobsRequest
	inflight      int
	maxInflight   int

	// gate, when set, holds every describe until it can take a token or
	// its context ends.
	gate chan struct{}
	// entered, when set, receives the id of every describe as it starts.
	entered chan string
	// onDescribe runs inside every describe.
	onDescribe func(ctx context.Context, id string)
	// onList runs inside every list call, unlocked.
	onList func()
}

func newFakeAPI() *fakeAPI {
	return &fakeAPI{
		jobs:          map[string]client.JobInfo{},
		describeErr:   map[string]error{},
		answerAs:      map[string]string{},
		describeCalls: map[string]int{},
	}
}

// fakeJob is a plausible answer: one container group with one container.
func fakeJob(id, state string) client.JobInfo {
	return client.JobInfo{
		JobID:      client.Text(id),
		JobName:    client.Text("job-" + id),
		State:      client.Text(state),
		Queue:      "batch",
		User:       "alice",
		SubmitTime: 1700000000,
		ContainerGroups: []client.ContainerGroup{{
			ContainerGroupID: client.Text("eci-" + id),
			Status:           client.Text(state),
			Cpu:              2,
			Memory:           4,
			Containers: []client.Container{{
				Name:         "main",
				Image:        "busybox",
				CurrentState: client.ContainerState{State: "Running"},
			}},
		}},
	}
}

func fakeSummary(id, state string) client.JobSummary {
	return client.JobSummary{
		JobID:      client.Text(id),
		JobName:    client.Text("job-" + id),
		State:      client.Text(state),
		Queue:      "batch",
		User:       "alice",
		SubmitTime: 1700000000,
	}
}

func (f *fakeAPI) setJob(info client.JobInfo) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs[string(info.JobID)] = info
}

func (f *fakeAPI) setState(id, state string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	info := f.jobs[id]
	info.State = client.Text(state)
	f.jobs[id] = info
}

func (f *fakeAPI) setListed(jobs ...client.JobSummary) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listed = jobs
}

func (f *fakeAPI) setDescribeErr(id string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(f.describeErr, id)
	} else {
		f.describeErr[id] = err
	}
}

func (f *fakeAPI) setListErr(page int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listErr, f.listErrPage = err, page
}

func (f *fakeAPI) calls(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.describeCalls[id]
}

func (f *fakeAPI) totalDescribes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.describeCalls {
		n += c
	}
	return n
}

func (f *fakeAPI) listCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.listReqs)
}

func (f *fakeAPI) resetCounts() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.describeCalls)
	f.listReqs = nil
	f.remaining = nil
}

func (f *fakeAPI) DescribeServerlessJobs(ctx context.Context, req client.DescribeServerlessJobsRequest) (*client.DescribeServerlessJobsResponse, error) {
	f.mu.Lock()
	if len(req.JobIDs) != 1 {
		f.multiIDCalls++
		f.mu.Unlock()
		return nil, &client.APIError{StatusCode: 400, Code: "InvalidParams", Message: "one job id per call"}
	}
	id := req.JobIDs[0]
	f.describeCalls[id]++
	if dl, ok := ctx.Deadline(); ok {
		f.remaining = append(f.remaining, time.Until(dl))
	} else {
		f.noDeadline++
	}
	f.inflight++
	f.maxInflight = max(f.maxInflight, f.inflight)
	gate, entered, hook := f.gate, f.entered, f.onDescribe
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inflight--
		f.mu.Unlock()
	}()

	if entered != nil {
		entered <- id
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if hook != nil {
		hook(ctx, id)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.describeErr[id]; err != nil {
		return nil, err
	}
	info, ok := f.jobs[id]
	if !ok {
		return &client.DescribeServerlessJobsResponse{RequestID: "r"}, nil
	}
	if as, ok := f.answerAs[id]; ok {
		info.JobID = client.Text(as)
	}
	return &client.DescribeServerlessJobsResponse{RequestID: "r", TotalCount: 1, JobInfos: []client.JobInfo{info}}, nil
}

func (f *fakeAPI) ListServerlessJobs(ctx context.Context, req client.ListServerlessJobsRequest) (*client.ListServerlessJobsResponse, error) {
	f.mu.Lock()
	hook := f.onList
	f.mu.Unlock()
	if hook != nil {
		hook()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listReqs = append(f.listReqs, req)
	if f.listErr != nil && (f.listErrPage == 0 || f.listErrPage == req.PageNumber) {
		return nil, f.listErr
	}
	if req.PageSize < 1 || req.PageSize > 100 || req.PageNumber < 1 {
		return nil, &client.APIError{StatusCode: 400, Code: "InvalidParams", Message: "bad paging"}
	}
	resp := &client.ListServerlessJobsResponse{RequestID: "r", PageNumber: client.Int64(req.PageNumber), PageSize: client.Int64(req.PageSize)}
	if f.endless {
		for i := range req.PageSize {
			id := fmt.Sprintf("e%d_%d", req.PageNumber, i)
			if f.repeat {
				id = fmt.Sprintf("e%d", i)
			}
			resp.Jobs = append(resp.Jobs, fakeSummary(id, "Running"))
		}
		return resp, nil
	}
	// Count every match, keep only this page's.
	from, total := (req.PageNumber-1)*req.PageSize, 0
	for _, s := range f.listed {
		if req.State != "" && req.State != "All" && string(s.State) != req.State {
			continue
		}
		if !req.SubmitTimeStart.IsZero() && int64(s.SubmitTime) < req.SubmitTimeStart.Unix() {
			continue
		}
		if total >= from && total < from+req.PageSize {
			resp.Jobs = append(resp.Jobs, s)
		}
		total++
	}
	if !f.hideTotal {
		resp.TotalCount = client.Int64(total)
	}
	return resp, nil
}

// fakeClock is the poller's clock in tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// pollTest is a poller over a fresh store, a fake clock and a private registry.
type pollTest struct {
	t     testing.TB
	store *collector.Store
	clock *fakeClock
	reg   *prometheus.Registry
	p     *Poller
}

func newPollTest(t testing.TB, opts Options, specs ...ClusterSpec) *pollTest {
	t.Helper()
	store, err := collector.NewStore(collector.StoreOptions{})
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	pt := &pollTest{t: t, store: store, clock: newFakeClock(), reg: prometheus.NewRegistry()}
	if opts.Interval == 0 {
		opts.Interval = 30 * time.Second
	}
	if opts.Retention == 0 {
		opts.Retention = time.Hour
	}
	if opts.Concurrency == 0 {
		opts.Concurrency = 4
	}
	if opts.Now == nil {
		opts.Now = pt.clock.Now
	}
	opts.Registerer = pt.reg
	pt.p, err = New(store, opts, specs)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return pt
}

// cycle moves the clock one interval on and runs what is due then: what one
// interval of Run does.
func (pt *pollTest) cycle() {
	pt.t.Helper()
	pt.clock.Add(pt.p.opts.Interval)
	pt.p.RunDue(context.Background())
}

func (pt *pollTest) snap(clusterID, jobID string) *collector.JobSnapshot {
	pt.t.Helper()
	s, ok := pt.store.Get(collector.JobKey{ClusterID: clusterID, JobID: jobID})
	if !ok {
		pt.t.Fatalf("job %s/%s is not in the store", clusterID, jobID)
	}
	return s
}

func (pt *pollTest) has(clusterID, jobID string) bool {
	_, ok := pt.store.Get(collector.JobKey{ClusterID: clusterID, JobID: jobID})
	return ok
}

// ids returns the stored job ids of a cluster, sorted.
func (pt *pollTest) ids(clusterID string) []string {
	var out []string
	for _, k := range pt.store.Keys() {
		if k.ClusterID == clusterID {
			out = append(out, k.JobID)
		}
	}
	return out
}

func staticSpec(api API, ids ...string) ClusterSpec {
	return ClusterSpec{ClusterID: "c1", RegionID: "cn-hangzhou", API: api, Account: "acct", JobIDs: ids}
}

func discoverySpec(api API) ClusterSpec {
	s := staticSpec(api)
	s.Discovery = &DiscoverySpec{}
	return s
}

// waitFor waits until cond holds, failing the test after a generous deadline.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

func wantIDs(t testing.TB, got []string, want ...string) {
	t.Helper()
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("stored jobs = %v, want %v", got, want)
	}
}
