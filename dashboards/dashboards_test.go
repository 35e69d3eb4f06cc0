package dashboards_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/dashboards"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/dashgen"
)

func init() {
	// Panel options, field configs and targets are only checked strictly when the
	// SDK knows their plugin types.
	plugins.RegisterDefaultPlugins()
}

// shipped returns every dashboard file by name.
func shipped(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := fs.WalkDir(dashboards.Files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(dashboards.Files, path)
		out[path] = raw
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 4 {
		t.Fatalf("want the 4 dashboards (overview, failing containers, resources, exporter), found %d: %v", len(out), keys(out))
	}
	return out
}

func keys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// problems lists what the SDK reported. Its strict decoders and validators return
// a cog.BuildErrors slice even when it is empty, so a non-nil error may mean
// "nothing wrong": only its length counts.
func problems(err error) []string {
	if err == nil {
		return nil
	}
	var built cog.BuildErrors
	if errors.As(err, &built) {
		out := make([]string, 0, len(built))
		for _, b := range built {
			out = append(out, b.Error())
		}
		return out
	}
	return []string{err.Error()}
}

// strictProblems is the validation the issue asks for: strict unmarshal of the
// whole dashboard, then Validate.
func strictProblems(raw []byte) []string {
	var d dashboard.Dashboard //lint:ignore SA1019 the v1 JSON model is what Grafana imports; v2 is a different, Kubernetes-style resource
	ps := problems(d.UnmarshalJSONStrict(raw))
	return append(ps, problems(d.Validate())...)
}

func TestDashboardsPassStrictValidation(t *testing.T) {
	for name, raw := range shipped(t) {
		t.Run(name, func(t *testing.T) {
			if ps := strictProblems(raw); len(ps) > 0 {
				t.Fatalf("grafana-foundation-sdk rejects %s:\n%s", name, strings.Join(ps, "\n"))
			}
			// The SDK drops targets that decode without error (it mistakes its
			// empty error list for a failure), so check every target on its own
			// against the Prometheus query model as well.
			for _, tg := range rawTargets(t, raw) {
				var q prometheus.Dataquery
				ps := append(problems(q.UnmarshalJSONStrict(tg.raw)), problems(q.Validate())...)
				if len(ps) > 0 {
					t.Errorf("panel %q target %s is not a strict Prometheus query:\n%s", tg.panel, tg.refID, strings.Join(ps, "\n"))
				}
				if q.Datasource == nil || q.Datasource.Uid == nil || *q.Datasource.Uid != "${datasource}" {
					t.Errorf("panel %q target %s does not use the ${datasource} variable", tg.panel, tg.refID)
				}
			}
		})
	}
}

// TestStrictValidationCatchesMistakes proves the validation above is not vacuous:
// each small mistake in a real dashboard must be reported.
func TestStrictValidationCatchesMistakes(t *testing.T) {
	raw := shipped(t)["ehpc-serverless-overview.json"]
	cases := map[string]func(d map[string]any){
		"unknown top-level field": func(d map[string]any) { d["colour"] = "blue" },
		"missing schemaVersion":   func(d map[string]any) { delete(d, "schemaVersion") },
		"unknown target field": func(d map[string]any) {
			firstPanel(d, "stat")["targets"].([]any)[0].(map[string]any)["exprr"] = "up"
		},
		"stat option of the wrong type": func(d map[string]any) {
			firstPanel(d, "stat")["options"].(map[string]any)["wideLayout"] = "yes"
		},
		"time series without a legend": func(d map[string]any) {
			delete(firstPanel(d, "timeseries")["options"].(map[string]any), "legend")
		},
		"variable of the wrong type": func(d map[string]any) {
			d["templating"].(map[string]any)["list"].([]any)[1].(map[string]any)["multi"] = "yes"
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			var d map[string]any
			if err := json.Unmarshal(raw, &d); err != nil {
				t.Fatal(err)
			}
			mutate(d)
			broken, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			if ps := strictProblems(broken); len(ps) == 0 {
				t.Fatalf("strict validation accepted a dashboard with %s", name)
			}
		})
	}
}

func firstPanel(d map[string]any, kind string) map[string]any {
	for _, p := range d["panels"].([]any) {
		if pm := p.(map[string]any); pm["type"] == kind {
			return pm
		}
	}
	panic("no " + kind + " panel")
}

