package deploy

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const (
	alertsDir    = "../alerts"
	ruleManifest = "kubernetes/base/prometheusrule.yaml"
	chartRules   = chartDir + "/files/rule-groups.yaml"
)

func TestPrometheusRuleIsUpToDate(t *testing.T) {
	files, err := ReadRuleFiles(alertsDir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := PrometheusRule(files)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(ruleManifest)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go generate ./deploy", ruleManifest)
	}
}

// The chart's rule groups come from the same generator run.
func TestChartRuleGroupsAreUpToDate(t *testing.T) {
	files, err := ReadRuleFiles(alertsDir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := RuleGroups(files)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(chartRules)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go generate ./deploy", chartRules)
	}
	var rf struct {
		Groups []any `yaml:"groups"`
	}
	if err := decodeStrict(got, &rf); err != nil {
		t.Fatalf("%s: %v", chartRules, err)
	}
	if !reflect.DeepEqual(rf.Groups, alertGroups(t)) {
		t.Errorf("%s: the groups differ from the groups of %s", chartRules, alertsDir)
	}
}

// alertGroups are the groups of alerts/*.yml, in order, decoded.
func alertGroups(t *testing.T) []any {
	t.Helper()
	files, err := ReadRuleFiles(alertsDir)
	if err != nil {
		t.Fatal(err)
	}
	var groups []any
	for _, f := range files {
		var rf struct {
			Groups []any `yaml:"groups"`
		}
		if err := yaml.Unmarshal(f.Data, &rf); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		groups = append(groups, rf.Groups...)
	}
	return groups
}

// The groups in the manifest, decoded, are the groups of alerts/*.yml, in
// order: nothing added, dropped or altered on the way.
func TestPrometheusRuleGroupsEqualAlerts(t *testing.T) {
	want := alertGroups(t)
	docs := yamlDocuments(t, ruleManifest)
	if len(docs) != 1 {
		t.Fatalf("%s holds %d documents, want 1", ruleManifest, len(docs))
	}
	var pr prometheusRule
	if err := decodeStrict(docs[0], &pr); err != nil {
		t.Fatal(err)
	}
	if pr.APIVersion != "monitoring.coreos.com/v1" || pr.Kind != "PrometheusRule" {
		t.Errorf("got %s %s", pr.APIVersion, pr.Kind)
	}
	if len(pr.Spec.Groups) == 0 {
		t.Fatal("no rule groups")
	}
	if !reflect.DeepEqual(pr.Spec.Groups, want) {
		t.Errorf("spec.groups differ from the groups of %s", alertsDir)
	}
	alerts := strings.Count(string(docs[0]), "alert: ")
	if alerts == 0 {
		t.Error("the PrometheusRule has no alerting rule")
	}
}

// promtool reads the manifest's groups as a Prometheus rules file.
func TestPrometheusRuleGroupsPassPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed")
	}
	var pr struct {
		Spec struct {
			Groups []any `yaml:"groups"`
		} `yaml:"spec"`
	}
	data, err := os.ReadFile(ruleManifest)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &pr); err != nil {
		t.Fatal(err)
	}
	rules, err := yaml.Marshal(map[string]any{"groups": pr.Spec.Groups})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "rules.yml")
	if err := os.WriteFile(file, rules, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", file).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}

func TestPrometheusRuleRefusesBadInput(t *testing.T) {
	ok := RuleFile{Name: "a.yml", Data: []byte("groups:\n  - name: one\n    rules: []\n")}
	for _, c := range []struct {
		name  string
		files []RuleFile
		want  string
	}{
		{"no files", nil, "no rule files"},
		{"duplicate group", []RuleFile{ok, {Name: "b.yml", Data: ok.Data}}, `b.yml: rule group "one" is already defined in a.yml`},
		{"no groups key", []RuleFile{{Name: "c.yml", Data: []byte("rules: []\n")}}, "c.yml: no groups key"},
		{"empty groups", []RuleFile{{Name: "d.yml", Data: []byte("groups: []\n")}}, "d.yml: groups is not a non-empty list"},
		{"not a mapping", []RuleFile{{Name: "e.yml", Data: []byte("- 1\n")}}, "e.yml: not a YAML mapping"},
		{"bad YAML", []RuleFile{{Name: "f.yml", Data: []byte("groups: [\n")}}, "f.yml:"},
		{"unnamed group", []RuleFile{{Name: "g.yml", Data: []byte("groups:\n  - rules: []\n")}}, "g.yml: a rule group has no name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := PrometheusRule(c.files)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestReadRuleFilesNeedsFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadRuleFiles(dir); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("empty directory: error %v, want one naming it", err)
	}
}

func TestPrometheusRuleJoinsFilesInOrder(t *testing.T) {
	files := []RuleFile{
		{Name: "a.yml", Data: []byte("groups:\n  - name: first\n    rules: []\n")},
		{Name: "b.yml", Data: []byte("# kept\ngroups:\n  - name: second\n    rules: []\n")},
	}
	out, err := PrometheusRule(files)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if !strings.Contains(s, "from alerts/{a.yml,b.yml}") {
		t.Errorf("header does not name both files:\n%s", s)
	}
	if i, j := strings.Index(s, "name: first"), strings.Index(s, "name: second"); i < 0 || j < i {
		t.Errorf("groups missing or out of order:\n%s", s)
	}
}
