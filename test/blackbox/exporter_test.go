package blackbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/proctest"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

// Helpers of the tests that run the built exporter against simulators in
// this process. Their names start with rel (for the reliability suite, their
// first user).

// The module's root, found once per test binary.
var (
	rootOnce sync.Once
	root     string
	rootErr  error
)

// moduleRoot is the directory of the module under test, where the exporter
// is built and the files the tests compare it with are.
func moduleRoot(t *testing.T) string {
	t.Helper()
	rootOnce.Do(func() { root, rootErr = proctest.ModuleRoot(context.Background()) })
	if rootErr != nil {
		t.Fatal(rootErr)
	}
	return root
}

// The exporter binary, built once per test binary.
var (
	buildOnce sync.Once
	buildDir  string
	buildPath string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// exporterBinary is the exporter, built as a user builds it.
func exporterBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the exporter binary")
	}
	src := moduleRoot(t)
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "ehpc-exporter-build-"); buildErr != nil {
			return
		}
		buildPath, buildErr = proctest.BuildExporter(context.Background(), src, buildDir)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// repoFile reads a file of the module by its path from the module's root.
func repoFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(moduleRoot(t), filepath.FromSlash(path)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// logKeep bounds a child's kept output far above what any test here makes
// it write, so the checks that a log lacks a secret read all of it.
const logKeep = 16 << 20

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, deadline time.Duration, cond func() bool) {
	t.Helper()
	proctest.Eventually(t, deadline, 50*time.Millisecond, what, func() (bool, string) { return cond(), "" })
}

func httpGet(url string) (int, string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

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
	return &relSim{Simulator: sim, addr: proctest.ServeFor(t, sim)}
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
	addr := proctest.AddrFor(t)
	argv := append([]string{"--config.file=" + cfgPath, "--web.listen-address=" + addr}, args...)
	cmd := exec.Command(bin, argv...)
	cmd.Env = relEnviron(env)
	p := proctest.StartFor(t, "exporter", cmd, logKeep)
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
func (e *relExporter) metrics() samples {
	e.t.Helper()
	code, body := e.get("/metrics")
	if code != http.StatusOK {
		e.t.Fatalf("GET /metrics: %d\n%s", code, body)
	}
	return parseSamples(e.t, body)
}
