package deploy

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// The policy grants exactly the two read actions the client calls.
func TestRAMPolicyIsLeastPrivilege(t *testing.T) {
	data, err := os.ReadFile("ram-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Version   string
		Statement []struct {
			Effect   string
			Action   []string
			Resource string
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("ram-policy.json: %v", err)
	}
	if p.Version != "1" {
		t.Errorf("Version %q, want \"1\"", p.Version)
	}
	if len(p.Statement) != 1 {
		t.Fatalf("want one statement, got %d", len(p.Statement))
	}
	s := p.Statement[0]
	if s.Effect != "Allow" {
		t.Errorf("Effect %q, want Allow", s.Effect)
	}
	want := []string{"ehpc:" + client.ActionDescribeServerlessJobs, "ehpc:" + client.ActionListServerlessJobs}
	got := slices.Clone(s.Action)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("Action %v, want exactly %v", s.Action, want)
	}
	if s.Resource == "" {
		t.Error("Resource is empty")
	}
}
