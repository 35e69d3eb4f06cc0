package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// buildExporter compiles the exporter of the module that holds the current
// directory into dir, as a user would build it.
func buildExporter(ctx context.Context, dir string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run the harness inside the exporter's module (go run ./bench)")
	}
	bin := filepath.Join(dir, "ehpc_serverless_exporter")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
}

// exporterConfig points every generated cluster at the simulator with
// discovery on and no submit-time window, so every generated job is tracked.
// The rate limit is far above what the cycle needs: the harness measures the
// exporter, not the limiter. Retention outlasts the oldest finished job.
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
  requests_per_second: 100000
  burst: 1000
credentials:
  type: environment
`, o.interval, o.concurrency)
	return b.String()
}

// exporter is the running exporter process.
type exporter struct {
	cmd     *exec.Cmd
	base    string
	logs    *tailBuffer
	exited  chan struct{}
	waitErr error
}

// startExporter runs bin with the config on a free loopback port.
func startExporter(bin, configPath string) (*exporter, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--config.file="+configPath, "--web.listen-address="+addr)
	cmd.Env = append(os.Environ(),
		"ALIBABA_CLOUD_ACCESS_KEY_ID="+benchKeyID,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET="+benchSecret,
		"ALIBABA_CLOUD_ECS_METADATA_DISABLED=true",
	)
	e := &exporter{cmd: cmd, base: "http://" + addr, logs: &tailBuffer{max: 64 << 10}, exited: make(chan struct{})}
	cmd.Stdout = e.logs
	cmd.Stderr = e.logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the exporter: %w", err)
	}
	go func() {
		e.waitErr = cmd.Wait()
		close(e.exited)
	}()
	return e, nil
}

func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
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
		case <-e.exited:
			return fmt.Errorf("the exporter exited before it was ready: %v", e.waitErr)
		case <-tick.C:
		}
	}
}

// memory is the process's resident memory now (VmRSS) and its high-water
// mark (VmHWM), in bytes; Linux only.
func (e *exporter) memory() (rss, peak int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", e.cmd.Process.Pid))
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

// stop asks the exporter to shut down and kills it if it does not.
func (e *exporter) stop() {
	select {
	case <-e.exited:
		return
	default:
	}
	_ = e.cmd.Process.Signal(os.Interrupt)
	select {
	case <-e.exited:
	case <-time.After(10 * time.Second):
		_ = e.cmd.Process.Kill()
		<-e.exited
	}
}

// tailBuffer keeps the last max bytes written to it, for the exporter's log.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
