package simulator

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

func rfc(d time.Duration) client.Text {
	return client.Text(testEpoch.Add(d).Format(time.RFC3339))
}

func unix(d time.Duration) client.Int64 { return client.Int64(testEpoch.Add(d).Unix()) }

func ms(d time.Duration) client.Int64 { return client.Int64(testEpoch.Add(d).UnixMilli()) }

type eventWant struct {
	typ, reason string
	count       int64
	first, last time.Duration
}

func checkEvents(t *testing.T, got []client.Event, want []eventWant) {
	t.Helper()
	if len(got) != len(want) {
		for _, e := range got {
			t.Logf("event %s %s x%d %s..%s", e.Type, e.Reason, e.Count, e.FirstTimestamp, e.LastTimestamp)
		}
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Type.String() != w.typ || g.Reason.String() != w.reason || int64(g.Count) != w.count ||
			g.FirstTimestamp != rfc(w.first) || g.LastTimestamp != rfc(w.last) || g.Message == "" || g.Name == "" {
			t.Errorf("event %d = %s %s x%d %s..%s (%q), want %s %s x%d %s..%s", i,
				g.Type, g.Reason, g.Count, g.FirstTimestamp, g.LastTimestamp, g.Message,
				w.typ, w.reason, w.count, rfc(w.first), rfc(w.last))
		}
	}
}

func state(s client.ContainerState) string {
	return fmt.Sprintf("%s/%s exit=%d signal=%d start=%s finish=%s", s.State, s.Reason, s.ExitCode, s.Signal, s.StartTime, s.FinishTime)
}

func wantState(t *testing.T, what string, got client.ContainerState, st, reason string, exit int64, start, finish client.Text) {
	t.Helper()
	if got.State.String() != st || got.Reason.String() != reason || int64(got.ExitCode) != exit || got.StartTime != start || got.FinishTime != finish {
		t.Errorf("%s = %s, want %s/%s exit=%d start=%s finish=%s", what, state(got), st, reason, exit, start, finish)
	}
}

