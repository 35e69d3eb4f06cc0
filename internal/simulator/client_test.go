package simulator

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/seed"
)

// The project's own client against the simulator: what one signs, the other
// accepts, and everything the simulator says, the client decodes.

func (f *fixture) client(mutate ...func(*client.Options)) *client.Client {
	f.t.Helper()
	o := client.Options{
		Endpoint:   f.srv.URL,
		RegionID:   "cn-hangzhou",
		Credential: client.StaticCredential{AccessKeyID: testAK, AccessKeySecret: testSecret},
		Now:        func() time.Time { return f.wall },
		Timeout:    5 * time.Second,
	}
	for _, m := range mutate {
		m(&o)
	}
	c, err := client.New(o)
	if err != nil {
		f.t.Fatalf("client.New: %v", err)
	}
	return c
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestClientAccepted(t *testing.T) {
	f := newFixture(t, timelineScenario())
	f.at(30 * time.Second)
	for name, cred := range map[string]client.StaticCredential{
		"static key": {AccessKeyID: testAK, AccessKeySecret: testSecret},
		"sts":        {AccessKeyID: stsAK, AccessKeySecret: stsSecret, SecurityToken: stsToken},
	} {
		t.Run(name, func(t *testing.T) {
			c := f.client(func(o *client.Options) { o.Credential = cred })
			d, err := c.DescribeServerlessJobs(ctxT(t), client.DescribeServerlessJobsRequest{ClusterID: "ehpc-test", JobIDs: []string{"7"}})
			if err != nil {
				t.Fatal(err)
			}
			if d.TotalCount != 1 || d.JobInfos[0].State != "Failed" || d.JobInfos[0].ContainerGroups[0].Containers[0].CurrentState.ExitCode != 137 {
				t.Fatalf("describe: %+v", d)
			}
			l, err := c.ListServerlessJobs(ctxT(t), client.ListServerlessJobsRequest{ClusterID: "ehpc-test", PageSize: 100, State: "Failed"})
			if err != nil {
				t.Fatal(err)
			}
			if l.TotalCount != 1 || l.Jobs[0].JobID != "7" || l.Jobs[0].Priority != 5 || l.Jobs[0].EndTime != unix(30*time.Second) {
				t.Fatalf("list: %+v", l)
			}
		})
	}
}

func TestClientRejected(t *testing.T) {
	f := newFixture(t, timelineScenario())
	for _, tc := range []struct {
		name   string
		mutate func(*client.Options)
		code   string
	}{
		{"wrong secret", func(o *client.Options) {
			o.Credential = client.StaticCredential{AccessKeyID: testAK, AccessKeySecret: "not-the-secret"}
		}, "SignatureDoesNotMatch"},
		{"unknown key", func(o *client.Options) {
			o.Credential = client.StaticCredential{AccessKeyID: "LTAIstranger", AccessKeySecret: testSecret}
		}, "InvalidAccessKeyId.NotFound"},
		{"skewed clock", func(o *client.Options) {
			o.Now = func() time.Time { return f.wall.Add(20 * time.Minute) }
		}, "InvalidTimeStamp.Expired"},
		{"wrong token", func(o *client.Options) {
			o.Credential = client.StaticCredential{AccessKeyID: stsAK, AccessKeySecret: stsSecret, SecurityToken: "stale"}
		}, "InvalidSecurityToken.Mismatch"},
		{"cluster not allowed", func(o *client.Options) {
			o.Credential = client.StaticCredential{AccessKeyID: limitedAK, AccessKeySecret: limitedSecret}
		}, "NotAuthorized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := f.client(tc.mutate, func(o *client.Options) { o.MaxRetries = 2 })
			before := f.sim.Calls().Total
			_, err := c.DescribeServerlessJobs(ctxT(t), client.DescribeServerlessJobsRequest{ClusterID: "ehpc-test", JobIDs: []string{"7"}})
			if got := client.ErrorCode(err); got != tc.code {
				t.Fatalf("ErrorCode = %s (%v), want %s", got, err, tc.code)
			}
			if client.IsRetryable(err) {
				t.Fatalf("%s is retryable", tc.code)
			}
			if n := f.sim.Calls().Total - before; n != 1 {
				t.Fatalf("%d attempts for a final error", n)
			}
			for _, s := range []string{testSecret, stsSecret, stsToken} {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("error leaks a secret: %v", err)
				}
			}
		})
	}
}

