package poller

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// pollerMetrics are the poller's own metrics.
type pollerMetrics struct {
	duration *prometheus.HistogramVec
	overruns *prometheus.CounterVec
	calls    *prometheus.GaugeVec
}

func newPollerMetrics(reg prometheus.Registerer) (*pollerMetrics, error) {
	m := &pollerMetrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ehpc_serverless_exporter_poll_duration_seconds",
			Help:    "Duration of one full poll cycle of a cluster (listing and describes), in seconds.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300},
		}, []string{"cluster_id"}),
		overruns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ehpc_serverless_exporter_poll_cycle_overruns_total",
			Help: "Poll cycles of a cluster that took longer than the poll interval, delaying the next cycle.",
		}, []string{"cluster_id"}),
		calls: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ehpc_serverless_exporter_poll_cycle_api_calls",
			Help: "API calls made by the last completed poll cycle of a cluster, by action (client retries not included).",
		}, []string{"cluster_id", "action"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.duration, err = registerOrReuse(reg, m.duration); err != nil {
		return nil, err
	}
	if m.overruns, err = registerOrReuse(reg, m.overruns); err != nil {
		return nil, err
	}
	if m.calls, err = registerOrReuse(reg, m.calls); err != nil {
		return nil, err
	}
	return m, nil
}

// registerOrReuse registers c, or returns the equal collector registered
// before, so that building a second poller on one registry works.
func registerOrReuse[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

// init makes a cluster's series exist before its first cycle ends.
func (m *pollerMetrics) init(clusterID string) {
	m.overruns.WithLabelValues(clusterID)
}

func (m *pollerMetrics) observeCycle(clusterID string, d time.Duration, overrun bool, describes, lists int64) {
	m.duration.WithLabelValues(clusterID).Observe(d.Seconds())
	if overrun {
		m.overruns.WithLabelValues(clusterID).Inc()
	}
	m.calls.WithLabelValues(clusterID, client.ActionDescribeServerlessJobs).Set(float64(describes))
	m.calls.WithLabelValues(clusterID, client.ActionListServerlessJobs).Set(float64(lists))
}

// forget drops the series of a cluster that is no longer configured.
func (m *pollerMetrics) forget(clusterID string) {
	l := prometheus.Labels{"cluster_id": clusterID}
	m.duration.DeletePartialMatch(l)
	m.overruns.DeletePartialMatch(l)
	m.calls.DeletePartialMatch(l)
}
