package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/proctest"
)

// buildExporter compiles the exporter of the module that holds the current
// directory into dir, as a user would build it.
func buildExporter(ctx context.Context, dir string) (string, error) {
	root, err := proctest.ModuleRoot(ctx)
	if err != nil {
		return "", fmt.Errorf("run the harness inside the exporter's module (go run ./bench): %w", err)
	}
	return proctest.BuildExporter(ctx, root, dir)
}

// exporterConfig points every generated cluster at the simulator with
// discovery on and no submit-time window, so every generated job is tracked,
// under the budget of the flags. Retention outlasts the oldest finished job.
func exporterConfig(w *world, o options) string {
	var b strings.Builder
	b.WriteString("clusters:\n")
	for _, c := range w.clusters {
		fmt.Fprintf(&b, `  - cluster_id: %s
    region_id: cn-hangzhou
    endpoint: %s
    discovery:
      enabled: true
      submitted_within: 0
`, c.ID, w.endpoint)
	}
	fmt.Fprintf(&b, `polling:
  interval: %s
  concurrency: %d
  retention: 30d
api:
  timeout: 10s
  max_retries: 3
  requests_per_second: %g
  burst: %d
credentials:
  type: environment
`, o.interval, o.concurrency, o.rps, o.burst)
	return b.String()
}

// exporter is the running exporter process.
type exporter struct {
	proc *proctest.Process
	base string
}

// startExporter runs bin with the config on a free loopback port, keeping
// the last 64 KiB of its log;
// storage is the directory of its state file.
func startExporter(bin, configPath, storage string) (*exporter, error) {
	addr, err := proctest.FreeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--config.file="+configPath, "--web.listen-address="+addr, "--storage.path="+storage)
	cmd.Env = append(os.Environ(),
		"ALIBABA_CLOUD_ACCESS_KEY_ID="+benchKeyID,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET="+benchSecret,
		"ALIBABA_CLOUD_ECS_METADATA_DISABLED=true",
	)
	p, err := proctest.Start(cmd, 64<<10)
	if err != nil {
		return nil, fmt.Errorf("start the exporter: %w", err)
	}
	return &exporter{proc: p, base: "http://" + addr}, nil
}

// waitReady polls /-/ready until it answers 200, the process exits or ctx
// ends.
func (e *exporter) waitReady(ctx context.Context) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.base+"/-/ready", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the exporter was not ready: %w", ctx.Err())
		case <-e.proc.Done():
			return fmt.Errorf("the exporter exited before it was ready: %v", e.proc.Err())
		case <-tick.C:
		}
	}
}

// memory is the process's resident memory now (VmRSS) and its high-water
// mark (VmHWM), in bytes; Linux only.
func (e *exporter) memory() (rss, peak int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", e.proc.Pid()))
	if err != nil {
		return 0, 0, fmt.Errorf("peak RSS: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		key, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, 0, fmt.Errorf("peak RSS: unexpected %s line %q", key, sc.Text())
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("peak RSS: unexpected %s line %q", key, sc.Text())
		}
		if key == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	if peak == 0 {
		return 0, 0, errors.New("peak RSS: no VmHWM line in /proc/<pid>/status")
	}
	return rss, peak, nil
}

// stop asks the exporter to shut down (it writes its state file on the
// way) and kills it if it does not.
func (e *exporter) stop() error {
	return e.proc.Stop(30 * time.Second)
}
