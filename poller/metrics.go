package poller

import (
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

// What a scheduled call was spent on, as the calls counter labels it.
const (
	workList     = "list"     // a page of a listing walk
	workDescribe = "describe" // a due describe of an active or final job
	workUrgent   = "urgent"   // a describe the listing made urgent
	workBacklog  = "backlog"  // the first describe of a job listed finished
	workProbe    = "probe"    // an array range probe
)

var works = []string{workList, workDescribe, workUrgent, workBacklog, workProbe}

func workOf(t *task) string {
	switch t.from {
	case placeUrgent:
		return workUrgent
	case placeBacklog:
		return workBacklog
	}
	return workDescribe
}

// pollerMetrics are the poller's own metrics. The counters and the listing
// histogram are fed as calls happen; the budget gauges are read from the
// poller's state when they are scraped (scheduleCollector).
type pollerMetrics struct {
	listing *prometheus.HistogramVec
	calls   *prometheus.CounterVec
	gauges  *scheduleCollector
	shard   *prometheus.GaugeVec
}

func newPollerMetrics(reg prometheus.Registerer, p *Poller) (*pollerMetrics, error) {
	m := &pollerMetrics{
		listing: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ehpc_serverless_exporter_listing_duration_seconds",
			Help:    "Duration of one full walk of a cluster's job list (ListServerlessJobs, every page), in seconds.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300},
		}, []string{"cluster_id"}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ehpc_serverless_exporter_scheduled_calls_total",
			Help: "API calls the poller started for a cluster, by what they were spent on (list, describe, urgent, backlog, probe); client retries not included.",
		}, []string{"cluster_id", "work"}),
		gauges: newScheduleCollector(p),
		// Replicas that disagree on the shard count split the jobs wrongly:
		// some jobs in two shards, some in none. An alert compares them.
		shard: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ehpc_serverless_exporter_shard",
			Help: "This replica's share of the jobs (--shard, --total-shards): the value is 1, the labels say which shard of how many.",
		}, []string{"ordinal", "count"}),
	}
	setShard := func() {
		m.shard.WithLabelValues(strconv.Itoa(p.opts.Shard), strconv.Itoa(max(p.opts.TotalShards, 1))).Set(1)
	}
	if reg == nil {
		setShard()
		return m, nil
	}
	var err error
	if m.shard, err = registerOrReuse(reg, m.shard); err != nil {
		return nil, err
	}
	setShard()
	if m.listing, err = registerOrReuse(reg, m.listing); err != nil {
		return nil, err
	}
	if m.calls, err = registerOrReuse(reg, m.calls); err != nil {
		return nil, err
	}
	g, err := registerOrReuse(reg, m.gauges)
	if err != nil {
		return nil, err
	}
	// A second poller on one registry (tests, tools) takes the gauges over.
	g.use(p)
	m.gauges = g
	return m, nil
}

