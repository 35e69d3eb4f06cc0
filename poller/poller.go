package poller

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

// API is what the poller needs from the E-HPC API. *client.Client satisfies
// it; tests use fakes. Answers must not be modified after they are returned:
// the poller keeps them in snapshots.
type API interface {
	DescribeServerlessJobs(ctx context.Context, req client.DescribeServerlessJobsRequest) (*client.DescribeServerlessJobsResponse, error)
	ListServerlessJobs(ctx context.Context, req client.ListServerlessJobsRequest) (*client.ListServerlessJobsResponse, error)
}

// ClusterSpec is one cluster to poll.
type ClusterSpec struct {
	ClusterID string
	RegionID  string
	API       API
	// Account identifies the credentials: clusters of one account share one
	// limit of calls in flight.
	Account     string
	JobIDs      []string // static ids, ranges already expanded
	ExpandArray bool
	Discovery   *DiscoverySpec // nil: no discovery
}

// DiscoverySpec selects the jobs ListServerlessJobs finds. Empty lists match
// everything.
type DiscoverySpec struct {
	States, Queues, Users []string
	// NamePattern is matched with MatchString; anchor it when compiling.
	NamePattern     *regexp.Regexp
	SubmittedWithin time.Duration // 0: no limit
}

// Options tune the poller.
type Options struct {
	// Interval is the time between two cycles of a cluster, and the budget of
	// one cycle: its API calls (retries included) stop at that deadline.
	Interval time.Duration
	// Retention is how long a finished job stays after it ended.
	Retention time.Duration
	// Concurrency is the number of API calls in flight per account.
	Concurrency int
	// Shard and TotalShards split jobs between exporter instances; TotalShards
	// 1 means no sharding.
	Shard, TotalShards int
	Now                func() time.Time
	Logger             log.Logger
	// Registerer takes the poller's own metrics; nil keeps them unregistered.
	Registerer prometheus.Registerer
}

// Poller fills the store in the background: one goroutine per cluster, each
// running a cycle every Interval.
type Poller struct {
	store   Store
	opts    Options
	logger  log.Logger
	shard   sharder
	metrics *pollerMetrics

	mu       sync.Mutex
	clusters map[string]*clusterPoller
	order    []string                 // cluster ids in configuration order
	sems     map[string]chan struct{} // calls in flight, per account
	runCtx   context.Context          // set while Run runs
	wg       sync.WaitGroup
}

// clusterPoller polls one cluster.
type clusterPoller struct {
	p  *Poller
	id string

	cycleMu sync.Mutex   // a cycle never overlaps itself
	waiting atomic.Int32 // cycles waiting for cycleMu, for tests
	cycled  atomic.Bool  // one cycle finished

	mu      sync.Mutex // guards the fields below
	spec    ClusterSpec
	sem     chan struct{}
	t       *targets
	removed bool
	cancel  context.CancelFunc // stops the cluster's goroutine under Run
}

// New checks the options and specs and returns a poller that has not
// polled yet.
func New(store Store, opts Options, specs []ClusterSpec) (*Poller, error) {
	if store == nil {
		return nil, errors.New("poller: store is nil")
	}
	var errs []error
	if opts.Interval <= 0 {
		errs = append(errs, fmt.Errorf("poll interval must be positive, got %s", opts.Interval))
	}
	if opts.Retention < 0 {
		errs = append(errs, fmt.Errorf("retention must not be negative, got %s", opts.Retention))
	}
	if opts.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("concurrency must be at least 1, got %d", opts.Concurrency))
	}
	if opts.TotalShards == 0 {
		opts.TotalShards = 1
	}
	shard, err := newSharder(opts.Shard, opts.TotalShards)
	if err != nil {
		errs = append(errs, err)
	}
	if err := validateSpecs(specs); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("poller: %w", errors.Join(errs...))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = log.NewNopLogger()
	}
	metrics, err := newPollerMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("poller: %w", err)
	}
	p := &Poller{
		store:    store,
		opts:     opts,
		logger:   opts.Logger,
		shard:    shard,
		metrics:  metrics,
		clusters: map[string]*clusterPoller{},
	}
	p.apply(specs)
	return p, nil
}

func validateSpecs(specs []ClusterSpec) error {
	var errs []error
	seen := make(map[string]bool, len(specs))
	for i, s := range specs {
		switch {
		case s.ClusterID == "":
			errs = append(errs, fmt.Errorf("cluster %d: cluster id is empty", i+1))
			continue
		case seen[s.ClusterID]:
			errs = append(errs, fmt.Errorf("cluster %q: listed twice", s.ClusterID))
		}
		seen[s.ClusterID] = true
		if s.API == nil {
			errs = append(errs, fmt.Errorf("cluster %q: no API client", s.ClusterID))
		}
		for _, id := range s.JobIDs {
			if id == "" || strings.TrimSpace(id) != id {
				errs = append(errs, fmt.Errorf("cluster %q: job id %q is empty or has surrounding white space", s.ClusterID, id))
			}
		}
	}
	return errors.Join(errs...)
}