// The client's view of each fault, and its retries counted by the simulator.
func TestClientUnderFaults(t *testing.T) {
	for _, tc := range []struct {
		fault    Fault
		code     string // ErrorCode of the call; OK when retries get past the fault
		attempts int64
	}{
		{Fault{Kind: FaultThrottling, TimeLeft: 10 * time.Millisecond, Count: 2}, "OK", 3},
		{Fault{Kind: FaultThrottling, Status: 429, TimeLeft: 10 * time.Millisecond}, "Throttling.User", 3},
		{Fault{Kind: FaultServiceUnavailable, Count: 1}, "OK", 2},
		{Fault{Kind: FaultUnknownError}, "UnknownError", 3},
		{Fault{Kind: FaultError, Code: "EcsError", Count: 1}, "OK", 2},
		{Fault{Kind: FaultBadGateway}, "HTTP502", 3},
		{Fault{Kind: FaultConnectionReset, Count: 1}, "OK", 2},
		{Fault{Kind: FaultConnectionReset}, "ConnectionError", 3},
		{Fault{Kind: FaultSlow, Delay: time.Hour}, "Timeout", 3},
		{Fault{Kind: FaultTruncatedJSON}, "DecodeError", 1},
		{Fault{Kind: FaultMalformedJSON}, "DecodeError", 1},
		// The State sent as an object is left unset, the rest of the job kept.
		{Fault{Kind: FaultWrongTypes}, "OK", 1},
		{Fault{Kind: FaultOversized}, "ResponseTooLarge", 1},
		{Fault{Kind: FaultClusterGone}, "ClusterNotFound", 1},
		{Fault{Kind: FaultPermissionLoss}, "NotAuthorized", 1},
		{Fault{Kind: FaultStrayWhitespace}, "OK", 1},
		{Fault{Kind: FaultStringNumbers}, "OK", 1},
		{Fault{Kind: FaultMissingFields}, "OK", 1},
	} {
		name := string(tc.fault.Kind) + "/" + tc.code
		if tc.fault.Count > 0 {
			name += "/x" + strconv.Itoa(tc.fault.Count)
		}
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, timelineScenario())
			f.at(30 * time.Second)
			c := f.client(func(o *client.Options) {
				o.MaxRetries = 2
				o.Timeout = 300 * time.Millisecond
				o.MaxResponseBytes = 1 << 20
			})
			if err := f.sim.SetFaults(tc.fault); err != nil {
				t.Fatal(err)
			}
			d, err := c.DescribeServerlessJobs(ctxT(t), client.DescribeServerlessJobsRequest{ClusterID: "ehpc-test", JobIDs: []string{"7"}})
			if got := client.ErrorCode(err); got != tc.code {
				t.Fatalf("ErrorCode = %s (%v), want %s", got, err, tc.code)
			}
			waitCalls(t, f, "every attempt to be answered", func(c CallCounts) bool {
				return c.Count(ActionDescribeServerlessJobs, "") == tc.attempts
			})
			if err != nil {
				return
			}
			j := d.JobInfos[0]
			switch tc.fault.Kind {
			case FaultMissingFields:
				if j.JobID != "7" || j.State != "" || j.ContainerGroups != nil {
					t.Fatalf("missing fields decoded as %+v", j)
				}
			case FaultWrongTypes:
				if j.JobID != "7" || j.State != "" || j.Priority != 5 || j.ContainerGroups[0].Containers[0].CurrentState.Reason != "OOMKilled" {
					t.Fatalf("wrong types decoded as %+v", j)
				}
			default:
				if j.State != "Failed" || j.Priority != 5 || j.ContainerGroups[0].Containers[0].CurrentState.Reason != "OOMKilled" {
					t.Fatalf("decoded %+v", j)
				}
			}
		})
	}
}

// Every answer of every built-in scenario decodes through the client, at
// several instants of its life.
func TestClientDecodesEveryScenario(t *testing.T) {
	example, err := LoadScenario("testdata/example.yml")
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		sc    *Scenario
		times []time.Duration
	}{
		"timeline":  {timelineScenario(), []time.Duration{0, 7 * time.Second, 15 * time.Second, 35 * time.Second, time.Hour}},
		"recurring": {recurringScenario(), []time.Duration{0, 5 * time.Minute}},
		"seed":      {SeedScenario(), []time.Duration{0}},
		"example":   {example, []time.Duration{0, 40 * time.Second, 3 * time.Minute, 10 * time.Minute}},
		"demo":      {DemoScenario(), []time.Duration{0, 2 * time.Minute, 7 * time.Minute, 13 * time.Minute, 2 * time.Hour}},
		"generated": {Generate(GenerateOptions{Jobs: 300, Clusters: 2, Seed: 1}), []time.Duration{0, time.Hour}},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, tc.sc, func(o *Options) { o.Keys[testAK] = Key{Secret: testSecret} })
			c := f.client()
			described := 0
			for _, at := range tc.times {
				f.at(at)
				for _, cl := range tc.sc.Clusters {
					for _, id := range listAll(t, c, cl.ID) {
						described += describeAll(t, c, cl.ID, id)
					}
				}
			}
			if described == 0 {
				t.Fatal("nothing described")
			}
		})
	}
}

