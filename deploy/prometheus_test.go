package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/alerts"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/config"
)

const promConfig = "prometheus/prometheus.yml"

type promFile struct {
	Global struct {
		ScrapeInterval     string `yaml:"scrape_interval"`
		EvaluationInterval string `yaml:"evaluation_interval"`
	} `yaml:"global"`
	RuleFiles     []string `yaml:"rule_files"`
	ScrapeConfigs []struct {
		JobName        string `yaml:"job_name"`
		ScrapeInterval string `yaml:"scrape_interval"`
		ScrapeTimeout  string `yaml:"scrape_timeout"`
		StaticConfigs  []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
	} `yaml:"scrape_configs"`
}

// The example scrapes as often as the exporter polls by default.
func TestPrometheusScrapeConfig(t *testing.T) {
	data, err := os.ReadFile(promConfig)
	if err != nil {
		t.Fatal(err)
	}
	var p promFile
	if err := decodeStrict(data, &p); err != nil {
		t.Fatalf("%s: %v", promConfig, err)
	}
	if len(p.ScrapeConfigs) != 1 {
		t.Fatalf("want one scrape job, got %d", len(p.ScrapeConfigs))
	}
	sc := p.ScrapeConfigs[0]
	checkScrapeTiming(t, promConfig, sc.ScrapeInterval, sc.ScrapeTimeout, config.DefaultInterval)
	if len(sc.StaticConfigs) != 1 || len(sc.StaticConfigs[0].Targets) != 1 ||
		!strings.HasSuffix(sc.StaticConfigs[0].Targets[0], ":"+strconv.Itoa(exporterPort)) {
		t.Errorf("targets %+v: want one target on port %d", sc.StaticConfigs, exporterPort)
	}
	if len(p.RuleFiles) == 0 {
		t.Error("no rule_files: the example should load the shipped rules")
	}
}

// promtool checks the example with the shipped rules in place, as a user
// following the comment in the file would have it.
func TestPrometheusConfigPassesPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed")
	}
	dir := t.TempDir()
	data, err := os.ReadFile(promConfig)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "rules"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules", alerts.RulesFile), alerts.Rules, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "check", "config", filepath.Join(dir, "prometheus.yml")).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), alerts.RulesFile) {
		t.Errorf("promtool did not check the rule file:\n%s", out)
	}
}
