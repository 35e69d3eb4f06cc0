package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Facts of the exporter the deployment files must agree with.
const (
	exporterPort = 9947
	healthPath   = "/-/healthy"
	readyPath    = "/-/ready"
	configKey    = "config.yml"
)

// decodeStrict decodes one YAML value into out and fails on any field out
// does not know, so that a misspelt key (readOnlyRootFilesytem) is an error
// rather than a silently ignored setting.
func decodeStrict(data []byte, out any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(out); err != nil {
		return err
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return errors.New("more than one YAML document")
	}
	return nil
}

// yamlDocuments splits a file into its documents, each re-encoded on its own.
func yamlDocuments(t *testing.T, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs [][]byte
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(n.Content) == 0 {
			continue
		}
		b, err := yaml.Marshal(&n)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		docs = append(docs, b)
	}
	return docs
}

// readmeFlags lists the flags documented in the README's flag table, the
// user-facing contract of the command line.
func readmeFlags(t *testing.T) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	flags := map[string]bool{}
	row := regexp.MustCompile("^\\| *`--")
	name := regexp.MustCompile("`(--[a-z][a-z0-9.-]*)`")
	for _, line := range strings.Split(string(data), "\n") {
		if !row.MatchString(line) {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(line, "|"), "|")
		for _, m := range name.FindAllStringSubmatch(first, -1) {
			flags[m[1]] = true
		}
	}
	if len(flags) < 5 {
		t.Fatalf("found only %d flags in the README's flag table; has its format changed?", len(flags))
	}
	return flags
}

// checkFlags fails for an argument that is not a documented flag, and
// returns the arguments by flag name.
func checkFlags(t *testing.T, where string, args []string, known map[string]bool) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, a := range args {
		name, value, _ := strings.Cut(a, "=")
		if !known[name] {
			t.Errorf("%s: argument %q is not a flag documented in README.md", where, a)
			continue
		}
		if _, dup := got[name]; dup {
			t.Errorf("%s: flag %s given twice; the exporter refuses repeated flags", where, name)
		}
		got[name] = value
	}
	return got
}

// quantity parses the Kubernetes resource quantities the manifests use
// (plain numbers, milli, and binary suffixes) into a comparable float.
func quantity(s string) (float64, error) {
	units := []struct {
		suffix string
		factor float64
	}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"m", 1e-3}}
	for _, u := range units {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(n, 64)
			if err != nil {
				return 0, fmt.Errorf("quantity %q: %w", s, err)
			}
			return v * u.factor, nil
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("quantity %q: %w", s, err)
	}
	return v, nil
}

func TestQuantity(t *testing.T) {
	for in, want := range map[string]float64{"100m": 0.1, "1": 1, "128Mi": 128 << 20, "2Gi": 2 << 30, "16Ki": 16 << 10} {
		if got, err := quantity(in); err != nil || got != want {
			t.Errorf("quantity(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "Mi", "1.2.3", "12Zi"} {
		if _, err := quantity(bad); err == nil {
			t.Errorf("quantity(%q): no error", bad)
		}
	}
}
