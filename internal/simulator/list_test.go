package simulator

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

func listQ(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Add(kv[i], kv[i+1])
	}
	return q
}

func genFixture(t *testing.T, jobs int) *fixture {
	return newFixture(t, Generate(GenerateOptions{Jobs: jobs, ActiveFraction: 0.1, Seed: 7}))
}

func TestListPaging(t *testing.T) {
	f := genFixture(t, 250)
	cl := GeneratedClusterID(0)
	seen := map[string]bool{}
	for page, want := range []int{100, 100, 50, 0} {
		l := f.call(ActionListServerlessJobs, listQ("ClusterId", cl, "PageSize", "100", "PageNumber", strconv.Itoa(page+1))).list(t)
		if l.TotalCount != 250 || int(l.PageNumber) != page+1 || l.PageSize != 100 || len(l.Jobs) != want {
			t.Fatalf("page %d: total %d number %d size %d jobs %d", page+1, l.TotalCount, l.PageNumber, l.PageSize, len(l.Jobs))
		}
		for _, j := range l.Jobs {
			if seen[j.JobID.String()] {
				t.Fatalf("job %s on two pages", j.JobID)
			}
			seen[j.JobID.String()] = true
		}
	}
	if len(seen) != 250 {
		t.Fatalf("%d distinct jobs listed, want 250", len(seen))
	}
	l := f.call(ActionListServerlessJobs, listQ("ClusterId", cl)).list(t)
	if l.PageNumber != 1 || l.PageSize != 20 || len(l.Jobs) != 20 {
		t.Fatalf("defaults: number %d size %d jobs %d", l.PageNumber, l.PageSize, len(l.Jobs))
	}
}

func TestListInvalidParams(t *testing.T) {
	f := genFixture(t, 10)
	cl := GeneratedClusterID(0)
	for _, kv := range [][2]string{
		{"PageSize", "0"}, {"PageSize", "101"}, {"PageSize", "ten"}, {"PageNumber", "0"}, {"PageNumber", "-1"},
		{"State", "Runing"}, {"SubmitOrder", "Up"}, {"StartOrder", "asc"}, {"SubmitTimeStart", "yesterday"},
		{"SubmitTimeEnd", "-5"}, {"JobIds.x", "1"},
	} {
		e := f.call(ActionListServerlessJobs, listQ("ClusterId", cl, kv[0], kv[1])).wantError(t, 400, "InvalidParams")
		if want := "The specified parameter " + kv[0] + " is invalid."; e.Message.String() != want {
			t.Errorf("%s=%s: message %q, want %q", kv[0], kv[1], e.Message, want)
		}
	}
	f.call(ActionListServerlessJobs, listQ()).wantError(t, 400, "MissingClusterId")
	f.call(ActionListServerlessJobs, listQ("ClusterId", "ehpc-nope")).wantError(t, 404, "ClusterNotFound")
}

func TestDescribeParams(t *testing.T) {
	f := newFixture(t, timelineScenario())
	e := f.call(ActionDescribeServerlessJobs, describeQuery("ehpc-test", "7", "8")).wantError(t, 400, "InvalidParams")
	if e.Message != "The specified parameter JobIds is invalid." {
		t.Errorf("message %q", e.Message)
	}
	f.call(ActionDescribeServerlessJobs, describeQuery("ehpc-test")).wantError(t, 400, "MissingJobIds")
	f.call(ActionDescribeServerlessJobs, listQ("JobIds.1", "7")).wantError(t, 400, "MissingClusterId")
	e = f.call(ActionDescribeServerlessJobs, describeQuery("ehpc-nope", "7")).wantError(t, 404, "ClusterNotFound")
	if e.Message != "The specified cluster does not exist." {
		t.Errorf("message %q", e.Message)
	}
	// The JSON-array form of the list is read too.
	if r := f.call(ActionDescribeServerlessJobs, listQ("ClusterId", "ehpc-test", "JobIds", `["7"]`)).describe(t); r.TotalCount != 1 {
		t.Errorf("JobIds as a JSON array: %+v", r)
	}
	// An unknown job is an empty 200 answer with a fresh request id each time.
	a := f.call(ActionDescribeServerlessJobs, describeQuery("ehpc-test", "404"))
	b := f.call(ActionDescribeServerlessJobs, describeQuery("ehpc-test", "404"))
	ra, rb := a.describe(t), b.describe(t)
	if ra.TotalCount != 0 || ra.JobInfos == nil || !strings.Contains(string(a.body), `"JobInfos":[]`) || ra.RequestID == rb.RequestID || ra.RequestID == "" {
		t.Fatalf("unknown job: %s / %s", a.body, b.body)
	}
}

