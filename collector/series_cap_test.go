package collector

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// TestMaxSeries: beyond metrics.max_series whole jobs are left out, finished
// ones first and the oldest of them first, then the newest active ones; the
// gauge says how many series went, and the store-wide counts still count
// every job.
func TestMaxSeries(t *testing.T) {
	snap := func(id, state string, submit, end int64, class Class) *JobSnapshot {
		s := job(id, &client.JobInfo{JobID: client.Text(id), State: client.Text(state), SubmitTime: client.Int64(submit), EndTime: client.Int64(end),
			ContainerGroups: []client.ContainerGroup{{ContainerGroupID: client.Text("g" + id), Status: "Running", Cpu: 1}}})
		s.Class = class
		return s
	}
	jobs := []*JobSnapshot{
		snap("old-active", "Running", 100, 0, ClassActive),
		snap("new-active", "Pending", 200, 0, ClassActive),
		snap("ended-late", "Succeeded", 100, 1000, ClassFrozen),
		snap("ended-early", "Failed", 100, 500, ClassFrozen),
	}
	// How many series each job has uncapped.
	full := exposition(t, newTestStore(t, StoreOptions{}, jobs...))
	series := map[string]int{}
	total := 0
	for _, l := range strings.Split(full, "\n") {
		if i := strings.Index(l, `job_id="`); i >= 0 && !strings.HasPrefix(l, "#") {
			id := l[i+len(`job_id="`):]
			series[id[:strings.IndexByte(id, '"')]]++
			total++
		}
	}
	for _, tc := range []struct {
		name    string
		limit   int
		dropped []string
	}{
		{"room for all", total, nil},
		{"one series too many: the finished job that ended first goes", total - 1, []string{"ended-early"}},
		{"no room for finished jobs", total - series["ended-early"] - series["ended-late"], []string{"ended-early", "ended-late"}},
		{"then the newest active job", total - series["ended-early"] - series["ended-late"] - 1, []string{"ended-early", "ended-late", "new-active"}},
		{"a limit below one job leaves nothing", 1, []string{"ended-early", "ended-late", "new-active", "old-active"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := exposition(t, newTestStore(t, StoreOptions{MaxSeries: tc.limit}, jobs...))
			want := 0
			for _, id := range []string{"old-active", "new-active", "ended-late", "ended-early"} {
				gone := strings.Contains(strings.Join(tc.dropped, " "), id)
				if has := strings.Contains(out, `job_id="`+id+`"`); has == gone {
					t.Errorf("job %s shown: %v, want %v", id, has, !gone)
				}
				if gone {
					want += series[id]
				}
			}
			if line := `ehpc_serverless_exporter_series_dropped{cluster_id="c"} ` + strconv.Itoa(want) + "\n"; !strings.Contains(out, line) {
				t.Errorf("want %q in\n%s", line, out)
			}
			if !strings.Contains(out, `ehpc_serverless_exporter_jobs_tracked{cluster_id="c",source="static"} 4`+"\n") {
				t.Errorf("the tracked jobs do not count every job:\n%s", out)
			}
		})
	}
	if strings.Contains(full, "ehpc_serverless_exporter_series_dropped") {
		t.Error("series_dropped exposed without a cap")
	}
	if _, err := NewStore(StoreOptions{MaxSeries: -1}); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("a negative cap: %v", err)
	}
}
