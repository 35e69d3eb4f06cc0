package collector

import (
	"fmt"
	"net/url"
	"regexp"
)

// The scrape-time selection, as node_exporter and kube-state-metrics offer it:
// /metrics?collect[]=name&collect[]=... answers only the families named, and
// exclude[]= everything but them, so that one Prometheus job can scrape the
// analytics often and another the per-job families rarely. Entries are
// names or anchored RE2 expressions, like metrics.allow and metrics.deny,
// which still apply first: a scrape cannot bring back what the config leaves
// out.
const (
	collectParam = "collect[]"
	excludeParam = "exclude[]"
)

// selection is one scrape's choice of families; the nil selection is all.
type selection struct {
	collect, exclude []*regexp.Regexp
}

// parseSelection reads collect[] and exclude[] from a scrape's query; other
// parameters are left alone.
func parseSelection(q url.Values) (*selection, error) {
	if len(q[collectParam]) == 0 && len(q[excludeParam]) == 0 {
		return nil, nil
	}
	collect, err := compilePatterns(collectParam, q[collectParam])
	if err != nil {
		return nil, err
	}
	exclude, err := compilePatterns(excludeParam, q[excludeParam])
	if err != nil {
		return nil, err
	}
	return &selection{collect: collect, exclude: exclude}, nil
}

// has reports whether the family name is part of the scrape.
func (s *selection) has(name string) bool {
	return s == nil || selected(name, s.collect, s.exclude)
}

// badSelection is the 400 answer's text.
func badSelection(err error) string {
	return fmt.Sprintf("bad family selection: %v (%s and %s take metric family names or anchored RE2 expressions, e.g. %s=ehpc_serverless_job_state or %s=go_.*)\n",
		err, collectParam, excludeParam, collectParam, excludeParam)
}
