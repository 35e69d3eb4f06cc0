package collector

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	metricNameRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelNameRE  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// TestFamilyTable checks the rules every row must follow.
func TestFamilyTable(t *testing.T) {
	table := familyTable(tagLabels{keys: []string{"app"}, names: []string{"tag_app"}}, testClassify)
	seen := map[string]bool{}
	for _, f := range table {
		if seen[f.name] {
			t.Errorf("%s: listed twice", f.name)
		}
		seen[f.name] = true
		if !metricNameRE.MatchString(f.name) || !strings.HasPrefix(f.name, "ehpc_serverless_") {
			t.Errorf("%s: not a valid name with the ehpc_serverless_ prefix", f.name)
		}
		if len(f.help) < 20 {
			t.Errorf("%s: help %q says too little", f.name, f.help)
		}
		if (f.gen == nil) == (f.agg == nil) {
			t.Errorf("%s: needs exactly one of gen and agg", f.name)
		}
		if got := strings.HasSuffix(f.name, "_total"); got != (f.typ == counter) {
			t.Errorf("%s: a %s; only counters end in _total", f.name, f.typ)
		}
		all := f.labels
		if f.gen != nil {
			all = withLabels(jobLabelNames, f.labels...)
		}
		names := map[string]bool{}
		for _, l := range all {
			if !labelNameRE.MatchString(l) || strings.HasPrefix(l, "__") {
				t.Errorf("%s: invalid label name %q", f.name, l)
			}
			if l == "type" || l == "job" {
				t.Errorf("%s: label %q is not allowed", f.name, l)
			}
			if names[l] {
				t.Errorf("%s: label %q twice", f.name, l)
			}
			names[l] = true
		}
		if !names["cluster_id"] {
			t.Errorf("%s: no cluster_id label", f.name)
		}
	}
}

// TestFamiliesDocumented keeps docs/METRICS.md and the table in step.
func TestFamiliesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/METRICS.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range familyTable(tagLabels{}, nil) {
		if !strings.Contains(string(doc), "| "+f.name+" |") {
			t.Errorf("%s is not a row of docs/METRICS.md", f.name)
		}
	}
}

// TestSampleLabelsMatchTable renders a snapshot that exercises every family
// and checks each sample carries exactly the labels its row declares, in order.
func TestSampleLabelsMatchTable(t *testing.T) {
	for _, aggregate := range []bool{false, true} {
		s := newTestStore(t, StoreOptions{TagLabels: []string{"app", "team"}, Classifier: testClassify, AggregateOnly: aggregate, MaxSeries: 1 << 30}, richSnapshot(), seedSnapshot(t))
		checkSampleLabels(t, s)
	}
}

func checkSampleLabels(t *testing.T, s *Store) {
	t.Helper()
	mfs, err := s.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string][]string{}
	for _, mf := range mfs {
		for _, m := range mf.Metric {
			var names []string
			for _, lp := range m.Label {
				names = append(names, lp.GetName())
			}
			if prev, ok := byName[mf.GetName()]; ok && !slices.Equal(prev, names) {
				t.Errorf("%s: label sets differ between samples: %v and %v", mf.GetName(), prev, names)
			}
			byName[mf.GetName()] = names
		}
	}
	for _, f := range s.r.families {
		want := f.labels
		if f.gen != nil {
			want = withLabels(jobLabelNames, f.labels...)
		}
		got, ok := byName[f.name]
		if !ok {
			t.Errorf("%s: no samples from the rich snapshot; extend it", f.name)
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: labels %v, table says %v", f.name, got, want)
		}
	}
}
