//go:build race

package poller

// raceDetector says the tests run with -race, which makes the property tests'
// pure computation about ten times slower: they try fewer random cases.
const raceDetector = true
