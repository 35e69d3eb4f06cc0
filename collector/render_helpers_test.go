package collector

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/seed"
)

// seedLastSuccess is a fixed poll time for the seed snapshot.
var seedLastSuccess = time.Date(2022, 9, 22, 7, 24, 5, 0, time.UTC)

// seedInfo decodes the published sample answer the way the client does.
func seedInfo(t testing.TB) *client.JobInfo {
	t.Helper()
	var resp client.DescribeServerlessJobsResponse
	if err := json.Unmarshal(seed.DescribeServerlessJobs, &resp); err != nil {
		t.Fatalf("decoding the seed answer: %v", err)
	}
	if len(resp.JobInfos) != 1 {
		t.Fatalf("seed answer has %d jobs, want 1", len(resp.JobInfos))
	}
	return &resp.JobInfos[0]
}

func seedSnapshot(t testing.TB) *JobSnapshot {
	return &JobSnapshot{
		Key:         JobKey{ClusterID: seed.ClusterID, JobID: seed.JobID},
		Source:      "static",
		Class:       "active",
		Info:        seedInfo(t),
		LastSuccess: seedLastSuccess,
	}
}

func newTestStore(t testing.TB, o StoreOptions, snaps ...*JobSnapshot) *Store {
	t.Helper()
	s, err := NewStore(o)
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	for _, sn := range snaps {
		s.Set(sn)
	}
	return s
}

func exposition(t testing.TB, s *Store) string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := s.WriteTo(&buf); err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	return buf.String()
}

// lineDiff lists the lines only in want (-) and only in got (+), in order.
func lineDiff(want, got string) string {
	inGot := make(map[string]int)
	for _, l := range strings.Split(got, "\n") {
		inGot[l]++
	}
	inWant := make(map[string]int)
	for _, l := range strings.Split(want, "\n") {
		inWant[l]++
	}
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if inGot[l] == 0 {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if inWant[l] == 0 {
			b.WriteString("+ " + l + "\n")
		}
	}
	if b.Len() == 0 {
		return "(same lines, different order)"
	}
	return b.String()
}

// richSnapshot is a job that makes every family emit at least one sample.
func richSnapshot() *JobSnapshot {
	return &JobSnapshot{
		Key:         JobKey{ClusterID: "ehpc-sh-rich", JobID: "10_3"},
		Source:      "discovered",
		Class:       "final",
		LastSuccess: time.Unix(1700000000, 250_000_000),
		PollErrors:  map[string]uint64{"Throttling": 2, "Timeout": 1},
		Info: &client.JobInfo{
			JobID: "10_3", JobName: "array", State: "Failed", Priority: 1, Queue: "q", User: "u",
			SubmitTime: 1700000000, StartTime: 1700000100, EndTime: 1700000200, LastModifyTime: 1700000200500,
			IsArrayJob:      true,
			ArrayProperties: &client.ArrayProperties{IndexStart: 1, IndexEnd: 9, IndexStep: 2},
			ContainerGroups: []client.ContainerGroup{{
				ContainerGroupID: "eci-rich", Status: "Failed", SpotStrategy: "SpotWithPriceLimit", SpotPriceLimit: 0.5,
				Cpu: 4, Memory: 8, EphemeralStorage: 30, Discount: 1,
				CreationTime: "2023-11-14T22:13:20Z", FailedTime: "2023-11-14T22:16:40Z",
				Tags: []client.Tag{{Key: "app", Value: "hpl"}},
				Events: []client.Event{
					{Count: 1, Type: "Warning", Reason: "BackOff", LastTimestamp: "2023-11-14T22:15:00Z"},
					{Count: 2, Type: "Warning", Reason: "BackOff", LastTimestamp: "2023-11-14T22:16:00Z"},
				},
				Containers: []client.Container{{
					Name: "main", Image: "img", Cpu: 4, Memory: 8, RestartCount: 3,
					CurrentState:  client.ContainerState{State: "Terminated", Reason: "Error", ExitCode: 137, Signal: 9, StartTime: "2023-11-14T22:14:00Z", FinishTime: "2023-11-14T22:16:40Z"},
					PreviousState: client.ContainerState{State: "Terminated", Reason: "Error", ExitCode: 1, FinishTime: "2023-11-14T22:14:00Z"},
				}},
			}},
		},
	}
}

// testClassify stands in for the analytics classifier, which the collector
// does not know: every failed job is an application error.
func testClassify(j *client.JobInfo) string {
	if j.State == client.JobStateFailed {
		return "app_error"
	}
	return ""
}
