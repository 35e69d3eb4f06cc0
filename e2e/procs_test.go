//go:build e2e

package e2e

import (
	"bytes"
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

// start runs bin with args in dir, and stops it when the test ends.
func start(t *testing.T, dir, name string, env []string, bin string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	return &proc{name: name, Process: proctest.StartFor(t, name, cmd, procKeep)}
}

// eventually polls cond until it holds or the timeout passes; cond returns
// whether it holds and a description of what it saw, for the failure message.
// Any of the watched processes exiting ends the wait at once. Every half
// second is often enough: what the suite waits for changes with Prometheus'
// 2s scrape and evaluation interval.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string), watch ...*proc) {
	t.Helper()
	proctest.Eventually(t, timeout, 500*time.Millisecond, what, func() (bool, string) {
		ok, seen := cond()
		if ok {
			return true, ""
		}
		for _, p := range watch {
			if p.Exited() {
				t.Fatalf("%s: %s exited (%v) while waiting; last seen: %s", what, p.name, p.Err(), seen)
			}
		}
		return false, seen
	})
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
