// Package analytics keeps what happened, in numbers that last beyond a job's
// retention: which class of failure ended a job, and (fed by the poller)
// outcome counters, lifecycle histograms, resource-seconds and spot reclaims.
//
// It reads the API's answers (client.JobInfo) only; the poller feeds it and
// keeps its state in the state file, and the exporter's registry serves it.
//
// The entry point of the failure classes is NewClassifier.
package analytics
