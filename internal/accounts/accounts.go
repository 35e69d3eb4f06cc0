// Package accounts turns the configuration's clusters into the poller's
// cluster specs. Clusters whose credentials settings are equal belong to one
// Alibaba Cloud account: they share one credential provider and one client-side
// rate limiter, because the service throttles per account, not per cluster.
//
// The account state survives reloads, so a reload neither resets the rate
// limit nor re-fetches credentials for accounts that did not change. A reload
// is two steps: Prepare builds the clients and specs of a config without
// touching the Set, and the Change it returns takes effect on Commit, so a
// reload refused later (by the store, say) leaves every account as it was.
package accounts

import (
	"fmt"
	"sync"
	"time"

	"github.com/aliyun/credentials-go/credentials"
	"golang.org/x/time/rate"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/config"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/poller"
)

// Options are fixed for the life of the process.
type Options struct {
	Observer client.Observer
	// Credential, when set, is used for every account instead of the
	// configured source (the demo uses it with the simulator's key).
	Credential credentials.Credential
	// UserAgent names the exporter and its version in every request.
	UserAgent string
}

// account is immutable once built: Prepare makes a new one for every config,
// carrying over what must survive (the limiter, an unchanged credential), so
// that an uncommitted Change has touched nothing.
type account struct {
	key     string
	cred    credentials.Credential
	source  string
	limiter *rate.Limiter // shared with the previous config's account
	rps     float64
	burst   int
	// fetchTimeout bounds one credential fetch: the credential built by
	// client.NewCredential carries it, and so do its providers' HTTP
	// timeouts, which is why a change needs a new credential.
	fetchTimeout time.Duration
}

// Set remembers the accounts of the config committed last.
type Set struct {
	opts Options
	// The constructors, so tests can see what was asked of them.
	newCredential func(client.CredentialOptions) (credentials.Credential, string, error)
	newClient     func(client.Options) (*client.Client, error)

	mu sync.Mutex
	// accs is replaced whole on Commit and never modified in place, so
	// Prepare can read it without holding mu for the whole build.
	accs map[string]*account
}

// New returns an empty Set.
func New(o Options) *Set {
	return &Set{
		opts:          o,
		newCredential: client.NewCredential,
		newClient:     client.New,
		accs:          map[string]*account{},
	}
}

// Change is one config's specs and the account state they were built with.
type Change struct {
	set   *Set
	accs  map[string]*account
	specs []poller.ClusterSpec
}

// Specs are the poller's cluster specs, in configuration order.
func (c *Change) Specs() []poller.ClusterSpec { return c.specs }

// Prepare builds one spec per configured cluster, each with its own client
// sharing its account's credential and rate limiter. It makes no network call
// and changes nothing in the Set: an account whose rate or burst changed gets
// the new limit on Commit, and one whose fetch timeout changed gets a new
// credential (dropping the cached one) that replaces the old on Commit.
//
// When clusters of one account disagree on the fetch timeout, the first of
// them in the file decides.
func (s *Set) Prepare(cfg *config.Config) (*Change, error) {
	s.mu.Lock()
	prev := s.accs
	s.mu.Unlock()

	ch := &Change{set: s, accs: map[string]*account{}, specs: make([]poller.ClusterSpec, 0, len(cfg.Clusters))}
	for i := range cfg.Clusters {
		c := &cfg.Clusters[i]
		key := c.AccountKey()
		acc, ok := ch.accs[key]
		if !ok {
			var err error
			if acc, err = s.nextAccount(key, prev[key], c, cfg); err != nil {
				return nil, fmt.Errorf("cluster %s: %w", c.ClusterID, err)
			}
			ch.accs[key] = acc
		}
		api, err := s.newClient(client.Options{
			Endpoint:          c.EndpointOverride,
			EndpointType:      c.EndpointType,
			RegionID:          c.RegionID,
			Credential:        acc.cred,
			CredentialSource:  acc.source,
			CredentialTimeout: acc.fetchTimeout,
			Timeout:           time.Duration(cfg.API.Timeout),
			MaxRetries:        cfg.API.MaxRetries,
			RateLimiter:       acc.limiter,
			MaxResponseBytes:  int64(cfg.API.MaxResponseBytes),
			Observer:          s.opts.Observer,
			Concurrency:       cfg.Polling.Concurrency,
			UserAgent:         s.opts.UserAgent,
		})
		if err != nil {
			return nil, fmt.Errorf("cluster %s: %w", c.ClusterID, err)
		}
		spec := poller.ClusterSpec{
			ClusterID:   c.ClusterID,
			RegionID:    c.RegionID,
			API:         api,
			Account:     key,
			Limiter:     acc.limiter,
			JobIDs:      c.ExpandedJobIDs(),
			ExpandArray: c.ExpandArray,
		}
		if d := c.Discovery; d.Enabled {
			spec.Discovery = &poller.DiscoverySpec{
				States:          d.States,
				Queues:          d.Queues,
				Users:           d.Users,
				NamePattern:     d.NameRegexp(),
				SubmittedWithin: time.Duration(d.SubmittedWithin),
			}
		}
		ch.specs = append(ch.specs, spec)
	}
	return ch, nil
}

// nextAccount is the account of key under cfg; prev is its committed state,
// nil on first sight.
func (s *Set) nextAccount(key string, prev *account, c *config.Cluster, cfg *config.Config) (*account, error) {
	cr := cfg.Credentials
	if c.Credentials != nil {
		cr = *c.Credentials
	}
	acc := &account{
		key:          key,
		rps:          cfg.API.RequestsPerSecond,
		burst:        cfg.API.Burst,
		fetchTimeout: time.Duration(cr.FetchTimeout),
	}
	if prev != nil {
		acc.limiter = prev.limiter
	} else {
		acc.limiter = client.NewLimiter(acc.rps, acc.burst)
	}
	switch {
	case s.opts.Credential != nil:
		// client.New bounds a credential it did not build by
		// CredentialTimeout, so the static one needs no rebuilding.
		acc.cred, acc.source = s.opts.Credential, "static credentials"
	case prev != nil && prev.fetchTimeout == acc.fetchTimeout:
		acc.cred, acc.source = prev.cred, prev.source
	default:
		cred, source, err := s.newCredential(client.CredentialOptions{
			Type:         cr.Type,
			Profile:      cr.Profile,
			RoleName:     cr.RoleName,
			FetchTimeout: acc.fetchTimeout,
		})
		if err != nil {
			return nil, err
		}
		acc.cred, acc.source = cred, source
	}
	return acc, nil
}

// Commit makes the change the Set's state: rate limits move to their new
// values keeping the tokens already spent, rebuilt credentials replace the old
// ones, and accounts no cluster uses any more are forgotten. Changes must be
// committed one at a time, each before the next is prepared; the caller
// serialises them.
func (c *Change) Commit() {
	s := c.set
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, acc := range c.accs {
		setLimit(acc.limiter, acc.rps, acc.burst)
	}
	s.accs = c.accs
}

// setLimit moves l to what client.NewLimiter would build for rps and burst.
// Left alone when unchanged, so an idle reload does not touch its tokens.
func setLimit(l *rate.Limiter, rps float64, burst int) {
	want := client.NewLimiter(rps, burst)
	if l.Limit() != want.Limit() {
		l.SetLimit(want.Limit())
	}
	if l.Burst() != want.Burst() {
		l.SetBurst(want.Burst())
	}
}
