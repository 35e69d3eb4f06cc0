//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/dashgen"
)

// mayBeEmpty lists the dashboard queries that can legitimately return nothing in
// the suite's world, keyed "<file> / <panel> / <refId>", with the reason. There
// are none: the demo scenario and the suite's two deliberate failures give every
// panel something to show.
var mayBeEmpty = map[string]string{}

func dashboardFiles(t *testing.T, root string) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(root, "dashboards", "*.json"))
	if err != nil || len(paths) != 5 {
		t.Fatalf("want the 5 dashboards in dashboards/, found %d (%v)", len(paths), err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = raw
	}
	return out
}

func validateDashboards(t *testing.T, root string) {
	for name, raw := range dashboardFiles(t, root) {
		if ps := dashgen.Validate(raw); len(ps) > 0 {
			t.Errorf("%s: grafana-foundation-sdk rejects it:\n%s", name, strings.Join(ps, "\n"))
			continue
		}
		t.Logf("%s: strict unmarshal, Validate and every target: no problems", name)
	}
}

type dashQuery struct {
	key  string
	q    dashgen.Query
	expr string
}

// dashboardQueries runs every panel and variable query of every dashboard the
// way Grafana would (instant or range; label values for variables), with the
// "All" value for every filter, until each returns data.
func dashboardQueries(t *testing.T, w *world, root string) {
	b := dashgen.Builtins{RateInterval: "30s", Interval: "10s", Range: "10m"}
	var pending []dashQuery
	for name, raw := range dashboardFiles(t, root) {
		qs, err := dashgen.Queries(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, q := range qs {
			key := fmt.Sprintf("%s / %s / %s", name, q.Panel, q.RefID)
			expr := dashgen.Substitute(q.Expr, b)
			pending = append(pending, dashQuery{key: key, q: q, expr: expr})
			// A stat that falls back to 0 always has data; the data must also come
			// from the series themselves.
			if inner, ok := strings.CutSuffix(expr, " or vector(0)"); ok {
				pending = append(pending, dashQuery{key: key + " without its 0 fallback", q: q, expr: inner})
			}
		}
	}
	sort.Slice(pending, func(i, j int) bool { return pending[i].key < pending[j].key })
	total := len(pending)
	withData, failed := 0, map[string]bool{}

	// One pass asks every query still without data; the demo moves on between
	// passes (containers crash, jobs finish), so a query may need a few.
	deadline := time.Now().Add(waitLong)
	eventually(t, waitLong+time.Minute, "every dashboard query returns data", func() (bool, string) {
		var still []dashQuery
		for _, d := range pending {
			n, err := runDashQuery(w, d)
			switch {
			case err != nil:
				if !failed[d.key] {
					t.Errorf("%s: query fails: %v\n%s", d.key, err, d.expr)
					failed[d.key] = true
				}
			case n > 0:
				withData++
			default:
				still = append(still, d)
			}
		}
		pending = still
		if len(pending) == 0 {
			return true, ""
		}
		allExcepted := true
		for _, d := range pending {
			if _, ok := mayBeEmpty[d.key]; !ok {
				allExcepted = false
			}
		}
		// Excepted queries get until the deadline too, to say whether they had data.
		if allExcepted && time.Now().After(deadline) {
			return true, ""
		}
		var keys []string
		for _, d := range pending {
			keys = append(keys, d.key)
		}
		return false, fmt.Sprintf("%d of %d without data: %s", len(pending), total, strings.Join(keys, "; "))
	}, w.prom, w.exporter)

	for _, d := range pending {
		t.Logf("no data, as expected: %s (%s)", d.key, mayBeEmpty[d.key])
	}
	t.Logf("%d dashboard queries (panels and variables) ran without error; %d returned data, %d excepted", total, withData, len(pending))
}

// runDashQuery returns how many series (or label values) a query gave.
func runDashQuery(w *world, d dashQuery) (int, error) {
	now := time.Now()
	from := w.started.Add(-time.Minute)
	switch {
	case d.q.Label != "":
		vs, err := w.api.labelValues(d.q.Label, d.expr, from, now)
		return len(vs), err
	case d.q.Instant:
		ss, err := w.api.query(d.expr)
		return len(ss), err
	default:
		ss, err := w.api.queryRange(d.expr, from, now, 5*time.Second)
		n := 0
		for _, s := range ss {
			if s.Points > 0 {
				n++
			}
		}
		return n, err
	}
}
