package poller

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-kit/log/level"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

const (
	// listPageSize is the largest page the service gives.
	listPageSize = 100
	// maxListPages guards against a service whose pages never end.
	maxListPages = 1000
)

// discover reads every page of the cluster's job list and hands the matching
// jobs to the targets. A listing that failed part way still adds and un-freezes
// what it saw, but removes nothing. It reports whether the listing was complete.
func (r *cycleRun) discover() bool {
	c, p := r.c, r.c.p
	jobs, err := r.list()
	if err != nil {
		code := pollErrorCode(err)
		if errors.Is(err, errBudgetSpent) {
			code = "Timeout"
		}
		level.Warn(p.logger).Log("msg", "listing jobs failed; no discovered job is removed this cycle",
			"cluster_id", c.id, "code", code, "err", errorMessage(err))
		// The cycle's closing warning names a code even when only the
		// listing failed.
		r.mu.Lock()
		if r.lastErr == "" {
			r.lastErr, r.lastMsg = code, errorMessage(err)
		}
		r.mu.Unlock()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removed || !c.t.discovery {
		return err == nil // discovery was turned off by a reload meanwhile
	}
	if err == nil || len(jobs) > 0 {
		c.t.applyListing(jobs, err == nil, p.opts.Now())
	}
	return err == nil
}

// list returns the jobs of all pages that match the discovery filters.
func (r *cycleRun) list() ([]client.JobSummary, error) {
	d := r.spec.Discovery
	req := client.ListServerlessJobsRequest{
		ClusterID: r.c.id,
		RegionID:  r.spec.RegionID,
		PageSize:  listPageSize,
		State:     "All",
		// Oldest first, so that jobs submitted while paging land on later
		// pages instead of shifting earlier ones.
		SubmitOrder: "Asc",
	}
	if len(d.States) == 1 {
		req.State = d.States[0]
	}
	if d.SubmittedWithin > 0 {
		req.SubmitTimeStart = r.c.p.opts.Now().Add(-d.SubmittedWithin)
	}
	var out []client.JobSummary
	seen := int64(0)
	for page := 1; page <= maxListPages; page++ {
		req.PageNumber = page
		var resp *client.ListServerlessJobsResponse
		err := r.call(&r.calls.list, func() error {
			var err error
			resp, err = r.spec.API.ListServerlessJobs(r.ctx, req)
			return err
		})
		if err != nil {
			return out, fmt.Errorf("page %d: %w", page, err)
		}
		if resp == nil || len(resp.Jobs) == 0 {
			return out, nil
		}
		seen += int64(len(resp.Jobs))
		for _, s := range resp.Jobs {
			if d.matches(s) {
				out = append(out, s)
			}
		}
		if resp.TotalCount > 0 && seen >= int64(resp.TotalCount) {
			return out, nil
		}
	}
	return out, &pollError{code: "PageLimit", msg: fmt.Sprintf("the job list did not end within %d pages of %d jobs", maxListPages, listPageSize)}
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
