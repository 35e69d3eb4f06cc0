package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/metricsdoc"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/proctest"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigCheck(t *testing.T) {
	const good = `clusters:
  - cluster_id: ehpc-hz-FYUr32xxxx
    region_id: cn-hangzhou
    endpoint: http://127.0.0.1:8080
    job_ids: ["5", "10_3"]
polling:
  interval: 30s
`
	cases := []struct {
		name, body string
		code       int
		want       []string
	}{
		{"valid", good, 0, []string{"is valid: 1 cluster(s), 2 configured job id(s), polling every 30s"}},
		{"unknown key", strings.Replace(good, "job_ids:", "job_id:", 1), 1, []string{":5: clusters[0].job_id: unknown key", "job_ids"}},
		{"missing cluster_id", strings.Replace(good, "cluster_id: ehpc-hz-FYUr32xxxx", "cluster_id: \"\"", 1), 1, []string{"clusters[0].cluster_id"}},
		{"bad duration", strings.Replace(good, "interval: 30s", "interval: 30 seconds", 1), 1, []string{":7: polling.interval", `"30 seconds"`}},
		{"endpoint typo", strings.Replace(good, "http://127.0.0.1:8080", "htp://127.0.0.1:8080", 1), 1, []string{":4: clusters[0].endpoint"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "config.yml", tc.body)
			var stdout, stderr bytes.Buffer
			code := run([]string{"--config.check", "--config.file=" + path}, &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout.String(), stderr.String())
			}
			out := stdout.String() + stderr.String()
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestConfigCheckRefusesWhatStartRefuses: files that pass validation but that
// the store or the poller would refuse at start fail the check too.
func TestConfigCheckRefusesWhatStartRefuses(t *testing.T) {
	const good = `clusters:
  - cluster_id: ehpc-hz-FYUr32xxxx
    region_id: cn-hangzhou
    endpoint: http://127.0.0.1:8080
    job_ids: ["5"]
`
	cases := []struct {
		name, body string
		flags      []string
		want       string
	}{
		{"tag label collision", good + "metrics:\n  tag_labels: [a-b, a_b]\n", nil,
			`metrics: tag label allowlist: keys "a-b" and "a_b" both become label "tag_a_b"`},
		{"shard outside the shards", good, []string{"--shard=2", "--total-shards=2"}, "poller: shard must be in [0, 2) for 2 total shards, got 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "config.yml", tc.body)
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"--config.check", "--config.file=" + path}, tc.flags...), &stdout, &stderr)
			if code != 1 || !strings.Contains(stderr.String(), tc.want) {
				t.Fatalf("exit code %d, want 1 with %q\nstdout: %s\nstderr: %s", code, tc.want, stdout.String(), stderr.String())
			}
		})
	}
}

func TestBadFlagsExitTwo(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--log.level=loud"}, &stdout, &stderr); code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "loud") {
		t.Fatalf("error does not name the bad value: %s", stderr.String())
	}
}

// exporterBinary compiles the exporter once per test binary.
var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

func exporterBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the exporter binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ehpc-exporter-build-")
		if err != nil {
			buildErr = err
			return
		}
		buildPath, buildErr = proctest.BuildExporter(context.Background(), ".", dir)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := proctest.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// logKeep bounds a child's kept output far above what any test here makes
// it write, so the checks that a log lacks a secret read all of it.
const logKeep = 16 << 20

// startExporter runs the exporter binary with cmd's setup, stops it (SIGTERM,
// then SIGKILL after grace) when the test ends, and logs its output if the
// test failed.
func startExporter(t *testing.T, cmd *exec.Cmd, grace time.Duration) *proctest.Process {
	t.Helper()
	p, err := proctest.Start(cmd, logKeep)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.Stop(grace)
		if t.Failed() {
			t.Logf("exporter log:\n%s", p.Output())
		}
	})
	return p
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, deadline time.Duration, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out after %s waiting for %s", deadline, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
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

// The built binary, run as a user would, against the simulator serving the
// published sample answer over the signed wire protocol: /metrics must carry
// every job, container group and container sample of the golden file.
// readmeMetric finds metric names in the README, skipping PromQL's series
// suffixes that histograms add.
var readmeMetric = regexp.MustCompile(`\behpc_serverless_[a-z0-9_]*[a-z0-9]\b`)

