package poller

import (
	"context"
	"math"
	"time"

	"golang.org/x/time/rate"
)

// account is the budget the clusters of one set of credentials share: its
// rate limiter and its workers, one call in flight each.
type account struct {
	key      string
	limiter  *rate.Limiter // nil: unlimited
	clusters []*cluster
	picker   picker
	seq      uint64 // the order of tasks across the account's agendas
	inflight int    // calls under way
	// changed is closed and replaced whenever something may have become
	// available, waking every waiting worker.
	changed chan struct{}
	cancel  context.CancelFunc // stops the workers under Run
	// starved is set while the budget cannot meet the interval, so that the
	// warning is given once, not every time it is checked.
	starved bool
}

func newAccount(key string) *account {
	return &account{key: key, changed: make(chan struct{})}
}

// rps is the account's budget in calls per second; +Inf when unlimited.
func (a *account) rps() float64 {
	if a.limiter == nil || a.limiter.Limit() == rate.Inf {
		return math.Inf(1)
	}
	return float64(a.limiter.Limit())
}

func (a *account) broadcast() {
	close(a.changed)
	a.changed = make(chan struct{})
}

func (a *account) stop() {
	if a.cancel != nil {
		a.cancel()
		a.cancel = nil
	}
	a.broadcast()
}

func (a *account) agendas() []*agenda {
	out := make([]*agenda, 0, len(a.clusters))
	for _, c := range a.clusters {
		out = append(out, c.t.ag)
	}
	return out
}

func (a *account) available(now time.Time) bool {
	for _, c := range a.clusters {
		if c.t.ag.available(now) {
			return true
		}
	}
	return false
}

// wake is when the earliest of the account's agendas has something; zero
// when none will without news.
func (a *account) wake() time.Time {
	var at time.Time
	for _, c := range a.clusters {
		if w := c.t.ag.wake(); !w.IsZero() && (at.IsZero() || w.Before(at)) {
			at = w
		}
	}
	return at
}

func (a *account) clusterOf(ag *agenda) *cluster {
	for _, c := range a.clusters {
		if c.t.ag == ag {
			return c
		}
	}
	return nil
}

// work is one worker of an account: it waits for something to ask and a
// token to spend on it, asks, and records the answer, until ctx ends. With
// until set it works as RunDue does: only on what is due by until, and it
// returns once nothing is and no call of the account is in flight.
func (p *Poller) work(ctx context.Context, a *account, until time.Time) {
	for {
		c, pk, ok := p.next(ctx, a, until)
		if !ok {
			return
		}
		p.do(ctx, c, pk)
		p.mu.Lock()
		a.inflight--
		a.broadcast()
		p.mu.Unlock()
	}
}

// now is the clock reading picks are made at: RunDue's fixed reading, or
// the clock's.
func (p *Poller) now(until time.Time) time.Time {
	if until.IsZero() {
		return p.opts.Now()
	}
	return until
}

// next waits until something is available and a token is in hand, then
// picks: the pick is made when the token can be spent, so it goes to what is
// most urgent at that moment.
func (p *Poller) next(ctx context.Context, a *account, until time.Time) (*cluster, pick, bool) {
	for {
		p.mu.Lock()
		if ctx.Err() != nil || (until.IsZero() && a.cancel == nil) || p.accounts[a.key] != a {
			p.mu.Unlock()
			return nil, pick{}, false
		}
		now := p.now(until)
		if !a.available(now) {
			if !until.IsZero() && a.inflight == 0 {
				p.mu.Unlock()
				return nil, pick{}, false
			}
			changed, wake := a.changed, a.wake()
			p.mu.Unlock()
			if !p.sleep(ctx, changed, wake, until) {
				return nil, pick{}, false
			}
			continue
		}
		lim := a.limiter
		p.mu.Unlock()

		var res *rate.Reservation
		if lim != nil {
			res = lim.Reserve()
			if !res.OK() || !sleepFor(ctx, res.Delay()) {
				res.Cancel()
				return nil, pick{}, false
			}
		}
		p.mu.Lock()
		pk, ok := a.picker.choose(p.now(until), a.agendas())
		if !ok {
			// Another worker took it meanwhile; the token goes back.
			p.mu.Unlock()
			if res != nil {
				res.Cancel()
			}
			continue
		}
		a.inflight++
		c := a.clusterOf(pk.a)
		c.spent.add(time.Now())
		p.mu.Unlock()
		return c, pk, true
	}
}

// sleep waits for news (changed), the wake time (under Run only: RunDue
// never waits for time to pass) or the end of ctx; false when ctx ended.
func (p *Poller) sleep(ctx context.Context, changed <-chan struct{}, wake, until time.Time) bool {
	var timer <-chan time.Time
	if until.IsZero() && !wake.IsZero() {
		t := time.NewTimer(max(wake.Sub(p.opts.Now()), time.Millisecond))
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-changed:
	case <-timer:
	}
	return true
}

func sleepFor(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// callWindow counts calls over the last minute in one-second buckets, for
// the calls-per-second-spent gauge.
type callWindow struct {
	buckets [60]uint32
	stamp   [60]int64 // the Unix second each bucket counts
}

func (w *callWindow) add(now time.Time) {
	s := now.Unix()
	i := int(s % 60)
	if w.stamp[i] != s {
		w.stamp[i], w.buckets[i] = s, 0
	}
	w.buckets[i]++
}

// rate is the calls per second over the minute before now.
func (w *callWindow) rate(now time.Time) float64 {
	s := now.Unix()
	var n uint32
	for i := range w.buckets {
		if s-w.stamp[i] < 60 && w.stamp[i] <= s {
			n += w.buckets[i]
		}
	}
	return float64(n) / 60
}
