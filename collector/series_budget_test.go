package collector_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/analytics"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

// Before compact finished jobs, the answer for 10,000 generated jobs (500
// running) was 85.76 MiB with 582,531 series; the series budget allows 35%
// of that with the default settings.
const (
	uncompactBytes = 85.76 * (1 << 20)
	budgetShare    = 0.35
)

// defaultStoreOptions are the store's options of a config that sets nothing
// under metrics: and analytics:, as internal/apply derives them.
func defaultStoreOptions(tb testing.TB) collector.StoreOptions {
	cls, err := analytics.NewClassifier(nil)
	if err != nil {
		tb.Fatal(err)
	}
	return collector.StoreOptions{Classifier: func(j *client.JobInfo) string { return string(cls.Failure(j)) }}
}

// exposure is an answer taken apart: series and bytes of the jobs of each
// poll class, and of the store-wide rows and HELP/TYPE lines.
type exposure struct {
	jobs             map[collector.Class]int
	series, bytes    map[collector.Class]int
	other, otherSize int
	total            int
}

func measure(tb testing.TB, s *collector.Store) exposure {
	tb.Helper()
	class := map[collector.JobKey]collector.Class{}
	e := exposure{jobs: map[collector.Class]int{}, series: map[collector.Class]int{}, bytes: map[collector.Class]int{}}
	for _, sn := range s.All() {
		class[sn.Key] = sn.Class
		e.jobs[sn.Class]++
	}
	var buf bytes.Buffer
	if _, err := s.WriteTo(&buf); err != nil {
		tb.Fatal(err)
	}
	e.total = buf.Len()
	for line := range strings.SplitAfterSeq(buf.String(), "\n") {
		cluster, job := label(line, "cluster_id"), label(line, "job_id")
		if strings.HasPrefix(line, "#") || job == "" {
			e.otherSize += len(line)
			if !strings.HasPrefix(line, "#") {
				e.other++
			}
			continue
		}
		c := class[collector.JobKey{ClusterID: cluster, JobID: job}]
		e.series[c]++
		e.bytes[c] += len(line)
	}
	return e
}

// label is the value of the label name in one sample line ("" if absent);
// the generated world's values need no unescaping.
func label(line, name string) string {
	i := strings.Index(line, name+`="`)
	if i < 0 {
		return ""
	}
	v := line[i+len(name)+2:]
	return v[:strings.IndexByte(v, '"')]
}

func (e exposure) perJob(c collector.Class) (series, bytes float64) {
	n := float64(e.jobs[c])
	return float64(e.series[c]) / n, float64(e.bytes[c]) / n
}

func (e exposure) String() string {
	var b strings.Builder
	for _, c := range collector.Classes {
		if e.jobs[c] == 0 {
			continue
		}
		s, by := e.perJob(c)
		fmt.Fprintf(&b, "%s jobs: %d, %d series (%.1f per job), %d bytes (%.0f per job)\n", c, e.jobs[c], e.series[c], s, e.bytes[c], by)
	}
	fmt.Fprintf(&b, "store-wide: %d series; with HELP/TYPE lines %d bytes\n", e.other, e.otherSize)
	fmt.Fprintf(&b, "total: %d bytes (%.2f MiB)", e.total, float64(e.total)/(1<<20))
	return b.String()
}

// TestSeriesBudget10k measures the answer for 10,000 generated jobs (500
// running) with the default settings against the budget, and what one
// active and one finished job cost. go test -run SeriesBudget -v ./collector/
// prints the figures.
func TestSeriesBudget10k(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a store from 10,000 simulated jobs")
	}
	e := measure(t, generatedStore(t, 10000, defaultStoreOptions(t)))
	t.Logf("default settings, 10,000 jobs:\n%s", e)
	if e.jobs[collector.ClassActive] != 500 || e.jobs[collector.ClassFrozen] != 9500 {
		t.Fatalf("jobs by class %v, want 500 active and 9,500 frozen", e.jobs)
	}
	if limit := budgetShare * uncompactBytes; float64(e.total) > limit {
		t.Errorf("the answer is %d bytes (%.2f MiB), over the budget of %.2f MiB", e.total, float64(e.total)/(1<<20), limit/(1<<20))
	}
	activeSeries, activeBytes := e.perJob(collector.ClassActive)
	frozenSeries, frozenBytes := e.perJob(collector.ClassFrozen)
	if frozenSeries*2 > activeSeries || frozenBytes*2 > activeBytes {
		t.Errorf("a finished job costs %.1f series and %.0f bytes, an active one %.1f and %.0f: finished jobs are not compact",
			frozenSeries, frozenBytes, activeSeries, activeBytes)
	}
}

// BenchmarkAggregateOnly measures the aggregate-only answer (metrics.per_job:
// false) for 10,000 and 100,000 generated jobs, and times its scrapes.
// go test -run '^$' -bench AggregateOnly -benchtime 20x ./collector/
func BenchmarkAggregateOnly(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("jobs=%d", n), func(b *testing.B) {
			opts := defaultStoreOptions(b)
			opts.AggregateOnly = true
			s := generatedStore(b, n, opts)
			e := measure(b, s)
			if sum := e.series[collector.ClassActive] + e.series[collector.ClassFrozen]; sum != 0 {
				b.Fatalf("%d series of single jobs in the aggregate-only answer", sum)
			}
			b.Logf("aggregate-only, %d jobs: %d series, %d bytes (%.1f KiB)", n, e.other, e.total, float64(e.total)/1024)
			b.ReportMetric(float64(e.other), "series")
			collector.BenchScrapes(b, s)
		})
	}
}
