package poller

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

func TestFirstCycleDescribesEveryStaticJobOnce(t *testing.T) {
	api := newFakeAPI()
	for _, id := range []string{"1", "2", "10_3"} {
		api.setJob(fakeJob(id, "Running"))
	}
	pt := newPollTest(t, Options{}, staticSpec(api, "1", "2", "10_3"))
	pt.cycle()

	for _, id := range []string{"1", "2", "10_3"} {
		if n := api.calls(id); n != 1 {
			t.Errorf("job %s described %d times, want 1", id, n)
		}
		s := pt.snap("c1", id)
		if s.Info == nil || string(s.Info.JobID) != id {
			t.Fatalf("job %s: snapshot Info = %+v", id, s.Info)
		}
		if s.Source != collector.SourceStatic || s.Class != collector.ClassActive {
			t.Errorf("job %s: source %q class %q, want static active", id, s.Source, s.Class)
		}
		if !s.LastSuccess.Equal(pt.clock.Now()) || s.LastErrorCode != "" {
			t.Errorf("job %s: LastSuccess %v LastErrorCode %q", id, s.LastSuccess, s.LastErrorCode)
		}
	}
	if api.multiIDCalls != 0 {
		t.Errorf("%d describes asked for more or less than one id", api.multiIDCalls)
	}
	if api.listCalls() != 0 {
		t.Errorf("listed %d times without discovery", api.listCalls())
	}
	wantIDs(t, pt.ids("c1"), "1", "2", "10_3")
}

func TestFinishedJobIsDescribedOnceMoreThenFrozen(t *testing.T) {
	api := newFakeAPI()
	api.setJob(fakeJob("run", "Running"))
	done := fakeJob("done", "Succeeded")
	api.setJob(done)
	pt := newPollTest(t, Options{}, staticSpec(api, "run", "done"))

	pt.cycle()
	if c := pt.snap("c1", "done").Class; c != collector.ClassFinal {
		t.Fatalf("after the first terminal answer class = %q, want final", c)
	}
	// The containers' final state arrives after the job's.
	done.ContainerGroups[0].Containers[0].CurrentState = client.ContainerState{State: "Terminated", ExitCode: 3}
	api.setJob(done)
	pt.cycle()
	s := pt.snap("c1", "done")
	if s.Class != collector.ClassFrozen {
		t.Fatalf("after the final describe class = %q, want frozen", s.Class)
	}
	if got := s.Info.ContainerGroups[0].Containers[0].CurrentState; got.State != "Terminated" || got.ExitCode != 3 {
		t.Fatalf("final describe did not capture the final containers: %+v", got)
	}
	for range 3 {
		pt.cycle()
	}
	if n := api.calls("done"); n != 2 {
		t.Errorf("finished job described %d times over 5 cycles, want 2", n)
	}
	if n := api.calls("run"); n != 5 {
		t.Errorf("running job described %d times over 5 cycles, want 5", n)
	}
	if s2 := pt.snap("c1", "done"); s2 != s {
		t.Errorf("a frozen job's snapshot was replaced without a change")
	}
}

func TestJobBecomingTerminalLaterFollowsTheClasses(t *testing.T) {
	api := newFakeAPI()
	api.setJob(fakeJob("1", "Pending"))
	pt := newPollTest(t, Options{}, staticSpec(api, "1"))
	var classes []string
	for _, state := range []string{"Pending", "Running", "Failed", "Failed", "Failed"} {
		api.setState("1", state)
		pt.cycle()
		classes = append(classes, string(pt.snap("c1", "1").Class))
	}
	want := "active active final frozen frozen"
	if got := strings.Join(classes, " "); got != want {
		t.Fatalf("classes = %q, want %q", got, want)
	}
	if n := api.calls("1"); n != 4 {
		t.Errorf("described %d times, want 4", n)
	}
}

func TestUnknownStateStaysActive(t *testing.T) {
	api := newFakeAPI()
	api.setJob(fakeJob("1", "Suspended"))
	pt := newPollTest(t, Options{}, staticSpec(api, "1"))
	for range 3 {
		pt.cycle()
	}
	if n := api.calls("1"); n != 3 {
		t.Fatalf("job in an unknown state described %d times over 3 cycles, want 3", n)
	}
	if c := pt.snap("c1", "1").Class; c != collector.ClassActive {
		t.Fatalf("class = %q, want active", c)
	}
}