// Job 7: Pending at 0s, Initing at 5s, Running at 10s, Failed at 30s with
// the main container OOMKilled (exit 137).
func TestTimelineJobFailsWithOOMKill(t *testing.T) {
	f := newFixture(t, timelineScenario())

	f.at(2 * time.Second)
	j := f.describeJob("ehpc-test", "7")
	g := j.ContainerGroups[0]
	if j.State != "Pending" || g.Status != "Scheduling" || j.StartTime != 0 || j.EndTime != 0 || j.LastModifyTime != ms(0) {
		t.Fatalf("t=2s: state %s, group %s, start %d, end %d, lastmod %d", j.State, g.Status, j.StartTime, j.EndTime, j.LastModifyTime)
	}
	wantState(t, "t=2s fetch", g.InitContainers[0].CurrentState, "Waiting", "ContainerCreating", 0, "", "")
	wantState(t, "t=2s solver", g.Containers[0].CurrentState, "Waiting", "ContainerCreating", 0, "", "")
	checkEvents(t, g.Events, nil)

	f.at(7 * time.Second)
	j = f.describeJob("ehpc-test", "7")
	g = j.ContainerGroups[0]
	if j.State != "Initing" || g.Status != "Pending" || j.LastModifyTime != ms(5*time.Second) {
		t.Fatalf("t=7s: state %s, group %s, lastmod %d", j.State, g.Status, j.LastModifyTime)
	}
	wantState(t, "t=7s fetch", g.InitContainers[0].CurrentState, "Running", "Started", 0, rfc(5*time.Second), "")
	wantState(t, "t=7s solver", g.Containers[0].CurrentState, "Waiting", "PodInitializing", 0, "", "")

	f.at(15 * time.Second)
	j = f.describeJob("ehpc-test", "7")
	g = j.ContainerGroups[0]
	if j.State != "Running" || g.Status != "Running" || j.StartTime != unix(10*time.Second) || j.EndTime != 0 {
		t.Fatalf("t=15s: state %s, group %s, start %d, end %d", j.State, g.Status, j.StartTime, j.EndTime)
	}
	wantState(t, "t=15s fetch", g.InitContainers[0].CurrentState, "Terminated", "Completed", 0, rfc(5*time.Second), rfc(10*time.Second))
	wantState(t, "t=15s solver", g.Containers[0].CurrentState, "Running", "Started", 0, rfc(10*time.Second), "")
	if !g.Containers[0].Ready {
		t.Error("t=15s: running solver not ready")
	}

	f.at(30 * time.Second)
	j = f.describeJob("ehpc-test", "7")
	g = j.ContainerGroups[0]
	if j.JobID != "7" || j.JobName != "oom" || j.Queue != "gpu" || j.User != "alice" || j.Priority != 5 || j.IsArrayJob || j.ArrayProperties != nil {
		t.Errorf("identity fields: %+v", j)
	}
	if j.State != "Failed" || j.SubmitTime != unix(0) || j.StartTime != unix(10*time.Second) || j.EndTime != unix(30*time.Second) ||
		j.LastModifyTime != ms(30*time.Second) {
		t.Fatalf("t=30s: state %s submit %d start %d end %d lastmod %d", j.State, j.SubmitTime, j.StartTime, j.EndTime, j.LastModifyTime)
	}
	if g.Status != "Failed" || g.FailedTime != rfc(30*time.Second) || g.SucceededTime != "" || g.CreationTime != rfc(0) {
		t.Errorf("group: status %s failed %s succeeded %s created %s", g.Status, g.FailedTime, g.SucceededTime, g.CreationTime)
	}
	if g.InstanceType != "ecs.gn6i-c4g1.xlarge" || g.SpotStrategy != "SpotWithPriceLimit" || g.SpotPriceLimit != 0.5 ||
		g.Cpu != 4 || g.Memory != 16 || g.EphemeralStorage != 40 || g.Discount != 0.3 || g.ZoneID != "cn-hangzhou-i" ||
		g.RegionID != "cn-hangzhou" || len(g.Tags) != 1 || g.Tags[0].Key != "team" || g.Tags[0].Value != "hpc" {
		t.Errorf("group resources: %+v", g)
	}
	solver := g.Containers[0]
	wantState(t, "t=30s solver", solver.CurrentState, "Terminated", "OOMKilled", 137, rfc(10*time.Second), rfc(30*time.Second))
	if solver.CurrentState.Signal != 9 || solver.Ready || solver.RestartCount != 0 || solver.Gpu != 1 ||
		len(solver.Commands) != 1 || solver.Commands[0] != "/opt/solver" || len(solver.Args) != 2 {
		t.Errorf("solver: %+v", solver)
	}
	if fetch := g.InitContainers[0]; len(fetch.Command) != 3 || len(fetch.Commands) != 0 {
		t.Errorf("init container commands: Command %v Commands %v", fetch.Command, fetch.Commands)
	}
	checkEvents(t, g.Events, []eventWant{
		{"Normal", "Scheduled", 1, 5 * time.Second, 5 * time.Second},
		{"Normal", "Pulling", 1, 5 * time.Second, 5 * time.Second},
		{"Normal", "Pulled", 1, 5 * time.Second, 5 * time.Second},
		{"Normal", "Created", 1, 5 * time.Second, 5 * time.Second},
		{"Normal", "Started", 1, 5 * time.Second, 5 * time.Second},
		{"Normal", "Pulling", 1, 10 * time.Second, 10 * time.Second},
		{"Normal", "Pulled", 1, 10 * time.Second, 10 * time.Second},
		{"Normal", "Created", 1, 10 * time.Second, 10 * time.Second},
		{"Normal", "Started", 1, 10 * time.Second, 10 * time.Second},
		{"Warning", "OOMKilling", 1, 30 * time.Second, 30 * time.Second},
		{"Warning", "Failed", 1, 30 * time.Second, 30 * time.Second},
	})

	// Nothing changes after the end.
	f.at(time.Hour)
	if later := f.describeJob("ehpc-test", "7"); later.LastModifyTime != j.LastModifyTime || later.State != j.State {
		t.Errorf("job changed after its end: %+v", later)
	}
}