// Update replaces the clusters to poll, as a configuration reload does. Jobs
// that stay keep their snapshots and classes; removed static ids and removed
// clusters leave the store at once; new ones are polled in the next cycle.
// Bad specs leave everything as it was.
func (p *Poller) Update(specs []ClusterSpec) error {
	if err := validateSpecs(specs); err != nil {
		return fmt.Errorf("poller: %w", err)
	}
	p.apply(specs)
	return nil
}

func (p *Poller) apply(specs []ClusterSpec) {
	p.mu.Lock()
	defer p.mu.Unlock()
	sems := make(map[string]chan struct{}, len(specs))
	for _, s := range specs {
		if _, ok := sems[s.Account]; ok {
			continue
		}
		sem := p.sems[s.Account] // keep the count of calls in flight
		if sem == nil {
			sem = make(chan struct{}, p.opts.Concurrency)
		}
		sems[s.Account] = sem
	}
	p.sems = sems

	now := p.opts.Now()
	keep := make(map[string]bool, len(specs))
	p.order = p.order[:0]
	for _, s := range specs {
		keep[s.ClusterID] = true
		p.order = append(p.order, s.ClusterID)
		c := p.clusters[s.ClusterID]
		added := c == nil
		if added {
			c = &clusterPoller{p: p, id: s.ClusterID, t: newTargets(s.ClusterID, p.store, p.shard, p.logger)}
			p.clusters[s.ClusterID] = c
			p.metrics.init(s.ClusterID)
		}
		c.mu.Lock()
		c.spec, c.sem = s, sems[s.Account]
		c.t.configure(s)
		if c.t.dirty {
			c.t.reconcile(now)
		}
		c.mu.Unlock()
		// Start only once configured: a first cycle that ran before its
		// targets were set would poll nothing and still count as done.
		if added && p.runCtx != nil {
			p.startLocked(c)
		}
	}
	for id, c := range p.clusters {
		if keep[id] {
			continue
		}
		c.mu.Lock()
		c.removed = true
		c.t.clear()
		if c.cancel != nil {
			c.cancel()
		}
		c.mu.Unlock()
		delete(p.clusters, id)
		p.metrics.forget(id)
	}
}

// Run polls until ctx ends: the first cycle of every cluster at once, then one
// every Interval. A cycle that takes longer than Interval delays the next one.
func (p *Poller) Run(ctx context.Context) {
	p.mu.Lock()
	if p.runCtx != nil {
		p.mu.Unlock()
		level.Error(p.logger).Log("msg", "poller is already running")
		return
	}
	p.runCtx = ctx
	for _, id := range p.order {
		p.startLocked(p.clusters[id])
	}
	p.mu.Unlock()

	<-ctx.Done()
	p.mu.Lock()
	p.runCtx = nil
	p.mu.Unlock()
	p.wg.Wait()
}

// startLocked starts a cluster's goroutine; p.mu is held.
func (p *Poller) startLocked(c *clusterPoller) {
	ctx, cancel := context.WithCancel(p.runCtx)
	c.mu.Lock()
	c.cancel = cancel
	c.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer cancel()
		c.loop(ctx)
	}()
}

// RunCycle runs one cycle of every cluster, concurrently, and returns when all
// have finished. A cluster whose cycle is already running is waited for, not
// run twice at once.
func (p *Poller) RunCycle(ctx context.Context) {
	var wg sync.WaitGroup
	for _, c := range p.snapshotClusters() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.cycle(ctx)
		}()
	}
	wg.Wait()
}

// Ready reports whether every configured cluster has finished a cycle. A
// cluster added by Update makes it false until its first cycle ends.
func (p *Poller) Ready() bool {
	for _, c := range p.snapshotClusters() {
		if !c.cycled.Load() {
			return false
		}
	}
	return true
}

func (p *Poller) snapshotClusters() []*clusterPoller {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*clusterPoller, 0, len(p.order))
	for _, id := range p.order {
		out = append(out, p.clusters[id])
	}
	return out
}

// loop runs the cluster's cycles until ctx ends.
func (c *clusterPoller) loop(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		elapsed := c.cycle(ctx)
		timer.Reset(max(c.p.opts.Interval-elapsed, 0))
	}
}

// Store is the write side of the snapshot store: the poller's only way into
// the collector. *collector.Store satisfies it.
type Store interface {
	Set(snap *collector.JobSnapshot)
	Delete(key collector.JobKey)
}
