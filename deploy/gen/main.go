// Command gen writes the PrometheusRule manifest from the Prometheus rule
// files (go generate ./deploy).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/deploy"
)

func main() {
	alerts := flag.String("alerts", "../alerts", "directory of the Prometheus rule files (*.yml)")
	out := flag.String("out", "kubernetes/base/prometheusrule.yaml", "manifest to write")
	flag.Parse()
	if err := run(*alerts, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(alertsDir, out string) error {
	files, err := deploy.ReadRuleFiles(alertsDir)
	if err != nil {
		return err
	}
	manifest, err := deploy.PrometheusRule(files)
	if err != nil {
		return err
	}
	return os.WriteFile(out, manifest, 0o644)
}
