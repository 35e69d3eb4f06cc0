package collector

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/proto"
)

func TestExpositionLints(t *testing.T) {
	compact := compactSnapshot()
	compact.Key.JobID = "10_4"
	for _, s := range []*Store{
		newTestStore(t, StoreOptions{TagLabels: []string{"app"}, Classifier: testClassify, MaxSeries: 1 << 20}, seedSnapshot(t), richSnapshot(), compact, job("never", nil)),
		newTestStore(t, StoreOptions{AggregateOnly: true}, aggregateSnapshots(t)...),
	} {
		problems, err := testutil.GatherAndLint(s.Gatherer())
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Errorf("lint: %s: %s", p.Metric, p.Text)
		}
	}
}

// TestExpositionRoundTrip parses what is served, encodes it again with expfmt
// and parses that: nothing may be lost or changed, and every sample line of
// the original must be accounted for.
func TestExpositionRoundTrip(t *testing.T) {
	s := newTestStore(t, StoreOptions{TagLabels: []string{"app"}}, seedSnapshot(t), richSnapshot(), job("never", nil))
	text := exposition(t, s)
	first, err := ParseText(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	samples := 0
	for _, mf := range first {
		samples += len(mf.Metric)
		if _, err := expfmt.MetricFamilyToText(&again, mf); err != nil {
			t.Fatal(err)
		}
	}
	lines := 0
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if !strings.HasPrefix(l, "#") {
			lines++
		}
	}
	if samples != lines {
		t.Errorf("parsed %d samples from %d sample lines", samples, lines)
	}
	second, err := ParseText(&again)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != len(second) {
		t.Fatalf("%d families, then %d", len(first), len(second))
	}
	for i := range first {
		if !proto.Equal(first[i], second[i]) {
			t.Errorf("family %s changed in the round trip", first[i].GetName())
		}
	}
	// Every family carries the table's help and type.
	for _, mf := range first {
		found := false
		for _, f := range s.r.families {
			if f.name == mf.GetName() {
				found = true
				if mf.GetHelp() != f.help || !strings.EqualFold(mf.GetType().String(), f.typ.String()) {
					t.Errorf("%s: help/type %q/%s, table says %q/%s", f.name, mf.GetHelp(), mf.GetType(), f.help, f.typ)
				}
			}
		}
		if !found {
			t.Errorf("%s is served but not in the table", mf.GetName())
		}
	}
}

// TestGoldenExpositionsPassPromtool runs promtool check metrics, the linter
// Prometheus users run, over the pinned compact and aggregate-only answers.
func TestGoldenExpositionsPassPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed")
	}
	for _, name := range []string{"seed.golden.prom", "compact.golden.prom", "aggregate.golden.prom"} {
		t.Run(name, func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(promtool, "check", "metrics")
			cmd.Stdin = bytes.NewReader(text)
			if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
				t.Errorf("promtool check metrics: %v\n%s", err, out)
			}
		})
	}
}
