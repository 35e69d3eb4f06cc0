package simulator

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// timelineScenario is testdata/timeline.yml as a Go value.
func timelineScenario() *Scenario {
	return &Scenario{
		Epoch: testEpoch,
		Clusters: []Cluster{{
			ID:       "ehpc-test",
			RegionID: "cn-hangzhou",
			Jobs: []Job{
				{
					ID: "7", Name: "oom", Queue: "gpu", User: "alice", Priority: 5,
					Timeline: []Phase{
						{At: 0, State: StatePending},
						{At: 5 * time.Second, State: StateIniting},
						{At: 10 * time.Second, State: StateRunning},
						{At: 30 * time.Second, State: StateFailed, ExitCode: ExitCode(137), Reason: "OOMKilled"},
					},
					Groups: []Group{{
						InstanceType: "ecs.gn6i-c4g1.xlarge", SpotStrategy: "SpotWithPriceLimit", SpotPriceLimit: 0.5,
						Cpu: 4, Memory: 16, EphemeralStorage: 40, Discount: 0.3, ZoneID: "cn-hangzhou-i",
						Tags:           map[string]string{"team": "hpc"},
						InitContainers: []Container{{Name: "fetch", Image: "busybox:1.36", Commands: []string{"sh", "-c", "fetch-inputs"}}},
						Containers:     []Container{{Name: "solver", Image: "solver:2.1", Commands: []string{"/opt/solver"}, Args: []string{"--mesh", "big"}, Gpu: 1}},
					}},
				},
				{
					ID: "8", Name: "flaky",
					Timeline: []Phase{{At: 0, State: StateRunning}},
					Groups: []Group{{Containers: []Container{{
						Name:      "app",
						CrashLoop: &CrashLoop{Every: 20 * time.Second, BackOff: 10 * time.Second, ExitCode: 1, Reason: "Error"},
					}}}},
				},
				{
					ID: "9", Name: "fine", Submit: -time.Minute,
					Timeline: []Phase{{At: 0, State: StateRunning}, {At: 60 * time.Second, State: StateSucceeded}},
				},
				{
					ID: "10", Name: "sweep",
					Timeline: []Phase{{At: 5 * time.Second, State: StateRunning}, {At: 20 * time.Second, State: StateSucceeded}},
					Array: &Array{
						IndexStart: 1, IndexEnd: 5, IndexStep: 2, Stagger: 10 * time.Second,
						Tasks: []ArrayTask{{Index: 3, Timeline: []Phase{
							{At: 5 * time.Second, State: StateRunning},
							{At: 15 * time.Second, State: StateFailed, ExitCode: ExitCode(2)},
						}}},
					},
				},
				{
					ID: "11", Name: "nostock",
					Timeline: []Phase{
						{At: 0, State: StatePending, GroupStatus: GroupScheduleFailed},
						{At: 120 * time.Second, State: StateFailed},
					},
				},
				{ID: "12", Name: "later", Submit: 100 * time.Second},
			},
		}},
	}
}

func TestLoadScenarioMatchesGoValue(t *testing.T) {
	got, err := LoadScenario("testdata/timeline.yml")
	if err != nil {
		t.Fatal(err)
	}
	want := timelineScenario()
	if !got.Epoch.Equal(want.Epoch) {
		t.Fatalf("epoch = %v, want %v", got.Epoch, want.Epoch)
	}
	got.Epoch = want.Epoch
	if !reflect.DeepEqual(got, want) {
		for i := range want.Clusters[0].Jobs {
			if g, w := got.Clusters[0].Jobs[i], want.Clusters[0].Jobs[i]; !reflect.DeepEqual(g, w) {
				t.Errorf("job %d:\n got %+v\nwant %+v", i, g, w)
			}
		}
		t.Fatal("YAML and Go scenarios differ")
	}
}

