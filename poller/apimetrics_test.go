package poller

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

func TestAPIMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewAPIMetrics(reg)
	m.ObserveRequest("c1", "DescribeServerlessJobs", "OK", 40*time.Millisecond)
	m.ObserveRequest("c1", "DescribeServerlessJobs", "OK", 60*time.Millisecond)
	m.ObserveRequest("c1", "DescribeServerlessJobs", "Throttling.User", 10*time.Millisecond)
	m.ObserveRequest("c2", "ListServerlessJobs", "Timeout", 10*time.Second)

	want := `
# HELP ehpc_serverless_exporter_api_requests_total E-HPC API requests (every attempt, retries included) by cluster, action and result code: OK, the API's error code, or a transport class such as Timeout.
# TYPE ehpc_serverless_exporter_api_requests_total counter
ehpc_serverless_exporter_api_requests_total{action="DescribeServerlessJobs",cluster_id="c1",code="OK"} 2
ehpc_serverless_exporter_api_requests_total{action="DescribeServerlessJobs",cluster_id="c1",code="Throttling.User"} 1
ehpc_serverless_exporter_api_requests_total{action="ListServerlessJobs",cluster_id="c2",code="Timeout"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "ehpc_serverless_exporter_api_requests_total"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(m.duration); n != 2 {
		t.Fatalf("%d duration series, want one per action", n)
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %v", err, problems)
	}
	m.Forget("c1")
	if n := testutil.CollectAndCount(m.requests); n != 1 {
		t.Fatalf("%d request series after forgetting c1, want 1", n)
	}
	if again := NewAPIMetrics(reg); again.requests != m.requests {
		t.Fatalf("registering twice did not reuse the registered metrics")
	}
}

func TestAPIMetricsCountDecodeWarnings(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewAPIMetrics(reg)
	m.ObserveDecodeWarnings("c1", "ListServerlessJobs", map[string]int{"Jobs[].Priority": 2, "Jobs[].SubmitTime": 1})
	m.ObserveDecodeWarnings("c1", "ListServerlessJobs", map[string]int{"Jobs[].Priority": 1})
	m.ObserveDecodeWarnings("c2", "DescribeServerlessJobs", map[string]int{"JobInfos[].ContainerGroups[].Containers[].RestartCount": 1})

	want := `
# HELP ehpc_serverless_exporter_api_decode_warnings_total Values of taken E-HPC API answers that were left unset because they had the wrong type, by cluster, action and field path (such as Jobs[].Priority).
# TYPE ehpc_serverless_exporter_api_decode_warnings_total counter
ehpc_serverless_exporter_api_decode_warnings_total{action="DescribeServerlessJobs",cluster_id="c2",field="JobInfos[].ContainerGroups[].Containers[].RestartCount"} 1
ehpc_serverless_exporter_api_decode_warnings_total{action="ListServerlessJobs",cluster_id="c1",field="Jobs[].Priority"} 3
ehpc_serverless_exporter_api_decode_warnings_total{action="ListServerlessJobs",cluster_id="c1",field="Jobs[].SubmitTime"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "ehpc_serverless_exporter_api_decode_warnings_total"); err != nil {
		t.Fatal(err)
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %v", err, problems)
	}
	m.Forget("c1")
	if n := testutil.CollectAndCount(m.warnings); n != 1 {
		t.Fatalf("%d warning series after forgetting c1, want 1", n)
	}
}
