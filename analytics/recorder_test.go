package analytics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func rfc(t time.Time) client.Text { return client.Text(t.Format(time.RFC3339)) }

// history builds the answers of one job over its life: submitted at t0,
// started a minute later on a 2-core, 4 GiB spot group with one GPU.
type history struct {
	info client.JobInfo
}

func newHistory() *history {
	h := &history{info: client.JobInfo{
		JobID: "7", State: "Running", Queue: "comp", User: "alice",
		SubmitTime: client.Int64(t0.Unix()), StartTime: client.Int64(t0.Add(time.Minute).Unix()),
		ContainerGroups: []client.ContainerGroup{{
			ContainerGroupID: "eci-1", Status: "Running", InstanceType: "ecs.gn6i", SpotStrategy: "SpotAsPriceGo", ZoneID: "cn-hangzhou-h",
			Cpu: 2, Memory: 4, CreationTime: rfc(t0.Add(30 * time.Second)),
			Containers: []client.Container{{Name: "main", Gpu: 1,
				CurrentState: client.ContainerState{State: "Running", StartTime: rfc(t0.Add(time.Minute))}}},
		}},
	}}
	return h
}

// answer is a copy of the current answer, as each describe gives a new one.
func (h *history) answer() *client.JobInfo {
	cp := h.info
	cp.ContainerGroups = append([]client.ContainerGroup(nil), h.info.ContainerGroups...)
	for i := range cp.ContainerGroups {
		cp.ContainerGroups[i].Containers = append([]client.Container(nil), h.info.ContainerGroups[i].Containers...)
	}
	return &cp
}

func (h *history) fail(at time.Time, exit int64, reason string) {
	h.info.State = "Failed"
	h.info.EndTime = client.Int64(at.Unix())
	g := &h.info.ContainerGroups[0]
	g.Status, g.FailedTime = "Failed", rfc(at)
	g.Containers[0].CurrentState = client.ContainerState{State: "Terminated", ExitCode: client.Int64(exit), Reason: client.Text(reason),
		StartTime: rfc(t0.Add(time.Minute)), FinishTime: rfc(at)}
}

func recorder(t *testing.T, since time.Time) *Recorder {
	t.Helper()
	r, err := NewRecorder(nil, nil, func() time.Time { return since })
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func value(t *testing.T, r *Recorder, name string, labels ...string) float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(r)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue next
				}
			}
			if m.Counter != nil {
				return m.Counter.GetValue()
			}
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return 0
}

// A job seen finished in several answers (the final describe, a restart's
// re-describe) is counted once; so are its histogram observations.
func TestAFinishIsCountedOnce(t *testing.T) {
	r := recorder(t, t0)
	h := newHistory()
	r.Observe("c", "7", h.answer(), t0.Add(2*time.Minute))
	h.fail(t0.Add(10*time.Minute), 137, "OOMKilled")
	for range 3 {
		r.Observe("c", "7", h.answer(), t0.Add(11*time.Minute))
	}
	if n := value(t, r, "ehpc_serverless_jobs_finished_total", "state", "Failed", "reason_class", "oom", "queue", "comp", "user", "alice"); n != 1 {
		t.Fatalf("finished = %v, want 1", n)
	}
	if n := value(t, r, "ehpc_serverless_job_run_seconds", "state", "Failed"); n != 1 {
		t.Fatalf("run time observed %v times, want 1", n)
	}
	if n := value(t, r, "ehpc_serverless_job_queue_wait_seconds"); n != 1 {
		t.Fatalf("queue wait observed %v times, want 1", n)
	}
	if n := value(t, r, "ehpc_serverless_container_terminations_total", "reason_class", "oom"); n != 1 {
		t.Fatalf("terminations = %v, want the one final exit", n)
	}
}

// With the state file, a restart neither loses nor double-counts: the state
// comes back, and a finish that happened while the exporter was down is
// counted when it is seen. Without it, the new process counts what it sees
// happen (a job that finished before it started is not counted).
func TestRestartsWithAndWithoutTheState(t *testing.T) {
	r := recorder(t, t0)
	h := newHistory()
	r.Observe("c", "7", h.answer(), t0.Add(2*time.Minute))
	saved, err := r.Export()
	if err != nil {
		t.Fatal(err)
	}
	h.fail(t0.Add(20*time.Minute), 1, "Error") // while the exporter is down

	restored := recorder(t, t0.Add(30*time.Minute))
	if err := restored.Import(saved); err != nil {
		t.Fatal(err)
	}
	restored.Observe("c", "7", h.answer(), t0.Add(31*time.Minute))
	restored.Observe("c", "7", h.answer(), t0.Add(32*time.Minute))
	if n := value(t, restored, "ehpc_serverless_jobs_finished_total", "reason_class", "app_error"); n != 1 {
		t.Fatalf("with the state: finished = %v, want 1 (it finished while the exporter was down)", n)
	}

	fresh := recorder(t, t0.Add(30*time.Minute))
	fresh.Observe("c", "7", h.answer(), t0.Add(31*time.Minute))
	if n := value(t, fresh, "ehpc_serverless_jobs_finished_total"); n != 0 {
		t.Fatalf("without the state: finished = %v, want 0 (it finished before this process watched)", n)
	}
	if err := fresh.Import([]byte(`{"hists":{"x":{"counts":[1]}},"watch_since":"2025-01-01T00:00:00Z"}`)); err == nil {
		t.Fatal("a state with other histogram buckets was taken")
	}
}

