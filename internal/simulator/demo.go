package simulator

import (
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// The demo's access key. It is not a secret: it only opens the local
// simulator, and the exporter's demo mode passes it through the usual
// ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET variables.
const (
	DemoAccessKeyID     = "LTAIdemoSimulatorKey"
	DemoAccessKeySecret = "demo-simulator-secret"
)

// DemoTarget is a demo cluster with the job ids that exist for as long as
// the demo runs, for the exporter's static job list; the rest of the jobs
// come and go and are found by discovery.
type DemoTarget struct {
	ClusterID string
	RegionID  string
	JobIDs    []string
}

// DemoTargets lists the demo's clusters and their long-lived job ids.
func DemoTargets() []DemoTarget {
	return []DemoTarget{
		{ClusterID: "ehpc-hz-demo01", RegionID: "cn-hangzhou", JobIDs: []string{"1", "2", "3_1", "3_3", "3_5", "3_7"}},
		{ClusterID: "ehpc-sh-demo02", RegionID: "cn-shanghai", JobIDs: []string{"101", "102"}},
		{ClusterID: "ehpc-bj-demo03", RegionID: "cn-beijing", JobIDs: []string{"201", "202"}},
	}
}

// DemoOptions is a ready simulator configuration for the demo: the demo
// scenario, the demo key, and a clock running speed times real time.
func DemoOptions(speed float64) Options {
	return Options{
		Scenario: DemoScenario(),
		Keys:     map[string]Key{DemoAccessKeyID: {Secret: DemoAccessKeySecret}},
		Speed:    speed,
	}
}

// DemoScenario is a lively world for --demo: three clusters, about thirty
// jobs at any moment across queues and users. Long-lived jobs (DemoTargets)
// run, crash-loop (exit 1, and OOMKilled exit 137), or stay unschedulable;
// recurring jobs are submitted every few minutes under new ids and go
// through every state: Pending, Initing with init containers, Running,
// Succeeded, Failed (exit 1, OOMKilled), Canceled, ScheduleFailed, spot
// instances Expired, and array jobs. A parade of short jobs ends with every
// failure class about once a minute (out of stock, a spot reclaim announced
// by SpotToBeReleased, OOMKilled, an image that cannot be pulled, an
// application's exit code, a cancel), and a backlog queue waits long, so
// that the analytics families and their alerts have data within minutes.
// Its epoch is the moment the simulator starts, so the jobs look current.
func DemoScenario() *Scenario {
	sec := func(n int) time.Duration { return time.Duration(n) * time.Second }
	mins := func(n int) time.Duration { return time.Duration(n) * time.Minute }

	standard := []Group{{InstanceType: "ecs.c6.xlarge", Cpu: 4, Memory: 8, Tags: map[string]string{"team": "cfd", "env": "demo"}}}
	withInit := []Group{{
		InstanceType: "ecs.g6.2xlarge", Cpu: 8, Memory: 32, EphemeralStorage: 60,
		Tags:           map[string]string{"team": "genomics"},
		InitContainers: []Container{{Name: "stage-in", Image: "busybox:1.36", Commands: []string{"sh", "-c", "ossutil cp -r oss://inputs /data"}}, {Name: "index", Image: "bwa:0.7.17", Commands: []string{"bwa", "index", "/data/ref.fa"}}},
		Containers:     []Container{{Name: "align", Image: "bwa:0.7.17", Commands: []string{"bwa", "mem"}, Args: []string{"/data/ref.fa", "/data/reads.fq"}}},
	}}
	spot := []Group{{
		InstanceType: "ecs.c7.2xlarge", SpotStrategy: client.SpotAsPriceGo, Cpu: 8, Memory: 16, Discount: 0.25,
		Tags:       map[string]string{"team": "render"},
		Containers: []Container{{Name: "render", Image: "blender:4.1", Commands: []string{"blender", "-b", "scene.blend", "-a"}}},
	}}
	gpu := []Group{{
		InstanceType: "ecs.gn7i-c8g1.2xlarge", SpotStrategy: client.SpotWithPriceLimit, SpotPriceLimit: 2.5, Cpu: 8, Memory: 30,
		EphemeralStorage: 100, Discount: 0.4, ZoneID: "cn-shanghai-l",
		Tags:           map[string]string{"team": "ml"},
		InitContainers: []Container{{Name: "fetch-weights", Image: "busybox:1.36"}},
		Containers:     []Container{{Name: "trainer", Image: "pytorch:2.3-cuda12", Commands: []string{"python", "train.py"}, Gpu: 1}},
	}}
	crash := func(name string, every time.Duration, exit int64, reason string) []Group {
		return []Group{{InstanceType: "ecs.c6.large", Cpu: 2, Memory: 4,
			Containers: []Container{{Name: name, Image: "app:1.0", Commands: []string{"/app/run"},
				CrashLoop: &CrashLoop{Every: every, ExitCode: exit, Reason: reason}}}}}
	}
	forever := 365 * 24 * time.Hour
	bigGPU := []Group{{InstanceType: "ecs.gn7-c12g1.3xlarge", Cpu: 12, Memory: 92, ZoneID: "cn-hangzhou-k",
		Tags:       map[string]string{"team": "ml"},
		Containers: []Container{{Name: "trainer", Image: "pytorch:2.3-cuda12", Commands: []string{"python", "train.py"}, Gpu: 1}}}}
	badImage := []Group{{InstanceType: "ecs.c6.large", Cpu: 2, Memory: 4,
		Containers: []Container{{Name: "app", Image: "registry.example.com/team/app:no-such-tag"}}}}
	const pullFailed = `Failed to pull image "registry.example.com/team/app:no-such-tag": manifest unknown`
	// A spot instance is announced for release, then taken back.
	spotNotice := func(at time.Duration) Phase {
		return Phase{At: at, State: StateRunning, Notice: "SpotToBeReleased", Message: "The spot instance will be released in 3 minutes."}
	}
	spotReclaim := func(at time.Duration) Phase {
		return Phase{At: at, State: StateFailed, GroupStatus: GroupExpired, ExitCode: ExitCode(143), Reason: "Error"}
	}

	hz := Cluster{
		ID: "ehpc-hz-demo01", RegionID: "cn-hangzhou",
		Jobs: []Job{
			{ID: "1", Name: "cfd-longrun", Queue: "comp", User: "alice", Priority: 5, Submit: -mins(120),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: mins(5), State: StateIniting}, {At: mins(6), State: StateRunning}, {At: forever, State: StateSucceeded}},
				Groups:   withInit},
			{ID: "2", Name: "flaky-service", Queue: "debug", User: "bob", Priority: 3, Submit: -mins(30),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: sec(20), State: StateRunning}},
				Groups:   crash("server", sec(60), 1, "Error")},
			{ID: "3", Name: "param-sweep", Queue: "comp", User: "carol", Priority: 4, Submit: -mins(2),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: sec(30), State: StateRunning}, {At: forever, State: StateSucceeded}},
				Groups:   standard,
				Array: &Array{IndexStart: 1, IndexEnd: 7, IndexStep: 2, Stagger: sec(20), Tasks: []ArrayTask{
					{Index: 1, Timeline: []Phase{{At: sec(30), State: StateRunning}, {At: mins(4), State: StateSucceeded}}},
					{Index: 5, Timeline: []Phase{{At: sec(40), State: StateRunning}, {At: mins(5), State: StateFailed, ExitCode: ExitCode(1), Reason: "Error"}}},
					{Index: 7, Timeline: []Phase{{At: 0, State: StatePending, GroupStatus: GroupScheduleFailed}}},
				}}},
		},
		Recurring: []Recurring{
			{Every: mins(3), FirstID: 1000, IDStep: 10, Keep: 2, Job: Job{Name: "quick-sim", Queue: "comp", User: "alice", Priority: 5, Submit: -mins(4),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: sec(10), State: StateIniting}, {At: sec(25), State: StateRunning}, {At: sec(150), State: StateSucceeded}},
				Groups:   withInit}},
			{Every: mins(4), FirstID: 1001, IDStep: 10, Keep: 2, Job: Job{Name: "oom-job", Queue: "mem", User: "dave", Priority: 6, Submit: -mins(3),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: sec(20), State: StateRunning}, {At: mins(2), State: StateFailed, ExitCode: ExitCode(137), Reason: "OOMKilled"}},
				Groups:   standard}},
			{Every: mins(5), FirstID: 1002, IDStep: 10, Keep: 2, Job: Job{Name: "bad-input", Queue: "comp", User: "bob", Priority: 4, Submit: -mins(2),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: sec(5), State: StateIniting}, {At: sec(15), State: StateRunning}, {At: sec(50), State: StateFailed, ExitCode: ExitCode(1), Reason: "Error"}},
				Groups:   withInit}},
			{Every: mins(6), FirstID: 1003, IDStep: 10, Keep: 2, Job: Job{Name: "canceled-run", Queue: "debug", User: "carol", Priority: 2, Submit: -mins(1),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: sec(30), State: StateRunning}, {At: mins(3), State: StateCanceled}},
				Groups:   standard}},
			{Every: mins(5), FirstID: 1004, IDStep: 10, Keep: 2, Job: Job{Name: "spot-render", Queue: "comp", User: "erin", Priority: 3, Submit: -mins(5),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: sec(20), State: StateRunning}, spotNotice(mins(2)), spotReclaim(mins(3))},
				Groups:   spot}},
			{Every: mins(5), FirstID: 1005, IDStep: 10, Keep: 2, Job: Job{Name: "no-stock", Queue: "gpu", User: "dave", Priority: 7, Submit: -sec(90),
				Timeline: []Phase{{At: 0, State: StatePending, GroupStatus: GroupScheduleFailed}, {At: mins(2), State: StateIniting}, {At: sec(150), State: StateRunning}, {At: mins(4), State: StateSucceeded}},
				Groups:   gpu}},
			{Every: mins(6), FirstID: 1006, IDStep: 10, Keep: 2, Job: Job{Name: "array-batch", Queue: "comp", User: "alice", Priority: 5, Submit: -mins(2),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: sec(10), State: StateRunning}, {At: sec(90), State: StateSucceeded}},
				Groups:   standard, Array: &Array{IndexStart: 1, IndexEnd: 4, Stagger: sec(20)}}},
			// The failure parade: every failure class about once a minute.
			{Every: mins(1), FirstID: 1007, IDStep: 10, Keep: 2, Job: Job{Name: "no-capacity", Queue: "gpu", User: "dave", Priority: 7, Submit: -sec(40),
				Timeline: []Phase{{At: 0, State: StatePending, GroupStatus: GroupScheduleFailed}, {At: sec(50), State: StateFailed}},
				Groups:   bigGPU}},
			{Every: mins(1), FirstID: 1008, IDStep: 10, Keep: 2, Job: Job{Name: "spot-reclaimed", Queue: "comp", User: "erin", Priority: 3, Submit: -sec(50),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: sec(10), State: StateRunning}, spotNotice(sec(40)), spotReclaim(sec(70))},
				Groups:   spot}},
			{Every: mins(1), FirstID: 1009, IDStep: 10, Keep: 2, Job: Job{Name: "bad-image", Queue: "debug", User: "bob", Priority: 4, Submit: -sec(30),
				Timeline: []Phase{{At: 0, State: StatePending},
					{At: sec(10), State: StatePending, GroupStatus: GroupPending, Waiting: "ErrImagePull", Message: pullFailed},
					{At: sec(30), State: StatePending, GroupStatus: GroupPending, Waiting: "ImagePullBackOff", Message: pullFailed},
					{At: sec(60), State: StateFailed}},
				Groups: badImage}},
		},
	}
	sh := Cluster{
		ID: "ehpc-sh-demo02", RegionID: "cn-shanghai",
		Jobs: []Job{
			{ID: "101", Name: "gpu-training", Queue: "gpu", User: "frank", Priority: 8, Submit: -mins(90),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: mins(1), State: StateIniting}, {At: mins(3), State: StateRunning}, {At: forever, State: StateSucceeded}},
				Groups:   gpu},
			{ID: "102", Name: "oom-prone", Queue: "mem", User: "dave", Priority: 6, Submit: -mins(20),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: sec(40), State: StateRunning}},
				Groups:   crash("loader", sec(90), 137, "OOMKilled")},
		},
		Recurring: []Recurring{
			{Every: mins(4), FirstID: 2000, IDStep: 7, Keep: 2, Job: Job{Name: "train-small", Queue: "gpu", User: "frank", Priority: 7, Submit: -mins(3),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: sec(15), State: StateIniting}, {At: sec(45), State: StateRunning}, {At: mins(3), State: StateSucceeded}},
				Groups:   gpu}},
			{Every: mins(5), FirstID: 2001, IDStep: 7, Keep: 2, Job: Job{Name: "preprocess", Queue: "mem", User: "grace", Priority: 4, Submit: -mins(2),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: sec(30), State: StateRunning}, {At: mins(4), State: StateSucceeded}},
				Groups:   standard}},
			{Every: mins(6), FirstID: 2002, IDStep: 7, Keep: 2, Job: Job{Name: "eval", Queue: "gpu", User: "frank", Priority: 6, Submit: -mins(4),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: sec(20), State: StateRunning}, {At: sec(100), State: StateFailed, ExitCode: ExitCode(137), Reason: "OOMKilled"}},
				Groups:   gpu}},
			{Every: mins(3), FirstID: 2003, IDStep: 7, Keep: 2, Job: Job{Name: "queue-wait", Queue: "comp", User: "grace", Priority: 1, Submit: -mins(1),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: mins(2), State: StateRunning}, {At: sec(170), State: StateSucceeded}},
				Groups:   standard}},
			{Every: mins(1), FirstID: 2004, IDStep: 7, Keep: 2, Job: Job{Name: "oom-quick", Queue: "mem", User: "dave", Priority: 6, Submit: -sec(20),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: sec(10), State: StateRunning}, {At: sec(60), State: StateFailed, ExitCode: ExitCode(137), Reason: "OOMKilled"}},
				Groups:   standard}},
			{Every: mins(1), FirstID: 2005, IDStep: 7, Keep: 2, Job: Job{Name: "bad-args", Queue: "debug", User: "grace", Priority: 4, Submit: -sec(30),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: sec(10), State: StateRunning}, {At: sec(50), State: StateFailed, ExitCode: ExitCode(2), Reason: "Error"}},
				Groups:   standard}},
			// A backlog: every five minutes a job starts after 35 minutes in the
			// queue, so the queue's p95 wait is long while its median is not.
			{Every: mins(5), FirstID: 2006, IDStep: 7, Keep: 8, Job: Job{Name: "backlog", Queue: "comp", User: "grace", Priority: 1, Submit: -mins(33),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: mins(35), State: StateRunning}, {At: mins(37), State: StateSucceeded}},
				Groups:   standard}},
		},
	}
	bj := Cluster{
		ID: "ehpc-bj-demo03", RegionID: "cn-beijing",
		Jobs: []Job{
			{ID: "201", Name: "nightly-etl", Queue: "comp", User: "heidi", Priority: 5, Submit: -mins(45),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: sec(30), State: StateRunning}, {At: forever, State: StateSucceeded}},
				Groups:   standard},
			{ID: "202", Name: "stuck-pending", Queue: "gpu", User: "ivan", Priority: 9, Submit: -mins(10),
				Timeline: []Phase{{At: 0, State: StatePending, GroupStatus: GroupScheduleFailed}},
				Groups:   gpu},
		},
		Recurring: []Recurring{
			{Every: mins(4), FirstID: 3000, IDStep: 4, Keep: 2, Job: Job{Name: "etl-step", Queue: "comp", User: "heidi", Priority: 5, Submit: -mins(2),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: sec(10), State: StateIniting}, {At: sec(20), State: StateRunning}, {At: sec(200), State: StateSucceeded}},
				Groups:   withInit}},
			{Every: mins(5), FirstID: 3001, IDStep: 4, Keep: 2, Job: Job{Name: "report", Queue: "debug", User: "ivan", Priority: 3, Submit: -mins(3),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: sec(20), State: StateRunning}, {At: sec(80), State: StateFailed, ExitCode: ExitCode(1)}},
				Groups:   standard}},
			{Every: mins(6), FirstID: 3002, IDStep: 4, Keep: 2, Job: Job{Name: "backfill", Queue: "comp", User: "heidi", Priority: 2, Submit: -mins(5),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: sec(60), State: StateRunning}, {At: mins(4), State: StateCanceled}},
				Groups:   spot}},
			{Every: mins(1), FirstID: 3003, IDStep: 4, Keep: 2, Job: Job{Name: "cancel-quick", Queue: "debug", User: "ivan", Priority: 2, Submit: -sec(15),
				Timeline: []Phase{{At: 0, State: StatePending}, {At: sec(10), State: StateRunning}, {At: sec(45), State: StateCanceled}},
				Groups:   standard}},
		},
	}
	return &Scenario{Clusters: []Cluster{hz, sh, bj}}
}
