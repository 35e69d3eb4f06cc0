package blackbox

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

// A failing job listing removes no discovered job: the jobs found before are
// still described (their data stays fresh), the listing's failures are counted
// under the list action, and the cycle's warning says the listing failed.
func TestFaultListingFailureRemovesNothing(t *testing.T) {
	for _, tc := range []struct {
		fault simulator.Fault
		code  string
	}{
		{simulator.Fault{Kind: simulator.FaultServiceUnavailable, Action: simulator.ActionListServerlessJobs}, "ServiceUnavailable"},
		{simulator.Fault{Kind: simulator.FaultBadGateway, Action: simulator.ActionListServerlessJobs}, "HTTP502"},
		{simulator.Fault{Kind: simulator.FaultMalformedJSON, Action: simulator.ActionListServerlessJobs}, "DecodeError"},
		{simulator.Fault{Kind: simulator.FaultPermissionLoss, Action: simulator.ActionListServerlessJobs}, "NotAuthorized"},
	} {
		t.Run(tc.code, func(t *testing.T) {
			r := newRig(t, rigOptions{Discovery: true, noDefaultIDs: true, MaxRetries: 1})
			r.jobs = []string{"1", "2", "3"}
			r.healthy()
			if err := r.sim.SetFaults(tc.fault); err != nil {
				t.Fatal(err)
			}
			r.healthy() // the describes still work
			m := r.scrape()
			m.want(t, `ehpc_serverless_exporter_jobs_tracked{cluster_id="`+rigCluster+`",source="discovered"}`, 3)
			if got, _ := m.get(fmt.Sprintf(`ehpc_serverless_exporter_api_requests_total{action=%q,cluster_id=%q,code=%q}`,
				client.ActionListServerlessJobs, rigCluster, tc.code)); got < 1 {
				t.Errorf("the failed listing is not counted under %s", tc.code)
			}
			if log := r.logs.String(); !strings.Contains(log, "listing jobs failed") || !strings.Contains(log, "code="+tc.code) {
				t.Errorf("the log does not say the listing failed with %s:\n%s", tc.code, log)
			}
			r.sim.ClearFaults()
			r.healthy()
		})
	}
}
