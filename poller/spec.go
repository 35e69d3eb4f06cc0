package poller

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/analytics"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

// API is what the poller needs from the E-HPC API. *client.Client satisfies
// it; tests use fakes. Answers must not be modified after they are returned:
// the poller keeps them in snapshots.
type API interface {
	DescribeServerlessJobs(ctx context.Context, req client.DescribeServerlessJobsRequest) (*client.DescribeServerlessJobsResponse, error)
	ListServerlessJobs(ctx context.Context, req client.ListServerlessJobsRequest) (*client.ListServerlessJobsResponse, error)
}

// Store is the write side of the snapshot store: the poller's only way into
// the collector. *collector.Store satisfies it.
type Store interface {
	Set(snap *collector.JobSnapshot)
	Delete(key collector.JobKey)
}

// ClusterSpec is one cluster to poll.
type ClusterSpec struct {
	ClusterID string
	RegionID  string
	API       API
	// Account identifies the credentials. The service limits calls per
	// account, so the clusters of one account share one budget: Limiter and
	// Options.Concurrency calls in flight.
	Account string
	// Limiter is the account's rate limit, the same one its API clients wait
	// on for every retry; nil means unlimited. The poller takes the token of
	// each call's first attempt itself, at the moment it decides what the
	// call is spent on, and tells the client so (client.Admitted).
	Limiter     *rate.Limiter
	JobIDs      []string // static ids, ranges already expanded
	ExpandArray bool
	Discovery   *DiscoverySpec // nil: no discovery
}

// DiscoverySpec selects the jobs ListServerlessJobs finds. Empty lists match
// everything.
type DiscoverySpec struct {
	States, Queues, Users []string
	// NamePattern is matched with MatchString; anchor it when compiling.
	NamePattern     *regexp.Regexp
	SubmittedWithin time.Duration // 0: no limit
}

// Options tune the poller.
type Options struct {
	// Interval is the data age wanted for active jobs: each is described
	// again one interval after its last describe, and a listing walk starts
	// every interval. It is a goal, not a deadline: when the budget cannot
	// meet it, every job still takes its turn and the poller says so.
	Interval time.Duration
	// Retention is how long a finished job stays after it ended.
	Retention time.Duration
	// Settle: a job whose first answer is already finished, and which ended
	// longer than Settle ago, is frozen after that one describe; one that
	// ended more recently is described once more, because the containers'
	// final states can lag the job's.
	Settle time.Duration
	// Concurrency is the number of API calls in flight per account.
	Concurrency int
	// CallTimeout bounds one call, its retries included, so that an answer
	// that never comes cannot hold a worker; 0 means DefaultCallTimeout.
	CallTimeout time.Duration
	// Shard and TotalShards split jobs between exporter instances; TotalShards
	// 1 means no sharding.
	Shard, TotalShards int
	// StatePath is the state file that keeps finished jobs, retention clocks
	// and tombstones across restarts; "" keeps nothing.
	StatePath string
	// Analytics, when set, is told every successful describe, and its state
	// is kept in the state file.
	Analytics *analytics.Recorder
	Now       func() time.Time
	Logger    log.Logger
	// Registerer takes the poller's own metrics; nil keeps them unregistered.
	Registerer prometheus.Registerer
}

// DefaultCallTimeout is Options.CallTimeout's default: far above what a
// call with the client's default timeout and retries can take.
const DefaultCallTimeout = 2 * time.Minute

func (o *Options) check() error {
	var errs []error
	if o.Interval <= 0 {
		errs = append(errs, fmt.Errorf("poll interval must be positive, got %s", o.Interval))
	}
	if o.Retention < 0 {
		errs = append(errs, fmt.Errorf("retention must not be negative, got %s", o.Retention))
	}
	if o.Settle < 0 {
		errs = append(errs, fmt.Errorf("settle time must not be negative, got %s", o.Settle))
	}
	if o.CallTimeout < 0 {
		errs = append(errs, fmt.Errorf("call timeout must not be negative, got %s", o.CallTimeout))
	}
	if o.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("concurrency must be at least 1, got %d", o.Concurrency))
	}
	return errors.Join(errs...)
}

func validateSpecs(specs []ClusterSpec) error {
	var errs []error
	seen := make(map[string]bool, len(specs))
	limiters := map[string]*rate.Limiter{}
	for i, s := range specs {
		switch {
		case s.ClusterID == "":
			errs = append(errs, fmt.Errorf("cluster %d: cluster id is empty", i+1))
			continue
		case seen[s.ClusterID]:
			errs = append(errs, fmt.Errorf("cluster %q: listed twice", s.ClusterID))
		}
		seen[s.ClusterID] = true
		if s.API == nil {
			errs = append(errs, fmt.Errorf("cluster %q: no API client", s.ClusterID))
		}
		if l, ok := limiters[s.Account]; ok && l != s.Limiter {
			errs = append(errs, fmt.Errorf("cluster %q: its account has another rate limiter than the account's other clusters", s.ClusterID))
		}
		limiters[s.Account] = s.Limiter
		for _, id := range s.JobIDs {
			if id == "" || strings.TrimSpace(id) != id {
				errs = append(errs, fmt.Errorf("cluster %q: job id %q is empty or has surrounding white space", s.ClusterID, id))
			}
		}
	}
	return errors.Join(errs...)
}
