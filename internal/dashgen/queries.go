package dashgen

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Query is one PromQL expression found in a dashboard.
type Query struct {
	Panel string // panel title, or "variable <name>"
	RefID string // target refId; empty for variables
	Expr  string // as written, with Grafana variables
	// Instant is true for instant targets (stats, tables, charts) and for variables.
	Instant bool
	// Label is the label a variable lists (label_values(Expr, Label)); empty for panels.
	Label string
}

// Queries returns every PromQL expression of a dashboard's panels (rows included)
// and query variables, in the order they appear. It reads any dashboard JSON, not
// only generated ones, and fails on a query variable it cannot read.
func Queries(raw []byte) ([]Query, error) {
	var d struct {
		Panels     []jsonPanel `json:"panels"`
		Templating struct {
			List []struct {
				Name  string          `json:"name"`
				Type  string          `json:"type"`
				Query json.RawMessage `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("decode dashboard: %w", err)
	}
	var out []Query
	var walk func([]jsonPanel)
	walk = func(ps []jsonPanel) {
		for _, p := range ps {
			for _, t := range p.Targets {
				if strings.TrimSpace(t.Expr) == "" {
					continue
				}
				out = append(out, Query{Panel: p.Title, RefID: t.RefID, Expr: t.Expr, Instant: t.Instant})
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		text, err := variableText(v.Query)
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", v.Name, err)
		}
		expr, label, err := parseLabelValues(text)
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", v.Name, err)
		}
		out = append(out, Query{Panel: "variable " + v.Name, Expr: expr, Instant: true, Label: label})
	}
	return out, nil
}

type jsonPanel struct {
	Title   string      `json:"title"`
	Panels  []jsonPanel `json:"panels"`
	Targets []struct {
		Expr    string `json:"expr"`
		RefID   string `json:"refId"`
		Instant bool   `json:"instant"`
	} `json:"targets"`
}

// variableText accepts both forms Grafana saves: a plain string, or the Prometheus
// variable editor's object with a "query" field.
func variableText(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var o struct {
		Query string `json:"query"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return "", fmt.Errorf("query is neither a string nor an object with a query field: %s", raw)
	}
	return o.Query, nil
}

var labelValuesRE = regexp.MustCompile(`^\s*label_values\(\s*(.+?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$`)

// parseLabelValues splits Grafana's label_values(<selector>, <label>).
func parseLabelValues(q string) (expr, label string, err error) {
	m := labelValuesRE.FindStringSubmatch(q)
	if m == nil {
		return "", "", fmt.Errorf("query %q is not of the form label_values(<selector>, <label>)", q)
	}
	return m[1], m[2], nil
}

// Builtins are durations for Grafana's interval variables when a query runs outside
// Grafana. Range must cover enough scrapes for increase() and rate() to have data.
type Builtins struct {
	RateInterval string // $__rate_interval
	Interval     string // $__interval
	Range        string // $__range
}

var variableRE = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)(?::[A-Za-z0-9_]+)?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)\]\]`)

// Substitute replaces Grafana variables in a PromQL expression: the interval
// variables by the given durations and every other variable ($cluster, ${job},
// [[user]]) by ".*", which is what the dashboards' "All" option sends.
func Substitute(expr string, b Builtins) string {
	return variableRE.ReplaceAllStringFunc(expr, func(v string) string {
		m := variableRE.FindStringSubmatch(v)
		name := m[1] + m[2] + m[3]
		switch name {
		case "__rate_interval":
			return b.RateInterval
		case "__interval":
			return b.Interval
		case "__range":
			return b.Range
		}
		return ".*"
	})
}