type rawTarget struct {
	panel, refID string
	raw          json.RawMessage
}

func rawTargets(t *testing.T, raw []byte) []rawTarget {
	t.Helper()
	var d struct {
		Panels []struct {
			Title   string            `json:"title"`
			Targets []json.RawMessage `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	var out []rawTarget
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			var id struct {
				RefID string `json:"refId"`
			}
			if err := json.Unmarshal(tg, &id); err != nil {
				t.Fatal(err)
			}
			out = append(out, rawTarget{panel: p.Title, refID: id.RefID, raw: tg})
		}
	}
	return out
}

func TestDashboardsAreGenerated(t *testing.T) {
	files := shipped(t)
	generated, err := dashgen.All()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, g := range generated {
		names[g.Name] = true
		if !bytes.Equal(files[g.Name], g.JSON) {
			t.Errorf("%s differs from what internal/dashgen generates: run `go generate ./dashboards`", g.Name)
		}
	}
	for name := range files {
		if !names[name] {
			t.Errorf("%s is not generated by internal/dashgen: add it there or remove it", name)
		}
	}
}

// model is the part of the dashboard JSON the structural checks read.
type model struct {
	UID           string   `json:"uid"`
	Title         string   `json:"title"`
	Tags          []string `json:"tags"`
	SchemaVersion int      `json:"schemaVersion"`
	Panels        []struct {
		ID         int    `json:"id"`
		Type       string `json:"type"`
		Title      string `json:"title"`
		Datasource *struct {
			Type string `json:"type"`
			UID  string `json:"uid"`
		} `json:"datasource"`
		GridPos struct{ H, W, X, Y int } `json:"gridPos"`
	} `json:"panels"`
	Templating struct {
		List []struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Query      json.RawMessage `json:"query"`
			Datasource *struct {
				Type string `json:"type"`
				UID  string `json:"uid"`
			} `json:"datasource"`
			IncludeAll bool   `json:"includeAll"`
			AllValue   string `json:"allValue"`
			Multi      bool   `json:"multi"`
		} `json:"list"`
	} `json:"templating"`
}

func TestDashboardStructure(t *testing.T) {
	uids := map[string]string{}
	for name, raw := range shipped(t) {
		var m model
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if other, dup := uids[m.UID]; dup || m.UID == "" {
			t.Errorf("%s: uid %q is empty or also used by %s", name, m.UID, other)
		}
		uids[m.UID] = name
		if m.SchemaVersion < 41 {
			t.Errorf("%s: schemaVersion %d is not a current Grafana schema", name, m.SchemaVersion)
		}
		if !contains(m.Tags, dashgen.Tag) {
			t.Errorf("%s: lacks the tag %q the dashboard links use", name, dashgen.Tag)
		}

		// Variables: a Prometheus data source variable, then the four filters.
		vars := map[string]int{}
		for i, v := range m.Templating.List {
			vars[v.Name] = i
		}
		ds, ok := vars["datasource"]
		if !ok || m.Templating.List[ds].Type != "datasource" || string(m.Templating.List[ds].Query) != `"prometheus"` {
			t.Errorf("%s: needs a variable `datasource` of type datasource with query \"prometheus\"", name)
		}
		for _, want := range []string{"cluster", "queue", "user", "job"} {
			i, ok := vars[want]
			if !ok {
				t.Errorf("%s: no variable %q", name, want)
				continue
			}
			v := m.Templating.List[i]
			if v.Type != "query" || v.Datasource == nil || v.Datasource.UID != "${datasource}" || !v.Multi || !v.IncludeAll || v.AllValue != ".*" {
				t.Errorf("%s: variable %q must be a multi-value query variable on ${datasource} whose All is .*", name, want)
			}
		}

		// Panels: unique ids, the datasource variable, inside the grid, no overlap.
		ids := map[int]bool{}
		for i, p := range m.Panels {
			if ids[p.ID] {
				t.Errorf("%s: panel id %d used twice", name, p.ID)
			}
			ids[p.ID] = true
			if p.Type != "row" && (p.Datasource == nil || p.Datasource.Type != "prometheus" || p.Datasource.UID != "${datasource}") {
				t.Errorf("%s: panel %q does not use the ${datasource} variable", name, p.Title)
			}
			g := p.GridPos
			if g.W <= 0 || g.H <= 0 || g.X < 0 || g.X+g.W > 24 {
				t.Errorf("%s: panel %q lies outside the 24-column grid: %+v", name, p.Title, g)
			}
			for _, q := range m.Panels[:i] {
				h := q.GridPos
				if g.X < h.X+h.W && h.X < g.X+g.W && g.Y < h.Y+h.H && h.Y < g.Y+g.H {
					t.Errorf("%s: panels %q and %q overlap", name, q.Title, p.Title)
				}
			}
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// parseBuiltins are stand-ins for Grafana's interval variables; any valid duration
// will do for parsing.
var parseBuiltins = dashgen.Builtins{RateInterval: "1m", Interval: "1m", Range: "1h"}

// withoutInfo are job families that exist before a job's first successful describe,
// when it has no ehpc_serverless_job_info to take queue and user from.
var withoutInfo = map[string]bool{"ehpc_serverless_job_poll_errors_total": true}

// exporterWide are the exporter's own families that have no cluster_id label.
var exporterWide = map[string]bool{
	"ehpc_serverless_exporter_api_request_duration_seconds_bucket":          true,
	"ehpc_serverless_exporter_config_last_reload_successful":                true,
	"ehpc_serverless_exporter_config_last_reload_success_timestamp_seconds": true,
	"ehpc_serverless_exporter_build_info":                                   true,
}

func TestEveryQueryParsesAndUsesKnownMetrics(t *testing.T) {
	known := documentedMetrics(t)
	for name, raw := range shipped(t) {
		qs, err := dashgen.Queries(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(qs) < 10 {
			t.Fatalf("%s: only %d queries found; the extraction is broken", name, len(qs))
		}
		for _, q := range qs {
			where := fmt.Sprintf("%s: %s %s", name, q.Panel, q.RefID)
			expr, err := parser.NewParser(parser.Options{}).ParseExpr(dashgen.Substitute(q.Expr, parseBuiltins))
			if err != nil {
				t.Errorf("%s: does not parse as PromQL: %v\n%s", where, err, q.Expr)
				continue
			}
			metrics := selectedMetrics(expr)
			if len(metrics) == 0 && !strings.Contains(q.Expr, "vector(") {
				t.Errorf("%s: selects no metric", where)
			}
			jobData, clusterScoped := false, false
			for _, m := range metrics {
				if !known[documentedName(m)] {
					t.Errorf("%s: metric %s is not in docs/METRICS.md", where, m)
				}
				if !strings.HasPrefix(m, "ehpc_serverless_exporter_") && !withoutInfo[m] {
					jobData = true
				}
				if !exporterWide[m] {
					clusterScoped = true
				}
			}
			// Every query follows the filters its series can honour.
			if clusterScoped && !strings.Contains(q.Expr, "$cluster") && q.Panel != "variable cluster" {
				t.Errorf("%s: ignores the cluster variable:\n%s", where, q.Expr)
			}
			if jobData && !strings.HasPrefix(q.Panel, "variable ") {
				for _, v := range []string{"$job", "$queue", "$user"} {
					if !strings.Contains(q.Expr, v) {
						t.Errorf("%s: reads job series but ignores %s:\n%s", where, v, q.Expr)
					}
				}
			}
		}
	}
}

func selectedMetrics(e parser.Expr) []string {
	var out []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			out = append(out, vs.Name)
		}
		return nil
	})
	return out
}

// documentedName maps a histogram's series to its family name.
func documentedName(metric string) string {
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(metric, suffix); ok && strings.HasSuffix(base, "_seconds") {
			return base
		}
	}
	return metric
}

var metricInDocs = regexp.MustCompile(`(?m)^\| (ehpc_serverless_[a-z0-9_]+) \|`)

func documentedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	doc, err := os.ReadFile("../docs/METRICS.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, m := range metricInDocs.FindAllStringSubmatch(string(doc), -1) {
		out[m[1]] = true
	}
	if len(out) < 30 {
		t.Fatalf("found only %d metrics in docs/METRICS.md; has its table format changed?", len(out))
	}
	return out
}
