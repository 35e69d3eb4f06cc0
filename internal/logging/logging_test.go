package logging

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/go-kit/log/level"
)

func TestLevelsFilterAndSlogSharesTheWriter(t *testing.T) {
	var buf bytes.Buffer
	logger, slogger, err := New(&buf, "warn", "logfmt")
	if err != nil {
		t.Fatal(err)
	}
	level.Info(logger).Log("msg", "hidden")
	level.Warn(logger).Log("msg", "shown-gokit")
	slogger.Info("hidden-slog")
	slogger.Error("shown-slog", "address", "127.0.0.1:9947")
	out := buf.String()
	for _, want := range []string{"msg=shown-gokit", "shown-slog", "address=127.0.0.1:9947"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	for _, unwanted := range []string{"hidden"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("log has filtered line %q:\n%s", unwanted, out)
		}
	}
}

func TestJSONFormat(t *testing.T) {
	var buf bytes.Buffer
	logger, _, err := New(&buf, "info", "json")
	if err != nil {
		t.Fatal(err)
	}
	level.Info(logger).Log("msg", "hello")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("not JSON: %v: %s", err, buf.String())
	}
	if line["msg"] != "hello" || line["level"] != "info" {
		t.Fatalf("unexpected line %v", line)
	}
}

func TestBadFlags(t *testing.T) {
	if _, _, err := New(&bytes.Buffer{}, "verbose", "logfmt"); err == nil || !strings.Contains(err.Error(), `"verbose"`) {
		t.Fatalf("bad level accepted or unnamed: %v", err)
	}
	if _, _, err := New(&bytes.Buffer{}, "info", "xml"); err == nil || !strings.Contains(err.Error(), `"xml"`) {
		t.Fatalf("bad format accepted or unnamed: %v", err)
	}
}
