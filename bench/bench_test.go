package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

func TestParseSample(t *testing.T) {
	s, err := parseSample(`ehpc_serverless_exporter_scheduled_calls_total{cluster_id="c\"1\\",work="list"} 100`)
	if err != nil {
		t.Fatal(err)
	}
	if s.name != "ehpc_serverless_exporter_scheduled_calls_total" || s.labels["cluster_id"] != `c"1\` ||
		s.labels["work"] != "list" || s.value != 100 {
		t.Fatalf("parsed %+v", s)
	}
	if s, err := parseSample("up 1"); err != nil || s.name != "up" || s.value != 1 || len(s.labels) != 0 {
		t.Fatalf("parsed %+v, %v", s, err)
	}
	for _, bad := range []string{"up", `up{a="1} 1`, `up{a} 1`, "up{} x"} {
		if _, err := parseSample(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	samples, err := samplesOf([]byte("# HELP x_a h\nx_a{c=\"1\"} 2\nx_a{c=\"2\"} 3\ny 9\n"), "x_")
	if err != nil {
		t.Fatal(err)
	}
	if v, n := sum(samples, "x_a", nil); v != 5 || n != 2 {
		t.Errorf("sum of x_a = %v over %d samples", v, n)
	}
	if v, n := sum(samples, "x_a", map[string]string{"c": "2"}); v != 3 || n != 1 {
		t.Errorf("sum of x_a{c=2} = %v over %d samples", v, n)
	}
}

func TestQuantile(t *testing.T) {
	var l latencies
	for i := 100; i >= 1; i-- {
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	for q, want := range map[float64]time.Duration{0.5: 50 * time.Millisecond, 0.99: 99 * time.Millisecond, 1: 100 * time.Millisecond} {
		if got := l.quantile(q); got != want {
			t.Errorf("quantile(%v) = %s, want %s", q, got, want)
		}
	}
	if got := (latencies{7}).quantile(0.99); got != 7 {
		t.Errorf("quantile of one = %s", got)
	}
	if got := seriesCount([]byte("# HELP a\n# TYPE a gauge\na 1\na{x=\"1\"} 2\n\n")); got != 2 {
		t.Errorf("seriesCount = %d, want 2", got)
	}
}

func TestFlagsAreChecked(t *testing.T) {
	var stderr strings.Builder
	if _, err := parseFlags(nil, &stderr); err != nil {
		t.Fatalf("defaults rejected: %v", err)
	}
	_, err := parseFlags([]string{"-jobs", "0", "-active", "1.5", "-interval", "500ms", "-rps", "0", "-burst", "0", "-window", "-1s"}, &stderr)
	if err == nil {
		t.Fatal("bad flags accepted")
	}
	for _, want := range []string{"-jobs", "-active", "-interval", "-rps", "-burst", "-window"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not name %s: %v", want, err)
		}
	}
	if code := run([]string{"-clusters", "0"}, io.Discard, io.Discard); code != exitError {
		t.Errorf("exit code %d for bad flags, want %d", code, exitError)
	}
}

// The log keeps every answered call in order, with its page and job, and
// hands over right after the answer to the watched describe.
func TestCallLogKeepsEveryCall(t *testing.T) {
	served := 0
	c := newCallLog(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served++
		if r.URL.Query().Get("JobIds.1") == "bad" {
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	srv := httptest.NewServer(c)
	defer srv.Close()
	call := func(action, cluster string, params ...string) {
		t.Helper()
		q := url.Values{"ClusterId": {cluster}}
		for i := 0; i+1 < len(params); i += 2 {
			q.Set(params[i], params[i+1])
		}
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/?"+q.Encode(), nil)
		req.Header.Set("x-acs-action", action)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	seenAt := -1
	c.afterNextDescribe(jobKey{"a", "7"}, func() { seenAt = served })
	call(client.ActionListServerlessJobs, "a")
	call(client.ActionListServerlessJobs, "a", "PageNumber", "2")
	call(client.ActionDescribeServerlessJobs, "a", "JobIds.1", "7")
	m := c.mark()
	call(client.ActionDescribeServerlessJobs, "b", "JobIds.1", "bad")
	all := c.since(0)
	if len(all) != 4 || !all[0].List || all[0].Page != 1 || all[1].Page != 2 || all[2].Job != "7" || !all[2].OK || all[3].OK {
		t.Fatalf("log %+v", all)
	}
	if got := c.since(m); len(got) != 1 || got[0].Cluster != "b" {
		t.Errorf("since the mark: %+v", got)
	}
	if seenAt != 3 {
		t.Errorf("the watch ran after request %d, want right after the third", seenAt)
	}
}

// spend tells a start's cost from the freshness work beside it: the first
// walk and first describes are cost, later walks and describes of active
// jobs are freshness, a second describe of a finished job is waste, and a
// job an earlier run described is asked again.
func TestSpendSortsCalls(t *testing.T) {
	t0 := time.Unix(1000, 0)
	page := func(p int) call { return call{At: t0, List: true, Page: p, Cluster: "a", OK: true} }
	desc := func(job string) call { return call{At: t0, Cluster: "a", Job: job, OK: true} }
	calls := []call{page(1), page(2), desc("run"), desc("done"), page(1), page(2), desc("run"), desc("done"), desc("old"),
		{At: t0, Cluster: "a", Job: "new", OK: false}, desc("new")}
	finished := func(k jobKey) bool { return k.Job != "run" }
	got := spend(calls, map[jobKey]bool{{"a", "old"}: true}, finished)
	want := spending{WalkPages: 2, LaterPages: 2, First: 4, Again: 1, Refresh: 1, Waste: 1, Errors: 1}
	if got != want {
		t.Errorf("spend = %+v, want %+v", got, want)
	}
	if got.total() != 11 {
		t.Errorf("total %d, want every call", got.total())
	}
	head := spend(calls[:4], nil, finished)
	if tail := spend(calls, nil, finished).minus(head); tail != (spending{LaterPages: 2, First: 3, Refresh: 1, Waste: 1, Errors: 1}) {
		t.Errorf("the stretch after the first four calls: %+v", tail)
	}
}

// A job's data age over a window is the longest it went without an
// answered describe, from its last one before the window to the window's
// end; a job never described in the window is starved.
func TestDataAge(t *testing.T) {
	at := func(s int) time.Time { return time.Unix(int64(s), 0) }
	d := func(job string, s int) call { return call{At: at(s), Cluster: "a", Job: job, OK: true} }
	calls := []call{d("x", 5), d("y", 8), d("x", 15), d("x", 22), {At: at(40), Cluster: "a", Job: "y"}, d("x", 48)}
	f := dataAge(calls, []jobKey{{"a", "x"}, {"a", "y"}, {"a", "z"}}, at(0), at(10), at(50))
	// x: 5 -> 15 (10 s), 22 -> 48 (26 s); y: 8 -> 50 with a failed describe
	// between (42 s); z: never described, 50 s since the start.
	if f.Worst != 50*time.Second || f.Starved != 2 || f.Jobs != 3 || f.Window != 40*time.Second {
		t.Errorf("freshness %+v", f)
	}
	f = dataAge(calls, []jobKey{{"a", "x"}}, at(0), at(10), at(50))
	if f.Worst != 26*time.Second || f.Starved != 0 {
		t.Errorf("freshness of x %+v", f)
	}
}

// The exposition's bytes go to the job their labels name.
func TestCostPerJobAndFamily(t *testing.T) {
	body := []byte(`# HELP a_info x
# TYPE a_info gauge
a_info{cluster_id="c",job_id="1"} 1
a_info{cluster_id="c",job_id="2"} 1
# HELP b_total y
# TYPE b_total counter
b_total{cluster_id="c",array_job_id="9"} 3
b_total{queue="q"} 2
`)
	c := costPerJob(body, map[jobKey]bool{{"c", "1"}: true})
	if c.ActiveJobs != 1 || c.FinishedJobs != 1 || c.Active.Series != 1 || c.Finished.Series != 1 || c.NoJob.Series != 2 {
		t.Errorf("per job %+v", c)
	}
	if c.Active.Bytes != len(`a_info{cluster_id="c",job_id="1"} 1`)+1 {
		t.Errorf("active bytes %d", c.Active.Bytes)
	}
	f := costPerFamily(body)
	if len(f) != 2 || f[0].Name != "a_info" || f[0].Series != 2 || f[1].Series != 2 {
		t.Errorf("per family %+v", f)
	}
	if f[0].Bytes+f[1].Bytes != len(body) {
		t.Errorf("family bytes %d + %d, want the whole body %d", f[0].Bytes, f[1].Bytes, len(body))
	}
}

// A run that starved a job, let data grow old, repeated calls or saw the
// change late misses its targets; one within them passes.
func TestVerdicts(t *testing.T) {
	w := &world{clusters: []clusterInfo{{ID: "a", Jobs: 1000, Active: 50}}}
	good := &report{opts: options{interval: 5 * time.Second, rps: 50, restart: true}, world: w, exporter: &exporter{},
		limit: 5200 * time.Millisecond, listing: 5 * time.Second,
		fresh:             freshness{Jobs: 50, Worst: 6 * time.Second, Window: time.Minute},
		toComplete:        spending{WalkPages: 10, First: 1000, Waste: 5},
		restarted:         true,
		restart:           spending{WalkPages: 10, Again: 51},
		steadyPerInterval: 61,
		changeVisible:     6 * time.Second,
		gzipLatency:       latencies{10 * time.Millisecond}, plainLatency: latencies{20 * time.Millisecond},
		peakRSS: 100 << 20}
	if m := good.missed(); len(m) != 0 {
		t.Fatalf("missed %+v", m)
	}
	bad := *good
	bad.fresh = freshness{Jobs: 50, Worst: 7 * time.Second, Starved: 1, Window: time.Minute}
	bad.toComplete.Waste = 30
	bad.restart.Again = 60
	bad.steadyPerInterval = 70
	bad.changeVisible = 7200*time.Millisecond + time.Millisecond
	bad.peakRSS = 300 << 20
	names := map[string]bool{}
	for _, v := range bad.missed() {
		names[v.name] = true
	}
	want := []string{"active jobs starved", "worst active data age", "calls to describe all once", "calls a restart repeats",
		"calls per steady interval", "state change visible", "exporter peak RSS"}
	for _, n := range want {
		if !names[n] {
			t.Errorf("%q not missed: %v", n, names)
		}
	}
	if len(names) != len(want) {
		t.Errorf("missed %v, want exactly %d", names, len(want))
	}
}