// registerOrReuse registers c, or returns the equal collector registered
// before, so that building a second poller on one registry works.
func registerOrReuse[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

// init makes a cluster's counters exist before its first call.
func (m *pollerMetrics) init(clusterID string) {
	for _, w := range works {
		m.calls.WithLabelValues(clusterID, w)
	}
}

// called counts a call started.
func (m *pollerMetrics) called(c *cluster, work string) {
	m.calls.WithLabelValues(c.id, work).Inc()
}

func (m *pollerMetrics) listed(clusterID string, d time.Duration) {
	m.listing.WithLabelValues(clusterID).Observe(d.Seconds())
}

// forget drops the series of a cluster that is no longer configured.
func (m *pollerMetrics) forget(clusterID string) {
	l := prometheus.Labels{"cluster_id": clusterID}
	m.listing.DeletePartialMatch(l)
	m.calls.DeletePartialMatch(l)
}

// scheduleCollector reads, on each scrape, how each cluster stands against
// its account's budget. It only counts over the poller's state; it never
// calls the API.
type scheduleCollector struct {
	mu sync.Mutex
	p  *Poller
}

var (
	budgetDesc = prometheus.NewDesc("ehpc_serverless_exporter_budget_requests_per_second",
		"The API budget of the cluster's account: client-side requests per second (+Inf: unlimited), shared by the account's clusters.",
		[]string{"cluster_id"}, nil)
	spentDesc = prometheus.NewDesc("ehpc_serverless_exporter_budget_spent_requests_per_second",
		"API calls per second the poller started for the cluster over the last minute (client retries not included).",
		[]string{"cluster_id"}, nil)
	overdueDesc = prometheus.NewDesc("ehpc_serverless_exporter_describes_overdue",
		"Describes of the cluster's active and recently finished jobs whose time has come and that wait for the budget.",
		[]string{"cluster_id"}, nil)
	backlogDesc = prometheus.NewDesc("ehpc_serverless_exporter_finished_backlog_jobs",
		"Jobs the listing shows finished that have not been described yet; they get what the budget leaves, and a tenth of it while describes wait.",
		[]string{"cluster_id"}, nil)
	ageDesc = prometheus.NewDesc("ehpc_serverless_exporter_active_data_age_max_seconds",
		"Age of the oldest data of an active job of the cluster (since its last successful describe, or since it was first tracked), in seconds.",
		[]string{"cluster_id"}, nil)
	roundDesc = prometheus.NewDesc("ehpc_serverless_exporter_active_round_seconds",
		"The worst data age the account's budget allows for its active jobs: the polling interval when the budget keeps up, else one round of describes plus one listing walk, in seconds.",
		[]string{"cluster_id"}, nil)
)

func newScheduleCollector(p *Poller) *scheduleCollector { return &scheduleCollector{p: p} }

func (s *scheduleCollector) use(p *Poller) {
	s.mu.Lock()
	s.p = p
	s.mu.Unlock()
}

func (s *scheduleCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{budgetDesc, spentDesc, overdueDesc, backlogDesc, ageDesc, roundDesc} {
		ch <- d
	}
}

func (s *scheduleCollector) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	p := s.p
	s.mu.Unlock()
	for _, st := range p.budgetStats() {
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, st.cluster)
		}
		gauge(budgetDesc, st.rps)
		gauge(spentDesc, st.spent)
		gauge(overdueDesc, float64(st.overdue))
		gauge(backlogDesc, float64(st.backlog))
		gauge(ageDesc, st.oldest.Seconds())
		gauge(roundDesc, st.round.Seconds())
	}
}

// clusterBudget is how one cluster stands against its account's budget.
type clusterBudget struct {
	cluster          string
	rps, spent       float64
	overdue, backlog int
	active, pages    int
	oldest, round    time.Duration
}

// budgetStats reads every cluster's standing, in configuration order.
func (p *Poller) budgetStats() []clusterBudget {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.opts.Now()
	wall := time.Now()
	out := make([]clusterBudget, 0, len(p.order))
	perAccount := map[*account][2]int{} // active jobs, pages
	for _, id := range p.order {
		c := p.clusters[id]
		st := clusterBudget{cluster: id, rps: c.acct.rps(), spent: c.spent.rate(wall),
			overdue: c.t.ag.overdue(now), backlog: len(c.t.ag.backlog.items), pages: c.pages}
		for _, j := range c.t.jobs {
			if j.parent || j.class != collector.ClassActive && j.class != collector.ClassFinal {
				continue
			}
			st.active++
			if age := now.Sub(j.since); age > st.oldest {
				st.oldest = age
			}
		}
		acc := perAccount[c.acct]
		perAccount[c.acct] = [2]int{acc[0] + st.active, acc[1] + st.pages}
		out = append(out, st)
	}
	for i := range out {
		c := p.clusters[out[i].cluster]
		acc := perAccount[c.acct]
		out[i].round = FreshnessLimit(acc[0], acc[1], out[i].rps, p.opts.Interval)
	}
	return out
}
