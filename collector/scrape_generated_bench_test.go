package collector_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/poller"
)

// generatedStore returns a store the real poller filled from a generated
// world of n jobs (5% of them running), whose answers are more varied than
// the synthetic ones of BenchmarkScrape10k.
func generatedStore(tb testing.TB, n int, opts collector.StoreOptions) *collector.Store {
	tb.Helper()
	const keyID, secret = "LTAIscrapebench", "scrape-bench-secret"
	sc := simulator.Generate(simulator.GenerateOptions{Jobs: n, Seed: 1})
	clock := simulator.NewManualClock(sc.Epoch)
	sim, err := simulator.New(simulator.Options{Scenario: sc, Keys: map[string]simulator.Key{keyID: {Secret: secret}}, Clock: clock})
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	api, err := client.New(client.Options{
		Endpoint: srv.URL, RegionID: "cn-hangzhou", Timeout: time.Minute, Concurrency: 8,
		Credential: client.StaticCredential{AccessKeyID: keyID, AccessKeySecret: secret},
	})
	if err != nil {
		tb.Fatal(err)
	}
	store, err := collector.NewStore(opts)
	if err != nil {
		tb.Fatal(err)
	}
	var specs []poller.ClusterSpec
	for _, c := range sc.Clusters {
		specs = append(specs, poller.ClusterSpec{ClusterID: c.ID, RegionID: "cn-hangzhou", API: api, Account: "acct", Discovery: &poller.DiscoverySpec{}})
	}
	p, err := poller.New(store, poller.Options{Interval: 10 * time.Minute, Retention: 30 * 24 * time.Hour, Concurrency: 8, Now: clock.Now}, specs)
	if err != nil {
		tb.Fatal(err)
	}
	for range 2 { // the second cycle captures the finished jobs' final answers
		clock.Advance(30 * time.Second)
		p.RunDue(context.Background())
	}
	if got := store.Len(); got != n {
		tb.Fatalf("%d jobs stored, want %d", got, n)
	}
	return store
}

// BenchmarkScrapeGenerated10k times /metrics over 10,000 generated jobs
// (500 running), with the default settings.
func BenchmarkScrapeGenerated10k(b *testing.B) {
	collector.BenchScrapes(b, generatedStore(b, 10000, defaultStoreOptions(b)))
}
