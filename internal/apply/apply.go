// Package apply puts a validated configuration to work, in one place, for the
// first config and every reload alike. Its entry point is Start, which builds
// the store and the poller from the first config; Applier.Apply puts a
// reloaded config in place of the running one, and Check is what
// --config.check runs.
//
// Each first prepares: it builds everything the config asks for (the
// accounts' API clients, the poller's cluster specs, the store's compiled
// metric options) and runs the store's and the poller's own checks on them,
// changing nothing. Only then does it switch, and nothing that can fail is
// left by then, so a config is in use entirely or not at all.
package apply

import (
	"fmt"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/analytics"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/config"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/accounts"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/poller"
)

// Options are fixed for the life of the process.
type Options struct {
	// Accounts keeps credentials and rate limiters across reloads; nil is a
	// fresh set, which is all Check needs.
	Accounts *accounts.Set
	// Shard and TotalShards come from flags; they are here because the
	// poller checks them together with the config's polling settings.
	Shard, TotalShards int
	// StatePath is the poller's state file (--storage.path); "" keeps none.
	StatePath string
	Logger    log.Logger
	// Registerer takes the poller's metrics; Check registers nothing.
	Registerer prometheus.Registerer
}

// Applier owns the running store and poller and puts every reloaded config
// to work. It is safe for concurrent use; configs are applied one at a time.
type Applier struct {
	opts      Options
	mu        sync.Mutex // held from prepare to switch, so plans never interleave
	store     *collector.Store
	poller    *poller.Poller
	analytics *analytics.Recorder
}

// plan is one config, built and checked, not yet in use.
type plan struct {
	accounts   *accounts.Change
	metrics    *collector.PreparedOptions
	polling    poller.Options
	classifier *analytics.Classifier
	labels     []analytics.Label
}

// Check refuses exactly what Start would refuse for cfg, without starting
// anything. Like Start, it builds API clients and credentials but makes no
// network call.
func Check(cfg *config.Config, o Options) error {
	_, err := prepare(cfg, withDefaults(o))
	return err
}

// Start builds the store and the poller for the first config. The poller
// has not polled yet; run it with Poller().Run.
func Start(cfg *config.Config, o Options) (*Applier, error) {
	o = withDefaults(o)
	p, err := prepare(cfg, o)
	if err != nil {
		return nil, err
	}
	store, err := collector.NewStore(collector.StoreOptions{})
	if err != nil {
		return nil, err
	}
	store.UseOptions(p.metrics)
	rec, err := analytics.NewRecorder(p.classifier, p.labels, nil)
	if err != nil {
		return nil, err
	}
	if o.Registerer != nil {
		if err := o.Registerer.Register(rec); err != nil {
			return nil, fmt.Errorf("analytics: %w", err)
		}
	}
	p.polling.Analytics = rec
	pl, err := poller.New(store, p.polling, p.accounts.Specs())
	if err != nil {
		return nil, err
	}
	p.accounts.Commit()
	return &Applier{opts: o, store: store, poller: pl, analytics: rec}, nil
}

// Store is the snapshot store the poller fills and /metrics serves.
func (a *Applier) Store() *collector.Store { return a.store }

// Poller is the running config's poller.
func (a *Applier) Poller() *poller.Poller { return a.poller }

// Apply puts cfg in place of the running config: new clusters and job ids,
// metrics options, rate limits and credentials, all or none. It is what
// SafeConfig.ReloadConfigWith calls. The polling settings (interval,
// retention, settle time, concurrency) switch with the rest.
func (a *Applier) Apply(cfg *config.Config) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, err := prepare(cfg, a.opts)
	if err != nil {
		return err
	}
	// Update repeats checks prepare has passed; it goes first so that,
	// should it refuse anyway, nothing has changed.
	if err := a.poller.Reconfigure(p.polling, p.accounts.Specs()); err != nil {
		return err
	}
	a.store.UseOptions(p.metrics)
	p.accounts.Commit()
	// Its checks are the ones prepare ran: it cannot fail here.
	_ = a.analytics.Configure(p.classifier, p.labels)
	return nil
}

func withDefaults(o Options) Options {
	if o.Accounts == nil {
		o.Accounts = accounts.New(accounts.Options{})
	}
	if o.Logger == nil {
		o.Logger = log.NewNopLogger()
	}
	return o
}

// prepare builds and checks everything cfg asks for and changes nothing.
func prepare(cfg *config.Config, o Options) (*plan, error) {
	ch, err := o.Accounts.Prepare(cfg)
	if err != nil {
		return nil, err
	}
	cls, err := cfg.Analytics.Classifier()
	if err != nil {
		return nil, fmt.Errorf("analytics: %w", err)
	}
	metrics, err := collector.PrepareOptions(collector.StoreOptions{
		TagLabels:     cfg.Metrics.TagLabels,
		Allow:         cfg.Metrics.Allow,
		Deny:          cfg.Metrics.Deny,
		Classifier:    failureClass(cls),
		AggregateOnly: !cfg.Metrics.PerJob,
		MaxSeries:     cfg.Metrics.MaxSeries,
	})
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	labels := cfg.Analytics.AggregationLabels()
	if err := analytics.CheckLabels(labels); err != nil {
		return nil, fmt.Errorf("analytics: %w", err)
	}
	p := &plan{
		accounts:   ch,
		metrics:    metrics,
		classifier: cls,
		labels:     labels,
		polling: poller.Options{
			Interval:    time.Duration(cfg.Polling.Interval),
			Retention:   time.Duration(cfg.Polling.Retention),
			Settle:      time.Duration(cfg.Polling.SettleTime),
			Concurrency: cfg.Polling.Concurrency,
			// Twice what the client can take, so the bound only ends calls
			// that would otherwise never end.
			CallTimeout: 2 * client.CallBound(time.Duration(cfg.API.Timeout), cfg.API.MaxRetries),
			StatePath:   o.StatePath,
			Shard:       o.Shard,
			TotalShards: o.TotalShards,
			Logger:      o.Logger,
			Registerer:  o.Registerer,
		},
	}
	if err := checkPoller(p); err != nil {
		return nil, err
	}
	return p, nil
}

// failureClass is what the store's ehpc_serverless_job_failure_class shows:
// the class analytics counts a failed job under.
func failureClass(cls *analytics.Classifier) func(*client.JobInfo) string {
	return func(j *client.JobInfo) string { return string(cls.Failure(j)) }
}

// checkPoller runs the poller's own checks of the plan's options and specs:
// the real poller must not hear of the config before every other part is
// built.
func checkPoller(p *plan) error {
	return poller.Check(p.polling, p.accounts.Specs())
}
