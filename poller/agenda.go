package poller

import (
	"container/heap"
	"math"
	"time"
)

// The agenda is what one cluster still has to ask the API, and the order to
// ask it in. It is pure bookkeeping over times: it never sleeps, calls the API
// or reads a clock, so the scheduler's policy can be proven with simulated
// time and a simulated budget (agenda_test.go). What a pick is spent on, in
// priority order (docs/ARCHITECTURE.md, "Spending the budget"):
//
//  1. the next page of a listing walk that is due: one call shows the state
//     of 100 jobs, so a state change is visible within one interval plus one
//     listing however long the describe queue is;
//  2. urgent describes: jobs whose state the listing has just changed, in the
//     order they were seen;
//  3. when a describe is waiting for the budget and it is not the job's first
//     one, every tenth pick goes to the finished backlog, so that the backlog
//     drains at a tenth of the budget at least instead of never;
//  4. describes and array range probes that are due, earliest due first:
//     under any budget every job takes its turn (fair rotation), and new
//     jobs are described before the backlog gets any share;
//  5. the finished backlog: first describes of jobs the listing showed
//     finished, newest end first, with whatever budget is left.
//
// A listing walk is due one interval after the previous one started, but
// never sooner after it ended than its pages cost at the account's rate, so
// that listing alone never takes more than half of the budget.

// place says where a task is.
type place uint8

const (
	placeNone     place = iota // not scheduled: frozen, or not yet placed
	placeDue                   // waiting for its due time
	placeUrgent                // asked for by the listing
	placeBacklog               // finished, never described
	placeInFlight              // taken by a worker; the worker places it again
)

// task is one thing to ask for: the describe of a job, or the range probe of
// an array job.
type task struct {
	id    string
	probe bool      // a range probe of array job id, else a describe of job id
	due   time.Time // placeDue: when; placeUrgent: when the listing asked
	end   time.Time // placeBacklog: when the job ended; newest goes first
	place place
	// fresh marks a first describe: those never yield to the backlog's share,
	// so that every active job has data before finished ones are asked for.
	fresh bool
	index int    // position in its heap
	seq   uint64 // insertion order, the tie-break that keeps picks stable
}

// walk is the listing's schedule.
type walk struct {
	enabled  bool
	pages    int       // pages the walk under way has read
	next     time.Time // when the next walk is due
	started  time.Time // start of the walk under way; zero when none is
	inFlight bool      // a page of the walk is being read
}

// agenda is one cluster's queues. The poller serialises access to it.
type agenda struct {
	interval time.Duration
	rps      float64 // the account's budget; 0 or +Inf: unlimited
	seq      *uint64 // shared by the agendas of an account: one order across them

	due     taskHeap
	urgent  taskHeap
	backlog taskHeap
	walk    walk
}

func newAgenda(interval time.Duration, rps float64, seq *uint64) *agenda {
	a := &agenda{interval: interval, rps: rps, seq: seq}
	a.due.less = func(x, y *task) bool { return x.due.Before(y.due) || x.due.Equal(y.due) && x.seq < y.seq }
	a.urgent.less = func(x, y *task) bool { return x.seq < y.seq }
	a.backlog.less = func(x, y *task) bool { return x.end.After(y.end) || x.end.Equal(y.end) && x.seq < y.seq }
	return a
}

func (a *agenda) heapOf(p place) *taskHeap {
	switch p {
	case placeDue:
		return &a.due
	case placeUrgent:
		return &a.urgent
	case placeBacklog:
		return &a.backlog
	}
	return nil
}

// unplace takes t out of whatever queue holds it.
func (a *agenda) unplace(t *task) {
	if h := a.heapOf(t.place); h != nil {
		heap.Remove(h, t.index)
	}
	t.place = placeNone
}

func (a *agenda) put(t *task, p place) {
	a.unplace(t)
	*a.seq++
	t.seq = *a.seq
	t.place = p
	heap.Push(a.heapOf(p), t)
}

// schedule makes t due at at. A task in flight is left alone: its worker
// places it when the call returns.
func (a *agenda) schedule(t *task, at time.Time) {
	if t.place == placeInFlight {
		return
	}
	t.due = at
	a.put(t, placeDue)
}

// hurry puts t at the end of the urgent queue, unless it is already there or
// in flight.
func (a *agenda) hurry(t *task, now time.Time) {
	if t.place == placeUrgent || t.place == placeInFlight {
		return
	}
	t.due = now
	a.put(t, placeUrgent)
}

// toBacklog puts t in the finished backlog.
func (a *agenda) toBacklog(t *task, end time.Time) {
	if t.place == placeInFlight {
		return
	}
	t.end = end
	a.put(t, placeBacklog)
}

// drop unschedules t: frozen, or no longer tracked. A task in flight is only
// marked; its worker sees placeNone and does not place it again.
func (a *agenda) drop(t *task) {
	if t.place == placeInFlight {
		t.place = placeNone
		return
	}
	a.unplace(t)
}

// take marks t, the head of one of the queues, as being asked for.
func (a *agenda) take(t *task) {
	a.unplace(t)
	t.place = placeInFlight
}

