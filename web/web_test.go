package web

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

func newTestServer(t *testing.T, o Options) *httptest.Server {
	t.Helper()
	if o.MetricsPath == "" {
		o.MetricsPath = "/metrics"
	}
	if o.Metrics == nil {
		o.Metrics = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "m 1\n") })
	}
	h, err := NewHandler(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, method, url string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestReadyFollowsThePoller(t *testing.T) {
	var mu sync.Mutex
	ready := false
	srv := newTestServer(t, Options{Ready: func() bool { mu.Lock(); defer mu.Unlock(); return ready }})
	if code, _, _ := get(t, "GET", srv.URL+"/-/ready"); code != http.StatusServiceUnavailable {
		t.Fatalf("ready before the first poll: %d", code)
	}
	mu.Lock()
	ready = true
	mu.Unlock()
	if code, _, _ := get(t, "GET", srv.URL+"/-/ready"); code != http.StatusOK {
		t.Fatalf("not ready after the first poll: %d", code)
	}
	if code, body, _ := get(t, "GET", srv.URL+"/-/healthy"); code != http.StatusOK || body != "Healthy\n" {
		t.Fatalf("healthy: %d %q", code, body)
	}
}

func TestReloadNeedsPOST(t *testing.T) {
	calls := 0
	fail := false
	srv := newTestServer(t, Options{Reload: func() error {
		calls++
		if fail {
			return errors.New("config.yml:3: clusters[0].cluster_id: required")
		}
		return nil
	}})
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		code, _, h := get(t, m, srv.URL+"/-/reload")
		if code != http.StatusMethodNotAllowed || h.Get("Allow") != "POST" {
			t.Fatalf("%s /-/reload: %d, Allow %q", m, code, h.Get("Allow"))
		}
	}
	if calls != 0 {
		t.Fatalf("reload ran on a non-POST request")
	}
	if code, _, _ := get(t, "POST", srv.URL+"/-/reload"); code != http.StatusOK || calls != 1 {
		t.Fatalf("POST /-/reload: %d after %d calls", code, calls)
	}
	fail = true
	code, body, _ := get(t, "POST", srv.URL+"/-/reload")
	if code != http.StatusInternalServerError || !strings.Contains(body, "cluster_id: required") {
		t.Fatalf("failed reload: %d %q", code, body)
	}
}

func TestLandingAndStatusPages(t *testing.T) {
	now := time.Now()
	jobs := []*collector.JobSnapshot{
		{
			Key:    collector.JobKey{ClusterID: "ehpc-hz-1", JobID: "7"},
			Source: "static", Class: "active",
			Info:        &client.JobInfo{JobID: "7", JobName: `<script>alert("x")</script>`, State: "Running"},
			LastSuccess: now.Add(-90 * time.Second),
			MaxAge:      30 * time.Second, // 90 s old against a 30 s target: overdue
		},
		{
			Key:    collector.JobKey{ClusterID: "ehpc-hz-1", JobID: "9"},
			Source: "static", Class: "active",
			Info:        &client.JobInfo{JobID: "9", State: "Running"},
			LastSuccess: now.Add(-20 * time.Second),
			MaxAge:      30 * time.Second,
		},
		{
			Key:    collector.JobKey{ClusterID: "ehpc-hz-1", JobID: "8"},
			Source: "discovered", Class: "active",
			LastErrorCode: "Throttling.User", LastErrorMessage: "Request was denied due to user flow control.",
		},
	}
	srv := newTestServer(t, Options{Jobs: func() []*collector.JobSnapshot { return jobs }})
	code, body, h := get(t, "GET", srv.URL+"/status")
	if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Fatalf("status: %d %s", code, h.Get("Content-Type"))
	}
	if strings.Contains(body, "<script>") {
		t.Fatalf("status page did not escape a job name:\n%s", body)
	}
	for _, want := range []string{"&lt;script&gt;", "Throttling.User", "3 jobs tracked, 1 with a failing last poll, 1 with data older than their target",
		"never", `<td class="overdue">1m30s (overdue)</td><td>30s</td>`, "<td>20s</td><td>30s</td>"} {
		if !strings.Contains(body, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	code, body, _ = get(t, "GET", srv.URL+"/")
	if code != http.StatusOK || !strings.Contains(body, `href="/metrics"`) || !strings.Contains(body, "/status") {
		t.Fatalf("landing page: %d\n%s", code, body)
	}
	if code, _, _ := get(t, "GET", srv.URL+"/nothing-here"); code != http.StatusNotFound {
		t.Fatalf("unknown path: %d", code)
	}
}

func TestLimitConcurrency(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	h := LimitConcurrency(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		entered <- struct{}{}
		<-release
	}), 1)
	done := make(chan int)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		done <- rec.Code
	}()
	<-entered
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("second concurrent scrape got %d, want 503", rec.Code)
	}
	close(release)
	if code := <-done; code != http.StatusOK {
		t.Fatalf("first scrape got %d", code)
	}
}

func TestLastErrorSaysTheCodeOnce(t *testing.T) {
	for _, tc := range []struct{ code, msg, want string }{
		{"", "", ""},
		{"Throttling.User", "Request was denied.", "Throttling.User: Request was denied."},
		{"HTTP502", "EHPC DescribeServerlessJobs: HTTP502 (HTTP 502): answer without an error code", "EHPC DescribeServerlessJobs: HTTP502 (HTTP 502): answer without an error code"},
		{"Timeout", "", "Timeout"},
	} {
		if got := lastError(tc.code, tc.msg); got != tc.want {
			t.Errorf("lastError(%q, %q) = %q, want %q", tc.code, tc.msg, got, tc.want)
		}
	}
}
