package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigCheck(t *testing.T) {
	const good = `clusters:
  - cluster_id: ehpc-hz-FYUr32xxxx
    region_id: cn-hangzhou
    endpoint: http://127.0.0.1:8080
    job_ids: ["5", "10_3"]
polling:
  interval: 30s
`
	cases := []struct {
		name, body string
		code       int
		want       []string
	}{
		{"valid", good, 0, []string{"is valid: 1 cluster(s), 2 configured job id(s), polling every 30s"}},
		{"unknown key", strings.Replace(good, "job_ids:", "job_id:", 1), 1, []string{":5: clusters[0].job_id: unknown key", "job_ids"}},
		{"missing cluster_id", strings.Replace(good, "cluster_id: ehpc-hz-FYUr32xxxx", "cluster_id: \"\"", 1), 1, []string{"clusters[0].cluster_id"}},
		{"bad duration", strings.Replace(good, "interval: 30s", "interval: 30 seconds", 1), 1, []string{":7: polling.interval", `"30 seconds"`}},
		{"endpoint typo", strings.Replace(good, "http://127.0.0.1:8080", "htp://127.0.0.1:8080", 1), 1, []string{":4: clusters[0].endpoint"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.yml")
			if err := os.WriteFile(path, []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			code := run([]string{"--config.check", "--config.file=" + path}, &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout.String(), stderr.String())
			}
			out := stdout.String() + stderr.String()
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestBadFlagsExitTwo(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--log.level=loud"}, &stdout, &stderr); code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "loud") {
		t.Fatalf("error does not name the bad value: %s", stderr.String())
	}
}
