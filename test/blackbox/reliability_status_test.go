package blackbox

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

const (
	relStatusCluster = "ehpc-hz-status01"
	relStatusKeyID   = "LTAIstatustest"
	relStatusSecret  = "status-test-key-93bd"
	// relScriptName is a job name an attacker with submit rights could pick.
	relScriptName = `<script>alert("pwned")</script>`
)

// relStatusScenario: a job whose name, queue and user are markup; a plain job;
// and one whose describes fail with a proxy's HTML page.
func relStatusScenario() *simulator.Scenario {
	return &simulator.Scenario{Clusters: []simulator.Cluster{relRunning(relStatusCluster,
		simulator.Job{ID: "1", Name: relScriptName, Queue: `<b>q</b>`, User: `u&"'<img src=x onerror=alert(1)>`},
		simulator.Job{ID: "2", Name: "plain", Queue: "comp", User: "alice"},
		simulator.Job{ID: "3", Name: "behind-a-proxy", Queue: "comp", User: "bob"},
	)}}
}

// Through the real binary: the status page shows every tracked job with its
// state, last successful poll and last error, and markup that came from the
// API is shown as text, never as markup; /metrics carries it as an escaped
// label value.
func TestReliabilityStatusPageEscapesAPIText(t *testing.T) {
	sim := relStartSim(t, simulator.Options{
		Scenario: relStatusScenario(),
		Keys:     map[string]simulator.Key{relStatusKeyID: {Secret: relStatusSecret}},
	})
	if err := sim.SetFaults(simulator.Fault{Kind: simulator.FaultBadGateway, JobID: "3"}); err != nil {
		t.Fatal(err)
	}
	cfg := writeFile(t, "config.yml", relConfig(relCluster(relStatusCluster, sim.addr, "1", "2", "3"), "api:\n  max_retries: 0\n"))
	e := relStart(t, cfg, relKeyEnv(relStatusKeyID, relStatusSecret, ""))
	e.waitReady()

	code, page := e.get("/status")
	if code != http.StatusOK {
		t.Fatalf("GET /status: %d", code)
	}
	for _, raw := range []string{"<script", "<b>", "<img", `"<html>"`} {
		if strings.Contains(page, raw) {
			t.Errorf("the status page carries raw markup %q:\n%s", raw, page)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;",
		"<td>plain</td><td>Running</td>",
		"3 jobs tracked, 1 with a failing last poll",
		"HTTP502 (HTTP 502): ",
		"&lt;html&gt;", // the start of the proxy's page, as text
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the status page lacks %q:\n%s", want, page)
		}
	}

	m := e.metrics()
	m.want(t, `ehpc_serverless_job_info{cluster_id="`+relStatusCluster+`",job_id="1",job_name="<script>alert(\"pwned\")</script>",queue="<b>q</b>",user="u&\"'<img src=x onerror=alert(1)>",array_job_id="",array_index=""}`, 1)
	m.want(t, jobSeries("ehpc_serverless_job_poll_errors_total", relStatusCluster, "3", "code", "HTTP502"), 1)

	// The landing page lists no API text at all.
	if _, landing := e.get("/"); strings.Contains(landing, "pwned") {
		t.Errorf("the landing page shows API text")
	}
}
