package client

import (
	"strings"
	"testing"
	"time"
)

func TestNewValidatesOptions(t *testing.T) {
	cred := StaticCredential{AccessKeyID: testKeyID, AccessKeySecret: testSecret}
	cases := []struct {
		name string
		o    Options
		want string
	}{
		{"no credential", Options{RegionID: "cn-hangzhou"}, "no credential"},
		{"no region nor endpoint", Options{Credential: cred}, "neither an endpoint nor a region id"},
		{"bad region", Options{Credential: cred, RegionID: "cn hangzhou"}, `region id "cn hangzhou"`},
		{"region with host chars", Options{Credential: cred, RegionID: "evil.com/x"}, "region id"},
		{"ftp endpoint", Options{Credential: cred, Endpoint: "ftp://ehpc.example.com"}, "must start with http:// or https://"},
		{"bare host", Options{Credential: cred, Endpoint: "ehpc.cn-hangzhou.aliyuncs.com"}, "must start with http:// or https://"},
		{"no host", Options{Credential: cred, Endpoint: "http://"}, "has no host"},
		{"port only", Options{Credential: cred, Endpoint: "http://:8080"}, "has no host"},
		{"path", Options{Credential: cred, Endpoint: "https://ehpc.example.com/api"}, "must not have a path"},
		{"query", Options{Credential: cred, Endpoint: "https://ehpc.example.com/?a=b"}, "must not have a query"},
		{"fragment", Options{Credential: cred, Endpoint: "https://ehpc.example.com#x"}, "must not have a query or fragment"},
		{"user info", Options{Credential: cred, Endpoint: "https://user:pw@ehpc.example.com"}, "must not carry user info"},
		{"bad port", Options{Credential: cred, Endpoint: "http://127.0.0.1:99999"}, "invalid port"},
		{"unparsable", Options{Credential: cred, Endpoint: "http://[::1"}, "is not a valid URL"},
		{"negative timeout", Options{Credential: cred, RegionID: "cn-hangzhou", Timeout: -time.Second}, "timeout -1s is negative"},
		{"negative credential timeout", Options{Credential: cred, RegionID: "cn-hangzhou", CredentialTimeout: -time.Second}, "credential timeout -1s is negative"},
		{"negative retries", Options{Credential: cred, RegionID: "cn-hangzhou", MaxRetries: -1}, "max retries -1 is negative"},
		{"negative max bytes", Options{Credential: cred, RegionID: "cn-hangzhou", MaxResponseBytes: -1}, "max response bytes -1 is negative"},
		{"negative concurrency", Options{Credential: cred, RegionID: "cn-hangzhou", Concurrency: -2}, "concurrency -2 is negative"},
		{"endpoint and endpoint type", Options{Credential: cred, RegionID: "cn-hangzhou", Endpoint: "http://127.0.0.1:9947", EndpointType: EndpointVPC},
			`both an endpoint and endpoint type "vpc" are given`},
		{"unknown endpoint type", Options{Credential: cred, RegionID: "cn-hangzhou", EndpointType: "private"}, `unknown endpoint type "private" (want one of public, vpc)`},
		{"endpoint type without region", Options{Credential: cred, EndpointType: EndpointVPC}, "neither an endpoint nor a region id"},
		{"user agent newline", Options{Credential: cred, RegionID: "cn-hangzhou", UserAgent: "a\r\nX-Evil: 1"}, "line break"},
	}
	for _, tc := range cases {
		_, err := New(tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("%s: %v repeats the password", tc.name, err)
		}
	}
}

func TestNewDefaults(t *testing.T) {
	c, err := New(Options{Credential: StaticCredential{AccessKeyID: "a", AccessKeySecret: "b"}, RegionID: "cn-hangzhou"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Endpoint(); got != "https://ehpc.cn-hangzhou.aliyuncs.com/" {
		t.Errorf("endpoint %q", got)
	}
	if c.timeout != DefaultTimeout || c.maxBytes != DefaultMaxResponseBytes || c.cred.Timeout() != DefaultCredentialTimeout || c.maxRetries != 0 {
		t.Errorf("defaults: timeout %v, max bytes %d, credential timeout %v, retries %d", c.timeout, c.maxBytes, c.cred.Timeout(), c.maxRetries)
	}
	if c.http == nil || c.http.Transport == nil || !strings.HasPrefix(c.userAgent, "ehpc_serverless_exporter/") {
		t.Errorf("http client %v, user agent %q", c.http, c.userAgent)
	}
	for _, ep := range []string{"http://127.0.0.1:9947", "https://ehpc.example.com/", "HTTP://LOCALHOST:1"} {
		if _, err := New(Options{Credential: StaticCredential{AccessKeyID: "a", AccessKeySecret: "b"}, Endpoint: ep}); err != nil {
			t.Errorf("endpoint %q rejected: %v", ep, err)
		}
	}
}

func TestRequestValidation(t *testing.T) {
	f := newFakeAPI(t, nil)
	c := newTestClient(t, f, nil)
	ctx := t.Context()
	describe := func(r DescribeServerlessJobsRequest) error { _, err := c.DescribeServerlessJobs(ctx, r); return err }
	list := func(r ListServerlessJobsRequest) error { _, err := c.ListServerlessJobs(ctx, r); return err }
	cases := []struct {
		err  error
		want string
	}{
		{describe(DescribeServerlessJobsRequest{JobIDs: []string{"1"}}), "no cluster id"},
		{describe(DescribeServerlessJobsRequest{ClusterID: "c"}), "no job id"},
		{describe(DescribeServerlessJobsRequest{ClusterID: "c", JobIDs: []string{"1", ""}}), "JobIds.2 is empty"},
		{list(ListServerlessJobsRequest{}), "no cluster id"},
		{list(ListServerlessJobsRequest{ClusterID: "c", PageSize: 101}), "page size 101"},
		{list(ListServerlessJobsRequest{ClusterID: "c", PageNumber: -1}), "page number -1"},
		{list(ListServerlessJobsRequest{ClusterID: "c", JobNames: []string{""}}), "JobNames.1 is empty"},
		{list(ListServerlessJobsRequest{ClusterID: "c", SubmitTimeStart: time.Unix(100, 0), SubmitTimeEnd: time.Unix(50, 0)}), "ends before it starts"},
	}
	for _, tc := range cases {
		if ErrorCode(tc.err) != CodeInvalidRequest || IsRetryable(tc.err) || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("got %v, want a final InvalidRequest mentioning %q", tc.err, tc.want)
		}
	}
	if n := len(f.seen()); n != 0 {
		t.Errorf("%d invalid requests were sent", n)
	}
}

// TestEndpointTypes is issue 12's fourth finding: the service's VPC
// endpoints were reachable only by writing their host as an endpoint
// override.
func TestEndpointTypes(t *testing.T) {
	cred := StaticCredential{AccessKeyID: "a", AccessKeySecret: "b"}
	for typ, want := range map[string]string{
		"":             "https://ehpc.cn-shanghai.aliyuncs.com/",
		EndpointPublic: "https://ehpc.cn-shanghai.aliyuncs.com/",
		EndpointVPC:    "https://ehpc-vpc.cn-shanghai.aliyuncs.com/",
	} {
		c, err := New(Options{Credential: cred, RegionID: "cn-shanghai", EndpointType: typ})
		if err != nil || c.Endpoint() != want {
			t.Errorf("endpoint type %q: %v, %v, want %s", typ, c, err, want)
		}
	}
}
