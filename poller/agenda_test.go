package poller

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// budgetSim drives agendas with simulated time and a simulated token bucket:
// every call is answered at once, so what is measured is the policy alone.
type budgetSim struct {
	rps      float64
	burst    int
	interval time.Duration
	pages    int // pages per listing walk; 0: no listing

	start   time.Time
	ag      *agenda
	pk      picker
	active  []*task
	last    map[*task]time.Time
	worst   time.Duration
	backlog int // backlog tasks still undescribed
	picks   int
	done    int // backlog tasks described
	page    int // pages read of the walk under way
	// firstBacklog is the pick that first went to the backlog, 0 for none.
	firstBacklog int
	// firstRound is the pick that described the last active job for the
	// first time.
	firstRound  int
	undescribed int
	pagesAfter  int // page picks after the first round
}

func newBudgetSim(n, pages, backlog int, rps float64, burst int, interval time.Duration) *budgetSim {
	s := &budgetSim{rps: rps, burst: burst, interval: interval, pages: pages,
		start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), last: map[*task]time.Time{}}
	var seq uint64
	s.ag = newAgenda(interval, rps, &seq)
	s.ag.setListing(pages > 0, s.start)
	for i := range n {
		t := &task{id: fmt.Sprint("a", i), fresh: true}
		s.active = append(s.active, t)
		s.last[t] = s.start
		s.ag.schedule(t, s.start)
	}
	for i := range backlog {
		t := &task{id: fmt.Sprint("b", i)}
		s.ag.toBacklog(t, s.start.Add(-time.Duration(i)*time.Second))
	}
	s.backlog = backlog
	s.undescribed = n
	return s
}

// run simulates until horizon and returns the worst gap between two
// describes of one active job (counting from the start and to the end).
func (s *budgetSim) run(horizon time.Duration) {
	now := s.start
	end := s.start.Add(horizon)
	tokens := float64(s.burst)
	perToken := time.Duration(float64(time.Second) / s.rps)
	advance := func(to time.Time) {
		tokens = math.Min(float64(s.burst), tokens+to.Sub(now).Seconds()*s.rps)
		now = to
	}
	for now.Before(end) {
		if tokens < 1 {
			advance(now.Add(time.Duration((1 - tokens) * float64(perToken))))
			tokens = math.Max(tokens, 1) // rounding
			continue
		}
		if !s.ag.available(now) {
			w := s.ag.wake()
			if w.IsZero() || w.After(end) {
				break
			}
			advance(w)
			continue
		}
		pk, ok := s.pk.choose(now, []*agenda{s.ag})
		if !ok {
			panic("available but nothing chosen")
		}
		tokens--
		s.picks++
		switch {
		case pk.page:
			if s.undescribed == 0 {
				s.pagesAfter++
			}
			s.page++
			last := s.page == s.pages
			if last {
				s.page = 0
			}
			s.ag.pageDone(now, last)
		case s.last[pk.t].IsZero(): // a backlog task: described once, then frozen
			if s.firstBacklog == 0 {
				s.firstBacklog = s.picks
			}
			s.done++
			s.backlog--
			s.ag.drop(pk.t)
		default:
			if gap := now.Sub(s.last[pk.t]); gap > s.worst {
				s.worst = gap
			}
			s.last[pk.t] = now
			if pk.t.fresh {
				pk.t.fresh = false
				if s.undescribed--; s.undescribed == 0 {
					s.firstRound = s.picks
				}
			}
			pk.t.place = placeNone
			s.ag.schedule(pk.t, now.Add(s.interval))
		}
	}
	for _, t := range s.active {
		if gap := end.Sub(s.last[t]); gap > s.worst {
			s.worst = gap
		}
	}
}

// limit is the physical bound on the worst data age of n active jobs: the
// interval, or the time the budget left by the listing needs for one round.
func (s *budgetSim) limit(n int) time.Duration {
	return FreshnessLimit(n, s.pages, s.rps, s.interval)
}

// TestAgendaFairUnderAnyBudget is the scheduler's property: over random job
// counts, listing sizes, budgets and intervals, no active job waits longer
// than 1.25 times the physical limit (plus two calls' worth of rounding), and
// the finished backlog keeps draining even when the budget is too small for
// the active jobs.
func TestAgendaFairUnderAnyBudget(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	trials := 300
	if raceDetector {
		trials = 60
	}
	for trial := range trials {
		n := r.IntN(3000)
		pages := r.IntN(120)
		backlog := r.IntN(3000)
		rps := 0.5 + r.Float64()*r.Float64()*200
		burst := 1 + r.IntN(20)
		interval := time.Duration(1+r.IntN(120)) * time.Second
		s := newBudgetSim(n, pages, backlog, rps, burst, interval)
		lim := s.limit(n)
		horizon := 8 * lim
		s.run(horizon)
		name := fmt.Sprintf("trial %d: %d active, %d pages, %d backlog, %.2f rps, burst %d, interval %s", trial, n, pages, backlog, rps, burst, interval)
		bound := time.Duration(1.25*float64(lim)) + time.Duration(2*float64(time.Second)/rps)
		if n > 0 && s.worst > bound {
			t.Errorf("%s: worst data age %s, bound %s (limit %s)", name, s.worst, bound, lim)
		}
		if want := min(backlog, (s.picks-s.firstRound-s.pagesAfter)/backlogShare-1); s.done < want {
			t.Errorf("%s: %d of %d backlog tasks described in %d picks, want at least %d", name, s.done, backlog, s.picks, want)
		}
	}
}

// Without overload the backlog waits for spare budget: the listing and the
// active jobs go first, so readiness costs exactly their calls.
func TestAgendaActiveBeforeBacklogWhenTheBudgetSuffices(t *testing.T) {
	s := newBudgetSim(50, 10, 950, 50, 10, 5*time.Second)
	s.run(30 * time.Second)
	if s.firstBacklog <= 60 {
		t.Fatalf("the first backlog task was described at pick %d, before the 10 pages and 50 active jobs", s.firstBacklog)
	}
	if s.done != 950 {
		t.Fatalf("%d of 950 backlog tasks described in 30 s at 50 rps", s.done)
	}
}
