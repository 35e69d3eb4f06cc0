package simulator

import (
	"sync"
	"time"
)

// A Clock gives the simulated time, which drives every job's timeline. It is
// separate from the wall clock the signature checks use, so a test can run a
// job's whole life in an instant while the requests stay correctly dated.
type Clock interface {
	Now() time.Time
}

// ManualClock moves only when told to: tests Advance it and assert exact
// answers at exact instants.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a clock standing at start.
func NewManualClock(start time.Time) *ManualClock { return &ManualClock{now: start} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (backward for a negative d).
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set puts the clock at t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// ScaledClock runs from origin at speed times real time, so a demo can show
// a job's life of minutes in seconds.
type ScaledClock struct {
	origin    time.Time
	realStart time.Time
	speed     float64
	real      func() time.Time
}

// NewScaledClock starts at origin now and runs speed times faster than real
// time; a speed <= 0 means 1.
func NewScaledClock(origin time.Time, speed float64) *ScaledClock {
	if speed <= 0 {
		speed = 1
	}
	return &ScaledClock{origin: origin, realStart: time.Now(), speed: speed, real: time.Now}
}

// Now returns the simulated time.
func (c *ScaledClock) Now() time.Time {
	elapsed := c.real().Sub(c.realStart)
	return c.origin.Add(time.Duration(float64(elapsed) * c.speed))
}
