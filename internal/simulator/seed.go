package simulator

import (
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/seed"
)

// SeedScenario is the published sample: cluster seed.ClusterID whose job
// seed.JobID ("5") is answered with the sample bytes verbatim, for golden
// tests. The job's submission time is the sample's SubmitTime. Its epoch is the sample's LastModifyTime, so the simulated clock
// stands where the sample was taken.
func SeedScenario() *Scenario {
	return &Scenario{
		Epoch: time.UnixMilli(1663831441000).UTC(),
		Clusters: []Cluster{{
			ID:       seed.ClusterID,
			RegionID: "cn-hangzhou",
			Jobs: []Job{{
				ID:       seed.JobID,
				Verbatim: string(seed.DescribeServerlessJobs),
			}},
		}},
	}
}
