package blackbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/proctest"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

// The state file across real restarts of the binary: a clean stop writes it
// and the next start serves the finished jobs at once and describes only
// the active ones; a SIGKILL in the middle of a write leaves the previous
// file whole, and the next start restores it; a truncated file is logged and
// ignored, and the exporter starts as without one.
func TestStateFileAcrossRestarts(t *testing.T) {
	const keyID, secret = "LTAIstatefile", "state-file-secret-3c9d"
	const jobs = 3000
	epoch := time.Now().UTC().Truncate(time.Second)
	sc := simulator.Generate(simulator.GenerateOptions{Jobs: jobs, Seed: 21, Epoch: epoch})
	sim := relStartSim(t, simulator.Options{Scenario: sc, Keys: map[string]simulator.Key{keyID: {Secret: secret}}, Speed: 1})
	clusterID := sc.Clusters[0].ID
	cfg := writeFile(t, "config.yml", relConfig(fmt.Sprintf(`  - cluster_id: %s
    region_id: cn-hangzhou
    endpoint: http://%s
    discovery: {enabled: true, submitted_within: 0}
`, clusterID, sim.addr), `polling: {interval: 5s, retention: 30d}
api: {requests_per_second: 100000, burst: 100}
`))
	env := relKeyEnv(keyID, secret, "")
	dir := t.TempDir()
	storage := "--storage.path=" + dir
	statePath := filepath.Join(dir, "state-shard-0-of-1.json.gz")
	pages := int64(jobs / 100)
	active := int64(0)
	for _, j := range sc.Clusters[0].Jobs {
		if last := j.Timeline[len(j.Timeline)-1]; j.Submit+last.At > 0 {
			active++
		}
	}

	// First start: no state file; every job is described once.
	first := relStart(t, cfg, env, storage)
	first.waitLog("no state file yet", 1)
	first.waitReady()
	waitFor(t, "the finished backlog to drain", time.Minute, func() bool {
		v, ok := first.metrics().get(fmt.Sprintf("ehpc_serverless_exporter_finished_backlog_jobs{cluster_id=%q}", clusterID))
		return ok && v == 0
	})
	first.stop(syscall.SIGTERM)
	if _, err := os.Stat(statePath); err != nil {
		t.Fatalf("no state file after a clean stop: %v", err)
	}

	// Second start: the finished jobs are served from the file, and only the
	// listing and the active jobs cost calls.
	before := sim.Calls().Total
	second := relStart(t, cfg, env, storage)
	second.waitLog(`msg="restored the state file"`, 1)
	second.waitReady()
	calls := sim.Calls().Total - before
	t.Logf("the restart cost %d calls to ready: %d list pages, %d active jobs", calls, pages, active)
	if bound := (pages + active) * 102 / 100; calls > bound+2 {
		t.Errorf("the restart cost %d calls to ready, want at most %d (%d list pages + %d active jobs, +2%%)", calls, bound, pages, active)
	}
	tracked := second.metrics()
	if n := countPrefix(tracked, "ehpc_serverless_job_info{"); n < jobs*9/10 {
		t.Errorf("after the restart /metrics shows %d of %d jobs", n, jobs)
	}

	// A SIGKILL while the file is being written: on SIGTERM the exporter
	// writes it once more, through a temporary file; the kill lands in
	// between.
	whole, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var tmp string
	proctest.Eventually(t, 30*time.Second, time.Millisecond, "the exporter to start writing the state file", func() (bool, string) {
		m, _ := filepath.Glob(filepath.Join(dir, ".statefile-*.tmp"))
		if len(m) > 0 {
			tmp = m[0]
			return true, ""
		}
		return false, "no temporary file yet"
	})
	if err := second.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	second.waitExit(30 * time.Second)
	after, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); err != nil {
		t.Logf("the write finished before the kill (%v); the file must still be whole", err)
	} else if string(after) != string(whole) {
		t.Fatalf("a kill in the middle of a write changed the state file")
	} else {
		t.Logf("killed during a write: %s left behind, the state file whole", filepath.Base(tmp))
	}

	third := relStart(t, cfg, env, storage)
	third.waitLog(`msg="restored the state file"`, 1)
	third.waitReady()
	third.stop(syscall.SIGTERM)
	if m, _ := filepath.Glob(filepath.Join(dir, ".statefile-*.tmp")); len(m) > 0 {
		t.Errorf("the killed write's leftover %v is still there after the next write", m)
	}

	// A truncated file is ignored: the exporter starts as without one.
	if err := os.WriteFile(statePath, after[:len(after)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	fourth := relStart(t, cfg, env, storage)
	fourth.waitLog(`msg="ignoring the state file; every job is described once"`, 1)
	fourth.waitReady()
	if strings.Contains(fourth.logs.String(), "restored the state file") {
		t.Fatal("a truncated state file was restored")
	}
}

// stop sends sig and waits for a clean exit.
func (e *relExporter) stop(sig os.Signal) {
	e.t.Helper()
	if err := e.cmd.Process.Signal(sig); err != nil {
		e.t.Fatal(err)
	}
	if code := e.waitExit(30 * time.Second); code != 0 {
		e.t.Fatalf("the exporter exited with %d on %v:\n%s", code, sig, e.logs.String())
	}
}

func countPrefix(s samples, prefix string) int {
	n := 0
	for series := range s {
		if strings.HasPrefix(series, prefix) {
			n++
		}
	}
	return n
}
