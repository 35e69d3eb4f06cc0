// Package deploy holds the production deployment files of the exporter
// (kubernetes/, systemd/, prometheus/, ram-policy.json) and the code that
// turns the Prometheus rules in alerts/ into the Prometheus Operator's
// PrometheusRule, so that the two can never drift apart. Its tests check the
// files against each other and against the exporter's own contracts.
package deploy

//go:generate go run ./gen -alerts ../alerts -out kubernetes/base/prometheusrule.yaml -groups helm/ehpc-serverless-exporter/files/rule-groups.yaml
