// Command ehpc_serverless_exporter exports Alibaba Cloud E-HPC serverless jobs
// as Prometheus metrics. This file only wires the pieces together: flags,
// logger, config, poller, HTTP server and signals.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/aliyun/credentials-go/credentials"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/version"
	toolkitweb "github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/config"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/accounts"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/apply"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/buildinfo"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/demo"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/logging"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/poller"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/web"
)

const exporterName = "ehpc_serverless_exporter"

// defaultPort is the exporter's listening port; see README.md.
const defaultPort = ":9947"

func main() {
	// Before anything reads the version: go run and go install builds
	// carry no -ldflags.
	buildinfo.Stamp()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type flags struct {
	configFile   string
	configCheck  bool
	demo         bool
	metricsPath  string
	maxRequests  int
	shard        int
	totalShards  int
	storagePath  string
	logLevel     string
	logFormat    string
	toolkit      *toolkitweb.FlagConfig
	simAddr      string
	simScenario  string
	shutdownWait time.Duration
}

func run(args []string, stdout, stderr io.Writer) int {
	var f flags
	app := kingpin.New(exporterName, "Prometheus exporter for Alibaba Cloud E-HPC serverless jobs.")
	app.UsageWriter(stdout)
	app.ErrorWriter(stderr)
	app.Version(version.Print(exporterName))
	app.HelpFlag.Short('h')
	app.Flag("config.file", "Configuration file.").Default("config.yml").StringVar(&f.configFile)
	app.Flag("config.check", "Validate the configuration file, print the result and exit.").BoolVar(&f.configCheck)
	app.Flag("demo", "Run an embedded E-HPC simulator with a lively scenario and export it (no cloud account needed).").BoolVar(&f.demo)
	app.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").StringVar(&f.metricsPath)
	app.Flag("web.max-requests", "Maximum number of concurrent scrapes; more get 503. 0 means no limit.").Default("40").IntVar(&f.maxRequests)
	app.Flag("shard", "Shard number of this replica (0-based), when jobs are split between replicas.").Default("0").IntVar(&f.shard)
	app.Flag("total-shards", "Number of replicas the jobs are split between.").Default("1").IntVar(&f.totalShards)
	app.Flag("storage.path", "Directory for the state file that makes restarts cheap (finished jobs, retention clocks, tombstones); empty keeps no state.").Default("").StringVar(&f.storagePath)
	app.Flag("log.level", "Only log messages with the given severity or above. One of: [debug, info, warn, error]").Default("info").EnumVar(&f.logLevel, logging.Levels...)
	app.Flag("log.format", "Output format of log messages. One of: [logfmt, json]").Default("logfmt").EnumVar(&f.logFormat, logging.Formats...)
	app.Flag("web.shutdown-timeout", "How long in-flight scrapes may take to finish on SIGTERM.").Default("5s").DurationVar(&f.shutdownWait)
	f.toolkit = kingpinflag.AddFlags(app, defaultPort)

	serveCmd := app.Command("serve", "Run the exporter (the default).").Default()
	simCmd := app.Command("simulate", "Run the local E-HPC simulator alone, for development and tests.")
	simCmd.Flag("listen-address", "Address the simulator listens on.").Default("127.0.0.1:9948").StringVar(&f.simAddr)
	simCmd.Flag("scenario", "Scenario YAML file; empty runs the demo scenario.").StringVar(&f.simScenario)

	cmd, err := app.Parse(args)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v (try --help)\n", exporterName, err)
		return 2
	}
	logger, slogger, err := logging.New(stderr, f.logLevel, f.logFormat)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch cmd {
	case simCmd.FullCommand():
		return runSimulator(ctx, f, logger)
	case serveCmd.FullCommand():
		if f.configCheck {
			return checkConfig(f.configFile, applyOptions(f), stdout, stderr)
		}
		return serve(ctx, f, logger, slogger)
	}
	return 2
}

