//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/proctest"
)

// proc is a process the suite started; the last lines of its output are
// printed when the test fails.
type proc struct {
	name string
	*proctest.Process
}

// procKeep bounds each process's kept output; a failure prints its end.
const procKeep = 1 << 20

// start runs bin with args and stops it (SIGTERM, then SIGKILL) when the test ends.
func start(t *testing.T, dir, name string, env []string, bin string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	p, err := proctest.Start(cmd, procKeep)
	if err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = p.Stop(15 * time.Second)
		if t.Failed() {
			t.Logf("--- last lines of the %s log:\n%s", name, p.Output().LastLines(40))
		}
	})
	return &proc{name: name, Process: p}
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := proctest.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// eventually polls cond until it holds or the timeout passes; cond returns
// whether it holds and a description of what it saw, for the failure message.
// Any of the watched processes exiting ends the wait at once.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string), watch ...*proc) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	last := ""
	for {
		ok, seen := cond()
		if ok {
			return
		}
		last = seen
		for _, p := range watch {
			if p.Exited() {
				t.Fatalf("%s: %s exited (%v) while waiting; last seen: %s", what, p.name, p.Err(), last)
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not within %s; last seen: %s", what, timeout, last)
		case <-tick.C:
		}
	}
}

// httpOK waits until GET url answers 200.
func httpOK(t *testing.T, url string, timeout time.Duration, watch ...*proc) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	eventually(t, timeout, "GET "+url, func() (bool, string) {
		resp, err := client.Get(url)
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	}, watch...)
}

// run runs a command to completion and returns its combined output.
func run(dir, bin string, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("%s %s: %w", filepath.Base(bin), strings.Join(args, " "), err)
	}
	return out.String(), nil
}