// Job 8 crash-loops: runs 10s, exits 1, backs off 10s, restarts, forever.
func TestTimelineCrashLoop(t *testing.T) {
	f := newFixture(t, timelineScenario())
	for _, tc := range []struct {
		at                 time.Duration
		current            string
		currentStart       time.Duration
		restarts           int64
		prevStart, prevEnd time.Duration // -1: no previous state
	}{
		{5 * time.Second, "Running", 0, 0, -1, -1},
		{15 * time.Second, "Waiting", 0, 0, 0, 10 * time.Second},
		{25 * time.Second, "Running", 20 * time.Second, 1, 0, 10 * time.Second},
		{35 * time.Second, "Waiting", 0, 1, 20 * time.Second, 30 * time.Second},
		{45 * time.Second, "Running", 40 * time.Second, 2, 20 * time.Second, 30 * time.Second},
		{24*time.Hour + 5*time.Second, "Running", 24 * time.Hour, 4320, 24*time.Hour - 20*time.Second, 24*time.Hour - 10*time.Second},
	} {
		f.at(tc.at)
		j := f.describeJob("ehpc-test", "8")
		c := j.ContainerGroups[0].Containers[0]
		if j.State != "Running" || c.RestartCount != client.Int64(tc.restarts) {
			t.Errorf("t=%s: job %s, restarts %d, want Running, %d", tc.at, j.State, c.RestartCount, tc.restarts)
		}
		if tc.current == "Running" {
			wantState(t, fmt.Sprintf("t=%s current", tc.at), c.CurrentState, "Running", "Started", 0, rfc(tc.currentStart), "")
		} else {
			wantState(t, fmt.Sprintf("t=%s current", tc.at), c.CurrentState, "Waiting", "CrashLoopBackOff", 0, "", "")
		}
		if tc.prevStart < 0 {
			wantState(t, fmt.Sprintf("t=%s previous", tc.at), c.PreviousState, "", "", 0, "", "")
		} else {
			wantState(t, fmt.Sprintf("t=%s previous", tc.at), c.PreviousState, "Terminated", "Error", 1, rfc(tc.prevStart), rfc(tc.prevEnd))
		}
		if j.ContainerGroups[0].RestartPolicy != "Always" {
			t.Errorf("restart policy %s", j.ContainerGroups[0].RestartPolicy)
		}
	}
	f.at(45 * time.Second)
	checkEvents(t, f.describeJob("ehpc-test", "8").ContainerGroups[0].Events, []eventWant{
		{"Normal", "Scheduled", 1, 0, 0},
		{"Normal", "Pulling", 1, 0, 0},
		{"Normal", "Pulled", 1, 0, 0},
		{"Warning", "BackOff", 2, 10 * time.Second, 30 * time.Second},
		{"Normal", "Created", 3, 0, 40 * time.Second},
		{"Normal", "Started", 3, 0, 40 * time.Second},
	})
	if got := f.describeJob("ehpc-test", "8").LastModifyTime; got != ms(40*time.Second) {
		t.Errorf("LastModifyTime = %d, want %d", got, ms(40*time.Second))
	}
}

func TestTimelineSucceededAndNegativeSubmit(t *testing.T) {
	f := newFixture(t, timelineScenario())
	j := f.describeJob("ehpc-test", "9")
	g := j.ContainerGroups[0]
	if j.State != "Succeeded" || j.SubmitTime != unix(-time.Minute) || j.StartTime != unix(-time.Minute) || j.EndTime != unix(0) {
		t.Fatalf("state %s submit %d start %d end %d", j.State, j.SubmitTime, j.StartTime, j.EndTime)
	}
	if g.Status != "Succeeded" || g.SucceededTime != rfc(0) || g.FailedTime != "" {
		t.Errorf("group %s succeeded %s failed %s", g.Status, g.SucceededTime, g.FailedTime)
	}
	wantState(t, "main", g.Containers[0].CurrentState, "Terminated", "Completed", 0, rfc(-time.Minute), rfc(0))
	if g.Containers[0].Name != "main" || g.Containers[0].Cpu != 2 || g.Containers[0].Memory != 4 {
		t.Errorf("default container: %+v", g.Containers[0])
	}
}

