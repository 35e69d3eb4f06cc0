package blackbox

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/proctest"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

// soakCyclesEnv sets the number of poll cycles of the soak; the default keeps
// CI short. A long run: EHPC_SOAK_CYCLES=20000 go test -run TestSoak ./test/blackbox/
const soakCyclesEnv = "EHPC_SOAK_CYCLES"

const defaultSoakCycles = 150

// soakHeapSlack is how far the live heap may end above where it began: the
// API metrics gain a few series for the codes seen, nothing grows per cycle.
const soakHeapSlack = 1 << 20

// Many poll cycles with the faults switched on and off, scraped every cycle:
// afterwards no goroutine is left over and the live heap is back near where
// it started.
func TestSoakFaultsOnAndOff(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test; runs without -short")
	}
	cycles := defaultSoakCycles
	if v := os.Getenv(soakCyclesEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q is not a positive number of cycles", soakCyclesEnv, v)
		}
		cycles = n
	}

	r := newRig(t, rigOptions{MaxRetries: 1, Timeout: 300 * time.Millisecond, MaxBytes: 1 << 20, Discovery: true, noDefaultIDs: true, Soak: true})
	r.jobs = []string{"1", "2", "3"}
	for range 3 {
		r.healthy()
	}
	r.quiesce()
	baseGoroutines := runtime.NumGoroutine()
	baseHeap := liveHeap()
	r.srv.start()

	good := client.StaticCredential{AccessKeyID: rigKeyID, AccessKeySecret: rigSecret}
	faults := soakFaults()
	for i := range cycles {
		if err := r.sim.SetFaults(faults[i%len(faults)]...); err != nil {
			t.Fatal(err)
		}
		switch i % 13 {
		case 5:
			r.cred.set(client.StaticCredential{AccessKeyID: rigKeyID, AccessKeySecret: "not-the-secret"}, nil)
		case 6:
			r.cred.set(good, nil)
		case 9:
			r.srv.stop()
		case 10:
			r.srv.start()
		}
		r.cycle()
		r.scrape()
	}
	r.sim.ClearFaults()
	r.cred.set(good, nil)
	r.srv.start()
	r.healthy()

	r.quiesce()
	// Registered last, this runs first when the wait fails: the dump shows
	// the goroutines as they were, before the rig's cleanups end any.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("goroutines:\n%s", goroutineDump())
		}
	})
	proctest.Eventually(t, 10*time.Second, 10*time.Millisecond,
		fmt.Sprintf("the goroutines after %d cycles to come back to the %d before", cycles, baseGoroutines),
		func() (bool, string) {
			n := runtime.NumGoroutine()
			return n <= baseGoroutines, fmt.Sprintf("%d goroutines", n)
		})
	heap := liveHeap()
	t.Logf("%d cycles: goroutines %d -> %d, live heap %d KiB -> %d KiB", cycles, baseGoroutines, runtime.NumGoroutine(), baseHeap>>10, heap>>10)
	if heap > baseHeap+soakHeapSlack {
		t.Fatalf("live heap grew from %d KiB to %d KiB over %d cycles", baseHeap>>10, heap>>10, cycles)
	}
}

// soakFaults is the rotation of the soak: one entry per cycle, the cheap
// faults often, the slow ones rarely.
func soakFaults() [][]simulator.Fault {
	F := func(f ...simulator.Fault) []simulator.Fault { return f }
	return [][]simulator.Fault{
		nil,
		F(simulator.Fault{Kind: simulator.FaultThrottling, TimeLeft: 5 * time.Millisecond, Count: 2}),
		F(simulator.Fault{Kind: simulator.FaultServiceUnavailable, Count: 3}),
		nil,
		F(simulator.Fault{Kind: simulator.FaultConnectionReset, Count: 2}),
		F(simulator.Fault{Kind: simulator.FaultTruncatedJSON, JobID: "1"}, simulator.Fault{Kind: simulator.FaultMalformedJSON, JobID: "2"}),
		F(simulator.Fault{Kind: simulator.FaultOversized, Size: 2 << 20, Count: 1}),
		F(simulator.Fault{Kind: simulator.FaultBadGateway, Action: simulator.ActionListServerlessJobs}),
		nil,
		F(simulator.Fault{Kind: simulator.FaultClusterGone, JobID: "3"}, simulator.Fault{Kind: simulator.FaultPermissionLoss, JobID: "2"}),
		F(simulator.Fault{Kind: simulator.FaultWrongTypes}, simulator.Fault{Kind: simulator.FaultMissingFields, Action: simulator.ActionListServerlessJobs}),
		F(simulator.Fault{Kind: simulator.FaultSlow, Delay: time.Hour, JobID: "1", Count: 1}),
		nil,
	}
}

// quiesce stops the simulator's server and drops idle scrape connections,
// then waits until no connection goroutine is left, so that counting
// goroutines counts what the exporter itself keeps.
func (r *faultRig) quiesce() {
	r.t.Helper()
	r.srv.stop()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	proctest.Eventually(r.t, 10*time.Second, 10*time.Millisecond, "the connection goroutines to end", func() (bool, string) {
		dump := goroutineDump()
		return !strings.Contains(dump, "net/http.(*persistConn)") && !strings.Contains(dump, "net/http.(*conn).serve"), dump
	})
}

func goroutineDump() string {
	buf := make([]byte, 1<<20)
	return string(bytes.TrimSpace(buf[:runtime.Stack(buf, true)]))
}

// liveHeap is the heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
