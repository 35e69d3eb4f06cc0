package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// call is one request the simulator answered, as the harness saw it.
type call struct {
	At      time.Time // when the answer was sent
	List    bool      // a ListServerlessJobs page, else a describe
	Page    int       // the page a listing call asked for, from 1
	Cluster string
	Job     string // the job a describe asked for
	OK      bool   // answered 200
}

// jobKey names a job across clusters.
type jobKey struct{ Cluster, Job string }

// callLog sits in front of the simulator and keeps every request it
// answered, in order (client retries included): the freshness, start and
// restart figures are all computed from it afterwards, so the harness
// measures what reached the service, not what the exporter says it did.
type callLog struct {
	next http.Handler

	mu    sync.Mutex
	calls []call
	// watch is called once, after the answer to the next describe of one job.
	watchKey jobKey
	watch    func()
}

func newCallLog(next http.Handler) *callLog {
	return &callLog{next: next}
}

func (c *callLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	action := r.Header.Get("x-acs-action")
	if action == "" {
		action = q.Get("Action")
	}
	sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
	c.next.ServeHTTP(sw, r)

	k := call{
		At:      time.Now(),
		List:    action == client.ActionListServerlessJobs,
		Page:    pageNumber(q.Get("PageNumber")),
		Cluster: q.Get("ClusterId"),
		Job:     q.Get("JobIds.1"),
		OK:      sw.code == http.StatusOK,
	}
	c.mu.Lock()
	c.calls = append(c.calls, k)
	var fire func()
	if c.watch != nil && !k.List && (jobKey{k.Cluster, k.Job}) == c.watchKey {
		fire, c.watch = c.watch, nil
	}
	c.mu.Unlock()
	if fire != nil {
		fire()
	}
}

// pageNumber is the page a listing call asks for; the API's default is 1.
func pageNumber(v string) int {
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return n
	}
	return 1
}

// afterNextDescribe arranges for fn to run right after the simulator has
// answered the next describe of the job, which is the worst moment for a
// change to happen: the exporter has just read the old state.
func (c *callLog) afterNextDescribe(job jobKey, fn func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.watchKey, c.watch = job, fn
}

// mark is the position the next call will take, to split the log in phases.
func (c *callLog) mark() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.calls)
}

// since is a copy of the calls from mark m on.
func (c *callLog) since(m int) []call {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]call(nil), c.calls[m:]...)
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (s *statusWriter) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

// serveHandler serves h on ln until ctx ends.
func serveHandler(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
