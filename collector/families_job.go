package collector

import (
	"strings"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

func jobFamilies(classify func(*client.JobInfo) string) []family {
	return []family{
		{
			name:   "ehpc_serverless_job_info",
			help:   "Descriptive labels of a serverless job; always 1. Join on cluster_id and job_id to add them to other series.",
			labels: []string{"job_name", "queue", "user", "array_job_id", "array_index"},
			gen: func(s *JobSnapshot, w *sampleWriter) {
				j := s.Info
				if j == nil {
					return
				}
				id := j.JobID.String()
				if id == "" {
					id = s.Key.JobID
				}
				array, index, _ := client.SplitSubTaskID(id)
				w.add(1, j.JobName.String(), j.Queue.String(), j.User.String(), array, index)
			},
		},
		{
			name:   "ehpc_serverless_job_state",
			help:   "Current state of a serverless job: 1 for the current state, 0 for the others (" + strings.Join(client.JobStates, ", ") + ", plus any other value the API reports).",
			labels: []string{"state"},
			gen: func(s *JobSnapshot, w *sampleWriter) {
				if s.Info != nil {
					w.stateSet(client.JobStates, s.Info.State.String())
				}
			},
		},
		{
			name:   "ehpc_serverless_job_failure_class",
			help:   "Why a finished job did not succeed, in one word of the failure classes (the reason_class of ehpc_serverless_jobs_finished_total); always 1, absent for jobs that have not finished or succeeded.",
			labels: []string{"reason_class"},
			gen: func(s *JobSnapshot, w *sampleWriter) {
				if classify == nil || s.Info == nil {
					return
				}
				if c := classify(s.Info); c != "" {
					w.add(1, c)
				}
			},
		},
		{
			name:       "ehpc_serverless_job_priority",
			help:       "Scheduling priority of a serverless job as set at submission.",
			notCompact: true,
			gen: func(s *JobSnapshot, w *sampleWriter) {
				if s.Info != nil {
					w.add(float64(s.Info.Priority))
				}
			},
		},
		jobUnixTime("ehpc_serverless_job_submit_timestamp_seconds",
			"When the job was submitted, in Unix seconds.",
			func(j *client.JobInfo) client.Int64 { return j.SubmitTime }, 1),
		jobUnixTime("ehpc_serverless_job_start_timestamp_seconds",
			"When the job started running, in Unix seconds; absent until it starts.",
			func(j *client.JobInfo) client.Int64 { return j.StartTime }, 1),
		jobUnixTime("ehpc_serverless_job_end_timestamp_seconds",
			"When the job ended, in Unix seconds; absent until it ends.",
			func(j *client.JobInfo) client.Int64 { return j.EndTime }, 1),
		notCompact(jobUnixTime("ehpc_serverless_job_last_modified_timestamp_seconds",
			"When the service last changed anything about the job, in Unix seconds (the API reports milliseconds).",
			func(j *client.JobInfo) client.Int64 { return j.LastModifyTime }, 1000)),
		{
			name: "ehpc_serverless_job_array_tasks",
			help: "Number of sub-tasks of an array job: (IndexEnd - IndexStart) / IndexStep + 1. Absent for jobs that are not array jobs.",
			gen: func(s *JobSnapshot, w *sampleWriter) {
				if s.Info == nil || !bool(s.Info.IsArrayJob) {
					return
				}
				if n, ok := s.Info.ArrayProperties.Tasks(); ok {
					w.add(float64(n))
				}
			},
		},
	}
}

// jobUnixTime is a row for one of the job's integer times; per is how many
// units of the API's value make a second. A time of 0 means "not yet" and is
// not exposed.
func jobUnixTime(name, help string, field func(*client.JobInfo) client.Int64, per int64) family {
	return family{
		name: name,
		help: help,
		gen: func(s *JobSnapshot, w *sampleWriter) {
			if s.Info == nil {
				return
			}
			v := int64(field(s.Info))
			if v <= 0 {
				return
			}
			if per == 1 {
				w.add(float64(v))
				return
			}
			// Whole and fractional parts apart, so large millisecond values
			// keep their exact seconds.
			w.add(float64(v/per) + float64(v%per)/float64(per))
		},
	}
}
