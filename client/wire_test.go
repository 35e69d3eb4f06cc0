package client

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/acssign"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/seed"
)

var fixedNow = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

func TestDescribeWireForm(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, string(seed.DescribeServerlessJobs))
	})
	c := newTestClient(t, f, func(o *Options) { o.Now = func() time.Time { return fixedNow } })
	if _, err := c.DescribeServerlessJobs(context.Background(), DescribeServerlessJobsRequest{ClusterID: seed.ClusterID, JobIDs: []string{"5", "10_3"}}); err != nil {
		t.Fatalf("DescribeServerlessJobs: %v", err)
	}
	reqs := f.seen()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.sigErr != "" {
		t.Fatalf("signature: %s", r.sigErr)
	}
	if r.method != "POST" || r.path != "/" || r.bodyLen != 0 {
		t.Errorf("method %s path %s body %d, want POST / empty", r.method, r.path, r.bodyLen)
	}
	if got, want := r.rawQuery, "ClusterId=ehpc-hz-FYUr32%2A%2A%2A%2A&JobIds.1=5&JobIds.2=10_3"; got != want {
		t.Errorf("query %q, want %q", got, want)
	}
	u, _ := url.Parse(f.URL)
	wantHeaders := map[string]string{
		"Host":                 u.Host,
		"X-Acs-Action":         "DescribeServerlessJobs",
		"X-Acs-Version":        "2018-04-12",
		"X-Acs-Date":           "2024-05-06T07:08:09Z",
		"X-Acs-Content-Sha256": acssign.EmptyBodyHash,
		"Accept":               "application/json",
	}
	for k, v := range wantHeaders {
		if got := r.header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(r.header.Get("X-Acs-Signature-Nonce")) {
		t.Errorf("nonce %q is not 128 random bits in hex", r.header.Get("X-Acs-Signature-Nonce"))
	}
	if ua := r.header.Get("User-Agent"); !strings.HasPrefix(ua, "ehpc_serverless_exporter/") {
		t.Errorf("User-Agent %q does not name the exporter", ua)
	}
	for _, h := range []string{"X-Acs-Security-Token", "X-Acs-Accesskey-Id", "Content-Type"} {
		if v := r.header.Get(h); v != "" {
			t.Errorf("header %s = %q sent with a plain access key", h, v)
		}
	}
	id, signed, sig, ok := acssign.ParseAuthorizationV3(r.header.Get("Authorization"))
	if !ok || id != testKeyID || len(sig) != 64 {
		t.Fatalf("Authorization %q does not parse as V3 for %s", r.header.Get("Authorization"), testKeyID)
	}
	if got, want := strings.Join(signed, ";"), "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"; got != want {
		t.Errorf("signed headers %q, want %q", got, want)
	}
}

func TestSTSTokenIsSentAndSigned(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, `{"RequestId":"r","TotalCount":0,"JobInfos":[]}`)
	})
	c := newTestClient(t, f, func(o *Options) {
		o.Credential = StaticCredential{AccessKeyID: testKeyID, AccessKeySecret: testSecret, SecurityToken: testToken}
	})
	if _, err := c.DescribeServerlessJobs(context.Background(), DescribeServerlessJobsRequest{ClusterID: "c", JobIDs: []string{"1"}}); err != nil {
		t.Fatalf("DescribeServerlessJobs: %v", err)
	}
	r := f.seen()[0]
	if r.sigErr != "" {
		t.Fatalf("signature: %s", r.sigErr)
	}
	if got := r.header.Get("X-Acs-Security-Token"); got != testToken {
		t.Errorf("x-acs-security-token = %q, want the token", got)
	}
	if got := r.header.Get("X-Acs-Accesskey-Id"); got != testKeyID {
		t.Errorf("x-acs-accesskey-id = %q, want %q", got, testKeyID)
	}
	_, signed, _, _ := acssign.ParseAuthorizationV3(r.header.Get("Authorization"))
	if !strings.Contains(";"+strings.Join(signed, ";")+";", ";x-acs-security-token;") {
		t.Errorf("security token not among the signed headers %v", signed)
	}
}

func TestListWireForm(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, `{"RequestId":"r","TotalCount":0,"PageNumber":1,"PageSize":100,"Jobs":[]}`)
	})
	c := newTestClient(t, f, nil)
	_, err := c.ListServerlessJobs(context.Background(), ListServerlessJobsRequest{
		ClusterID:       "ehpc-hz-1",
		PageNumber:      3,
		PageSize:        100,
		JobIDs:          []string{"5", "10_3"},
		JobNames:        []string{"my job", "a*b"},
		State:           "Running",
		SubmitOrder:     "Desc",
		StartOrder:      "Asc",
		SubmitTimeStart: time.Unix(1700000000, 0),
		SubmitTimeEnd:   time.Unix(1700003600, 999),
	})
	if err != nil {
		t.Fatalf("ListServerlessJobs: %v", err)
	}
	r := f.seen()[0]
	if r.sigErr != "" {
		t.Fatalf("signature: %s", r.sigErr)
	}
	want := "ClusterId=ehpc-hz-1&JobIds.1=5&JobIds.2=10_3&JobNames.1=my%20job&JobNames.2=a%2Ab&PageNumber=3&PageSize=100" +
		"&RegionId=cn-hangzhou&StartOrder=Asc&State=Running&SubmitOrder=Desc&SubmitTimeEnd=1700003600&SubmitTimeStart=1700000000"
	if r.rawQuery != want {
		t.Errorf("query\n got %s\nwant %s", r.rawQuery, want)
	}
	if got := r.header.Get("X-Acs-Action"); got != "ListServerlessJobs" {
		t.Errorf("x-acs-action = %q", got)
	}

	// Zero values are not sent; RegionId falls back to the client's region.
	if _, err := c.ListServerlessJobs(context.Background(), ListServerlessJobsRequest{ClusterID: "ehpc-hz-1"}); err != nil {
		t.Fatalf("ListServerlessJobs: %v", err)
	}
	if got := f.seen()[1].rawQuery; got != "ClusterId=ehpc-hz-1&RegionId=cn-hangzhou" {
		t.Errorf("minimal query %q", got)
	}
}

