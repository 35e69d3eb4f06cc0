package demo

import (
	"context"
	"strings"
	"testing"

	"github.com/go-kit/log"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/config"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

func TestDemoConfigIsValidAndCoversEveryCluster(t *testing.T) {
	cfg, err := config.Parse([]byte(Config("http://127.0.0.1:1234")), "demo.yml")
	if err != nil {
		t.Fatalf("the demo config does not parse: %v", err)
	}
	targets := simulator.DemoTargets()
	if len(cfg.Clusters) != len(targets) {
		t.Fatalf("%d clusters, want %d", len(cfg.Clusters), len(targets))
	}
	for i, c := range cfg.Clusters {
		if c.ClusterID != targets[i].ClusterID || !c.Discovery.Enabled || c.Endpoint() != "http://127.0.0.1:1234" {
			t.Errorf("cluster %d: %+v", i, c)
		}
		if got, want := strings.Join(c.ExpandedJobIDs(), ","), strings.Join(targets[i].JobIDs, ","); got != want {
			t.Errorf("cluster %s job ids %s, want %s", c.ClusterID, got, want)
		}
	}
}

func TestStartServesAndStops(t *testing.T) {
	d, err := Start(context.Background(), log.NewNopLogger())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d.Endpoint, "http://127.0.0.1:") {
		t.Fatalf("endpoint %s is not on loopback", d.Endpoint)
	}
	if _, err := config.Load(d.ConfigFile); err != nil {
		t.Fatalf("written config: %v", err)
	}
	d.Stop()
}
