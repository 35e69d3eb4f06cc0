package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestAttemptTimeout: a server that never answers costs one attempt
// timeout per attempt, classified Timeout and retried.
func TestAttemptTimeout(t *testing.T) {
	release := make(chan struct{})
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	var codes []string
	var mu sync.Mutex
	c := newTestClient(t, f, func(o *Options) {
		o.Timeout = 50 * time.Millisecond
		o.MaxRetries = 1
		o.Observer = observerFunc(func(_, _, code string, _ time.Duration) { mu.Lock(); codes = append(codes, code); mu.Unlock() })
	})
	err := describeOnce(context.Background(), c)
	if ErrorCode(err) != CodeTimeout || !IsRetryable(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a retryable Timeout wrapping DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), "50ms attempt timeout") {
		t.Errorf("%q does not name the attempt timeout", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(codes) != 2 || codes[0] != CodeTimeout || codes[1] != CodeTimeout {
		t.Errorf("observed %v, want two Timeout attempts", codes)
	}
}

func TestCallerDeadlineDuringAttempt(t *testing.T) {
	release := make(chan struct{})
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	c := newTestClient(t, f, func(o *Options) { o.MaxRetries = 5 })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := describeOnce(ctx, c)
	if ErrorCode(err) != CodeTimeout || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("got %v, want Timeout naming the call's deadline", err)
	}
	if n := len(f.seen()); n != 1 {
		t.Errorf("%d attempts, want 1 (no retry past the deadline)", n)
	}

	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := describeOnce(ctx2, c); ErrorCode(err) != CodeCanceled || IsRetryable(err) {
		t.Errorf("cancelled call: got %v", err)
	}
}

func TestUntrustedCertificateIsTLSError(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	c, err := New(Options{Endpoint: srv.URL, Credential: StaticCredential{AccessKeyID: testKeyID, AccessKeySecret: testSecret}, MaxRetries: 3})
	if err != nil {
		t.Fatal(err)
	}
	c.sleep = func(ctx context.Context, _ time.Duration) error { t.Error("TLS failure retried"); return nil }
	if err := describeOnce(context.Background(), c); ErrorCode(err) != CodeTLSError || IsRetryable(err) {
		t.Errorf("got %v, want a final TLSError", err)
	}
	// With the server's certificate trusted, the same endpoint works.
	c2, _ := New(Options{Endpoint: srv.URL, Credential: StaticCredential{AccessKeyID: testKeyID, AccessKeySecret: testSecret}, HTTPClient: srv.Client()})
	if err := describeOnce(context.Background(), c2); ErrorCode(err) != CodeDecodeError {
		t.Errorf("trusted: got %v, want the empty answer's DecodeError", err)
	}
}

func TestRedirectIsNotFollowed(t *testing.T) {
	var other atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { other.Add(1) }))
	defer target.Close()
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		http.Redirect(w, r, target.URL, http.StatusFound)
	})
	c := newTestClient(t, f, nil)
	if err := describeOnce(context.Background(), c); ErrorCode(err) != "HTTP302" {
		t.Errorf("got %v, want HTTP302", err)
	}
	if other.Load() != 0 {
		t.Error("the redirect was followed with the signed headers")
	}
}

// TestConcurrentCalls runs many goroutines through one client (go test
// -race is the real assertion) with answers mixing success, retryable and
// final failures.
func TestConcurrentCalls(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch r.URL.Query().Get("JobIds.1") {
		case "retry":
			if n%2 == 0 {
				unavailable(w, n)
				return
			}
		case "missing":
			writeJSON(w, 404, `{"RequestId":"r","Code":"ClusterNotFound","Message":"no"}`)
			return
		}
		writeJSON(w, 200, `{"RequestId":"r","TotalCount":1,"JobInfos":[{"JobId":"`+r.URL.Query().Get("JobIds.1")+`","State":"Running"}]}`)
	})
	var mu sync.Mutex
	observed := map[string]int{}
	c := newTestClient(t, f, func(o *Options) {
		o.MaxRetries = 8
		o.Credential = &rotatingCredential{keys: []StaticCredential{
			{AccessKeyID: testKeyID, AccessKeySecret: testSecret},
			{AccessKeyID: testKeyID, AccessKeySecret: testSecret, SecurityToken: testToken},
		}}
		o.RateLimiter = NewLimiter(0, 1)
		o.Observer = observerFunc(func(cluster, action, code string, _ time.Duration) {
			mu.Lock()
			observed[code]++
			mu.Unlock()
		})
	})
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			id := []string{"ok", "retry", "missing", fmt.Sprint(i)}[i%4]
			resp, err := c.DescribeServerlessJobs(context.Background(), DescribeServerlessJobsRequest{ClusterID: "c", JobIDs: []string{id}})
			switch {
			case id == "missing":
				if ErrorCode(err) != "ClusterNotFound" {
					errs <- fmt.Errorf("%s: %v", id, err)
				}
			case err != nil:
				errs <- fmt.Errorf("%s: %v", id, err)
			case string(resp.JobInfos[0].JobID) != id:
				errs <- fmt.Errorf("asked for %s, got %s", id, resp.JobInfos[0].JobID)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, r := range f.seen() {
		if r.sigErr != "" {
			t.Errorf("bad signature under concurrency: %s", r.sigErr)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	total := 0
	for _, n := range observed {
		total += n
	}
	if total != len(f.seen()) {
		t.Errorf("observer saw %d attempts, server %d", total, len(f.seen()))
	}
}
