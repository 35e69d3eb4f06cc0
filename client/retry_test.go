package client

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

// fakeClock drives Now and the back-off sleep: sleeping advances the clock
// and records the wait, so retry timing is tested without real sleeping.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	waits []time.Duration
}

func (f *fakeClock) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.waits = append(f.waits, d)
	f.t = f.t.Add(d)
	return nil
}

func (f *fakeClock) recorded() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.waits...)
}

// retryRig: a server that answers with answer() and records the fake time
// of every attempt, and a client on a fake clock whose jitter is fixed.
type retryRig struct {
	api      *fakeAPI
	clock    *fakeClock
	client   *Client
	mu       sync.Mutex
	attempts []time.Time
}

func newRetryRig(t *testing.T, maxRetries int, jitter func(time.Duration) time.Duration, answer func(w http.ResponseWriter, n int)) *retryRig {
	rig := &retryRig{}
	// The real deadline is an hour away, the fake clock 5 s before it: the
	// client's own deadline arithmetic is what the test exercises, and the
	// context never expires for real while the test runs.
	rig.clock = &fakeClock{t: time.Now().Add(time.Hour - 5*time.Second)}
	rig.api = newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		rig.mu.Lock()
		rig.attempts = append(rig.attempts, rig.clock.now())
		rig.mu.Unlock()
		answer(w, n)
	})
	rig.client = newTestClient(t, rig.api, func(o *Options) {
		o.MaxRetries = maxRetries
		o.Now = rig.clock.now
	})
	rig.client.sleep = rig.clock.sleep
	rig.client.jitter = jitter
	return rig
}

func (rig *retryRig) deadlineCtx(t *testing.T) (context.Context, time.Time) {
	deadline := rig.clock.now().Add(5 * time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	t.Cleanup(cancel)
	return ctx, deadline
}

func describeOnce(ctx context.Context, c *Client) error {
	_, err := c.DescribeServerlessJobs(ctx, DescribeServerlessJobsRequest{ClusterID: "c", JobIDs: []string{"1"}})
	return err
}

func unavailable(w http.ResponseWriter, n int) {
	writeJSON(w, 503, `{"RequestId":"r","Code":"ServiceUnavailable","Message":"busy"}`)
}

func fullBound(max time.Duration) time.Duration { return max }

func TestRetryStopsBeforeTheDeadline(t *testing.T) {
	rig := newRetryRig(t, 10, fullBound, unavailable)
	ctx, deadline := rig.deadlineCtx(t)
	err := describeOnce(ctx, rig.client)
	if ErrorCode(err) != "ServiceUnavailable" {
		t.Fatalf("got %v, want the last ServiceUnavailable", err)
	}
	// Waits 0.2, 0.4, 0.8, 1.6 s put attempts at 0, 0.2, 0.6, 1.4, 3.0 s;
	// the next wait (3.2 s) would end at 6.2 s, past the 5 s deadline.
	want := []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond}
	if got := rig.clock.recorded(); !equalDurations(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
	if len(rig.attempts) != 5 {
		t.Errorf("%d attempts, want 5", len(rig.attempts))
	}
	for i, at := range rig.attempts {
		if !at.Before(deadline) {
			t.Errorf("attempt %d at %v, not before the deadline %v", i+1, at, deadline)
		}
	}
}

func TestRetryHonoursMaxRetriesAndJitter(t *testing.T) {
	var bounds []time.Duration
	rig := newRetryRig(t, 3, func(max time.Duration) time.Duration { bounds = append(bounds, max); return max / 2 }, unavailable)
	err := describeOnce(context.Background(), rig.client)
	if ErrorCode(err) != "ServiceUnavailable" {
		t.Fatalf("got %v", err)
	}
	if len(rig.attempts) != 4 {
		t.Errorf("%d attempts, want 1 + 3 retries", len(rig.attempts))
	}
	if want := []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond}; !equalDurations(bounds, want) {
		t.Errorf("jitter bounds %v, want %v", bounds, want)
	}
	if want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}; !equalDurations(rig.clock.recorded(), want) {
		t.Errorf("waits %v, want the jittered %v", rig.clock.recorded(), want)
	}
}

func TestFinalErrorIsNotRetried(t *testing.T) {
	rig := newRetryRig(t, 5, fullBound, func(w http.ResponseWriter, n int) {
		writeJSON(w, 404, `{"RequestId":"r","Code":"ClusterNotFound","Message":"no"}`)
	})
	if err := describeOnce(context.Background(), rig.client); ErrorCode(err) != "ClusterNotFound" {
		t.Fatalf("got %v", err)
	}
	if len(rig.attempts) != 1 || len(rig.clock.recorded()) != 0 {
		t.Errorf("%d attempts, %d waits; want 1 and 0", len(rig.attempts), len(rig.clock.recorded()))
	}
}

