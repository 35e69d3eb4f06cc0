package collector

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// ownRegistry stands in for the exporter's registry, with one family whose
// name collides with a store family.
func ownRegistry(t *testing.T) *prometheus.Registry {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	up := prometheus.NewGauge(prometheus.GaugeOpts{Name: "ehpc_serverless_exporter_build_info", Help: "Build information.", ConstLabels: prometheus.Labels{"version": "test"}})
	up.Set(1)
	clash := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ehpc_serverless_exporter_jobs_tracked", Help: "A stray duplicate."}, []string{"cluster_id", "source"})
	clash.WithLabelValues("c", "static").Set(42)
	reg.MustRegister(up, clash)
	return reg
}

func get(t *testing.T, h http.Handler, acceptEncoding string) (*http.Response, string) {
	t.Helper()
	return getQuery(t, h, "", acceptEncoding)
}

// getQuery is get with a query string ("" for none).
func getQuery(t *testing.T, h http.Handler, query, acceptEncoding string) (*http.Response, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	u := srv.URL + "/metrics"
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Set explicitly so the transport does not add and strip gzip itself.
	req.Header.Set("Accept-Encoding", acceptEncoding)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestHandler(t *testing.T) {
	s := newTestStore(t, StoreOptions{}, seedSnapshot(t))
	h := Handler(s, ownRegistry(t), log.NewNopLogger())

	for _, tc := range []struct {
		accept string
		gzip   bool
	}{
		{"", false},
		{"gzip", true},
		{"deflate, gzip;q=0.5", true},
		{"gzip;q=0", false},
		{"*", true},
		{"identity", false},
	} {
		resp, body := get(t, h, tc.accept)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if got := resp.Header.Get("Content-Encoding") == "gzip"; got != tc.gzip {
			t.Errorf("Accept-Encoding %q: gzip = %v, want %v", tc.accept, got, tc.gzip)
		}
		if !strings.HasPrefix(body, exposition(t, s)) {
			t.Errorf("Accept-Encoding %q: the body does not start with the store's exposition", tc.accept)
		}
		mfs, err := ParseText(strings.NewReader(body))
		if err != nil {
			t.Fatalf("served text does not parse: %v", err)
		}
		counts := map[string]int{}
		for _, mf := range mfs {
			counts[mf.GetName()]++
		}
		if counts["ehpc_serverless_exporter_build_info"] != 1 {
			t.Error("registry family missing")
		}
		if n := strings.Count(body, "# TYPE ehpc_serverless_exporter_jobs_tracked "); n != 1 {
			t.Errorf("jobs_tracked declared %d times", n)
		}
		if strings.Contains(body, "stray duplicate") || strings.Contains(body, "} 42\n") {
			t.Error("the registry's colliding family was served")
		}
	}
}

type failingGatherer struct{}

func (failingGatherer) Gather() ([]*dto.MetricFamily, error) {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "partial_metric", Help: "Gathered before the failure."})
	reg := prometheus.NewRegistry()
	reg.MustRegister(g)
	mfs, _ := reg.Gather()
	return mfs, errors.New("collector exploded")
}

func TestHandlerGatherError(t *testing.T) {
	var logs bytes.Buffer
	s := newTestStore(t, StoreOptions{}, seedSnapshot(t))
	resp, body := get(t, Handler(s, failingGatherer{}, log.NewLogfmtLogger(&logs)), "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if !strings.Contains(body, "ehpc_serverless_job_info{") || !strings.Contains(body, "partial_metric 0\n") {
		t.Errorf("job data or the partial registry result missing:\n%s", body)
	}
	if !strings.Contains(logs.String(), "collector exploded") {
		t.Errorf("gather error not logged: %q", logs.String())
	}
}

func TestHandlerNilParts(t *testing.T) {
	resp, body := get(t, Handler(nil, nil, nil), "gzip")
	if resp.StatusCode != http.StatusOK || body != "" {
		t.Fatalf("status %d, body %q", resp.StatusCode, body)
	}
	s := newTestStore(t, StoreOptions{}, job("1", nil))
	_, body = get(t, Handler(s, nil, nil), "")
	if body != exposition(t, s) {
		t.Errorf("without a gatherer the body should be the store's exposition, got:\n%s", body)
	}
}

// TestHandlerSelection: collect[] and exclude[] choose families of the store
// and of the registry alike, and a bad entry is refused with a 400 that says
// what is wrong.
func TestHandlerSelection(t *testing.T) {
	s := newTestStore(t, StoreOptions{}, seedSnapshot(t))
	h := Handler(s, ownRegistry(t), log.NewNopLogger())
	families := func(body string) []string {
		mfs, err := ParseText(strings.NewReader(body))
		if err != nil {
			t.Fatalf("served text does not parse: %v", err)
		}
		var names []string
		for _, mf := range mfs {
			names = append(names, mf.GetName())
		}
		return names
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"collect[]=ehpc_serverless_job_state&collect[]=ehpc_serverless_exporter_build_info",
			[]string{"ehpc_serverless_exporter_build_info", "ehpc_serverless_job_state"}},
		{"collect[]=ehpc_serverless_job_.*_timestamp_seconds&exclude[]=ehpc_serverless_job_last_.*",
			[]string{"ehpc_serverless_job_end_timestamp_seconds", "ehpc_serverless_job_start_timestamp_seconds", "ehpc_serverless_job_submit_timestamp_seconds"}},
		{"collect[]=job_state", nil}, // anchored: a part of a name selects nothing
		{"exclude[]=ehpc_serverless_(job|container)_.*&other=kept",
			[]string{"ehpc_serverless_exporter_build_info", "ehpc_serverless_exporter_jobs_by_poll_class", "ehpc_serverless_exporter_jobs_tracked"}},
	} {
		resp, body := getQuery(t, h, tc.query, "gzip")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d: %s", tc.query, resp.StatusCode, body)
		}
		if got := families(body); !slices.Equal(got, tc.want) {
			t.Errorf("%s: families %v, want %v", tc.query, got, tc.want)
		}
	}
	for _, tc := range []struct{ query, want string }{
		{"collect[]=", "collect[] list: entry 1 is empty"},
		{"collect[]=ehpc_serverless_job_state&exclude[]=go_(", `exclude[] list: entry 1 "go_(" is not a valid RE2 expression: error parsing regexp: missing closing ): ` + "`go_(`"},
	} {
		resp, body := getQuery(t, h, tc.query, "")
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", tc.query, resp.StatusCode)
		}
		if !strings.Contains(body, tc.want) || !strings.Contains(body, "bad family selection") {
			t.Errorf("%s: answer %q lacks %q", tc.query, body, tc.want)
		}
	}
}
