package blackbox

import (
	"fmt"
	"maps"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

// samples maps each sample of an exposition to its value, keyed as the text
// format writes the sample: name{label="value",...}, the labels in the order
// they came, or the bare name when there are none. Tests look series up by
// the exact text a scraper receives.
type samples map[string]float64

// parseSamples reads a text exposition with the exporter's own parser
// (expfmt's): an exposition that does not parse fails the test.
func parseSamples(t testing.TB, text string) samples {
	t.Helper()
	mfs, err := collector.ParseText(strings.NewReader(text))
	if err != nil {
		t.Fatalf("the exposition does not parse: %v", err)
	}
	return samplesOf(mfs)
}

// gatherSamples reads a registry as a scrape of it shows it.
func gatherSamples(t testing.TB, g prometheus.Gatherer) samples {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	return samplesOf(mfs)
}

func samplesOf(mfs []*dto.MetricFamily) samples {
	out := samples{}
	for _, mf := range mfs {
		name := mf.GetName()
		for _, m := range mf.GetMetric() {
			l := m.GetLabel()
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				out[sampleKey(name, l)] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[sampleKey(name, l)] = m.GetGauge().GetValue()
			case dto.MetricType_UNTYPED:
				out[sampleKey(name, l)] = m.GetUntyped().GetValue()
			case dto.MetricType_SUMMARY:
				s := m.GetSummary()
				for _, q := range s.GetQuantile() {
					out[sampleKey(name, l, "quantile", formatFloat(q.GetQuantile()))] = q.GetValue()
				}
				out[sampleKey(name+"_sum", l)] = s.GetSampleSum()
				out[sampleKey(name+"_count", l)] = float64(s.GetSampleCount())
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				for _, b := range h.GetBucket() {
					out[sampleKey(name+"_bucket", l, "le", formatFloat(b.GetUpperBound()))] = float64(b.GetCumulativeCount())
				}
				// A gathered histogram leaves its +Inf bucket implicit; the
				// text format always writes it.
				out[sampleKey(name+"_bucket", l, "le", "+Inf")] = float64(h.GetSampleCount())
				out[sampleKey(name+"_sum", l)] = h.GetSampleSum()
				out[sampleKey(name+"_count", l)] = float64(h.GetSampleCount())
			}
		}
	}
	return out
}

var labelValueEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)

func sampleKey(name string, labels []*dto.LabelPair, extra ...string) string {
	if len(labels) == 0 && len(extra) == 0 {
		return name
	}
	var b strings.Builder
	b.WriteString(name)
	sep := byte('{')
	pair := func(k, v string) {
		b.WriteByte(sep)
		sep = ','
		b.WriteString(k)
		b.WriteString(`="`)
		labelValueEscaper.WriteString(&b, v)
		b.WriteByte('"')
	}
	for _, lp := range labels {
		pair(lp.GetName(), lp.GetValue())
	}
	for i := 0; i+1 < len(extra); i += 2 {
		pair(extra[i], extra[i+1])
	}
	b.WriteByte('}')
	return b.String()
}

// formatFloat writes a float as the text format does.
func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case math.IsNaN(f):
		return "NaN"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func (s samples) get(series string) (float64, bool) {
	v, ok := s[series]
	return v, ok
}

func (s samples) want(t testing.TB, series string, v float64) {
	t.Helper()
	got, ok := s[series]
	switch {
	case !ok:
		t.Errorf("/metrics lacks %s", series)
	case got != v:
		t.Errorf("%s = %v, want %v", series, got, v)
	}
}

// jobSeries formats a per-job series as the exporter writes it.
func jobSeries(name, clusterID, jobID string, labelPairs ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s{cluster_id=%q,job_id=%q", name, clusterID, jobID)
	for i := 0; i+1 < len(labelPairs); i += 2 {
		fmt.Fprintf(&b, ",%s=%q", labelPairs[i], labelPairs[i+1])
	}
	b.WriteByte('}')
	return b.String()
}

// The keys are the lines a scraper reads, whatever the type, and a gathered
// registry gives the same keys as its text exposition.
func TestSamplesAreKeyedAsTheTextFormatWritesThem(t *testing.T) {
	const text = `# TYPE up gauge
up 1
# TYPE job_info gauge
job_info{cluster_id="c",job_name="<script>alert(\"x\")</script>",path="a\\b\nc"} 1
# TYPE calls_total counter
calls_total{code="OK"} 3
# TYPE latency_seconds histogram
latency_seconds_bucket{action="d",le="0.5"} 2
latency_seconds_bucket{action="d",le="+Inf"} 3
latency_seconds_sum{action="d"} 1.25
latency_seconds_count{action="d"} 3
# TYPE gc_seconds summary
gc_seconds{quantile="0.5"} 0.001
gc_seconds_sum 0.5
gc_seconds_count 7
`
	got := parseSamples(t, text)
	want := samples{
		`up`: 1,
		`job_info{cluster_id="c",job_name="<script>alert(\"x\")</script>",path="a\\b\nc"}`: 1,
		`calls_total{code="OK"}`:                       3,
		`latency_seconds_bucket{action="d",le="0.5"}`:  2,
		`latency_seconds_bucket{action="d",le="+Inf"}`: 3,
		`latency_seconds_sum{action="d"}`:              1.25,
		`latency_seconds_count{action="d"}`:            3,
		`gc_seconds{quantile="0.5"}`:                   0.001,
		`gc_seconds_sum`:                               0.5,
		`gc_seconds_count`:                             7,
	}
	if !maps.Equal(got, want) {
		t.Errorf("parsed\n%v\nwant\n%v", got, want)
	}
	if got := jobSeries("job_info", "c", "1", "job_name", `<b>"x"</b>`); got != `job_info{cluster_id="c",job_id="1",job_name="<b>\"x\"</b>"}` {
		t.Errorf("jobSeries = %s", got)
	}

	reg := prometheus.NewRegistry()
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "latency_seconds", Buckets: []float64{0.5}}, []string{"action"})
	reg.MustRegister(h)
	for _, v := range []float64{0.25, 0.25, 0.75} {
		h.WithLabelValues("d").Observe(v)
	}
	gathered := gatherSamples(t, reg)
	for k, v := range want {
		if strings.HasPrefix(k, "latency_seconds") && gathered[k] != v {
			t.Errorf("gathered %s = %v, want %v as in its text", k, gathered[k], v)
		}
	}
	if len(gathered) != 4 {
		t.Errorf("gathered %d samples of one histogram with one bucket, want 4: %v", len(gathered), gathered)
	}
}
