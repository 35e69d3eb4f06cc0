//go:build e2e

package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/alerts"
)

// TestEndToEnd proves, against a real Prometheus, each point of the end-to-end
// list: rules pass promtool, the target is up, job and container series arrive,
// the exposition is lint-clean, the exit code 137 alerts fire while healthy jobs'
// do not, replicas that disagree on the shard count fire, every dashboard
// validates and every dashboard query runs and returns data, and the queue and
// spot alerts fire on the demo's scenarios while healthy queues stay silent.
// The subtests share one running world and run in order.
func TestEndToEnd(t *testing.T) {
	promtool, prometheusBin := requireTools(t)
	root := repoRoot(t)
	alertsDir := filepath.Join(root, "alerts")

	t.Run("promtool check rules and test rules pass", func(t *testing.T) {
		out, err := run(alertsDir, promtool, "check", "rules", alerts.RulesFile)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		t.Logf("promtool check rules: %s", strings.TrimSpace(out))
		tests, _ := filepath.Glob(filepath.Join(alertsDir, "tests", "*.test.yml"))
		if len(tests) == 0 {
			t.Fatal("no rule unit tests in alerts/tests")
		}
		for i, f := range tests {
			tests[i], _ = filepath.Rel(alertsDir, f)
		}
		out, err = run(alertsDir, promtool, append([]string{"test", "rules"}, tests...)...)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if n := strings.Count(out, "SUCCESS"); n != len(tests) {
			t.Fatalf("promtool test rules: %d SUCCESS for %d files:\n%s", n, len(tests), out)
		}
		t.Logf("promtool test rules: %d files, all SUCCESS", len(tests))
	})

	dir := t.TempDir()
	bin := buildExporter(t, root, dir)
	w := startWorld(t, bin, prometheusBin, alerts.Rules)
	t.Logf("simulator, exporter (%s) and Prometheus (%s) running; rules loaded with every `for:` shortened to %s", w.exporterURL, w.api.base, shortFor)

	t.Run("Prometheus loaded every rule", func(t *testing.T) {
		eventually(t, waitShort, "every rule evaluated without error", func() (bool, string) {
			groups, err := w.api.ruleGroups()
			if err != nil {
				return false, err.Error()
			}
			n, bad := 0, []string{}
			for _, g := range groups {
				for _, r := range g.Rules {
					n++
					if r.Health != "ok" {
						bad = append(bad, fmt.Sprintf("%s (%s %s)", r.Name, r.Health, r.LastError))
					}
				}
			}
			return n > 0 && len(bad) == 0, fmt.Sprintf("%d rules, not ok: %v", n, bad)
		}, w.prom)
	})

	t.Run("the scrape target is up", func(t *testing.T) {
		eventually(t, waitShort, "target up", func() (bool, string) {
			ts, err := w.api.activeTargets()
			if err != nil {
				return false, err.Error()
			}
			if len(ts) != 1 {
				return false, fmt.Sprintf("%d targets", len(ts))
			}
			return ts[0].Health == "up", fmt.Sprintf("%s: %s %s", ts[0].ScrapeURL, ts[0].Health, ts[0].LastError)
		}, w.prom, w.exporter)
		mustHaveData(t, w, `up{job="ehpc_serverless"} == 1`)
	})

	t.Run("job, container group and container series arrive", func(t *testing.T) {
		for _, expr := range []string{
			`ehpc_serverless_job_state{cluster_id="ehpc-hz-demo01", job_id="1", state="Running"} == 1`,
			`ehpc_serverless_job_info{cluster_id="ehpc-sh-demo02", job_id="101", queue="gpu", user="frank"}`,
			`ehpc_serverless_container_group_status{cluster_id="ehpc-bj-demo03", job_id="202", status="ScheduleFailed"} == 1`,
			`ehpc_serverless_container_state{cluster_id="ehpc-hz-demo01", job_id="1", container_type="init"}`,
			`ehpc_serverless_container_restarts_total{cluster_id="ehpc-sh-demo02", job_id="102", container="loader"}`,
			`ehpc_serverless_exporter_jobs_tracked{source="discovered"} > 0`,
			`ehpc_serverless_job_poll_errors_total{job_id="` + missingJobID + `", code="JobNotFound"}`,
		} {
			mustHaveData(t, w, expr)
		}
		got, err := w.api.query(`count by (cluster_id) (ehpc_serverless_job_info)`)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("jobs per cluster in Prometheus: %s", describe(got, "cluster_id"))
	})

	t.Run("promtool check metrics reports nothing", func(t *testing.T) {
		resp, err := http.Get(w.exporterURL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /metrics: %v %s", err, resp.Status)
		}
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = strings.NewReader(string(body))
		out, err := cmd.CombinedOutput()
		if err != nil || len(strings.TrimSpace(string(out))) > 0 {
			t.Fatalf("promtool check metrics on %d bytes of /metrics: %v\n%s", len(body), err, out)
		}
		t.Logf("promtool check metrics: no output for %d bytes, %d lines", len(body), strings.Count(string(body), "\n"))
	})

	t.Run("exit code 137 alerts fire in Prometheus, healthy jobs stay silent", func(t *testing.T) {
		exitCode137Alerts(t, w)
	})

	t.Run("API failures fire only for the cluster that fails", func(t *testing.T) {
		apiAlerts(t, w)
	})

	t.Run("replicas that disagree on the shard count fire, replicas that agree do not", func(t *testing.T) {
		shardMismatch(t, w, bin, prometheusBin, alerts.Rules)
	})

	t.Run("every dashboard validates with grafana-foundation-sdk", func(t *testing.T) {
		validateDashboards(t, root)
	})

	t.Run("every dashboard query runs and returns data", func(t *testing.T) {
		dashboardQueries(t, w, root)
	})

	// Last but one: these need minutes of the demo, which the subtests above spend.
	t.Run("queue failure, queue wait and spot reclaim alerts fire on their scenarios", func(t *testing.T) {
		analyticsAlerts(t, w)
	})

	t.Run("no alert ever named a healthy job or queue", func(t *testing.T) {
		// ALERTS holds every pending and firing alert Prometheus evaluated, so this
		// covers the whole run, not only the moments the suite looked.
		window := time.Since(w.started).Round(time.Second) + time.Minute
		for _, h := range healthyJobs {
			mustHaveData(t, w, fmt.Sprintf(`ehpc_serverless_job_state{cluster_id=%q, job_id=%q, state="Running"} == 1`, h.cluster, h.job))
			got, err := w.api.query(fmt.Sprintf(`count_over_time(ALERTS{cluster_id=%q, job_id=%q}[%s])`, h.cluster, h.job, window))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) > 0 {
				t.Errorf("healthy job %s/%s had alerts: %s", h.cluster, h.job, describe(got, "alertname", "alertstate"))
			}
		}
		analyticsSilence(t, w, window.String())
		fired, err := w.api.query(fmt.Sprintf(`count by (alertname) (count_over_time(ALERTS{alertstate="firing"}[%s]))`, window))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("alerts that fired during the run (series per alert): %s", describe(fired, "alertname"))
	})
}

// mustHaveData waits until an instant query returns at least one sample.
func mustHaveData(t *testing.T, w *world, expr string) {
	t.Helper()
	eventually(t, waitShort, expr, func() (bool, string) {
		got, err := w.api.query(expr)
		if err != nil {
			return false, err.Error()
		}
		return len(got) > 0, "no data"
	}, w.prom, w.exporter)
}

// describe renders samples as "a=x b=y: v" lines for logs.
func describe(ss []sample, labels ...string) string {
	var parts []string
	for _, s := range ss {
		var kv []string
		for _, l := range labels {
			kv = append(kv, l+"="+s.Metric[l])
		}
		parts = append(parts, fmt.Sprintf("{%s} %g", strings.Join(kv, " "), s.Value))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
