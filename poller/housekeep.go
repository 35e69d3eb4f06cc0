package poller

import (
	"context"
	"fmt"
	"time"

	"github.com/go-kit/log/level"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

// housekeepEvery is how often Run applies retention, checks the budgets and
// considers writing the state file.
const housekeepEvery = time.Second

// starvedHysteresis: a budget that could not meet the interval counts as
// meeting it again only with this much room, so that the two log lines do
// not alternate around the limit.
const starvedHysteresis = 0.9

// housekeep runs Run's periodic chores until ctx ends.
func (p *Poller) housekeep(ctx context.Context) {
	tick := time.NewTicker(housekeepEvery)
	defer tick.Stop()
	lastReport := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		p.mu.Lock()
		p.expireLocked(p.opts.Now())
		p.checkBudgetsLocked()
		if time.Since(lastReport) >= p.opts.Interval {
			p.reportFailuresLocked()
			lastReport = time.Now()
		}
		p.mu.Unlock()
		_ = p.saveState(false)
	}
}

// failures tallies a cluster's failed describes between two reports, so
// that an operator who reads only warnings learns of them once an interval
// rather than once a job.
type failures struct {
	n         int
	code, msg string // the last failure's
}

func (f *failures) add(code, msg string) {
	f.n++
	f.code, f.msg = code, msg
}

// reportFailuresLocked logs each cluster's failed describes since the last
// report, with the last failure's code and message.
func (p *Poller) reportFailuresLocked() {
	for _, id := range p.order {
		c := p.clusters[id]
		if c.failed.n == 0 {
			continue
		}
		level.Warn(p.logger).Log("msg", "describes failed; the last good data of these jobs is kept", "cluster_id", id,
			"failed_describes", c.failed.n, "code", c.failed.code, "err", c.failed.msg)
		c.failed = failures{}
	}
}

// checkBudgetsLocked says once when an account's budget cannot describe its
// active jobs and read its listings every interval, with the rate it would
// need, and once when it can again.
func (p *Poller) checkBudgetsLocked() {
	for _, a := range p.accounts {
		active, pages := 0, 0
		for _, c := range a.clusters {
			pages += c.pages
			for _, j := range c.t.jobs {
				if !j.parent && (j.class == collector.ClassActive || j.class == collector.ClassFinal) {
					active++
				}
			}
		}
		need := float64(active+pages) / p.opts.Interval.Seconds()
		rps := a.rps()
		switch {
		case !a.starved && need > rps:
			a.starved = true
			level.Warn(p.logger).Log("msg", "the API budget cannot keep the data of active jobs as fresh as polling.interval asks; every job still takes its turn, at the worst data age shown",
				"account", a.key, "active_jobs", active, "list_pages", pages, "interval", p.opts.Interval,
				"requests_per_second", rps, "needed_requests_per_second", fmt.Sprintf("%.2f", need),
				"worst_data_age", FreshnessLimit(active, pages, rps, p.opts.Interval).Round(time.Second))
		case a.starved && need <= rps*starvedHysteresis:
			a.starved = false
			level.Info(p.logger).Log("msg", "the API budget keeps up with polling.interval again",
				"account", a.key, "active_jobs", active, "list_pages", pages, "requests_per_second", rps)
		}
	}
}
