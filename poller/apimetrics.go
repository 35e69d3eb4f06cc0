package poller

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// APIMetrics counts and times every API attempt. It is the client's Observer.
type APIMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	warnings *prometheus.CounterVec
}

var _ client.Observer = (*APIMetrics)(nil)

// NewAPIMetrics returns API metrics registered on reg (nil: unregistered).
// Registering twice on one registry reuses the first metrics. Like
// MustRegister it panics when reg holds different metrics of the same names,
// which only a programming error can cause.
func NewAPIMetrics(reg prometheus.Registerer) *APIMetrics {
	m := &APIMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ehpc_serverless_exporter_api_requests_total",
			Help: "E-HPC API requests (every attempt, retries included) by cluster, action and result code: OK, the API's error code, or a transport class such as Timeout.",
		}, []string{"cluster_id", "action", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ehpc_serverless_exporter_api_request_duration_seconds",
			Help:    "Duration of one E-HPC API request attempt, in seconds.",
			Buckets: []float64{0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"action"}),
		warnings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ehpc_serverless_exporter_api_decode_warnings_total",
			Help: "Values of taken E-HPC API answers that were left unset because they had the wrong type, by cluster, action and field path (such as Jobs[].Priority).",
		}, []string{"cluster_id", "action", "field"}),
	}
	if reg == nil {
		return m
	}
	var err error
	if m.requests, err = registerOrReuse(reg, m.requests); err != nil {
		panic(err)
	}
	if m.duration, err = registerOrReuse(reg, m.duration); err != nil {
		panic(err)
	}
	if m.warnings, err = registerOrReuse(reg, m.warnings); err != nil {
		panic(err)
	}
	return m
}

// ObserveRequest implements client.Observer.
func (m *APIMetrics) ObserveRequest(clusterID, action, code string, d time.Duration) {
	m.requests.WithLabelValues(clusterID, action, code).Inc()
	m.duration.WithLabelValues(action).Observe(d.Seconds())
}

// ObserveDecodeWarnings implements client.Observer. The client names
// fields by their path in the models, so the field label stays bounded.
func (m *APIMetrics) ObserveDecodeWarnings(clusterID, action string, fields map[string]int) {
	for field, n := range fields {
		m.warnings.WithLabelValues(clusterID, action, field).Add(float64(n))
	}
}

// Forget drops the counts of a cluster that is no longer configured.
func (m *APIMetrics) Forget(clusterID string) {
	m.requests.DeletePartialMatch(prometheus.Labels{"cluster_id": clusterID})
	m.warnings.DeletePartialMatch(prometheus.Labels{"cluster_id": clusterID})
}
