package poller

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// TestListingThatChangesWhilePagedLosesNothing: a list that shrinks (jobs
// finish and leave a state filter), grows and reorders between pages never
// makes the poller lose a job that stayed listed. Offset paging over such a
// list skips jobs; the walk notices (another TotalCount, or a job met twice),
// reads again once, and otherwise takes the listing as partial, which
// removes nothing.
func TestListingThatChangesWhilePagedLosesNothing(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	trials := 60
	if raceDetector {
		trials = 20
	}
	for trial := range trials {
		api := newFakeAPI()
		n := 150 + r.IntN(400)
		var listed []client.JobSummary
		for i := range n {
			id := fmt.Sprintf("j%04d", i)
			api.setJob(fakeJob(id, "Running"))
			listed = append(listed, fakeSummary(id, "Running"))
		}
		api.setListed(listed...)
		spec := discoverySpec(api)
		spec.Discovery.States = []string{"Running"}
		pt := newPollTest(t, Options{}, spec)
		pt.cycle()
		if got := len(pt.ids("c1")); got != n {
			t.Fatalf("trial %d: %d jobs tracked after a stable listing, want %d", trial, got, n)
		}

		// Between every two pages some jobs finish, new ones arrive and two
		// swap places; remember which jobs were listed all along.
		stayed := map[string]bool{}
		for _, s := range listed {
			stayed[string(s.JobID)] = true
		}
		next := n
		api.onList = func() {
			api.mu.Lock()
			defer api.mu.Unlock()
			cur := api.listed
			for range r.IntN(6) {
				i := r.IntN(len(cur))
				if cur[i].State == "Running" {
					cur[i].State = "Succeeded"
					delete(stayed, string(cur[i].JobID))
				}
			}
			for range r.IntN(4) {
				id := fmt.Sprintf("j%04d", next)
				next++
				api.jobs[id] = fakeJob(id, "Running")
				cur = append(cur, fakeSummary(id, "Running"))
			}
			if r.IntN(3) == 0 {
				i, k := r.IntN(len(cur)), r.IntN(len(cur))
				cur[i], cur[k] = cur[k], cur[i]
			}
			api.listed = cur
		}
		pt.cycle()
		api.onList = nil
		tracked := pt.ids("c1")
		for id := range stayed {
			if _, ok := slices.BinarySearch(tracked, id); !ok {
				t.Fatalf("trial %d: job %s stayed listed while the list changed, and is no longer tracked", trial, id)
			}
		}
	}
}
