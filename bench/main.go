// Command bench is the exporter's load harness. It serves a generated E-HPC
// world from the simulator on loopback, builds and runs the real exporter
// binary against it with discovery on, and measures what the scale targets
// are about: API calls per steady-state poll cycle against the lower bound
// (list pages + active jobs) and the naive count (one describe per job),
// time to the first complete poll, /metrics latency and size, the
// exporter's peak RSS, and how soon a state change shows on /metrics.
//
//	go run ./bench                       # 10,000 jobs, 5% active
//	go run ./bench -jobs 1000 -check     # smoke size; exit 1 if a target is missed
//
// It stops by itself: every wait is bounded and the whole run by -timeout.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// options are the harness's flags.
type options struct {
	jobs        int
	active      float64
	clusters    int
	seed        uint64
	interval    time.Duration
	cycles      int
	scrapes     int
	concurrency int
	check       bool
	timeout     time.Duration
	exporterBin string
	verbose     bool
}

// maxWarmupCycles bounds the cycles waited for the steady state: the first
// describes every job, the second the finished ones once more.
const maxWarmupCycles = 6

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
	fs.IntVar(&o.cycles, "cycles", 3, "steady-state poll cycles to count")
	fs.IntVar(&o.scrapes, "scrapes", 50, "scrapes of /metrics to time, with gzip and again without")
	fs.IntVar(&o.concurrency, "concurrency", 8, "the exporter's API calls in flight")
	fs.BoolVar(&o.check, "check", false, "exit 1 when a target is missed")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "bound on the whole run, build included")
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
	if o.cycles < 1 || o.cycles > 100 {
		errs = append(errs, fmt.Errorf("-cycles must be in 1..100, got %d", o.cycles))
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