func TestFailedDescribeKeepsLastDataAndCountsTheCode(t *testing.T) {
	api := newFakeAPI()
	api.setJob(fakeJob("1", "Running"))
	pt := newPollTest(t, Options{}, staticSpec(api, "1"))
	pt.cycle()
	good := pt.snap("c1", "1")

	pt.clock.Add(time.Minute)
	api.setDescribeErr("1", &client.APIError{Action: client.ActionDescribeServerlessJobs, StatusCode: 400, Code: "Throttling.User",
		Message: "Request was denied due to user flow control.\nTry later.", RequestID: "R1"})
	pt.cycle()
	pt.cycle()
	bad := pt.snap("c1", "1")
	if bad.Info != good.Info || !bad.LastSuccess.Equal(good.LastSuccess) {
		t.Fatalf("a failed describe replaced the last good data")
	}
	if bad.PollErrors["Throttling.User"] != 2 || bad.LastErrorCode != "Throttling.User" {
		t.Fatalf("PollErrors = %v, LastErrorCode = %q", bad.PollErrors, bad.LastErrorCode)
	}
	if strings.Contains(bad.LastErrorMessage, "\n") || !strings.Contains(bad.LastErrorMessage, "Throttling.User") {
		t.Fatalf("LastErrorMessage = %q, want one line naming the code", bad.LastErrorMessage)
	}
	if good.PollErrors != nil || good.LastErrorCode != "" {
		t.Fatalf("an older snapshot was modified: %+v", good)
	}

	api.setDescribeErr("1", nil)
	pt.clock.Add(time.Minute)
	pt.cycle()
	ok := pt.snap("c1", "1")
	if ok.LastErrorCode != "" || ok.LastErrorMessage != "" || !ok.LastSuccess.Equal(pt.clock.Now()) {
		t.Fatalf("success after failures: LastErrorCode %q, LastSuccess %v", ok.LastErrorCode, ok.LastSuccess)
	}
	if ok.PollErrors["Throttling.User"] != 2 {
		t.Fatalf("the error count must stay cumulative, got %v", ok.PollErrors)
	}
	if bad.PollErrors["Throttling.User"] != 2 {
		t.Fatalf("an older snapshot's PollErrors was modified")
	}
}

func TestDescribeAnswerProblemsAreErrors(t *testing.T) {
	api := newFakeAPI()
	api.setJob(fakeJob("7", "Running"))
	api.answerAs["7"] = "8"
	pt := newPollTest(t, Options{}, staticSpec(api, "missing", "7"))
	pt.cycle()

	s := pt.snap("c1", "missing")
	if s.Info != nil || s.LastErrorCode != "JobNotFound" || s.PollErrors["JobNotFound"] != 1 {
		t.Errorf("missing job: Info %v, LastErrorCode %q, PollErrors %v", s.Info, s.LastErrorCode, s.PollErrors)
	}
	s = pt.snap("c1", "7")
	if s.Info != nil || s.LastErrorCode != "UnexpectedJobId" || s.PollErrors["UnexpectedJobId"] != 1 {
		t.Errorf("answer about another job: Info %v, LastErrorCode %q, PollErrors %v", s.Info, s.LastErrorCode, s.PollErrors)
	}
	if s.Class != collector.ClassActive {
		t.Errorf("a job never described must stay active, got %q", s.Class)
	}
	pt.cycle()
	if n := api.calls("missing"); n != 2 {
		t.Errorf("a job that was not found is asked for again each cycle: %d calls over 2 cycles", n)
	}
}

func TestTransportErrorsUseTheClientsCodes(t *testing.T) {
	api := newFakeAPI()
	api.setDescribeErr("1", errors.New("dial tcp 127.0.0.1:1: connect: connection refused"))
	api.setDescribeErr("2", context.Canceled)
	pt := newPollTest(t, Options{}, staticSpec(api, "1", "2"))
	pt.cycle()
	for id, want := range map[string]string{"1": client.ErrorCode(errors.New("x")), "2": "Canceled"} {
		if got := pt.snap("c1", id).LastErrorCode; got != want {
			t.Errorf("job %s: LastErrorCode %q, want %q", id, got, want)
		}
	}
}

func TestCycleDeadlineReachesAPICalls(t *testing.T) {
	t.Run("every call carries the cycle's deadline", func(t *testing.T) {
		api := newFakeAPI()
		api.setJob(fakeJob("1", "Running"))
		api.setListed(fakeSummary("2", "Running"))
		api.setJob(fakeJob("2", "Running"))
		spec := discoverySpec(api)
		spec.JobIDs = []string{"1"}
		pt := newPollTest(t, Options{Interval: time.Hour}, spec)
		pt.cycle()
		if api.noDeadline != 0 {
			t.Fatalf("%d describes had no deadline", api.noDeadline)
		}
		if len(api.remaining) != 2 {
			t.Fatalf("got %d describes, want 2", len(api.remaining))
		}
		for _, r := range api.remaining {
			if r <= 0 || r > time.Hour {
				t.Fatalf("describe deadline %v away, want within the one-hour poll budget", r)
			}
		}
	})
	t.Run("a hanging call ends with the call timeout", func(t *testing.T) {
		api := newFakeAPI()
		api.gate = make(chan struct{}) // never opened: only the deadline ends the call
		pt := newPollTest(t, Options{CallTimeout: 20 * time.Millisecond}, staticSpec(api, "1"))
		pt.cycle()
		if got := pt.snap("c1", "1").LastErrorCode; got != "Timeout" {
			t.Fatalf("LastErrorCode = %q, want Timeout", got)
		}
	})
}

