package simulator

import (
	"sync"
	"time"
)

// nonceStore remembers signature nonces for as long as a request carrying
// them could still pass the time-stamp check, and no more than max of them:
// a replay is refused while it matters, and memory stays bounded under any
// load. When max is reached the oldest nonces are forgotten first.
type nonceStore struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	seen  map[string]time.Time // nonce key -> forget after
	queue []nonceEntry         // in the order seen
	head  int
}

type nonceEntry struct {
	key    string
	expiry time.Time
}

func newNonceStore(ttl time.Duration, max int) *nonceStore {
	return &nonceStore{ttl: ttl, max: max, seen: map[string]time.Time{}}
}

// use records a nonce and reports whether it was fresh.
func (s *nonceStore) use(key string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(now)
	if exp, ok := s.seen[key]; ok && now.Before(exp) {
		return false
	}
	exp := now.Add(s.ttl)
	s.seen[key] = exp
	s.queue = append(s.queue, nonceEntry{key, exp})
	for len(s.seen) > s.max && s.head < len(s.queue) {
		s.drop()
	}
	return true
}

func (s *nonceStore) expire(now time.Time) {
	for s.head < len(s.queue) && !now.Before(s.queue[s.head].expiry) {
		s.drop()
	}
}

// drop forgets the oldest entry, unless the nonce was recorded again since.
func (s *nonceStore) drop() {
	e := s.queue[s.head]
	s.queue[s.head] = nonceEntry{}
	s.head++
	if exp, ok := s.seen[e.key]; ok && exp.Equal(e.expiry) {
		delete(s.seen, e.key)
	}
	if s.head > 1024 && s.head*2 > len(s.queue) {
		s.queue = append([]nonceEntry(nil), s.queue[s.head:]...)
		s.head = 0
	}
}

func (s *nonceStore) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seen)
}
