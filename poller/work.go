package poller

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
	codePageLimit        = "PageLimit"
)

// pollError is a describe answer the poller could not use.
type pollError struct {
	code, msg string
}

func (e *pollError) Error() string { return e.msg }

func pollErrorCode(err error) string {
	var pe *pollError
	if errors.As(err, &pe) {
		return pe.code
	}
	return client.ErrorCode(err)
}

// notHeldAgainst reports whether a failure says nothing about the job: the
// poller is stopping, or the client-side rate limit could not admit a retry
// in time. Neither is a failed call (none was sent), so neither is counted.
func notHeldAgainst(err error, ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.Canceled) || client.ErrorCode(err) == client.CodeRateLimited
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

// do makes the call of one pick and records its answer.
func (p *Poller) do(ctx context.Context, c *cluster, pk pick) {
	ctx, cancel := context.WithTimeout(ctx, p.opts.CallTimeout)
	defer cancel()
	if c.acct.limiter != nil {
		ctx = client.Admitted(ctx)
	}
	switch {
	case pk.page:
		p.metrics.called(c, workList)
		p.readPage(ctx, c)
	case pk.t.probe:
		p.metrics.called(c, workProbe)
		p.probe(ctx, c, pk.t)
	default:
		p.metrics.called(c, workOf(pk.t))
		p.describeTask(ctx, c, pk.t)
	}
}

// describe asks for one job, exactly one id per call as the service requires,
// and checks that the answer is about that job.
func (p *Poller) describe(ctx context.Context, c *cluster, id string) (*client.JobInfo, error) {
	resp, err := c.spec.API.DescribeServerlessJobs(ctx, client.DescribeServerlessJobsRequest{
		ClusterID: c.id,
		JobIDs:    []string{id},
	})
	if err != nil {
		return nil, err
	}
	if resp == nil || len(resp.JobInfos) == 0 {
		return nil, &pollError{code: codeJobNotFound, msg: fmt.Sprintf("job %s was not found in cluster %s", id, c.id)}
	}
	info := resp.JobInfos[0]
	if string(info.JobID) != id {
		if !answersForSubTask(id, &info) {
			return nil, &pollError{code: codeUnexpectedJobID,
				msg: fmt.Sprintf("asked for job %s of cluster %s, the answer is about job %q", id, c.id, truncateID(string(info.JobID)))}
		}
		info.JobID = client.Text(id) // kept under the sub-task it was asked as
	}
	if info.State == "" {
		return nil, &pollError{code: codeIncompleteAnswer,
			msg: fmt.Sprintf("the answer about job %s of cluster %s has no State; the last good data is kept", id, c.id)}
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

// describeTask describes a tracked job and records the outcome.
func (p *Poller) describeTask(ctx context.Context, c *cluster, t *task) {
	info, err := p.describe(ctx, c, t.id)
	p.mu.Lock()
	defer p.mu.Unlock()
	j := c.t.jobs[t.id]
	if c.removed || j == nil || &j.task != t || t.place != placeInFlight {
		return // removed or unscheduled (a reload, retention) while asked for
	}
	t.place = placeNone
	now := p.opts.Now()
	switch {
	case err == nil:
		c.t.describeOK(j, info, now)
	case notHeldAgainst(err, ctx):
		c.t.describeSkipped(j, now, ctx.Err() != nil)
	default:
		code, msg := pollErrorCode(err), errorMessage(err)
		c.t.describeFailed(j, code, msg, now)
		c.failed.add(code, msg)
		level.Debug(p.logger).Log("msg", "describe failed", "cluster_id", c.id, "job_id", t.id, "code", code, "err", msg)
	}
	p.saved.touch()
}

// probe asks for one candidate sub-task of an array job whose range is not
// known. JobNotFound moves on to the next candidate at once; any other
// failure asks again one interval later.
func (p *Poller) probe(ctx context.Context, c *cluster, t *task) {
	p.mu.Lock()
	id, ok := c.t.probeCandidate(t)
	p.mu.Unlock()
	if !ok {
		p.mu.Lock()
		c.t.probeDone(t, p.opts.Now())
		p.mu.Unlock()
		return
	}
	info, err := p.describe(ctx, c, id)
	p.mu.Lock()
	defer p.mu.Unlock()
	if c.removed {
		return
	}
	now := p.opts.Now()
	switch {
	case err == nil:
		c.t.probeAnswered(t, id, info, now)
	case notHeldAgainst(err, ctx):
		c.t.probeRetry(t, now, false)
	default:
		code := pollErrorCode(err)
		level.Debug(p.logger).Log("msg", "array range probe failed", "cluster_id", c.id, "job_id", id, "code", code, "err", errorMessage(err))
		c.t.probeRetry(t, now, code == codeJobNotFound)
	}
}