// Two RunDue calls at once share the work: a job is never asked for twice at
// once, and the second returns once the first's call has ended.
func TestAJobIsNeverAskedForTwiceAtOnce(t *testing.T) {
	api := newFakeAPI()
	api.setJob(fakeJob("1", "Running"))
	api.gate = make(chan struct{})
	api.entered = make(chan string, 4)
	pt := newPollTest(t, Options{Interval: time.Hour}, staticSpec(api, "1"))

	first := make(chan struct{})
	go func() { pt.p.RunDue(context.Background()); close(first) }()
	<-api.entered // the first call is inside the API now, and stays there

	second := make(chan struct{})
	go func() { pt.p.RunDue(context.Background()); close(second) }()
	select {
	case <-second:
		t.Fatal("the second RunDue returned while the first's call was in flight")
	case <-api.entered:
		t.Fatal("the job was asked for twice at once")
	default:
	}
	close(api.gate)
	<-first
	<-second
	if n := api.calls("1"); n != 1 {
		t.Fatalf("two RunDue calls made %d describes of a job that was due once, want 1", n)
	}
}

func TestConcurrencyIsLimitedPerAccount(t *testing.T) {
	t.Run("clusters of one account share the limit", func(t *testing.T) {
		api := newFakeAPI()
		var ids []string
		for _, id := range []string{"1", "2", "3", "4", "5", "6"} {
			api.setJob(fakeJob(id, "Running"))
			ids = append(ids, id)
		}
		api.gate = make(chan struct{})
		a, b := staticSpec(api, ids...), staticSpec(api, ids...)
		b.ClusterID = "c2"
		pt := newPollTest(t, Options{Concurrency: 2}, a, b)
		done := make(chan struct{})
		go func() { pt.cycle(); close(done) }()
		waitFor(t, "two describes in flight", func() bool {
			api.mu.Lock()
			defer api.mu.Unlock()
			return api.inflight == 2
		})
		// Let the calls through one by one; each finished call frees one slot.
		for range 12 {
			api.gate <- struct{}{}
		}
		<-done
		if api.maxInflight != 2 {
			t.Fatalf("at most %d describes were in flight, want the account's limit 2", api.maxInflight)
		}
		if n := api.totalDescribes(); n != 12 {
			t.Fatalf("%d describes, want 12", n)
		}
	})
	t.Run("different accounts do not share", func(t *testing.T) {
		api := newFakeAPI()
		api.setJob(fakeJob("1", "Running"))
		api.gate = make(chan struct{})
		a, b := staticSpec(api, "1"), staticSpec(api, "1")
		b.ClusterID, b.Account = "c2", "other"
		pt := newPollTest(t, Options{Concurrency: 1}, a, b)
		done := make(chan struct{})
		go func() { pt.cycle(); close(done) }()
		waitFor(t, "one describe per account in flight", func() bool {
			api.mu.Lock()
			defer api.mu.Unlock()
			return api.inflight == 2
		})
		close(api.gate)
		<-done
	})
}

func TestNewPollerRejectsBadInput(t *testing.T) {
	store, err := collector.NewStore(collector.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	api := newFakeAPI()
	good := Options{Interval: time.Second, Concurrency: 1, TotalShards: 1}
	cases := []struct {
		name  string
		opts  Options
		specs []ClusterSpec
		want  []string
	}{
		{"zero interval", Options{Concurrency: 1}, nil, []string{"poll interval must be positive, got 0s"}},
		{"no concurrency", Options{Interval: time.Second}, nil, []string{"concurrency must be at least 1, got 0"}},
		{"negative retention", Options{Interval: time.Second, Concurrency: 1, Retention: -time.Second}, nil, []string{"retention must not be negative, got -1s"}},
		{"shard out of range", Options{Interval: time.Second, Concurrency: 1, Shard: 3, TotalShards: 3}, nil, []string{"shard must be in [0, 3) for 3 total shards, got 3"}},
		{"negative shards", Options{Interval: time.Second, Concurrency: 1, TotalShards: -1}, nil, []string{"total shards must be at least 1, got -1"}},
		{"empty cluster id", good, []ClusterSpec{{API: api}}, []string{"cluster 1: cluster id is empty"}},
		{"duplicate cluster", good, []ClusterSpec{staticSpec(api), staticSpec(api)}, []string{`cluster "c1": listed twice`}},
		{"no api", good, []ClusterSpec{{ClusterID: "c9"}}, []string{`cluster "c9": no API client`}},
		{"blank job id", good, []ClusterSpec{staticSpec(api, " 5")}, []string{`cluster "c1": job id " 5" is empty or has surrounding white space`}},
		{"all errors at once", Options{}, []ClusterSpec{{ClusterID: "c9"}}, []string{"poll interval", "concurrency", "no API client"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(store, tc.opts, tc.specs)
			if err == nil || p != nil {
				t.Fatalf("New accepted bad input")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	if _, err := New(nil, good, nil); err == nil {
		t.Errorf("New accepted a nil store")
	}
}
