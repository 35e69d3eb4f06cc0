// Command bench is the exporter's load harness. It serves a generated E-HPC
// world from the simulator on loopback, builds and runs the real exporter
// binary against it with discovery on and a real API budget (-rps, the
// exporter's default unless told), and measures what the budget makes hard:
// the data age of active jobs against the physical limit the budget allows,
// jobs never described, the calls a start and a restart on the state file
// cost against their lower bounds, how soon a state change shows on
// /metrics under a describe backlog, how long the finished backlog takes;
// and, as before, /metrics latency and size and the exporter's peak RSS.
//
//	go run ./bench                                   # 10,000 jobs, 5% active, 5 requests/s
//	go run ./bench -jobs 1000 -rps 50 -interval 5s -check   # the smoke run of CI
//
// It stops by itself: every wait is bounded and the whole run by -timeout.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/config"
)

// options are the harness's flags.
type options struct {
	jobs        int
	active      float64
	clusters    int
	seed        uint64
	interval    time.Duration
	rps         float64
	burst       int
	concurrency int
	window      time.Duration
	drain       time.Duration
	restart     bool
	scrapes     int
	check       bool
	timeout     time.Duration
	exporterBin string
	verbose     bool
}

// Exit codes: targets missed (with -check), and the harness could not run.
const (
	exitMissed = 1
	exitError  = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "bench:", err)
		return exitError
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()

	rep, err := measure(ctx, o, stdout)
	if rep != nil {
		rep.print(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return exitError
	}
	if missed := rep.missed(); len(missed) > 0 && o.check {
		fmt.Fprintf(stderr, "bench: %d target(s) missed\n", len(missed))
		return exitMissed
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.jobs, "jobs", 10000, "jobs in the simulated world, over all clusters")
	fs.Float64Var(&o.active, "active", 0.05, "share of jobs that are Pending or Running, in (0, 1]")
	fs.IntVar(&o.clusters, "clusters", 1, "clusters the jobs are spread over")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the generated world")
	fs.DurationVar(&o.interval, "interval", 10*time.Second, "the exporter's polling interval")
	fs.Float64Var(&o.rps, "rps", config.DefaultRequestsPerSecond, "the account's API budget, requests per second (the exporter's default)")
	fs.IntVar(&o.burst, "burst", config.DefaultBurst, "the budget's burst")
	fs.IntVar(&o.concurrency, "concurrency", config.DefaultConcurrency, "the exporter's API calls in flight")
	fs.DurationVar(&o.window, "window", 0, "how long to measure the active jobs' data age (0: three times the freshness limit, at least three intervals)")
	fs.DurationVar(&o.drain, "drain", 3*time.Minute, "how long to wait, after the window, for every finished job to be described; beyond it the harness says how long the rest would take")
	fs.BoolVar(&o.restart, "restart", true, "restart the exporter on its state file and count what the restart costs")
	fs.IntVar(&o.scrapes, "scrapes", 50, "scrapes of /metrics to time, with gzip and again without")
	fs.BoolVar(&o.check, "check", false, "exit 1 when a target is missed")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Minute, "bound on the whole run, build included")
	fs.StringVar(&o.exporterBin, "exporter", "", "exporter binary to run (default: go build the module's)")
	fs.BoolVar(&o.verbose, "v", false, "print the exporter's log at the end")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var errs []error
	if o.jobs < 1 || o.jobs > 1_000_000 {
		errs = append(errs, fmt.Errorf("-jobs must be in 1..1000000, got %d", o.jobs))
	}
	if !(o.active > 0 && o.active <= 1) {
		errs = append(errs, fmt.Errorf("-active must be in (0, 1], got %v", o.active))
	}
	if o.clusters < 1 || o.clusters > o.jobs {
		errs = append(errs, fmt.Errorf("-clusters must be in 1..jobs, got %d", o.clusters))
	}
	if o.interval < time.Second {
		errs = append(errs, fmt.Errorf("-interval must be at least 1s (the exporter's minimum), got %s", o.interval))
	}
	if !(o.rps > 0) || math.IsInf(o.rps, 1) {
		errs = append(errs, fmt.Errorf("-rps must be a positive number, got %v", o.rps))
	}
	if o.burst < 1 {
		errs = append(errs, fmt.Errorf("-burst must be at least 1, got %d", o.burst))
	}
	if o.window < 0 || o.drain < 0 {
		errs = append(errs, fmt.Errorf("-window and -drain must not be negative, got %s and %s", o.window, o.drain))
	}
	if o.scrapes < 1 || o.scrapes > 10000 {
		errs = append(errs, fmt.Errorf("-scrapes must be in 1..10000, got %d", o.scrapes))
	}
	if o.concurrency < 1 {
		errs = append(errs, fmt.Errorf("-concurrency must be at least 1, got %d", o.concurrency))
	}
	if o.timeout <= 0 {
		errs = append(errs, fmt.Errorf("-timeout must be positive, got %s", o.timeout))
	}
	return o, errors.Join(errs...)
}
