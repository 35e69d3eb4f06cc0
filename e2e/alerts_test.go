//go:build e2e

package e2e

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// firing finds a firing alert with the given name whose labels include want.
func firing(as []alert, name string, want map[string]string) (alert, bool) {
	for _, a := range as {
		if a.Labels["alertname"] != name || a.State != "firing" {
			continue
		}
		match := true
		for k, v := range want {
			if a.Labels[k] != v {
				match = false
				break
			}
		}
		if match {
			return a, true
		}
	}
	return alert{}, false
}

// noHealthyJob fails the test for any alert, pending or firing, about a healthy job.
func noHealthyJob(t *testing.T, as []alert) {
	t.Helper()
	for _, a := range as {
		for _, h := range healthyJobs {
			if a.Labels["cluster_id"] == h.cluster && a.Labels["job_id"] == h.job {
				t.Errorf("alert %s is %s for healthy job %s/%s: %s", a.Labels["alertname"], a.State, h.cluster, h.job, a.Annotations["summary"])
			}
		}
	}
}

func summary(as []alert) string {
	var parts []string
	for _, a := range as {
		parts = append(parts, fmt.Sprintf("%s[%s %s/%s %s]", a.Labels["alertname"], a.State, a.Labels["cluster_id"], a.Labels["job_id"], a.Labels["container"]))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// exitCode137Alerts: the demo's oom-job (and eval) jobs end Failed with their main
// container Terminated, exit code 137, reason OOMKilled; job 102 crash-loops with
// exit code 137 every 90s. Their alerts must fire with the container's identity.
func exitCode137Alerts(t *testing.T, w *world) {
	mustHaveData(t, w, `ehpc_serverless_container_exit_code == 137`)

	var got []alert
	eventually(t, waitLong, "ContainerFailed, ContainerOOMKilled and JobFailed firing for one exit-137 container", func() (bool, string) {
		as, err := w.api.alerts()
		if err != nil {
			return false, err.Error()
		}
		noHealthyJob(t, as)
		// Recurring demo jobs come and go, so look at the exit-137 containers of now.
		cs, err := w.api.query(`ehpc_serverless_container_exit_code == 137`)
		if err != nil {
			return false, err.Error()
		}
		for _, c := range cs {
			id := map[string]string{
				"cluster_id": c.Metric["cluster_id"], "job_id": c.Metric["job_id"],
				"container_group_id": c.Metric["container_group_id"], "container": c.Metric["container"],
			}
			failed, ok1 := firing(as, "EHPCServerlessContainerFailed", id)
			oom, ok2 := firing(as, "EHPCServerlessContainerOOMKilled", id)
			job, ok3 := firing(as, "EHPCServerlessJobFailed", map[string]string{"cluster_id": id["cluster_id"], "job_id": id["job_id"]})
			if ok1 && ok2 && ok3 && failed.value() == 137 {
				got = []alert{failed, oom, job}
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d exit-137 containers; alerts: %s", len(cs), summary(as))
	}, w.prom, w.exporter)
	for _, a := range got {
		t.Logf("%s firing since %s: %s (labels: queue=%s user=%s container_type=%s)",
			a.Labels["alertname"], a.ActiveAt.Format("15:04:05"), a.Annotations["summary"], a.Labels["queue"], a.Labels["user"], a.Labels["container_type"])
	}
	if got[0].Labels["container_type"] != "main" || got[0].Labels["queue"] == "" || got[0].Labels["user"] == "" || got[0].Labels["severity"] != "warning" {
		t.Errorf("ContainerFailed lacks identity or severity labels: %v", got[0].Labels)
	}
	if !strings.Contains(got[0].Annotations["description"], "exit code 137") {
		t.Errorf("ContainerFailed description does not give the exit code: %q", got[0].Annotations["description"])
	}

	// The crash-looping container is Waiting or Running most of the time; its OOM
	// kills show through its previous state and its restarts.
	loader := map[string]string{"cluster_id": "ehpc-sh-demo02", "job_id": "102", "container": "loader"}
	var loop alert
	eventually(t, waitLong, "ContainerOOMKilled firing for the crash-looping container of job 102", func() (bool, string) {
		as, err := w.api.alerts()
		if err != nil {
			return false, err.Error()
		}
		noHealthyJob(t, as)
		a, ok := firing(as, "EHPCServerlessContainerOOMKilled", loader)
		loop = a
		return ok, summary(as)
	}, w.prom, w.exporter)
	t.Logf("%s firing since %s: %s", loop.Labels["alertname"], loop.ActiveAt.Format("15:04:05"), loop.Annotations["summary"])
}

// apiAlerts: the cluster the simulator does not know answers ClusterNotFound to
// every call, and the missing job id is never found; the demo clusters answer.
func apiAlerts(t *testing.T, w *world) {
	var unreachable, pollFailing alert
	eventually(t, waitLong, "APIUnreachable for the unknown cluster and JobPollFailing for the missing job", func() (bool, string) {
		as, err := w.api.alerts()
		if err != nil {
			return false, err.Error()
		}
		noHealthyJob(t, as)
		var ok1, ok2 bool
		unreachable, ok1 = firing(as, "EHPCServerlessAPIUnreachable", map[string]string{"cluster_id": missingCluster})
		pollFailing, ok2 = firing(as, "EHPCServerlessJobPollFailing", map[string]string{"cluster_id": "ehpc-hz-demo01", "job_id": missingJobID, "code": "JobNotFound"})
		return ok1 && ok2, summary(as)
	}, w.prom, w.exporter)
	t.Logf("%s: %s", unreachable.Labels["alertname"], unreachable.Annotations["description"])
	t.Logf("%s: %s", pollFailing.Labels["alertname"], pollFailing.Annotations["summary"])

	as, err := w.api.alerts()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		name, cluster := a.Labels["alertname"], a.Labels["cluster_id"]
		switch {
		case name == "EHPCServerlessAPIUnreachable" && cluster != missingCluster,
			name == "EHPCServerlessAPIThrottled",
			name == "EHPCServerlessConfigReloadFailed",
			name == "EHPCServerlessExporterAbsent":
			t.Errorf("%s is %s although nothing is wrong there: %v", name, a.State, a.Labels)
		}
	}
}
