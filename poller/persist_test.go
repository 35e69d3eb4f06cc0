package poller

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/statefile"
)

// restartWorld is one cluster with a running job, a job that finished ten
// minutes ago, one that failed two days ago (past its retention) and a
// discovered finished job.
func restartWorld(t *testing.T) (*fakeAPI, ClusterSpec, *fakeClock) {
	clock := newFakeClock()
	api := newFakeAPI()
	api.setJob(fakeJob("run", "Running"))
	done := fakeJob("done", "Succeeded")
	done.EndTime = client.Int64(clock.Now().Add(-10 * time.Minute).Unix())
	api.setJob(done)
	old := fakeJob("old", "Failed")
	old.EndTime = client.Int64(clock.Now().Add(-48 * time.Hour).Unix())
	api.setJob(old)
	disc := fakeJob("disc", "Failed")
	disc.EndTime = client.Int64(clock.Now().Add(-20 * time.Minute).Unix())
	api.setJob(disc)
	ds := fakeSummary("disc", "Failed")
	ds.EndTime = disc.EndTime
	api.setListed(ds)
	spec := discoverySpec(api)
	spec.JobIDs = []string{"run", "done", "old"}
	return api, spec, clock
}

func restartOptions(path string, clock *fakeClock, logs *bytes.Buffer) Options {
	return Options{StatePath: path, Settle: time.Minute, Retention: 24 * time.Hour, Now: clock.Now,
		Logger: log.NewLogfmtLogger(log.NewSyncWriter(logs))}
}

func TestRestartFromTheStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	api, spec, clock := restartWorld(t)
	var logs bytes.Buffer
	pt := newPollTest(t, restartOptions(path, clock, &logs), spec)
	pt.cycle()
	wantIDs(t, pt.ids("c1"), "disc", "done", "run")
	if err := pt.p.SaveState(); err != nil {
		t.Fatal(err)
	}

	// The restarted poller serves what it knew before any call.
	api.resetCounts()
	clock.Add(time.Minute)
	again := newPollTest(t, restartOptions(path, clock, &logs), spec)
	wantIDs(t, again.ids("c1"), "disc", "done", "run")
	if s := again.snap("c1", "done"); s.Class != collector.ClassFrozen || s.Info == nil || len(s.Info.ContainerGroups) == 0 {
		t.Fatalf("restored frozen job: class %q, info %v", s.Class, s.Info)
	}
	if again.p.Ready() {
		t.Fatal("ready before the restored active job was described by this process")
	}
	again.p.RunDue(t.Context())
	if !again.p.Ready() {
		t.Fatal("not ready after the active job's describe")
	}
	// Only the active job and the listing cost calls; the buried job stays
	// buried and the finished ones are not asked for again.
	for id, want := range map[string]int{"run": 1, "done": 0, "old": 0, "disc": 0} {
		if n := api.calls(id); n != want {
			t.Errorf("after the restart job %s was described %d times, want %d", id, n, want)
		}
	}
	if n := api.listCalls(); n != 1 {
		t.Errorf("%d list calls after the restart, want 1", n)
	}
	wantIDs(t, again.ids("c1"), "disc", "done", "run")
	if !strings.Contains(logs.String(), `msg="restored the state file"`) {
		t.Errorf("the restore is not logged:\n%s", logs.String())
	}
}

// A file that cannot be used is logged and ignored: the poller starts
// without it and describes every job, as on a first start.
func TestUnusableStateFilesAreIgnored(t *testing.T) {
	for name, write := range map[string]func(t *testing.T, path string){
		"corrupt": func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte("\x1f\x8b not really gzip"), 0o600); err != nil {
				t.Fatal(err)
			}
		},
		"another version": func(t *testing.T, path string) {
			if err := statefile.Write(path, stateKind, stateVersion+1, map[string]int{"x": 1}); err != nil {
				t.Fatal(err)
			}
		},
		"another program": func(t *testing.T, path string) {
			if err := statefile.Write(path, "someone else's state", stateVersion, map[string]int{"x": 1}); err != nil {
				t.Fatal(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state")
			write(t, path)
			api, spec, clock := restartWorld(t)
			var logs bytes.Buffer
			pt := newPollTest(t, restartOptions(path, clock, &logs), spec)
			if !strings.Contains(logs.String(), `msg="ignoring the state file; every job is described once"`) {
				t.Fatalf("the unusable file is not logged:\n%s", logs.String())
			}
			pt.cycle()
			wantIDs(t, pt.ids("c1"), "disc", "done", "run")
			if n := api.totalDescribes(); n != 4 {
				t.Fatalf("%d describes on a start without state, want 4", n)
			}
			// And the next write replaces the unusable file with a good one.
			if err := pt.p.SaveState(); err != nil {
				t.Fatal(err)
			}
			var st savedState
			if err := statefile.Read(path, stateKind, stateVersion, &st); err != nil {
				t.Fatalf("the file written after an unusable one: %v", err)
			}
		})
	}
}

// The streamed encoding of the state decodes to what encoding/json's own
// encoding of it decodes to, for a state with every field set.
func TestSavedStateStreamsAsItEncodes(t *testing.T) {
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	info := &client.JobInfo{JobID: "7", State: "Failed"}
	st := &savedState{
		Saved:     at,
		Analytics: json.RawMessage(`{"finished":[1,2]}`),
		Clusters: []savedCluster{
			{ID: "c1", Jobs: []savedJob{
				{ID: "7", Source: collector.SourceDiscovered, Class: collector.ClassFrozen, Attempted: true, Kept: true,
					TerminalSince: at, Info: info, LastSuccess: at, PollErrors: map[string]uint64{"Timeout": 2},
					LastErrorCode: "Timeout", LastErrorMessage: `a "quoted" <message>`},
				{ID: "8", Parent: true},
			}, Ranges: []savedRange{{ID: "8", Start: 1, End: 9, Step: 2}}, Tombstones: []string{"3"}},
			{ID: "c2"},
		},
	}
	var streamed bytes.Buffer
	if err := st.WriteJSON(&streamed); err != nil {
		t.Fatal(err)
	}
	whole, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(streamed.Bytes(), &a); err != nil {
		t.Fatalf("the streamed state is not JSON: %v\n%s", err, streamed.String())
	}
	if err := json.Unmarshal(whole, &b); err != nil {
		t.Fatal(err)
	}
	// A cluster without jobs is [] streamed and null encoded whole; both
	// decode to no jobs.
	b.(map[string]any)["clusters"].([]any)[1].(map[string]any)["jobs"] = []any{}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("streamed:\n%s\nencoding/json:\n%s", streamed.String(), whole)
	}
	if err := (&savedState{Analytics: json.RawMessage(`{bad`)}).WriteJSON(io.Discard); err == nil {
		t.Error("a state that cannot be encoded wrote without an error")
	}
}
