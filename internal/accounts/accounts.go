// Package accounts turns the configuration's clusters into the poller's
// cluster specs. Clusters whose credentials settings are equal belong to one
// Alibaba Cloud account: they share one credential provider and one client-side
// rate limiter, because the service throttles per account, not per cluster.
// The account state survives reloads, so a reload neither resets the rate
// limit nor re-fetches credentials for accounts that did not change.
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

type account struct {
	key        string
	cred       credentials.Credential
	source     string
	limiter    *rate.Limiter
	rps        float64
	burst      int
	fetchLimit time.Duration
}

// Set remembers the accounts seen so far.
type Set struct {
	opts Options
	mu   sync.Mutex
	accs map[string]*account
}

// New returns an empty Set.
func New(o Options) *Set {
	return &Set{opts: o, accs: map[string]*account{}}
}

// Specs builds one spec per configured cluster. It makes no network call.
func (s *Set) Specs(cfg *config.Config) ([]poller.ClusterSpec, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	specs := make([]poller.ClusterSpec, 0, len(cfg.Clusters))
	for i := range cfg.Clusters {
		c := &cfg.Clusters[i]
		acc, err := s.account(c, cfg)
		if err != nil {
			return nil, fmt.Errorf("cluster %s: %w", c.ClusterID, err)
		}
		api, err := client.New(client.Options{
			Endpoint:          c.Endpoint(),
			RegionID:          c.RegionID,
			Credential:        acc.cred,
			CredentialSource:  acc.source,
			CredentialTimeout: acc.fetchLimit,
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
			Account:     acc.key,
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
		specs = append(specs, spec)
	}
	return specs, nil
}

// account returns the account of a cluster, creating it on first sight and
// adjusting its rate limit in place when the config changed it.
func (s *Set) account(c *config.Cluster, cfg *config.Config) (*account, error) {
	key := c.AccountKey()
	rps, burst := cfg.API.RequestsPerSecond, cfg.API.Burst
	if acc, ok := s.accs[key]; ok {
		if acc.rps != rps || acc.burst != burst {
			acc.limiter.SetLimit(rate.Limit(rps))
			acc.limiter.SetBurst(burst)
			acc.rps, acc.burst = rps, burst
		}
		return acc, nil
	}
	cr := cfg.Credentials
	if c.Credentials != nil {
		cr = *c.Credentials
	}
	acc := &account{key: key, limiter: client.NewLimiter(rps, burst), rps: rps, burst: burst, fetchLimit: time.Duration(cr.FetchTimeout)}
	if s.opts.Credential != nil {
		acc.cred, acc.source = s.opts.Credential, "static credentials"
	} else {
		cred, source, err := client.NewCredential(client.CredentialOptions{
			Type:         cr.Type,
			Profile:      cr.Profile,
			RoleName:     cr.RoleName,
			FetchTimeout: time.Duration(cr.FetchTimeout),
		})
		if err != nil {
			return nil, err
		}
		acc.cred, acc.source = cred, source
	}
	s.accs[key] = acc
	return acc, nil
}
