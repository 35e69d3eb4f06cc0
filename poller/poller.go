package poller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
)

// Poller fills the store in the background. Each account has Concurrency
// workers that draw from its budget continuously; each call is spent on the
// most urgent thing any of the account's clusters has to ask (agenda.go).
type Poller struct {
	store   Store
	opts    Options
	logger  log.Logger
	shard   sharder
	metrics *pollerMetrics

	// mu guards every cluster's and account's state: the clusters of an
	// account are picked from together, and a pick is a few map and heap
	// operations, so one lock is simpler than many and never contended long.
	mu       sync.Mutex
	clusters map[string]*cluster
	order    []string // cluster ids in configuration order
	accounts map[string]*account
	runCtx   context.Context // set while Run runs
	wg       sync.WaitGroup
	saved    savedMark // what the state file holds, to know when to write it
}

// cluster is one configured cluster.
type cluster struct {
	id      string
	spec    ClusterSpec
	acct    *account
	t       *targets
	walk    *listingWalk // the listing walk under way; nil when none is
	walked  bool         // a listing walk has ended, well or not
	pages   int          // pages the last listing walk read
	spent   callWindow   // calls started, for the spent gauge
	failed  failures     // describes that failed since the last report
	removed bool
}

// New checks the options and specs and returns a poller that has not polled
// yet. With Options.StatePath set, it serves what the state file kept at
// once; a missing or unusable file is logged and ignored.
func New(store Store, opts Options, specs []ClusterSpec) (*Poller, error) {
	if store == nil {
		return nil, errors.New("poller: store is nil")
	}
	if err := Check(opts, specs); err != nil {
		return nil, err
	}
	if opts.TotalShards == 0 {
		opts.TotalShards = 1
	}
	shard, _ := newSharder(opts.Shard, opts.TotalShards)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CallTimeout == 0 {
		opts.CallTimeout = DefaultCallTimeout
	}
	if opts.Logger == nil {
		opts.Logger = log.NewNopLogger()
	}
	p := &Poller{
		store:    store,
		opts:     opts,
		logger:   opts.Logger,
		shard:    shard,
		clusters: map[string]*cluster{},
		accounts: map[string]*account{},
	}
	var err error
	p.metrics, err = newPollerMetrics(opts.Registerer, p)
	if err != nil {
		return nil, fmt.Errorf("poller: %w", err)
	}
	p.mu.Lock()
	p.applyLocked(specs)
	p.restoreLocked()
	p.mu.Unlock()
	return p, nil
}

// Check refuses exactly the options and specs New would refuse, without
// building anything.
func Check(opts Options, specs []ClusterSpec) error {
	errs := []error{opts.check()}
	if opts.TotalShards == 0 {
		opts.TotalShards = 1
	}
	_, err := newSharder(opts.Shard, opts.TotalShards)
	errs = append(errs, err, validateSpecs(specs))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("poller: %w", err)
	}
	return nil
}

