//go:build e2e

package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/proctest"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

// The demo's analytics scenarios (internal/simulator, DemoScenario): queue debug
// of ehpc-hz-demo01 ends a job with an image that cannot be pulled every minute,
// queue comp of ehpc-sh-demo02 has a backlog whose jobs start after 35 minutes,
// and a spot instance of ehpc-hz-demo01 is announced for release every minute.
var analyticsFiring = []struct {
	alert  string
	labels map[string]string
}{
	{"EHPCServerlessQueueFailureFastBurn", map[string]string{"cluster_id": "ehpc-hz-demo01", "queue": "debug"}},
	{"EHPCServerlessQueueFailureSlowBurn", map[string]string{"cluster_id": "ehpc-hz-demo01", "queue": "debug"}},
	{"EHPCServerlessQueueWaitHigh", map[string]string{"cluster_id": "ehpc-sh-demo02", "queue": "comp"}},
	{"EHPCServerlessSpotReclaimBurst", map[string]string{"cluster_id": "ehpc-hz-demo01"}},
}

// healthyQueues finish jobs all along, and none of them fails.
var healthyQueues = []struct{ cluster, queue string }{
	{"ehpc-bj-demo03", "comp"},
	{"ehpc-sh-demo02", "comp"},
}

// analyticsAlerts waits until each analytics alert fires on its scenario.
// The first needs three finishes counted after a queue's first, so about
// three minutes of the demo.
func analyticsAlerts(t *testing.T, w *world) {
	got := map[string]alert{}
	eventually(t, waitLong, "the queue failure, queue wait and spot reclaim alerts firing on their scenarios", func() (bool, string) {
		as, err := w.api.alerts()
		if err != nil {
			return false, err.Error()
		}
		var missing []string
		for _, f := range analyticsFiring {
			a, ok := firing(as, f.alert, f.labels)
			if !ok {
				missing = append(missing, f.alert)
				continue
			}
			got[f.alert] = a
		}
		return len(missing) == 0, fmt.Sprintf("not firing yet: %s; alerts: %s", strings.Join(missing, ", "), analyticsSummary(as))
	}, w.prom, w.exporter)
	for _, f := range analyticsFiring {
		a := got[f.alert]
		t.Logf("%s firing since %s (value %s): %s", f.alert, a.ActiveAt.Format("15:04:05"), a.Value, a.Annotations["summary"])
	}
	if v := got["EHPCServerlessQueueWaitHigh"].value(); v <= 1800 {
		t.Errorf("EHPCServerlessQueueWaitHigh value %g, want a p95 above the 1800s threshold", v)
	}
}

func analyticsSummary(as []alert) string {
	var parts []string
	for _, a := range as {
		if strings.HasPrefix(a.Labels["alertname"], "EHPCServerlessQueue") || a.Labels["alertname"] == "EHPCServerlessSpotReclaimBurst" {
			parts = append(parts, fmt.Sprintf("%s[%s %s/%s%s]", a.Labels["alertname"], a.State, a.Labels["cluster_id"], a.Labels["queue"], a.Labels["zone_id"]))
		}
	}
	return strings.Join(parts, " ")
}

// analyticsSilence checks the whole run's ALERTS: the failure-ratio alerts
// never named a healthy queue, the queue wait alert named only the backlog,
// the spot alert only the cluster with reclaims, and the suite's single
// replica never had a shard mismatch.
func analyticsSilence(t *testing.T, w *world, window string) {
	for _, h := range healthyQueues {
		expr := fmt.Sprintf(`count_over_time(ALERTS{alertname=~"EHPCServerlessQueueFailure.*", cluster_id=%q, queue=%q}[%s])`, h.cluster, h.queue, window)
		if got := mustQuery(t, w, expr); len(got) > 0 {
			t.Errorf("healthy queue %s/%s had failure-ratio alerts: %s", h.cluster, h.queue, describe(got, "alertname", "alertstate"))
		}
	}
	for _, f := range analyticsFiring[2:] {
		for _, s := range mustQuery(t, w, fmt.Sprintf(`count_over_time(ALERTS{alertname=%q}[%s])`, f.alert, window)) {
			for k, v := range f.labels {
				if s.Metric[k] != v {
					t.Errorf("%s was %s for %v, where nothing is wrong", f.alert, s.Metric["alertstate"], s.Metric)
					break
				}
			}
		}
	}
	if got := mustQuery(t, w, fmt.Sprintf(`count_over_time(ALERTS{alertname="EHPCServerlessShardCountMismatch"}[%s])`, window)); len(got) > 0 {
		t.Errorf("the suite's single replica had a shard mismatch alert: %s", describe(got, "alertstate", "job"))
	}
}

