// Package seed holds the DescribeServerlessJobs sample answer exactly as the
// product page publishes it (trailing newlines inside values included), so the
// client's decoder, the simulator and the exporter's golden tests all start
// from the same bytes.
package seed

import _ "embed"

// DescribeServerlessJobs is the published sample answer for job "5" on cluster
// ehpc-hz-FYUr32****, verbatim.
//
//go:embed describe_serverless_jobs.json
var DescribeServerlessJobs []byte

// The identifiers the sample answer belongs to.
const (
	ClusterID = "ehpc-hz-FYUr32****"
	JobID     = "5"
)
