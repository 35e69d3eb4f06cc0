package poller

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/go-kit/log/level"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

const (
	// listPageSize is the largest page the service gives.
	listPageSize = 100
	// maxListPages guards against a service whose pages never end.
	maxListPages = 1000
	// maxWalkRestarts: a listing that changes while it is paged is read again
	// from page 1 this many times, then taken as partial.
	maxWalkRestarts = 1
)

// listingWalk is a listing being read, one page per pick. Offset paging over
// a list that changes meanwhile can skip jobs, so a walk whose TotalCount
// changes, or that meets a job twice, starts over once and is then taken as
// partial: a partial listing adds what it saw but removes nothing.
type listingWalk struct {
	page     int
	started  time.Time
	total    int64
	seen     map[string]struct{}
	jobs     []client.JobSummary
	restarts int
}

// listRequest is the request for a page of the cluster's job list.
func (c *cluster) listRequest(page int, now time.Time) client.ListServerlessJobsRequest {
	d := c.spec.Discovery
	req := client.ListServerlessJobsRequest{
		ClusterID:  c.id,
		RegionID:   c.spec.RegionID,
		PageNumber: page,
		PageSize:   listPageSize,
		State:      client.ListStateAll,
		// Oldest first, so that jobs submitted while paging land on later
		// pages instead of shifting earlier ones.
		SubmitOrder: "Asc",
	}
	// One state the list can filter by makes the service list fewer jobs;
	// anything else is filtered here.
	if len(d.States) == 1 && client.IsListState(d.States[0]) {
		req.State = d.States[0]
	}
	if d.SubmittedWithin > 0 {
		req.SubmitTimeStart = now.Add(-d.SubmittedWithin)
	}
	return req
}

// readPage reads the next page of the cluster's listing walk, starting a
// walk when none is under way, and applies the listing when the walk ends.
func (p *Poller) readPage(ctx context.Context, c *cluster) {
	p.mu.Lock()
	now := p.opts.Now()
	if c.walk == nil {
		c.walk = &listingWalk{page: 1, started: now, seen: map[string]struct{}{}}
	}
	w := c.walk
	req := c.listRequest(w.page, now)
	api := c.spec.API
	p.mu.Unlock()

	resp, err := api.ListServerlessJobs(ctx, req)

	p.mu.Lock()
	defer p.mu.Unlock()
	if c.removed || c.walk != w {
		return
	}
	now = p.opts.Now()
	switch {
	case err != nil:
		if !notHeldAgainst(err, ctx) {
			level.Warn(p.logger).Log("msg", "listing jobs failed; no discovered job is removed this time",
				"cluster_id", c.id, "page", w.page, "code", pollErrorCode(err), "err", errorMessage(err))
		}
		p.endWalk(c, false, now)
	case resp == nil || len(resp.Jobs) == 0:
		p.endWalk(c, true, now)
	default:
		if p.walkChanged(c, w, resp) {
			if w.restarts < maxWalkRestarts {
				*w = listingWalk{page: 1, started: w.started, seen: map[string]struct{}{}, restarts: w.restarts + 1}
				c.t.ag.pageDone(now, false)
				return
			}
			level.Warn(p.logger).Log("msg", "the job list changed while it was read; no discovered job is removed this time", "cluster_id", c.id)
			p.endWalk(c, false, now)
			return
		}
		d := c.spec.Discovery
		for _, s := range resp.Jobs {
			w.seen[string(s.JobID)] = struct{}{}
			if d.matches(s) {
				w.jobs = append(w.jobs, s)
			}
		}
		switch {
		case resp.TotalCount > 0 && int64(len(w.seen)) >= int64(resp.TotalCount):
			p.endWalk(c, true, now)
		case w.page >= maxListPages:
			level.Warn(p.logger).Log("msg", "listing jobs failed; no discovered job is removed this time", "cluster_id", c.id,
				"code", codePageLimit, "err", fmt.Sprintf("the job list did not end within %d pages of %d jobs", maxListPages, listPageSize))
			p.endWalk(c, false, now)
		default:
			w.page++
			c.t.ag.pageDone(now, false)
		}
	}
}

// walkChanged reports whether a page shows that the list changed since the
// walk began: another TotalCount, or a job already met on an earlier page.
func (p *Poller) walkChanged(c *cluster, w *listingWalk, resp *client.ListServerlessJobsResponse) bool {
	if w.page == 1 {
		w.total = int64(resp.TotalCount)
		return false
	}
	if int64(resp.TotalCount) != w.total {
		return true
	}
	for _, s := range resp.Jobs {
		if _, dup := w.seen[string(s.JobID)]; dup {
			return true
		}
	}
	return false
}

// endWalk applies what the walk saw and schedules the next one.
func (p *Poller) endWalk(c *cluster, complete bool, now time.Time) {
	w := c.walk
	c.walk, c.walked, c.pages = nil, true, w.page
	if complete || len(w.jobs) > 0 {
		c.t.applyListing(w.jobs, complete, w.started, now)
	}
	c.t.ag.pageDone(now, true)
	p.metrics.listed(c.id, now.Sub(w.started))
	p.saved.touch()
}

// applyListing takes a listing whose walk started at started. A complete
// listing replaces the listed set; a partial one (a page failed, the list
// changed while paged, or the page cap was hit) only adds to it, so a failure
// never removes a job.
func (t *targets) applyListing(jobs []client.JobSummary, complete bool, started, now time.Time) {
	listed := make(map[string]client.JobSummary, len(jobs))
	if !complete {
		maps.Copy(listed, t.listed)
	}
	for _, s := range jobs {
		if s.JobID != "" {
			listed[string(s.JobID)] = s
		}
	}
	prev := t.listed
	t.listed, t.prevListed, t.walkStarted = listed, prev, started
	for id, s := range listed {
		old, had := prev[id]
		if had && old.State != s.State {
			if a := t.arrays[id]; a != nil && a.probed {
				a.probed, a.next = false, 0 // its sub-tasks may exist now
			}
		}
		if j := t.jobs[id]; j != nil {
			t.listedNews(j, s, old, had, now)
		}
	}
	t.reconcile(now, complete)
}

// matchesAnswer reports whether a describe answer still matches the filters
// (states, queues, users, name, submit window), as a listing would show it.
func (d *DiscoverySpec) matchesAnswer(info *client.JobInfo, now time.Time) bool {
	if info == nil {
		return false
	}
	if d.SubmittedWithin > 0 && time.Unix(int64(info.SubmitTime), 0).Before(now.Add(-d.SubmittedWithin)) {
		return false
	}
	return d.matches(client.JobSummary{JobID: info.JobID, JobName: info.JobName, State: info.State, Queue: info.Queue, User: info.User})
}

// matches applies the filters the service cannot apply itself.
func (d *DiscoverySpec) matches(s client.JobSummary) bool {
	if len(d.States) > 0 && !containsFold(d.States, string(s.State)) {
		return false
	}
	if len(d.Queues) > 0 && !slices.Contains(d.Queues, string(s.Queue)) {
		return false
	}
	if len(d.Users) > 0 && !slices.Contains(d.Users, string(s.User)) {
		return false
	}
	if d.NamePattern != nil && !d.NamePattern.MatchString(string(s.JobName)) {
		return false
	}
	return true
}

func containsFold(list []string, v string) bool {
	for _, s := range list {
		if strings.EqualFold(s, v) {
			return true
		}
	}
	return false
}
