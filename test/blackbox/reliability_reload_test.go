package blackbox

import (
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

const (
	relReloadCluster = "ehpc-hz-reload01"
	relReloadKeyID   = "LTAIreloadtest"
	relReloadSecret  = "reload-test-secret-61f0"
)

// relReloadRig: one simulator with three running jobs, and an exporter
// tracking jobs 1 and 2 that polls only once an hour, so that what a reload
// does to the store shows without a poll blurring it.
func relReloadRig(t *testing.T) (e *relExporter, cfgPath string, writeCfg func(body string), simAddr string) {
	t.Helper()
	sim := relStartSim(t, simulator.Options{
		Scenario: &simulator.Scenario{Clusters: []simulator.Cluster{relRunning(relReloadCluster,
			simulator.Job{ID: "1", Name: "one", Queue: "q", User: "u"}, simulator.Job{ID: "2", Name: "two", Queue: "q", User: "u"},
			simulator.Job{ID: "3", Name: "three", Queue: "q", User: "u"})}},
		Keys: map[string]simulator.Key{relReloadKeyID: {Secret: relReloadSecret}},
	})
	cfgPath = writeFile(t, "config.yml", relReloadConfig(sim.addr, "1", "2"))
	writeCfg = func(body string) {
		t.Helper()
		if err := os.WriteFile(cfgPath, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	e = relStart(t, cfgPath, relKeyEnv(relReloadKeyID, relReloadSecret, ""))
	e.waitReady()
	return e, cfgPath, writeCfg, sim.addr
}

func relReloadConfig(simAddr string, ids ...string) string {
	return relConfig(relCluster(relReloadCluster, simAddr, ids...), "polling:\n  interval: 1h\n")
}

// A good reload by SIGHUP: the removed job leaves, the added one is tracked,
// and the job that stays keeps its data as it was (same last-success time:
// neither dropped nor re-fetched).
func TestReliabilityReloadBySIGHUPKeepsJobsThatStay(t *testing.T) {
	e, _, writeCfg, simAddr := relReloadRig(t)
	before := e.metrics()
	lastPoll := jobSeries("ehpc_serverless_job_last_poll_success_timestamp_seconds", relReloadCluster, "2")
	polledAt, ok := before[lastPoll]
	if !ok {
		t.Fatalf("job 2 was not polled before the reload")
	}
	reloadTS := before["ehpc_serverless_exporter_config_last_reload_success_timestamp_seconds"]

	writeCfg(relReloadConfig(simAddr, "2", "3"))
	if err := e.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	e.waitLog("configuration reloaded", 1)

	after := e.metrics()
	after.want(t, "ehpc_serverless_exporter_config_last_reload_successful", 1)
	if ts := after["ehpc_serverless_exporter_config_last_reload_success_timestamp_seconds"]; ts < reloadTS {
		t.Errorf("reload success time went back: %v -> %v", reloadTS, ts)
	}
	after.want(t, lastPoll, polledAt)
	after.want(t, jobSeries("ehpc_serverless_job_state", relReloadCluster, "2", "state", "Running"), 1)
	after.want(t, jobSeries("ehpc_serverless_job_info", relReloadCluster, "2", "job_name", "two", "queue", "q", "user", "u",
		"array_job_id", "", "array_index", ""), 1)
	if _, ok := after[jobSeries("ehpc_serverless_job_state", relReloadCluster, "1", "state", "Running")]; ok {
		t.Errorf("job 1 was removed from the config but is still exported")
	}
	after.want(t, `ehpc_serverless_exporter_jobs_tracked{cluster_id="`+relReloadCluster+`",source="static"}`, 2)
	if _, status := e.get("/status"); !strings.Contains(status, "<td>3</td>") {
		t.Errorf("the added job 3 is not on the status page:\n%s", status)
	}
}

// /-/reload takes POST only; a bad file keeps the running config, answers
// why, logs why, and sets the success gauge to 0 until a good reload.
func TestReliabilityReloadEndpointAndBadReloads(t *testing.T) {
	e, _, writeCfg, simAddr := relReloadRig(t)
	before := e.metrics()
	before.want(t, "ehpc_serverless_exporter_config_last_reload_successful", 1)

	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		code, _ := relDo(t, method, e.base+"/-/reload")
		if code != http.StatusMethodNotAllowed {
			t.Errorf("%s /-/reload: %d, want 405", method, code)
		}
	}

	// A typo: the key job_id does not exist.
	bad := strings.Replace(relReloadConfig(simAddr, "2", "3"), "job_ids:", "job_id:", 1)
	writeCfg(bad)
	code, body := e.post("/-/reload")
	if code != http.StatusInternalServerError || !strings.Contains(body, "job_id: unknown key") {
		t.Fatalf("POST /-/reload of a bad file: %d %q, want 500 naming the unknown key", code, body)
	}
	e.waitLog("configuration reload failed", 1)
	if !strings.Contains(e.logs.String(), "job_id: unknown key") {
		t.Errorf("the log does not say why the reload failed:\n%s", e.logs.String())
	}
	relSameJobs(t, before, e.metrics())

	// The same by SIGHUP, with a file that is not YAML at all.
	writeCfg("clusters: [\n")
	if err := e.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	e.waitLog("configuration reload failed", 2)
	relSameJobs(t, before, e.metrics())

	// A good file again: applied, gauge back to 1.
	writeCfg(relReloadConfig(simAddr, "2", "3"))
	code, body = e.post("/-/reload")
	if code != http.StatusOK {
		t.Fatalf("POST /-/reload of a good file: %d %q", code, body)
	}
	after := e.metrics()
	after.want(t, "ehpc_serverless_exporter_config_last_reload_successful", 1)
	if _, ok := after[jobSeries("ehpc_serverless_job_state", relReloadCluster, "1", "state", "Running")]; ok {
		t.Errorf("job 1 is still exported after a good reload removed it")
	}
}

// relSameJobs: after a failed reload the gauge is 0 and the jobs are the
// ones of the running config, with the same data.
func relSameJobs(t *testing.T, before, after samples) {
	t.Helper()
	after.want(t, "ehpc_serverless_exporter_config_last_reload_successful", 0)
	after.want(t, "ehpc_serverless_exporter_config_last_reload_success_timestamp_seconds",
		before["ehpc_serverless_exporter_config_last_reload_success_timestamp_seconds"])
	for _, id := range []string{"1", "2"} {
		s := jobSeries("ehpc_serverless_job_last_poll_success_timestamp_seconds", relReloadCluster, id)
		after.want(t, s, before[s])
		after.want(t, jobSeries("ehpc_serverless_job_state", relReloadCluster, id, "state", "Running"), 1)
	}
	if _, ok := after[jobSeries("ehpc_serverless_job_poll_errors_total", relReloadCluster, "3", "code", "JobNotFound")]; ok {
		t.Errorf("job 3 of the refused config is tracked")
	}
	after.want(t, `ehpc_serverless_exporter_jobs_tracked{cluster_id="`+relReloadCluster+`",source="static"}`, 2)
}
