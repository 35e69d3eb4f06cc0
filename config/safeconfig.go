package config

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// SafeConfig holds the running config. A reload swaps it only when the new
// file is valid, so a bad edit never takes down a running exporter; the two
// gauges tell Prometheus whether the file on disk is the one in use.
type SafeConfig struct {
	reloadMu sync.Mutex // one reload at a time
	mu       sync.RWMutex
	cfg      *Config

	lastReloadSuccessful prometheus.Gauge
	lastReloadSuccessTS  prometheus.Gauge
	now                  func() time.Time
}

// NewSafeConfig returns an empty SafeConfig whose gauges are registered on
// reg (nil: not registered). Get returns nil until the first good reload.
func NewSafeConfig(reg prometheus.Registerer) *SafeConfig {
	f := promauto.With(reg)
	return &SafeConfig{
		lastReloadSuccessful: f.NewGauge(prometheus.GaugeOpts{
			Name: "ehpc_serverless_exporter_config_last_reload_successful",
			Help: "1 if the last configuration reload succeeded, 0 if it failed and the previous configuration is still in use.",
		}),
		lastReloadSuccessTS: f.NewGauge(prometheus.GaugeOpts{
			Name: "ehpc_serverless_exporter_config_last_reload_success_timestamp_seconds",
			Help: "Unix time of the last successful configuration reload.",
		}),
		now: time.Now,
	}
}

// Get returns the current config. Callers must not modify it.
func (sc *SafeConfig) Get() *Config {
	sc.mu.RLock()
	defer sc.mu.RUnlock()
	return sc.cfg
}

// ReloadConfig loads path and, if it is valid, makes it the current config.
// On error the current config stays and the error lists every problem.
func (sc *SafeConfig) ReloadConfig(path string) error {
	return sc.ReloadConfigWith(path, nil)
}

// ReloadConfigWith is ReloadConfig with a step that puts the new config to
// work (build clients, update the poller) before it becomes current. If
// apply fails, the reload counts as failed and the old config stays; apply
// must then leave the running parts as they were. Reloads run one at a time;
// Get is not blocked while apply runs.
func (sc *SafeConfig) ReloadConfigWith(path string, apply func(next *Config) error) error {
	sc.reloadMu.Lock()
	defer sc.reloadMu.Unlock()
	cfg, err := Load(path)
	if err == nil && apply != nil {
		err = apply(cfg)
	}
	if err != nil {
		sc.lastReloadSuccessful.Set(0)
		return err
	}
	sc.mu.Lock()
	sc.cfg = cfg
	sc.mu.Unlock()
	sc.lastReloadSuccessful.Set(1)
	sc.lastReloadSuccessTS.Set(float64(sc.now().UnixNano()) / 1e9)
	return nil
}
