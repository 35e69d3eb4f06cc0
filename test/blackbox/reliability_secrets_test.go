package blackbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/proctest"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

// The credential the exporter gets in these tests, shaped like real ones and
// free of words such as "secret" that could get them masked by luck. They are
// unusual enough that finding one anywhere can only mean a leak.
const (
	relLeakKeyID  = "STS.NUx7relLeakCheck"
	relLeakSecret = "Zq8vR2mW5tK9pL3xN7cB4hJ6dF1sG0"
	relLeakToken  = "CAIS9xQm7Wn5Tz3Kp8Vd6Hs1Lg0JfYb2uR4eA8cD"
)

// The exporter runs with a known access key secret and STS token, with debug
// logging, against a service that accepts the key, one that knows a different
// secret for it (every signature fails), and a hostile one that echoes the
// token and the secret in its error answers. Neither string may show in the
// log, the pages, /metrics, the reload answer or --config.check output,
// including for a config file that holds them.
func TestReliabilitySecretsNeverShow(t *testing.T) {
	good := relStartSim(t, simulator.Options{
		Scenario: &simulator.Scenario{Clusters: []simulator.Cluster{relRunning("ehpc-hz-leakgood",
			simulator.Job{ID: "1", Name: "fine"})}},
		Keys: map[string]simulator.Key{relLeakKeyID: {Secret: relLeakSecret, SecurityToken: relLeakToken}},
	})
	otherSecret := relStartSim(t, simulator.Options{
		Scenario: &simulator.Scenario{Clusters: []simulator.Cluster{relRunning("ehpc-hz-leaksig",
			simulator.Job{ID: "1", Name: "never"})}},
		Keys: map[string]simulator.Key{relLeakKeyID: {Secret: "the-service-knows-another-secret", SecurityToken: relLeakToken}},
	})
	echo := proctest.ServeFor(t, http.HandlerFunc(relEchoSecrets))

	clusters := relCluster("ehpc-hz-leakgood", good.addr, "1") +
		relCluster("ehpc-hz-leaksig", otherSecret.addr, "1") +
		relCluster("ehpc-hz-leakecho", echo, "1")
	cfg := writeFile(t, "config.yml", relConfig(clusters, "api:\n  max_retries: 1\n"))
	env := relKeyEnv(relLeakKeyID, relLeakSecret, relLeakToken)
	e := relStart(t, cfg, env, "--log.level=debug")
	e.waitReady()

	m := e.metrics()
	m.want(t, jobSeries("ehpc_serverless_job_state", "ehpc-hz-leakgood", "1", "state", "Running"), 1)
	m.want(t, jobSeries("ehpc_serverless_job_poll_errors_total", "ehpc-hz-leaksig", "1", "code", "SignatureDoesNotMatch"), 1)
	m.want(t, jobSeries("ehpc_serverless_job_poll_errors_total", "ehpc-hz-leakecho", "1", "code", "InvalidParameter"), 1)

	seen := map[string]string{}
	for _, page := range []string{"/", "/status", "/metrics", "/-/healthy", "/-/ready", "/-/reload"} {
		_, body := e.get(page)
		seen["GET "+page] = body
	}
	if !strings.Contains(seen["GET /status"], "SignatureDoesNotMatch") || !strings.Contains(seen["GET /status"], "InvalidParameter") {
		t.Errorf("the status page does not show the failures it must show without secrets:\n%s", seen["GET /status"])
	}

	// A config file that holds the secrets where people paste them.
	leaky := writeFile(t, "leaky.yml", fmt.Sprintf(`clusters:
  - cluster_id: ehpc-hz-leakgood
    region_id: cn-hangzhou
    endpoint: http://%s:%s@%s
    job_ids: ["1"]
    access_key_secret: %s
credentials:
  security_token: %s
`, relLeakKeyID, relLeakSecret, good.addr, relLeakSecret, relLeakToken))
	leakyBody, err := os.ReadFile(leaky)
	if err != nil {
		t.Fatal(err)
	}
	// Reload the running exporter onto it.
	if err := os.WriteFile(cfg, leakyBody, 0o600); err != nil {
		t.Fatal(err)
	}
	code, body := e.post("/-/reload")
	if code != http.StatusInternalServerError || !strings.Contains(body, "secrets are not accepted") {
		t.Errorf("reload of a config holding secrets: %d %q", code, body)
	}
	seen["POST /-/reload"] = body
	if err := e.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	e.waitLog("configuration reload failed", 2)

	// The secret pasted into an endpoint, as people do with URLs, and the
	// token as a profile name: validation, not the secret-key check, words
	// what is said about them.
	values := writeFile(t, "values.yml", fmt.Sprintf(`clusters:
  - cluster_id: ehpc-hz-leakgood
    region_id: cn-hangzhou
    endpoint: http://%s:%s@%s
    job_ids: ["1"]
credentials:
  profile: %s
`, relLeakKeyID, relLeakSecret, good.addr, relLeakToken))

	// --config.check of them, and of a good file, with the credentials set.
	for name, path := range map[string]string{
		"leaky":  leaky,
		"values": values,
		"good":   writeFile(t, "good.yml", relConfig(relCluster("ehpc-hz-leakgood", good.addr, "1"), "")),
	} {
		cmd := exec.Command(exporterBinary(t), "--config.check", "--config.file="+path, "--log.level=debug")
		cmd.Env = relEnviron(env)
		out, err := cmd.CombinedOutput()
		if name != "good" && err == nil {
			t.Errorf("--config.check accepted a config holding secrets:\n%s", out)
		}
		if name == "good" && err != nil {
			t.Errorf("--config.check refused a good config: %v\n%s", err, out)
		}
		seen["--config.check "+name] = string(out)
	}

	if err := e.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := e.waitExit(15 * time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM", code)
	}
	seen["log"] = e.logs.String()
	if !strings.Contains(seen["log"], "level=debug") {
		t.Errorf("the log has no debug lines: the test would prove less than it claims")
	}
	for where, text := range seen {
		for _, s := range []string{relLeakSecret, relLeakToken} {
			if strings.Contains(text, s) {
				t.Errorf("%s shows %q:\n%s", where, s, text)
			}
		}
	}
}

// relEchoSecrets is a hostile service: its error answer repeats the request's
// security token, and the secret the test knows the exporter holds.
func relEchoSecrets(w http.ResponseWriter, r *http.Request) {
	token := r.Header.Get("x-acs-security-token")
	body, _ := json.Marshal(map[string]string{
		"Code":      "InvalidParameter",
		"Message":   "token " + token + " and secret " + relLeakSecret + " are not welcome",
		"RequestId": token,
		"HostId":    relLeakSecret,
		"Recommend": "https://example.invalid/?token=" + token,
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write(bytes.TrimSpace(body))
}
