package simulator

import (
	"context"
	"sync"
)

// CallCounts is a snapshot of the requests the simulator has answered. The
// code is the answer's error code, "OK" for a 200 answer (faulty bodies
// included), "HTTP502" for the HTML page, "ConnectionReset" for a dropped
// connection and "Canceled" when the caller gave up during a slow answer.
// Requests refused before their action was known count under action "".
type CallCounts struct {
	Total        int64
	ByAction     map[string]int64
	ByCode       map[string]int64
	ByActionCode map[string]map[string]int64
}

// Count is the number of calls of an action answered with a code; an empty
// action or code matches all.
func (c CallCounts) Count(action, code string) int64 {
	switch {
	case action == "" && code == "":
		return c.Total
	case action == "":
		return c.ByCode[code]
	case code == "":
		return c.ByAction[action]
	}
	return c.ByActionCode[action][code]
}

type callCounter struct {
	mu      sync.Mutex
	counts  CallCounts
	changed chan struct{} // closed at the next record; nil when nobody waits
}

func (c *callCounter) record(action, code string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts.ByAction == nil {
		c.counts = CallCounts{ByAction: map[string]int64{}, ByCode: map[string]int64{}, ByActionCode: map[string]map[string]int64{}}
	}
	c.counts.Total++
	c.counts.ByAction[action]++
	c.counts.ByCode[code]++
	m := c.counts.ByActionCode[action]
	if m == nil {
		m = map[string]int64{}
		c.counts.ByActionCode[action] = m
	}
	m[code]++
	if c.changed != nil {
		close(c.changed)
		c.changed = nil
	}
}

// WaitCalls blocks until cond holds for the counters, or ctx ends. Tests use
// it to wait for an answer the caller never sees (a request given up on, a
// stream cut short) without sleeping.
func (s *Simulator) WaitCalls(ctx context.Context, cond func(CallCounts) bool) error {
	for {
		s.calls.mu.Lock()
		if s.calls.changed == nil {
			s.calls.changed = make(chan struct{})
		}
		ch := s.calls.changed
		s.calls.mu.Unlock()
		if cond(s.Calls()) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Calls returns a copy of the call counters.
func (s *Simulator) Calls() CallCounts {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	out := CallCounts{
		Total:        s.calls.counts.Total,
		ByAction:     make(map[string]int64, len(s.calls.counts.ByAction)),
		ByCode:       make(map[string]int64, len(s.calls.counts.ByCode)),
		ByActionCode: make(map[string]map[string]int64, len(s.calls.counts.ByActionCode)),
	}
	for k, v := range s.calls.counts.ByAction {
		out.ByAction[k] = v
	}
	for k, v := range s.calls.counts.ByCode {
		out.ByCode[k] = v
	}
	for a, m := range s.calls.counts.ByActionCode {
		cp := make(map[string]int64, len(m))
		for k, v := range m {
			cp[k] = v
		}
		out.ByActionCode[a] = cp
	}
	return out
}

// ResetCalls zeroes the counters.
func (s *Simulator) ResetCalls() {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	s.calls.counts = CallCounts{}
}