// pageDue reports whether a listing page may be read now.
func (a *agenda) pageDue(now time.Time) bool {
	w := &a.walk
	return w.enabled && !w.inFlight && (!w.started.IsZero() || !now.Before(w.next))
}

// takePage starts reading a page, and the walk with its first page.
func (a *agenda) takePage(now time.Time) {
	w := &a.walk
	if w.started.IsZero() {
		w.started = now
	}
	w.inFlight = true
	w.pages++
}

// pageDone ends a page; last ends the walk and schedules the next one.
func (a *agenda) pageDone(now time.Time, last bool) {
	w := &a.walk
	w.inFlight = false
	if !last {
		return
	}
	w.next = w.started.Add(a.interval)
	if a.rps > 0 && !math.IsInf(a.rps, 1) {
		if paced := now.Add(time.Duration(float64(w.pages) / a.rps * float64(time.Second))); paced.After(w.next) {
			w.next = paced
		}
	}
	w.started, w.pages = time.Time{}, 0
}

// setListing turns the listing on (its first walk due at once) or off.
func (a *agenda) setListing(on bool, now time.Time) {
	if on == a.walk.enabled {
		return
	}
	a.walk = walk{enabled: on, next: now}
}

// wake is the earliest time at which something becomes available, given
// that nothing is available now; zero when nothing ever will without news.
func (a *agenda) wake() time.Time {
	var at time.Time
	earlier := func(t time.Time) {
		if at.IsZero() || t.Before(at) {
			at = t
		}
	}
	if len(a.due.items) > 0 {
		earlier(a.due.items[0].due)
	}
	if a.walk.enabled && !a.walk.inFlight && a.walk.started.IsZero() {
		earlier(a.walk.next)
	}
	return at
}

// available reports whether a pick could be made now.
func (a *agenda) available(now time.Time) bool {
	return a.pageDue(now) || len(a.urgent.items) > 0 || len(a.backlog.items) > 0 ||
		len(a.due.items) > 0 && !now.Before(a.due.items[0].due)
}

// overdue counts the due tasks whose time has come, for the backlog metric.
func (a *agenda) overdue(now time.Time) int {
	n := len(a.urgent.items)
	for _, t := range a.due.items {
		if !now.Before(t.due) {
			n++
		}
	}
	return n
}

// pick is one decision of the picker: a listing page of agenda a, or task t.
type pick struct {
	a    *agenda
	t    *task // nil: a listing page
	page bool
}

// picker chooses across the agendas of one account, which share one budget.
type picker struct {
	turns uint64 // picks at which the backlog's share was owed
}

// backlogShare: one pick in backlogShare goes to the finished backlog while
// describes wait for the budget.
const backlogShare = 10

// choose returns the most urgent thing to ask for now, and takes it.
func (p *picker) choose(now time.Time, agendas []*agenda) (pick, bool) {
	pk, ok := p.decide(now, agendas)
	if !ok {
		return pick{}, false
	}
	if pk.page {
		pk.a.takePage(now)
	} else {
		pk.a.take(pk.t)
	}
	return pk, true
}

// decide finds the pick by the priorities at the top of this file.
func (p *picker) decide(now time.Time, agendas []*agenda) (pick, bool) {
	var page, urgent, due, backlog pick
	for _, a := range agendas {
		if a.pageDue(now) && (page.a == nil || walkKey(a).Before(walkKey(page.a))) {
			page = pick{a: a, page: true}
		}
		if h := a.urgent.items; len(h) > 0 && (urgent.t == nil || h[0].seq < urgent.t.seq) {
			urgent = pick{a: a, t: h[0]}
		}
		if h := a.due.items; len(h) > 0 && !now.Before(h[0].due) && (due.t == nil || a.due.less(h[0], due.t)) {
			due = pick{a: a, t: h[0]}
		}
		if h := a.backlog.items; len(h) > 0 && (backlog.t == nil || a.backlog.less(h[0], backlog.t)) {
			backlog = pick{a: a, t: h[0]}
		}
	}
	switch {
	case page.a != nil:
		return page, true
	case urgent.t != nil:
		return urgent, true
	case due.t != nil:
		if backlog.t != nil && !due.t.fresh {
			if p.turns++; p.turns%backlogShare == 0 {
				return backlog, true
			}
		}
		return due, true
	case backlog.t != nil:
		return backlog, true
	}
	return pick{}, false
}

// walkKey orders listing walks across clusters: the one under way or due
// longest first.
func walkKey(a *agenda) time.Time {
	if !a.walk.started.IsZero() {
		return a.walk.started
	}
	return a.walk.next
}

// taskHeap is a heap of tasks that knows each task's position, so a task can
// be moved or removed in O(log n).
type taskHeap struct {
	items []*task
	less  func(a, b *task) bool
}

func (h *taskHeap) Len() int           { return len(h.items) }
func (h *taskHeap) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h *taskHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].index = i
	h.items[j].index = j
}
func (h *taskHeap) Push(x any) {
	t := x.(*task)
	t.index = len(h.items)
	h.items = append(h.items, t)
}
func (h *taskHeap) Pop() any {
	n := len(h.items) - 1
	t := h.items[n]
	h.items[n] = nil
	h.items = h.items[:n]
	t.index = -1
	return t
}
