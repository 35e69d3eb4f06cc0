package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/seed"
)

// warningRecorder is an Observer that keeps the decode warnings it is told.
type warningRecorder struct {
	mu  sync.Mutex
	got []observedWarnings
}

type observedWarnings struct {
	cluster, action string
	fields          map[string]int
}

func (r *warningRecorder) ObserveRequest(clusterID, action, code string, d time.Duration) {}

func (r *warningRecorder) ObserveDecodeWarnings(clusterID, action string, fields map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, observedWarnings{clusterID, action, maps.Clone(fields)})
}

func (r *warningRecorder) observed() []observedWarnings {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]observedWarnings(nil), r.got...)
}

// listPage is a ListServerlessJobs page of n jobs with string numbers, as
// documented; bad, when set, replaces one field of job badAt.
func listPage(n, badAt int, field, bad string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"RequestId":"r","TotalCount":"%d","PageNumber":"1","PageSize":"100","Jobs":[`, n)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fields := []string{
			fmt.Sprintf(`"JobId":"%d"`, 1000+i), fmt.Sprintf(`"JobName":"job-%d"`, i), `"State":"Running"`,
			fmt.Sprintf(`"Priority":"%d"`, i%10), `"Queue":"comp"`, `"User":"u"`,
			fmt.Sprintf(`"SubmitTime":"%d"`, 1700000000+i), `"StartTime":"1700000100"`, `"EndTime":""`, `"IsArrayJob":"false"`,
		}
		if i == badAt {
			for j, f := range fields {
				if strings.HasPrefix(f, `"`+field+`":`) {
					fields[j] = `"` + field + `":` + bad
				}
			}
		}
		b.WriteString("{" + strings.Join(fields, ",") + "}")
	}
	b.WriteString("]}")
	return b.String()
}

func wantSummary(i int) JobSummary {
	return JobSummary{
		JobID: Text(fmt.Sprint(1000 + i)), JobName: Text(fmt.Sprintf("job-%d", i)), State: "Running",
		Priority: Int64(i % 10), Queue: "comp", User: "u", SubmitTime: Int64(1700000000 + i), StartTime: 1700000100,
	}
}

// TestOneWrongTypedValueKeepsTheListPage is issue 12's first finding: one
// value of the wrong type in one job of a page used to fail the whole page
// (DecodeError), so the page's other 99 jobs were not discovered.
func TestOneWrongTypedValueKeepsTheListPage(t *testing.T) {
	const n, badAt = 100, 37
	for _, tc := range []struct {
		field, bad string
		unset      func(*JobSummary)
	}{
		{"Priority", `{"level":"high"}`, func(s *JobSummary) { s.Priority = 0 }},
		{"Priority", `"very-high-secretish"`, func(s *JobSummary) { s.Priority = 0 }},
		{"SubmitTime", `"yesterday"`, func(s *JobSummary) { s.SubmitTime = 0 }},
		{"StartTime", `[1700000100]`, func(s *JobSummary) { s.StartTime = 0 }},
		{"IsArrayJob", `"maybe"`, func(s *JobSummary) { s.IsArrayJob = false }},
		{"State", `["Running"]`, func(s *JobSummary) { s.State = "" }},
		{"Queue", `{}`, func(s *JobSummary) { s.Queue = "" }},
	} {
		t.Run(tc.field+"="+tc.bad, func(t *testing.T) {
			body := listPage(n, badAt, tc.field, tc.bad)
			f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int) { writeJSON(w, 200, body) })
			rec := &warningRecorder{}
			c := newTestClient(t, f, func(o *Options) { o.Observer = rec })
			got, err := c.ListServerlessJobs(context.Background(), ListServerlessJobsRequest{ClusterID: "ehpc-1", PageSize: 100})
			if err != nil {
				t.Fatalf("the page failed: %v", err)
			}
			if len(got.Jobs) != n || got.TotalCount != n {
				t.Fatalf("%d jobs of %d (TotalCount %d)", len(got.Jobs), n, got.TotalCount)
			}
			for i, j := range got.Jobs {
				want := wantSummary(i)
				if i == badAt {
					tc.unset(&want)
				}
				if j != want {
					t.Errorf("job %d = %+v, want %+v", i, j, want)
				}
			}
			want := []observedWarnings{{"ehpc-1", ActionListServerlessJobs, map[string]int{"Jobs[]." + tc.field: 1}}}
			if obs := rec.observed(); !reflect.DeepEqual(obs, want) {
				t.Errorf("decode warnings %+v, want %+v", obs, want)
			}
		})
	}
}

// mutateSeed applies change to the decoded tree of the published sample
// answer and encodes it again.
func mutateSeed(t testing.TB, change func(job map[string]any)) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(seed.DescribeServerlessJobs))
	dec.UseNumber()
	var tree map[string]any
	if err := dec.Decode(&tree); err != nil {
		t.Fatal(err)
	}
	change(tree["JobInfos"].([]any)[0].(map[string]any))
	out, err := json.Marshal(tree)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func firstGroup(job map[string]any) map[string]any {
	return job["ContainerGroups"].([]any)[0].(map[string]any)
}

func firstContainer(job map[string]any) map[string]any {
	return firstGroup(job)["Containers"].([]any)[0].(map[string]any)
}

// TestWrongTypedValueKeepsTheJob: in a DescribeServerlessJobs answer, a value
// of the wrong type anywhere in the job (a container's RestartCount, an
// object where a scalar belongs, a scalar where a list or an object belongs)
// leaves that one value unset; the job and every other field stay.
func TestWrongTypedValueKeepsTheJob(t *testing.T) {
	const containers = "JobInfos[].ContainerGroups[].Containers[]."
	for _, tc := range []struct {
		name   string
		change func(job map[string]any)
		unset  func(j *JobInfo)
		field  string
	}{
		{"RestartCount a word", func(j map[string]any) { firstContainer(j)["RestartCount"] = "many" },
			func(j *JobInfo) { j.ContainerGroups[0].Containers[0].RestartCount = 0 }, containers + "RestartCount"},
		{"RestartCount an object", func(j map[string]any) { firstContainer(j)["RestartCount"] = map[string]any{"n": 5} },
			func(j *JobInfo) { j.ContainerGroups[0].Containers[0].RestartCount = 0 }, containers + "RestartCount"},
		{"ExitCode a fraction", func(j map[string]any) {
			firstContainer(j)["CurrentState"].(map[string]any)["ExitCode"] = 1.5
		}, func(j *JobInfo) { j.ContainerGroups[0].Containers[0].CurrentState.ExitCode = 0 }, containers + "CurrentState.ExitCode"},
		{"CurrentState a number", func(j map[string]any) { firstContainer(j)["CurrentState"] = 5 },
			func(j *JobInfo) { j.ContainerGroups[0].Containers[0].CurrentState = ContainerState{} }, containers + "CurrentState"},
		{"ArrayProperties an array", func(j map[string]any) { j["ArrayProperties"] = []any{1, 5, 2} },
			func(j *JobInfo) { j.ArrayProperties = nil }, "JobInfos[].ArrayProperties"},
		{"Events a string", func(j map[string]any) { firstGroup(j)["Events"] = "none" },
			func(j *JobInfo) { j.ContainerGroups[0].Events = nil }, "JobInfos[].ContainerGroups[].Events"},
		{"one Args element an object", func(j map[string]any) {
			firstContainer(j)["Args"] = []any{"a", map[string]any{"x": 1}, "b"}
		}, func(j *JobInfo) { j.ContainerGroups[0].Containers[0].Args = []Text{"a", "b"} }, containers + "Args[]"},
		{"Cpu a boolean", func(j map[string]any) { firstGroup(j)["Cpu"] = true },
			func(j *JobInfo) { j.ContainerGroups[0].Cpu = 0 }, "JobInfos[].ContainerGroups[].Cpu"},
		{"JobName an object", func(j map[string]any) { j["JobName"] = map[string]any{} },
			func(j *JobInfo) { j.JobName = "" }, "JobInfos[].JobName"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := mutateSeed(t, tc.change)
			f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int) { writeJSON(w, 200, body) })
			rec := &warningRecorder{}
			c := newTestClient(t, f, func(o *Options) { o.Observer = rec })
			got, err := c.DescribeServerlessJobs(context.Background(), DescribeServerlessJobsRequest{ClusterID: seed.ClusterID, JobIDs: []string{seed.JobID}})
			if err != nil {
				t.Fatalf("the answer failed: %v", err)
			}
			want := wantSeed()
			tc.unset(&want.JobInfos[0])
			if !reflect.DeepEqual(got, want) {
				diffStruct(t, "answer", reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem())
			}
			wantObs := []observedWarnings{{seed.ClusterID, ActionDescribeServerlessJobs, map[string]int{tc.field: 1}}}
			if obs := rec.observed(); !reflect.DeepEqual(obs, wantObs) {
				t.Errorf("decode warnings %+v, want %+v", obs, wantObs)
			}
		})
	}
}

// TestDecodeWarningsAreCountedPerField: the same field wrong in several jobs
// is one field with its count; indexes never become part of the name.
func TestDecodeWarningsAreCountedPerField(t *testing.T) {
	body := `{"RequestId":"r","TotalCount":3,"Jobs":[
		{"JobId":"1","Priority":"x","SubmitTime":{}},
		{"JobId":"2","Priority":[1]},
		{"JobId":"3","Priority":"3"}]}`
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int) { writeJSON(w, 200, body) })
	rec := &warningRecorder{}
	c := newTestClient(t, f, func(o *Options) { o.Observer = rec })
	out, err := c.ListServerlessJobs(context.Background(), ListServerlessJobsRequest{ClusterID: "c"})
	if err != nil {
		t.Fatal(err)
	}
	want := []observedWarnings{{"c", ActionListServerlessJobs, map[string]int{"Jobs[].Priority": 2, "Jobs[].SubmitTime": 1}}}
	if obs := rec.observed(); !reflect.DeepEqual(obs, want) {
		t.Errorf("decode warnings %+v, want %+v", obs, want)
	}
	if len(out.Jobs) != 3 || out.Jobs[2].Priority != 3 || out.Jobs[1].JobID != "2" {
		t.Errorf("decoded %+v", out.Jobs)
	}
}

// TestAnswerStructureStaysStrict: what identifies the jobs of an answer is
// not tolerated when it is of the wrong type, since an answer read without
// its jobs would look like "no such job" or an empty list: the list itself,
// its elements and their JobId. Broken JSON stays a DecodeError too.
func TestAnswerStructureStaysStrict(t *testing.T) {
	for _, tc := range []struct {
		name, body, mentions string
		list                 bool
	}{
		{"JobInfos an object", `{"RequestId":"r","JobInfos":{"a":1}}`, "JobInfos holds a JSON object where an array was expected", false},
		{"JobInfos element a number", `{"RequestId":"r","JobInfos":[5]}`, "JobInfos[] holds a JSON number where an object was expected", false},
		{"JobId an object", `{"RequestId":"r","JobInfos":[{"JobId":{"id":"5"},"State":"Running"}]}`, "JobInfos[].JobId holds a JSON object where a string was expected", false},
		{"Jobs a string", `{"RequestId":"r","Jobs":"1,2,3"}`, "Jobs holds a JSON string where an array was expected", true},
		{"Jobs element an array", `{"RequestId":"r","Jobs":[{"JobId":"1"},["2"]]}`, "Jobs[] holds a JSON array where an object was expected", true},
		{"Jobs JobId an array", `{"RequestId":"r","Jobs":[{"JobId":"1"},{"JobId":["2"]}]}`, "Jobs[].JobId holds a JSON array where a string was expected", true},
		{"answer an array", `[{"JobId":"1"}]`, "answer is a JSON array, not an object", true},
		{"malformed", `{"RequestId":"r","Jobs":[{"JobId":"1",,}]}`, "malformed JSON at byte", true},
		{"truncated", `{"RequestId":"r","Jobs":[{"JobId":"1","Priority":{"a"`, "truncated JSON", true},
		{"malformed inside a wrong-typed value", `{"RequestId":"r","Jobs":[{"JobId":"1","Priority":{"a":}}]}`, "malformed JSON at byte", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int) { writeJSON(w, 200, tc.body) })
			c := newTestClient(t, f, nil)
			var err error
			if tc.list {
				_, err = c.ListServerlessJobs(context.Background(), ListServerlessJobsRequest{ClusterID: "c"})
			} else {
				err = describeOnce(context.Background(), c)
			}
			if ErrorCode(err) != CodeDecodeError || !strings.Contains(err.Error(), tc.mentions) {
				t.Fatalf("got %v, want a DecodeError saying %q", err, tc.mentions)
			}
		})
	}
}

// TestOddErrorAnswerStaysAnError: tolerance must not turn an error answer
// whose RequestId is of an odd type into an empty success ("no such job").
func TestOddErrorAnswerStaysAnError(t *testing.T) {
	for _, status := range []int{200, 400} {
		f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			writeJSON(w, status, `{"RequestId":{"id":"r"},"Code":"Throttling.User","Message":"slow down"}`)
		})
		c := newTestClient(t, f, nil)
		if err := describeOnce(context.Background(), c); ErrorCode(err) != "Throttling.User" {
			t.Errorf("HTTP %d: got %v, want Throttling.User", status, err)
		}
	}
}
