package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/proctest"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

// Helpers of the reliability tests, which run the built exporter against
// simulators in this process. Their names start with rel.

// relSim is a simulator served on a loopback port.
type relSim struct {
	*simulator.Simulator
	addr string
}

func relStartSim(t *testing.T, o simulator.Options) *relSim {
	t.Helper()
	sim, err := simulator.New(o)
	if err != nil {
		t.Fatalf("simulator: %v", err)
	}
	return &relSim{Simulator: sim, addr: relServe(t, sim)}
}

// relServe serves h on a loopback port until the test ends.
func relServe(t *testing.T, h http.Handler) string {
	t.Helper()
	addr, stop, err := proctest.Serve(h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return addr
}

// relRunning is a scenario cluster whose jobs run for good, so every answer
// about them is the same.
func relRunning(clusterID string, jobs ...simulator.Job) simulator.Cluster {
	for i := range jobs {
		if jobs[i].Timeline == nil {
			jobs[i].Timeline = []simulator.Phase{{At: 0, State: simulator.StateRunning}}
		}
		if jobs[i].Submit == 0 {
			jobs[i].Submit = -time.Hour
		}
	}
	return simulator.Cluster{ID: clusterID, RegionID: "cn-hangzhou", Jobs: jobs}
}

// relCluster is one cluster block of a config file.
func relCluster(clusterID, simAddr string, jobIDs ...string) string {
	return fmt.Sprintf(`  - cluster_id: %s
    region_id: cn-hangzhou
    endpoint: http://%s
    job_ids: [%s]
`, clusterID, simAddr, relQuoted(jobIDs))
}

func relQuoted(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = strconv.Quote(id)
	}
	return strings.Join(q, ", ")
}

// relConfig is a whole config file: the clusters, then the given tail
// (polling, api, ... sections).
func relConfig(clusters string, tail string) string {
	return "clusters:\n" + clusters + tail
}

// relExporter is the exporter binary, running.
type relExporter struct {
	t    *testing.T
	cmd  *exec.Cmd
	proc *proctest.Process
	addr string
	base string
	logs *proctest.TailBuffer
	// exited is closed once the process has exited.
	exited <-chan struct{}
}

// relKeyEnv is the credential chain's environment for one access key.
func relKeyEnv(id, secret, token string) []string {
	env := []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=" + id, "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + secret}
	if token != "" {
		env = append(env, "ALIBABA_CLOUD_SECURITY_TOKEN="+token)
	}
	return env
}

// relEnviron is this process's environment without any Alibaba Cloud
// credential, plus env, with the metadata service off: only what a test
// gives the exporter can reach it.
func relEnviron(env []string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ALIBABA_CLOUD_") {
			out = append(out, kv)
		}
	}
	out = append(out, "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true")
	return append(out, env...)
}

// relStart runs the exporter with cfgPath on a free loopback port. It is
// stopped with SIGTERM when the test ends, if still running.
func relStart(t *testing.T, cfgPath string, env []string, args ...string) *relExporter {
	t.Helper()
	bin := exporterBinary(t)
	addr := freeAddr(t)
	argv := append([]string{"--config.file=" + cfgPath, "--web.listen-address=" + addr}, args...)
	cmd := exec.Command(bin, argv...)
	cmd.Env = relEnviron(env)
	p := startExporter(t, cmd, 15*time.Second)
	return &relExporter{t: t, cmd: cmd, proc: p, addr: addr, base: "http://" + addr, logs: p.Output(), exited: p.Done()}
}

// waitReady waits until every cluster finished its first poll.
func (e *relExporter) waitReady() {
	e.t.Helper()
	waitFor(e.t, "the exporter to be ready", 30*time.Second, func() bool {
		if e.proc.Exited() {
			e.t.Fatalf("the exporter exited: %v\n%s", e.proc.Err(), e.logs.String())
		}
		code, _, _ := httpGet(e.base + "/-/ready")
		return code == http.StatusOK
	})
}

// waitLog waits until the log holds want at least n times.
func (e *relExporter) waitLog(want string, n int) {
	e.t.Helper()
	waitFor(e.t, fmt.Sprintf("%d log line(s) with %q", n, want), 20*time.Second, func() bool {
		return strings.Count(e.logs.String(), want) >= n
	})
}

// waitExit waits for the process to end and returns its exit code.
func (e *relExporter) waitExit(deadline time.Duration) int {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	_ = e.proc.Wait(ctx)
	if !e.proc.Exited() {
		e.t.Fatalf("the exporter did not exit within %s", deadline)
	}
	err := e.proc.Err()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		e.t.Fatalf("waiting for the exporter: %v", err)
	}
	return 0
}

// get fetches a page and fails the test unless it answered.
func (e *relExporter) get(path string) (int, string) {
	e.t.Helper()
	code, body, err := httpGet(e.base + path)
	if err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
	return code, body
}

// post sends an empty POST and returns the status and body.
func (e *relExporter) post(path string) (int, string) {
	e.t.Helper()
	return relDo(e.t, http.MethodPost, e.base+path)
}

func relDo(t *testing.T, method, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String()
}

// metrics scrapes /metrics into series -> value.
func (e *relExporter) metrics() relSeries {
	e.t.Helper()
	code, body := e.get("/metrics")
	if code != http.StatusOK {
		e.t.Fatalf("GET /metrics: %d\n%s", code, body)
	}
	return relParse(body)
}

// relSeries maps each series of a text exposition to its value.
type relSeries map[string]float64

func relParse(text string) relSeries {
	out := relSeries{}
	for _, line := range strings.Split(text, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

func (s relSeries) want(t *testing.T, series string, v float64) {
	t.Helper()
	got, ok := s[series]
	switch {
	case !ok:
		t.Errorf("/metrics lacks %s", series)
	case got != v:
		t.Errorf("%s = %v, want %v", series, got, v)
	}
}

// relJob formats a per-job series.
func relJob(name, clusterID, jobID string, labelPairs ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s{cluster_id=%q,job_id=%q", name, clusterID, jobID)
	for i := 0; i+1 < len(labelPairs); i += 2 {
		fmt.Fprintf(&b, ",%s=%q", labelPairs[i], labelPairs[i+1])
	}
	b.WriteByte('}')
	return b.String()
}
