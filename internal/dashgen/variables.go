package dashgen

// Grafana's variable refresh and sort codes.
const (
	refreshOnLoad      = 1
	refreshOnTimeRange = 2
	sortAlphaAsc       = 1
	sortNumericAsc     = 3
)

// standardVariables are the filters of every dashboard: the data source, then
// cluster, queue, user and job, each narrowed by the ones before it. Queue and user
// exist only on ehpc_serverless_job_info, so panels apply them through a join.
func standardVariables() []variable {
	return []variable{
		{
			Hide:    0,
			Label:   "Data source",
			Name:    "datasource",
			Options: []any{},
			Query:   "prometheus",
			Refresh: refreshOnLoad,
			Type:    "datasource",
		},
		queryVariable("cluster", "Cluster", "E-HPC cluster id.",
			`label_values(ehpc_serverless_exporter_jobs_tracked, cluster_id)`, sortAlphaAsc),
		queryVariable("queue", "Queue", "Queue the job was submitted to (from ehpc_serverless_job_info).",
			`label_values(ehpc_serverless_job_info{cluster_id=~"$cluster"}, queue)`, sortAlphaAsc),
		queryVariable("user", "User", "User who submitted the job (from ehpc_serverless_job_info).",
			`label_values(ehpc_serverless_job_info{cluster_id=~"$cluster", queue=~"$queue"}, user)`, sortAlphaAsc),
		queryVariable("job", "Job", "Job id; array job tasks are <array id>_<index>.",
			`label_values(ehpc_serverless_job_info{cluster_id=~"$cluster", queue=~"$queue", user=~"$user"}, job_id)`, sortNumericAsc),
	}
}

// queryVariable is a multi-value filter whose "All" matches every value, including
// the empty one (".*" rather than Grafana's default list of the values it found).
func queryVariable(name, label, description, query string, sort int) variable {
	return variable{
		AllValue:    ".*",
		Current:     &variableOption{Selected: true, Text: []string{"All"}, Value: []string{"$__all"}},
		Datasource:  &datasource,
		Definition:  query,
		Description: description,
		IncludeAll:  true,
		Label:       label,
		Multi:       true,
		Name:        name,
		Options:     []any{},
		Query:       variableQuery{QryType: 1, Query: query, RefID: "PrometheusVariableQueryEditor-VariableQuery"},
		Refresh:     refreshOnTimeRange,
		Sort:        sort,
		Type:        "query",
	}
}