// checkConfig refuses what start would refuse: the file, and what the
// store and the poller make of it.
func checkConfig(path string, opts apply.Options, stdout, stderr io.Writer) int {
	cfg, err := config.Load(path)
	if err == nil {
		err = apply.Check(cfg, opts)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s is not valid:\n%v\n", path, err)
		return 1
	}
	ids := 0
	for i := range cfg.Clusters {
		ids += len(cfg.Clusters[i].ExpandedJobIDs())
	}
	fmt.Fprintf(stdout, "%s is valid: %d cluster(s), %d configured job id(s), polling every %s.\n",
		path, len(cfg.Clusters), ids, time.Duration(cfg.Polling.Interval))
	return 0
}

func runSimulator(ctx context.Context, f flags, logger log.Logger) int {
	opts, err := simulatorOptions(f.simScenario)
	if err != nil {
		level.Error(logger).Log("msg", "cannot start the simulator", "err", err)
		return 1
	}
	if err := simulator.Run(ctx, f.simAddr, opts, logger); err != nil {
		level.Error(logger).Log("msg", "simulator stopped", "err", err)
		return 1
	}
	return 0
}

// simulatorOptions reads the key the simulator accepts from the same
// variables the exporter's default credential chain reads, so an exporter
// started in the same shell authenticates without further setup.
func simulatorOptions(scenarioFile string) (simulator.Options, error) {
	opts := simulator.Options{Speed: 1, Scenario: simulator.DemoScenario()}
	if scenarioFile != "" {
		sc, err := simulator.LoadScenario(scenarioFile)
		if err != nil {
			return opts, err
		}
		opts.Scenario = sc
	}
	id, secret := os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_ID"), os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
	if id == "" || secret == "" {
		// A public development key: the simulator serves made-up data.
		id, secret = simulator.DemoAccessKeyID, simulator.DemoAccessKeySecret
	}
	opts.Keys = map[string]simulator.Key{id: {Secret: secret, SecurityToken: os.Getenv("ALIBABA_CLOUD_SECURITY_TOKEN")}}
	return opts, nil
}

