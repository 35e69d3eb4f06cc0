// Package alerts holds the Prometheus rules of ehpc_serverless_exporter: tunable
// thresholds, recording rules and alerting rules in ehpc_serverless.rules.yml, with
// promtool unit tests in tests/. Load the file with Prometheus's rule_files; see
// docs/DASHBOARDS_AND_ALERTS.md.
package alerts

import _ "embed"

// RulesFile is the name of the rules file in this directory.
const RulesFile = "ehpc_serverless.rules.yml"

// Rules is the content of RulesFile.
//
//go:embed ehpc_serverless.rules.yml
var Rules []byte
