package client

import (
	"math"

	"golang.org/x/time/rate"
)

// NewLimiter returns a limiter of rps requests per second with the given
// burst, to be shared by every client of one account. rps <= 0 means no
// limit; a burst below 1 is raised to 1 (a limiter with burst 0 admits
// nothing).
func NewLimiter(rps float64, burst int) *rate.Limiter {
	if burst < 1 {
		burst = 1
	}
	if rps <= 0 || math.IsInf(rps, 1) || math.IsNaN(rps) {
		return rate.NewLimiter(rate.Inf, burst)
	}
	return rate.NewLimiter(rate.Limit(rps), burst)
}
