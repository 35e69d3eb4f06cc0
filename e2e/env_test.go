//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/proctest"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

// The suite's world: the simulator's demo scenario, plus two things that fail on
// purpose so the failure panels and API alerts have something to show: a job id
// that does not exist (its describes fail with JobNotFound) and a cluster the
// simulator does not know (every call fails with ClusterNotFound).
const (
	missingJobID   = "404404"
	missingCluster = "ehpc-e2e-gone"
	// Checks and alert conditions hold within seconds; the demo's slowest event
	// the suite waits for, a crash loop restarting every 90s, sets this bound.
	waitLong  = 4 * time.Minute
	waitShort = 90 * time.Second
	// Every `for:` of the shipped rules becomes this in the copy Prometheus loads,
	// so alerts go from pending to firing within the test.
	shortFor = "6s"
)

// healthyJobs run for the whole demo without a failure; no alert may name them.
var healthyJobs = []struct{ cluster, job string }{
	{"ehpc-hz-demo01", "1"},
	{"ehpc-sh-demo02", "101"},
	{"ehpc-bj-demo03", "201"},
}

// world is everything the suite started.
type world struct {
	sim         *proc
	exporter    *proc
	prom        *proc
	exporterURL string
	simURL      string
	api         *promAPI
	started     time.Time
}

// requireTools fails (rather than skips) without promtool and prometheus: the
// suite exists to run against them.
func requireTools(t *testing.T) (promtool, prometheus string) {
	t.Helper()
	var err error
	if promtool, err = exec.LookPath("promtool"); err != nil {
		t.Fatal("promtool is not on PATH; install Prometheus (Debian: apt-get install prometheus)")
	}
	if prometheus, err = exec.LookPath("prometheus"); err != nil {
		t.Fatal("prometheus is not on PATH; install Prometheus (Debian: apt-get install prometheus)")
	}
	return promtool, prometheus
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("run the suite from its package directory: %v", err)
	}
	return root
}

func buildExporter(t *testing.T, root, dir string) string {
	t.Helper()
	bin, err := proctest.BuildExporter(context.Background(), root, dir)
	if err != nil {
		t.Fatalf("build the exporter: %v", err)
	}
	return bin
}

// credentialEnv is the key the simulator accepts and the exporter's environment
// credential source sends; it opens nothing but the local simulator.
var credentialEnv = []string{
	"ALIBABA_CLOUD_ACCESS_KEY_ID=e2eSimulatorKey",
	"ALIBABA_CLOUD_ACCESS_KEY_SECRET=e2e-simulator-secret",
	"ALIBABA_CLOUD_ECS_METADATA_DISABLED=true",
}

// exporterConfig lists the demo's long-lived jobs statically and discovers the
// rest, like --demo does, plus the two deliberate failures.
func exporterConfig(simURL string) string {
	var b strings.Builder
	b.WriteString("clusters:\n")
	for i, c := range simulator.DemoTargets() {
		ids := append([]string(nil), c.JobIDs...)
		if i == 0 {
			ids = append(ids, missingJobID)
		}
		fmt.Fprintf(&b, "  - cluster_id: %q\n    region_id: %q\n    endpoint: %q\n    job_ids: [%s]\n    expand_array: true\n    discovery:\n      enabled: true\n      submitted_within: 0s\n",
			c.ClusterID, c.RegionID, simURL, quoteAll(ids))
	}
	fmt.Fprintf(&b, "  - cluster_id: %q\n    region_id: cn-hangzhou\n    endpoint: %q\n    job_ids: [\"1\"]\n", missingCluster, simURL)
	b.WriteString("polling:\n  interval: 5s\n  retention: 10m\napi:\n  requests_per_second: 50\n  burst: 50\n  max_retries: 1\ncredentials:\n  type: environment\nmetrics:\n  tag_labels: [team]\n")
	return b.String()
}

func quoteAll(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = fmt.Sprintf("%q", id)
	}
	return strings.Join(q, ", ")
}

// shortenFor rewrites every alert's `for:` to d and returns the rules file.
func shortenFor(t *testing.T, rules []byte, d string) []byte {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(rules, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	var walk func(*yaml.Node)
	walk = func(node *yaml.Node) {
		if node.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(node.Content); i += 2 {
				if node.Content[i].Value == "for" {
					node.Content[i+1].Value = d
					n++
				}
			}
		}
		for _, c := range node.Content {
			walk(c)
		}
	}
	walk(&doc)
	if n < 10 {
		t.Fatalf("rewrote only %d `for:` durations; has the rules file changed shape?", n)
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func prometheusConfig(exporterAddr string) string {
	return `global:
  scrape_interval: 2s
  scrape_timeout: 2s
  evaluation_interval: 2s
rule_files: [rules.yml]
scrape_configs:
  - job_name: ehpc_serverless
    static_configs:
      - targets: ["` + exporterAddr + `"]
`
}

// startWorld starts the simulator, the exporter and Prometheus, and waits until
// each answers.
func startWorld(t *testing.T, bin, prometheusBin string, rules []byte) *world {
	t.Helper()
	dir := t.TempDir()
	w := &world{started: time.Now()}

	simAddr := proctest.AddrFor(t)
	w.sim = start(t, dir, "simulator", credentialEnv, bin, "simulate", "--listen-address="+simAddr)
	w.simURL = "http://" + simAddr

	configFile := filepath.Join(dir, "exporter.yml")
	write(t, configFile, exporterConfig(w.simURL))
	if out, err := run(dir, bin, "--config.file="+configFile, "--config.check"); err != nil {
		t.Fatalf("the suite's exporter configuration is invalid: %v\n%s", err, out)
	}
	exporterAddr := proctest.AddrFor(t)
	w.exporterURL = "http://" + exporterAddr
	w.exporter = start(t, dir, "exporter", credentialEnv, bin,
		"--config.file="+configFile, "--web.listen-address="+exporterAddr, "--log.level=debug")

	write(t, filepath.Join(dir, "rules.yml"), string(shortenFor(t, rules, shortFor)))
	write(t, filepath.Join(dir, "prometheus.yml"), prometheusConfig(exporterAddr))
	promAddr := proctest.AddrFor(t)
	w.prom = start(t, dir, "prometheus", nil, prometheusBin,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address="+promAddr,
		"--log.level=warn")
	w.api = newPromAPI("http://" + promAddr)

	// The exporter is ready once every cluster finished its first poll cycle.
	httpOK(t, w.exporterURL+"/-/ready", waitShort, w.sim, w.exporter)
	httpOK(t, "http://"+promAddr+"/-/ready", waitShort, w.prom)
	return w
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
