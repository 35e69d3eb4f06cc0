// Package poller decides what to ask the E-HPC API, when, and what the answers
// mean: the tracked jobs of every cluster (static ids, discovery, array
// sub-tasks, shards), their state machine, retention and tombstones, the
// schedule of calls, and the poller's own metrics.
//
// It reads the API through the API interface and writes what it learns as
// immutable collector.JobSnapshot values through the Store interface, its
// only way into the collector.
//
// The entry point is New; Run polls until its context ends, Update applies a
// reloaded configuration.
package poller
