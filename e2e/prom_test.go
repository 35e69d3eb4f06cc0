//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// promAPI is the part of Prometheus's HTTP API the suite reads.
type promAPI struct {
	base   string
	client *http.Client
}

func newPromAPI(base string) *promAPI {
	return &promAPI{base: base, client: &http.Client{Timeout: 15 * time.Second}}
}

type sample struct {
	Metric map[string]string
	Value  float64
}

type series struct {
	Metric map[string]string
	Points int
}

type alert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	State       string            `json:"state"`
	ActiveAt    time.Time         `json:"activeAt"`
	Value       string            `json:"value"`
}

func (a alert) value() float64 {
	v, _ := strconv.ParseFloat(a.Value, 64)
	return v
}

// get calls an API endpoint and decodes its data, failing on an error answer.
func (p *promAPI) get(path string, params url.Values, data any) error {
	resp, err := p.client.Get(p.base + path + "?" + params.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Status    string          `json:"status"`
		Data      json.RawMessage `json:"data"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("%s: HTTP %d, not an API answer: %.200s", path, resp.StatusCode, body)
	}
	if env.Status != "success" {
		return fmt.Errorf("%s: %s: %s", path, env.ErrorType, env.Error)
	}
	return json.Unmarshal(env.Data, data)
}

type queryData struct {
	ResultType string          `json:"resultType"`
	Result     json.RawMessage `json:"result"`
}

// query runs an instant query now. A scalar result is one sample without labels.
func (p *promAPI) query(expr string) ([]sample, error) {
	var d queryData
	if err := p.get("/api/v1/query", url.Values{"query": {expr}}, &d); err != nil {
		return nil, err
	}
	switch d.ResultType {
	case "vector":
		var rs []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		}
		if err := json.Unmarshal(d.Result, &rs); err != nil {
			return nil, err
		}
		out := make([]sample, 0, len(rs))
		for _, r := range rs {
			out = append(out, sample{Metric: r.Metric, Value: parseValue(r.Value[1])})
		}
		return out, nil
	case "scalar":
		var v [2]any
		if err := json.Unmarshal(d.Result, &v); err != nil {
			return nil, err
		}
		return []sample{{Metric: map[string]string{}, Value: parseValue(v[1])}}, nil
	}
	return nil, fmt.Errorf("query %q: unexpected result type %s", expr, d.ResultType)
}

// queryRange runs a range query, as Grafana does for time series panels.
func (p *promAPI) queryRange(expr string, start, end time.Time, step time.Duration) ([]series, error) {
	var d queryData
	params := url.Values{
		"query": {expr},
		"start": {strconv.FormatInt(start.Unix(), 10)},
		"end":   {strconv.FormatInt(end.Unix(), 10)},
		"step":  {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)},
	}
	if err := p.get("/api/v1/query_range", params, &d); err != nil {
		return nil, err
	}
	var rs []struct {
		Metric map[string]string `json:"metric"`
		Values [][2]any          `json:"values"`
	}
	if err := json.Unmarshal(d.Result, &rs); err != nil {
		return nil, err
	}
	out := make([]series, 0, len(rs))
	for _, r := range rs {
		out = append(out, series{Metric: r.Metric, Points: len(r.Values)})
	}
	return out, nil
}

// labelValues is what Grafana's label_values(match, label) asks for.
func (p *promAPI) labelValues(label, match string, start, end time.Time) ([]string, error) {
	var vs []string
	params := url.Values{
		"match[]": {match},
		"start":   {strconv.FormatInt(start.Unix(), 10)},
		"end":     {strconv.FormatInt(end.Unix(), 10)},
	}
	err := p.get("/api/v1/label/"+url.PathEscape(label)+"/values", params, &vs)
	return vs, err
}

func (p *promAPI) alerts() ([]alert, error) {
	var d struct {
		Alerts []alert `json:"alerts"`
	}
	err := p.get("/api/v1/alerts", url.Values{}, &d)
	return d.Alerts, err
}

type target struct {
	Labels    map[string]string `json:"labels"`
	Health    string            `json:"health"`
	LastError string            `json:"lastError"`
	ScrapeURL string            `json:"scrapeUrl"`
}

func (p *promAPI) activeTargets() ([]target, error) {
	var d struct {
		ActiveTargets []target `json:"activeTargets"`
	}
	err := p.get("/api/v1/targets", url.Values{"state": {"active"}}, &d)
	return d.ActiveTargets, err
}

type ruleGroup struct {
	Name  string `json:"name"`
	Rules []struct {
		Name      string `json:"name"`
		Type      string `json:"type"`
		Health    string `json:"health"`
		LastError string `json:"lastError"`
	} `json:"rules"`
}

func (p *promAPI) ruleGroups() ([]ruleGroup, error) {
	var d struct {
		Groups []ruleGroup `json:"groups"`
	}
	err := p.get("/api/v1/rules", url.Values{}, &d)
	return d.Groups, err
}

func parseValue(v any) float64 {
	s, _ := v.(string)
	f, _ := strconv.ParseFloat(s, 64)
	return f
}
