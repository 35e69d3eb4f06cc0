package poller

import (
	"math"
	"time"
)

// FreshnessLimit is the least worst-case data age that a budget of rps calls
// per second allows for active jobs when a listing walk of pages pages is
// due every interval: the interval itself when the budget keeps up, else the
// time one round of describes takes with the budget the listing leaves; plus
// one walk, because describes wait while a walk reads its pages. Walks take
// at most half the budget (agenda.go), so the round is always finite. The
// load harness checks the exporter against it, and the poller exposes it.
func FreshnessLimit(active, pages int, rps float64, interval time.Duration) time.Duration {
	if rps <= 0 || math.IsInf(rps, 1) || math.IsNaN(rps) {
		return interval
	}
	walkEvery := ListingPeriod(pages, rps, interval).Seconds()
	left := rps - float64(pages)/walkEvery
	round := time.Duration(float64(active) / left * float64(time.Second))
	walk := time.Duration(float64(pages) / rps * float64(time.Second))
	return max(interval, round) + walk
}

// ListingPeriod is how often a listing walk of pages pages starts under a
// budget of rps calls per second: every interval, unless its pages would
// then take more than half of the budget (agenda.go paces the next walk one
// walk's cost after the end of the last). A state change the listing shows
// is on /metrics within one period plus one walk.
func ListingPeriod(pages int, rps float64, interval time.Duration) time.Duration {
	if rps <= 0 || math.IsInf(rps, 1) || math.IsNaN(rps) {
		return interval
	}
	return max(interval, time.Duration(2*float64(pages)/rps*float64(time.Second)))
}
