package blackbox

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/metricsdoc"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/proctest"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

// The built binary, run as a user would, against the simulator serving the
// published sample answer over the signed wire protocol: /metrics must carry
// every job, container group and container sample of the golden file.
// readmeMetric finds metric names in the README.
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
	addr := proctest.AddrFor(t)
	cmd := exec.Command(bin, "--config.file="+cfg, "--web.listen-address="+addr, "--log.level=debug")
	cmd.Env = append(os.Environ(),
		"ALIBABA_CLOUD_ACCESS_KEY_ID="+keyID,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET="+secret,
		"ALIBABA_CLOUD_ECS_METADATA_DISABLED=true",
	)
	logs := proctest.StartFor(t, "exporter", cmd, logKeep).Output()
	base := "http://" + addr
	waitFor(t, "/-/ready", 20*time.Second, func() bool {
		code, _, _ := httpGet(base + "/-/ready")
		return code == http.StatusOK
	})
	code, body, err := httpGet(base + "/metrics")
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", code, err)
	}
	golden := bytes.ReplaceAll(repoFile(t, "collector/testdata/seed.golden.prom"), []byte(`cluster_id="ehpc-hz-FYUr32****"`), []byte(`cluster_id="`+clusterID+`"`))
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
	// no family the contract lacks (the contract is the one list).
	contract, err := metricsdoc.Names(filepath.Join(moduleRoot(t), "docs", "METRICS.md"))
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
	for _, name := range readmeMetric.FindAllString(string(repoFile(t, "README.md")), -1) {
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
