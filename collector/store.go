package collector

import (
	"cmp"
	"slices"
	"sync"
)

// Store holds the newest snapshot of every tracked job together with its
// pre-rendered samples. It is safe for concurrent use.
type Store struct {
	mu    sync.Mutex
	r     *renderer
	slots map[JobKey]*slot
	// order is the slots sorted by key; nil when a key was added or removed
	// since it was last built. Replacing a job's snapshot keeps it valid, which
	// matters because the poller replaces far more often than it adds.
	order []*slot
	// agg counts the aggregate-only families over every slot's cur.
	agg aggTotals
}

// slot is the stable home of one key; Set swaps cur, so order can point at
// slots and stay valid across replacements.
type slot struct {
	key JobKey
	cur *rendered
}

// NewStore returns an empty store whose renderer follows opts.
func NewStore(opts StoreOptions) (*Store, error) {
	r, err := newRenderer(opts)
	if err != nil {
		return nil, err
	}
	return &Store{r: r, slots: make(map[JobKey]*slot), agg: aggTotals{}}, nil
}

// SetOptions switches to new options (tag labels, allow/deny lists) and
// re-renders every stored snapshot with them. On error nothing changes.
func (s *Store) SetOptions(opts StoreOptions) error {
	p, err := PrepareOptions(opts)
	if err != nil {
		return err
	}
	s.UseOptions(p)
	return nil
}

// PreparedOptions are StoreOptions already checked and compiled. They let a
// caller that changes more than the store (a configuration reload) refuse
// bad options before it changes anything, and then switch without an error
// path.
type PreparedOptions struct{ r *renderer }

// PrepareOptions checks and compiles opts, with the errors SetOptions gives.
func PrepareOptions(opts StoreOptions) (*PreparedOptions, error) {
	r, err := newRenderer(opts)
	if err != nil {
		return nil, err
	}
	return &PreparedOptions{r: r}, nil
}

// UseOptions is SetOptions for options PrepareOptions accepted.
func (s *Store) UseOptions(p *PreparedOptions) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.r = p.r
	s.agg = aggTotals{}
	for _, sl := range s.slots {
		sl.cur = p.r.render(sl.cur.snap)
		s.agg.add(sl.cur.share, 1)
	}
}

// Set stores snap, replacing any snapshot with the same key. The store keeps
// the pointer: the caller must not modify snap afterwards. A nil snap is ignored.
func (s *Store) Set(snap *JobSnapshot) {
	if snap == nil {
		return
	}
	s.mu.Lock()
	r := s.r
	s.mu.Unlock()
	// Rendering is the expensive part; keep it outside the lock so scrapes and
	// other writers are not held up by it.
	rd := r.render(snap)

	s.mu.Lock()
	defer s.mu.Unlock()
	if rd.r != s.r {
		// A SetOptions happened meanwhile; the new renderer must win.
		rd = s.r.render(snap)
	}
	s.agg.add(rd.share, 1)
	if sl, ok := s.slots[snap.Key]; ok {
		s.agg.add(sl.cur.share, -1)
		sl.cur = rd
		return
	}
	s.slots[snap.Key] = &slot{key: snap.Key, cur: rd}
	s.order = nil
}

// Get returns the snapshot stored for key.
func (s *Store) Get(key JobKey) (*JobSnapshot, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl, ok := s.slots[key]
	if !ok {
		return nil, false
	}
	return sl.cur.snap, true
}

// Delete removes the job; its series disappear from the next scrape.
func (s *Store) Delete(key JobKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sl, ok := s.slots[key]; ok {
		s.agg.add(sl.cur.share, -1)
		delete(s.slots, key)
		s.order = nil
	}
}

// Len is the number of stored jobs.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.slots)
}

// Keys returns every stored key, sorted by cluster, then job.
func (s *Store) Keys() []JobKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	order := s.sortedLocked()
	keys := make([]JobKey, len(order))
	for i, sl := range order {
		keys[i] = sl.key
	}
	return keys
}

// All returns every stored snapshot, sorted by cluster, then job.
func (s *Store) All() []*JobSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	order := s.sortedLocked()
	all := make([]*JobSnapshot, len(order))
	for i, sl := range order {
		all[i] = sl.cur.snap
	}
	return all
}

// view appends the current rendering of every job, in key order, to dst and
// returns it with the renderer they belong to. The result is consistent: no
// Set or Delete lands halfway through it.
func (s *Store) view(dst []*rendered) ([]*rendered, aggView, *renderer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sl := range s.sortedLocked() {
		dst = append(dst, sl.cur)
	}
	var owners aggView
	if s.r.aggregateOnly {
		owners = s.agg.view()
	}
	return dst, owners, s.r
}

func (s *Store) sortedLocked() []*slot {
	if s.order == nil || len(s.order) != len(s.slots) {
		order := make([]*slot, 0, len(s.slots))
		for _, sl := range s.slots {
			order = append(order, sl)
		}
		slices.SortFunc(order, func(a, b *slot) int { return compareKeys(a.key, b.key) })
		s.order = order
	}
	return s.order
}

func compareKeys(a, b JobKey) int {
	return cmp.Or(cmp.Compare(a.ClusterID, b.ClusterID), cmp.Compare(a.JobID, b.JobID))
}
