// Package web serves the exporter's pages other than /metrics: the landing
// page, the status page, health and readiness probes, and the reload endpoint.
package web

import (
	"net/http"

	"github.com/prometheus/exporter-toolkit/web"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

// Options says where each page gets its data.
type Options struct {
	MetricsPath string
	Version     string
	Metrics     http.Handler                    // the /metrics handler
	Jobs        func() []*collector.JobSnapshot // the tracked jobs, sorted
	Ready       func() bool                     // true once the first poll has finished
	Reload      func() error                    // re-reads the config file
}

// NewHandler routes every page of the exporter.
func NewHandler(o Options) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.Handle(o.MetricsPath, o.Metrics)
	mux.HandleFunc("/-/healthy", healthy)
	mux.Handle("/-/ready", readyHandler(o.Ready))
	mux.Handle("/-/reload", reloadHandler(o.Reload))
	mux.Handle("/status", statusHandler(o.Jobs))
	if o.MetricsPath != "/" {
		landing, err := web.NewLandingPage(web.LandingConfig{
			Name:        "E-HPC Serverless Exporter",
			Description: "Prometheus exporter for Alibaba Cloud E-HPC serverless jobs",
			Version:     o.Version,
			Links: []web.LandingLinks{
				{Address: o.MetricsPath, Text: "Metrics"},
				{Address: "/status", Text: "Status of tracked jobs"},
				{Address: "/-/healthy", Text: "Health"},
				{Address: "/-/ready", Text: "Readiness"},
			},
		})
		if err != nil {
			return nil, err
		}
		mux.Handle("/", landing)
	}
	return mux, nil
}

func healthy(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("Healthy\n"))
}

func readyHandler(ready func() bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if ready == nil || !ready() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("Not ready: the first poll has not finished\n"))
			return
		}
		_, _ = w.Write([]byte("Ready\n"))
	})
}

// reloadHandler accepts only POST, as Prometheus does, so a crawler or a
// stray GET cannot trigger a reload.
func reloadHandler(reload func() error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "This endpoint requires a POST request.", http.StatusMethodNotAllowed)
			return
		}
		if reload == nil {
			http.Error(w, "Reloading is not available.", http.StatusServiceUnavailable)
			return
		}
		if err := reload(); err != nil {
			http.Error(w, "Failed to reload the config: "+err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte("Config reloaded\n"))
	})
}
