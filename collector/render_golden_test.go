package collector

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestSeedGolden pins the whole job exposition of the published sample answer.
func TestSeedGolden(t *testing.T) {
	got := exposition(t, newTestStore(t, StoreOptions{}, seedSnapshot(t)))
	path := filepath.Join("testdata", "seed.golden.prom")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestSeedGolden -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("exposition differs from %s (run with -update after checking the change):\n%s", path, lineDiff(string(want), got))
	}
}

// TestSeedValues checks by name the values the sample answer implies, so a
// careless -update cannot bless a wrong golden file.
func TestSeedValues(t *testing.T) {
	got := exposition(t, newTestStore(t, StoreOptions{}, seedSnapshot(t)))
	const (
		job   = `cluster_id="ehpc-hz-FYUr32****",job_id="5"`
		group = job + `,container_group_id="eci-bp1jrgfqqy54kg5hc****"`
		hpl   = group + `,container="HPL",container_type="main"`
		initC = group + `,container="Init-xxx",container_type="init"`
	)
	for _, line := range []string{
		`ehpc_serverless_job_info{` + job + `,job_name="testjob",queue="comp",user="testuser",array_job_id="",array_index=""} 1`,
		`ehpc_serverless_job_state{` + job + `,state="Running"} 1`,
		`ehpc_serverless_job_priority{` + job + `} 9`,
		`ehpc_serverless_job_submit_timestamp_seconds{` + job + `} 1647423718`,
		`ehpc_serverless_job_last_modified_timestamp_seconds{` + job + `} 1663831441`,
		`ehpc_serverless_container_group_memory_bytes{` + group + `} 4294967296`,
		`ehpc_serverless_container_group_ephemeral_storage_bytes{` + group + `} 21474836480`,
		`ehpc_serverless_container_group_status{` + group + `,status="Running"} 1`,
		`ehpc_serverless_container_group_events{` + group + `,event_type="Normal",reason="Created"} 20`,
		`ehpc_serverless_container_group_last_event_timestamp_seconds{` + group + `,event_type="Normal",reason="Created"} 1533222000`,
		`ehpc_serverless_container_restarts_total{` + hpl + `} 5`,
		`ehpc_serverless_container_memory_bytes{` + hpl + `} 4294967296`,
		`ehpc_serverless_container_state{` + hpl + `,state="Terminated"} 1`,
		`ehpc_serverless_container_started_timestamp_seconds{` + hpl + `} 1576757102`,
		`ehpc_serverless_container_exit_code{` + hpl + `} 0`,
		`ehpc_serverless_container_signal{` + hpl + `} 1`,
		`ehpc_serverless_container_last_terminated_reason{` + hpl + `,reason="Completed"} 1`,
		`ehpc_serverless_container_state{` + initC + `,state="Running"} 1`,
		`ehpc_serverless_container_memory_bytes{` + initC + `} 2147483648`,
		`ehpc_serverless_job_last_poll_success_timestamp_seconds{` + job + `} 1663831445`,
		`ehpc_serverless_exporter_jobs_tracked{cluster_id="ehpc-hz-FYUr32****",source="static"} 1`,
		`ehpc_serverless_exporter_jobs_by_poll_class{cluster_id="ehpc-hz-FYUr32****",class="active"} 1`,
	} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("missing line\n  %s", line)
		}
	}
	for _, absent := range []string{
		"ehpc_serverless_container_group_tags",             // no allowlist
		"ehpc_serverless_job_array_tasks",                  // IsArrayJob is false
		"ehpc_serverless_container_group_spot_price_limit", // NoSpot
		"ehpc_serverless_job_poll_errors_total",            // no errors
		`\n`,                                               // every trailing newline of the sample was trimmed
	} {
		if strings.Contains(got, absent) {
			t.Errorf("unexpected %q in the exposition", absent)
		}
	}
	if strings.Contains(got, "ehpc_serverless_container_exit_code{"+initC) {
		t.Error("exit code exposed for a running init container")
	}
}