func TestListFilters(t *testing.T) {
	f := genFixture(t, 300)
	cl := GeneratedClusterID(0)
	all := f.call(ActionListServerlessJobs, listQ("ClusterId", cl, "PageSize", "100", "PageNumber", "1")).list(t)

	// State: every listed job is in that state, and the counts add up.
	sum := int64(0)
	for _, st := range []string{"Pending", "Running", "Succeeded", "Failed", "Canceled", "Initing"} {
		l := f.call(ActionListServerlessJobs, listQ("ClusterId", cl, "State", st, "PageSize", "100")).list(t)
		for _, j := range l.Jobs {
			if j.State.String() != st {
				t.Fatalf("State=%s listed a %s job", st, j.State)
			}
		}
		sum += int64(l.TotalCount)
	}
	if sum != int64(all.TotalCount) {
		t.Fatalf("states add up to %d, want %d", sum, all.TotalCount)
	}
	if l := f.call(ActionListServerlessJobs, listQ("ClusterId", cl, "State", "All")).list(t); l.TotalCount != all.TotalCount {
		t.Fatalf("State=All: %d", l.TotalCount)
	}

	// JobIds and JobNames.
	l := f.call(ActionListServerlessJobs, listQ("ClusterId", cl, "JobIds.1", "3", "JobIds.2", "17", "JobIds.3", "9999")).list(t)
	if l.TotalCount != 2 || len(l.Jobs) != 2 {
		t.Fatalf("JobIds filter: %+v", l)
	}
	name := l.Jobs[0].JobName.String()
	l = f.call(ActionListServerlessJobs, listQ("ClusterId", cl, "JobNames.1", name)).list(t)
	if l.TotalCount != 1 || l.Jobs[0].JobName.String() != name {
		t.Fatalf("JobNames filter: %+v", l)
	}

	// Submit window, inclusive.
	mid := all.Jobs[50].SubmitTime
	l = f.call(ActionListServerlessJobs, listQ("ClusterId", cl, "SubmitTimeStart", strconv.FormatInt(int64(mid), 10), "PageSize", "100")).list(t)
	want := 0
	for page := 1; page <= 3; page++ {
		p := f.call(ActionListServerlessJobs, listQ("ClusterId", cl, "PageSize", "100", "PageNumber", strconv.Itoa(page))).list(t)
		for _, j := range p.Jobs {
			if j.SubmitTime >= mid {
				want++
			}
		}
	}
	if int(l.TotalCount) != want {
		t.Fatalf("SubmitTimeStart: %d jobs, want %d", l.TotalCount, want)
	}
	l = f.call(ActionListServerlessJobs, listQ("ClusterId", cl, "SubmitTimeStart", strconv.FormatInt(int64(mid), 10), "SubmitTimeEnd", strconv.FormatInt(int64(mid), 10))).list(t)
	for _, j := range l.Jobs {
		if j.SubmitTime != mid {
			t.Fatalf("window [%d,%d] listed %d", mid, mid, j.SubmitTime)
		}
	}
	if l.TotalCount < 1 {
		t.Fatal("inclusive window lost its job")
	}
}

func TestListOrders(t *testing.T) {
	f := genFixture(t, 120)
	cl := GeneratedClusterID(0)
	pages := func(kv ...string) []client.JobSummary {
		var out []client.JobSummary
		for page := 1; page <= 2; page++ {
			l := f.call(ActionListServerlessJobs, listQ(append([]string{"ClusterId", cl, "PageSize", "100", "PageNumber", strconv.Itoa(page)}, kv...)...)).list(t)
			out = append(out, l.Jobs...)
		}
		if len(out) != 120 {
			t.Fatalf("%v: %d jobs", kv, len(out))
		}
		return out
	}
	check := func(name string, js []client.JobSummary, key func(client.JobSummary) int64, asc bool) {
		for i := 1; i < len(js); i++ {
			a, b := key(js[i-1]), key(js[i])
			if (asc && a > b) || (!asc && a < b) {
				t.Fatalf("%s: out of order at %d: %d then %d", name, i, a, b)
			}
		}
	}
	submit := func(j client.JobSummary) int64 { return int64(j.SubmitTime) }
	start := func(j client.JobSummary) int64 { return int64(j.StartTime) }
	check("default (newest first)", pages(), submit, false)
	check("SubmitOrder=Asc", pages("SubmitOrder", "Asc"), submit, true)
	check("SubmitOrder=Desc", pages("SubmitOrder", "Desc"), submit, false)
	check("StartOrder=Asc", pages("StartOrder", "Asc"), start, true)
	check("StartOrder=Desc", pages("StartOrder", "Desc"), start, false)
}

