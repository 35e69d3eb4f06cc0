package client

import (
	"context"
	"net/http"
	"testing"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/seed"
)

func TestDescribeWireForm(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, string(seed.DescribeServerlessJobs))
	})
	c := newTestClient(t, f, nil)
	resp, err := c.DescribeServerlessJobs(context.Background(), DescribeServerlessJobsRequest{ClusterID: seed.ClusterID, JobIDs: []string{"5", "10_3"}})
	if err != nil {
		t.Fatalf("DescribeServerlessJobs: %v", err)
	}
	if resp.TotalCount != 1 || len(resp.JobInfos) != 1 {
		t.Fatalf("got %+v", resp)
	}
	reqs := f.seen()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.sigErr != "" {
		t.Fatalf("signature: %s", r.sigErr)
	}
	if r.method != "POST" || r.path != "/" || r.bodyLen != 0 {
		t.Errorf("method %s path %s body %d, want POST / empty", r.method, r.path, r.bodyLen)
	}
	if got, want := r.rawQuery, "ClusterId=ehpc-hz-FYUr32%2A%2A%2A%2A&JobIds.1=5&JobIds.2=10_3"; got != want {
		t.Errorf("query %q, want %q", got, want)
	}
}
