package proctest

import (
	"net/http"
	"os/exec"
	"time"
)

// T is what the helpers of this file need of a *testing.T or *testing.B.
// They take it rather than testing.TB so that the load harness, which uses
// the rest of this package, does not link the testing package.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
	Failed() bool
}

// stopGrace is how long a test's child may take to exit after SIGTERM
// before it is killed; only a hung child comes near it.
const stopGrace = 15 * time.Second

// failureLines is how much of a child's output a failed test logs: the end,
// where the reason usually is, without burying the test's own messages.
const failureLines = 40

// AddrFor is FreeAddr for a test, which fails if there is none.
func AddrFor(t T) string {
	t.Helper()
	addr, err := FreeAddr()
	if err != nil {
		t.Fatalf("no free loopback address: %v", err)
	}
	return addr
}

// ServeFor serves h on a loopback port until the test ends, and returns the
// address.
func ServeFor(t T, h http.Handler) string {
	t.Helper()
	addr, stop, err := Serve(h)
	if err != nil {
		t.Fatalf("serve on loopback: %v", err)
	}
	t.Cleanup(stop)
	return addr
}

// StartFor starts cmd as Start does, keeping the last keep bytes of its
// output. When the test ends the child is stopped (SIGTERM, then SIGKILL)
// and, if the test failed, the end of its output is logged under name.
func StartFor(t T, name string, cmd *exec.Cmd, keep int) *Process {
	t.Helper()
	p, err := Start(cmd, keep)
	if err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = p.Stop(stopGrace)
		if t.Failed() {
			t.Logf("--- last lines of the %s log:\n%s", name, p.Output().LastLines(failureLines))
		}
	})
	return p
}

// Eventually calls cond every interval until it holds, and fails the test
// if it does not within timeout. cond says what it saw, for the failure
// message; it may fail the test itself to end the wait early, for example
// when the child it waits for has exited.
func Eventually(t T, timeout, every time.Duration, what string, cond func() (ok bool, seen string)) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		ok, seen := cond()
		if ok {
			return
		}
		select {
		case <-deadline.C:
			if seen == "" {
				t.Fatalf("%s: not within %s", what, timeout)
			} else {
				t.Fatalf("%s: not within %s; last seen: %s", what, timeout, seen)
			}
			return
		case <-tick.C:
		}
	}
}
