// Package proctest runs the exporter, and the programs around it, as child
// processes on loopback ports, for the package tests, the end-to-end suite
// and the load harness. Its plain functions return errors, so the harness
// can use them; the ...For variants and Eventually fail a test instead, and
// are the one set of such helpers the test suites share.
package proctest