func serve(ctx context.Context, f flags, logger log.Logger, slogger *slog.Logger) int {
	level.Info(logger).Log("msg", "starting "+exporterName, "version", version.Info(), "build_context", version.BuildContext())
	tuneGC(os.Getenv)

	reg := prometheus.NewRegistry()
	reg.MustRegister(
		versioncollector.NewCollector(exporterName),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	safe := config.NewSafeConfig(reg)

	var staticCred credentials.Credential
	if f.demo {
		d, err := demo.Start(ctx, logger)
		if err != nil {
			level.Error(logger).Log("msg", "cannot start the demo simulator", "err", err)
			return 1
		}
		defer d.Stop()
		staticCred = d.Credential
		f.configFile = d.ConfigFile
		level.Info(logger).Log("msg", "demo mode: exporting the embedded simulator", "simulator", d.Endpoint)
	}

	opts := applyOptions(f)
	if f.storagePath != "" {
		if err := os.MkdirAll(f.storagePath, 0o750); err != nil {
			level.Warn(logger).Log("msg", "cannot use --storage.path; running without a state file, so a restart describes every job again", "err", err)
			opts.StatePath = ""
		}
	}
	opts.Accounts = accounts.New(accounts.Options{
		Observer:   poller.NewAPIMetrics(reg),
		Credential: staticCred,
		// "(devel)" is no product token: parentheses open a comment.
		UserAgent: exporterName + "/" + strings.Trim(version.Version, "()"),
	})
	opts.Logger, opts.Registerer = logger, reg
	app, ok := start(safe, f.configFile, opts, logger)
	if !ok {
		return 1
	}
	store, poll := app.Store(), app.Poller()
	reload := reloader(safe, app, f.configFile, logger)

	handler, err := web.NewHandler(web.Options{
		MetricsPath: f.metricsPath,
		Version:     version.Info(),
		Metrics:     web.LimitConcurrency(collector.Handler(store, reg, logger), f.maxRequests),
		Jobs:        store.All,
		Ready:       poll.Ready,
		Reload:      reload,
	})
	if err != nil {
		level.Error(logger).Log("msg", "cannot build the web handler", "err", err)
		return 1
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
	}

	defer onSIGHUP(ctx, reload)()
	return runUntilStopped(ctx, f, srv, poll, logger, slogger)
}

// onSIGHUP calls reload on every SIGHUP until ctx ends or the returned stop
// is called.
func onSIGHUP(ctx context.Context, reload func() error) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for {
			select {
			case <-hup:
				_ = reload()
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() { signal.Stop(hup) }
}

// runUntilStopped polls and serves until ctx ends (SIGTERM) or the server
// fails, then lets in-flight scrapes finish within --web.shutdown-timeout.
func runUntilStopped(ctx context.Context, f flags, srv *http.Server, poll *poller.Poller, logger log.Logger, slogger *slog.Logger) int {
	pollCtx, cancelPoll := context.WithCancel(context.Background())
	defer cancelPoll()
	pollDone := make(chan struct{})
	go func() { defer close(pollDone); poll.Run(pollCtx) }()

	srvErr := make(chan error, 1)
	go func() { srvErr <- toolkitweb.ListenAndServe(srv, f.toolkit, slogger) }()

	select {
	case err := <-srvErr:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			level.Error(logger).Log("msg", "HTTP server failed", "err", err)
			cancelPoll()
			<-pollDone
			return 1
		}
	case <-ctx.Done():
		level.Info(logger).Log("msg", "shutting down: finishing in-flight scrapes", "timeout", f.shutdownWait)
		shutdownCtx, cancel := context.WithTimeout(context.Background(), f.shutdownWait)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil {
			level.Warn(logger).Log("msg", "in-flight requests did not finish in time", "err", err)
		}
	}
	cancelPoll()
	<-pollDone
	level.Info(logger).Log("msg", "stopped")
	return 0
}

// start puts the first config to work through SafeConfig, as a reload
// would, so the reload gauges count it.
func start(safe *config.SafeConfig, path string, opts apply.Options, logger log.Logger) (*apply.Applier, bool) {
	var app *apply.Applier
	loaded := false
	err := safe.ReloadConfigWith(path, func(cfg *config.Config) (err error) {
		loaded = true
		app, err = apply.Start(cfg, opts)
		return err
	})
	if err != nil {
		msg := "cannot load the configuration"
		switch {
		case loaded:
			msg = "cannot apply the configuration"
		case errors.Is(err, os.ErrNotExist):
			msg += " (name it with --config.file, start from config.example.yml, or try --demo without a cloud account)"
		}
		level.Error(logger).Log("msg", msg, "file", path, "err", err)
		return nil, false
	}
	return app, true
}

// applyOptions are the flags that shape how a config is applied, so that
// --config.check judges a config as serve would.
func applyOptions(f flags) apply.Options {
	return apply.Options{Shard: f.shard, TotalShards: f.totalShards, StatePath: statePath(f)}
}

// statePath is the state file in --storage.path. Its name carries the shard,
// so replicas that share a directory keep apart, and a replica whose shard
// or shard count changed starts afresh instead of reading jobs it no longer
// owns.
func statePath(f flags) string {
	if f.storagePath == "" {
		return ""
	}
	return filepath.Join(f.storagePath, fmt.Sprintf("state-shard-%d-of-%d.json.gz", f.shard, max(f.totalShards, 1)))
}

// reloader is the one reload SIGHUP and POST /-/reload share. They run one
// at a time, so their log lines come in the order the reloads happened.
func reloader(safe *config.SafeConfig, app *apply.Applier, path string, logger log.Logger) func() error {
	var mu sync.Mutex
	return func() error {
		mu.Lock()
		defer mu.Unlock()
		if err := safe.ReloadConfigWith(path, app.Apply); err != nil {
			level.Error(logger).Log("msg", "configuration reload failed; the previous configuration stays in use", "file", path, "err", err)
			return err
		}
		level.Info(logger).Log("msg", "configuration reloaded", "file", path)
		return nil
	}
}
