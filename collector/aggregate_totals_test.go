package collector

import (
	"math/rand/v2"
	"testing"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// The aggregate-only counts are kept as jobs come, change and go; after any
// sequence of stores and removals, and a switch of options on the way, they
// are what a store given only the final snapshots counts.
func TestAggregateCountsFollowEveryChange(t *testing.T) {
	opts := StoreOptions{AggregateOnly: true}
	states := []string{"Pending", "Running", "Succeeded", "Failed", "Suspended", ""}
	queues := []string{"a", "b"}
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 7))
		s := newTestStore(t, opts)
		final := map[JobKey]*JobSnapshot{}
		for step := range 300 {
			key := JobKey{ClusterID: "c", JobID: string(rune('a' + rng.IntN(12)))}
			switch {
			case rng.IntN(5) == 0:
				s.Delete(key)
				delete(final, key)
			case step == 150:
				if err := s.SetOptions(StoreOptions{}); err != nil {
					t.Fatal(err)
				}
				if err := s.SetOptions(opts); err != nil {
					t.Fatal(err)
				}
			default:
				snap := &JobSnapshot{Key: key}
				if rng.IntN(6) > 0 {
					info := &client.JobInfo{JobID: client.Text(key.JobID), State: client.Text(states[rng.IntN(len(states))]),
						Queue: client.Text(queues[rng.IntN(len(queues))]), User: "u"}
					for range rng.IntN(3) {
						info.ContainerGroups = append(info.ContainerGroups, client.ContainerGroup{Status: client.Text(states[rng.IntN(len(states))])})
					}
					snap.Info = info
				}
				s.Set(snap)
				final[key] = snap
			}
		}
		fresh := newTestStore(t, opts)
		for _, snap := range final {
			fresh.Set(snap)
		}
		if got, want := exposition(t, s), exposition(t, fresh); got != want {
			t.Fatalf("seed %d: kept counts differ from a recount:\n%s", seed, lineDiff(want, got))
		}
	}
}
