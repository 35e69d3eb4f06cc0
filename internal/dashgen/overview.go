package dashgen

// overview: how many jobs are in which state, where (queue, user), how long they
// wait before they start and how long they run.
func overview() *board {
	b := newBoard("ehpc-serverless-overview", "E-HPC serverless / Overview",
		"Serverless jobs by state, queue and user; queue wait and run time.")

	state := func(matcher string) string {
		return sel("ehpc_serverless_job_state", matcher) + " == 1"
	}
	count := func(matcher string) string {
		return "sum(\n" + withInfo(state(matcher)) + "\n) or vector(0)"
	}

	b.row("Jobs now")
	b.add(statPanel("Tracked jobs", "Jobs the exporter reports, after the filters above.", "none",
		query{Expr: "count(" + infoSeries + ") or vector(0)"}))
	b.add(statPanel("Running", "Jobs in state Running.", "none", query{Expr: count(`state="Running"`)}))
	b.add(statPanel("Pending or Initing", "Jobs submitted but not running yet.", "none",
		query{Expr: count(`state=~"Pending|Initing"`)}))
	b.add(statPanel("Succeeded", "Finished jobs in state Succeeded (kept until the exporter's retention ends).", "none",
		query{Expr: count(`state="Succeeded"`)}))
	b.add(statPanel("Failed", "Finished jobs in state Failed (kept until the exporter's retention ends).", "none",
		query{Expr: count(`state="Failed"`)}).redFrom(1))
	b.add(statPanel("Canceled", "Finished jobs in state Canceled.", "none", query{Expr: count(`state="Canceled"`)}))

	b.row("Jobs over time")
	b.add(timeSeries("Jobs by state", "Number of jobs in each state.", "none",
		query{Expr: "sum by (state) (\n" + withInfo(state("")) + "\n)", Legend: "{{state}}"}).stacked())
	b.add(timeSeries("Running vs waiting", "Jobs running, and jobs submitted but not running yet (Pending or Initing).", "none",
		query{Expr: "sum(\n" + withInfo(state(`state="Running"`)) + "\n)", Legend: "Running"},
		query{Expr: "sum(\n" + withInfo(state(`state=~"Pending|Initing"`)) + "\n)", Legend: "Pending or Initing"}))

	b.row("By queue and user")
	active := state(`state=~"Pending|Initing|Running"`)
	b.add(bars("Active jobs by queue", "Pending, Initing and Running jobs per queue.", "none",
		query{Expr: "sum by (queue) (\n" + withInfo(active, "queue") + "\n)", Legend: "{{queue}}"}))
	b.add(bars("Active jobs by user", "Pending, Initing and Running jobs per user.", "none",
		query{Expr: "sum by (user) (\n" + withInfo(active, "user") + "\n)", Legend: "{{user}}"}))
	b.add(pie("All jobs by queue", "Every reported job, whatever its state, per queue.", "none",
		query{Expr: "count by (queue) (" + infoSeries + ")", Legend: "{{queue}}"}))
	b.add(tablePanel("Jobs by queue, user and state", "Number of jobs per queue, user and state.",
		query{Expr: "sum by (queue, user, state) (\n" + withInfo(state(""), "queue", "user") + "\n)", Column: "Jobs"}).
		sortBy("Jobs").size(24, 8))

	b.row("Wait and run time")
	wait := sel("ehpc_serverless_job_start_timestamp_seconds") + " - " + sel("ehpc_serverless_job_submit_timestamp_seconds")
	// Finished jobs ran from start to end; running jobs have no end yet and run until now.
	run := "(" + sel("ehpc_serverless_job_end_timestamp_seconds") + " - " + sel("ehpc_serverless_job_start_timestamp_seconds") +
		")\nor\n(time() - " + sel("ehpc_serverless_job_start_timestamp_seconds") + ")"
	b.add(timeSeries("Queue wait by queue", "Time from submission to start (StartTime − SubmitTime) of the jobs that have started: mean and maximum per queue.", "s",
		query{Expr: "avg by (queue) (\n" + withInfo(wait, "queue") + "\n)", Legend: "{{queue}} mean"},
		query{Expr: "max by (queue) (\n" + withInfo(wait, "queue") + "\n)", Legend: "{{queue}} max"}).legendTable())
	b.add(timeSeries("Run time by queue", "Time from start to end, or to now for running jobs: mean and maximum per queue.", "s",
		query{Expr: "avg by (queue) (\n" + withInfo(run, "queue") + "\n)", Legend: "{{queue}} mean"},
		query{Expr: "max by (queue) (\n" + withInfo(run, "queue") + "\n)", Legend: "{{queue}} max"}).legendTable())
	b.add(tablePanel("Jobs", "Every reported job with its state, queue wait and run time.",
		query{Expr: withInfo(state(""), "job_name", "queue", "user")},
		query{Expr: withInfo(sel("ehpc_serverless_job_submit_timestamp_seconds")+" * 1000", "job_name", "queue", "user"), Column: "Submitted", Unit: "dateTimeAsIso"},
		query{Expr: withInfo(wait, "job_name", "queue", "user"), Column: "Queue wait", Unit: "s"},
		query{Expr: withInfo(run, "job_name", "queue", "user"), Column: "Run time", Unit: "s"}).
		hideColumns("Value #A").sortBy("Submitted").size(24, 10))
	return b
}
