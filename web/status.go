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
td.overdue { color: #b3261e; font-weight: bold; }
.summary { margin-bottom: 1em; }
</style>
</head>
<body>
<h1>E-HPC Serverless Exporter: status</h1>
<p class="summary">{{len .Rows}} jobs tracked, {{.Errors}} with a failing last poll, {{.Overdue}} with data older than their target. Page generated {{.Now}}.</p>
<table>
<thead><tr><th>Cluster</th><th>Job</th><th>Name</th><th>State</th><th>Source</th><th>Polling</th><th>Last successful poll</th><th>Data age</th><th>Target age</th><th>Last error</th></tr></thead>
<tbody>
{{range .Rows}}<tr{{if .ErrorCode}} class="error"{{end}}><td>{{.Cluster}}</td><td>{{.Job}}</td><td>{{.Name}}</td><td>{{.State}}</td><td>{{.Source}}</td><td>{{.Class}}</td><td>{{.LastSuccess}}</td><td{{if .Overdue}} class="overdue"{{end}}>{{.Age}}{{if .Overdue}} (overdue){{end}}</td><td>{{.Target}}</td><td>{{.Error}}</td></tr>
{{end}}</tbody>
</table>
</body>
</html>
`))

type statusRow struct {
	Cluster, Job, Name, State, Source, Class string
	LastSuccess, Age, Target                 string
	Overdue                                  bool
	ErrorCode, Error                         string
}

type statusPage struct {
	Rows            []statusRow
	Errors, Overdue int
	Now             string
}

// overdueSlack is how far past its target a job's data may be before the
// page calls it overdue: a describe is due when the target age is reached,
// and it takes a moment to be made.
const overdueSlack = 4 // a quarter of the target

func statusHandler(jobs func() []*collector.JobSnapshot) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		now := time.Now()
		page := statusPage{Now: now.UTC().Format(time.RFC3339)}
		if jobs != nil {
			for _, s := range jobs() {
				r := row(s, now)
				page.Rows = append(page.Rows, r)
				if s.LastErrorCode != "" {
					page.Errors++
				}
				if r.Overdue {
					page.Overdue++
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
		Target:      "-",
		ErrorCode:   s.LastErrorCode,
		Error:       lastError(s.LastErrorCode, s.LastErrorMessage),
	}
	if s.Info != nil {
		r.Name = s.Info.JobName.String()
		r.State = s.Info.State.String()
	}
	if s.MaxAge > 0 {
		r.Target = s.MaxAge.String()
	}
	if !s.LastSuccess.IsZero() {
		age := now.Sub(s.LastSuccess)
		r.LastSuccess = s.LastSuccess.UTC().Format(time.RFC3339)
		r.Age = age.Truncate(time.Second).String()
		r.Overdue = s.MaxAge > 0 && age > s.MaxAge+s.MaxAge/overdueSlack
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
