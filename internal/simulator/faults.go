package simulator

import (
	"fmt"
	"sync"
	"time"
)

// FaultKind names a way the service can misbehave.
type FaultKind string

// The faults the simulator can inject. Each applies to a request that passed
// the signature check, so a client's retries are still signed and counted.
const (
	// FaultThrottling answers Throttling.User (status 400, or Status 429)
	// with x-ratelimit-user-api announcing TimeLeft.
	FaultThrottling FaultKind = "Throttling"
	// FaultServiceUnavailable answers 503 ServiceUnavailable.
	FaultServiceUnavailable FaultKind = "ServiceUnavailable"
	// FaultUnknownError answers 500 UnknownError.
	FaultUnknownError FaultKind = "UnknownError"
	// FaultError answers Code (any code; status from the code table unless
	// Status is set), e.g. a 406 EcsError or Throttling.Api.
	FaultError FaultKind = "Error"
	// FaultBadGateway answers 502 with an HTML page, as a load balancer does.
	FaultBadGateway FaultKind = "BadGateway"
	// FaultSlow delays the answer by Delay (giving up when the caller does).
	FaultSlow FaultKind = "Slow"
	// FaultTruncatedJSON sends the first half of the answer, with a matching
	// Content-Length.
	FaultTruncatedJSON FaultKind = "TruncatedJSON"
	// FaultMalformedJSON sends a body that is not JSON at all.
	FaultMalformedJSON FaultKind = "MalformedJSON"
	// FaultOversized streams a Size-byte JSON body (default 50 MiB) without
	// a Content-Length and without holding it in memory.
	FaultOversized FaultKind = "Oversized"
	// FaultStrayWhitespace pads every string value with spaces and a
	// trailing newline, like the published sample.
	FaultStrayWhitespace FaultKind = "StrayWhitespace"
	// FaultStringNumbers sends every number and boolean as a string.
	FaultStringNumbers FaultKind = "StringNumbers"
	// FaultWrongTypes sends each job's State as an object.
	FaultWrongTypes FaultKind = "WrongTypes"
	// FaultMissingFields leaves out TotalCount and each job's State,
	// SubmitTime, LastModifyTime and ContainerGroups.
	FaultMissingFields FaultKind = "MissingFields"
	// FaultConnectionReset drops the connection without an answer.
	FaultConnectionReset FaultKind = "ConnectionReset"
	// FaultClusterGone answers 404 ClusterNotFound.
	FaultClusterGone FaultKind = "ClusterGone"
	// FaultPermissionLoss answers 407 NotAuthorized.
	FaultPermissionLoss FaultKind = "PermissionLoss"
)

var faultKinds = map[FaultKind]bool{
	FaultThrottling: true, FaultServiceUnavailable: true, FaultUnknownError: true, FaultError: true,
	FaultBadGateway: true, FaultSlow: true, FaultTruncatedJSON: true, FaultMalformedJSON: true,
	FaultOversized: true, FaultStrayWhitespace: true, FaultStringNumbers: true, FaultWrongTypes: true,
	FaultMissingFields: true, FaultConnectionReset: true, FaultClusterGone: true, FaultPermissionLoss: true,
}

// A Fault is injected into the requests it matches: all of Action, ClusterID
// and JobID that are set must match (JobID matches a request naming that job
// id among its JobIds). It applies to Count requests, or until cleared when
// Count is 0. The first matching fault of the list wins.
type Fault struct {
	Kind      FaultKind
	Action    string
	ClusterID string
	JobID     string
	Count     int

	Status   int           // FaultThrottling: 400 (default) or 429; FaultError: overrides the code's status
	Code     string        // FaultError: the error code
	TimeLeft time.Duration // FaultThrottling: announced wait, default 1s
	Delay    time.Duration // FaultSlow
	Size     int64         // FaultOversized: body size in bytes, default 50 MiB
}

const defaultOversize = 50 << 20

func (f *Fault) validate() error {
	if !faultKinds[f.Kind] {
		return fmt.Errorf("unknown fault kind %q", f.Kind)
	}
	if f.Count < 0 {
		return fmt.Errorf("fault %s: count must not be negative, got %d", f.Kind, f.Count)
	}
	switch f.Kind {
	case FaultThrottling:
		if f.Status != 0 && f.Status != 400 && f.Status != 429 {
			return fmt.Errorf("fault %s: status must be 400 or 429, got %d", f.Kind, f.Status)
		}
		if f.TimeLeft < 0 {
			return fmt.Errorf("fault %s: time left must not be negative", f.Kind)
		}
	case FaultError:
		if f.Code == "" {
			return fmt.Errorf("fault %s: code is empty", f.Kind)
		}
		if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
			return fmt.Errorf("fault %s: status must be 4xx or 5xx, got %d", f.Kind, f.Status)
		}
	case FaultSlow:
		if f.Delay <= 0 {
			return fmt.Errorf("fault %s: delay must be positive", f.Kind)
		}
	case FaultOversized:
		if f.Size < 0 {
			return fmt.Errorf("fault %s: size must not be negative", f.Kind)
		}
	}
	return nil
}

// faultSet is the active faults, changed at runtime by tests and demos while
// requests are being served.
type faultSet struct {
	mu     sync.Mutex
	active []*activeFault
}

type activeFault struct {
	Fault
	left int // remaining applications; only when Count > 0
}

// SetFaults replaces the active faults. Nothing changes when one is invalid.
func (s *Simulator) SetFaults(faults ...Fault) error {
	active := make([]*activeFault, 0, len(faults))
	for i := range faults {
		if err := faults[i].validate(); err != nil {
			return err
		}
		active = append(active, &activeFault{Fault: faults[i], left: faults[i].Count})
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.active = active
	return nil
}

// AddFault adds a fault after the active ones.
func (s *Simulator) AddFault(f Fault) error {
	if err := f.validate(); err != nil {
		return err
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.active = append(s.faults.active, &activeFault{Fault: f, left: f.Count})
	return nil
}

// ClearFaults removes every fault.
func (s *Simulator) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.active = nil
}

// take returns the fault for a request, if any, and uses one of its
// applications.
func (fs *faultSet) take(action, clusterID string, jobIDs []string) *Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.active {
		if !f.matches(action, clusterID, jobIDs) {
			continue
		}
		out := f.Fault
		if f.Count > 0 {
			f.left--
			if f.left <= 0 {
				fs.active = append(fs.active[:i:i], fs.active[i+1:]...)
			}
		}
		return &out
	}
	return nil
}

func (f *activeFault) matches(action, clusterID string, jobIDs []string) bool {
	if f.Action != "" && f.Action != action {
		return false
	}
	if f.ClusterID != "" && f.ClusterID != clusterID {
		return false
	}
	if f.JobID == "" {
		return true
	}
	for _, id := range jobIDs {
		if id == f.JobID {
			return true
		}
	}
	return false
}
