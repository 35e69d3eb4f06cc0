package simulator

import (
	"bytes"
	"net/url"
	"testing"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/seed"
)

func TestSeedServedVerbatim(t *testing.T) {
	f := newFixture(t, SeedScenario())
	a := f.call(ActionDescribeServerlessJobs, describeQuery(seed.ClusterID, seed.JobID))
	if a.status != 200 {
		t.Fatalf("HTTP %d: %s", a.status, a.body)
	}
	if !bytes.Equal(a.body, seed.DescribeServerlessJobs) {
		t.Fatalf("answer differs from the published sample (%d vs %d bytes)", len(a.body), len(seed.DescribeServerlessJobs))
	}
	// V2 too.
	if b := f.do(f.v2(ActionDescribeServerlessJobs, describeQuery(seed.ClusterID, seed.JobID)).request(t, f.srv.URL)); !bytes.Equal(b.body, seed.DescribeServerlessJobs) {
		t.Fatal("V2 answer differs from the published sample")
	}
}

func TestSeedListed(t *testing.T) {
	f := newFixture(t, SeedScenario())
	l := f.call(ActionListServerlessJobs, url.Values{"ClusterId": {seed.ClusterID}}).list(t)
	if l.TotalCount != 1 || len(l.Jobs) != 1 {
		t.Fatalf("%+v", l)
	}
	j := l.Jobs[0]
	if j.JobID != "5" || j.JobName != "testjob" || j.State != "Running" || j.Priority != 9 || j.Queue != "comp" ||
		j.User != "testuser" || j.SubmitTime != 1647423718 || j.StartTime != 1647427667 || j.EndTime != 1662016121 || j.IsArrayJob {
		t.Fatalf("summary %+v", j)
	}
	if r := f.call(ActionDescribeServerlessJobs, describeQuery(seed.ClusterID, "6")).describe(t); r.TotalCount != 0 {
		t.Fatalf("unknown job: %+v", r)
	}
}
