package dashgen

// exporterHealth: the exporter's own view: API calls by code and action, latency,
// throttling, the budget and its spending, the age of every job's data, configuration reloads.
func exporterHealth() *board {
	b := newBoard("ehpc-serverless-exporter", "E-HPC serverless / Exporter health",
		"API requests by code, latency and throttling; the API budget and how it is spent; the age of each job's data; configuration reloads.")

	const cluster = `cluster_id=~"$cluster"`
	requests := func(matchers string) string {
		return "ehpc_serverless_exporter_api_requests_total{" + cluster + matchers + "}"
	}
	ratio := func(matchers string) string {
		return "(sum(rate(" + requests(matchers) + "[$__rate_interval])) or vector(0))\n/\nsum(rate(" + requests("") + "[$__rate_interval]))"
	}
	finished := "(" + sel("ehpc_serverless_job_state", `state=~"Succeeded|Failed|Canceled"`) + " == 1)"
	age := "time() - " + sel("ehpc_serverless_job_last_poll_success_timestamp_seconds")
	unfinishedAge := withInfo("(" + age + ")\nunless on (cluster_id, job_id)\n" + finished)

	b.row("Health now")
	b.add(statPanel("Tracked jobs", "Jobs the exporter tracks in the selected clusters.", "none",
		query{Expr: "sum(ehpc_serverless_exporter_jobs_tracked{" + cluster + "}) or vector(0)"}))
	b.add(statPanel("API calls per second", "E-HPC API calls (retries included) per second.", "reqps",
		query{Expr: "sum(rate(" + requests("") + "[$__rate_interval])) or vector(0)"}))
	b.add(statPanel("API error ratio", "Share of API calls that did not answer OK (throttling included).", "percentunit",
		query{Expr: ratio(`, code!="OK"`)}).redFrom(0.5))
	b.add(statPanel("Throttled ratio", "Share of API calls refused by throttling.", "percentunit",
		query{Expr: ratio(", " + throttledCodes)}).redFrom(0.1))
	b.add(statPanel("Oldest data of an unfinished job", "Age of the oldest data among jobs that have not finished (finished jobs are frozen on purpose).", "s",
		query{Expr: "max(\n" + unfinishedAge + "\n)"}).redFrom(600))
	b.add(statPanel("Configuration", "Whether the last configuration reload of every exporter succeeded.", "none",
		query{Expr: "min(ehpc_serverless_exporter_config_last_reload_successful)"}).
		redFrom(0).mapValues(map[string]mappingResult{"0": {Color: "red", Index: 0, Text: "Reload failed"}, "1": {Color: "green", Index: 1, Text: "OK"}}).
		greenFrom(1))

	b.row("E-HPC API")
	b.add(timeSeries("API requests by code", "API calls per second by answer: OK, the API's error code, or a transport class such as Timeout.", "reqps",
		query{Expr: "sum by (code) (rate(" + requests("") + "[$__rate_interval]))", Legend: "{{code}}"}))
	b.add(timeSeries("API requests by action", "API calls per second by action.", "reqps",
		query{Expr: "sum by (action) (rate(" + requests("") + "[$__rate_interval]))", Legend: "{{action}}"}))
	b.add(timeSeries("API latency", "Duration of one API call attempt by action (median and 99th percentile). This histogram has no cluster label.", "s",
		query{Expr: "histogram_quantile(0.5, sum by (le, action) (rate(ehpc_serverless_exporter_api_request_duration_seconds_bucket[$__rate_interval])))", Legend: "{{action}} p50"},
		query{Expr: "histogram_quantile(0.99, sum by (le, action) (rate(ehpc_serverless_exporter_api_request_duration_seconds_bucket[$__rate_interval])))", Legend: "{{action}} p99"}))
	b.add(timeSeries("Throttled and failed API requests", "API calls per second that did not answer OK, by cluster and code.", "reqps",
		query{Expr: `sum by (cluster_id, code) (rate(` + requests(`, code!="OK"`) + "[$__rate_interval]))", Legend: "{{cluster_id}} {{code}}"}))

	b.row("Polling within the API budget")
	b.add(timeSeries("Budget and spending", "The account's API budget (api.requests_per_second, shared by its clusters) and the calls per second the poller started for each cluster.", "reqps",
		query{Expr: "max by (cluster_id) (ehpc_serverless_exporter_budget_requests_per_second{" + cluster + "})", Legend: "{{cluster_id}} budget"},
		query{Expr: "sum by (cluster_id) (rate(ehpc_serverless_exporter_scheduled_calls_total{" + cluster + "}[$__rate_interval]))", Legend: "{{cluster_id}} spent"}).size(8, 8))
	b.add(timeSeries("Calls by what they were spent on", "Calls per second: listing pages, due describes, describes the listing made urgent, first describes of jobs listed finished (backlog), array range probes.", "reqps",
		query{Expr: "sum by (work) (rate(ehpc_serverless_exporter_scheduled_calls_total{" + cluster + "}[$__rate_interval]))", Legend: "{{work}}"}).stacked().size(8, 8))
	b.add(timeSeries("Freshness against the budget", "Oldest data of an active job, and the worst age the budget allows (polling.interval when it keeps up). The first above the second for long means describes fail or the budget is shared.", "s",
		query{Expr: "max by (cluster_id) (ehpc_serverless_exporter_active_data_age_max_seconds{" + cluster + "})", Legend: "{{cluster_id}} oldest"},
		query{Expr: "max by (cluster_id) (ehpc_serverless_exporter_active_round_seconds{" + cluster + "})", Legend: "{{cluster_id}} allowed"}).size(8, 8))
	b.add(timeSeries("Waiting for the budget", "Describes whose time has come and that wait, and jobs listed finished that have not been described yet.", "none",
		query{Expr: "sum by (cluster_id) (ehpc_serverless_exporter_describes_overdue{" + cluster + "})", Legend: "{{cluster_id}} overdue"},
		query{Expr: "sum by (cluster_id) (ehpc_serverless_exporter_finished_backlog_jobs{" + cluster + "})", Legend: "{{cluster_id}} backlog"}).size(8, 8))
	b.add(timeSeries("Listing duration", "Time one walk of a cluster's job list takes (median and 90th percentile).", "s",
		query{Expr: "histogram_quantile(0.5, sum by (le, cluster_id) (rate(ehpc_serverless_exporter_listing_duration_seconds_bucket{" + cluster + "}[$__rate_interval])))", Legend: "{{cluster_id}} p50"},
		query{Expr: "histogram_quantile(0.9, sum by (le, cluster_id) (rate(ehpc_serverless_exporter_listing_duration_seconds_bucket{" + cluster + "}[$__rate_interval])))", Legend: "{{cluster_id}} p90"}).size(8, 8))
	b.add(timeSeries("Tracked jobs by source", "Jobs tracked because they are configured (static) or found by ListServerlessJobs (discovered).", "none",
		query{Expr: "sum by (source) (ehpc_serverless_exporter_jobs_tracked{" + cluster + "})", Legend: "{{source}}"}).stacked())
	b.add(timeSeries("Tracked jobs by poll class", "active: described every interval; final: finished recently, described once more; frozen: no longer described; backlog: listed finished, not described yet.", "none",
		query{Expr: "sum by (class) (ehpc_serverless_exporter_jobs_by_poll_class{" + cluster + "})", Legend: "{{class}}"}).stacked())

	b.row("Data age")
	b.add(timeSeries("Data age of unfinished jobs", "Oldest data among the jobs of each cluster that have not finished. It grows when describes fail.", "s",
		query{Expr: "max by (cluster_id) (\n" + unfinishedAge + "\n)", Legend: "{{cluster_id}}"}))
	// Not joined with ehpc_serverless_job_info: a job that was never described has no
	// queue or user, and it is the one whose errors matter most.
	b.add(timeSeries("Job describe errors", "Failed describes of jobs per interval, by cluster and error code (the queue and user filters do not apply: a job never described has neither).", "none",
		query{Expr: "sum by (cluster_id, code) (increase(" + sel("ehpc_serverless_job_poll_errors_total") + "[$__rate_interval]))", Legend: "{{cluster_id}} {{code}}"}))
	b.add(tablePanel("Data age per job", "Time since each job was last described successfully, with its state. Finished jobs are described once more and then frozen, so their age keeps growing by design.",
		query{Expr: withInfo("("+age+")\n* on (cluster_id, job_id) group_left (state)\n  ("+sel("ehpc_serverless_job_state")+" == 1)", "job_name", "queue", "user"), Column: "Data age", Unit: "s"}).
		sortBy("Data age"))

	b.row("Exporter")
	b.add(timeSeries("Configuration reload status", "1 when the last configuration reload succeeded, per exporter.", "none",
		query{Expr: "min by (instance) (ehpc_serverless_exporter_config_last_reload_successful)", Legend: "{{instance}}"}).size(8, 7))
	b.add(statPanel("Last successful reload", "When the configuration was last loaded successfully.", "dateTimeFromNow",
		query{Expr: "max(ehpc_serverless_exporter_config_last_reload_success_timestamp_seconds) * 1000"}).size(4, 7))
	b.add(tablePanel("Exporter instances", "Version of every exporter Prometheus scrapes.",
		query{Expr: "ehpc_serverless_exporter_build_info"}).hideColumns("Value").size(12, 7))
	return b
}
