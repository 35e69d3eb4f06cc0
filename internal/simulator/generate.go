package simulator

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// GenerateOptions size a generated scenario.
type GenerateOptions struct {
	Jobs           int     // total jobs over all clusters (default 10,000)
	ActiveFraction float64 // share of jobs Pending or Running at t=0 and for a day after (default 0.05)
	Clusters       int     // default 1
	Seed           uint64  // same options, same scenario
	// Epoch of the scenario; zero means 2024-01-01T00:00:00Z, so that the
	// scenario is fully determined by the options.
	Epoch time.Time
}

// GeneratedClusterID is the id of generated cluster i (from 0).
func GeneratedClusterID(i int) string { return fmt.Sprintf("ehpc-gen-%03d", i) }

// Generate builds a large scenario for load tests: job ids "1".."n" per
// cluster, most of them finished before t=0 (Succeeded, some Failed with
// exit 1 or 137), the active ones Pending then Running (some crash-looping)
// for a day. Jobs share a handful of group definitions, and answers are
// computed only when asked for, so 10,000+ jobs cost little memory.
func Generate(o GenerateOptions) *Scenario {
	if o.Jobs <= 0 {
		o.Jobs = 10000
	}
	if o.ActiveFraction <= 0 || o.ActiveFraction > 1 {
		o.ActiveFraction = 0.05
	}
	if o.Clusters <= 0 {
		o.Clusters = 1
	}
	if o.Epoch.IsZero() {
		o.Epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	groups := generatedGroups()
	sc := &Scenario{Epoch: o.Epoch, Clusters: make([]Cluster, o.Clusters)}
	for i := range sc.Clusters {
		sc.Clusters[i] = Cluster{ID: GeneratedClusterID(i), RegionID: "cn-hangzhou",
			Jobs: make([]Job, 0, o.Jobs/o.Clusters+1)}
	}
	queues := []string{"comp", "gpu", "mem", "debug"}
	names := []string{"cfd", "md", "wrf", "blast", "train", "render"}
	activeSet := map[int]bool{}
	for _, n := range rng.Perm(o.Jobs)[:int(float64(o.Jobs)*o.ActiveFraction)] {
		activeSet[n] = true
	}
	for n := 0; n < o.Jobs; n++ {
		c := &sc.Clusters[n%o.Clusters]
		id := strconv.Itoa(len(c.Jobs) + 1)
		j := Job{
			ID:       id,
			Name:     names[rng.IntN(len(names))] + "-" + id,
			Queue:    queues[rng.IntN(len(queues))],
			User:     "user" + strconv.Itoa(rng.IntN(20)+1),
			Priority: int64(rng.IntN(10) + 1),
		}
		isActive := activeSet[n]
		run := time.Duration(10+rng.IntN(110)) * time.Second
		if isActive {
			j.Submit = -time.Duration(rng.IntN(7200)) * time.Second
			j.Timeline = []Phase{{At: 0, State: StatePending}, {At: run, State: StateRunning}, {At: run + 24*time.Hour, State: StateSucceeded}}
			j.Groups = groups[rng.IntN(len(groups))]
		} else {
			j.Submit = -time.Duration(3600+rng.IntN(48*3600)) * time.Second
			end := run + time.Duration(60+rng.IntN(3000))*time.Second
			final := Phase{At: end, State: StateSucceeded}
			if rng.IntN(5) == 0 {
				final = Phase{At: end, State: StateFailed, ExitCode: ExitCode(1)}
				if rng.IntN(2) == 0 {
					final.ExitCode, final.Reason = ExitCode(137), "OOMKilled"
				}
			}
			j.Timeline = []Phase{{At: 0, State: StatePending}, {At: run, State: StateRunning}, final}
			j.Groups = groups[rng.IntN(len(groups)-1)] // the crash-looping group is for active jobs
		}
		c.Jobs = append(c.Jobs, j)
	}
	return sc
}

// generatedGroups are the shared group definitions of generated jobs; the
// last one crash-loops.
func generatedGroups() [][]Group {
	return [][]Group{
		{{InstanceType: "ecs.c6.large", Cpu: 2, Memory: 4}},
		{{InstanceType: "ecs.g6.xlarge", SpotStrategy: client.SpotAsPriceGo, Cpu: 4, Memory: 16, Discount: 0.2,
			Tags: map[string]string{"team": "cfd"}}},
		{{InstanceType: "ecs.gn6i-c4g1.xlarge", SpotStrategy: client.SpotWithPriceLimit, SpotPriceLimit: 1.2, Cpu: 4, Memory: 15,
			InitContainers: []Container{{Name: "stage-in", Image: "busybox:1.36"}},
			Containers:     []Container{{Name: "train", Image: "pytorch:2.3", Gpu: 1}}}},
		{{InstanceType: "ecs.c6.large", Cpu: 2, Memory: 4,
			Containers: []Container{{Name: "worker", CrashLoop: &CrashLoop{Every: 90 * time.Second, ExitCode: 1}}}}},
	}
}
