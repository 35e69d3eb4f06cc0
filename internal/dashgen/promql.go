package dashgen

import (
	"fmt"
	"strings"
)

// The filters every job series takes from the dashboard variables. cluster_id and
// job_id are on every series; queue and user only on ehpc_serverless_job_info.
const (
	jobFilter  = `cluster_id=~"$cluster", job_id=~"$job"`
	infoSeries = `ehpc_serverless_job_info{cluster_id=~"$cluster", job_id=~"$job", queue=~"$queue", user=~"$user"}`
)

// sel is a selector of a job, group or container family restricted by the
// dashboard's cluster and job variables, plus extra matchers.
func sel(metric string, matchers ...string) string {
	all := []string{jobFilter}
	for _, m := range matchers {
		if m != "" {
			all = append(all, m)
		}
	}
	return metric + "{" + strings.Join(all, ", ") + "}"
}

// withInfo restricts expr to the selected queues and users, and copies the given
// ehpc_serverless_job_info labels onto it. The info series is always 1, so the
// values of expr are unchanged.
func withInfo(expr string, labels ...string) string {
	return fmt.Sprintf("(%s)\n* on (cluster_id, job_id) group_left (%s)\n  %s", expr, strings.Join(labels, ", "), infoSeries)
}

// activeGroups is 1 for every container group that holds resources now (Running,
// Restarting or Updating), by group; allocation panels multiply by it so that
// finished groups, still on /metrics until the retention ends, are not counted.
var activeGroups = `(max by (cluster_id, job_id, container_group_id) (` +
	sel("ehpc_serverless_container_group_status", `status=~"Running|Restarting|Updating"`) + `) == 1)`

// onlyActive keeps the series of expr (group or container series) whose group is active.
func onlyActive(expr string) string {
	return fmt.Sprintf("(%s)\n* on (cluster_id, job_id, container_group_id) group_left ()\n  %s", expr, activeGroups)
}

// containerIDs are the labels that identify one container.
const containerIDs = "cluster_id, job_id, container_group_id, container, container_type"

// throttledCodes are the API's throttling answers and a bare HTTP 429.
const throttledCodes = `code=~"Throttling.*|HTTP429"`

// withReason adds the reason label of reasons (a container family with a reason
// label) to the container series of expr that have one, and keeps the others as they
// are: a container whose reason is unknown still shows up.
func withReason(expr, reasons string) string {
	return fmt.Sprintf("(\n  (%s)\n  * on (%s) group_left (reason)\n    %s\n)\nor on (%s)\n(%s)",
		expr, containerIDs, reasons, containerIDs, expr)
}