// ListServerlessJobs documents Priority and the times as strings.
func TestListEncodesNumbersAsStrings(t *testing.T) {
	f := newFixture(t, timelineScenario())
	f.at(40 * time.Second)
	a := f.call(ActionListServerlessJobs, listQ("ClusterId", "ehpc-test", "JobIds.1", "7"))
	for _, frag := range []string{`"Priority":"5"`, `"SubmitTime":"` + strconv.FormatInt(testEpoch.Unix(), 10) + `"`,
		`"StartTime":"` + strconv.FormatInt(testEpoch.Unix()+10, 10) + `"`, `"EndTime":"` + strconv.FormatInt(testEpoch.Unix()+30, 10) + `"`,
		`"IsArrayJob":false`, `"TotalCount":1`, `"PageNumber":1`, `"PageSize":20`} {
		if !strings.Contains(string(a.body), frag) {
			t.Errorf("answer lacks %s: %s", frag, a.body)
		}
	}
	// Describe keeps them numbers, as the sample shows.
	d := f.call(ActionDescribeServerlessJobs, describeQuery("ehpc-test", "7"))
	if !strings.Contains(string(d.body), `"Priority":5`) || !strings.Contains(string(d.body), `"LastModifyTime":`+strconv.FormatInt(testEpoch.UnixMilli()+30000, 10)) {
		t.Errorf("describe numbers: %s", d.body)
	}
}

func TestListShowsOnlySubmittedJobs(t *testing.T) {
	f := newFixture(t, timelineScenario())
	ids := func() string {
		l := f.call(ActionListServerlessJobs, listQ("ClusterId", "ehpc-test", "SubmitOrder", "Asc")).list(t)
		var out []string
		for _, j := range l.Jobs {
			out = append(out, j.JobID.String())
		}
		return strings.Join(out, ",")
	}
	if got := ids(); got != "9,7,8,10,11" {
		t.Fatalf("t=0: %s", got)
	}
	f.at(100 * time.Second)
	if got := ids(); got != "9,7,8,10,11,12" {
		t.Fatalf("t=100s: %s", got)
	}
}

func recurringScenario() *Scenario {
	return &Scenario{Epoch: testEpoch, Clusters: []Cluster{{
		ID:   "ehpc-rec",
		Jobs: []Job{{ID: "1", Name: "static"}},
		Recurring: []Recurring{
			{Every: time.Minute, FirstID: 100, IDStep: 2, Keep: 3, Job: Job{Name: "even", Submit: -30 * time.Second,
				Timeline: []Phase{{At: 0, State: StatePending}, {At: 10 * time.Second, State: StateRunning}, {At: 50 * time.Second, State: StateSucceeded}}}},
			{Every: 2 * time.Minute, FirstID: 101, IDStep: 2, Job: Job{Name: "odd",
				Timeline: []Phase{{At: 0, State: StateRunning}, {At: 30 * time.Second, State: StateFailed, ExitCode: ExitCode(3)}}}},
		},
	}}}
}

// Recurring jobs appear under new ids and the oldest are forgotten.
func TestRecurringJobs(t *testing.T) {
	f := newFixture(t, recurringScenario())
	ids := func() string {
		l := f.call(ActionListServerlessJobs, listQ("ClusterId", "ehpc-rec", "SubmitOrder", "Asc", "PageSize", "100")).list(t)
		var out []string
		for _, j := range l.Jobs {
			out = append(out, j.JobID.String()+":"+j.State.String())
		}
		return strings.Join(out, " ")
	}
	if got := ids(); got != "100:Running 1:Pending 101:Running" {
		t.Fatalf("t=0: %s", got)
	}
	f.at(4*time.Minute + 40*time.Second)
	// even: instances 0..5 submitted (at -30s+k*60s), keep 3 -> 106, 108, 110.
	// odd: instances 0..2 at 0, 2m, 4m -> 101, 103, 105.
	if got := ids(); got != "1:Pending 101:Failed 103:Failed 106:Succeeded 108:Succeeded 105:Failed 110:Running" {
		t.Fatalf("t=4m40s: %s", got)
	}
	if r := f.call(ActionDescribeServerlessJobs, describeQuery("ehpc-rec", "104")).describe(t); r.TotalCount != 0 {
		t.Fatal("forgotten instance still described")
	}
	if r := f.call(ActionDescribeServerlessJobs, describeQuery("ehpc-rec", "112")).describe(t); r.TotalCount != 0 {
		t.Fatal("future instance described")
	}
	j := f.describeJob("ehpc-rec", "110")
	if j.JobName != "even" || j.SubmitTime != unix(4*time.Minute+30*time.Second) || j.StartTime != unix(4*time.Minute+40*time.Second) {
		t.Fatalf("instance 110: %+v", j)
	}
	j = f.describeJob("ehpc-rec", "105")
	if j.ContainerGroups[0].Containers[0].CurrentState.ExitCode != 3 || j.EndTime != unix(4*time.Minute+30*time.Second) {
		t.Fatalf("instance 105: %+v", j.ContainerGroups[0].Containers[0].CurrentState)
	}
}
