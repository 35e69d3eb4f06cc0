package blackbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/credentials-go/credentials"
	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/proctest"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/poller"
)

// The fault matrix runs the real poller with the real client against the
// real simulator over loopback HTTP. Only the clocks are ours: the poller's
// (so the age of kept data is exact) and the simulator's job timelines (so
// the jobs stay Running). Cycles are driven by RunCycle, one at a time.

const (
	rigCluster  = "ehpc-hz-faults01"
	rigRegion   = "cn-hangzhou"
	rigKeyID    = "LTAIfaultmatrix"
	rigSecret   = "fault-matrix-secret-7d1c9e"
	rigSTSKeyID = "STS.faultmatrix"
	rigSTSSec   = "fault-matrix-sts-secret-41b2"
	rigToken    = "fault-matrix-sts-token-c6a0f3"
)

// rigEpoch pins the simulated world so answers are the same on every run.
var rigEpoch = time.Date(2024, 6, 1, 8, 0, 0, 0, time.UTC)

// rigPollerStart is where the poller's clock starts. That clock is the
// rig's, not the simulated world's: each cycle moves it one minute, so the
// age of kept data is exact.
var rigPollerStart = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// rigScenario: two jobs that run for good, so every good answer says Running.
func rigScenario() *simulator.Scenario {
	running := []simulator.Phase{{At: 0, State: simulator.StateRunning}}
	return &simulator.Scenario{
		Epoch: rigEpoch,
		Clusters: []simulator.Cluster{{
			ID:       rigCluster,
			RegionID: rigRegion,
			Jobs: []simulator.Job{
				{ID: "1", Name: "solver", Queue: "comp", User: "alice", Submit: -time.Hour, Timeline: running},
				{ID: "2", Name: "post", Queue: "comp", User: "bob", Submit: -time.Hour, Timeline: running},
				{ID: "3", Name: "extra", Queue: "comp", User: "bob", Submit: -time.Hour, Timeline: running},
				// Unknown to the service until ten simulated minutes in.
				{ID: "9", Name: "late", Queue: "comp", User: "bob", Submit: 10 * time.Minute, Timeline: running},
			},
		}},
	}
}

// rigOptions tune one rig; zero values get the defaults in newRig.
type rigOptions struct {
	// CallTimeout bounds one call of the poller, retries included (0: the
	// poller's default).
	CallTimeout  time.Duration
	MaxRetries   int
	Timeout      time.Duration // one attempt
	MaxBytes     int64
	JobIDs       []string
	Discovery    bool
	ExtraKeys    map[string]simulator.Key
	Concurrency  int
	noDefaultIDs bool
	// Soak keeps the test's own records from growing with the cycles: no
	// log kept, no arrival times, few remembered nonces in the simulator.
	Soak bool
}

// faultRig is one exporter core (poller, client, store, registry) against
// one simulator behind a restartable loopback server.
type faultRig struct {
	t     *testing.T
	sim   *simulator.Simulator
	srv   *restartableServer
	front *frontDoor
	cred  *switchCredential
	skew  *skewClock
	api   *client.Client
	reg   *prometheus.Registry
	store *collector.Store
	clock *simulator.ManualClock
	p     *poller.Poller
	logs  *proctest.TailBuffer
	jobs  []string
	// scrapeURL serves the store and the registry as the exporter does.
	scrapeURL string

	goodAt time.Time // poller time of the last all-good cycle
}

