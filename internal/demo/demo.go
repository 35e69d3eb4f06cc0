// Package demo runs the simulator inside the exporter's process with a lively
// scenario and writes a config file that points the exporter at it, so that
// `--demo` exercises exactly the code a real deployment runs: config loading,
// signed requests over HTTP, polling and discovery. Only the credential is
// special: a random key shared with the in-process simulator.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-kit/log"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

// Demo is a running in-process simulator and the config that points at it.
type Demo struct {
	Endpoint   string
	ConfigFile string
	Credential client.StaticCredential
	Simulator  *simulator.Simulator

	dir    string
	cancel context.CancelFunc
	done   chan error
}

// Start starts the simulator on a free loopback port and writes the config.
func Start(ctx context.Context, logger log.Logger) (*Demo, error) {
	secret, err := randomHex(20)
	if err != nil {
		return nil, err
	}
	keyID := "demo-" + secret[:8]
	cred := client.StaticCredential{AccessKeyID: keyID, AccessKeySecret: secret}
	sim, err := simulator.New(simulator.Options{
		Scenario: simulator.DemoScenario(),
		Keys:     map[string]simulator.Key{keyID: {Secret: secret}},
		Speed:    1,
		Logger:   log.With(logger, "component", "simulator"),
	})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: cannot listen on loopback: %w", err)
	}
	endpoint := "http://" + ln.Addr().String()
	dir, err := os.MkdirTemp("", "ehpc-demo-")
	if err != nil {
		ln.Close()
		return nil, err
	}
	file := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(file, []byte(Config(endpoint)), 0o600); err != nil {
		ln.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	d := &Demo{Endpoint: endpoint, ConfigFile: file, Credential: cred, Simulator: sim, dir: dir, cancel: cancel, done: make(chan error, 1)}
	go func() { d.done <- sim.Serve(sctx, ln) }()
	return d, nil
}

// Stop shuts the simulator down and removes the config file.
func (d *Demo) Stop() {
	d.cancel()
	<-d.done
	os.RemoveAll(d.dir)
}

// Config renders the exporter config for the demo simulator served at
// endpoint: every demo cluster with its long-lived job ids listed statically
// (array sub-tasks included), discovery on for the jobs that come and go, and
// a short interval so that changes show within seconds.
func Config(endpoint string) string {
	var b strings.Builder
	b.WriteString("# Written by --demo: the embedded simulator's clusters.\nclusters:\n")
	for _, t := range simulator.DemoTargets() {
		quoted := make([]string, len(t.JobIDs))
		for i, id := range t.JobIDs {
			quoted[i] = fmt.Sprintf("%q", id)
		}
		fmt.Fprintf(&b, "  - cluster_id: %q\n    region_id: %q\n    endpoint: %q\n    job_ids: [%s]\n",
			t.ClusterID, t.RegionID, endpoint, strings.Join(quoted, ", "))
		b.WriteString("    expand_array: true\n    discovery:\n      enabled: true\n      submitted_within: 0s\n")
	}
	b.WriteString("polling:\n  interval: 5s\n  retention: 10m\napi:\n  requests_per_second: 50\n  burst: 50\nmetrics:\n  tag_labels: [team]\n")
	return b.String()
}

func randomHex(n int) (string, error) {
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		return "", errors.New("demo: no randomness for the demo key")
	}
	return hex.EncodeToString(buf), nil
}
