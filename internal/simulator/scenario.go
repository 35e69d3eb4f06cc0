package simulator

import (
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// A Scenario is the whole simulated world: clusters and their jobs, each job
// with a timeline. It is plain data, written either as a Go value or as YAML
// (LoadScenario); the same YAML keys are given in the field tags.
//
// Every answer is a pure function of the scenario and the simulated time, so a
// test can say "at t=30s job 7 has failed with exit code 137" and assert exact
// values. All offsets are relative to Epoch (t=0) and may be negative, which
// puts a job's history before the simulator started.
type Scenario struct {
	// Epoch is the wall time of t=0. Zero means "the moment the simulator is
	// created", which suits demos; tests pin it.
	Epoch    time.Time `yaml:"epoch"`
	Clusters []Cluster `yaml:"clusters"`
}

// A Cluster is one E-HPC cluster.
type Cluster struct {
	ID       string `yaml:"id"`
	RegionID string `yaml:"region_id"` // default cn-hangzhou
	Jobs     []Job  `yaml:"jobs"`
	// Recurring jobs are submitted again and again under fresh ids, so a
	// long-running simulator keeps showing new jobs to discovery.
	Recurring []Recurring `yaml:"recurring"`
}

// Recurring submits a copy of Job every Every, starting at Job.Submit.
// Instance k (k = 0, 1, ...) gets the id FirstID + k*IDStep and is submitted at
// Job.Submit + k*Every. Only the Keep most recent submitted instances exist
// (older ones are forgotten, as a service forgets old jobs); 0 keeps all.
type Recurring struct {
	Every   time.Duration `yaml:"every"`
	FirstID int64         `yaml:"first_id"`
	IDStep  int64         `yaml:"id_step"` // default 1
	Keep    int           `yaml:"keep"`
	Job     Job           `yaml:"job"` // Job.ID is ignored
}

// A Job is one serverless job, or an array job when Array is set.
type Job struct {
	ID       string `yaml:"id"`
	Name     string `yaml:"name"`
	Queue    string `yaml:"queue"`
	User     string `yaml:"user"`
	Priority int64  `yaml:"priority"`
	// Submit is the submission time as an offset from the epoch. The job does
	// not exist before it.
	Submit time.Duration `yaml:"submit"`
	// Timeline lists the job's states with offsets from Submit. A job whose
	// timeline does not start at 0 is Pending until its first phase.
	Timeline []Phase `yaml:"timeline"`
	// Groups are the job's ECI container groups; none means one default group
	// with one container.
	Groups []Group `yaml:"groups"`
	Array  *Array  `yaml:"array"`
	// Verbatim, when set, is the complete DescribeServerlessJobs answer body
	// for this job, served byte for byte (golden tests). The list summary is
	// read from it; Timeline and Groups are ignored.
	Verbatim string `yaml:"verbatim"`
}

// A Phase is a job state from a moment on.
type Phase struct {
	At    time.Duration `yaml:"at"`    // offset from the job's submission
	State string        `yaml:"state"` // Pending, Initing, Running, Succeeded, Failed, Canceled
	// GroupStatus overrides the container group status the state implies
	// (Pending->Scheduling, Initing->Pending, Running->Running,
	// Succeeded->Succeeded, Failed->Failed, Canceled->Failed); for example
	// ScheduleFailed for a Pending job, or Expired for a reclaimed spot instance.
	GroupStatus string `yaml:"group_status"`
	// For Failed and Canceled: the container that ended the job (default: the
	// first main container, or the last init container when the job never
	// ran), its exit code (default 1 for Failed, 143 for Canceled) and reason
	// (default Error).
	Container string `yaml:"container"`
	ExitCode  *int64 `yaml:"exit_code"`
	Reason    string `yaml:"reason"`
	// Message is the text of the phase's Waiting and Notice events.
	Message string `yaml:"message"`
	// Waiting, for Pending and Initing: why the main containers wait while
	// the phase holds (for example ErrImagePull), given as their waiting
	// reason and as a Warning event of that reason every retry. A job that
	// ends without running keeps the reason, as the service shows it.
	Waiting string `yaml:"waiting"`
	// Notice is a Warning event the container group reports once, when the
	// phase begins: for example SpotToBeReleased, a few minutes before a spot
	// instance is taken back.
	Notice string `yaml:"notice"`
}

// A Group is one ECI container group of a job.
type Group struct {
	Name             string            `yaml:"name"` // default <job name>-<job id>
	InstanceType     string            `yaml:"instance_type"`
	SpotStrategy     string            `yaml:"spot_strategy"` // NoSpot, SpotWithPriceLimit, SpotAsPriceGo
	SpotPriceLimit   float64           `yaml:"spot_price_limit"`
	Cpu              float64           `yaml:"cpu"`
	Memory           float64           `yaml:"memory"` // GiB
	EphemeralStorage float64           `yaml:"ephemeral_storage"`
	Discount         float64           `yaml:"discount"`
	ZoneID           string            `yaml:"zone_id"`
	RestartPolicy    string            `yaml:"restart_policy"` // default Never, Always when a container crash-loops
	Tags             map[string]string `yaml:"tags"`
	Containers       []Container       `yaml:"containers"`
	InitContainers   []Container       `yaml:"init_containers"`
}

// A Container is a main or init container.
type Container struct {
	Name     string   `yaml:"name"`
	Image    string   `yaml:"image"`
	Commands []string `yaml:"commands"`
	Args     []string `yaml:"args"`
	Cpu      float64  `yaml:"cpu"`
	Memory   float64  `yaml:"memory"` // GiB
	Gpu      float64  `yaml:"gpu"`
	// CrashLoop makes a main container crash and restart for as long as the
	// job is Running.
	CrashLoop *CrashLoop `yaml:"crash_loop"`
}

// CrashLoop: from the job's Running phase on, the container runs for
// Every-BackOff, exits with ExitCode/Reason, waits BackOff in
// CrashLoopBackOff, and restarts; so at Running+n*Every it has restarted n
// times.
type CrashLoop struct {
	Every    time.Duration `yaml:"every"`
	BackOff  time.Duration `yaml:"back_off"`  // default Every/2
	ExitCode int64         `yaml:"exit_code"` // default 1
	Reason   string        `yaml:"reason"`    // Error (default) or OOMKilled
}

// Array makes a job an array job whose sub-tasks "<id>_<index>" each follow
// the job's timeline, the k-th index shifted by k*Stagger (all phases but the
// initial Pending), unless Tasks gives an index its own timeline.
type Array struct {
	IndexStart int64         `yaml:"index_start"`
	IndexEnd   int64         `yaml:"index_end"`
	IndexStep  int64         `yaml:"index_step"` // default 1
	Stagger    time.Duration `yaml:"stagger"`
	Tasks      []ArrayTask   `yaml:"tasks"`
}

// ArrayTask gives one sub-task its own timeline.
type ArrayTask struct {
	Index    int64   `yaml:"index"`
	Timeline []Phase `yaml:"timeline"`
}

// Job states and container group statuses under the names scenarios use;
// the values are the client's, so the simulator speaks the API's vocabulary.
const (
	StatePending   = client.JobStatePending
	StateIniting   = client.JobStateIniting
	StateRunning   = client.JobStateRunning
	StateSucceeded = client.JobStateSucceeded
	StateFailed    = client.JobStateFailed
	StateCanceled  = client.JobStateCanceled

	GroupScheduling     = client.GroupStatusScheduling
	GroupPending        = client.GroupStatusPending
	GroupRunning        = client.GroupStatusRunning
	GroupSucceeded      = client.GroupStatusSucceeded
	GroupFailed         = client.GroupStatusFailed
	GroupScheduleFailed = client.GroupStatusScheduleFailed
	GroupExpired        = client.GroupStatusExpired
	GroupRestarting     = client.GroupStatusRestarting
	GroupUpdating       = client.GroupStatusUpdating
	GroupTerminating    = client.GroupStatusTerminating
)

// ExitCode is a convenience for Phase.ExitCode in Go scenarios.
func ExitCode(n int64) *int64 { return &n }
