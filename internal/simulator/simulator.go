package simulator

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// Product version and actions the simulator serves.
const (
	Version                      = "2018-04-12"
	ActionDescribeServerlessJobs = client.ActionDescribeServerlessJobs
	ActionListServerlessJobs     = client.ActionListServerlessJobs
)

// Key is an access key the simulator accepts.
type Key struct {
	Secret string
	// SecurityToken, when set, makes this an STS key: requests must carry
	// exactly this token.
	SecurityToken string
	// Expires, when set, is when the STS token stops being accepted
	// (InvalidSecurityToken.Expired), by the wall clock.
	Expires time.Time
	// Clusters the key may read; empty means all. Others get NotAuthorized.
	Clusters []string
}

// Options configure a Simulator.
type Options struct {
	// Scenario is the simulated world; nil means an empty one (every cluster
	// is unknown).
	Scenario *Scenario
	// Keys maps access key ids to keys. Requests signed with any other key
	// are refused, so an empty map refuses everything.
	Keys map[string]Key
	// Clock gives the simulated time. Nil means a ManualClock at the
	// scenario's epoch, or, when Speed > 0, a ScaledClock from the epoch.
	Clock Clock
	// Speed runs the default clock at this multiple of real time.
	Speed float64
	// WallClock is what request dates are checked against (default time.Now);
	// tests shift it to provoke InvalidTimeStamp.Expired.
	WallClock func() time.Time
	// MaxSkew is the accepted distance between a request's date and the wall
	// clock (default 15 minutes, as the service).
	MaxSkew time.Duration
	// MaxNonces bounds the remembered signature nonces (default 1,000,000).
	MaxNonces int
	// Logger receives one debug line per request (never a secret). Nil: none.
	Logger log.Logger
}

// Simulator is an http.Handler speaking the E-HPC 2018-04-12 RPC protocol for
// the serverless-job read actions. It is safe for concurrent use; faults can
// be changed while it serves.
type Simulator struct {
	world   *world
	keys    map[string]Key
	clock   Clock
	wall    func() time.Time
	maxSkew time.Duration
	nonces  *nonceStore
	faults  faultSet
	calls   callCounter
	logger  log.Logger
}

// New checks the scenario and returns a simulator serving it.
func New(o Options) (*Simulator, error) {
	s := &Simulator{wall: o.WallClock, maxSkew: o.MaxSkew, logger: o.Logger, keys: make(map[string]Key, len(o.Keys))}
	if s.wall == nil {
		s.wall = time.Now
	}
	if s.maxSkew <= 0 {
		s.maxSkew = 15 * time.Minute
	}
	if s.logger == nil {
		s.logger = log.NewNopLogger()
	}
	for id, k := range o.Keys {
		if id == "" || k.Secret == "" {
			return nil, errors.New("simulator: every key needs an access key id and a secret")
		}
		s.keys[id] = k
	}
	sc := o.Scenario
	if sc == nil {
		sc = &Scenario{}
	}
	w, err := compile(sc, s.wall())
	if err != nil {
		return nil, fmt.Errorf("simulator scenario: %w", err)
	}
	s.world = w
	switch {
	case o.Clock != nil:
		s.clock = o.Clock
	case o.Speed > 0:
		s.clock = NewScaledClock(w.epoch, o.Speed)
	default:
		s.clock = NewManualClock(w.epoch)
	}
	maxNonces := o.MaxNonces
	if maxNonces <= 0 {
		maxNonces = 1_000_000
	}
	// A request stays acceptable until its date is MaxSkew in the past, and
	// its date may be MaxSkew in the future: remember nonces twice as long.
	s.nonces = newNonceStore(2*s.maxSkew, maxNonces)
	return s, nil
}

// Epoch is the wall time of the scenario's t=0.
func (s *Simulator) Epoch() time.Time { return s.world.epoch }

// Now is the simulated time.
func (s *Simulator) Now() time.Time { return s.clock.Now() }

// Elapsed is the simulated time since the epoch.
func (s *Simulator) Elapsed() time.Duration { return s.clock.Now().Sub(s.world.epoch) }

// Advance moves a ManualClock forward; it returns false (and does nothing)
// for any other clock.
func (s *Simulator) Advance(d time.Duration) bool {
	mc, ok := s.clock.(*ManualClock)
	if ok {
		mc.Advance(d)
	}
	return ok
}

// ServeHTTP answers one RPC call.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	host := hostOf(r)
	action, clusterID, code := "", "", ""
	defer func() {
		s.calls.record(action, code)
		level.Debug(s.logger).Log("msg", "simulated request", "action", action, "cluster", clusterID, "code", code)
	}()
	fail := func(e *apiError) {
		code = e.code
		writeError(w, host, requestID, e)
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		fail(errCode("UnsupportedHTTPMethod"))
		return
	}
	if r.URL.Path != "/" {
		fail(errCode("InvalidAction.NotFound"))
		return
	}
	q, e := readRequest(r)
	if e != nil {
		fail(e)
		return
	}
	c, e := s.authenticate(q)
	if e != nil {
		fail(e)
		return
	}
	action = c.action
	if c.version != Version {
		fail(errCode("InvalidVersion"))
		return
	}
	if action != ActionDescribeServerlessJobs && action != ActionListServerlessJobs {
		fail(errCode("InvalidAction.NotFound"))
		return
	}
	clusterID = q.param("ClusterId")
	jobIDs, _ := q.list("JobIds")
	f := s.faults.take(action, clusterID, jobIDs)
	if f != nil {
		if fc, done := faultBefore(r.Context(), w, host, requestID, f); done {
			code = fc
			return
		}
	}
	body, e := s.answer(c, q, action, requestID)
	if e != nil {
		fail(e)
		return
	}
	if f != nil {
		if out, ok := faultAfter(f, body); ok {
			body = out
		}
	}
	code = "OK"
	writeJSON(w, requestID, http.StatusOK, body)
}

// answer computes the answer of a valid, authenticated call.
func (s *Simulator) answer(c *caller, q *request, action, requestID string) ([]byte, *apiError) {
	t := s.Elapsed()
	if action == ActionDescribeServerlessJobs {
		return s.describeServerlessJobs(c, q, t, requestID)
	}
	return s.listServerlessJobs(c, q, t, requestID)
}
