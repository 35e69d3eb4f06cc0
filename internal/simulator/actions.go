package simulator

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// cluster resolves ClusterId the way the service does: missing, then RAM
// permission, then existence.
func (s *Simulator) cluster(c *caller, q *request) (*cluster, *apiError) {
	id := q.param("ClusterId")
	if id == "" {
		return nil, errCode("MissingClusterId")
	}
	if !c.allowed(id) {
		return nil, errCode("NotAuthorized")
	}
	cl := s.world.clusters[id]
	if cl == nil {
		return nil, errCode("ClusterNotFound")
	}
	return cl, nil
}

// describeServerlessJobs answers one job id. An unknown (or not yet
// submitted, or forgotten) job is a 200 answer with TotalCount 0 and no
// JobInfos: the service reports a missing job by an empty result rather than
// an error. An array job's own id is refused: only its sub-task ids
// "<id>_<index>" can be described.
func (s *Simulator) describeServerlessJobs(c *caller, q *request, t time.Duration, requestID string) ([]byte, *apiError) {
	ids, e := q.list("JobIds")
	if e != nil {
		return nil, e
	}
	cl, e := s.cluster(c, q)
	if e != nil {
		return nil, e
	}
	if len(ids) == 0 {
		return nil, errCode("MissingJobIds")
	}
	if len(ids) > 1 || ids[0] == "" {
		return nil, invalidParam("JobIds")
	}
	j, bareArray := cl.lookup(ids[0], t)
	if bareArray {
		return nil, invalidParam("JobIds")
	}
	resp := client.DescribeServerlessJobsResponse{RequestID: client.Text(requestID), JobInfos: []client.JobInfo{}}
	if j != nil {
		if j.verbatim != nil {
			return j.verbatim, nil
		}
		resp.TotalCount = 1
		resp.JobInfos = append(resp.JobInfos, s.world.describe(j, t))
	}
	return encode(resp)
}

// wireSummary is client.JobSummary as ListServerlessJobs documents it:
// Priority and the times as strings. It converts from client.JobSummary, so
// the two cannot drift apart.
type wireSummary struct {
	JobID      client.Text  `json:"JobId"`
	JobName    client.Text  `json:"JobName"`
	State      client.Text  `json:"State"`
	Priority   client.Int64 `json:"Priority,string"`
	Queue      client.Text  `json:"Queue"`
	User       client.Text  `json:"User"`
	SubmitTime client.Int64 `json:"SubmitTime,string"`
	StartTime  client.Int64 `json:"StartTime,string"`
	EndTime    client.Int64 `json:"EndTime,string"`
	IsArrayJob client.Bool  `json:"IsArrayJob"`
}

type wireList struct {
	RequestID  client.Text   `json:"RequestId"`
	TotalCount client.Int64  `json:"TotalCount"`
	PageNumber client.Int64  `json:"PageNumber"`
	PageSize   client.Int64  `json:"PageSize"`
	Jobs       []wireSummary `json:"Jobs"`
}

func (s *Simulator) listServerlessJobs(c *caller, q *request, t time.Duration, requestID string) ([]byte, *apiError) {
	lq, e := parseListQuery(q)
	if e != nil {
		return nil, e
	}
	cl, e := s.cluster(c, q)
	if e != nil {
		return nil, e
	}
	total, page := s.world.list(cl, t, lq)
	resp := wireList{
		RequestID:  client.Text(requestID),
		TotalCount: client.Int64(total),
		PageNumber: client.Int64(lq.pageNumber),
		PageSize:   client.Int64(lq.pageSize),
		Jobs:       make([]wireSummary, len(page)),
	}
	for i, js := range page {
		resp.Jobs[i] = wireSummary(js)
	}
	return encode(resp)
}

func parseListQuery(q *request) (listQuery, *apiError) {
	lq := listQuery{pageNumber: 1, pageSize: 20}
	var e *apiError
	if lq.pageNumber, e = intParam(q, "PageNumber", 1, 1, 1<<30); e != nil {
		return lq, e
	}
	if lq.pageSize, e = intParam(q, "PageSize", 20, 1, 100); e != nil {
		return lq, e
	}
	switch st := q.param("State"); {
	case st == "" || st == "All":
	case oneOf(st, client.JobStates):
		lq.state = st
	default:
		return lq, invalidParam("State")
	}
	for _, name := range []string{"SubmitOrder", "StartOrder"} {
		v := q.param(name)
		if v != "" && v != "Asc" && v != "Desc" {
			return lq, invalidParam(name)
		}
		if name == "SubmitOrder" {
			lq.submitOrder = v
		} else {
			lq.startOrder = v
		}
	}
	for _, name := range []string{"SubmitTimeStart", "SubmitTimeEnd"} {
		v := q.param(name)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return lq, invalidParam(name)
		}
		if name == "SubmitTimeStart" {
			lq.submitStart = n
		} else {
			lq.submitEnd = n
		}
	}
	ids, e := q.list("JobIds")
	if e != nil {
		return lq, e
	}
	names, e := q.list("JobNames")
	if e != nil {
		return lq, e
	}
	lq.jobIDs, lq.jobNames = set(ids), set(names)
	return lq, nil
}

func intParam(q *request, name string, def, lo, hi int) (int, *apiError) {
	v := q.param(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, invalidParam(name)
	}
	return n, nil
}

func set(vs []string) map[string]bool {
	if len(vs) == 0 {
		return nil
	}
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// encode marshals an answer. The models always encode; a failure would be a
// bug here, reported as the service reports its own: UnknownError.
func encode(v any) ([]byte, *apiError) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, errCode("UnknownError")
	}
	return b, nil
}
