package simulator

import (
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/analytics"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// demoWorld compiles the demo scenario directly, to look at many instants
// cheaply.
func demoWorld(t *testing.T) *world {
	t.Helper()
	w, err := compile(DemoScenario(), testEpoch)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// everything lists and describes every job of the demo at t.
func everything(w *world, t time.Duration) (summaries []client.JobSummary, infos []client.JobInfo) {
	for _, target := range DemoTargets() {
		c := w.clusters[target.ClusterID]
		_, page := w.list(c, t, listQuery{pageNumber: 1, pageSize: 1 << 20})
		for _, s := range page {
			summaries = append(summaries, s)
			if !s.IsArrayJob {
				j, _ := c.lookup(s.JobID.String(), t)
				infos = append(infos, w.describe(j, t))
				continue
			}
			for idx := 0; idx < 20; idx++ {
				if j, _ := c.lookup(s.JobID.String()+"_"+itoaTest(idx), t); j != nil {
					infos = append(infos, w.describe(j, t))
				}
			}
		}
	}
	return summaries, infos
}

func TestDemoShowsEveryFeature(t *testing.T) {
	w := demoWorld(t)
	want := []string{
		"job Pending", "job Initing", "job Running", "job Succeeded", "job Failed", "job Canceled",
		"group Scheduling", "group Pending", "group Running", "group Succeeded", "group Failed", "group ScheduleFailed", "group Expired",
		"crash loop", "OOMKilled 137", "exit 1", "spot", "init container completed", "array job", "Warning BackOff",
		"Warning FailedScheduling", "Warning OOMKilling", "Warning Failed", "several queues", "several users",
	}
	seen := map[string]bool{}
	queues, users := map[string]bool{}, map[string]bool{}
	for at := time.Duration(0); at <= 15*time.Minute; at += 15 * time.Second {
		sums, infos := everything(w, at)
		for _, s := range sums {
			queues[s.Queue.String()], users[s.User.String()] = true, true
			if s.IsArrayJob {
				seen["array job"] = true
			}
		}
		for _, j := range infos {
			seen["job "+j.State.String()] = true
			for _, g := range j.ContainerGroups {
				seen["group "+g.Status.String()] = true
				if g.SpotStrategy != "NoSpot" {
					seen["spot"] = true
				}
				for _, e := range g.Events {
					if e.Type == "Warning" {
						seen["Warning "+e.Reason.String()] = true
					}
				}
				for _, c := range g.InitContainers {
					if c.CurrentState.Reason == "Completed" {
						seen["init container completed"] = true
					}
				}
				for _, c := range g.Containers {
					if c.RestartCount > 0 && (c.CurrentState.Reason == "CrashLoopBackOff" || c.PreviousState.State == "Terminated") {
						seen["crash loop"] = true
					}
					for _, st := range []client.ContainerState{c.CurrentState, c.PreviousState} {
						if st.ExitCode == 137 && st.Reason == "OOMKilled" {
							seen["OOMKilled 137"] = true
						}
						if st.ExitCode == 1 {
							seen["exit 1"] = true
						}
					}
				}
			}
		}
	}
	seen["several queues"], seen["several users"] = len(queues) >= 3, len(users) >= 4
	var missing []string
	for _, f := range want {
		if !seen[f] {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("the demo never shows: %s", strings.Join(missing, ", "))
	}
}

func TestDemoSizeAndChange(t *testing.T) {
	w := demoWorld(t)
	fingerprint := func(at time.Duration) (ids []string, states string) {
		sums, infos := everything(w, at)
		for _, s := range sums {
			ids = append(ids, s.JobID.String())
		}
		var b strings.Builder
		for _, j := range infos {
			b.WriteString(j.JobID.String() + j.State.String() + itoaTest(int(j.LastModifyTime)) + ";")
		}
		sort.Strings(ids)
		return ids, b.String()
	}
	for _, at := range []time.Duration{0, 5 * time.Minute, time.Hour, 25 * time.Hour} {
		ids, _ := fingerprint(at)
		t.Logf("t=%s: %d jobs", at, len(ids))
		if len(ids) < 20 || len(ids) > 60 {
			t.Errorf("t=%s: %d jobs, want about thirty", at, len(ids))
		}
	}
	// Long after start, things still change minute by minute and new ids appear.
	for _, at := range []time.Duration{10 * time.Minute, 3 * time.Hour} {
		ids1, st1 := fingerprint(at)
		ids2, st2 := fingerprint(at + time.Minute)
		if st1 == st2 {
			t.Errorf("t=%s: nothing changed in a minute", at)
		}
		ids3, _ := fingerprint(at + 10*time.Minute)
		if strings.Join(ids1, ",") == strings.Join(ids3, ",") {
			t.Errorf("t=%s: no new job ids in ten minutes", at)
		}
		_ = ids2
	}
}

// The long-lived ids the exporter's demo configuration names exist at any
// time, through the wire, with the demo key.
func TestDemoTargetsAlwaysExist(t *testing.T) {
	o := DemoOptions(0)
	f := newFixture(t, o.Scenario, func(opts *Options) { opts.Keys = o.Keys })
	for _, at := range []time.Duration{0, 10 * time.Minute, 26 * time.Hour} {
		f.at(at)
		for _, target := range DemoTargets() {
			for _, id := range target.JobIDs {
				v := f.v3(ActionDescribeServerlessJobs, url.Values{"ClusterId": {target.ClusterID}, "JobIds.1": {id}})
				v.AK, v.Secret = DemoAccessKeyID, DemoAccessKeySecret
				r := f.do(v.request(t, f.srv.URL)).describe(t)
				if r.TotalCount != 1 {
					t.Fatalf("t=%s: %s/%s missing", at, target.ClusterID, id)
				}
			}
		}
	}
}

func TestDemoOptionsSpeed(t *testing.T) {
	o := DemoOptions(60)
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.clock.(*ScaledClock); !ok || s.Advance(time.Second) {
		t.Fatalf("demo clock is %T", s.clock)
	}
	if d := s.Elapsed(); d < 0 || d > time.Hour {
		t.Fatalf("elapsed %s at start", d)
	}
}

func TestScaledClock(t *testing.T) {
	real := testEpoch
	c := &ScaledClock{origin: testEpoch.Add(time.Hour), realStart: testEpoch, speed: 10, real: func() time.Time { return real }}
	real = real.Add(3 * time.Second)
	if got := c.Now(); !got.Equal(testEpoch.Add(time.Hour + 30*time.Second)) {
		t.Fatalf("Now = %s", got)
	}
	if NewScaledClock(testEpoch, -1).speed != 1 {
		t.Fatal("non-positive speed not defaulted to 1")
	}
}

// The analytics panels and alerts need every failure class within minutes
// of a start, and again every minute: each minute of the demo ends jobs of
// every class but none and unknown, and no job fails for a reason the
// classifier cannot name.
func TestDemoEndsEveryFailureClassEveryMinute(t *testing.T) {
	w := demoWorld(t)
	cls, err := analytics.NewClassifier(nil)
	if err != nil {
		t.Fatal(err)
	}
	const minutes = 12
	ended := map[analytics.Class]map[int]bool{} // class -> minutes with an end
	notices, waiting := 0, map[string]bool{}
	for at := time.Duration(0); at <= (minutes+1)*time.Minute; at += 5 * time.Second {
		_, infos := everything(w, at)
		for i := range infos {
			j := &infos[i]
			for _, g := range j.ContainerGroups {
				for _, e := range g.Events {
					if e.Reason == "SpotToBeReleased" {
						notices++
					}
				}
				for _, c := range g.Containers {
					if c.CurrentState.State == client.ContainerStateWaiting {
						waiting[c.CurrentState.Reason.String()] = true
					}
				}
			}
			c := cls.Job(j)
			if c == "" || j.EndTime == 0 {
				continue
			}
			if c == analytics.ClassUnknown {
				t.Errorf("t=%s: job %s (%s) failed for no reason the classifier knows", at, j.JobID, j.JobName)
			}
			if ended[c] == nil {
				ended[c] = map[int]bool{}
			}
			ended[c][int(time.Unix(int64(j.EndTime), 0).Sub(testEpoch)/time.Minute)] = true
		}
	}
	for _, c := range analytics.BuiltinClasses {
		if c == analytics.ClassNone || c == analytics.ClassUnknown {
			continue
		}
		for m := 0; m < minutes; m++ {
			if !ended[c][m] {
				t.Errorf("no job of class %s ends in minute %d of the demo", c, m)
			}
		}
	}
	if notices == 0 {
		t.Error("no container group ever reports SpotToBeReleased")
	}
	for _, r := range []string{"ErrImagePull", "ImagePullBackOff", "ContainerCreating", "CrashLoopBackOff"} {
		if !waiting[r] {
			t.Errorf("no container ever waits with reason %s", r)
		}
	}
}
