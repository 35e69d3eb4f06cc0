// Command dashgen writes the generated Grafana dashboards into a directory
// (dashboards/ of this repository: run `go generate ./dashboards`).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/dashgen"
)

func main() {
	out := flag.String("out", ".", "directory to write the dashboard JSON files into")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "dashgen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	files, err := dashgen.All()
	if err != nil {
		return err
	}
	for _, f := range files {
		path := filepath.Join(dir, f.Name)
		if err := os.WriteFile(path, f.JSON, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		fmt.Println("wrote", path)
	}
	return nil
}
