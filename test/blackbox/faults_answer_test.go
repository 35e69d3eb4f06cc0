package blackbox

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

// Answers that cannot be decoded are final: retrying would get the same
// bytes. Each counts once per job and cycle as DecodeError, with a message
// that names the problem without quoting the body.
func TestFaultUndecodableAnswers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault simulator.Fault
		says  string
	}{
		{"truncated JSON", simulator.Fault{Kind: simulator.FaultTruncatedJSON}, "truncated JSON"},
		{"malformed JSON", simulator.Fault{Kind: simulator.FaultMalformedJSON}, "malformed JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, rigOptions{MaxRetries: 2})
			r.healthy()
			if err := r.sim.SetFaults(tc.fault); err != nil {
				t.Fatal(err)
			}
			r.sim.ResetCalls()
			r.cycle()
			r.cycle()
			if got := r.sim.Calls().Total; got != int64(2*len(r.jobs)) {
				t.Errorf("%d calls over 2 cycles, want one per job and cycle: a decode error is not retried", got)
			}
			if got := r.apiRequests(client.ActionDescribeServerlessJobs, "DecodeError"); got != float64(2*len(r.jobs)) {
				t.Errorf("api_requests_total{code=DecodeError} = %v", got)
			}
			r.expectStale("DecodeError", 2)
			if msg := r.snap("1").LastErrorMessage; !strings.Contains(msg, tc.says) {
				t.Errorf("message %q does not say %q", msg, tc.says)
			}
			r.recover("DecodeError", 2)
		})
	}
}

// A value of the wrong type in one field (here State, sent as an object)
// leaves that field unset instead of failing the answer, and is counted as a
// decode warning by field. Without its State the answer cannot be used, so
// the job keeps its last good data as IncompleteAnswer.
func TestFaultWrongTypedField(t *testing.T) {
	r := newRig(t, rigOptions{MaxRetries: 2})
	r.healthy()
	if err := r.sim.SetFaults(simulator.Fault{Kind: simulator.FaultWrongTypes}); err != nil {
		t.Fatal(err)
	}
	r.sim.ResetCalls()
	r.cycle()
	r.cycle()
	if got := r.sim.Calls().Total; got != int64(2*len(r.jobs)) {
		t.Errorf("%d calls over 2 intervals, want one per job and interval", got)
	}
	if got := r.apiRequests(client.ActionDescribeServerlessJobs, client.CodeOK); got < float64(2*len(r.jobs)) {
		t.Errorf("api_requests_total{code=OK} = %v: the answers decoded", got)
	}
	series := fmt.Sprintf(`ehpc_serverless_exporter_api_decode_warnings_total{action=%q,cluster_id=%q,field="JobInfos[].State"}`, client.ActionDescribeServerlessJobs, rigCluster)
	if v, ok := r.scrape().get(series); !ok || v != float64(2*len(r.jobs)) {
		t.Errorf("%s = %v (present %v), want %d", series, v, ok, 2*len(r.jobs))
	}
	r.expectStale("IncompleteAnswer", 2)
	r.recover("IncompleteAnswer", 2)
}

// A 50 MiB answer is cut off at the configured limit (8 MiB by default), not
// read whole, and counted as ResponseTooLarge.
func TestFaultOversizedBody(t *testing.T) {
	r := newRig(t, rigOptions{MaxRetries: 2})
	r.healthy()
	if err := r.sim.SetFaults(simulator.Fault{Kind: simulator.FaultOversized, Size: 50 << 20}); err != nil {
		t.Fatal(err)
	}
	r.sim.ResetCalls()
	r.cycle()
	if got := r.apiRequests(client.ActionDescribeServerlessJobs, "ResponseTooLarge"); got != float64(len(r.jobs)) {
		t.Errorf("api_requests_total{code=ResponseTooLarge} = %v, want one per job (not retried)", got)
	}
	r.expectStale("ResponseTooLarge", 1)
	if msg := r.snap("1").LastErrorMessage; !strings.Contains(msg, "8388608 byte limit") {
		t.Errorf("message %q does not name the limit", msg)
	}
	r.recover("ResponseTooLarge", 1)
}

// An answer about the job that lacks its State (and its container groups)
// decodes, but taking it would make a Running job read as in no state at
// all while its poll looked fine. It is refused and counted instead.
func TestFaultMissingFields(t *testing.T) {
	r := newRig(t, rigOptions{MaxRetries: 2})
	r.healthy()
	if err := r.sim.SetFaults(simulator.Fault{Kind: simulator.FaultMissingFields}); err != nil {
		t.Fatal(err)
	}
	r.cycle()
	r.expectStale("IncompleteAnswer", 1)
	m := r.scrape()
	m.want(t, `ehpc_serverless_container_group_status{cluster_id="`+rigCluster+`",job_id="1",container_group_id="`+string(r.snap("1").Info.ContainerGroups[0].ContainerGroupID)+`",status="Running"}`, 1)
	if msg := r.snap("1").LastErrorMessage; !strings.Contains(msg, "no State") {
		t.Errorf("message %q does not say what was missing", msg)
	}
	r.recover("IncompleteAnswer", 1)
}

