package dashgen

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	sdkdashboard "github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
)

// Panel options, field configs and targets are only checked strictly once the SDK
// knows their plugin types.
var registerPlugins = sync.OnceFunc(plugins.RegisterDefaultPlugins)

// Validate checks a dashboard with github.com/grafana/grafana-foundation-sdk/go:
// strict unmarshal of the whole dashboard (unknown fields, wrong types and missing
// required fields are errors), then Validate, then every panel target on its own
// as a strict Prometheus query that uses the ${datasource} variable. It returns
// every problem found; none means the dashboard is valid.
func Validate(raw []byte) []string {
	registerPlugins()
	var d sdkdashboard.Dashboard //lint:ignore SA1019 the v1 JSON model is what Grafana imports; v2 is a different, Kubernetes-style resource
	ps := problems(d.UnmarshalJSONStrict(raw))
	ps = append(ps, problems(d.Validate())...)

	// The SDK drops the targets that decode without error (it takes its empty
	// error list for a failure), so they are checked here one by one.
	targets, err := rawTargets(raw)
	if err != nil {
		return append(ps, err.Error())
	}
	for _, t := range targets {
		var q prometheus.Dataquery
		for _, p := range append(problems(q.UnmarshalJSONStrict(t.raw)), problems(q.Validate())...) {
			ps = append(ps, fmt.Sprintf("panel %q target %s: %s", t.panel, t.refID, p))
		}
		if q.Datasource == nil || q.Datasource.Uid == nil || *q.Datasource.Uid != "${datasource}" {
			ps = append(ps, fmt.Sprintf("panel %q target %s: does not use the ${datasource} variable", t.panel, t.refID))
		}
	}
	return ps
}

// problems lists what the SDK reported. Its strict decoders and validators return
// a cog.BuildErrors slice even when it is empty, so a non-nil error may mean
// "nothing wrong": only its length counts.
func problems(err error) []string {
	if err == nil {
		return nil
	}
	var built cog.BuildErrors
	if errors.As(err, &built) {
		out := make([]string, 0, len(built))
		for _, b := range built {
			out = append(out, b.Error())
		}
		return out
	}
	return []string{err.Error()}
}

type targetJSON struct {
	panel, refID string
	raw          json.RawMessage
}

func rawTargets(raw []byte) ([]targetJSON, error) {
	var d struct {
		Panels []struct {
			Title   string            `json:"title"`
			Targets []json.RawMessage `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("decode dashboard: %w", err)
	}
	var out []targetJSON
	for _, p := range d.Panels {
		for _, t := range p.Targets {
			var id struct {
				RefID string `json:"refId"`
			}
			if err := json.Unmarshal(t, &id); err != nil {
				return nil, fmt.Errorf("panel %q: target is not an object: %s", p.Title, strings.TrimSpace(string(t)))
			}
			out = append(out, targetJSON{panel: p.Title, refID: id.RefID, raw: t})
		}
	}
	return out, nil
}