func mustQuery(t *testing.T, w *world, expr string) []sample {
	t.Helper()
	got, err := w.api.query(expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return got
}

// shardMismatch starts three more exporters on the suite's simulator, shards 0
// and 1 of 2 and shard 1 of 3, and a Prometheus of their own that scrapes them
// as two jobs: shards_agree (0/2 and 1/2) and shards_disagree (0/2 and 1/3).
// The alert must fire for the second and never for the first.
func shardMismatch(t *testing.T, w *world, bin, prometheusBin string, rules []byte) {
	dir := t.TempDir()
	config := filepath.Join(dir, "exporter.yml")
	c := simulator.DemoTargets()[2] // the quietest cluster: the replicas only need to run
	write(t, config, fmt.Sprintf("clusters:\n  - cluster_id: %q\n    region_id: %q\n    endpoint: %q\n    job_ids: [%s]\n"+
		"polling:\n  interval: 5s\napi:\n  requests_per_second: 5\n  burst: 5\ncredentials:\n  type: environment\n",
		c.ClusterID, c.RegionID, w.simURL, quoteAll(c.JobIDs)))
	replicas := []struct {
		name         string
		shard, total int
	}{{"a", 0, 2}, {"b", 1, 2}, {"c", 1, 3}}
	addrs := map[string]string{}
	var procs []*proc
	for _, r := range replicas {
		addr := proctest.AddrFor(t)
		addrs[r.name] = addr
		procs = append(procs, start(t, dir, "exporter-"+r.name, credentialEnv, bin, "--config.file="+config,
			"--web.listen-address="+addr, fmt.Sprintf("--shard=%d", r.shard), fmt.Sprintf("--total-shards=%d", r.total)))
	}
	write(t, filepath.Join(dir, "rules.yml"), string(shortenFor(t, rules, shortFor)))
	write(t, filepath.Join(dir, "prometheus.yml"), fmt.Sprintf(`global:
  scrape_interval: 2s
  scrape_timeout: 2s
  evaluation_interval: 2s
rule_files: [rules.yml]
scrape_configs:
  - job_name: shards_agree
    static_configs: [{targets: [%q, %q]}]
  - job_name: shards_disagree
    static_configs: [{targets: [%q, %q]}]
`, addrs["a"], addrs["b"], addrs["a"], addrs["c"]))
	promAddr := proctest.AddrFor(t)
	prom := start(t, dir, "prometheus-shards", nil, prometheusBin,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address="+promAddr,
		"--log.level=warn")
	api := newPromAPI("http://" + promAddr)
	started := time.Now()

	var got alert
	eventually(t, waitShort, "EHPCServerlessShardCountMismatch firing for shards_disagree", func() (bool, string) {
		as, err := api.alerts()
		if err != nil {
			return false, err.Error()
		}
		a, ok := firing(as, "EHPCServerlessShardCountMismatch", map[string]string{"job": "shards_disagree"})
		got = a
		var seen []string
		for _, a := range as {
			if a.Labels["alertname"] == "EHPCServerlessShardCountMismatch" {
				seen = append(seen, a.State+" "+a.Labels["job"])
			}
		}
		return ok, fmt.Sprintf("mismatch alerts: %v", seen)
	}, append(procs, prom)...)
	t.Logf("%s firing (value %s): %s", got.Labels["alertname"], got.Value, got.Annotations["summary"])
	if got.value() != 2 {
		t.Errorf("value %s, want 2 shard counts", got.Value)
	}
	window := time.Since(started).Round(time.Second) + time.Minute
	agree, err := api.query(fmt.Sprintf(`count_over_time(ALERTS{alertname="EHPCServerlessShardCountMismatch", job="shards_agree"}[%s])`, window))
	if err != nil {
		t.Fatal(err)
	}
	if len(agree) > 0 {
		t.Errorf("replicas that agree had a mismatch alert: %s", describe(agree, "alertstate"))
	}
	up, err := api.query(`count by (job) (up == 1)`)
	if err != nil || len(up) != 2 {
		t.Errorf("want both scrape jobs up, got %s (%v)", describe(up, "job"), err)
	}
}
