package client

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/seed"
)

// FuzzDecodeDescribe feeds arbitrary bodies and statuses to the answer
// decoder: it must never panic, and every failure must be one of the known
// classes with a bounded, single-line message.
func FuzzDecodeDescribe(f *testing.F) {
	f.Add(200, "application/json", seed.DescribeServerlessJobs)
	f.Add(200, "application/json", seed.DescribeServerlessJobs[:len(seed.DescribeServerlessJobs)/2])
	f.Add(404, "application/json", []byte(`{"RequestId":"r","Code":"ClusterNotFound","Message":"m"}`))
	f.Add(200, "application/json", []byte(`{"Code":"Throttling","Message":"m"}`))
	f.Add(502, "text/html", []byte("<!DOCTYPE html><title>502</title>"))
	f.Add(200, "application/json", []byte(`{"JobInfos":[{"Priority":"1.5e3","IsArrayJob":"1","ContainerGroups":[{"Cpu":"2","Memory":null}]}]}`))
	f.Add(200, "", []byte(`null`))
	f.Add(200, "application/json", []byte(`{"TotalCount":1e999}`))
	f.Fuzz(func(t *testing.T, status int, ctype string, body []byte) {
		if status < 100 || status > 999 {
			status = 200 + (status%100+100)%100
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{}}
		resp.Header.Set("Content-Type", ctype)
		var out DescribeServerlessJobsResponse
		err := decodeAnswer(ActionDescribeServerlessJobs, resp, body, &out, time.Unix(0, 0))
		if err == nil {
			return
		}
		code := ErrorCode(err)
		if code == CodeUnknown || code == "" {
			t.Fatalf("unclassified error %v", err)
		}
		msg := err.Error()
		if strings.ContainsAny(msg, "\n\r") && !strings.Contains(string(body), "\n") {
			t.Fatalf("multi-line message %q", msg)
		}
		if len(msg) > 2400 {
			t.Fatalf("message of %d bytes", len(msg))
		}
	})
}
