package alerts_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
	"go.yaml.in/yaml/v3"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/alerts"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/metricsdoc"
)

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	Record      string            `yaml:"record"`
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

func loadRules(t *testing.T) (alertRules, records []rule) {
	t.Helper()
	var f ruleFile
	dec := yaml.NewDecoder(strings.NewReader(string(alerts.Rules)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s: %v", alerts.RulesFile, err)
	}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				alertRules = append(alertRules, r)
			} else {
				records = append(records, r)
			}
		}
	}
	if len(alertRules) < 10 {
		t.Fatalf("found only %d alerts in %s", len(alertRules), alerts.RulesFile)
	}
	return alertRules, records
}

// The alerts the issue asks for, by what they watch; the file may have more.
var required = []string{
	"EHPCServerlessContainerFailed",              // non-zero exit code
	"EHPCServerlessContainerRestarting",          // restarting repeatedly
	"EHPCServerlessContainerOOMKilled",           // OOMKilled
	"EHPCServerlessJobFailed",                    // job Failed
	"EHPCServerlessJobPendingTooLong",            // stuck Pending/Initing
	"EHPCServerlessContainerGroupScheduleFailed", // group ScheduleFailed
	"EHPCServerlessContainerGroupExpired",        // group Expired
	"EHPCServerlessAPIUnreachable",               // API unreachable
	"EHPCServerlessAPIThrottled",                 // throttled
	"EHPCServerlessJobDataStale",                 // stale data
}

func TestAlertsAreComplete(t *testing.T) {
	alertRules, _ := loadRules(t)
	runbook, err := os.ReadFile("../docs/RUNBOOK.md")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, r := range alertRules {
		if names[r.Alert] {
			t.Errorf("alert %s defined twice", r.Alert)
		}
		names[r.Alert] = true
		if s := r.Labels["severity"]; s != "critical" && s != "warning" && s != "info" {
			t.Errorf("%s: severity %q, want critical, warning or info", r.Alert, s)
		}
		for _, a := range []string{"summary", "description", "runbook_url"} {
			if strings.TrimSpace(r.Annotations[a]) == "" {
				t.Errorf("%s: no %s annotation", r.Alert, a)
			}
		}
		anchor := "docs/RUNBOOK.md#" + strings.ToLower(r.Alert)
		if !strings.HasSuffix(r.Annotations["runbook_url"], anchor) {
			t.Errorf("%s: runbook_url %q does not end in %s", r.Alert, r.Annotations["runbook_url"], anchor)
		}
		if !regexp.MustCompile(`(?m)^## ` + r.Alert + `$`).Match(runbook) {
			t.Errorf("%s: docs/RUNBOOK.md has no section \"## %s\"", r.Alert, r.Alert)
		}
	}
	for _, want := range required {
		if !names[want] {
			t.Errorf("required alert %s is missing", want)
		}
	}
}

func TestExpressionsParseAndUseKnownSeries(t *testing.T) {
	alertRules, records := loadRules(t)
	known := documentedMetrics(t)
	for _, r := range records {
		known[r.Record] = true
	}
	usedThresholds := map[string]bool{}
	for _, r := range slices.Concat(records, alertRules) {
		name := r.Alert + r.Record
		e, err := parser.NewParser(parser.Options{}).ParseExpr(r.Expr)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
			vs, ok := n.(*parser.VectorSelector)
			if !ok {
				return nil
			}
			if !known[metricsdoc.Family(vs.Name)] {
				t.Errorf("%s: reads %s, which is neither in docs/METRICS.md nor recorded here", name, vs.Name)
			}
			if strings.HasPrefix(vs.Name, "ehpc_serverless:threshold:") {
				usedThresholds[vs.Name] = true
			}
			return nil
		})
	}
	for _, r := range records {
		if strings.HasPrefix(r.Record, "ehpc_serverless:threshold:") && !usedThresholds[r.Record] {
			t.Errorf("threshold %s is used by no rule", r.Record)
		}
	}
}

type unitTestFile struct {
	RuleFiles []string `yaml:"rule_files"`
	Tests     []struct {
		Name          string `yaml:"name"`
		AlertRuleTest []struct {
			Alertname string `yaml:"alertname"`
			ExpAlerts []any  `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

// TestEveryAlertIsTestedBothWays: the promtool tests must show each alert firing
// and, somewhere, not firing.
func TestEveryAlertIsTestedBothWays(t *testing.T) {
	alertRules, _ := loadRules(t)
	files, err := filepath.Glob("tests/*.test.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no promtool tests in alerts/tests: %v", err)
	}
	fires, silent := map[string]bool{}, map[string]bool{}
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var f unitTestFile
		if err := yaml.Unmarshal(raw, &f); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if !slices.Contains(f.RuleFiles, "../"+alerts.RulesFile) {
			t.Errorf("%s does not test ../%s", path, alerts.RulesFile)
		}
		for _, tc := range f.Tests {
			for _, a := range tc.AlertRuleTest {
				if len(a.ExpAlerts) > 0 {
					fires[a.Alertname] = true
				} else {
					silent[a.Alertname] = true
				}
			}
		}
	}
	for _, r := range alertRules {
		if !fires[r.Alert] {
			t.Errorf("%s: no promtool test shows it firing", r.Alert)
		}
		if !silent[r.Alert] {
			t.Errorf("%s: no promtool test shows it silent", r.Alert)
		}
	}
}

// TestPromtool runs promtool's own checks when it is installed (Debian's prometheus
// package); the end-to-end suite runs them unconditionally.
func TestPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed; the e2e suite (go test -tags e2e ./e2e/...) runs these checks")
	}
	files, _ := filepath.Glob("tests/*.test.yml")
	for _, args := range [][]string{
		{"check", "rules", alerts.RulesFile},
		append([]string{"test", "rules"}, files...),
	} {
		out, err := exec.Command(promtool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

func documentedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	names, err := metricsdoc.Names("../docs/METRICS.md")
	if err != nil {
		t.Fatal(err)
	}
	return names
}