// TestTamperedRequestsFailVerification proves the test server's check has
// teeth: a request altered after signing, or signed with the wrong secret,
// is refused.
func TestTamperedRequestsFailVerification(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, `{"RequestId":"r","TotalCount":0,"JobInfos":[]}`)
	})
	tamper := &tamperTransport{base: http.DefaultTransport}
	c := newTestClient(t, f, func(o *Options) { o.HTTPClient = &http.Client{Transport: tamper} })
	ctx := context.Background()
	req := DescribeServerlessJobsRequest{ClusterID: "c", JobIDs: []string{"1"}}

	if _, err := c.DescribeServerlessJobs(ctx, req); err != nil {
		t.Fatalf("untampered call: %v", err)
	}
	tamper.mutate = func(r *http.Request) { r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "JobIds.1=1", "JobIds.1=2", 1) }
	_, err := c.DescribeServerlessJobs(ctx, req)
	if ErrorCode(err) != "SignatureDoesNotMatch" {
		t.Errorf("query changed after signing: got %v, want SignatureDoesNotMatch", err)
	}
	tamper.mutate = func(r *http.Request) { r.Header.Set("X-Acs-Date", "2020-01-01T00:00:00Z") }
	_, err = c.DescribeServerlessJobs(ctx, req)
	if ErrorCode(err) != "SignatureDoesNotMatch" {
		t.Errorf("signed header changed after signing: got %v, want SignatureDoesNotMatch", err)
	}
	tamper.mutate = nil

	wrong := newTestClient(t, f, func(o *Options) {
		o.Credential = StaticCredential{AccessKeyID: testKeyID, AccessKeySecret: "not-the-secret"}
	})
	_, err = wrong.DescribeServerlessJobs(ctx, req)
	if ErrorCode(err) != "SignatureDoesNotMatch" || IsRetryable(err) {
		t.Errorf("wrong secret: got %v (retryable %v), want final SignatureDoesNotMatch", err, IsRetryable(err))
	}
	reqs := f.seen()
	if len(reqs) != 4 || reqs[0].sigErr != "" || reqs[1].sigErr == "" || reqs[2].sigErr == "" || reqs[3].sigErr == "" {
		t.Errorf("server verdicts: %+v", reqs)
	}
}

type tamperTransport struct {
	base   http.RoundTripper
	mutate func(*http.Request)
}

func (t *tamperTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if t.mutate != nil {
		r = r.Clone(r.Context())
		t.mutate(r)
	}
	return t.base.RoundTrip(r)
}

// TestEveryAttemptIsSignedAfresh: retries carry a new date and nonce, and
// the credential is fetched again, so a rotated key is used at once.
func TestEveryAttemptIsSignedAfresh(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n < 3 {
			writeJSON(w, 503, `{"RequestId":"r","Code":"ServiceUnavailable","Message":"busy"}`)
			return
		}
		writeJSON(w, 200, `{"RequestId":"r","TotalCount":0,"JobInfos":[]}`)
	})
	f.secrets["LTAI-second"] = "second-secret"
	f.secrets["LTAI-third"] = "third-secret"
	rot := &rotatingCredential{keys: []StaticCredential{
		{AccessKeyID: testKeyID, AccessKeySecret: testSecret, SecurityToken: "tok-1"},
		{AccessKeyID: "LTAI-second", AccessKeySecret: "second-secret", SecurityToken: "tok-2"},
		{AccessKeyID: "LTAI-third", AccessKeySecret: "third-secret", SecurityToken: "tok-3"},
	}}
	clock := fixedNow
	c := newTestClient(t, f, func(o *Options) {
		o.Credential = rot
		o.MaxRetries = 3
		o.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
	})
	if _, err := c.DescribeServerlessJobs(context.Background(), DescribeServerlessJobsRequest{ClusterID: "c", JobIDs: []string{"1"}}); err != nil {
		t.Fatalf("DescribeServerlessJobs: %v", err)
	}
	reqs := f.seen()
	if len(reqs) != 3 {
		t.Fatalf("%d attempts, want 3", len(reqs))
	}
	nonces, dates := map[string]bool{}, map[string]bool{}
	for i, r := range reqs {
		if r.sigErr != "" {
			t.Errorf("attempt %d: %s", i+1, r.sigErr)
		}
		nonces[r.header.Get("X-Acs-Signature-Nonce")] = true
		dates[r.header.Get("X-Acs-Date")] = true
		if got, want := r.header.Get("X-Acs-Security-Token"), rot.keys[i].SecurityToken; got != want {
			t.Errorf("attempt %d token %q, want %q", i+1, got, want)
		}
	}
	if len(nonces) != 3 || len(dates) != 3 {
		t.Errorf("nonces %v dates %v: want a fresh one per attempt", nonces, dates)
	}
}
