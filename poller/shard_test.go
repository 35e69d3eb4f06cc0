package poller

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"testing"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

func TestShardHashIsFNV1a64(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		cluster := fmt.Sprintf("ehpc-%x", r.Uint64())
		job := fmt.Sprintf("%d_%d", r.IntN(1e6), r.IntN(100))
		h := fnv.New64a()
		h.Write([]byte(cluster + "/" + job))
		if got, want := shardHash(cluster, job), h.Sum64(); got != want {
			t.Fatalf("shardHash(%q, %q) = %d, want %d", cluster, job, got, want)
		}
	}
}

// Every job (static, discovered, array sibling) lands in exactly one shard.
func TestShardsPartitionTheJobs(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for round := range 12 {
		api := newFakeAPI()
		want := map[string]bool{}
		var static []string
		for range r.IntN(40) {
			id := fmt.Sprint(r.IntN(100000))
			api.setJob(fakeJob(id, "Running"))
			static = append(static, id)
			want[id] = true
		}
		var listed []client.JobSummary
		for range r.IntN(40) {
			id := fmt.Sprintf("d%d", r.IntN(100000))
			api.setJob(fakeJob(id, "Running"))
			listed = append(listed, fakeSummary(id, "Running"))
			want[id] = true
		}
		// One array anchored by a static sub-task, one by a listed parent.
		n := 1 + r.IntN(20)
		for i := 1; i <= n; i++ {
			id := fmt.Sprintf("a%d_%d", round, i)
			api.setJob(arrayJob(id, "Running", 1, int64(n), 1))
			want[id] = true
		}
		static = append(static, fmt.Sprintf("a%d_1", round))
		parent := fakeSummary(fmt.Sprintf("p%d", round), "Running")
		parent.IsArrayJob = true
		listed = append(listed, parent)
		want[string(parent.JobID)] = true
		for i := 1; i <= n; i++ {
			id := fmt.Sprintf("p%d_%d", round, i)
			api.setJob(arrayJob(id, "Running", 1, int64(n), 1))
			want[id] = true
		}
		api.setListed(listed...)

		for total := 1; total <= 8; total++ {
			owner := map[string]int{}
			for shard := range total {
				spec := discoverySpec(api)
				spec.JobIDs = static
				spec.ExpandArray = true
				pt := newPollTest(t, Options{Shard: shard, TotalShards: total}, spec)
				pt.cycle()
				pt.cycle()
				for _, id := range pt.ids("c1") {
					if prev, dup := owner[id]; dup {
						t.Fatalf("round %d, %d shards: job %s in shards %d and %d", round, total, id, prev, shard)
					}
					owner[id] = shard
				}
			}
			for id := range want {
				if _, ok := owner[id]; !ok {
					t.Fatalf("round %d, %d shards: job %s in no shard", round, total, id)
				}
			}
			if len(owner) != len(want) {
				t.Fatalf("round %d, %d shards: %d jobs tracked, want %d", round, total, len(owner), len(want))
			}
		}
	}
}