// Update replaces the clusters to poll, as a configuration reload does. Jobs
// that stay keep their snapshots and schedules; removed static ids and
// removed clusters leave the store at once; added jobs are asked for as the
// budget allows. Bad specs leave everything as it was.
func (p *Poller) Update(specs []ClusterSpec) error {
	if err := validateSpecs(specs); err != nil {
		return fmt.Errorf("poller: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.applyLocked(specs)
	return nil
}

// Reconfigure is Update with new polling settings too: interval, retention,
// settle time, concurrency and call timeout. What the process was started
// with (clock, logger, registry, state file, shard) stays. Due times already
// set keep their place; from now on jobs are asked for at the new interval.
// Bad options or specs leave everything as it was.
func (p *Poller) Reconfigure(opts Options, specs []ClusterSpec) error {
	if err := Check(opts, specs); err != nil {
		return err
	}
	if opts.CallTimeout == 0 {
		opts.CallTimeout = DefaultCallTimeout
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.opts
	p.opts.Interval, p.opts.Retention, p.opts.Settle = opts.Interval, opts.Retention, opts.Settle
	p.opts.Concurrency, p.opts.CallTimeout = opts.Concurrency, opts.CallTimeout
	for _, c := range p.clusters {
		c.t.opts = p.opts
		c.t.ag.interval = p.opts.Interval
	}
	p.applyLocked(specs)
	if p.opts.Concurrency != old.Concurrency && p.runCtx != nil {
		// Workers are one per call in flight: restart them at the new count.
		// A call under way is cancelled and put back, not counted as failed.
		for _, a := range p.accounts {
			a.stop()
			p.startLocked(a)
		}
	}
	return nil
}

func (p *Poller) applyLocked(specs []ClusterSpec) {
	now := p.opts.Now()
	keep := make(map[string]bool, len(specs))
	accts := map[string]*account{}
	p.order = p.order[:0]
	for _, s := range specs {
		keep[s.ClusterID] = true
		p.order = append(p.order, s.ClusterID)
		a := accts[s.Account]
		if a == nil {
			a = p.accounts[s.Account]
			if a == nil {
				a = newAccount(s.Account)
			}
			a.limiter = s.Limiter
			a.clusters = a.clusters[:0]
			accts[s.Account] = a
		}
		c := p.clusters[s.ClusterID]
		if c == nil {
			c = &cluster{id: s.ClusterID}
			c.t = newTargets(s.ClusterID, p.store, p.shard, p.opts, p.logger, &a.seq)
			p.clusters[s.ClusterID] = c
			p.metrics.init(s.ClusterID)
		}
		c.spec, c.acct = s, a
		c.t.ag.seq = &a.seq
		c.t.ag.rps = a.rps()
		a.clusters = append(a.clusters, c)
		c.t.configure(s, now)
		c.t.reconcile(now, false)
	}
	for id, c := range p.clusters {
		if keep[id] {
			continue
		}
		c.removed = true
		c.t.clear()
		delete(p.clusters, id)
		p.metrics.forget(id)
	}
	for key, a := range p.accounts {
		if accts[key] == nil {
			a.stop()
		}
	}
	p.accounts = accts
	for _, a := range accts {
		a.broadcast()
		if p.runCtx != nil && a.cancel == nil {
			p.startLocked(a)
		}
	}
}

// Run polls until ctx ends; it keeps the state file, if any, and writes it
// once more before returning.
func (p *Poller) Run(ctx context.Context) {
	p.mu.Lock()
	if p.runCtx != nil {
		p.mu.Unlock()
		level.Error(p.logger).Log("msg", "poller is already running")
		return
	}
	p.runCtx = ctx
	for _, a := range p.accounts {
		p.startLocked(a)
	}
	p.mu.Unlock()

	p.housekeep(ctx)

	p.mu.Lock()
	p.runCtx = nil
	for _, a := range p.accounts {
		a.stop()
	}
	p.mu.Unlock()
	p.wg.Wait()
	p.saveState(true)
}

// startLocked starts an account's workers; p.mu is held.
func (p *Poller) startLocked(a *account) {
	ctx, cancel := context.WithCancel(p.runCtx)
	a.cancel = cancel
	for range p.opts.Concurrency {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.work(ctx, a, time.Time{})
		}()
	}
}

// RunDue asks for everything that is due at the poller's clock reading when
// it is called, within the budget, and returns once nothing more is: what
// one interval of Run does. Work that falls due meanwhile waits for the next
// call. Tests and tools drive the poller with it under a fake clock; it is
// safe to call while Run runs.
func (p *Poller) RunDue(ctx context.Context) {
	until := p.opts.Now()
	p.mu.Lock()
	p.expireLocked(until)
	accts := make([]*account, 0, len(p.accounts))
	for _, a := range p.accounts {
		accts = append(accts, a)
	}
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, a := range accts {
		for range p.opts.Concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.work(ctx, a, until)
			}()
		}
	}
	wg.Wait()
	p.mu.Lock()
	p.expireLocked(p.opts.Now())
	p.reportFailuresLocked()
	p.mu.Unlock()
}

// Ready reports whether every active job of every cluster has been asked
// for once, and every listing has been read once: from then on /metrics
// holds every job that is running. Finished jobs that wait in the backlog
// do not count; they already show their listed state.
func (p *Poller) Ready() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.clusters {
		if c.spec.Discovery != nil && !c.walked {
			return false
		}
		if c.t.waitingFirst() > 0 {
			return false
		}
	}
	return true
}

// expireLocked applies retention to every cluster.
func (p *Poller) expireLocked(now time.Time) {
	for _, c := range p.clusters {
		c.t.expire(now)
	}
}
