package poller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/go-kit/log/level"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// Error codes the poller itself gives to answers that are well-formed but
// useless.
const (
	codeJobNotFound     = "JobNotFound"
	codeUnexpectedJobID = "UnexpectedJobId"
	// codeIncompleteAnswer: the answer is about the job but lacks its State.
	// Taking it would replace a known state by none, so that every state
	// series reads 0 while the poll looks successful.
	codeIncompleteAnswer = "IncompleteAnswer"
)

// pollError is a describe answer the poller could not use.
type pollError struct {
	code, msg string
}

func (e *pollError) Error() string { return e.msg }

// errBudgetSpent says a call was not made because the cycle's deadline passed
// or the poller is stopping; it is not held against the job.
var errBudgetSpent = errors.New("poll budget spent")

func pollErrorCode(err error) string {
	var pe *pollError
	if errors.As(err, &pe) {
		return pe.code
	}
	return client.ErrorCode(err)
}

// errorMessage is the text kept for the status page: one line, bounded. The
// client's errors never carry secrets; this only keeps pages tidy.
func errorMessage(err error) string {
	const maxLen = 1000
	msg := strings.Join(strings.Fields(err.Error()), " ")
	if len(msg) > maxLen {
		cut := maxLen
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
}

// cycleCalls counts the API calls of one cycle.
type cycleCalls struct {
	describe, list atomic.Int64
}

// cycleRun is the state of one cycle of one cluster.
type cycleRun struct {
	c     *clusterPoller
	ctx   context.Context
	spec  ClusterSpec
	sem   chan struct{}
	calls cycleCalls

	failed  atomic.Int64 // describes that failed
	skipped atomic.Int64 // describes not made: budget spent
	mu      sync.Mutex
	lastErr string // code of a failure, for the cycle's warning
	lastMsg string // and its message: the warning is what an operator reads first
}

// cycle runs one cycle of the cluster and returns how long it took. The cycle
// has a deadline of one Interval, passed to every API call, so that client
// retries stop there.
func (c *clusterPoller) cycle(parent context.Context) time.Duration {
	c.waiting.Add(1)
	c.cycleMu.Lock()
	c.waiting.Add(-1)
	defer c.cycleMu.Unlock()

	p := c.p
	c.mu.Lock()
	if c.removed {
		c.mu.Unlock()
		return 0
	}
	run := &cycleRun{c: c, spec: c.spec, sem: c.sem}
	c.mu.Unlock()

	start := p.opts.Now()
	ctx, cancel := context.WithTimeout(parent, p.opts.Interval)
	defer cancel()
	run.ctx = ctx

	listOK := true
	if run.spec.Discovery != nil {
		listOK = run.discover()
	}

	c.mu.Lock()
	if c.t.dirty {
		c.t.reconcile(p.opts.Now())
	}
	probes := c.t.probeDue()
	due := c.t.due()
	c.mu.Unlock()

	tasks := make([]func(), 0, len(probes)+len(due))
	for arrayID, cands := range probes {
		tasks = append(tasks, func() { run.probe(arrayID, cands) })
	}
	for _, j := range due {
		tasks = append(tasks, func() { run.describeJob(j) })
	}
	run.runTasks(tasks, p.opts.Concurrency)

	c.mu.Lock()
	if c.t.dirty {
		c.t.reconcile(p.opts.Now())
	}
	c.t.expire(p.opts.Now(), p.opts.Retention)
	elapsed := p.opts.Now().Sub(start)
	if !c.removed {
		p.metrics.observeCycle(c.id, elapsed, elapsed > p.opts.Interval,
			run.calls.describe.Load(), run.calls.list.Load())
	}
	c.mu.Unlock()

	if f, s := run.failed.Load(), run.skipped.Load(); (f > 0 || s > 0 || !listOK) && parent.Err() == nil {
		run.mu.Lock()
		code, msg := run.lastErr, run.lastMsg
		run.mu.Unlock()
		level.Warn(p.logger).Log("msg", "poll cycle incomplete", "cluster_id", c.id,
			"failed_describes", f, "skipped_describes", s, "listing_ok", listOK, "code", code,
			"err", msg, "duration", elapsed)
	}
	c.cycled.Store(true)
	return elapsed
}

// runTasks runs the tasks on at most n workers. Workers stop taking tasks
// once the cycle's budget is spent.
func (r *cycleRun) runTasks(tasks []func(), n int) {
	if len(tasks) == 0 {
		return
	}
	n = min(n, len(tasks))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(tasks) {
					return
				}
				tasks[i]()
			}
		}()
	}
	wg.Wait()
}

