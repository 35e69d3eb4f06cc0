package dashgen

// resources: what the running container groups hold: CPU cores, memory, GPUs and
// storage by queue and user, spot against on-demand, instance types.
func resources() *board {
	b := newBoard("ehpc-serverless-resources", "E-HPC serverless / Resources",
		"CPU, memory, GPUs and storage allocated to running container groups, by queue and user; spot vs on-demand; instance types.")

	cpu := onlyActive(sel("ehpc_serverless_container_group_cpu_cores"))
	mem := onlyActive(sel("ehpc_serverless_container_group_memory_bytes"))
	gpu := onlyActive(sel("ehpc_serverless_container_gpus"))
	storage := onlyActive(sel("ehpc_serverless_container_group_ephemeral_storage_bytes"))
	total := func(expr string) string { return "sum(\n" + withInfo(expr) + "\n) or vector(0)" }
	by := func(label, expr string) string {
		return "sum by (" + label + ") (\n" + withInfo(expr, label) + "\n)"
	}
	// groupLabels copies the group's instance type, spot strategy and zone onto expr.
	groupLabels := func(expr string) string {
		return "(" + expr + ")\n* on (cluster_id, job_id, container_group_id) group_left (instance_type, spot_strategy, zone_id)\n  " +
			sel("ehpc_serverless_container_group_info")
	}
	spotCPU := onlyActive(sel("ehpc_serverless_container_group_cpu_cores") +
		" * on (cluster_id, job_id, container_group_id) group_left () " +
		sel("ehpc_serverless_container_group_info", `spot_strategy!="NoSpot"`))

	b.row("Allocated now")
	b.add(statPanel("CPU cores", "CPU cores of container groups in status Running, Restarting or Updating.", "none", query{Expr: total(cpu)}))
	b.add(statPanel("Memory", "Memory of container groups in status Running, Restarting or Updating.", "bytes", query{Expr: total(mem)}))
	b.add(statPanel("GPUs", "GPUs requested by the containers of running container groups.", "none", query{Expr: total(gpu)}))
	b.add(statPanel("Ephemeral storage", "Ephemeral storage of running container groups.", "bytes", query{Expr: total(storage)}))
	b.add(statPanel("Running container groups", "Container groups in status Running, Restarting or Updating.", "none",
		query{Expr: "count(\n" + withInfo(activeGroups) + "\n) or vector(0)"}))
	b.add(statPanel("Spot share of CPU", "Share of the allocated CPU cores that run on spot instances.", "percentunit",
		query{Expr: "(sum(\n" + withInfo(spotCPU) + "\n) or vector(0))\n/\nsum(\n" + withInfo(cpu) + "\n)"}))

	b.row("By queue and user")
	b.add(timeSeries("CPU cores by queue", "Allocated CPU cores per queue.", "none", query{Expr: by("queue", cpu), Legend: "{{queue}}"}).stacked())
	b.add(timeSeries("CPU cores by user", "Allocated CPU cores per user.", "none", query{Expr: by("user", cpu), Legend: "{{user}}"}).stacked())
	b.add(timeSeries("Memory by queue", "Allocated memory per queue.", "bytes", query{Expr: by("queue", mem), Legend: "{{queue}}"}).stacked())
	b.add(timeSeries("Memory by user", "Allocated memory per user.", "bytes", query{Expr: by("user", mem), Legend: "{{user}}"}).stacked())
	b.add(timeSeries("GPUs by queue", "GPUs requested by running containers per queue.", "none", query{Expr: by("queue", gpu), Legend: "{{queue}}"}).stacked())
	b.add(timeSeries("GPUs by user", "GPUs requested by running containers per user.", "none", query{Expr: by("user", gpu), Legend: "{{user}}"}).stacked())

	b.row("Spot and instance types")
	b.add(timeSeries("CPU cores: spot vs on-demand", "Allocated CPU cores by spot strategy (NoSpot is on-demand).", "none",
		query{Expr: "sum by (spot_strategy) (\n" + withInfo(onlyActive(groupLabels(sel("ehpc_serverless_container_group_cpu_cores")))) + "\n)", Legend: "{{spot_strategy}}"}).
		stacked().size(10, 8))
	b.add(pie("Running container groups by instance type", "Container groups in status Running, Restarting or Updating, per ECS instance type.", "none",
		query{Expr: "count by (instance_type) (\n" + withInfo(onlyActive(sel("ehpc_serverless_container_group_info"))) + "\n)", Legend: "{{instance_type}}"}).size(6, 8))
	b.add(bars("Spot price limits", "Highest hourly price accepted for spot container groups with a price limit, per instance type.", "none",
		query{Expr: "max by (instance_type) (\n" + withInfo(groupLabels(sel("ehpc_serverless_container_group_spot_price_limit"))) + "\n)", Legend: "{{instance_type}}"}))

	b.add(tablePanel("Resources per container group", "Resources of each container group in status Running, Restarting or Updating.",
		query{Expr: withInfo(onlyActive(groupLabels(sel("ehpc_serverless_container_group_cpu_cores"))), "job_name", "queue", "user"), Column: "CPU cores"},
		query{Expr: withInfo(onlyActive(groupLabels(sel("ehpc_serverless_container_group_memory_bytes"))), "job_name", "queue", "user"), Column: "Memory", Unit: "bytes"},
		query{Expr: withInfo(onlyActive(groupLabels(sel("ehpc_serverless_container_group_ephemeral_storage_bytes"))), "job_name", "queue", "user"), Column: "Ephemeral storage", Unit: "bytes"},
		query{Expr: withInfo(onlyActive(groupLabels(sel("ehpc_serverless_container_group_discount"))), "job_name", "queue", "user"), Column: "Discount"}).
		sortBy("CPU cores").size(24, 10))
	return b
}
