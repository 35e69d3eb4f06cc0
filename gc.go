package main

import "runtime/debug"

// defaultGCPercent is the garbage collector's target when GOGC is not set.
// Almost all of the exporter's heap is long-lived (every tracked job's samples
// stay pre-rendered), and once the first poll cycles are over it makes little
// garbage. Go's default of 100 lets such a process grow to twice its live data
// for no benefit; at 50, 10,000 jobs stay well under 300 MiB of RSS for a
// negligible cost in CPU (see docs/PERFORMANCE.md).
const defaultGCPercent = 50

// tuneGC applies defaultGCPercent unless the user set GOGC, which always wins.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
}
