package simulator

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.yaml.in/yaml/v3"
)

// LoadScenario reads a scenario from a YAML file (keys as in the Scenario
// field tags; durations like "90s" or "-5m"). Unknown keys are errors, and
// the scenario is checked as New would check it, so a bad file is reported
// here with its name.
func LoadScenario(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return ParseScenario(data, path)
}

// ParseScenario reads a YAML scenario; name is used in errors.
func ParseScenario(data []byte, name string) (*Scenario, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("scenario %s: the file is empty", name)
		}
		return nil, fmt.Errorf("scenario %s: %w", name, err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("scenario %s: only one YAML document is allowed", name)
	}
	if _, err := compile(&sc, time.Now()); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", name, err)
	}
	return &sc, nil
}
