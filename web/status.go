package web

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

// html/template escapes every value, so a job name such as "<script>" that
// came from the API is shown as text, never run.
var statusTemplate = template.Must(template.New("status").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>E-HPC Serverless Exporter: status</title>
<style>
body { font-family: sans-serif; margin: 1.5em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
th { background: #e6522c; color: #fff; }
tr.error td { background: #fde8e4; }
.summary { margin-bottom: 1em; }
</style>
</head>
<body>
<h1>E-HPC Serverless Exporter: status</h1>
<p class="summary">{{len .Rows}} jobs tracked, {{.Errors}} with a failing last poll. Page generated {{.Now}}.</p>
<table>
<thead><tr><th>Cluster</th><th>Job</th><th>Name</th><th>State</th><th>Source</th><th>Polling</th><th>Last successful poll</th><th>Data age</th><th>Last error</th></tr></thead>
<tbody>
{{range .Rows}}<tr{{if .ErrorCode}} class="error"{{end}}><td>{{.Cluster}}</td><td>{{.Job}}</td><td>{{.Name}}</td><td>{{.State}}</td><td>{{.Source}}</td><td>{{.Class}}</td><td>{{.LastSuccess}}</td><td>{{.Age}}</td><td>{{.Error}}</td></tr>
{{end}}</tbody>
</table>
</body>
</html>
`))

type statusRow struct {
	Cluster, Job, Name, State, Source, Class string
	LastSuccess, Age                         string
	ErrorCode, Error                         string
}

type statusPage struct {
	Rows   []statusRow
	Errors int
	Now    string
}

func statusHandler(jobs func() []*collector.JobSnapshot) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		now := time.Now()
		page := statusPage{Now: now.UTC().Format(time.RFC3339)}
		if jobs != nil {
			for _, s := range jobs() {
				page.Rows = append(page.Rows, row(s, now))
				if s.LastErrorCode != "" {
					page.Errors++
				}
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = statusTemplate.Execute(w, page)
	})
}

func row(s *collector.JobSnapshot, now time.Time) statusRow {
	r := statusRow{
		Cluster:     s.Key.ClusterID,
		Job:         s.Key.JobID,
		Source:      string(s.Source),
		Class:       string(s.Class),
		LastSuccess: "never",
		Age:         "-",
		ErrorCode:   s.LastErrorCode,
		Error:       lastError(s.LastErrorCode, s.LastErrorMessage),
	}
	if s.Info != nil {
		r.Name = s.Info.JobName.String()
		r.State = s.Info.State.String()
	}
	if !s.LastSuccess.IsZero() {
		r.LastSuccess = s.LastSuccess.UTC().Format(time.RFC3339)
		r.Age = now.Sub(s.LastSuccess).Truncate(time.Second).String()
	}
	return r
}

// lastError is the code and message of a failing job's last poll, with the
// code said once: the client's messages usually name it already.
func lastError(code, msg string) string {
	switch {
	case code == "" || msg == "":
		return code
	case strings.Contains(msg, code):
		return msg
	default:
		return code + ": " + msg
	}
}