func TestTimelineArrayJob(t *testing.T) {
	f := newFixture(t, timelineScenario())
	f.at(30 * time.Second)

	f.call(ActionDescribeServerlessJobs, describeQuery("ehpc-test", "10")).wantError(t, 400, "InvalidParams")

	for _, id := range []string{"10_2", "10_7", "10_x", "10_01", "9_1"} {
		if r := f.call(ActionDescribeServerlessJobs, describeQuery("ehpc-test", id)).describe(t); r.TotalCount != 0 || len(r.JobInfos) != 0 {
			t.Errorf("%s: TotalCount %d", id, r.TotalCount)
		}
	}
	for _, tc := range []struct {
		id         string
		state      string
		start, end time.Duration
		exit       int64
	}{
		{"10_1", "Succeeded", 5 * time.Second, 20 * time.Second, 0},
		{"10_3", "Failed", 5 * time.Second, 15 * time.Second, 2},
		{"10_5", "Running", 25 * time.Second, -1, 0},
	} {
		j := f.describeJob("ehpc-test", tc.id)
		if j.JobID.String() != tc.id || j.State.String() != tc.state || !bool(j.IsArrayJob) || j.ArrayProperties == nil ||
			j.ArrayProperties.IndexStart != 1 || j.ArrayProperties.IndexEnd != 5 || j.ArrayProperties.IndexStep != 2 {
			t.Errorf("%s: id %s state %s array %v %+v", tc.id, j.JobID, j.State, j.IsArrayJob, j.ArrayProperties)
		}
		if j.StartTime != unix(tc.start) {
			t.Errorf("%s: start %d, want %d", tc.id, j.StartTime, unix(tc.start))
		}
		if tc.end >= 0 && j.EndTime != unix(tc.end) {
			t.Errorf("%s: end %d, want %d", tc.id, j.EndTime, unix(tc.end))
		}
		if tc.exit != 0 && j.ContainerGroups[0].Containers[0].CurrentState.ExitCode != client.Int64(tc.exit) {
			t.Errorf("%s: exit %d", tc.id, j.ContainerGroups[0].Containers[0].CurrentState.ExitCode)
		}
		if j.ContainerGroups[0].ContainerGroupName.String() != "sweep-"+tc.id[:2]+"-"+tc.id[3:] {
			t.Errorf("%s: group name %s", tc.id, j.ContainerGroups[0].ContainerGroupName)
		}
	}

	// Listed once by the array's id, with an aggregated state.
	l := f.call(ActionListServerlessJobs, map[string][]string{"ClusterId": {"ehpc-test"}, "JobIds.1": {"10"}}).list(t)
	if l.TotalCount != 1 || len(l.Jobs) != 1 || l.Jobs[0].JobID != "10" || !bool(l.Jobs[0].IsArrayJob) ||
		l.Jobs[0].State != "Running" || l.Jobs[0].StartTime != unix(5*time.Second) || l.Jobs[0].EndTime != 0 {
		t.Fatalf("t=30s list: %+v", l)
	}
	f.at(50 * time.Second)
	l = f.call(ActionListServerlessJobs, map[string][]string{"ClusterId": {"ehpc-test"}, "JobIds.1": {"10"}}).list(t)
	if l.Jobs[0].State != "Failed" || l.Jobs[0].EndTime != unix(40*time.Second) {
		t.Fatalf("t=50s list: %+v", l.Jobs[0])
	}
}

func TestTimelineScheduleFailed(t *testing.T) {
	f := newFixture(t, timelineScenario())
	f.at(65 * time.Second)
	j := f.describeJob("ehpc-test", "11")
	g := j.ContainerGroups[0]
	if j.State != "Pending" || g.Status != "ScheduleFailed" || j.LastModifyTime != ms(60*time.Second) {
		t.Fatalf("t=65s: state %s group %s lastmod %d", j.State, g.Status, j.LastModifyTime)
	}
	checkEvents(t, g.Events, []eventWant{{"Warning", "FailedScheduling", 3, 0, 60 * time.Second}})
	if g.IntranetIP != "" {
		t.Errorf("unscheduled group has an address %s", g.IntranetIP)
	}

	f.at(150 * time.Second)
	j = f.describeJob("ehpc-test", "11")
	g = j.ContainerGroups[0]
	if j.State != "Failed" || g.Status != "Failed" || j.StartTime != 0 || j.EndTime != unix(120*time.Second) {
		t.Fatalf("t=150s: state %s group %s start %d end %d", j.State, g.Status, j.StartTime, j.EndTime)
	}
	checkEvents(t, g.Events, []eventWant{{"Warning", "FailedScheduling", 4, 0, 90 * time.Second}})
	wantState(t, "never started", g.Containers[0].CurrentState, "Waiting", "ContainerCreating", 0, "", "")
}

