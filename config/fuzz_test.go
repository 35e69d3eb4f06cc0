package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse. It must never panic, and a
// config it accepts must render (String) to YAML that loads to the same
// config again.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.yml")
	if err != nil {
		f.Fatal(err)
	}
	files = append(files, "../config.example.yml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Add([]byte("clusters:\n  - &c {cluster_id: a, region_id: cn-hangzhou}\n  - <<: *c\n    cluster_id: b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "fuzz.yml")
		if err != nil {
			if cfg != nil {
				t.Fatal("config returned with an error")
			}
			return
		}
		out := cfg.String()
		again, err := Parse([]byte(out), "rendered.yml")
		if err != nil {
			t.Fatalf("rendered config does not load: %v\n%s", err, out)
		}
		if again.String() != out {
			t.Fatalf("rendering is not stable:\n%s\n---\n%s", out, again.String())
		}
		for i := range cfg.Clusters {
			c := &cfg.Clusters[i]
			_ = c.Endpoint()
			_ = c.AccountKey()
			if len(c.ExpandedJobIDs()) > MaxJobIDsPerCluster {
				t.Fatal("expansion past the limit")
			}
		}
	})
}