// A crash loop between two polls is counted whole: the restart count's
// increase, classed by the last terminated state the answer shows.
func TestACrashLoopBetweenTwoPolls(t *testing.T) {
	r := recorder(t, t0)
	h := newHistory()
	r.Observe("c", "7", h.answer(), t0.Add(2*time.Minute))
	c := &h.info.ContainerGroups[0].Containers[0]
	c.RestartCount = 3
	c.PreviousState = client.ContainerState{State: "Terminated", ExitCode: 137, Reason: "OOMKilled", FinishTime: rfc(t0.Add(3 * time.Minute))}
	r.Observe("c", "7", h.answer(), t0.Add(4*time.Minute))
	r.Observe("c", "7", h.answer(), t0.Add(5*time.Minute))
	if n := value(t, r, "ehpc_serverless_container_terminations_total", "reason_class", "oom", "queue", "comp"); n != 3 {
		t.Fatalf("terminations = %v, want 3", n)
	}
	// A job first seen with restarts behind it, submitted before the watch
	// began, is the baseline: its old restarts are not news.
	late := recorder(t, t0.Add(time.Hour))
	late.Observe("c", "7", h.answer(), t0.Add(61*time.Minute))
	if n := value(t, late, "ehpc_serverless_container_terminations_total"); n != 0 {
		t.Fatalf("terminations of a job seen late = %v, want 0", n)
	}
}

// Allocation is counted while a group runs and closed at its end: every
// second once, however the describes fall, and none before the watch began.
func TestResourceSecondsCountEachSecondOnce(t *testing.T) {
	r := recorder(t, t0)
	h := newHistory() // running from t0+1m
	for _, at := range []time.Duration{2 * time.Minute, 3 * time.Minute, 3 * time.Minute, 5 * time.Minute} {
		r.Observe("c", "7", h.answer(), t0.Add(at))
	}
	cpu := func() float64 {
		return value(t, r, "ehpc_serverless_allocated_cpu_core_seconds_total", "instance_type", "ecs.gn6i", "spot_strategy", "SpotAsPriceGo")
	}
	if got := cpu(); got != 2*240 {
		t.Fatalf("cpu core-seconds after 4 minutes of running = %v, want %v", got, 2*240)
	}
	h.fail(t0.Add(6*time.Minute), 1, "Error")
	r.Observe("c", "7", h.answer(), t0.Add(9*time.Minute)) // seen 3 minutes after it ended
	r.Observe("c", "7", h.answer(), t0.Add(10*time.Minute))
	if got := cpu(); got != 2*300 {
		t.Fatalf("cpu core-seconds after the group ended at 6m = %v, want %v", got, 2*300)
	}
	if got := value(t, r, "ehpc_serverless_allocated_memory_byte_seconds_total"); got != 4*bytesPerGiB*300 {
		t.Fatalf("memory byte-seconds = %v", got)
	}
	if got := value(t, r, "ehpc_serverless_allocated_gpu_seconds_total"); got != 300 {
		t.Fatalf("gpu-seconds = %v, want 300", got)
	}
	late := recorder(t, t0.Add(3*time.Minute))
	late.Observe("c", "7", newHistory().answer(), t0.Add(4*time.Minute))
	if got := value(t, late, "ehpc_serverless_allocated_cpu_core_seconds_total"); got != 2*60 {
		t.Fatalf("a recorder that began at 3m counted %v core-seconds by 4m, want %v", got, 2*60)
	}
}

// A reclaim notice is counted once per event count seen; a job that failed
// to a reclaim is counted as lost.
func TestSpotReclaims(t *testing.T) {
	r := recorder(t, t0)
	h := newHistory()
	g := &h.info.ContainerGroups[0]
	g.Events = []client.Event{{Type: "Warning", Reason: "SpotToBeReleased", Count: 1}}
	r.Observe("c", "7", h.answer(), t0.Add(2*time.Minute))
	r.Observe("c", "7", h.answer(), t0.Add(3*time.Minute))
	h.fail(t0.Add(4*time.Minute), 143, "Error")
	h.info.ContainerGroups[0].Status = client.GroupStatusExpired
	r.Observe("c", "7", h.answer(), t0.Add(5*time.Minute))
	labels := []string{"zone_id", "cn-hangzhou-h", "instance_type", "ecs.gn6i"}
	if n := value(t, r, "ehpc_serverless_spot_reclaim_notices_total", labels...); n != 1 {
		t.Fatalf("notices = %v, want 1", n)
	}
	if n := value(t, r, "ehpc_serverless_jobs_lost_to_spot_reclaim_total", labels...); n != 1 {
		t.Fatalf("jobs lost = %v, want 1", n)
	}
	if n := value(t, r, "ehpc_serverless_jobs_finished_total", "reason_class", "spot_reclaimed"); n != 1 {
		t.Fatalf("finished as spot_reclaimed = %v, want 1", n)
	}
}

// The aggregation labels can be narrowed, and are, by a reload, without
// losing counts.
func TestAggregationLabels(t *testing.T) {
	r := recorder(t, t0)
	for _, user := range []string{"alice", "bob"} {
		h := newHistory()
		h.info.JobID, h.info.User = client.Text("j-"+user), client.Text(user)
		h.fail(t0.Add(3*time.Minute), 1, "Error")
		r.Observe("c", "j-"+user, h.answer(), t0.Add(4*time.Minute))
	}
	if err := r.Configure(nil, []Label{LabelQueue}); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP ehpc_serverless_jobs_finished_total ` + finishedHelp + `
# TYPE ehpc_serverless_jobs_finished_total counter
ehpc_serverless_jobs_finished_total{cluster_id="c",queue="comp",reason_class="app_error",state="Failed"} 2
`
	if err := testutil.CollectAndCompare(r, strings.NewReader(want), finishedName); err != nil {
		t.Fatal(err)
	}
	if err := r.Configure(nil, []Label{"team"}); err == nil {
		t.Fatal("an unknown aggregation label was taken")
	}
	if problems, err := testutil.CollectAndLint(r); err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %v", err, problems)
	}
}
