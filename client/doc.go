// Package client speaks the E-HPC 2018-04-12 API (DescribeServerlessJobs and
// ListServerlessJobs) over net/http.
//
// Every attempt is signed afresh with V3 (ACS3-HMAC-SHA256) using a credential
// fetched through its provider at that moment, so rotating STS keys keep
// working. Attempts wait on a shared client-side rate limiter, retryable
// failures are retried with exponential back-off and full jitter (never past
// the context's deadline, and never sooner than the service's throttling
// headers ask), and answers are read with a size bound and decoded tolerantly
// into the wire models of models.go.
//
// The package is also the one owner of the API's vocabulary (vocabulary.go:
// job states and which of them are terminal, container group statuses,
// container states, spot strategies, credential types, action names), of
// array sub-task ids (jobid.go) and of the client's defaults (defaults.go).
// The config, the poller, the collector and the simulator use these rather
// than spelling their own; a test fails when a second copy appears.
//
// The package never logs. It returns errors whose text is safe to log or show:
// no access key secret, no security token, no dump of an answer's body.
package client
