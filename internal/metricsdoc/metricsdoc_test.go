package metricsdoc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNamesOfTheContract(t *testing.T) {
	names, err := Names("../../docs/METRICS.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ehpc_serverless_job_state", "ehpc_serverless_container_restarts_total", "ehpc_serverless_exporter_api_requests_total"} {
		if !names[want] {
			t.Errorf("%s is not found in docs/METRICS.md", want)
		}
	}
}

func TestTooFewRowsIsAnError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "METRICS.md")
	if err := os.WriteFile(p, []byte("| ehpc_serverless_job_state | gauge |\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Names(p); err == nil {
		t.Fatal("a contract with one row was accepted")
	}
}

func TestFamily(t *testing.T) {
	for series, want := range map[string]string{
		"ehpc_serverless_job_queue_wait_seconds_bucket": "ehpc_serverless_job_queue_wait_seconds",
		"ehpc_serverless_job_queue_wait_seconds_count":  "ehpc_serverless_job_queue_wait_seconds",
		"ehpc_serverless_job_run_seconds_sum":           "ehpc_serverless_job_run_seconds",
		// a counter whose name ends like a histogram series is its own family
		"ehpc_serverless_jobs_count":          "ehpc_serverless_jobs_count",
		"ehpc_serverless_jobs_finished_total": "ehpc_serverless_jobs_finished_total",
	} {
		if got := Family(series); got != want {
			t.Errorf("Family(%s) = %s, want %s", series, got, want)
		}
	}
}

func TestLabelsOfTheContract(t *testing.T) {
	labels, err := Labels("../../docs/METRICS.md")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"ehpc_serverless_jobs_finished_total":                    "cluster_id queue user state reason_class",
		"ehpc_serverless_spot_reclaim_notices_total":             "cluster_id zone_id instance_type",
		"ehpc_serverless_exporter_jobs_by_poll_class":            "cluster_id class",
		"ehpc_serverless_exporter_build_info":                    "version revision goversion",
		"ehpc_serverless_exporter_config_last_reload_successful": "",
	} {
		got, ok := labels[name]
		if !ok || strings.Join(got, " ") != want {
			t.Errorf("labels of %s = %q (listed: %v), want %q", name, got, ok, want)
		}
	}
	if _, ok := labels["ehpc_serverless_job_state"]; ok {
		t.Error("a job family, whose table lists only its extra labels, has complete labels")
	}
}