// call runs one API call under the account's limit of calls in flight.
func (r *cycleRun) call(counter *atomic.Int64, fn func() error) error {
	if r.ctx.Err() != nil {
		return errBudgetSpent
	}
	select {
	case r.sem <- struct{}{}:
	case <-r.ctx.Done():
		return errBudgetSpent
	}
	defer func() { <-r.sem }()
	counter.Add(1)
	return fn()
}

// describe asks for one job, exactly one id per call as the service requires,
// and checks that the answer is about that job.
func (r *cycleRun) describe(id string) (*client.JobInfo, error) {
	var resp *client.DescribeServerlessJobsResponse
	err := r.call(&r.calls.describe, func() error {
		var err error
		resp, err = r.spec.API.DescribeServerlessJobs(r.ctx, client.DescribeServerlessJobsRequest{
			ClusterID: r.c.id,
			JobIDs:    []string{id},
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	if resp == nil || len(resp.JobInfos) == 0 {
		return nil, &pollError{code: codeJobNotFound, msg: fmt.Sprintf("job %s was not found in cluster %s", id, r.c.id)}
	}
	info := resp.JobInfos[0]
	if string(info.JobID) != id {
		return nil, &pollError{code: codeUnexpectedJobID,
			msg: fmt.Sprintf("asked for job %s of cluster %s, the answer is about job %q", id, r.c.id, truncateID(string(info.JobID)))}
	}
	if info.State == "" {
		return nil, &pollError{code: codeIncompleteAnswer,
			msg: fmt.Sprintf("the answer about job %s of cluster %s has no State; the last good data is kept", id, r.c.id)}
	}
	return &info, nil
}

func truncateID(s string) string {
	const maxLen = 64
	if len(s) > maxLen {
		return s[:maxLen] + "…"
	}
	return s
}

// describeJob describes a tracked job and stores the outcome.
func (r *cycleRun) describeJob(j *jobState) {
	info, err := r.describe(j.id)
	if errors.Is(err, errBudgetSpent) {
		r.skipped.Add(1)
		return
	}
	var code, msg string
	if err != nil {
		code, msg = pollErrorCode(err), errorMessage(err)
	}
	c, p := r.c, r.c.p
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removed || c.t.jobs[j.id] != j {
		return // removed by a reload while asked for
	}
	if err == nil {
		c.t.describeOK(j, info, p.opts.Now())
		return
	}
	r.failed.Add(1)
	r.mu.Lock()
	r.lastErr, r.lastMsg = code, msg
	r.mu.Unlock()
	c.t.describeFailed(j, code, msg)
	level.Debug(p.logger).Log("msg", "describe failed", "cluster_id", c.id, "job_id", j.id, "code", code, "err", msg)
}

// probe asks for sub-tasks of an array job until one answer tells the
// array's range. JobNotFound moves on to the next candidate; any other failure
// leaves the question for the next cycle.
func (r *cycleRun) probe(arrayID string, candidates []string) {
	c, p := r.c, r.c.p
	for _, id := range candidates {
		info, err := r.describe(id)
		if errors.Is(err, errBudgetSpent) {
			return
		}
		if err != nil {
			code := pollErrorCode(err)
			level.Debug(p.logger).Log("msg", "array range probe failed", "cluster_id", c.id, "job_id", id, "code", code, "err", errorMessage(err))
			if code == codeJobNotFound {
				continue
			}
			return
		}
		c.mu.Lock()
		c.t.learnRange(id, info)
		c.mu.Unlock()
		return
	}
	c.mu.Lock()
	c.t.probeFailed(arrayID)
	c.mu.Unlock()
	level.Debug(p.logger).Log("msg", "no sub-task of the array job answered; its sub-tasks are not tracked for now", "cluster_id", c.id, "array_job_id", arrayID)
}
