package collector

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Gatherer returns a prometheus.Gatherer over exactly the text the store
// serves: it renders the exposition and parses it back. It exists so that
// tests and tools (testutil.GatherAndLint, GatherAndCompare) check what
// scrapers see, not a second code path. It is far slower than a scrape.
func (s *Store) Gatherer() prometheus.Gatherer {
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		var buf bytes.Buffer
		if _, err := s.WriteTo(&buf); err != nil {
			return nil, err
		}
		return ParseText(&buf)
	})
}

// ParseText parses a text exposition into metric families ordered as a
// prometheus.Registry orders them: families by name, samples by label values.
// Label order within a sample is kept as written.
func ParseText(r io.Reader) ([]*dto.MetricFamily, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	byName, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parsing text exposition: %w", err)
	}
	out := make([]*dto.MetricFamily, 0, len(byName))
	for _, mf := range byName {
		slices.SortStableFunc(mf.Metric, compareMetrics)
		out = append(out, mf)
	}
	slices.SortFunc(out, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
	return out, nil
}

func compareMetrics(a, b *dto.Metric) int {
	if len(a.Label) != len(b.Label) {
		return len(a.Label) - len(b.Label)
	}
	for i := range a.Label {
		if c := strings.Compare(a.Label[i].GetValue(), b.Label[i].GetValue()); c != 0 {
			return c
		}
	}
	return 0
}
