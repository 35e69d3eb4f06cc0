package collector

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// benchSnapshot is a realistic finished job: one group, one init and one main
// container, a few events.
func benchSnapshot(i int) *JobSnapshot {
	id := strconv.Itoa(100000 + i)
	return &JobSnapshot{
		Key:         JobKey{ClusterID: "ehpc-hz-FYUr32bench", JobID: id},
		Source:      "discovered",
		Class:       "frozen",
		LastSuccess: time.Unix(1700000000+int64(i), 0),
		Info: &client.JobInfo{
			JobID: client.Text(id), JobName: "hpl-run-" + client.Text(id), State: "Succeeded", Priority: 5,
			Queue: "comp", User: "testuser", SubmitTime: 1700000000, StartTime: 1700000060, EndTime: 1700003600,
			LastModifyTime: 1700003600000,
			ContainerGroups: []client.ContainerGroup{{
				ContainerGroupID: client.Text("eci-bp1jrgfqqy54kg" + id), ContainerGroupName: client.Text("job-" + id),
				Status: "Succeeded", InstanceType: "ecs.g5.large", SpotStrategy: "NoSpot", Cpu: 2, Memory: 4,
				EphemeralStorage: 20, Discount: 1, RegionID: "cn-hangzhou", ZoneID: "cn-hangzhou-h",
				RestartPolicy: "Never", IntranetIP: "172.16.0.10",
				CreationTime: "2023-11-14T22:13:20Z", SucceededTime: "2023-11-14T23:13:20Z",
				Events: []client.Event{
					{Count: 1, Type: "Normal", Reason: "Scheduled", LastTimestamp: "2023-11-14T22:13:21Z"},
					{Count: 1, Type: "Normal", Reason: "Pulled", LastTimestamp: "2023-11-14T22:13:40Z"},
					{Count: 2, Type: "Normal", Reason: "Created", LastTimestamp: "2023-11-14T22:13:41Z"},
					{Count: 2, Type: "Normal", Reason: "Started", LastTimestamp: "2023-11-14T22:13:42Z"},
				},
				InitContainers: []client.Container{{
					Name: "prepare", Image: "registry.cn-hangzhou.aliyuncs.com/hpc/prepare:1.2", ImagePullPolicy: "IfNotPresent",
					Cpu: 1, Memory: 1,
					CurrentState: client.ContainerState{State: "Terminated", Reason: "Completed", StartTime: "2023-11-14T22:13:41Z", FinishTime: "2023-11-14T22:13:50Z"},
				}},
				Containers: []client.Container{{
					Name: "hpl", Image: "registry.cn-hangzhou.aliyuncs.com/hpc/hpl:2.3", ImagePullPolicy: "IfNotPresent",
					Cpu: 2, Memory: 4, Ready: false, RestartCount: 1,
					CurrentState:  client.ContainerState{State: "Terminated", Reason: "Completed", StartTime: "2023-11-14T22:14:00Z", FinishTime: "2023-11-14T23:13:00Z"},
					PreviousState: client.ContainerState{State: "Terminated", Reason: "Error", ExitCode: 1, FinishTime: "2023-11-14T22:13:59Z"},
				}},
			}},
		},
	}
}

// countingWriter is a ResponseWriter that only counts, so the benchmark
// measures rendering and not a 100 MB buffer.
type countingWriter struct {
	h http.Header
	n int64
}

func (w *countingWriter) Header() http.Header         { return w.h }
func (w *countingWriter) WriteHeader(int)             {}
func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkScrape10k measures one full /metrics answer for 10,000 jobs, as
// the handler serves it, with and without gzip (Prometheus asks for gzip).
func BenchmarkScrape10k(b *testing.B) {
	s := newTestStore(b, StoreOptions{})
	for i := range 10000 {
		s.Set(benchSnapshot(i))
	}
	benchScrapes(b, s)
}

// benchScrapes times whole /metrics answers of the store, as the handler
// serves them, with and without gzip (Prometheus asks for gzip).
func benchScrapes(b *testing.B, s *Store) {
	h := Handler(s, nil, nil)
	for _, enc := range []string{"identity", "gzip"} {
		b.Run(enc, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			req.Header.Set("Accept-Encoding", enc)
			var size int64
			b.ReportAllocs()
			for b.Loop() {
				w := &countingWriter{h: http.Header{}}
				h.ServeHTTP(w, req)
				size = w.n
			}
			b.ReportMetric(float64(size), "bytes/scrape")
		})
	}
}

// BenchmarkSet measures storing (and so pre-rendering) one snapshot.
func BenchmarkSet(b *testing.B) {
	s := newTestStore(b, StoreOptions{})
	sn := benchSnapshot(1)
	b.ReportAllocs()
	for b.Loop() {
		s.Set(sn)
	}
	rd := s.slots[sn.Key].cur
	b.ReportMetric(float64(len(rd.buf)), "bytes/job")
}