// Odd but meaningful answers are taken as they are meant: values padded with
// white space (as in the published sample) and numbers sent as strings.
func TestFaultTolerableAnswers(t *testing.T) {
	for _, kind := range []simulator.FaultKind{simulator.FaultStrayWhitespace, simulator.FaultStringNumbers} {
		t.Run(string(kind), func(t *testing.T) {
			r := newRig(t, rigOptions{})
			r.healthy()
			before := r.scrape()
			if err := r.sim.SetFaults(simulator.Fault{Kind: kind}); err != nil {
				t.Fatal(err)
			}
			r.healthy()
			after := r.scrape()
			for series, v := range before.samples {
				if !strings.HasPrefix(series, "ehpc_serverless_job_") && !strings.HasPrefix(series, "ehpc_serverless_container") {
					continue
				}
				if strings.HasPrefix(series, "ehpc_serverless_job_last_poll_success_timestamp_seconds") {
					continue
				}
				if got, ok := after.get(series); !ok || got != v {
					t.Errorf("%s: %v before, %v (present %v) with %s answers", series, v, got, ok, kind)
				}
			}
		})
	}
}

// A configured id the service does not know yet is JobNotFound: tracked with
// its poll status only, asked for again every cycle, and described as soon as
// the job exists.
func TestFaultUnknownJobID(t *testing.T) {
	r := newRig(t, rigOptions{JobIDs: []string{"1", "9"}})
	r.cycle()
	r.cycle()
	s := r.snap("9")
	if s.Info != nil || s.LastErrorCode != "JobNotFound" || s.PollErrors["JobNotFound"] != 2 {
		t.Fatalf("unknown job: info %v, code %q, errors %v", s.Info, s.LastErrorCode, s.PollErrors)
	}
	m := r.scrape()
	m.want(t, jobSeries("ehpc_serverless_job_poll_errors_total", rigCluster, "9", "code", "JobNotFound"), 2)
	if _, ok := m.get(jobSeries("ehpc_serverless_job_last_poll_success_timestamp_seconds", rigCluster, "9")); ok {
		t.Errorf("a job never described has a last-success time")
	}
	if _, ok := m.get(jobSeries("ehpc_serverless_job_state", rigCluster, "9", "state", "Running")); ok {
		t.Errorf("a job never described has a state")
	}
	m.want(t, jobSeries("ehpc_serverless_job_state", rigCluster, "1", "state", "Running"), 1)

	r.sim.Advance(15 * time.Minute) // the job is submitted
	r.cycle()
	s = r.snap("9")
	if s.Info == nil || s.LastErrorCode != "" || s.Info.State != "Running" {
		t.Fatalf("the job did not appear once it existed: %+v", s)
	}
	r.scrape().want(t, jobSeries("ehpc_serverless_job_state", rigCluster, "9", "state", "Running"), 1)
}

// An answer about another job than the one asked for is refused for the job
// asked for (UnexpectedJobId) and stored for neither; the other jobs' answers
// are unaffected.
func TestFaultAnswerAboutAnotherJob(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.healthy()
	r.front.setRewrite(func(action string, body []byte) []byte {
		return []byte(strings.Replace(string(body), `"JobId":"1"`, `"JobId":"77"`, 1))
	})
	r.cycle()
	r.expectStale("UnexpectedJobId", 1, "1")
	if s := r.snap("2"); s.LastErrorCode != "" || !s.LastSuccess.Equal(r.clock.Now()) {
		t.Errorf("job 2 was affected by job 1's bad answer: %+v", s)
	}
	if _, ok := r.store.Get(collector.JobKey{ClusterID: rigCluster, JobID: "77"}); ok {
		t.Errorf("a job nobody asked for entered the store")
	}
	r.recover("UnexpectedJobId", 1, "1")
}

// The same job twice in one describe answer, and every job twice in the
// listing: each job is tracked and exported once.
func TestFaultDuplicateJobIDs(t *testing.T) {
	r := newRig(t, rigOptions{Discovery: true, noDefaultIDs: true})
	r.jobs = []string{"1", "2", "3"}
	r.front.setRewrite(func(action string, body []byte) []byte {
		field := "JobInfos"
		if action == simulator.ActionListServerlessJobs {
			field = "Jobs"
		}
		return duplicateEntries(t, body, field)
	})
	r.cycle() // lists, then describes what it found
	r.goodAt = r.clock.Now()
	r.expectFresh()
	m := r.scrape()
	m.want(t, `ehpc_serverless_exporter_jobs_tracked{cluster_id="`+rigCluster+`",source="discovered"}`, 3)
	if got := strings.Count(m.raw, `ehpc_serverless_job_info{cluster_id="`+rigCluster+`",job_id="1",`); got != 1 {
		t.Errorf("job 1 has %d info series, want 1", got)
	}
	if n := r.store.Len(); n != 3 {
		t.Errorf("%d jobs stored, want 3", n)
	}
}
