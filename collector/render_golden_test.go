package collector

import (
	"flag"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestSeedGolden pins the whole job exposition of the published sample answer.
func TestSeedGolden(t *testing.T) {
	checkGolden(t, "seed.golden.prom", exposition(t, newTestStore(t, StoreOptions{}, seedSnapshot(t))))
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
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

// compactSnapshot is the rich failed job once it is frozen, with a Normal
// event and a second, healthy container beside the failed one.
func compactSnapshot() *JobSnapshot {
	s := richSnapshot()
	s.Class = ClassFrozen
	info := *s.Info
	g := info.ContainerGroups[0]
	g.Events = append([]client.Event{{Count: 1, Type: "Normal", Reason: "Scheduled", LastTimestamp: "2023-11-14T22:13:21Z"}}, g.Events...)
	g.InitContainers = []client.Container{{Name: "prepare", Image: "prep", Cpu: 1, Memory: 1, Ready: true,
		CurrentState: client.ContainerState{State: "Terminated", Reason: "Completed", StartTime: "2023-11-14T22:13:40Z", FinishTime: "2023-11-14T22:13:50Z"}}}
	info.ContainerGroups = []client.ContainerGroup{g}
	s.Info = &info
	return s
}

// TestCompactGolden pins the exposition of a finished job that is no longer
// described: only the final values of its state sets, no allocation or
// readiness, Warning events only, and its failure class.
func TestCompactGolden(t *testing.T) {
	got := exposition(t, newTestStore(t, StoreOptions{TagLabels: []string{"app"}, Classifier: testClassify}, compactSnapshot()))
	checkGolden(t, "compact.golden.prom", got)
}

// TestCompactKeepsWhatAFailureNeeds checks by name what a compact job keeps
// and drops, against the same job one round earlier (final), which keeps
// everything.
func TestCompactKeepsWhatAFailureNeeds(t *testing.T) {
	final := compactSnapshot()
	final.Class = ClassFinal
	opts := StoreOptions{TagLabels: []string{"app"}, Classifier: testClassify}
	full := exposition(t, newTestStore(t, opts, final))
	for _, class := range []Class{ClassFrozen, ClassBacklog} {
		s := compactSnapshot()
		s.Class = class
		checkCompact(t, full, exposition(t, newTestStore(t, opts, s)))
	}
}

func checkCompact(t *testing.T, full, compact string) {
	t.Helper()
	const (
		job  = `cluster_id="ehpc-sh-rich",job_id="10_3"`
		grp  = job + `,container_group_id="eci-rich"`
		main = grp + `,container="main",container_type="main"`
	)
	kept := []string{
		`ehpc_serverless_job_info{` + job + `,job_name="array",queue="q",user="u",array_job_id="10",array_index="3"} 1`,
		`ehpc_serverless_job_state{` + job + `,state="Failed"} 1`,
		`ehpc_serverless_job_failure_class{` + job + `,reason_class="app_error"} 1`,
		`ehpc_serverless_job_end_timestamp_seconds{` + job + `} 1700000200`,
		`ehpc_serverless_container_group_status{` + grp + `,status="Failed"} 1`,
		`ehpc_serverless_container_group_spot_price_limit{` + grp + `} 0.5`,
		`ehpc_serverless_container_group_tags{` + grp + `,tag_app="hpl"} 1`,
		`ehpc_serverless_container_group_events{` + grp + `,event_type="Warning",reason="BackOff"} 3`,
		`ehpc_serverless_container_state{` + main + `,state="Terminated"} 1`,
		`ehpc_serverless_container_state_reason{` + main + `,state="Terminated",reason="Error"} 1`,
		`ehpc_serverless_container_exit_code{` + main + `} 137`,
		`ehpc_serverless_container_restarts_total{` + main + `} 3`,
		`ehpc_serverless_container_last_terminated_exit_code{` + main + `} 1`,
		`ehpc_serverless_container_memory_bytes{` + main + `} 8589934592`,
		`ehpc_serverless_container_group_failed_timestamp_seconds{` + grp + `} 1700000200`,
	}
	dropped := []string{
		`ehpc_serverless_job_state{` + job + `,state="Running"} 0`,
		`ehpc_serverless_container_group_status{` + grp + `,status="Running"} 0`,
		`ehpc_serverless_container_state{` + main + `,state="Running"} 0`,
		`ehpc_serverless_container_group_events{` + grp + `,event_type="Normal",reason="Scheduled"} 1`,
		`ehpc_serverless_job_priority{` + job + `} 1`,
		`ehpc_serverless_container_group_cpu_cores{` + grp + `} 4`,
		`ehpc_serverless_container_cpu_cores{` + main + `} 4`,
		`ehpc_serverless_container_ready{` + main + `} 0`,
		`ehpc_serverless_container_finished_timestamp_seconds{` + main + `} 1700000200`,
		`ehpc_serverless_container_group_creation_timestamp_seconds{` + grp + `} 1700000000`,
		`ehpc_serverless_job_last_poll_success_timestamp_seconds{` + job + `} 1700000000.25`,
	}
	for _, l := range append(kept, dropped...) {
		if !strings.Contains(full, l+"\n") {
			t.Errorf("final job lacks\n  %s", l)
		}
	}
	for _, l := range kept {
		if !strings.Contains(compact, l+"\n") {
			t.Errorf("compact job lacks\n  %s", l)
		}
	}
	for _, l := range dropped {
		if strings.Contains(compact, l+"\n") {
			t.Errorf("compact job still has\n  %s", l)
		}
	}
}

// aggregateSnapshots are jobs of two owners: the sample answer (Running),
// the rich failed job, a finished one of the sample's owner, and a job never
// described, which has no state to count.
func aggregateSnapshots(t *testing.T) []*JobSnapshot {
	done := seedSnapshot(t)
	done.Key.JobID, done.Class = "6", ClassFrozen
	info := *done.Info
	info.State = client.JobStateSucceeded
	info.ContainerGroups = []client.ContainerGroup{{ContainerGroupID: "eci-done", Status: "Succeeded"}}
	done.Info = &info
	return []*JobSnapshot{seedSnapshot(t), done, compactSnapshot(), job("never", nil)}
}

// TestAggregateGolden pins the aggregate-only exposition (metrics.per_job:
// false): counts by owner and state, the exporter's job counts, and not one
// series of a single job.
func TestAggregateGolden(t *testing.T) {
	got := exposition(t, newTestStore(t, StoreOptions{AggregateOnly: true, Classifier: testClassify}, aggregateSnapshots(t)...))
	checkGolden(t, "aggregate.golden.prom", got)
	for _, l := range strings.Split(got, "\n") {
		if strings.Contains(l, "job_id=") {
			t.Errorf("a per-job series in the aggregate-only exposition:\n  %s", l)
		}
	}
	for _, line := range []string{
		`ehpc_serverless_jobs{cluster_id="ehpc-hz-FYUr32****",queue="comp",user="testuser",state="Running"} 1`,
		`ehpc_serverless_jobs{cluster_id="ehpc-hz-FYUr32****",queue="comp",user="testuser",state="Succeeded"} 1`,
		`ehpc_serverless_jobs{cluster_id="ehpc-hz-FYUr32****",queue="comp",user="testuser",state="Failed"} 0`,
		`ehpc_serverless_jobs{cluster_id="ehpc-sh-rich",queue="q",user="u",state="Failed"} 1`,
		`ehpc_serverless_container_groups{cluster_id="ehpc-hz-FYUr32****",queue="comp",user="testuser",status="Running"} 1`,
		`ehpc_serverless_container_groups{cluster_id="ehpc-hz-FYUr32****",queue="comp",user="testuser",status="Succeeded"} 1`,
		`ehpc_serverless_container_groups{cluster_id="ehpc-sh-rich",queue="q",user="u",status="Failed"} 1`,
		`ehpc_serverless_exporter_jobs_tracked{cluster_id="c",source="static"} 1`,
	} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("missing line\n  %s", line)
		}
	}
	if strings.Contains(got, "ehpc_serverless_array_tasks_by_state") {
		t.Error("sub-task counts of each array job in the aggregate-only exposition")
	}
}