func newRig(t *testing.T, o rigOptions) *faultRig {
	t.Helper()
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Second
	}
	if o.JobIDs == nil && !o.noDefaultIDs {
		o.JobIDs = []string{"1", "2"}
	}
	if o.Concurrency == 0 {
		o.Concurrency = 4
	}
	keys := map[string]simulator.Key{
		rigKeyID:    {Secret: rigSecret},
		rigSTSKeyID: {Secret: rigSTSSec, SecurityToken: rigToken},
	}
	for k, v := range o.ExtraKeys {
		keys[k] = v
	}
	skew := &skewClock{}
	simOpts := simulator.Options{Scenario: rigScenario(), Keys: keys, WallClock: skew.Now}
	if o.Soak {
		simOpts.MaxNonces = 100
	}
	sim, err := simulator.New(simOpts)
	if err != nil {
		t.Fatalf("simulator: %v", err)
	}
	r := &faultRig{t: t, sim: sim, skew: skew, clock: simulator.NewManualClock(rigPollerStart), reg: prometheus.NewRegistry(),
		logs: proctest.NewTailBuffer(logKeep), jobs: o.JobIDs}
	r.front = &frontDoor{next: sim, record: !o.Soak}
	r.srv = startRestartable(t, r.front)
	r.cred = &switchCredential{}
	r.cred.set(client.StaticCredential{AccessKeyID: rigKeyID, AccessKeySecret: rigSecret}, nil)

	r.api, err = client.New(client.Options{
		Endpoint:         "http://" + r.srv.addr,
		RegionID:         rigRegion,
		Credential:       r.cred,
		CredentialSource: "the test's key",
		Timeout:          o.Timeout,
		MaxRetries:       o.MaxRetries,
		MaxResponseBytes: o.MaxBytes,
		Observer:         poller.NewAPIMetrics(r.reg),
		Concurrency:      o.Concurrency,
	})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	r.store, err = collector.NewStore(collector.StoreOptions{})
	if err != nil {
		t.Fatalf("store: %v", err)
	}
	spec := poller.ClusterSpec{ClusterID: rigCluster, RegionID: rigRegion, API: r.api, Account: "acct", JobIDs: o.JobIDs}
	if o.Discovery {
		spec.Discovery = &poller.DiscoverySpec{}
	}
	logger := log.NewLogfmtLogger(r.logs)
	if o.Soak {
		logger = log.NewLogfmtLogger(io.Discard)
	}
	r.p, err = poller.New(r.store, poller.Options{
		Interval:    30 * time.Second,
		CallTimeout: o.CallTimeout,
		Retention:   time.Hour,
		Concurrency: o.Concurrency,
		Now:         r.clock.Now,
		Logger:      logger,
		Registerer:  r.reg,
	}, []poller.ClusterSpec{spec})
	if err != nil {
		t.Fatalf("poller: %v", err)
	}
	scrape := httptest.NewServer(collector.Handler(r.store, r.reg, nil))
	t.Cleanup(scrape.Close)
	r.scrapeURL = scrape.URL
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("poller log:\n%s", r.logs.String())
		}
	})
	return r
}