func TestTimelineNotYetSubmitted(t *testing.T) {
	f := newFixture(t, timelineScenario())
	f.at(99 * time.Second)
	if r := f.call(ActionDescribeServerlessJobs, describeQuery("ehpc-test", "12")).describe(t); r.TotalCount != 0 || r.JobInfos == nil {
		t.Fatalf("before submission: %+v", r)
	}
	f.at(100 * time.Second)
	if j := f.describeJob("ehpc-test", "12"); j.State != "Pending" || j.SubmitTime != unix(100*time.Second) {
		t.Fatalf("at submission: %+v", j)
	}
}

// The same instant always gives the same answer, whatever happened before.
func TestTimelineIsPure(t *testing.T) {
	a := newFixture(t, timelineScenario())
	b := newFixture(t, timelineScenario())
	a.at(33 * time.Second)
	for _, d := range []time.Duration{50 * time.Second, 10 * time.Second, 33 * time.Second} {
		b.at(d)
		b.describeJob("ehpc-test", "8")
	}
	for _, id := range []string{"7", "8", "9", "10_3", "11"} {
		ja, jb := a.describeJob("ehpc-test", id), b.describeJob("ehpc-test", id)
		ea, _ := json.Marshal(ja)
		eb, _ := json.Marshal(jb)
		if string(ea) != string(eb) {
			t.Errorf("job %s differs between simulators at the same time", id)
		}
	}
}

// The less common paths, on the example scenario: a blamed sidecar, a job
// failing in its init container, cancellation, spot reclamation.
func TestExampleScenarioDetails(t *testing.T) {
	sc, err := LoadScenario("testdata/example.yml")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, sc)
	const cl = "ehpc-hz-example"
	epoch := sc.Epoch
	at := func(d time.Duration) client.Text { return client.Text(epoch.Add(d).Format(time.RFC3339)) }

	f.at(10 * time.Minute)
	j := f.describeJob(cl, "3")
	if len(j.ContainerGroups) != 2 || j.ContainerGroups[0].ContainerGroupName != "pipeline-3-0" || j.ContainerGroups[1].InstanceType != "ecs.g7.large" {
		t.Fatalf("groups: %+v", j.ContainerGroups)
	}
	cs := j.ContainerGroups[0].Containers
	wantState(t, "main", cs[0].CurrentState, "Terminated", "Completed", 0, at(10*time.Second), at(5*time.Minute))
	wantState(t, "sidecar", cs[1].CurrentState, "Terminated", "Error", 1, at(10*time.Second), at(5*time.Minute))

	j = f.describeJob(cl, "4")
	g := j.ContainerGroups[0]
	if j.State != "Failed" || g.Status != "Expired" || g.ExpiredTime != at(3*time.Minute) || g.FailedTime != "" || g.SpotStrategy != "SpotAsPriceGo" {
		t.Fatalf("reclaimed spot: state %s status %s expired %s failed %s", j.State, g.Status, g.ExpiredTime, g.FailedTime)
	}
	wantState(t, "reclaimed", g.Containers[0].CurrentState, "Terminated", "Error", 143, at(15*time.Second), at(3*time.Minute))
	if g.Containers[0].CurrentState.Signal != 15 {
		t.Errorf("signal %d", g.Containers[0].CurrentState.Signal)
	}

	j = f.describeJob(cl, "5")
	g = j.ContainerGroups[0]
	if j.State != "Canceled" || g.Status != "Failed" {
		t.Fatalf("canceled: %s / %s", j.State, g.Status)
	}
	wantState(t, "canceled", g.Containers[0].CurrentState, "Terminated", "Error", 143, at(5*time.Second), at(time.Minute))
	if last := g.Events[len(g.Events)-1]; last.Reason != "Killing" || last.Type != "Normal" || last.LastTimestamp != at(time.Minute) {
		t.Errorf("last event %+v", last)
	}

	// 7_4 fails in its init container; its main container never starts.
	j = f.describeJob(cl, "7_4")
	g = j.ContainerGroups[0]
	if j.State != "Failed" || j.StartTime != 0 || j.EndTime != client.Int64(epoch.Add(25*time.Second).Unix()) {
		t.Fatalf("7_4: state %s start %d end %d", j.State, j.StartTime, j.EndTime)
	}
	wantState(t, "7_4 init", g.InitContainers[0].CurrentState, "Terminated", "Error", 2, at(5*time.Second), at(25*time.Second))
	wantState(t, "7_4 main", g.Containers[0].CurrentState, "Waiting", "PodInitializing", 0, "", "")
	// 7_8 is the fifth index: its phases come 4*30s later.
	if j = f.describeJob(cl, "7_8"); j.StartTime != client.Int64(epoch.Add(130*time.Second).Unix()) || j.EndTime != client.Int64(epoch.Add(240*time.Second).Unix()) {
		t.Fatalf("7_8: start %d end %d", j.StartTime, j.EndTime)
	}
	// Without an Initing phase the init container completes as the job starts.
	wantState(t, "7_8 init", j.ContainerGroups[0].InitContainers[0].CurrentState, "Terminated", "Completed", 0, at(130*time.Second), at(130*time.Second))

	// Init containers share the Initing phase: stage-in 30s..60s, mesh 60s..90s.
	f.at(70 * time.Second)
	j = f.describeJob(cl, "1")
	ics := j.ContainerGroups[0].InitContainers
	wantState(t, "stage-in", ics[0].CurrentState, "Terminated", "Completed", 0, at(-10*time.Minute+30*time.Second), at(-10*time.Minute+60*time.Second))
	wantState(t, "mesh", ics[1].CurrentState, "Terminated", "Completed", 0, at(-10*time.Minute+60*time.Second), at(-10*time.Minute+90*time.Second))
	f.at(-10*time.Minute + 45*time.Second)
	ics = f.describeJob(cl, "1").ContainerGroups[0].InitContainers
	wantState(t, "stage-in running", ics[0].CurrentState, "Running", "Started", 0, at(-10*time.Minute+30*time.Second), "")
	wantState(t, "mesh waiting", ics[1].CurrentState, "Waiting", "PodInitializing", 0, "", "")
}

