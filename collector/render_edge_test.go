package collector

import (
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"
)

// job builds a snapshot of one job on cluster "c" with the given info.
func job(id string, info *client.JobInfo) *JobSnapshot {
	return &JobSnapshot{Key: JobKey{ClusterID: "c", JobID: id}, Source: "static", Class: "active", Info: info}
}

// oneGroup is a job with a single group "g" holding the given containers.
func oneGroup(g client.ContainerGroup) *client.JobInfo {
	if g.ContainerGroupID == "" {
		g.ContainerGroupID = "g"
	}
	return &client.JobInfo{JobID: "1", State: "Running", ContainerGroups: []client.ContainerGroup{g}}
}

func TestRenderEdgeCases(t *testing.T) {
	cases := []struct {
		name    string
		opts    StoreOptions
		snaps   []*JobSnapshot
		metrics []string // families compared
		want    string   // expected exposition of those families; HELP texts are not compared here
	}{
		{
			name:    "unknown job state is added to the state set",
			snaps:   []*JobSnapshot{job("1", &client.JobInfo{State: "Suspended"})},
			metrics: []string{"ehpc_serverless_job_state"},
			want: `
# HELP ehpc_serverless_job_state h
# TYPE ehpc_serverless_job_state gauge
ehpc_serverless_job_state{cluster_id="c",job_id="1",state="Pending"} 0
ehpc_serverless_job_state{cluster_id="c",job_id="1",state="Initing"} 0
ehpc_serverless_job_state{cluster_id="c",job_id="1",state="Running"} 0
ehpc_serverless_job_state{cluster_id="c",job_id="1",state="Succeeded"} 0
ehpc_serverless_job_state{cluster_id="c",job_id="1",state="Canceled"} 0
ehpc_serverless_job_state{cluster_id="c",job_id="1",state="Failed"} 0
ehpc_serverless_job_state{cluster_id="c",job_id="1",state="Suspended"} 1
`,
		},
		{
			name: "unknown group status and container state",
			snaps: []*JobSnapshot{job("1", oneGroup(client.ContainerGroup{Status: "Hibernating", Containers: []client.Container{
				{Name: "m", CurrentState: client.ContainerState{State: "Crashing", ExitCode: 3, Signal: 9}},
			}}))},
			metrics: []string{"ehpc_serverless_container_state", "ehpc_serverless_container_exit_code", "ehpc_serverless_container_signal"},
			want: `
# HELP ehpc_serverless_container_state h
# TYPE ehpc_serverless_container_state gauge
ehpc_serverless_container_state{cluster_id="c",job_id="1",container_group_id="g",container="m",container_type="main",state="Waiting"} 0
ehpc_serverless_container_state{cluster_id="c",job_id="1",container_group_id="g",container="m",container_type="main",state="Running"} 0
ehpc_serverless_container_state{cluster_id="c",job_id="1",container_group_id="g",container="m",container_type="main",state="Terminated"} 0
ehpc_serverless_container_state{cluster_id="c",job_id="1",container_group_id="g",container="m",container_type="main",state="Crashing"} 1
`,
		},
		{
			name: "missing, zero and unparsable times are not exposed",
			snaps: []*JobSnapshot{job("1", &client.JobInfo{State: "Pending", SubmitTime: 1700000000, StartTime: 0, EndTime: -5, LastModifyTime: 1700000000123,
				ContainerGroups: []client.ContainerGroup{{ContainerGroupID: "g", CreationTime: "yesterday", SucceededTime: "", FailedTime: "0001-01-01T00:00:00Z", ExpiredTime: "2023-11-14T22:13:20.5+08:00",
					Events: []client.Event{{Count: 1, Type: "Normal", Reason: "Pulled", LastTimestamp: "soon"}},
					Containers: []client.Container{{Name: "m", CurrentState: client.ContainerState{State: "Waiting", StartTime: "bad"},
						PreviousState: client.ContainerState{State: "Terminated", Reason: "OOMKilled", ExitCode: 137, FinishTime: ""}}}}}})},
			metrics: []string{
				"ehpc_serverless_job_submit_timestamp_seconds", "ehpc_serverless_job_start_timestamp_seconds",
				"ehpc_serverless_job_end_timestamp_seconds", "ehpc_serverless_job_last_modified_timestamp_seconds",
				"ehpc_serverless_container_group_creation_timestamp_seconds", "ehpc_serverless_container_group_succeeded_timestamp_seconds",
				"ehpc_serverless_container_group_failed_timestamp_seconds", "ehpc_serverless_container_group_expired_timestamp_seconds",
				"ehpc_serverless_container_group_last_event_timestamp_seconds", "ehpc_serverless_container_group_events",
				"ehpc_serverless_container_started_timestamp_seconds", "ehpc_serverless_container_last_terminated_timestamp_seconds",
				"ehpc_serverless_container_last_terminated_exit_code", "ehpc_serverless_container_last_terminated_reason",
				"ehpc_serverless_job_last_poll_success_timestamp_seconds",
			},
			want: `
# HELP ehpc_serverless_job_submit_timestamp_seconds h
# TYPE ehpc_serverless_job_submit_timestamp_seconds gauge
ehpc_serverless_job_submit_timestamp_seconds{cluster_id="c",job_id="1"} 1700000000
# HELP ehpc_serverless_job_last_modified_timestamp_seconds h
# TYPE ehpc_serverless_job_last_modified_timestamp_seconds gauge
ehpc_serverless_job_last_modified_timestamp_seconds{cluster_id="c",job_id="1"} 1700000000.123
# HELP ehpc_serverless_container_group_expired_timestamp_seconds h
# TYPE ehpc_serverless_container_group_expired_timestamp_seconds gauge
ehpc_serverless_container_group_expired_timestamp_seconds{cluster_id="c",job_id="1",container_group_id="g"} 1699971200.5
# HELP ehpc_serverless_container_group_events h
# TYPE ehpc_serverless_container_group_events gauge
ehpc_serverless_container_group_events{cluster_id="c",job_id="1",container_group_id="g",event_type="Normal",reason="Pulled"} 1
# HELP ehpc_serverless_container_last_terminated_exit_code h
# TYPE ehpc_serverless_container_last_terminated_exit_code gauge
ehpc_serverless_container_last_terminated_exit_code{cluster_id="c",job_id="1",container_group_id="g",container="m",container_type="main"} 137
# HELP ehpc_serverless_container_last_terminated_reason h
# TYPE ehpc_serverless_container_last_terminated_reason gauge
ehpc_serverless_container_last_terminated_reason{cluster_id="c",job_id="1",container_group_id="g",container="m",container_type="main",reason="OOMKilled"} 1
`,
		},
		{
			name: "array jobs: ids split, tasks counted only for countable array jobs",
			snaps: []*JobSnapshot{
				job("10_3", &client.JobInfo{JobID: "10_3", IsArrayJob: true, ArrayProperties: &client.ArrayProperties{IndexStart: 1, IndexEnd: 5, IndexStep: 2}}),
				job("11", &client.JobInfo{JobID: "11", IsArrayJob: true, ArrayProperties: &client.ArrayProperties{IndexStart: 0, IndexEnd: 99, IndexStep: 1}}),
				job("12_1", &client.JobInfo{JobID: "12_1", IsArrayJob: true, ArrayProperties: &client.ArrayProperties{IndexStart: 1, IndexEnd: 5, IndexStep: 0}}),
				job("13", &client.JobInfo{JobID: "13", IsArrayJob: false, ArrayProperties: &client.ArrayProperties{IndexStart: 1, IndexEnd: 5, IndexStep: 2}}),
				job("my_job", &client.JobInfo{JobID: "my_job"}),
				job("_4", &client.JobInfo{JobID: "_4"}),
			},
			metrics: []string{"ehpc_serverless_job_array_tasks", "ehpc_serverless_job_info"},
			want: `
# HELP ehpc_serverless_job_array_tasks h
# TYPE ehpc_serverless_job_array_tasks gauge
ehpc_serverless_job_array_tasks{cluster_id="c",job_id="10_3"} 3
ehpc_serverless_job_array_tasks{cluster_id="c",job_id="11"} 100
# HELP ehpc_serverless_job_info h
# TYPE ehpc_serverless_job_info gauge
ehpc_serverless_job_info{cluster_id="c",job_id="10_3",job_name="",queue="",user="",array_job_id="10",array_index="3"} 1
ehpc_serverless_job_info{cluster_id="c",job_id="11",job_name="",queue="",user="",array_job_id="",array_index=""} 1
ehpc_serverless_job_info{cluster_id="c",job_id="12_1",job_name="",queue="",user="",array_job_id="12",array_index="1"} 1
ehpc_serverless_job_info{cluster_id="c",job_id="13",job_name="",queue="",user="",array_job_id="",array_index=""} 1
ehpc_serverless_job_info{cluster_id="c",job_id="_4",job_name="",queue="",user="",array_job_id="",array_index=""} 1
ehpc_serverless_job_info{cluster_id="c",job_id="my_job",job_name="",queue="",user="",array_job_id="",array_index=""} 1
`,
		},
		{
			name: "spot price limit only for spot groups",
			snaps: []*JobSnapshot{job("1", &client.JobInfo{ContainerGroups: []client.ContainerGroup{
				{ContainerGroupID: "a", SpotStrategy: "NoSpot", SpotPriceLimit: 0.025},
				{ContainerGroupID: "b", SpotStrategy: "SpotWithPriceLimit", SpotPriceLimit: 0.025},
				{ContainerGroupID: "c", SpotStrategy: "SpotAsPriceGo"},
				{ContainerGroupID: "d", SpotStrategy: "", SpotPriceLimit: 1},
			}})},
			metrics: []string{"ehpc_serverless_container_group_spot_price_limit"},
			want: `
# HELP ehpc_serverless_container_group_spot_price_limit h
# TYPE ehpc_serverless_container_group_spot_price_limit gauge
ehpc_serverless_container_group_spot_price_limit{cluster_id="c",job_id="1",container_group_id="b"} 0.025
ehpc_serverless_container_group_spot_price_limit{cluster_id="c",job_id="1",container_group_id="c"} 0
`,
		},
		{
			name: "a job never described shows only its poll status",
			snaps: []*JobSnapshot{{Key: JobKey{ClusterID: "c", JobID: "9"}, Source: "discovered", Class: "unknown",
				PollErrors: map[string]uint64{"Timeout": 2, "ClusterNotFound": 1}, LastErrorCode: "Timeout"}},
			want: `
# HELP ehpc_serverless_job_poll_errors_total h
# TYPE ehpc_serverless_job_poll_errors_total counter
ehpc_serverless_job_poll_errors_total{cluster_id="c",job_id="9",code="ClusterNotFound"} 1
ehpc_serverless_job_poll_errors_total{cluster_id="c",job_id="9",code="Timeout"} 2
# HELP ehpc_serverless_exporter_jobs_tracked h
# TYPE ehpc_serverless_exporter_jobs_tracked gauge
ehpc_serverless_exporter_jobs_tracked{cluster_id="c",source="static"} 0
ehpc_serverless_exporter_jobs_tracked{cluster_id="c",source="discovered"} 1
# HELP ehpc_serverless_exporter_jobs_by_poll_class h
# TYPE ehpc_serverless_exporter_jobs_by_poll_class gauge
ehpc_serverless_exporter_jobs_by_poll_class{cluster_id="c",class="active"} 0
ehpc_serverless_exporter_jobs_by_poll_class{cluster_id="c",class="backlog"} 0
ehpc_serverless_exporter_jobs_by_poll_class{cluster_id="c",class="final"} 0
ehpc_serverless_exporter_jobs_by_poll_class{cluster_id="c",class="frozen"} 0
ehpc_serverless_exporter_jobs_by_poll_class{cluster_id="c",class="unknown"} 1
`,
		},
		{
			name: "store-wide counts per cluster, unknown values added",
			snaps: []*JobSnapshot{
				{Key: JobKey{"b", "1"}, Source: "static", Class: "frozen"},
				{Key: JobKey{"a", "1"}, Source: "static", Class: "active"},
				{Key: JobKey{"a", "2"}, Source: "discovered", Class: "active"},
				{Key: JobKey{"a", "3"}, Source: "imported", Class: "paused"},
			},
			metrics: []string{"ehpc_serverless_exporter_jobs_tracked", "ehpc_serverless_exporter_jobs_by_poll_class"},
			want: `
# HELP ehpc_serverless_exporter_jobs_tracked h
# TYPE ehpc_serverless_exporter_jobs_tracked gauge
ehpc_serverless_exporter_jobs_tracked{cluster_id="a",source="discovered"} 1
ehpc_serverless_exporter_jobs_tracked{cluster_id="a",source="imported"} 1
ehpc_serverless_exporter_jobs_tracked{cluster_id="a",source="static"} 1
ehpc_serverless_exporter_jobs_tracked{cluster_id="b",source="discovered"} 0
ehpc_serverless_exporter_jobs_tracked{cluster_id="b",source="static"} 1
# HELP ehpc_serverless_exporter_jobs_by_poll_class h
# TYPE ehpc_serverless_exporter_jobs_by_poll_class gauge
ehpc_serverless_exporter_jobs_by_poll_class{cluster_id="a",class="active"} 2
ehpc_serverless_exporter_jobs_by_poll_class{cluster_id="a",class="backlog"} 0
ehpc_serverless_exporter_jobs_by_poll_class{cluster_id="a",class="final"} 0
ehpc_serverless_exporter_jobs_by_poll_class{cluster_id="a",class="frozen"} 0
ehpc_serverless_exporter_jobs_by_poll_class{cluster_id="a",class="paused"} 1
ehpc_serverless_exporter_jobs_by_poll_class{cluster_id="a",class="unknown"} 0
ehpc_serverless_exporter_jobs_by_poll_class{cluster_id="b",class="active"} 0
ehpc_serverless_exporter_jobs_by_poll_class{cluster_id="b",class="backlog"} 0
ehpc_serverless_exporter_jobs_by_poll_class{cluster_id="b",class="final"} 0
ehpc_serverless_exporter_jobs_by_poll_class{cluster_id="b",class="frozen"} 1
ehpc_serverless_exporter_jobs_by_poll_class{cluster_id="b",class="unknown"} 0
`,
		},
		{
			name:    "label values escape quote, backslash and line feed",
			snaps:   []*JobSnapshot{job(`j"1`, &client.JobInfo{JobID: `j"1`, JobName: "a \"quoted\" \\path\\ and\nnewline", Queue: "q\\", User: "\u00fc\u00df"})},
			metrics: []string{"ehpc_serverless_job_info"},
			want: `
# HELP ehpc_serverless_job_info h
# TYPE ehpc_serverless_job_info gauge
ehpc_serverless_job_info{cluster_id="c",job_id="j\"1",job_name="a \"quoted\" \\path\\ and\nnewline",queue="q\\",user="üß",array_job_id="",array_index=""} 1
`,
		},
		{
			name: "tag allowlist with odd keys; missing tags are empty",
			opts: StoreOptions{TagLabels: []string{"app.kubernetes.io/name", "cost-center", "1st", "名前"}},
			snaps: []*JobSnapshot{job("1", &client.JobInfo{ContainerGroups: []client.ContainerGroup{{ContainerGroupID: "g",
				Tags: []client.Tag{{Key: "app.kubernetes.io/name", Value: "hpl"}, {Key: "名前", Value: "値"}, {Key: "secret-ish", Value: "not listed"}, {Key: "1st", Value: `a"b`}}}}})},
			metrics: []string{"ehpc_serverless_container_group_tags"},
			want: `
# HELP ehpc_serverless_container_group_tags h
# TYPE ehpc_serverless_container_group_tags gauge
ehpc_serverless_container_group_tags{cluster_id="c",job_id="1",container_group_id="g",tag_app_kubernetes_io_name="hpl",tag_cost_center="",tag_1st="a\"b",tag___="値"} 1
`,
		},
		{
			name: "a group without any allowlisted tag and a discount left at 0 get no series",
			opts: StoreOptions{TagLabels: []string{"app"}},
			snaps: []*JobSnapshot{job("1", &client.JobInfo{ContainerGroups: []client.ContainerGroup{
				{ContainerGroupID: "g", Tags: []client.Tag{{Key: "other", Value: "x"}}},
				{ContainerGroupID: "h", Discount: 0.3, Tags: []client.Tag{{Key: "app", Value: "hpl"}}},
			}})},
			metrics: []string{"ehpc_serverless_container_group_tags", "ehpc_serverless_container_group_discount"},
			want: `
# HELP ehpc_serverless_container_group_discount h
# TYPE ehpc_serverless_container_group_discount gauge
ehpc_serverless_container_group_discount{cluster_id="c",job_id="1",container_group_id="h"} 0.3
# HELP ehpc_serverless_container_group_tags h
# TYPE ehpc_serverless_container_group_tags gauge
ehpc_serverless_container_group_tags{cluster_id="c",job_id="1",container_group_id="h",tag_app="hpl"} 1
`,
		},
		{
			name: "events summed per type and reason; newest timestamp wins",
			snaps: []*JobSnapshot{job("1", oneGroup(client.ContainerGroup{Events: []client.Event{
				{Count: 3, Type: "Warning", Reason: "BackOff", LastTimestamp: "2023-01-01T00:00:10Z"},
				{Count: 1, Type: "Normal", Reason: "Pulled", LastTimestamp: "2023-01-01T00:00:01Z"},
				{Count: 4, Type: "Warning", Reason: "BackOff", LastTimestamp: "2023-01-01T00:00:30Z"},
				{Count: 2, Type: "Warning", Reason: "BackOff", LastTimestamp: "2023-01-01T00:00:20Z"},
				{Count: 5, Type: "Normal", Reason: "BackOff"},
			}}))},
			metrics: []string{"ehpc_serverless_container_group_events", "ehpc_serverless_container_group_last_event_timestamp_seconds"},
			want: `
# HELP ehpc_serverless_container_group_events h
# TYPE ehpc_serverless_container_group_events gauge
ehpc_serverless_container_group_events{cluster_id="c",job_id="1",container_group_id="g",event_type="Normal",reason="BackOff"} 5
ehpc_serverless_container_group_events{cluster_id="c",job_id="1",container_group_id="g",event_type="Normal",reason="Pulled"} 1
ehpc_serverless_container_group_events{cluster_id="c",job_id="1",container_group_id="g",event_type="Warning",reason="BackOff"} 9
# HELP ehpc_serverless_container_group_last_event_timestamp_seconds h
# TYPE ehpc_serverless_container_group_last_event_timestamp_seconds gauge
ehpc_serverless_container_group_last_event_timestamp_seconds{cluster_id="c",job_id="1",container_group_id="g",event_type="Normal",reason="Pulled"} 1672531201
ehpc_serverless_container_group_last_event_timestamp_seconds{cluster_id="c",job_id="1",container_group_id="g",event_type="Warning",reason="BackOff"} 1672531230
`,
		},
		{
			name: "exit code and signal only while terminated; last terminated only after a termination",
			snaps: []*JobSnapshot{job("1", oneGroup(client.ContainerGroup{Containers: []client.Container{
				{Name: "run", CurrentState: client.ContainerState{State: "Running", ExitCode: 1, Signal: 15}, PreviousState: client.ContainerState{State: "Waiting", ExitCode: 2, Reason: "x"}},
				{Name: "ok", CurrentState: client.ContainerState{State: "Terminated", ExitCode: 0, Signal: 0}},
				{Name: "killed", CurrentState: client.ContainerState{State: "Terminated", ExitCode: 137, Signal: 9}},
			}}))},
			metrics: []string{"ehpc_serverless_container_exit_code", "ehpc_serverless_container_signal", "ehpc_serverless_container_last_terminated_exit_code", "ehpc_serverless_container_last_terminated_reason"},
			want: `
# HELP ehpc_serverless_container_exit_code h
# TYPE ehpc_serverless_container_exit_code gauge
ehpc_serverless_container_exit_code{cluster_id="c",job_id="1",container_group_id="g",container="killed",container_type="main"} 137
ehpc_serverless_container_exit_code{cluster_id="c",job_id="1",container_group_id="g",container="ok",container_type="main"} 0
# HELP ehpc_serverless_container_signal h
# TYPE ehpc_serverless_container_signal gauge
ehpc_serverless_container_signal{cluster_id="c",job_id="1",container_group_id="g",container="killed",container_type="main"} 9
`,
		},
		{
			// The second "m" (99 restarts) must not vanish: it is told apart by
			// a suffix, and a container really named "m#2" keeps its name.
			name: "repeated group ids and container names do not produce duplicate series",
			snaps: []*JobSnapshot{job("1", &client.JobInfo{ContainerGroups: []client.ContainerGroup{
				{ContainerGroupID: "g", Cpu: 1, Containers: []client.Container{{Name: "m", Cpu: 1}, {Name: "m", Cpu: 2, RestartCount: 99}, {Name: "m#2", Cpu: 4}, {Name: "m", Cpu: 5}},
					InitContainers: []client.Container{{Name: "m", Cpu: 3}}},
				{ContainerGroupID: "g", Cpu: 2},
			}})},
			metrics: []string{"ehpc_serverless_container_group_cpu_cores", "ehpc_serverless_container_cpu_cores", "ehpc_serverless_container_restarts_total"},
			want: `
# HELP ehpc_serverless_container_group_cpu_cores h
# TYPE ehpc_serverless_container_group_cpu_cores gauge
ehpc_serverless_container_group_cpu_cores{cluster_id="c",job_id="1",container_group_id="g"} 1
# HELP ehpc_serverless_container_cpu_cores h
# TYPE ehpc_serverless_container_cpu_cores gauge
ehpc_serverless_container_cpu_cores{cluster_id="c",job_id="1",container_group_id="g",container="m",container_type="init"} 3
ehpc_serverless_container_cpu_cores{cluster_id="c",job_id="1",container_group_id="g",container="m",container_type="main"} 1
ehpc_serverless_container_cpu_cores{cluster_id="c",job_id="1",container_group_id="g",container="m#2",container_type="main"} 4
ehpc_serverless_container_cpu_cores{cluster_id="c",job_id="1",container_group_id="g",container="m#3",container_type="main"} 2
ehpc_serverless_container_cpu_cores{cluster_id="c",job_id="1",container_group_id="g",container="m#4",container_type="main"} 5
# HELP ehpc_serverless_container_restarts_total h
# TYPE ehpc_serverless_container_restarts_total counter
ehpc_serverless_container_restarts_total{cluster_id="c",job_id="1",container_group_id="g",container="m",container_type="init"} 0
ehpc_serverless_container_restarts_total{cluster_id="c",job_id="1",container_group_id="g",container="m",container_type="main"} 0
ehpc_serverless_container_restarts_total{cluster_id="c",job_id="1",container_group_id="g",container="m#2",container_type="main"} 0
ehpc_serverless_container_restarts_total{cluster_id="c",job_id="1",container_group_id="g",container="m#3",container_type="main"} 99
ehpc_serverless_container_restarts_total{cluster_id="c",job_id="1",container_group_id="g",container="m#4",container_type="main"} 0
`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestStore(t, tc.opts, tc.snaps...)
			names := tc.metrics
			if names == nil {
				names = familyNames(s)
			}
			if err := testutil.GatherAndCompare(withoutHelp(s), strings.NewReader(tc.want), names...); err != nil {
				t.Error(err)
			}
		})
	}
}

// withoutHelp gathers s with every HELP text replaced by "h": the golden test
// pins the texts, these cases pin the samples.
func withoutHelp(s *Store) prometheus.Gatherer {
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		mfs, err := s.Gatherer().Gather()
		for _, mf := range mfs {
			mf.Help = proto.String("h")
		}
		return mfs, err
	})
}

func familyNames(s *Store) []string {
	var names []string
	for _, f := range s.r.families {
		names = append(names, f.name)
	}
	return names
}

// TestPollSuccessTime checks sub-second precision of the last-success time.
func TestPollSuccessTime(t *testing.T) {
	sn := job("1", nil)
	sn.LastSuccess = time.Date(2023, 11, 14, 22, 13, 20, 250_000_000, time.UTC)
	got := exposition(t, newTestStore(t, StoreOptions{}, sn))
	want := `ehpc_serverless_job_last_poll_success_timestamp_seconds{cluster_id="c",job_id="1"} 1700000000.25` + "\n"
	if !strings.Contains(got, want) {
		t.Errorf("want line %q in:\n%s", want, got)
	}
}
