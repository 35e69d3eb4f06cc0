package dashgen

// failingContainers: what is failing and why: non-zero exit codes, restarts, OOM
// kills, termination and waiting reasons, Warning events, failed jobs and groups.
func failingContainers() *board {
	b := newBoard("ehpc-serverless-failing-containers", "E-HPC serverless / Failing containers",
		"Containers that terminated with a non-zero exit code, restarts, OOM kills, Warning events, failed jobs and container groups.")

	count := func(expr string) string { return "count(\n" + withInfo(expr) + "\n) or vector(0)" }
	nonZero := sel("ehpc_serverless_container_exit_code") + " != 0"
	oom := "max by (" + containerIDs + ") (\n  " +
		sel("ehpc_serverless_container_state_reason", `state="Terminated"`, `reason="OOMKilled"`) + "\n  or\n  " +
		sel("ehpc_serverless_container_last_terminated_reason", `reason="OOMKilled"`) + "\n)"
	restarts := sel("ehpc_serverless_container_restarts_total")

	b.row("Failures now")
	b.add(statPanel("Failed jobs", "Jobs in state Failed.", "none",
		query{Expr: count(sel("ehpc_serverless_job_state", `state="Failed"`) + " == 1")}).redFrom(1))
	b.add(statPanel("Non-zero exits", "Containers whose current state is Terminated with a non-zero exit code.", "none",
		query{Expr: count(nonZero)}).redFrom(1))
	b.add(statPanel("OOMKilled", "Containers whose current or previous run was killed for exceeding its memory limit.", "none",
		query{Expr: count(oom)}).redFrom(1))
	b.add(statPanel("CrashLoopBackOff", "Containers waiting to be restarted after repeated failures.", "none",
		query{Expr: count(sel("ehpc_serverless_container_state_reason", `state="Waiting"`, `reason="CrashLoopBackOff"`))}).redFrom(1))
	b.add(statPanel("Restarts in range", "Container restarts during the dashboard's time range.", "none",
		query{Expr: "round(sum(\n" + withInfo("increase("+restarts+"[$__range])") + "\n)) or vector(0)"}).redFrom(1))
	b.add(statPanel("ScheduleFailed or Expired", "Container groups that could not be scheduled, or expired.", "none",
		query{Expr: count(sel("ehpc_serverless_container_group_status", `status=~"ScheduleFailed|Expired"`) + " == 1")}).redFrom(1))

	b.row("Exit codes")
	b.add(tablePanel("Containers terminated with a non-zero exit code",
		"Current state Terminated with a non-zero exit code, with the reason the service gives (e.g. OOMKilled, Error). 137 = SIGKILL (most often the memory limit), 139 = SIGSEGV, 143 = SIGTERM.",
		query{Expr: withInfo(withReason(nonZero, sel("ehpc_serverless_container_state_reason", `state="Terminated"`)), "job_name", "queue", "user"), Column: "Exit code"}).
		sortBy("Exit code").size(16, 9))
	b.add(pie("Terminated containers by reason", "Containers whose current state is Terminated, by the reason the service gives.", "none",
		query{Expr: "count by (reason) (\n" + withInfo(sel("ehpc_serverless_container_state_reason", `state="Terminated"`)) + "\n)", Legend: "{{reason}}"}).size(8, 9))

	b.row("Restarts")
	b.add(timeSeries("Restarts", "Container restarts per interval; containers that did not restart are not shown.", "none",
		query{Expr: "sum by (cluster_id, job_id, container) (\n" + withInfo("increase("+restarts+"[$__rate_interval])") + "\n) > 0",
			Legend: "{{cluster_id}} {{job_id}} {{container}}"}).size(16, 8))
	b.add(pie("Last termination reasons", "Why the previous run of each restarted container ended.", "none",
		query{Expr: "count by (reason) (\n" + withInfo(sel("ehpc_serverless_container_last_terminated_reason")) + "\n)", Legend: "{{reason}}"}))
	b.add(tablePanel("Restarted containers", "Containers with at least one restart, with the reason and exit code of their previous run.",
		query{Expr: withInfo(withReason(restarts+" > 0", sel("ehpc_serverless_container_last_terminated_reason")), "job_name", "queue", "user"), Column: "Restarts"},
		query{Expr: withInfo(withReason(sel("ehpc_serverless_container_last_terminated_exit_code")+
			" and on ("+containerIDs+") ("+restarts+" > 0)", sel("ehpc_serverless_container_last_terminated_reason")), "job_name", "queue", "user"), Column: "Last exit code"}).
		sortBy("Restarts").size(16, 8))
	b.add(bars("Waiting containers by reason", "Containers in state Waiting, by reason (e.g. CrashLoopBackOff, ImagePullBackOff).", "none",
		query{Expr: "count by (reason) (\n" + withInfo(sel("ehpc_serverless_container_state_reason", `state="Waiting"`)) + "\n)", Legend: "{{reason}}"}))

	b.row("Events")
	warnings := sel("ehpc_serverless_container_group_events", `event_type="Warning"`)
	b.add(timeSeries("Warning events by reason", "Warning events of the container groups, summed per reason (the service keeps the last 50 events of a group).", "none",
		query{Expr: "sum by (reason) (\n" + withInfo(warnings) + "\n)", Legend: "{{reason}}"}).size(10, 8))
	b.add(tablePanel("Container groups with Warning events", "Warning events per container group and reason, and when each last happened.",
		query{Expr: withInfo(warnings, "job_name", "queue", "user"), Column: "Events"},
		query{Expr: withInfo(sel("ehpc_serverless_container_group_last_event_timestamp_seconds", `event_type="Warning"`)+" * 1000", "job_name", "queue", "user"), Column: "Last seen", Unit: "dateTimeAsIso"}).
		hideColumns("event_type").sortBy("Last seen").size(14, 8))

	b.row("Failed jobs and container groups")
	b.add(tablePanel("Failed jobs and when they ended", "Jobs in state Failed and when they ended.",
		query{Expr: withInfo(sel("ehpc_serverless_job_end_timestamp_seconds")+" * 1000 and on (cluster_id, job_id) ("+
			sel("ehpc_serverless_job_state", `state="Failed"`)+" == 1)", "job_name", "queue", "user"), Column: "Ended", Unit: "dateTimeAsIso"}).
		sortBy("Ended").size(12, 8))
	b.add(tablePanel("Container groups not running normally", "Container groups in status Failed, ScheduleFailed or Expired, with their instance type, spot strategy and zone.",
		query{Expr: withInfo("(\n  "+sel("ehpc_serverless_container_group_status", `status=~"Failed|ScheduleFailed|Expired"`)+" == 1\n)\n"+
			"* on (cluster_id, job_id, container_group_id) group_left (instance_type, spot_strategy, zone_id)\n  "+
			sel("ehpc_serverless_container_group_info"), "job_name", "queue", "user")}).
		hideColumns("Value").size(12, 8))
	return b
}
