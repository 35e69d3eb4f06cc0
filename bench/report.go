package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// The targets of the exporter at scale.
const (
	targetCallsSlack = 0.05 // steady-state calls within 5% of the lower bound
	targetP50        = 300 * time.Millisecond
	targetP99        = time.Second
	targetPeakRSS    = 300 << 20
	targetChangeLag  = 2 * time.Second // beyond one polling interval
)

// report is what one run measured.
type report struct {
	opts     options
	machine  string
	world    *world
	exporter *exporter

	build     time.Duration
	ready     time.Duration
	warmup    []cycleRecord
	notSteady bool
	steady    []cycleRecord

	changeVisible   time.Duration
	changeDescribed time.Duration // when the exporter asked for the job again
	changeMissing   bool

	gzipLatency, plainLatency latencies
	gzipBytes, plainBytes     int
	series                    int

	peakRSS int64
	rssErr  error
	memory  []memoryPoint
}

// memoryPoint is the exporter's resident memory at one point of the run.
type memoryPoint struct {
	when      string
	rss, peak int64
}

// verdict is one target's outcome.
type verdict struct {
	name   string
	ok     bool
	detail string
}

func (r *report) verdicts() []verdict {
	var out []verdict
	if r.world == nil {
		return out
	}
	pages, describes := r.world.lowerBound()
	lb := float64(pages + describes)
	if len(r.steady) > 0 {
		mean := r.meanSteadyCalls()
		off := (mean - lb) / lb
		out = append(out, verdict{"API calls per steady cycle",
			!r.notSteady && off <= targetCallsSlack && off >= -targetCallsSlack,
			fmt.Sprintf("%.1f vs lower bound %.0f (%+.1f%%; target within %.0f%%)", mean, lb, 100*off, 100*targetCallsSlack)})
	}
	if r.changeVisible > 0 || r.changeMissing {
		limit := r.opts.interval + targetChangeLag
		detail := fmt.Sprintf("%s (target %s)", r.changeVisible.Round(time.Millisecond), limit)
		if r.changeMissing {
			detail = fmt.Sprintf("not visible within %s (target %s)", 2*r.opts.interval+10*time.Second, limit)
		}
		out = append(out, verdict{"state change visible", !r.changeMissing && r.changeVisible <= limit, detail})
	}
	for _, l := range []struct {
		name string
		lat  latencies
	}{{"/metrics gzip", r.gzipLatency}, {"/metrics identity", r.plainLatency}} {
		if len(l.lat) == 0 {
			continue
		}
		p50, p99 := l.lat.quantile(0.5), l.lat.quantile(0.99)
		out = append(out, verdict{l.name + " p50/p99", p50 < targetP50 && p99 < targetP99,
			fmt.Sprintf("%s / %s (target %s / %s)", ms(p50), ms(p99), ms(targetP50), ms(targetP99))})
	}
	if r.peakRSS > 0 || r.rssErr != nil {
		detail := fmt.Sprintf("%.1f MiB (target < %d MiB)", mib(r.peakRSS), targetPeakRSS>>20)
		if r.rssErr != nil {
			detail = r.rssErr.Error()
		}
		out = append(out, verdict{"exporter peak RSS", r.rssErr == nil && r.peakRSS < targetPeakRSS, detail})
	}
	return out
}

func (r *report) missed() []verdict {
	var out []verdict
	for _, v := range r.verdicts() {
		if !v.ok {
			out = append(out, v)
		}
	}
	// A run that stopped early has targets it never measured.
	if r.world != nil && r.exporter != nil && (len(r.steady) == 0 || len(r.gzipLatency) == 0) {
		out = append(out, verdict{name: "incomplete run"})
	}
	return out
}

func (r *report) meanSteadyCalls() float64 {
	if len(r.steady) == 0 {
		return 0
	}
	total := 0
	for _, c := range r.steady {
		total += c.Sim.total()
	}
	return float64(total) / float64(len(r.steady))
}

