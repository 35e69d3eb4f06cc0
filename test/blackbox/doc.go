// Package blackbox holds the tests that see the exporter only from outside:
// the built binary against simulators in the test process (reload, secrets,
// HTTP hardening, the status page, also as headless Chromium renders it), and
// the poller, the client and the store wired through their exported API
// against the simulator over loopback HTTP (the fault matrix, the scale rig,
// the soak). It has no code but its tests and needs nothing beyond Go, except
// chromium on PATH for the browser test, which is skipped without it.
// `go test -race ./...` runs it (alone: `go test -race ./test/blackbox/`);
// -short skips what builds the binary or polls thousands of jobs, and
// EHPC_SOAK_CYCLES=20000 lengthens the soak.
package blackbox
