package collector

import (
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// JobKey names one job of one cluster.
type JobKey struct{ ClusterID, JobID string }

// Source says why a job is tracked.
type Source string

// The sources, as ehpc_serverless_exporter_jobs_tracked labels them.
const (
	SourceStatic     Source = "static"     // a configured job id
	SourceDiscovered Source = "discovered" // found by ListServerlessJobs
)

// Sources lists every Source; each is always exposed per cluster (0 when no
// job has it), so alerts need no absent() guards.
var Sources = []Source{SourceStatic, SourceDiscovered}

// Class is a job's polling class: how the poller treats it next.
type Class string

// The classes, as ehpc_serverless_exporter_jobs_by_poll_class labels them.
const (
	ClassActive  Class = "active"  // described every interval
	ClassFinal   Class = "final"   // seen finished recently: described one more time
	ClassFrozen  Class = "frozen"  // finished: not described again unless the listing shows a change
	ClassBacklog Class = "backlog" // listed finished, not described yet: described when the budget has room
	ClassUnknown Class = "unknown" // no class set: a snapshot that did not come from the poller
)

// Classes lists every Class; each is always exposed per cluster.
var Classes = []Class{ClassActive, ClassFinal, ClassFrozen, ClassBacklog, ClassUnknown}

// JobSnapshot is everything known about one job at one moment. It is never
// modified after Store.Set; a change is a new snapshot.
type JobSnapshot struct {
	Key              JobKey
	Source           Source
	Class            Class
	Info             *client.JobInfo   // last good answer; nil until the first success
	LastSuccess      time.Time         // zero until the first success
	PollErrors       map[string]uint64 // cumulative failed describes by error code
	LastErrorCode    string            // "" when the last attempt succeeded
	LastErrorMessage string            // secret-free, for the status page
	// MaxAge is the data age the poller aims at for this job (its polling
	// interval); 0 when the job is not described any more.
	MaxAge time.Duration
}
