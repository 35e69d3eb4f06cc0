package client

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// TestRateLimitHoldsUnderConcurrentCallers: 20 callers share a limiter of
// burst 5 that refills once an hour. Exactly 5 requests may reach the
// server; the other 15 learn at once that no token can come before their
// deadline. Nothing here depends on how fast the machine is.
func TestRateLimitHoldsUnderConcurrentCallers(t *testing.T) {
	var served atomic.Int64
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		served.Add(1)
		writeJSON(w, 200, `{"RequestId":"r","TotalCount":0,"JobInfos":[]}`)
	})
	lim := NewLimiter(1.0/3600, 5)
	var observed atomic.Int64
	c := newTestClient(t, f, func(o *Options) {
		o.RateLimiter = lim
		o.Observer = observerFunc(func(string, string, string, time.Duration) { observed.Add(1) })
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var wg sync.WaitGroup
	codes := make(chan string, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- ErrorCode(describeOnce(ctx, c))
		}()
	}
	wg.Wait()
	close(codes)
	count := map[string]int{}
	for code := range codes {
		count[code]++
	}
	if count["OK"] != 5 || count[CodeRateLimited] != 15 {
		t.Errorf("outcomes %v, want 5 OK and 15 RateLimited", count)
	}
	if served.Load() != 5 {
		t.Errorf("server saw %d requests, want 5", served.Load())
	}
	if observed.Load() != 5 {
		t.Errorf("observer saw %d attempts, want 5 (refused waits send nothing)", observed.Load())
	}
	if tokens := lim.Tokens(); tokens >= 1 {
		t.Errorf("limiter still holds %.2f tokens", tokens)
	}
}

// TestRetriesWaitOnTheLimiterToo: every attempt takes a token.
func TestRetriesWaitOnTheLimiterToo(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) { unavailable(w, n) })
	c := newTestClient(t, f, func(o *Options) {
		o.RateLimiter = NewLimiter(1.0/3600, 3)
		o.MaxRetries = 10
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := describeOnce(ctx, c)
	if ErrorCode(err) != CodeRateLimited {
		t.Errorf("got %v, want RateLimited once the burst is spent", err)
	}
	if n := len(f.seen()); n != 3 {
		t.Errorf("%d attempts reached the server, want the burst of 3", n)
	}
}

func TestLimiterWaitCancelled(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) { t.Error("request sent") })
	lim := rate.NewLimiter(rate.Every(time.Hour), 1)
	lim.Allow() // spend the only token
	c := newTestClient(t, f, func(o *Options) { o.RateLimiter = lim })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := describeOnce(ctx, c); ErrorCode(err) != CodeCanceled {
		t.Errorf("got %v, want Canceled", err)
	}
}

func TestNewLimiter(t *testing.T) {
	if l := NewLimiter(5, 10); l.Limit() != 5 || l.Burst() != 10 {
		t.Errorf("NewLimiter(5, 10) = %v/%d", l.Limit(), l.Burst())
	}
	if l := NewLimiter(0, 0); l.Limit() != rate.Inf || l.Burst() != 1 {
		t.Errorf("NewLimiter(0, 0) = %v/%d, want unlimited", l.Limit(), l.Burst())
	}
}