// cycle advances the poller's clock by a minute, two intervals, and runs
// what is due: every job.
func (r *faultRig) cycle() {
	r.t.Helper()
	r.clock.Advance(time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r.p.RunDue(ctx)
}

// healthy runs a cycle without faults and checks that every job has fresh,
// complete data; it remembers when, for the stale-data checks that follow.
func (r *faultRig) healthy() {
	r.t.Helper()
	r.cycle()
	r.goodAt = r.clock.Now()
	r.expectFresh()
}

// expectFresh: every job was just described successfully and says Running.
func (r *faultRig) expectFresh() {
	r.t.Helper()
	m := r.scrape()
	for _, id := range r.jobs {
		s := r.snap(id)
		if s.LastErrorCode != "" || s.Info == nil || !s.LastSuccess.Equal(r.clock.Now()) {
			r.t.Fatalf("job %s after a good cycle: code %q, info %v, last success %v (now %v)",
				id, s.LastErrorCode, s.Info != nil, s.LastSuccess, r.clock.Now())
		}
		m.want(r.t, jobSeries("ehpc_serverless_job_state", rigCluster, id, "state", "Running"), 1)
		m.want(r.t, jobSeries("ehpc_serverless_job_last_poll_success_timestamp_seconds", rigCluster, id), float64(r.clock.Now().Unix()))
	}
}

// expectStale checks what a failed cycle must leave behind for each job: the
// exporter still serves, the last good data is unchanged, its age shows in the
// last-success timestamp, and the failure is counted under code, n times in all.
func (r *faultRig) expectStale(code string, n float64, ids ...string) {
	r.t.Helper()
	if len(ids) == 0 {
		ids = r.jobs
	}
	m := r.scrape()
	for _, id := range ids {
		s := r.snap(id)
		if s.LastErrorCode != code {
			r.t.Errorf("job %s: last error code %q, want %q (message %q)", id, s.LastErrorCode, code, s.LastErrorMessage)
		}
		if s.Info == nil || s.Info.State.String() != "Running" {
			r.t.Errorf("job %s: the last good data was not kept: %+v", id, s.Info)
		}
		if !s.LastSuccess.Equal(r.goodAt) {
			r.t.Errorf("job %s: last success %v, want the last good cycle's %v", id, s.LastSuccess, r.goodAt)
		}
		if s.LastErrorMessage == "" || strings.ContainsAny(s.LastErrorMessage, "\r\n") {
			r.t.Errorf("job %s: error message %q should be one non-empty line", id, s.LastErrorMessage)
		}
		m.want(r.t, jobSeries("ehpc_serverless_job_state", rigCluster, id, "state", "Running"), 1)
		m.want(r.t, jobSeries("ehpc_serverless_job_info", rigCluster, id, "job_name", jobName(id), "queue", "comp",
			"user", jobUser(id), "array_job_id", "", "array_index", ""), 1)
		m.want(r.t, jobSeries("ehpc_serverless_job_last_poll_success_timestamp_seconds", rigCluster, id), float64(r.goodAt.Unix()))
		m.want(r.t, jobSeries("ehpc_serverless_job_poll_errors_total", rigCluster, id, "code", code), n)
	}
	if age := r.clock.Now().Sub(r.goodAt); age <= 0 {
		r.t.Errorf("the poller clock did not move; the data age would not show")
	}
	r.noSecrets(m.raw)
}

// recover clears the faults, runs a cycle and expects fresh data again, with
// the failures of ids (default: every job) still counted.
func (r *faultRig) recover(code string, n float64, ids ...string) {
	r.t.Helper()
	if len(ids) == 0 {
		ids = r.jobs
	}
	r.sim.ClearFaults()
	r.front.setRewrite(nil)
	r.healthy()
	m := r.scrape()
	for _, id := range ids {
		m.want(r.t, jobSeries("ehpc_serverless_job_poll_errors_total", rigCluster, id, "code", code), n)
	}
}

func (r *faultRig) snap(id string) *collector.JobSnapshot {
	r.t.Helper()
	s, ok := r.store.Get(collector.JobKey{ClusterID: rigCluster, JobID: id})
	if !ok {
		r.t.Fatalf("job %s is not in the store", id)
	}
	return s
}

// apiRequests is the exporter's count of attempts with a code.
func (r *faultRig) apiRequests(action, code string) float64 {
	r.t.Helper()
	v, _ := r.scrape().get(fmt.Sprintf(`ehpc_serverless_exporter_api_requests_total{action=%q,cluster_id=%q,code=%q}`, action, rigCluster, code))
	return v
}

// simCalls is the simulator's count of answers with a code.
func (r *faultRig) simCalls(code string) int64 {
	return r.sim.Calls().Count(simulator.ActionDescribeServerlessJobs, code)
}

// noSecrets fails when a secret or token of the rig shows in text.
func (r *faultRig) noSecrets(text string) {
	r.t.Helper()
	for _, s := range []string{rigSecret, rigSTSSec, rigToken} {
		if strings.Contains(text, s) {
			r.t.Errorf("a secret shows: %q", s)
		}
	}
}

func jobName(id string) string {
	return map[string]string{"1": "solver", "2": "post", "3": "extra", "9": "late"}[id]
}

func jobUser(id string) string {
	if id == "1" {
		return "alice"
	}
	return "bob"
}

// scrape GETs /metrics over HTTP, as Prometheus would.
func (r *faultRig) scrape() exposed {
	r.t.Helper()
	resp, err := http.Get(r.scrapeURL + "/metrics")
	if err != nil {
		r.t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		r.t.Fatalf("scrape: status %d, err %v", resp.StatusCode, err)
	}
	return exposed{raw: string(body), samples: parseSamples(r.t, string(body))}
}

// exposed is one scrape: its text, for the checks that look for what must
// not be in it, and its samples.
type exposed struct {
	raw string
	samples
}

// duplicateEntries repeats every entry of the answer's list field.
func duplicateEntries(t *testing.T, body []byte, field string) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		t.Errorf("the simulator's answer is not JSON: %v", err)
		return body
	}
	if list, ok := v[field].([]any); ok {
		v[field] = append(list, list...)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Errorf("re-encoding the answer: %v", err)
		return body
	}
	return out
}

