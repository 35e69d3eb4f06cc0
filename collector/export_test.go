package collector

// BenchScrapes lets the benchmarks of the external test package, which fill a
// store through the real poller, time scrapes with the same loop.
var BenchScrapes = benchScrapes
