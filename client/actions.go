package client

import (
	"context"
	"net/url"
	"strconv"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/acssign"
)

// DescribeServerlessJobs asks for the details of jobs (the service accepts
// one id per call today).
func (c *Client) DescribeServerlessJobs(ctx context.Context, r DescribeServerlessJobsRequest) (*DescribeServerlessJobsResponse, error) {
	const action = ActionDescribeServerlessJobs
	if r.ClusterID == "" {
		return nil, newError(action, CodeInvalidRequest, "no cluster id given")
	}
	if len(r.JobIDs) == 0 {
		return nil, newError(action, CodeInvalidRequest, "no job id given")
	}
	q := url.Values{"ClusterId": {r.ClusterID}}
	if err := addList(q, "JobIds", r.JobIDs); err != nil {
		return nil, newError(action, CodeInvalidRequest, "%s", err)
	}
	var out DescribeServerlessJobsResponse
	if err := c.call(ctx, action, r.ClusterID, q, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListServerlessJobs reads one page of a cluster's jobs. Zero fields of r are
// not sent, except RegionId, which defaults to the client's region.
func (c *Client) ListServerlessJobs(ctx context.Context, r ListServerlessJobsRequest) (*ListServerlessJobsResponse, error) {
	const action = ActionListServerlessJobs
	if r.ClusterID == "" {
		return nil, newError(action, CodeInvalidRequest, "no cluster id given")
	}
	if r.PageNumber < 0 {
		return nil, newError(action, CodeInvalidRequest, "page number %d is negative", r.PageNumber)
	}
	if r.PageSize < 0 || r.PageSize > 100 {
		return nil, newError(action, CodeInvalidRequest, "page size %d is outside 1..100", r.PageSize)
	}
	if !r.SubmitTimeStart.IsZero() && !r.SubmitTimeEnd.IsZero() && r.SubmitTimeEnd.Before(r.SubmitTimeStart) {
		return nil, newError(action, CodeInvalidRequest, "submit time window ends before it starts")
	}
	q := url.Values{"ClusterId": {r.ClusterID}}
	region := r.RegionID
	if region == "" {
		region = c.region
	}
	set := func(name, v string) {
		if v != "" {
			q.Set(name, v)
		}
	}
	set("RegionId", region)
	if r.PageNumber > 0 {
		q.Set("PageNumber", strconv.Itoa(r.PageNumber))
	}
	if r.PageSize > 0 {
		q.Set("PageSize", strconv.Itoa(r.PageSize))
	}
	if err := addList(q, "JobIds", r.JobIDs); err != nil {
		return nil, newError(action, CodeInvalidRequest, "%s", err)
	}
	if err := addList(q, "JobNames", r.JobNames); err != nil {
		return nil, newError(action, CodeInvalidRequest, "%s", err)
	}
	set("State", r.State)
	set("SubmitOrder", r.SubmitOrder)
	set("StartOrder", r.StartOrder)
	if !r.SubmitTimeStart.IsZero() {
		q.Set("SubmitTimeStart", strconv.FormatInt(r.SubmitTimeStart.Unix(), 10))
	}
	if !r.SubmitTimeEnd.IsZero() {
		q.Set("SubmitTimeEnd", strconv.FormatInt(r.SubmitTimeEnd.Unix(), 10))
	}
	var out ListServerlessJobsResponse
	if err := c.call(ctx, action, r.ClusterID, q, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// addList flattens a list the RPC way: Name.1, Name.2, ...
func addList(q url.Values, name string, values []string) error {
	for i, v := range values {
		if v == "" {
			return &listError{name: name, index: i + 1}
		}
		q.Set(name+"."+strconv.Itoa(i+1), v)
	}
	return nil
}

type listError struct {
	name  string
	index int
}

func (e *listError) Error() string {
	return e.name + "." + strconv.Itoa(e.index) + " is empty"
}

// canonicalQuery encodes the query exactly as it is signed, so the service
// decodes the same parameters the signature covers.
func canonicalQuery(q url.Values) string { return acssign.CanonicalQuery(q) }
