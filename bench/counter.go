package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// cycleCalls are the requests of one poll cycle of one cluster, as the
// simulator received them (client retries included).
type cycleCalls struct {
	Start, End time.Time
	Describes  int
	ListPages  int
	Errors     int // answers other than 200
}

func (c cycleCalls) total() int { return c.Describes + c.ListPages }

// callCounter sits in front of the simulator and splits its requests into
// poll cycles: with discovery on, every cycle of a cluster starts by asking
// for page 1 of its job list.
type callCounter struct {
	next http.Handler

	mu       sync.Mutex
	cycles   map[string][]*cycleCalls // by cluster id, in order
	inflight int
	last     time.Time // when the last answer was sent
	// watch is called once, after the answer to the next describe of one job.
	watchCluster, watchJob string
	watch                  func()
}

func newCallCounter(next http.Handler) *callCounter {
	return &callCounter{next: next, cycles: map[string][]*cycleCalls{}}
}

func (c *callCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	action := r.Header.Get("x-acs-action")
	if action == "" {
		action = q.Get("Action")
	}
	cluster := q.Get("ClusterId")
	startsCycle := action == client.ActionListServerlessJobs && (q.Get("PageNumber") == "" || q.Get("PageNumber") == "1")

	c.mu.Lock()
	c.inflight++
	list := c.cycles[cluster]
	if startsCycle || len(list) == 0 {
		list = append(list, &cycleCalls{Start: time.Now()})
		c.cycles[cluster] = list
	}
	cur := list[len(list)-1]
	c.mu.Unlock()

	sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
	c.next.ServeHTTP(sw, r)

	c.mu.Lock()
	switch action {
	case client.ActionDescribeServerlessJobs:
		cur.Describes++
	case client.ActionListServerlessJobs:
		cur.ListPages++
	}
	if sw.code != http.StatusOK {
		cur.Errors++
	}
	c.inflight--
	c.last = time.Now()
	cur.End = c.last
	var fire func()
	if c.watch != nil && action == client.ActionDescribeServerlessJobs && cluster == c.watchCluster && q.Get("JobIds.1") == c.watchJob {
		fire, c.watch = c.watch, nil
	}
	c.mu.Unlock()
	if fire != nil {
		fire()
	}
}

// afterNextDescribe arranges for fn to run right after the simulator has
// answered the next describe of the job, which is the worst moment for a
// change to happen: the exporter has just read the old state.
func (c *callCounter) afterNextDescribe(clusterID, jobID string, fn func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.watchCluster, c.watchJob, c.watch = clusterID, jobID, fn
}

// started is the number of cycles every listed cluster has begun.
func (c *callCounter) started(clusters []clusterInfo) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := -1
	for _, ci := range clusters {
		k := len(c.cycles[ci.ID])
		if n < 0 || k < n {
			n = k
		}
	}
	return max(n, 0)
}

// cycle sums cycle k (from 1) over the clusters.
func (c *callCounter) cycle(clusters []clusterInfo, k int) cycleCalls {
	c.mu.Lock()
	defer c.mu.Unlock()
	var sum cycleCalls
	for _, ci := range clusters {
		list := c.cycles[ci.ID]
		if k < 1 || k > len(list) {
			continue
		}
		cc := list[k-1]
		if sum.Start.IsZero() || cc.Start.Before(sum.Start) {
			sum.Start = cc.Start
		}
		if cc.End.After(sum.End) {
			sum.End = cc.End
		}
		sum.Describes += cc.Describes
		sum.ListPages += cc.ListPages
		sum.Errors += cc.Errors
	}
	return sum
}

// quietFor reports whether no request was in flight or answered for d.
func (c *callCounter) quietFor(d time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inflight == 0 && time.Since(c.last) >= d
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