// restartableServer serves on one loopback address and can be stopped (the
// port then refuses connections) and started again on the same port.
type restartableServer struct {
	t    *testing.T
	h    http.Handler
	addr string

	mu   sync.Mutex
	srv  *http.Server
	done chan struct{}
}

func startRestartable(t *testing.T, h http.Handler) *restartableServer {
	t.Helper()
	s := &restartableServer{t: t, h: h, addr: "127.0.0.1:0"}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *restartableServer) start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		s.t.Fatalf("listen on %s: %v", s.addr, err)
	}
	s.addr = ln.Addr().String()
	srv := &http.Server{Handler: s.h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	s.srv, s.done = srv, done
}

// stop closes the listener and every connection, and waits for Serve to end.
func (s *restartableServer) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return
	}
	_ = s.srv.Close()
	<-s.done
	s.srv, s.done = nil, nil
}

// frontDoor passes requests to the simulator and, when told to, rewrites its
// answers: for misbehaviour the simulator cannot produce, such as an answer
// about another job. It also notes when each describe arrived.
type frontDoor struct {
	next   http.Handler
	record bool // note arrival times

	mu       sync.Mutex
	rewrite  func(action string, body []byte) []byte
	arrivals []time.Time
}

func (f *frontDoor) setRewrite(fn func(action string, body []byte) []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rewrite = fn
}

func (f *frontDoor) arrivalTimes() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.arrivals...)
}

func (f *frontDoor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	action := r.Header.Get("x-acs-action")
	f.mu.Lock()
	if f.record && action == simulator.ActionDescribeServerlessJobs {
		f.arrivals = append(f.arrivals, time.Now())
	}
	rewrite := f.rewrite
	f.mu.Unlock()
	if rewrite == nil {
		f.next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	f.next.ServeHTTP(rec, r)
	body := rewrite(action, rec.Body.Bytes())
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

// switchCredential is a credential source the test can change between
// cycles: another key, a wrong secret, or a failing provider.
type switchCredential struct {
	mu   sync.Mutex
	cred client.StaticCredential
	err  error
}

func (c *switchCredential) set(cred client.StaticCredential, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cred, c.err = cred, err
}

func (c *switchCredential) GetCredential() (*credentials.CredentialModel, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return nil, c.err
	}
	return c.cred.GetCredential()
}

func (c *switchCredential) GetAccessKeyId() (*string, error) {
	m, err := c.GetCredential()
	if err != nil {
		return nil, err
	}
	return m.AccessKeyId, nil
}

func (c *switchCredential) GetAccessKeySecret() (*string, error) {
	m, err := c.GetCredential()
	if err != nil {
		return nil, err
	}
	return m.AccessKeySecret, nil
}

func (c *switchCredential) GetSecurityToken() (*string, error) {
	m, err := c.GetCredential()
	if err != nil {
		return nil, err
	}
	return m.SecurityToken, nil
}

func (c *switchCredential) GetBearerToken() *string { s := ""; return &s }

func (c *switchCredential) GetType() *string { s := "access_key"; return &s }

var errProviderDown = errors.New("provider down")

// skewClock is the simulator's wall clock: real time plus a settable skew,
// standing for an exporter host whose clock is off.
type skewClock struct {
	mu   sync.Mutex
	skew time.Duration
}

func (c *skewClock) set(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.skew = d
}

func (c *skewClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.skew)
}
