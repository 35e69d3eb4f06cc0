package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitCalls waits, with a deadline, until the counters satisfy cond.
func waitCalls(t *testing.T, f *fixture, what string, cond func(CallCounts) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.sim.WaitCalls(ctx, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

func TestFaultErrorAnswers(t *testing.T) {
	for _, tc := range []struct {
		fault  Fault
		status int
		code   string
	}{
		{Fault{Kind: FaultThrottling}, 400, "Throttling.User"},
		{Fault{Kind: FaultThrottling, Status: 429, TimeLeft: 2500 * time.Millisecond}, 429, "Throttling.User"},
		{Fault{Kind: FaultServiceUnavailable}, 503, "ServiceUnavailable"},
		{Fault{Kind: FaultUnknownError}, 500, "UnknownError"},
		{Fault{Kind: FaultError, Code: "EcsError"}, 406, "EcsError"},
		{Fault{Kind: FaultError, Code: "Throttling.Api", Status: 429}, 429, "Throttling.Api"},
		{Fault{Kind: FaultClusterGone}, 404, "ClusterNotFound"},
		{Fault{Kind: FaultPermissionLoss}, 407, "NotAuthorized"},
	} {
		t.Run(tc.code, func(t *testing.T) {
			f := newFixture(t, timelineScenario())
			if err := f.sim.SetFaults(tc.fault); err != nil {
				t.Fatal(err)
			}
			a := f.call(ActionDescribeServerlessJobs, q7())
			a.wantError(t, tc.status, tc.code)
			if tc.fault.Kind == FaultThrottling {
				left := tc.fault.TimeLeft
				if left == 0 {
					left = time.Second
				}
				h := a.header.Get("x-ratelimit-user-api")
				if !strings.Contains(h, "TimeLeft:"+itoaTest(int(left.Milliseconds()))) {
					t.Fatalf("x-ratelimit-user-api = %q", h)
				}
			}
		})
	}
}

func TestFaultScopeAndCount(t *testing.T) {
	f := newFixture(t, timelineScenario())
	err := f.sim.SetFaults(
		Fault{Kind: FaultServiceUnavailable, Action: ActionDescribeServerlessJobs, ClusterID: "ehpc-test", JobID: "8", Count: 2},
		Fault{Kind: FaultUnknownError, Action: ActionListServerlessJobs},
	)
	if err != nil {
		t.Fatal(err)
	}
	f.call(ActionDescribeServerlessJobs, q7()).describe(t) // other job: untouched
	f.call(ActionDescribeServerlessJobs, describeQuery("ehpc-test", "8")).wantError(t, 503, "ServiceUnavailable")
	f.call(ActionDescribeServerlessJobs, describeQuery("ehpc-test", "8")).wantError(t, 503, "ServiceUnavailable")
	f.call(ActionDescribeServerlessJobs, describeQuery("ehpc-test", "8")).describe(t) // count used up
	f.call(ActionListServerlessJobs, listQ("ClusterId", "ehpc-test")).wantError(t, 500, "UnknownError")
	f.call(ActionListServerlessJobs, listQ("ClusterId", "ehpc-test")).wantError(t, 500, "UnknownError")
	f.sim.ClearFaults()
	f.call(ActionListServerlessJobs, listQ("ClusterId", "ehpc-test")).list(t)

	c := f.sim.Calls()
	if c.Count(ActionDescribeServerlessJobs, "ServiceUnavailable") != 2 || c.Count(ActionDescribeServerlessJobs, "OK") != 2 ||
		c.Count(ActionListServerlessJobs, "UnknownError") != 2 || c.Count(ActionListServerlessJobs, "") != 3 || c.Total != 7 {
		t.Fatalf("counts %+v", c)
	}
	f.sim.ResetCalls()
	if f.sim.Calls().Total != 0 {
		t.Fatal("ResetCalls kept counts")
	}
}

func TestFaultValidation(t *testing.T) {
	f := newFixture(t, timelineScenario())
	for _, bad := range []Fault{
		{Kind: "Gremlins"},
		{Kind: FaultThrottling, Status: 500},
		{Kind: FaultError},
		{Kind: FaultSlow},
		{Kind: FaultServiceUnavailable, Count: -1},
		{Kind: FaultOversized, Size: -1},
	} {
		if err := f.sim.SetFaults(Fault{Kind: FaultUnknownError}, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	// A refused set leaves the faults as they were (none).
	f.call(ActionDescribeServerlessJobs, q7()).describe(t)
	if err := f.sim.AddFault(Fault{Kind: "Nope"}); err == nil {
		t.Error("AddFault accepted an unknown kind")
	}
}

func TestFaultBadGateway(t *testing.T) {
	f := newFixture(t, timelineScenario())
	_ = f.sim.SetFaults(Fault{Kind: FaultBadGateway})
	a := f.call(ActionDescribeServerlessJobs, q7())
	if a.status != 502 || !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") || !bytes.Contains(a.body, []byte("502 Bad Gateway")) {
		t.Fatalf("HTTP %d %s: %s", a.status, a.header.Get("Content-Type"), a.body)
	}
	if json.Valid(a.body) {
		t.Fatal("502 page is JSON")
	}
	if f.sim.Calls().Count("", "HTTP502") != 1 {
		t.Fatal("502 not counted")
	}
}

func TestFaultBodies(t *testing.T) {
	f := newFixture(t, timelineScenario())
	f.at(30 * time.Second)
	clean := f.call(ActionDescribeServerlessJobs, q7()).body
	cleanList := f.call(ActionListServerlessJobs, listQ("ClusterId", "ehpc-test")).body

	_ = f.sim.SetFaults(Fault{Kind: FaultTruncatedJSON, Count: 1})
	a := f.call(ActionDescribeServerlessJobs, q7())
	if a.status != 200 || json.Valid(a.body) || len(a.body) < len(clean)/2-64 || len(a.body) > len(clean)/2+64 {
		t.Fatalf("truncated: HTTP %d, %d of %d bytes, valid %v", a.status, len(a.body), len(clean), json.Valid(a.body))
	}

	_ = f.sim.SetFaults(Fault{Kind: FaultMalformedJSON, Count: 1})
	if a = f.call(ActionDescribeServerlessJobs, q7()); a.status != 200 || json.Valid(a.body) {
		t.Fatalf("malformed: HTTP %d valid %v", a.status, json.Valid(a.body))
	}

	_ = f.sim.SetFaults(Fault{Kind: FaultStrayWhitespace, Count: 1})
	a = f.call(ActionDescribeServerlessJobs, q7())
	if !bytes.Contains(a.body, []byte(`"State":"  Failed\n"`)) {
		t.Fatalf("stray white space missing: %.300s", a.body)
	}
	// The tolerant models read it back to the clean answer (request id aside).
	if got, want := a.describe(t), (answer{status: 200, body: clean}).describe(t); !sameJobs(got.JobInfos, want.JobInfos) {
		t.Fatal("white space changed the decoded answer")
	}

	_ = f.sim.SetFaults(Fault{Kind: FaultStringNumbers, Count: 2})
	a = f.call(ActionDescribeServerlessJobs, q7())
	if !bytes.Contains(a.body, []byte(`"Priority":"5"`)) || !bytes.Contains(a.body, []byte(`"IsArrayJob":"false"`)) {
		t.Fatalf("numbers not strings: %.300s", a.body)
	}
	if got, want := a.describe(t), (answer{status: 200, body: clean}).describe(t); !sameJobs(got.JobInfos, want.JobInfos) {
		t.Fatal("string numbers changed the decoded answer")
	}
	l := f.call(ActionListServerlessJobs, listQ("ClusterId", "ehpc-test"))
	if !bytes.Contains(l.body, []byte(`"TotalCount":"`)) {
		t.Fatalf("list numbers not strings: %.200s", l.body)
	}

	_ = f.sim.SetFaults(Fault{Kind: FaultWrongTypes, Count: 2})
	a = f.call(ActionDescribeServerlessJobs, q7())
	if !bytes.Contains(a.body, []byte(`"State":{"Value":"Failed"}`)) {
		t.Fatalf("wrong types: %.300s", a.body)
	}
	if l = f.call(ActionListServerlessJobs, listQ("ClusterId", "ehpc-test")); !bytes.Contains(l.body, []byte(`"State":{"Value":`)) {
		t.Fatalf("wrong types in list: %.300s", l.body)
	}

	_ = f.sim.SetFaults(Fault{Kind: FaultMissingFields, Count: 1})
	a = f.call(ActionDescribeServerlessJobs, q7())
	for _, field := range []string{`"TotalCount"`, `"State"`, `"ContainerGroups"`, `"LastModifyTime"`, `"SubmitTime"`} {
		if bytes.Contains(a.body, []byte(field)) {
			t.Fatalf("%s still present: %s", field, a.body)
		}
	}
	if !bytes.Contains(a.body, []byte(`"JobId":"7"`)) {
		t.Fatalf("job id lost: %s", a.body)
	}
	if !bytes.Contains(cleanList, []byte(`"Jobs"`)) {
		t.Fatal("list answer lacks Jobs")
	}
}

func sameJobs(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestFaultOversizedStreams(t *testing.T) {
	f := newFixture(t, timelineScenario())
	const size = 3 << 20
	_ = f.sim.SetFaults(Fault{Kind: FaultOversized, Size: size})
	a := f.call(ActionDescribeServerlessJobs, q7())
	if a.status != 200 || len(a.body) != size || !json.Valid(a.body) {
		t.Fatalf("HTTP %d, %d bytes (want %d), valid %v", a.status, len(a.body), size, json.Valid(a.body))
	}
	if a.header.Get("Content-Length") != "" {
		t.Fatal("oversized answer announces its length")
	}

	// The default 50 MiB: the caller stops early and the server stops too.
	_ = f.sim.SetFaults(Fault{Kind: FaultOversized})
	resp, err := f.srv.Client().Do(f.v3(ActionDescribeServerlessJobs, q7()).request(t, f.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.CopyN(io.Discard, resp.Body, 1<<20)
	resp.Body.Close()
	if n != 1<<20 {
		t.Fatalf("read %d bytes", n)
	}
	waitCalls(t, f, "the oversized answer to end", func(c CallCounts) bool { return c.Count(ActionDescribeServerlessJobs, "OK") == 2 })
}

func TestFaultConnectionReset(t *testing.T) {
	f := newFixture(t, timelineScenario())
	_ = f.sim.SetFaults(Fault{Kind: FaultConnectionReset, Count: 1})
	req := f.v3(ActionDescribeServerlessJobs, q7()).request(t, f.srv.URL)
	resp, err := f.srv.Client().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got HTTP %d, want a connection error", resp.StatusCode)
	}
	// The simulator counts the reset after dropping the connection, so the
	// client may see the reset before it is counted.
	waitCalls(t, f, "the reset to be counted", func(c CallCounts) bool { return c.Count("", "ConnectionReset") == 1 })
	f.call(ActionDescribeServerlessJobs, q7()).describe(t)
}

func TestFaultSlowHonoursCancellation(t *testing.T) {
	f := newFixture(t, timelineScenario())
	_ = f.sim.SetFaults(Fault{Kind: FaultSlow, Delay: time.Hour, Count: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req := f.v3(ActionDescribeServerlessJobs, q7()).request(t, f.srv.URL).WithContext(ctx)
	_, err := f.srv.Client().Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the caller's deadline", err)
	}
	waitCalls(t, f, "the slow handler to give up", func(c CallCounts) bool { return c.Count(ActionDescribeServerlessJobs, "Canceled") == 1 })

	// A short delay is served after the wait.
	_ = f.sim.SetFaults(Fault{Kind: FaultSlow, Delay: time.Millisecond, Count: 1})
	f.call(ActionDescribeServerlessJobs, q7()).describe(t)
}

// Faults change while requests are in flight: every answer is one of the two
// possible ones, and the race detector sees no unsynchronised access.
func TestFaultsConcurrent(t *testing.T) {
	f := newFixture(t, timelineScenario())
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = f.sim.SetFaults(Fault{Kind: FaultServiceUnavailable, Count: 3})
			f.sim.ClearFaults()
			_ = f.sim.AddFault(Fault{Kind: FaultStringNumbers})
			_ = f.sim.Calls()
		}
	}()
	var callers sync.WaitGroup
	for g := 0; g < 4; g++ {
		callers.Add(1)
		go func() {
			defer callers.Done()
			for i := 0; i < 25; i++ {
				req := f.v3(ActionDescribeServerlessJobs, q7()).request(t, f.srv.URL)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 && resp.StatusCode != 503 {
					t.Errorf("HTTP %d", resp.StatusCode)
				}
			}
		}()
	}
	callers.Wait()
	close(stop)
	wg.Wait()
	if c := f.sim.Calls(); c.Total != 100 || c.Count("", "OK")+c.Count("", "ServiceUnavailable") != 100 {
		t.Fatalf("counts %+v", c)
	}
}
