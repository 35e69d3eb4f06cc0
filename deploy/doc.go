// Package deploy holds the production deployment files of the exporter
// (helm/, kubernetes/, systemd/, prometheus/, ram-policy.json) and the code
// that turns the Prometheus rules in alerts/ into the Prometheus Operator's
// PrometheusRule and the Helm chart's rule groups, so that neither can drift
// from alerts/. Its tests check the files against each other and against the
// exporter's own contracts; those of the chart run the real Helm.
package deploy

//go:generate go run ./gen -alerts ../alerts -out kubernetes/base/prometheusrule.yaml -groups helm/ehpc-serverless-exporter/files/rule-groups.yaml
