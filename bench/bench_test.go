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
	s, err := parseSample(`ehpc_serverless_exporter_poll_cycle_api_calls{cluster_id="c\"1\\",action="List"} 100`)
	if err != nil {
		t.Fatal(err)
	}
	if s.name != "ehpc_serverless_exporter_poll_cycle_api_calls" || s.labels["cluster_id"] != `c"1\` ||
		s.labels["action"] != "List" || s.value != 100 {
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
	_, err := parseFlags([]string{"-jobs", "0", "-active", "1.5", "-interval", "500ms", "-cycles", "0"}, &stderr)
	if err == nil {
		t.Fatal("bad flags accepted")
	}
	for _, want := range []string{"-jobs", "-active", "-interval", "-cycles"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not name %s: %v", want, err)
		}
	}
	if code := run([]string{"-clusters", "0"}, io.Discard, io.Discard); code != exitError {
		t.Errorf("exit code %d for bad flags, want %d", code, exitError)
	}
}

// The counter splits each cluster's calls into cycles at page 1 of the list,
// and hands over right after the answer to the watched describe.
func TestCallCounterSplitsCycles(t *testing.T) {
	served := 0
	c := newCallCounter(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	c.afterNextDescribe("a", "7", func() { seenAt = served })
	for range 2 {
		for _, cl := range []string{"a", "b"} {
			call(client.ActionListServerlessJobs, cl, "PageNumber", "1")
			call(client.ActionListServerlessJobs, cl, "PageNumber", "2")
			call(client.ActionDescribeServerlessJobs, cl, "JobIds.1", "7")
			call(client.ActionDescribeServerlessJobs, cl, "JobIds.1", "bad")
		}
	}
	clusters := []clusterInfo{{ID: "a"}, {ID: "b"}}
	if n := c.started(clusters); n != 2 {
		t.Fatalf("%d cycles started, want 2", n)
	}
	for k := 1; k <= 2; k++ {
		got := c.cycle(clusters, k)
		if got.ListPages != 4 || got.Describes != 4 || got.Errors != 2 || got.total() != 8 {
			t.Errorf("cycle %d: %+v", k, got)
		}
	}
	if seenAt != 3 {
		t.Errorf("the watch ran after request %d, want right after the third", seenAt)
	}
	if !c.quietFor(0) {
		t.Error("not quiet with nothing in flight")
	}
}

// A run that made more calls than the bound allows, or saw the change late,
// misses its targets; one within them passes.
func TestVerdicts(t *testing.T) {
	w := &world{clusters: []clusterInfo{{ID: "a", Jobs: 1000, Active: 50}}}
	cycle := func(lists, describes int) cycleRecord {
		return cycleRecord{Sim: cycleCalls{ListPages: lists, Describes: describes}}
	}
	good := &report{opts: options{interval: 5 * time.Second}, world: w, exporter: &exporter{},
		steady:        []cycleRecord{cycle(10, 50), cycle(10, 53)},
		changeVisible: 6 * time.Second,
		gzipLatency:   latencies{10 * time.Millisecond}, plainLatency: latencies{20 * time.Millisecond},
		peakRSS: 100 << 20}
	if m := good.missed(); len(m) != 0 {
		t.Fatalf("missed %+v", m)
	}
	bad := *good
	bad.steady = []cycleRecord{cycle(10, 1000)}
	bad.changeVisible = 7*time.Second + time.Millisecond
	bad.peakRSS = 300 << 20
	names := map[string]bool{}
	for _, v := range bad.missed() {
		names[v.name] = true
	}
	for _, want := range []string{"API calls per steady cycle", "state change visible", "exporter peak RSS"} {
		if !names[want] {
			t.Errorf("%q not missed: %v", want, names)
		}
	}
	if len(names) != 3 {
		t.Errorf("missed %v, want exactly three", names)
	}
}