func TestExporterBinaryAgainstSimulator(t *testing.T) {
	bin := exporterBinary(t)
	const keyID, secret = "LTAI-integration", "integration-secret-do-not-log"
	// The sample's cluster id is masked ("ehpc-hz-FYUr32****"), which the
	// config rightly refuses; serve the same answer under a real-looking id.
	const clusterID = "ehpc-hz-FYUr32xxxx"
	scenario := simulator.SeedScenario()
	scenario.Clusters[0].ID = clusterID
	sim, err := simulator.New(simulator.Options{
		Scenario: scenario,
		Keys:     map[string]simulator.Key{keyID: {Secret: secret}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	simDone := make(chan error, 1)
	go func() { simDone <- sim.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-simDone })

	cfg := writeFile(t, "config.yml", fmt.Sprintf(`clusters:
  - cluster_id: %s
    region_id: cn-hangzhou
    endpoint: http://%s
    job_ids: ["5"]
polling:
  interval: 1m
`, clusterID, ln.Addr()))
	addr := freeAddr(t)
	cmd := exec.Command(bin, "--config.file="+cfg, "--web.listen-address="+addr, "--log.level=debug")
	cmd.Env = append(os.Environ(),
		"ALIBABA_CLOUD_ACCESS_KEY_ID="+keyID,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET="+secret,
		"ALIBABA_CLOUD_ECS_METADATA_DISABLED=true",
	)
	logs := startExporter(t, cmd, 10*time.Second).Output()
	base := "http://" + addr
	waitFor(t, "/-/ready", 20*time.Second, func() bool {
		code, _, _ := httpGet(base + "/-/ready")
		return code == http.StatusOK
	})
	code, body, err := httpGet(base + "/metrics")
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", code, err)
	}
	golden, err := os.ReadFile("collector/testdata/seed.golden.prom")
	if err != nil {
		t.Fatal(err)
	}
	golden = bytes.ReplaceAll(golden, []byte(`cluster_id="ehpc-hz-FYUr32****"`), []byte(`cluster_id="`+clusterID+`"`))
	served := map[string]bool{}
	for _, l := range strings.Split(body, "\n") {
		served[l] = true
	}
	sc := bufio.NewScanner(bytes.NewReader(golden))
	checked := 0
	for sc.Scan() {
		l := sc.Text()
		// The poll time is the only value that depends on when the test runs.
		if l == "" || strings.HasPrefix(l, "ehpc_serverless_job_last_poll_success_timestamp_seconds{") {
			continue
		}
		checked++
		if !served[l] {
			t.Errorf("/metrics lacks golden line:\n%s", l)
		}
	}
	if checked < 100 {
		t.Fatalf("only %d golden lines checked", checked)
	}
	for _, want := range []string{
		`ehpc_serverless_container_restarts_total{cluster_id="` + clusterID + `",job_id="5",container_group_id="eci-bp1jrgfqqy54kg5hc****",container="HPL",container_type="main"} 5`,
		`ehpc_serverless_exporter_api_requests_total{action="DescribeServerlessJobs",cluster_id="` + clusterID + `",code="OK"} 1`,
		`ehpc_serverless_exporter_config_last_reload_successful 1`,
		`ehpc_serverless_exporter_build_info{`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// The contract lists every family the exporter serves; the README names
	// no family the contract lacks (it is the one list).
	contract, err := metricsdoc.Names("docs/METRICS.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(body, "\n") {
		name, ok := strings.CutPrefix(l, "# TYPE ")
		if !ok || !strings.HasPrefix(name, "ehpc_serverless_") {
			continue
		}
		if name = strings.Fields(name)[0]; !contract[name] {
			t.Errorf("docs/METRICS.md lacks %s", name)
		}
	}
	readme, _ := os.ReadFile("README.md")
	for _, name := range readmeMetric.FindAllString(string(readme), -1) {
		if name != "ehpc_serverless_exporter" && !contract[name] { // the program's own name
			t.Errorf("README.md names %s, which docs/METRICS.md does not document", name)
		}
	}
	for _, page := range []string{"/", "/status", "/metrics"} {
		_, b, _ := httpGet(base + page)
		if strings.Contains(b, secret) {
			t.Errorf("%s shows the access key secret", page)
		}
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("the debug log shows the access key secret")
	}
}

// --help and --version print and exit 0, as every Prometheus exporter does,
// without starting anything.
func TestHelpAndVersionExitZero(t *testing.T) {
	bin := exporterBinary(t)
	for _, args := range [][]string{{"--version"}, {"--help"}, {"simulate", "--help"}} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		want := "usage: ehpc_serverless_exporter"
		if args[0] == "--version" {
			want = "ehpc_serverless_exporter, version"
		}
		if !strings.Contains(string(out), want) {
			t.Errorf("%v printed no %q:\n%s", args, want, out)
		}
		if strings.Contains(string(out), "listening") {
			t.Errorf("%v started a server:\n%s", args, out)
		}
	}
}