// A waiting reason shows on the containers and as events, one per retry, and
// stays when the job fails without running; a notice is one event.
func TestTimelineWaitingAndNotice(t *testing.T) {
	sc := &Scenario{Epoch: testEpoch, Clusters: []Cluster{{ID: "c", Jobs: []Job{
		{ID: "1", Timeline: []Phase{{At: 0, State: StatePending},
			{At: 10 * time.Second, State: StatePending, GroupStatus: GroupPending, Waiting: "ErrImagePull"},
			{At: 30 * time.Second, State: StatePending, GroupStatus: GroupPending, Waiting: "ImagePullBackOff", Message: "manifest unknown"},
			{At: 100 * time.Second, State: StateFailed}}},
		{ID: "2", Timeline: []Phase{{At: 0, State: StateRunning},
			{At: 20 * time.Second, State: StateRunning, Notice: "SpotToBeReleased"},
			{At: 50 * time.Second, State: StateFailed, GroupStatus: GroupExpired}},
			Groups: []Group{{SpotStrategy: client.SpotAsPriceGo}}},
	}}}}
	f := newFixture(t, sc)
	f.at(15 * time.Second)
	g := f.describeJob("c", "1").ContainerGroups[0]
	wantState(t, "pulling", g.Containers[0].CurrentState, "Waiting", "ErrImagePull", 0, "", "")
	checkEvents(t, g.Events, []eventWant{{"Warning", "ErrImagePull", 1, 10 * time.Second, 10 * time.Second}})

	f.at(2 * time.Minute)
	j := f.describeJob("c", "1")
	g = j.ContainerGroups[0]
	if j.State != "Failed" || j.StartTime != 0 {
		t.Fatalf("t=2m: state %s start %d", j.State, j.StartTime)
	}
	wantState(t, "never pulled", g.Containers[0].CurrentState, "Waiting", "ImagePullBackOff", 0, "", "")
	checkEvents(t, g.Events, []eventWant{
		{"Warning", "ErrImagePull", 1, 10 * time.Second, 10 * time.Second},
		{"Warning", "ImagePullBackOff", 3, 30 * time.Second, 90 * time.Second},
	})
	if g.Events[1].Message != "manifest unknown" {
		t.Errorf("event message %q, want the phase's", g.Events[1].Message)
	}

	g = f.describeJob("c", "2").ContainerGroups[0]
	if g.Status != GroupExpired {
		t.Fatalf("spot group %s, want Expired", g.Status)
	}
	n := 0
	for _, e := range g.Events {
		if e.Reason == "SpotToBeReleased" {
			n++
			if e.Count != 1 || e.FirstTimestamp != rfc(20*time.Second) || e.Type != "Warning" {
				t.Errorf("notice %s x%d at %s", e.Type, e.Count, e.FirstTimestamp)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d SpotToBeReleased events, want 1", n)
	}
}
