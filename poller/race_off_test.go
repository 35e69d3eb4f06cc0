//go:build !race

package poller

const raceDetector = false
