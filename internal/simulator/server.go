package simulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
)

// Run serves a simulator built from opts on addr (e.g. "127.0.0.1:9947")
// until ctx is cancelled, then shuts down gracefully. It is what the
// exporter's `simulate` sub-command calls; opts.Logger, when nil, becomes
// logger, and each request is logged at debug level.
func Run(ctx context.Context, addr string, opts Options, logger log.Logger) error {
	if logger == nil {
		logger = log.NewNopLogger()
	}
	if opts.Logger == nil {
		opts.Logger = logger
	}
	s, err := New(opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("simulator: listen on %s: %w", addr, err)
	}
	level.Info(logger).Log("msg", "E-HPC simulator listening", "address", ln.Addr().String(), "epoch", s.Epoch().Format(time.RFC3339))
	return s.Serve(ctx, ln)
}

// ListenAndServe serves on addr until ctx is cancelled.
func (s *Simulator) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("simulator: listen on %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is cancelled. It closes ln.
func (s *Simulator) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		// Slow answers in progress end when the server stops.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		shutdownCtx, stop := context.WithTimeout(context.Background(), 5*time.Second)
		defer stop()
		_ = srv.Shutdown(shutdownCtx)
	}()
	err := srv.Serve(ln)
	cancel()
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
