// Command gen writes the PrometheusRule manifest and the Helm chart's rule
// groups from the Prometheus rule files (go generate ./deploy), so that both
// come from one reading of alerts/.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/deploy"
)

func main() {
	alerts := flag.String("alerts", "../alerts", "directory of the Prometheus rule files (*.yml)")
	out := flag.String("out", "kubernetes/base/prometheusrule.yaml", "PrometheusRule manifest to write")
	groups := flag.String("groups", "helm/ehpc-serverless-exporter/files/rule-groups.yaml", "rules file of the Helm chart to write")
	flag.Parse()
	if err := run(*alerts, *out, *groups); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(alertsDir, out, groups string) error {
	files, err := deploy.ReadRuleFiles(alertsDir)
	if err != nil {
		return err
	}
	manifest, err := deploy.PrometheusRule(files)
	if err != nil {
		return err
	}
	chartRules, err := deploy.RuleGroups(files)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, manifest, 0o644); err != nil {
		return err
	}
	return os.WriteFile(groups, chartRules, 0o644)
}