func (r *report) print(w io.Writer) {
	o := r.opts
	fmt.Fprintf(w, "\nehpc_serverless_exporter load harness\n")
	fmt.Fprintf(w, "  machine      %s\n", r.machine)
	if r.world == nil {
		return
	}
	pages, describes := r.world.lowerBound()
	fmt.Fprintf(w, "  world        %d jobs in %d cluster(s), %d active; interval %s, concurrency %d\n",
		r.world.totalJobs(), len(r.world.clusters), r.world.activeJobs(), o.interval, o.concurrency)
	if r.build > 0 {
		fmt.Fprintf(w, "  build        %s\n", r.build.Round(100*time.Millisecond))
	}
	if r.ready > 0 {
		fmt.Fprintf(w, "  first poll   ready %s after start", r.ready.Round(time.Millisecond))
		if len(r.warmup) > 0 {
			c := r.warmup[0].Sim
			fmt.Fprintf(w, " (cycle 1: %d list pages + %d describes in %s, %d errors)",
				c.ListPages, c.Describes, c.End.Sub(c.Start).Round(time.Millisecond), c.Errors)
		}
		fmt.Fprintln(w)
	}
	for _, c := range r.warmup {
		fmt.Fprintf(w, "  warm-up      %s\n", c.line())
	}
	if r.notSteady {
		fmt.Fprintf(w, "  warm-up      no steady state after %d cycles\n", maxWarmupCycles)
	}
	for _, c := range r.steady {
		fmt.Fprintf(w, "  steady       %s\n", c.line())
	}
	fmt.Fprintf(w, "  lower bound  %d calls per cycle (%d list pages + %d active jobs); naive %d describes per cycle\n",
		pages+describes, pages, describes, r.world.totalJobs())
	if len(r.steady) > 0 {
		mean := r.meanSteadyCalls()
		fmt.Fprintf(w, "  steady mean  %.1f calls per cycle: %.3fx the lower bound, %.1fx fewer than naive\n",
			mean, mean/float64(pages+describes), float64(r.world.totalJobs())/mean)
	}
	if r.changeVisible > 0 {
		fmt.Fprintf(w, "  change       job %s of %s %s -> %s right after a describe: asked for again after %s, on /metrics after %s\n",
			r.world.watched.JobID, r.world.watched.ClusterID, r.world.watched.From, r.world.watched.To,
			r.changeDescribed.Round(time.Millisecond), r.changeVisible.Round(time.Millisecond))
	}
	for _, l := range []struct {
		name  string
		lat   latencies
		bytes int
	}{{"gzip    ", r.gzipLatency, r.gzipBytes}, {"identity", r.plainLatency, r.plainBytes}} {
		if len(l.lat) > 0 {
			fmt.Fprintf(w, "  /metrics     %s p50 %s p90 %s p99 %s max %s over %d scrapes, %s on the wire\n", l.name,
				ms(l.lat.quantile(0.5)), ms(l.lat.quantile(0.9)), ms(l.lat.quantile(0.99)), ms(l.lat.quantile(1)),
				len(l.lat), sizeOf(l.bytes))
		}
	}
	if r.series > 0 {
		fmt.Fprintf(w, "  exposition   %d bytes (%s), %d series\n", r.plainBytes, sizeOf(r.plainBytes), r.series)
	}
	for _, m := range r.memory {
		fmt.Fprintf(w, "  memory       RSS %.1f MiB, peak %.1f MiB %s\n", mib(m.rss), mib(m.peak), m.when)
	}
	fmt.Fprintln(w, "targets")
	for _, v := range r.verdicts() {
		mark := "PASS"
		if !v.ok {
			mark = "MISS"
		}
		fmt.Fprintf(w, "  %s  %-28s %s\n", mark, v.name, v.detail)
	}
	if r.exporter != nil && (o.verbose || len(r.missed()) > 0) {
		fmt.Fprintf(w, "exporter log (last lines)\n%s\n", r.exporter.proc.Output().LastLines(40))
	}
}

func (c cycleRecord) line() string {
	s := fmt.Sprintf("cycle %d: %d list pages + %d describes = %d calls in %s",
		c.N, c.Sim.ListPages, c.Sim.Describes, c.Sim.total(), c.Sim.End.Sub(c.Sim.Start).Round(time.Millisecond))
	if c.Sim.Errors > 0 {
		s += fmt.Sprintf(", %d errors", c.Sim.Errors)
	}
	if c.Exact {
		s += fmt.Sprintf(" [exporter's gauge: %d + %d]", c.Exporter.ListPages, c.Exporter.Describes)
	}
	return s + fmt.Sprintf("; tracked %d, active %d, final %d", c.Tracked, c.Active, c.Final)
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

func sizeOf(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// describeMachine names the OS, CPU and Go version the figures come from.
func describeMachine() string {
	cpu := ""
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	s := fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	if cpu != "" {
		s += ", " + cpu
	}
	return s
}
