package simulator

import (
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"testing"
	"time"
)

func TestGenerate(t *testing.T) {
	sc := Generate(GenerateOptions{Jobs: 10000, ActiveFraction: 0.05, Clusters: 2, Seed: 42})
	if again := Generate(GenerateOptions{Jobs: 10000, ActiveFraction: 0.05, Clusters: 2, Seed: 42}); !reflect.DeepEqual(sc, again) {
		t.Fatal("same options gave different scenarios")
	}
	w, err := compile(sc, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	total, active := 0, 0
	for _, c := range sc.Clusters {
		cl := w.clusters[c.ID]
		n, _ := w.list(cl, 0, listQuery{pageNumber: 1, pageSize: 1})
		total += n
		for _, st := range []string{StatePending, StateRunning} {
			m, _ := w.list(cl, 0, listQuery{pageNumber: 1, pageSize: 1, state: st})
			active += m
		}
	}
	if total != 10000 || active != 500 {
		t.Fatalf("%d jobs, %d active; want 10000 and 500", total, active)
	}
	// Active jobs stay active for the day.
	running := 0
	for _, c := range sc.Clusters {
		n, _ := w.list(w.clusters[c.ID], 12*time.Hour, listQuery{pageNumber: 1, pageSize: 1, state: StateRunning})
		running += n
	}
	if running != 500 {
		t.Fatalf("%d running after 12h, want 500", running)
	}
}

// BenchmarkListGenerated pages through 10,000 jobs, 100 a page, as discovery
// does, through the HTTP handler (signature check included).
func BenchmarkListGenerated(b *testing.B) {
	for _, state := range []string{"", "Running"} {
		b.Run("state="+state, func(b *testing.B) {
			sim, err := New(Options{Scenario: Generate(GenerateOptions{Jobs: 10000, ActiveFraction: 0.05, Seed: 1}), Keys: testKeys()})
			if err != nil {
				b.Fatal(err)
			}
			f := &fixture{t: &testing.T{}, sim: sim, wall: time.Now()}
			sim.wall = func() time.Time { return f.wall }
			b.ReportAllocs()
			b.ResetTimer()
			pages := 0
			for b.Loop() {
				page := pages%100 + 1
				q := url.Values{"ClusterId": {GeneratedClusterID(0)}, "PageSize": {"100"}, "PageNumber": {strconv.Itoa(page)}}
				if state != "" {
					q.Set("State", state)
				}
				req := f.v3(ActionListServerlessJobs, q).request(f.t, "http://127.0.0.1")
				rec := httptest.NewRecorder()
				sim.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
				}
				pages++
			}
		})
	}
}

// BenchmarkDescribeGenerated describes jobs of a 10,000-job scenario.
func BenchmarkDescribeGenerated(b *testing.B) {
	w, err := compile(Generate(GenerateOptions{Jobs: 10000, Seed: 1}), time.Now())
	if err != nil {
		b.Fatal(err)
	}
	cl := w.clusters[GeneratedClusterID(0)]
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		j, _ := cl.lookup(strconv.Itoa(i%10000+1), time.Hour)
		_ = w.describe(j, time.Hour)
		i++
	}
}