func TestThrottlingWaitFromHeaders(t *testing.T) {
	cases := []struct {
		name   string
		header string
		value  string
		least  time.Duration
	}{
		{"user-api TimeLeft", "x-ratelimit-user-api", "Limit:100,Remain:0,TimeLeft:2500,Reset:1700000000", 2500 * time.Millisecond},
		{"user TimeLeft semicolons", "x-ratelimit-user", "Limit=10; Remain=0; TimeLeft=1200", 1200 * time.Millisecond},
		{"Retry-After seconds", "Retry-After", "3", 3 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rig := newRetryRig(t, 2, func(time.Duration) time.Duration { return 0 }, func(w http.ResponseWriter, n int) {
				if n == 1 {
					w.Header().Set(tc.header, tc.value)
					writeJSON(w, 429, `{"RequestId":"r","Code":"Throttling.User","Message":"Request was denied due to user flow control."}`)
					return
				}
				writeJSON(w, 200, `{"RequestId":"r","TotalCount":0,"JobInfos":[]}`)
			})
			ctx, _ := rig.deadlineCtx(t)
			if err := describeOnce(ctx, rig.client); err != nil {
				t.Fatalf("got %v, want success after the throttling wait", err)
			}
			waits := rig.clock.recorded()
			if len(waits) != 1 || waits[0] < tc.least {
				t.Errorf("waits %v, want one of at least %v", waits, tc.least)
			}
			if len(rig.attempts) != 2 || rig.attempts[1].Sub(rig.attempts[0]) < tc.least {
				t.Errorf("attempts at %v: the retry came sooner than %v", rig.attempts, tc.least)
			}
		})
	}
}

func TestThrottlingWaitPastDeadlineReturnsAtOnce(t *testing.T) {
	rig := newRetryRig(t, 5, fullBound, func(w http.ResponseWriter, n int) {
		w.Header().Set("x-ratelimit-user-api", "TimeLeft:60000")
		writeJSON(w, 400, `{"RequestId":"r","Code":"Throttling.Api","Message":"Request was denied due to api flow control."}`)
	})
	ctx, _ := rig.deadlineCtx(t)
	err := describeOnce(ctx, rig.client)
	if ErrorCode(err) != "Throttling.Api" {
		t.Fatalf("got %v", err)
	}
	if ae := err.(*APIError); ae.RetryAfter != time.Minute {
		t.Errorf("RetryAfter = %v, want 1m", ae.RetryAfter)
	}
	if len(rig.attempts) != 1 || len(rig.clock.recorded()) != 0 {
		t.Errorf("%d attempts, waits %v; want 1 attempt and no sleep", len(rig.attempts), rig.clock.recorded())
	}
}

// TestCancelDuringBackoff uses the real sleep with an hour-long wait: only
// the cancellation can end it.
func TestCancelDuringBackoff(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) { unavailable(w, n) })
	c := newTestClient(t, f, func(o *Options) {
		o.MaxRetries = 3
		o.Observer = observerFunc(func(string, string, string, time.Duration) { cancel() })
	})
	c.sleep = sleepContext
	c.jitter = func(time.Duration) time.Duration { return time.Hour }
	err := describeOnce(ctx, c)
	if ErrorCode(err) != CodeCanceled {
		t.Fatalf("got %v, want Canceled", err)
	}
	if n := len(f.seen()); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

func TestSleepContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleepContext(ctx, time.Hour); err != context.Canceled {
		t.Errorf("cancelled sleep returned %v", err)
	}
	if err := sleepContext(context.Background(), 0); err != nil {
		t.Errorf("zero sleep returned %v", err)
	}
}

func TestBackoffBounds(t *testing.T) {
	want := []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond,
		3200 * time.Millisecond, 6400 * time.Millisecond, 10 * time.Second, 10 * time.Second}
	for i, w := range want {
		if got := backoffBound(i + 1); got != w {
			t.Errorf("backoffBound(%d) = %v, want %v", i+1, got, w)
		}
	}
	if got := backoffBound(1000); got != backoffCap {
		t.Errorf("backoffBound(1000) = %v", got)
	}
	for i := 0; i < 1000; i++ {
		if d := fullJitter(time.Second); d < 0 || d > time.Second {
			t.Fatalf("fullJitter(1s) = %v", d)
		}
	}
	if fullJitter(0) != 0 {
		t.Error("fullJitter(0) != 0")
	}
}

func TestThrottleWaitParsing(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		h    map[string]string
		want time.Duration
	}{
		{map[string]string{}, 0},
		{map[string]string{"X-Ratelimit-User-Api": "TimeLeft:1500"}, 1500 * time.Millisecond},
		{map[string]string{"X-Ratelimit-User-Api": "Limit:5, Remain:0, timeleft:700"}, 700 * time.Millisecond},
		{map[string]string{"X-Ratelimit-User": "Limit:5;TimeLeft:300;Reset:9"}, 300 * time.Millisecond},
		{map[string]string{"X-Ratelimit-User": "TimeLeft:300", "X-Ratelimit-User-Api": "TimeLeft:900"}, 900 * time.Millisecond},
		{map[string]string{"Retry-After": "2", "X-Ratelimit-User": "TimeLeft:300"}, 2 * time.Second},
		{map[string]string{"Retry-After": now.Add(4 * time.Second).Format(http.TimeFormat)}, 4 * time.Second},
		{map[string]string{"X-Ratelimit-User-Api": "TimeLeft:abc"}, 0},
		{map[string]string{"X-Ratelimit-User-Api": "TimeLeft:-5"}, 0},
		{map[string]string{"X-Ratelimit-User-Api": "TimeLeft"}, 0},
		{map[string]string{"Retry-After": "soon"}, 0},
		{map[string]string{"Retry-After": "-1"}, 0},
	}
	for _, tc := range cases {
		h := http.Header{}
		for k, v := range tc.h {
			h.Set(k, v)
		}
		if got := throttleWait(h, now); got != tc.want {
			t.Errorf("throttleWait(%v) = %v, want %v", tc.h, got, tc.want)
		}
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

type observerFunc func(clusterID, action, code string, d time.Duration)

func (f observerFunc) ObserveRequest(clusterID, action, code string, d time.Duration) {
	f(clusterID, action, code, d)
}

func (f observerFunc) ObserveDecodeWarnings(clusterID, action string, fields map[string]int) {}