// listAll pages through a cluster's jobs.
func listAll(t *testing.T, c *client.Client, cluster string) []client.JobSummary {
	t.Helper()
	var out []client.JobSummary
	for page := 1; ; page++ {
		l, err := c.ListServerlessJobs(ctxT(t), client.ListServerlessJobsRequest{ClusterID: cluster, PageNumber: page, PageSize: 100})
		if err != nil {
			t.Fatalf("list %s page %d: %v", cluster, page, err)
		}
		out = append(out, l.Jobs...)
		if len(l.Jobs) == 0 || len(out) >= int(l.TotalCount) {
			return out
		}
	}
}

// describeAll describes a listed job, or every sub-task of an array job, and
// returns how many answers it decoded.
func describeAll(t *testing.T, c *client.Client, cluster string, j client.JobSummary) int {
	t.Helper()
	describe := func(id string) *client.DescribeServerlessJobsResponse {
		d, err := c.DescribeServerlessJobs(ctxT(t), client.DescribeServerlessJobsRequest{ClusterID: cluster, JobIDs: []string{id}})
		if err != nil {
			t.Fatalf("describe %s/%s: %v", cluster, id, err)
		}
		return d
	}
	if !j.IsArrayJob {
		d := describe(j.JobID.String())
		if d.TotalCount != 1 || d.JobInfos[0].JobID != j.JobID || d.JobInfos[0].State == "" {
			t.Fatalf("describe %s/%s: %+v", cluster, j.JobID, d)
		}
		return 1
	}
	_, err := c.DescribeServerlessJobs(ctxT(t), client.DescribeServerlessJobsRequest{ClusterID: cluster, JobIDs: []string{j.JobID.String()}})
	if client.ErrorCode(err) != "InvalidParams" {
		t.Fatalf("bare array id %s: %v", j.JobID, err)
	}
	n := 0
	for idx := 0; idx <= 12; idx++ {
		if d := describe(j.JobID.String() + "_" + strconv.Itoa(idx)); d.TotalCount == 1 {
			ap := d.JobInfos[0].ArrayProperties
			if ap == nil || int64(ap.IndexStart) > int64(idx) || int64(ap.IndexEnd) < int64(idx) {
				t.Fatalf("sub-task %s_%d: %+v", j.JobID, idx, ap)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatalf("array job %s has no sub-task", j.JobID)
	}
	return n
}

// The seed through the client decodes to the sample's values.
func TestClientSeed(t *testing.T) {
	f := newFixture(t, SeedScenario())
	d, err := f.client().DescribeServerlessJobs(ctxT(t), client.DescribeServerlessJobsRequest{ClusterID: seed.ClusterID, JobIDs: []string{seed.JobID}})
	if err != nil {
		t.Fatal(err)
	}
	c := d.JobInfos[0].ContainerGroups[0].Containers[0]
	if d.RequestID != "04F0F334-1335-436C-A1D7-6C044FE73368" || c.CurrentState.State != "Terminated" || d.JobInfos[0].LastModifyTime != 1663831441000 {
		t.Fatalf("seed decoded as %+v", d)
	}
}

// A cancelled call stops waiting on a slow answer, and the simulator's
// handler stops too.
func TestClientCancelDuringSlowAnswer(t *testing.T) {
	f := newFixture(t, timelineScenario())
	_ = f.sim.SetFaults(Fault{Kind: FaultSlow, Delay: time.Hour})
	c := f.client(func(o *client.Options) { o.Timeout = time.Hour })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.DescribeServerlessJobs(ctx, client.DescribeServerlessJobsRequest{ClusterID: "ehpc-test", JobIDs: []string{"7"}})
	if err == nil || !(errors.Is(err, context.DeadlineExceeded) || client.ErrorCode(err) == "Timeout") {
		t.Fatalf("err = %v (%s)", err, client.ErrorCode(err))
	}
	waitCalls(t, f, "the slow handler to stop", func(c CallCounts) bool { return c.Count("", "Canceled") == 1 })
}
