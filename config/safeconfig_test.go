package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestReloadConfig(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	sc := NewSafeConfig(reg)
	clock := time.Unix(1700000000, 500000000)
	sc.now = func() time.Time { return clock }
	path := filepath.Join(t.TempDir(), "config.yml")

	if sc.Get() != nil {
		t.Fatal("Get() before the first load must be nil")
	}

	// good
	copyFile(t, "testdata/good_minimal.yml", path)
	if err := sc.ReloadConfig(path); err != nil {
		t.Fatal(err)
	}
	good := sc.Get()
	if good == nil || good.Clusters[0].ClusterID != "ehpc-hz-FYUr32xxxx" {
		t.Fatalf("Get() = %v", good)
	}
	if v := gaugeValue(t, reg, "ehpc_serverless_exporter_config_last_reload_successful"); v != 1 {
		t.Errorf("last_reload_successful = %v, want 1", v)
	}
	if v := gaugeValue(t, reg, "ehpc_serverless_exporter_config_last_reload_success_timestamp_seconds"); v != 1700000000.5 {
		t.Errorf("last_reload_success_timestamp_seconds = %v", v)
	}

	// good -> bad keeps good, metric 0, timestamp unchanged
	copyFile(t, "testdata/bad_unknown_key.yml", path)
	clock = clock.Add(time.Minute)
	err := sc.ReloadConfig(path)
	if err == nil || !strings.Contains(err.Error(), "clusters[0].job_id: unknown key") {
		t.Fatalf("ReloadConfig(bad) = %v", err)
	}
	if sc.Get() != good {
		t.Error("a bad reload replaced the config")
	}
	if v := gaugeValue(t, reg, "ehpc_serverless_exporter_config_last_reload_successful"); v != 0 {
		t.Errorf("last_reload_successful = %v, want 0", v)
	}
	if v := gaugeValue(t, reg, "ehpc_serverless_exporter_config_last_reload_success_timestamp_seconds"); v != 1700000000.5 {
		t.Errorf("a failed reload moved the success timestamp to %v", v)
	}

	// bad -> good, metric 1
	copyFile(t, "testdata/good_full.yml", path)
	if err := sc.ReloadConfig(path); err != nil {
		t.Fatal(err)
	}
	if got := sc.Get(); got == good || len(got.Clusters) != 3 {
		t.Errorf("good reload did not swap the config: %v", got)
	}
	if v := gaugeValue(t, reg, "ehpc_serverless_exporter_config_last_reload_successful"); v != 1 {
		t.Errorf("last_reload_successful = %v, want 1", v)
	}
	if v := gaugeValue(t, reg, "ehpc_serverless_exporter_config_last_reload_success_timestamp_seconds"); v != 1700000060.5 {
		t.Errorf("last_reload_success_timestamp_seconds = %v", v)
	}

	// A missing file is a failed reload too.
	if err := sc.ReloadConfig(filepath.Join(t.TempDir(), "gone.yml")); err == nil {
		t.Error("missing file reloaded")
	}
	if v := gaugeValue(t, reg, "ehpc_serverless_exporter_config_last_reload_successful"); v != 0 {
		t.Errorf("last_reload_successful = %v, want 0", v)
	}

}

func TestReloadConfigWithApply(t *testing.T) {
	reg := prometheus.NewRegistry()
	sc := NewSafeConfig(reg)
	path := filepath.Join(t.TempDir(), "config.yml")
	copyFile(t, "testdata/good_minimal.yml", path)

	var applied []*Config
	if err := sc.ReloadConfigWith(path, func(next *Config) error {
		applied = append(applied, next)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	first := sc.Get()
	if len(applied) != 1 || applied[0] != first {
		t.Fatalf("apply saw %v, current is %p", applied, first)
	}

	// A valid file that cannot be put to work is a failed reload.
	copyFile(t, "testdata/good_full.yml", path)
	applyErr := errors.New("cannot build clients")
	err := sc.ReloadConfigWith(path, func(next *Config) error {
		if sc.Get() != first {
			t.Error("the new config became current before apply finished")
		}
		return applyErr
	})
	if !errors.Is(err, applyErr) {
		t.Fatalf("got %v, want the apply error", err)
	}
	if sc.Get() != first {
		t.Error("a failed apply replaced the config")
	}
	if v := gaugeValue(t, reg, "ehpc_serverless_exporter_config_last_reload_successful"); v != 0 {
		t.Errorf("last_reload_successful = %v, want 0", v)
	}

	// An invalid file never reaches apply.
	copyFile(t, "testdata/bad_range.yml", path)
	if err := sc.ReloadConfigWith(path, func(*Config) error {
		t.Error("apply called with an invalid config")
		return nil
	}); err == nil {
		t.Error("invalid file reloaded")
	}
}

// gaugeValue reads a gauge through the registry, so the test also proves
// the gauges are registered under their contract names.
func gaugeValue(t *testing.T, reg prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		if mf.GetType() != dto.MetricType_GAUGE || len(mf.GetMetric()) != 1 || mf.GetHelp() == "" {
			t.Fatalf("%s: want one gauge with help, got %v", name, mf)
		}
		return mf.GetMetric()[0].GetGauge().GetValue()
	}
	t.Fatalf("%s is not registered", name)
	return 0
}

func TestSafeConfigConcurrentUse(t *testing.T) {
	sc := NewSafeConfig(nil)
	path := filepath.Join(t.TempDir(), "config.yml")
	copyFile(t, "testdata/good_minimal.yml", path)
	if err := sc.ReloadConfig(path); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				if c := sc.Get(); c == nil || c.Clusters[0].Discovery.NameRegexp() != nil {
					t.Error("reader saw no config")
					return
				}
			}
		})
	}
	for range 20 {
		if err := sc.ReloadConfig(path); err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
}
