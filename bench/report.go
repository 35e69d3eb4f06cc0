package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// The targets of the exporter at scale.
const (
	targetAgeFactor     = 1.25 // worst active data age against the freshness limit
	targetStartSlack    = 0.02 // calls to describe every job once, against their lower bound
	targetRestartSlack  = 0.02 // calls a restart repeats, against list pages + active jobs
	targetCallsSlack    = 0.05 // calls per steady interval within 5% of the lower bound
	targetP50           = 300 * time.Millisecond
	targetP99           = time.Second
	targetPeakRSS       = 300 << 20
	targetChangeLag     = 2 * time.Second // beyond one listing period and one walk
	topFamiliesReported = 8
)

// exporterPrefix starts the names of the exporter's own families, left out
// of the aggregates listed: they measure the exporter, not the jobs.
const exporterPrefix = "ehpc_serverless_exporter_"

// report is what one run measured.
type report struct {
	opts     options
	machine  string
	world    *world
	exporter *exporter

	limit   time.Duration // poller.FreshnessLimit of the world and budget
	listing time.Duration // poller.ListingPeriod of the world and budget

	build   time.Duration
	ready   time.Duration
	toReady spending // calls from start to ready

	fresh  freshness
	window spending // calls of the freshness window

	drained    time.Duration // start to every job described; 0 if not
	notDrained int           // jobs never described when the harness stopped waiting
	drainETA   time.Duration // how long those would take at the pace seen
	toComplete spending      // calls from start to drained (or to the stop)

	steadyPerInterval float64

	changeVisible   time.Duration
	changeDescribed time.Duration // when the exporter asked for the job again
	changeMissing   bool

	gzipLatency, plainLatency latencies
	gzipBytes, plainBytes     int
	series                    int
	perJob                    jobCost
	families                  []familyCost

	restarted       bool
	restartReady    time.Duration
	restart         spending
	restartSeries   int // series on /metrics at ready after the restart
	stateFileBytes  int64
	restartFamilies []familyCost

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

// startCost is the calls spent to describe the jobs described so far once,
// and its lower bound: one listing walk and one describe each. Refreshes of
// active jobs and later walks are the interval's freshness, not the start's
// cost.
func (r *report) startCost() (calls, bound int) {
	s := r.toComplete
	return s.WalkPages + s.First + s.Waste, r.world.pages() + s.First
}

// restartCost is what the restart asked again, and its lower bound.
func (r *report) restartCost() (calls, bound int) {
	s := r.restart
	return s.WalkPages + s.Again + s.Waste, r.world.pages() + r.world.activeJobs()
}

func (r *report) verdicts() []verdict {
	var out []verdict
	if r.world == nil {
		return out
	}
	if r.fresh.Jobs > 0 {
		out = append(out, verdict{"active jobs starved", r.fresh.Starved == 0,
			fmt.Sprintf("%d of %d not described in %s (target 0)", r.fresh.Starved, r.fresh.Jobs, r.fresh.Window.Round(time.Second))})
		f := float64(r.fresh.Worst) / float64(r.limit)
		out = append(out, verdict{"worst active data age", f <= targetAgeFactor,
			fmt.Sprintf("%s = %.2fx the limit %s (target %.2fx)", secs(r.fresh.Worst), f, secs(r.limit), targetAgeFactor)})
	}
	if r.toComplete.First > 0 {
		calls, bound := r.startCost()
		f := float64(calls) / float64(bound)
		out = append(out, verdict{"calls to describe all once", f <= 1+targetStartSlack,
			fmt.Sprintf("%d vs lower bound %d = %.3fx (target %.2fx)", calls, bound, f, 1+targetStartSlack)})
	}
	if r.restarted {
		calls, bound := r.restartCost()
		f := float64(calls) / float64(bound)
		out = append(out, verdict{"calls a restart repeats", f <= 1+targetRestartSlack,
			fmt.Sprintf("%d vs list pages + active jobs %d = %.3fx (target %.2fx)", calls, bound, f, 1+targetRestartSlack)})
	}
	if r.steadyPerInterval > 0 {
		lb := float64(r.world.pages() + r.world.activeJobs())
		off := (r.steadyPerInterval - lb) / lb
		out = append(out, verdict{"calls per steady interval",
			off <= targetCallsSlack && off >= -targetCallsSlack,
			fmt.Sprintf("%.1f vs lower bound %.0f (%+.1f%%; target within %.0f%%)", r.steadyPerInterval, lb, 100*off, 100*targetCallsSlack)})
	}
	if r.changeVisible > 0 || r.changeMissing {
		limit := r.listing + r.walk() + targetChangeLag
		detail := fmt.Sprintf("%s (target %s: one listing period, one walk, %s)", secs(r.changeVisible), secs(limit), targetChangeLag)
		if r.changeMissing {
			detail = fmt.Sprintf("not visible within %s (target %s)", secs(2*r.listing+10*time.Second), secs(limit))
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

// walk is how long one listing walk takes at the budget.
func (r *report) walk() time.Duration {
	return time.Duration(float64(r.world.pages()) / r.opts.rps * float64(time.Second))
}

func (r *report) missed() []verdict {
	var out []verdict
	for _, v := range r.verdicts() {
		if !v.ok {
			out = append(out, v)
		}
	}
	// A run that stopped early has targets it never measured.
	if r.world != nil && r.exporter != nil && (r.fresh.Jobs == 0 || len(r.gzipLatency) == 0 || (r.opts.restart && !r.restarted)) {
		out = append(out, verdict{name: "incomplete run"})
	}
	return out
}

func (r *report) print(w io.Writer) {
	o := r.opts
	fmt.Fprintf(w, "\nehpc_serverless_exporter load harness\n")
	fmt.Fprintf(w, "  machine      %s\n", r.machine)
	if r.world == nil {
		return
	}
	pages, active := r.world.pages(), r.world.activeJobs()
	fmt.Fprintf(w, "  world        %d jobs in %d cluster(s), %d active, %d list pages; interval %s, concurrency %d\n",
		r.world.totalJobs(), len(r.world.clusters), active, pages, o.interval, o.concurrency)
	fmt.Fprintf(w, "  budget       %g requests/s, burst %d: listing every %s (%s a walk), freshness limit %s for %d active jobs\n",
		o.rps, o.burst, secs(r.listing), secs(r.walk()), secs(r.limit), active)
	if r.build > 0 {
		fmt.Fprintf(w, "  build        %s\n", r.build.Round(100*time.Millisecond))
	}
	if r.ready > 0 {
		fmt.Fprintf(w, "  ready        %s after start; %s (lower bound %d: %d pages + %d active)\n",
			secs(r.ready), r.toReady.line(), pages+active, pages, active)
	}
	if r.fresh.Jobs > 0 {
		fmt.Fprintf(w, "  data age     active jobs over %s: worst %s, p99 %s, limit %s; %d never described\n",
			secs(r.fresh.Window), secs(r.fresh.Worst), secs(r.fresh.P99), secs(r.limit), r.fresh.Starved)
		fmt.Fprintf(w, "  window       %s (%.1f calls/s)\n", r.window.line(), float64(r.window.total())/r.fresh.Window.Seconds())
	}
	switch {
	case r.drained > 0:
		fmt.Fprintf(w, "  backlog      every job described %s after start; %s\n", secs(r.drained), r.toComplete.line())
	case r.notDrained > 0:
		eta := "at a pace the run could not measure"
		if r.drainETA > 0 {
			eta = fmt.Sprintf("about %s more at the pace seen", r.drainETA.Round(time.Minute))
		}
		fmt.Fprintf(w, "  backlog      %d finished jobs not yet described when the harness stopped waiting: %s; %s\n",
			r.notDrained, eta, r.toComplete.line())
	}
	if r.steadyPerInterval > 0 {
		fmt.Fprintf(w, "  steady       %.1f calls per interval (lower bound %d); naive %d describes per interval\n",
			r.steadyPerInterval, pages+active, r.world.totalJobs())
	}
	if r.changeVisible > 0 {
		fmt.Fprintf(w, "  change       job %s of %s %s -> %s right after a describe: on /metrics after %s",
			r.world.watched.JobID, r.world.watched.ClusterID, r.world.watched.From, r.world.watched.To, secs(r.changeVisible))
		if r.changeDescribed > 0 {
			fmt.Fprintf(w, ", described again after %s", secs(r.changeDescribed))
		}
		fmt.Fprintln(w)
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
		c := r.perJob
		for _, g := range []struct {
			name string
			cost seriesCost
			jobs int
		}{{"active", c.Active, c.ActiveJobs}, {"finished", c.Finished, c.FinishedJobs}} {
			if g.jobs > 0 {
				fmt.Fprintf(w, "  per job      %-8s %d jobs: %.1f series and %s each (%s in all)\n", g.name, g.jobs,
					float64(g.cost.Series)/float64(g.jobs), sizeOf(g.cost.Bytes/g.jobs), sizeOf(g.cost.Bytes))
			}
		}
		fmt.Fprintf(w, "  no job       %d series, %s (aggregates, analytics, the exporter's own)\n", c.NoJob.Series, sizeOf(c.NoJob.Bytes))
		// The largest per-job families, then every family about no job
		// (the analytics and the aggregates), whose cost does not grow
		// with the jobs.
		shown := 0
		for _, f := range r.families {
			if f.PerJob && shown < topFamiliesReported {
				fmt.Fprintf(w, "  family       %-58s %8d series %10s\n", f.Name, f.Series, sizeOf(f.Bytes))
				shown++
			}
		}
		for _, f := range r.families {
			if !f.PerJob && !strings.HasPrefix(f.Name, exporterPrefix) {
				fmt.Fprintf(w, "  aggregate    %-58s %8d series %10s\n", f.Name, f.Series, sizeOf(f.Bytes))
			}
		}
	}
	if r.restarted {
		calls, bound := r.restartCost()
		fmt.Fprintf(w, "  restart      ready %s after start on the state file (%s), %d series at once (%d before); repeated %d calls (bound %d); %s\n",
			secs(r.restartReady), sizeOf(int(r.stateFileBytes)), r.restartSeries, r.series, calls, bound, r.restart.line())
	}
	if r.restarted {
		for _, d := range seriesChanges(r.families, r.restartFamilies) {
			fmt.Fprintf(w, "  restart      %s\n", d)
		}
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

func (s spending) line() string {
	out := fmt.Sprintf("%d calls: %d pages of the first walk + %d of later walks, %d first describes",
		s.total(), s.WalkPages, s.LaterPages, s.First)
	if s.Again > 0 {
		out += fmt.Sprintf(", %d asked again", s.Again)
	}
	out += fmt.Sprintf(", %d refreshes of active jobs, %d repeated describes of finished jobs", s.Refresh, s.Waste)
	if s.Errors > 0 {
		out += fmt.Sprintf(", %d errors", s.Errors)
	}
	return out
}

func secs(d time.Duration) string {
	if d >= 10*time.Second {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
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

// seriesChanges names the families whose series count differs between two
// expositions, as "name: before -> after".
func seriesChanges(before, after []familyCost) []string {
	count := func(fs []familyCost) map[string]int {
		m := map[string]int{}
		for _, f := range fs {
			m[f.Name] = f.Series
		}
		return m
	}
	b, a := count(before), count(after)
	var out []string
	for name, n := range b {
		if a[name] != n {
			out = append(out, fmt.Sprintf("%s: %d -> %d series", name, n, a[name]))
		}
	}
	for name, n := range a {
		if _, ok := b[name]; !ok {
			out = append(out, fmt.Sprintf("%s: 0 -> %d series", name, n))
		}
	}
	slices.Sort(out)
	return out
}
