// Package e2e proves the exporter, its alerting rules and its dashboards against a
// real Prometheus server. The tests carry the build tag e2e and need `promtool`
// and `prometheus` on PATH (Debian: apt-get install prometheus):
//
//	go test -tags e2e -count=1 -v ./e2e/...
//
// The suite builds the exporter, starts its simulator (`simulate`, the demo
// scenario) and the exporter against it, then a Prometheus on 127.0.0.1 that
// scrapes the exporter every 2s and evaluates the shipped rules, and checks every
// point of the end-to-end list in docs/DASHBOARDS_AND_ALERTS.md. Everything runs on
// loopback in temporary directories.
package e2e
