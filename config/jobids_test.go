package config

import (
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestExpandedJobIDs(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want []string
	}{
		{nil, []string{}},
		{[]string{"5", "10_3"}, []string{"5", "10_3"}},
		{[]string{"12_[1-9:2]"}, []string{"12_1", "12_3", "12_5", "12_7", "12_9"}},
		{[]string{"12_[1-8:3]"}, []string{"12_1", "12_4", "12_7"}},
		{[]string{"7_[0-0]"}, []string{"7_0"}},
		{[]string{"7_[3-3:100]"}, []string{"7_3"}},
		{[]string{"7_[01-03]"}, []string{"7_1", "7_2", "7_3"}},
		// Order as written, each id once.
		{[]string{"9", "12_[2-4]", "12_3", "9", "1"}, []string{"9", "12_2", "12_3", "12_4", "1"}},
		// Ids of any form the service could use, and ranges of them.
		{[]string{"j1", "job-7.b", "5_", "_3", "10_3_1", "ジョブ1", "j1_[1-3]"},
			[]string{"j1", "job-7.b", "5_", "_3", "10_3_1", "ジョブ1", "j1_1", "j1_2", "j1_3"}},
		// Entries Parse would reject are skipped, not fatal.
		{[]string{"x y", "5", "12_[9-1]", ""}, []string{"5"}},
	} {
		c := &Cluster{JobIDs: tc.in}
		if got := c.ExpandedJobIDs(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ExpandedJobIDs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExpandedJobIDsLimit(t *testing.T) {
	c := &Cluster{JobIDs: []string{"1_[1-100000]"}}
	ids := c.ExpandedJobIDs()
	if len(ids) != MaxJobIDsPerRange || ids[0] != "1_1" || ids[len(ids)-1] != "1_100000" {
		t.Fatalf("got %d ids from %q to %q", len(ids), ids[0], ids[len(ids)-1])
	}
	// Built by hand past the per-cluster limit: the expansion is capped.
	c = &Cluster{JobIDs: []string{"1_[1-100000]", "2_[1-100000]"}}
	if got := len(c.ExpandedJobIDs()); got != MaxJobIDsPerCluster {
		t.Errorf("got %d ids, want the cap %d", got, MaxJobIDsPerCluster)
	}
}

func TestParseJobIDSpecCount(t *testing.T) {
	// The count computed without expanding must match the expansion.
	for _, s := range []string{"5", "3_4", "1_[0-0]", "1_[0-10:3]", "1_[5-100:7]", "1_[1-99999:2]"} {
		sp, err := parseJobIDSpec(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		n := uint64(0)
		last := ""
		sp.each(func(id string) { n++; last = id })
		if n != sp.count {
			t.Errorf("%s: count %d, expanded %d", s, sp.count, n)
		}
		if sp.parent != "" {
			end := sp.start + (sp.count-1)*sp.step
			if want := sp.parent + "_" + strconv.FormatUint(end, 10); last != want || end > sp.end {
				t.Errorf("%s: last id %s, want %s", s, last, want)
			}
		}
	}
}

// TestPlausibleJobIDsAreAccepted is issue 12's third finding: the config
// refused ids the service could use ("j1": invalid job id). Only what cannot
// be an id is refused now; the service's JobNotFound says the rest.
func TestPlausibleJobIDsAreAccepted(t *testing.T) {
	ids := []string{"j1", "abc", "5_", "_3", "10_3_1", "job-7.b", "ジョブ1", "a=b", "%41", "j1_[1-3]", strings.Repeat("x", MaxJobIDLength)}
	var quoted []string
	for _, id := range ids {
		quoted = append(quoted, strconv.Quote(id))
	}
	yml := "clusters:\n  - cluster_id: c\n    region_id: cn-hangzhou\n    job_ids: [" + strings.Join(quoted, ", ") + "]\n"
	cfg, err := Parse([]byte(yml), "config.yml")
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.Clusters[0].ExpandedJobIDs()
	if len(got) != len(ids)+2 || got[0] != "j1" || got[9] != "j1_1" {
		t.Errorf("expanded to %q", got)
	}
}

func TestRangeOfAnImpossibleArrayID(t *testing.T) {
	_, err := parseJobIDSpec("a b_[1-3]")
	if want := `range "a b_[1-3]": invalid job id "a b": contains white space`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// The example config states the job id rules' numbers; they must be the
// constants' values.
func TestExampleStatesTheJobIDLimits(t *testing.T) {
	data, err := os.ReadFile("../config.example.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"at most " + strconv.Itoa(MaxJobIDsPerRange) + " ids, and so does a whole cluster",
		"all clusters together are at most " + strconv.Itoa(MaxJobIDsTotal),
		strconv.Itoa(MaxJobIDLength) + " characters",
	} {
		if !strings.Contains(strings.Join(strings.Fields(strings.ReplaceAll(string(data), "#", "")), " "), want) {
			t.Errorf("config.example.yml does not say %q", want)
		}
	}
	if MaxJobIDsPerCluster != MaxJobIDsPerRange {
		t.Errorf("the example says a cluster's limit is a range's")
	}
}
