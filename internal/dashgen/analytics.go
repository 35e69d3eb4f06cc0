package dashgen

import (
	"fmt"
	"strings"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/analytics"
)

// analyticsBoard: what happened, from the families that outlive the jobs:
// outcomes and failure classes per queue, wait, run and start-up times,
// resource-hours for chargeback, spot reclaims, array progress.
func analyticsBoard() *board {
	b := newBoard("ehpc-serverless-analytics", "E-HPC serverless / Analytics",
		"Jobs finished and failed per queue, failure classes, queue wait, run and start-up time percentiles, vCPU-, GiB- and GPU-hours by queue and user, spot reclaims, array progress.")

	finished := asel("ehpc_serverless_jobs_finished_total", queueUser)
	failed := asel("ehpc_serverless_jobs_finished_total", queueUser, `state="Failed"`)
	notSucceeded := asel("ehpc_serverless_jobs_finished_total", queueUser, `reason_class!="none"`)
	perHour := func(by, series string) string {
		return "sum by (" + by + ") (rate(" + series + "[$__rate_interval])) * 3600"
	}
	inRange := func(by, series string) string {
		return "sum by (" + by + ") (increase(" + series + "[$__range]))"
	}
	classes := make([]string, 0, len(analytics.BuiltinClasses))
	for _, c := range analytics.BuiltinClasses {
		if c != analytics.ClassNone {
			classes = append(classes, string(c))
		}
	}
	classNote := " Classes: " + strings.Join(classes, ", ") + ", and the site's own (docs/METRICS.md, Failure classes)."

	b.row("Outcomes")
	b.add(statPanel("Jobs finished", "Jobs that finished (any final state) during the time range.", "none",
		query{Expr: "round(sum(increase(" + finished + "[$__range]))) or vector(0)"}))
	b.add(statPanel("Jobs failed", "Jobs that ended Failed during the time range.", "none",
		query{Expr: "round(sum(increase(" + failed + "[$__range]))) or vector(0)"}).redFrom(1))
	b.add(statPanel("Failure ratio", "Share of the jobs finished during the time range that ended Failed (Canceled jobs count as finished, not failed).", "percentunit",
		query{Expr: "sum(increase(" + failed + "[$__range]))\n/\nsum(increase(" + finished + "[$__range]))"}))
	b.add(timeSeries("Jobs finished by queue", "Jobs finishing per hour, by queue and final state.", "none",
		query{Expr: perHour("queue, state", finished), Legend: "{{queue}} {{state}}"}).stacked())
	b.add(timeSeries("Failure ratio by queue", "Share of each queue's jobs finished in the hour before each point that ended Failed: what the failure-ratio alerts watch.", "percentunit",
		query{Expr: "sum by (queue) (increase(" + failed + "[1h]))\n/\nsum by (queue) (increase(" + finished + "[1h]))", Legend: "{{queue}}"}).legendTable())

	b.row("Why jobs fail")
	b.add(timeSeries("Failures by class", "Jobs that did not succeed, per hour, by failure class."+classNote, "none",
		query{Expr: perHour("reason_class", notSucceeded), Legend: "{{reason_class}}"}).stacked())
	b.add(pie("Failure classes in range", "Jobs that did not succeed during the time range, by failure class.", "none",
		query{Expr: inRange("reason_class", notSucceeded), Legend: "{{reason_class}}"}))
	b.add(timeSeries("Container terminations by class", "Runs of containers that ended, per hour, by class of the run's end (none for exit 0): crash loops and OOM kills show here between two describes.", "none",
		query{Expr: perHour("reason_class", asel("ehpc_serverless_container_terminations_total", queueOnly)), Legend: "{{reason_class}}"}).stacked())
	b.add(tablePanel("Failures by queue, user and class", "Jobs that did not succeed during the time range, per queue, user and failure class.",
		query{Expr: inRange("queue, user, reason_class", notSucceeded) + " > 0", Column: "Jobs"}).sortBy("Jobs").size(16, 8))

	b.row("Wait, run and start-up time")
	quantiles := func(title, description, family string) *panel {
		q := func(phi string) string {
			return "histogram_quantile(" + phi + ", sum by (queue, le) (rate(" + asel(family+"_bucket", queueOnly) + "[1h])))"
		}
		return timeSeries(title, description+" p50 and p95 per queue over the hour before each point (interpolated within the buckets).", "s",
			query{Expr: q("0.5"), Legend: "{{queue}} p50"},
			query{Expr: q("0.95"), Legend: "{{queue}} p95"}).legendTable().size(8, 8)
	}
	b.add(quantiles("Queue wait", "Time from submission to start of the jobs that started:", "ehpc_serverless_job_queue_wait_seconds"))
	b.add(quantiles("Run time", "Time from start to end of the jobs that finished:", "ehpc_serverless_job_run_seconds"))
	b.add(quantiles("Container group start-up", "Time from a container group's creation to its first container's start:", "ehpc_serverless_container_group_startup_seconds"))

	b.row("Resource use (allocated)")
	resourceHours := func(title, what, family, unit string, divisor string) {
		for _, by := range []string{"queue", "user"} {
			b.add(bars(fmt.Sprintf("%s by %s", title, by), fmt.Sprintf("%s allocated to running container groups during the time range, per %s.", what, by), unit,
				query{Expr: inRange(by, asel(family, queueUser)) + " / " + divisor, Legend: "{{" + by + "}}"}))
		}
	}
	resourceHours("vCPU-hours", "CPU core-hours", "ehpc_serverless_allocated_cpu_core_seconds_total", "none", "3600")
	b.add(pie("vCPU-hours: spot vs on-demand", "CPU core-hours during the time range by spot strategy (NoSpot is on-demand).", "none",
		query{Expr: inRange("spot_strategy", asel("ehpc_serverless_allocated_cpu_core_seconds_total", queueUser)) + " / 3600", Legend: "{{spot_strategy}}"}))
	resourceHours("GiB-hours", "Memory GiB-hours", "ehpc_serverless_allocated_memory_byte_seconds_total", "none", "(3600 * 1024 * 1024 * 1024)")
	b.add(timeSeries("Allocated vCPUs by queue", "CPU cores held by running container groups on average over each interval, from the core-seconds counter.", "none",
		query{Expr: "sum by (queue) (rate(" + asel("ehpc_serverless_allocated_cpu_core_seconds_total", queueUser) + "[$__rate_interval]))", Legend: "{{queue}}"}).stacked().size(8, 8))
	resourceHours("GPU-hours", "GPU-hours", "ehpc_serverless_allocated_gpu_seconds_total", "none", "3600")

	b.row("Spot reclaims")
	b.add(timeSeries("Spot reclaim notices by zone", "Spot reclaim notices (SpotToBeReleased and like events) per hour, by zone: what the spot burst alert watches.", "none",
		query{Expr: perHour("zone_id", asel("ehpc_serverless_spot_reclaim_notices_total", nil)), Legend: "{{zone_id}}"}))
	b.add(bars("Jobs lost to spot reclaims", "Jobs that failed because a spot container group was reclaimed, during the time range, by instance type.", "none",
		query{Expr: inRange("instance_type", asel("ehpc_serverless_jobs_lost_to_spot_reclaim_total", nil)), Legend: "{{instance_type}}"}).size(12, 8))

	b.row("Array jobs")
	tasks := asel("ehpc_serverless_array_tasks_by_state", nil)
	b.add(timeSeries("Array sub-tasks by state", "Tracked sub-tasks of each array job by state (the Job filter names sub-tasks, so it does not apply).", "none",
		query{Expr: "sum by (array_job_id, state) (" + tasks + ") > 0", Legend: "{{array_job_id}} {{state}}"}).stacked())
	b.add(tablePanel("Array progress", "Sub-tasks of each array job by state now.",
		query{Expr: "sum by (cluster_id, array_job_id, state) (" + tasks + ") > 0", Column: "Sub-tasks"}).sortBy("Sub-tasks").size(12, 8))
	return b
}

// The filters an analytics family's labels can honour besides the cluster:
// the families aggregate jobs, so none has job_id, and some lack user or
// queue too.
var (
	queueUser = []string{"queue", "user"}
	queueOnly = []string{"queue"}
)

// asel selects an analytics family restricted by the cluster variable and by
// the variables of the labels in filters (each named as its label), plus
// extra matchers.
func asel(metric string, filters []string, matchers ...string) string {
	all := []string{`cluster_id=~"$cluster"`}
	for _, l := range filters {
		all = append(all, fmt.Sprintf("%s=~\"$%s\"", l, l))
	}
	return metric + "{" + strings.Join(append(all, matchers...), ", ") + "}"
}
