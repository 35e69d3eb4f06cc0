package dashgen

import (
	"strings"
	"testing"
)

func TestSubstitute(t *testing.T) {
	b := Builtins{RateInterval: "20s", Interval: "10s", Range: "5m"}
	cases := map[string]string{
		`rate(x{cluster_id=~"$cluster"}[$__rate_interval])`:         `rate(x{cluster_id=~".*"}[20s])`,
		`increase(x{job_id=~"${job}", user=~"[[user]]"}[$__range])`: `increase(x{job_id=~".*", user=~".*"}[5m])`,
		`avg_over_time(x{queue=~"${queue:regex}"}[$__interval])`:    `avg_over_time(x{queue=~".*"}[10s])`,
		`sum(x)`: `sum(x)`,
	}
	for in, want := range cases {
		if got := Substitute(in, b); got != want {
			t.Errorf("Substitute(%s)\n got %s\nwant %s", in, got, want)
		}
	}
}

func TestQueriesReadsPanelsRowsAndVariables(t *testing.T) {
	raw := []byte(`{
	  "panels": [
	    {"title": "A", "targets": [{"expr": "up", "refId": "A", "instant": true}, {"expr": " ", "refId": "B"}]},
	    {"title": "row", "type": "row", "panels": [{"title": "B", "targets": [{"expr": "sum(up)", "refId": "A"}]}]}
	  ],
	  "templating": {"list": [
	    {"name": "datasource", "type": "datasource", "query": "prometheus"},
	    {"name": "cluster", "type": "query", "query": "label_values(ehpc_serverless_job_info, cluster_id)"},
	    {"name": "job", "type": "query", "query": {"qryType": 1, "query": "label_values(ehpc_serverless_job_info{cluster_id=~\"$cluster\"}, job_id)"}}
	  ]}
	}`)
	qs, err := Queries(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := []Query{
		{Panel: "A", RefID: "A", Expr: "up", Instant: true},
		{Panel: "B", RefID: "A", Expr: "sum(up)"},
		{Panel: "variable cluster", Expr: "ehpc_serverless_job_info", Instant: true, Label: "cluster_id"},
		{Panel: "variable job", Expr: `ehpc_serverless_job_info{cluster_id=~"$cluster"}`, Instant: true, Label: "job_id"},
	}
	if len(qs) != len(want) {
		t.Fatalf("got %d queries %+v, want %d", len(qs), qs, len(want))
	}
	for i := range want {
		if qs[i] != want[i] {
			t.Errorf("query %d: got %+v, want %+v", i, qs[i], want[i])
		}
	}
}

func TestQueriesRejectsUnreadableVariables(t *testing.T) {
	for name, raw := range map[string]string{
		"not JSON":            `{"panels": [`,
		"other function":      `{"templating": {"list": [{"name": "v", "type": "query", "query": "query_result(up)"}]}}`,
		"query of wrong type": `{"templating": {"list": [{"name": "v", "type": "query", "query": 5}]}}`,
	} {
		if _, err := Queries([]byte(raw)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestBoardReportsLayoutMistakes(t *testing.T) {
	b := newBoard("uid", "title", "")
	b.add(statPanel("same", "", "none", query{Expr: "up"}))
	b.add(statPanel("same", "", "none", query{Expr: "up"}))
	if _, err := b.render(); err == nil || !strings.Contains(err.Error(), `duplicate panel title "same"`) {
		t.Errorf("duplicate title: got %v", err)
	}
	b = newBoard("uid", "title", "")
	b.add(statPanel("wide", "", "none", query{Expr: "up"}).size(25, 4))
	if _, err := b.render(); err == nil || !strings.Contains(err.Error(), "width must be 1..24") {
		t.Errorf("too wide: got %v", err)
	}
}

func TestBoardWrapsPanelsOntoNewLines(t *testing.T) {
	b := newBoard("uid", "title", "")
	b.row("r")
	b.add(statPanel("a", "", "none").size(16, 4))
	b.add(statPanel("b", "", "none").size(16, 6))
	b.add(statPanel("c", "", "none").size(8, 2))
	b.row("s")
	got := []gridPos{}
	for _, p := range b.d.Panels {
		switch p := p.(type) {
		case *panel:
			got = append(got, p.GridPos)
		case row:
			got = append(got, p.GridPos)
		}
	}
	want := []gridPos{{1, 24, 0, 0}, {4, 16, 0, 1}, {6, 16, 0, 5}, {2, 8, 16, 5}, {1, 24, 0, 11}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("item %d at %+v, want %+v", i, got[i], want[i])
		}
	}
}