func TestLoadScenarioErrors(t *testing.T) {
	for name, tc := range map[string]struct{ yaml, want string }{
		"unknown key":         {"clusters:\n  - id: a\n    jobz: []\n", "field jobz not found"},
		"bad duration":        {"clusters:\n  - id: a\n    jobs:\n      - id: \"1\"\n        submit: soon\n", "line 5"},
		"unknown state":       {"clusters:\n  - id: a\n    jobs:\n      - id: \"1\"\n        timeline: [{at: 1s, state: Runing}]\n", `clusters[0].jobs[0].timeline[0]: unknown state "Runing"`},
		"phases out of order": {"clusters:\n  - id: a\n    jobs:\n      - id: \"1\"\n        timeline: [{at: 5s, state: Running}, {at: 1s, state: Failed}]\n", "timeline[1]: at 1s is before"},
		"negative at":         {"clusters:\n  - id: a\n    jobs:\n      - id: \"1\"\n        timeline: [{at: -5s, state: Running}]\n", "timeline[0]: at -5s is before the job's submission"},
		"after final state":   {"clusters:\n  - id: a\n    jobs:\n      - id: \"1\"\n        timeline: [{at: 5s, state: Failed}, {at: 6s, state: Running}]\n", "no phase may follow the final state Failed"},
		"duplicate job":       {"clusters:\n  - id: a\n    jobs: [{id: \"1\"}, {id: \"1\"}]\n", `duplicate job id "1"`},
		"duplicate cluster":   {"clusters: [{id: a}, {id: a}]\n", `duplicate cluster id "a"`},
		"empty cluster id":    {"clusters: [{region_id: x}]\n", "clusters[0]: id is empty"},
		"underscore id":       {"clusters:\n  - id: a\n    jobs: [{id: \"1_2\"}]\n", "must not contain '_'"},
		"bad spot":            {"clusters:\n  - id: a\n    jobs:\n      - id: \"1\"\n        groups: [{spot_strategy: Cheap}]\n", `unknown spot_strategy "Cheap"`},
		"crash loop every":    {"clusters:\n  - id: a\n    jobs:\n      - id: \"1\"\n        groups: [{containers: [{name: x, crash_loop: {every: 0s}}]}]\n", "crash_loop: every must be positive"},
		"blamed container":    {"clusters:\n  - id: a\n    jobs:\n      - id: \"1\"\n        timeline: [{at: 5s, state: Failed, container: ghost}]\n", `names container "ghost"`},
		"waiting on run":      {"clusters:\n  - id: a\n    jobs:\n      - id: \"1\"\n        timeline: [{at: 5s, state: Running, waiting: ErrImagePull}]\n", "waiting is only meaningful for Pending or Initing"},
		"exit code on run":    {"clusters:\n  - id: a\n    jobs:\n      - id: \"1\"\n        timeline: [{at: 5s, state: Running, exit_code: 3}]\n", "only meaningful for Failed or Canceled"},
		"array range":         {"clusters:\n  - id: a\n    jobs:\n      - id: \"1\"\n        array: {index_start: 5, index_end: 1}\n", "index_start <= index_end"},
		"array task index":    {"clusters:\n  - id: a\n    jobs:\n      - id: \"1\"\n        array: {index_start: 1, index_end: 5, index_step: 2, tasks: [{index: 2}]}\n", "index 2 is not one of the array's indexes"},
		"recurring collides":  {"clusters:\n  - id: a\n    recurring:\n      - {every: 1m, first_id: 100, id_step: 2}\n      - {every: 1m, first_id: 104, id_step: 4}\n", "collide"},
		"recurring vs job":    {"clusters:\n  - id: a\n    jobs: [{id: \"103\"}]\n    recurring:\n      - {every: 1m, first_id: 101, id_step: 2}\n", `job id "103"`},
		"two documents":       {"clusters: []\n---\nclusters: []\n", "only one YAML document"},
		"empty":               {"", "empty"},
		"bad verbatim":        {"clusters:\n  - id: a\n    jobs: [{id: \"5\", verbatim: \"{nope\"}]\n", "verbatim answer is not a DescribeServerlessJobs answer"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseScenario([]byte(tc.yaml), "bad.yml")
			if err == nil {
				t.Fatalf("no error, want one containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "scenario bad.yml: ") {
				t.Fatalf("error %q, want it to name the file and contain %q", err, tc.want)
			}
		})
	}
}

func TestLoadScenarioMissingFile(t *testing.T) {
	_, err := LoadScenario(filepath.Join(t.TempDir(), "none.yml"))
	if err == nil || !os.IsNotExist(unwrapAll(err)) {
		t.Fatalf("err = %v, want a not-exist error", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

// Every shipped YAML scenario loads and serves.
func TestTestdataScenariosLoad(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, f := range files {
		sc, err := LoadScenario(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if _, err := New(Options{Scenario: sc}); err != nil {
			t.Errorf("%s: New: %v", f, err)
		}
	}
}
