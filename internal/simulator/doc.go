// Package simulator is a local stand-in for the Alibaba Cloud E-HPC API
// (product EHPC, version 2018-04-12) as far as the exporter uses it:
// DescribeServerlessJobs and ListServerlessJobs over the RPC wire protocol,
// with the service's signature checks, error shapes and quirks. Tests, the
// exporter's demo mode and the load harness talk to it exactly as they would
// talk to the real endpoint.
//
// # Serving
//
//	sim, err := simulator.New(simulator.Options{Scenario: sc, Keys: keys})
//	srv := httptest.NewServer(sim)                       // in tests
//	err = simulator.Run(ctx, "127.0.0.1:9947", opts, logger) // the `simulate` sub-command
//
// Run listens on addr, serves until ctx is cancelled and shuts down
// gracefully; DemoOptions(speed) gives it the demo scenario and key, and
// DemoTargets the cluster and job ids to configure the exporter with.
//
// # Wire protocol
//
// POST / (GET is answered too), parameters in the query string and, when
// the body is application/x-www-form-urlencoded, in the body. Every request
// is authenticated against Options.Keys, by V3 (ACS3-HMAC-SHA256 in the
// Authorization header; the action and version come from x-acs-action and
// x-acs-version) or by the legacy V2 query signature (HMAC-SHA1, Action and
// Version in the query). Refusals, in the order checked:
//
//	IncompleteSignature (400)          malformed Authorization, a required header
//	                                   (host, x-acs-action, x-acs-version, x-acs-date,
//	                                   x-acs-signature-nonce, x-acs-content-sha256)
//	                                   missing or not signed, any x-acs-* header
//	                                   unsigned, V2 method/version not HMAC-SHA1/1.0
//	Missing<Param> (400)               a required V2 parameter is absent
//	InvalidAccessKeyId.NotFound (404)  unknown access key id
//	InvalidTimeStamp.Format (400)      date not 2006-01-02T15:04:05Z
//	InvalidTimeStamp.Expired (400)     date more than MaxSkew (15 min) from the wall clock
//	SignatureDoesNotMatch (400)        body hash or signature wrong (never echoed)
//	InvalidSecurityToken.Mismatch (400) STS token missing or wrong, or sent with a plain key
//	InvalidSecurityToken.Expired (400)  Key.Expires passed
//	SignatureNonceUsed (400)           nonce seen before within the time window
//	InvalidVersion (400), InvalidAction.NotFound (404), UnsupportedHTTPMethod (405)
//	MissingClusterId / MissingJobIds (400), NotAuthorized (407) for a cluster
//	the key may not read, ClusterNotFound (404), InvalidParams (400) naming the
//	parameter.
//
// Nonces are checked only once the signature is proven, so a forged request
// cannot burn a real caller's nonce; they are remembered for twice MaxSkew
// and at most MaxNonces of them.
//
// Error answers have the service's shape {"RequestId", "HostId", "Code",
// "Message", "Recommend"}; every answer has a fresh RequestId (also in the
// x-acs-request-id header), except a verbatim job, whose bytes are served as
// they are.
//
// # Choices where the documentation is silent
//
//   - DescribeServerlessJobs of an unknown, not yet submitted or forgotten job
//     is a 200 answer with TotalCount 0 and JobInfos [] (not an error).
//   - More than one JobIds entry, an empty one, or an array job's own id is
//     InvalidParams "The specified parameter JobIds is invalid."; sub-tasks
//     are described as "<id>_<index>" and carry IsArrayJob true and
//     ArrayProperties. Plain jobs carry no ArrayProperties.
//   - ListServerlessJobs lists newest first unless SubmitOrder or StartOrder
//     says otherwise (SubmitOrder first when both are given; ties by job id).
//     The State filter matches exactly and also accepts Initing. RegionId is
//     accepted and ignored. Array jobs appear once, under their own id, with
//     an aggregated state: Running while any sub-task runs, else Pending while
//     any waits, else Failed if any failed, else Canceled if any was, else
//     Succeeded. Priority and the times are sent as strings, as documented.
//   - V2 Format may be JSON or XML; answers are always JSON.
//
// # Scenarios
//
// A Scenario (Go value, or YAML through LoadScenario; see testdata/*.yml)
// lists clusters and jobs. A job has a submission offset and a timeline of
// states; its container groups, containers, events and times follow from
// that timeline alone, so every answer is a pure function of the scenario
// and the simulated time:
//
//	Pending   group Scheduling (or ScheduleFailed: a FailedScheduling warning
//	          every 30s), containers Waiting ContainerCreating
//	Initing   group Pending; init containers run one after another, sharing
//	          the phase equally, then Terminated/Completed exit 0; main
//	          containers Waiting PodInitializing
//	Running   group Running; main containers Running and Ready, or
//	          crash-looping (CrashLoop: run, exit, CrashLoopBackOff, restart;
//	          RestartCount and BackOff/OOMKilling events grow)
//	Succeeded containers Terminated/Completed exit 0, SucceededTime
//	Failed    the blamed container Terminated with the phase's exit code and
//	          reason (OOMKilled adds an OOMKilling warning), a Failed warning,
//	          FailedTime (or ExpiredTime with group_status Expired)
//	Canceled  containers Terminated exit 143, Killing events
//
// A Pending or Initing phase may give a waiting reason (Phase.Waiting, such
// as ErrImagePull): the main containers wait with it, a Warning event of that
// reason repeats every 30s, and a job that fails without running keeps it.
// Any phase may give a notice (Phase.Notice, such as SpotToBeReleased): one
// Warning event when the phase begins.
//
// SubmitTime, StartTime (first Running) and EndTime are Unix seconds,
// LastModifyTime the latest visible change in milliseconds, group and
// container times RFC 3339. Recurring jobs are re-submitted every period
// under fresh ids. SeedScenario serves the published sample verbatim,
// DemoScenario is the lively demo world, Generate builds large scenarios for
// load tests.
//
// # Time
//
// The simulated clock (Options.Clock: a ManualClock that tests Advance or
// Set, or a ScaledClock running Speed times real time) drives the
// scenario; the wall clock (Options.WallClock) is what request dates are
// checked against, so tests can move either one alone.
//
// # Faults
//
// SetFaults, AddFault and ClearFaults change the injected faults at any time,
// safely while serving: throttling with x-ratelimit-user-api TimeLeft, 5xx
// and other codes, a non-JSON 502 page, slow answers that give up when the
// caller does, truncated, malformed, oversized (streamed), white-space
// padded, string-typed, wrongly typed or incomplete bodies, connection
// resets, a cluster that disappears, lost permissions. Faults are scoped by
// action, cluster and job id and limited by count. Calls counts every answer
// by action and code so tests can count retries; WaitCalls waits for a count.
package simulator
