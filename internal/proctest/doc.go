// Package proctest runs the exporter, and the programs around it, as child
// processes on loopback ports, for the package tests, the end-to-end suite
// and the load harness. It returns errors rather than failing a test, so the
// harness can use it too; each caller keeps a thin wrapper of its own.
package proctest
