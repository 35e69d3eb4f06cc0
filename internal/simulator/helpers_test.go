package simulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/acssign"
)

// Test keys. The secrets are distinctive so that a leak would be easy to spot.
const (
	testAK        = "LTAItestAccessKey"
	testSecret    = "test-secret-SHOULD-NOT-LEAK"
	stsAK         = "STS.testAccessKey"
	stsSecret     = "sts-secret-SHOULD-NOT-LEAK"
	stsToken      = "sts-token-SHOULD-NOT-LEAK"
	limitedAK     = "LTAIlimitedKey"
	limitedSecret = "limited-secret"
)

// testEpoch pins t=0 of test scenarios.
var testEpoch = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func testKeys() map[string]Key {
	return map[string]Key{
		testAK:    {Secret: testSecret},
		stsAK:     {Secret: stsSecret, SecurityToken: stsToken},
		limitedAK: {Secret: limitedSecret, Clusters: []string{"ehpc-other"}},
	}
}

// fixture is a simulator behind an httptest server with a fixed wall clock
// that tests may shift.
type fixture struct {
	t    *testing.T
	sim  *Simulator
	srv  *httptest.Server
	wall time.Time
}

func newFixture(t *testing.T, sc *Scenario, opts ...func(*Options)) *fixture {
	t.Helper()
	f := &fixture{t: t, wall: time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)}
	o := Options{Scenario: sc, Keys: testKeys(), WallClock: func() time.Time { return f.wall }}
	for _, fn := range opts {
		fn(&o)
	}
	sim, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f.sim = sim
	f.srv = httptest.NewServer(sim)
	t.Cleanup(f.srv.Close)
	return f
}

// v3 builds a request signed with ACS3-HMAC-SHA256 by hand, from the
// acssign primitives, with ways to break it.
type v3 struct {
	AK, Secret, Token string
	Action, Version   string
	Query             url.Values
	Date              time.Time
	Nonce             string
	Body              []byte
	ContentType       string
	Method            string
	Omit              string // header left out of the request and the signature
	Unsigned          string // header sent but not signed
	After             func(*http.Request)
}

var nonceSeq atomic.Int64

func nextNonce() string {
	return "nonce-" + strconv.FormatInt(nonceSeq.Add(1), 10)
}

func (f *fixture) v3(action string, query url.Values) v3 {
	return v3{AK: testAK, Secret: testSecret, Action: action, Version: Version, Query: query, Date: f.wall}
}

func (v v3) request(t *testing.T, base string) *http.Request {
	t.Helper()
	if v.Method == "" {
		v.Method = http.MethodPost
	}
	if v.Nonce == "" {
		v.Nonce = nextNonce()
	}
	u, err := url.Parse(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	u.RawQuery = acssign.CanonicalQuery(v.Query)
	headers := map[string]string{
		"host":                  u.Host,
		"x-acs-action":          v.Action,
		"x-acs-version":         v.Version,
		"x-acs-date":            v.Date.UTC().Format("2006-01-02T15:04:05Z"),
		"x-acs-signature-nonce": v.Nonce,
		"x-acs-content-sha256":  acssign.HashHex(v.Body),
	}
	if v.ContentType != "" {
		headers["content-type"] = v.ContentType
	}
	if v.Token != "" {
		headers["x-acs-security-token"] = v.Token
		headers["x-acs-accesskey-id"] = v.AK
	}
	delete(headers, v.Omit)
	var signed []string
	for _, h := range acssign.SignedHeaderNames(headers) {
		if h != v.Unsigned {
			signed = append(signed, h)
		}
	}
	cr := acssign.CanonicalRequestV3(v.Method, "/", v.Query, headers, signed, headers["x-acs-content-sha256"])
	sig := acssign.SignatureV3(v.Secret, acssign.StringToSignV3(cr))
	req, err := http.NewRequest(v.Method, u.String(), strings.NewReader(string(v.Body)))
	if err != nil {
		t.Fatal(err)
	}
	for k, val := range headers {
		if k != "host" {
			req.Header.Set(k, val)
		}
	}
	req.Header.Set("Authorization", acssign.AuthorizationV3(v.AK, signed, sig))
	if v.After != nil {
		v.After(req)
	}
	return req
}

// v2 builds a legacy HMAC-SHA1 signed request.
type v2 struct {
	AK, Secret, Token string
	Action, Version   string
	Params            url.Values
	Timestamp         time.Time
	Nonce             string
	Method            string
	Omit              string
	Override          url.Values // applied after the standard parameters, before signing
}

func (f *fixture) v2(action string, params url.Values) v2 {
	return v2{AK: testAK, Secret: testSecret, Action: action, Version: Version, Params: params, Timestamp: f.wall}
}

func (v v2) request(t *testing.T, base string) *http.Request {
	t.Helper()
	if v.Method == "" {
		v.Method = http.MethodGet
	}
	if v.Nonce == "" {
		v.Nonce = nextNonce()
	}
	q := url.Values{}
	for k, vs := range v.Params {
		q[k] = append([]string(nil), vs...)
	}
	q.Set("Action", v.Action)
	q.Set("Version", v.Version)
	q.Set("Format", "JSON")
	q.Set("AccessKeyId", v.AK)
	q.Set("SignatureMethod", "HMAC-SHA1")
	q.Set("SignatureVersion", "1.0")
	q.Set("SignatureNonce", v.Nonce)
	q.Set("Timestamp", v.Timestamp.UTC().Format("2006-01-02T15:04:05Z"))
	if v.Token != "" {
		q.Set("SecurityToken", v.Token)
	}
	for k, vs := range v.Override {
		q[k] = vs
	}
	q.Del(v.Omit)
	q.Set("Signature", acssign.SignatureV2(v.Secret, acssign.StringToSignV2(v.Method, q)))
	if v.Omit == "Signature" {
		q.Del("Signature")
	}
	req, err := http.NewRequest(v.Method, base+"/?"+acssign.CanonicalQuery(q), nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (f *fixture) do(req *http.Request) answer {
	f.t.Helper()
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatalf("%s: %v", req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatalf("reading answer: %v", err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: body}
}

// call sends a correctly signed V3 request.
func (f *fixture) call(action string, query url.Values) answer {
	f.t.Helper()
	return f.do(f.v3(action, query).request(f.t, f.srv.URL))
}

// wantError asserts an error answer's status and code, and that it carries
// the service's error shape.
func (a answer) wantError(t *testing.T, status int, code string) client.ErrorResponse {
	t.Helper()
	var e client.ErrorResponse
	if err := json.Unmarshal(a.body, &e); err != nil {
		t.Fatalf("error answer is not JSON: %v: %.200s", err, a.body)
	}
	if a.status != status || e.Code.String() != code {
		t.Fatalf("got HTTP %d %s (%s), want HTTP %d %s", a.status, e.Code, e.Message, status, code)
	}
	if e.RequestID == "" || e.HostID == "" || e.Message == "" || e.Recommend == "" {
		t.Fatalf("error answer lacks a field: %s", a.body)
	}
	for _, secret := range []string{testSecret, stsSecret, stsToken} {
		if strings.Contains(string(a.body), secret) {
			t.Fatalf("error answer leaks a secret: %s", a.body)
		}
	}
	return e
}

func (a answer) describe(t *testing.T) client.DescribeServerlessJobsResponse {
	t.Helper()
	if a.status != 200 {
		t.Fatalf("got HTTP %d: %s", a.status, a.body)
	}
	var r client.DescribeServerlessJobsResponse
	if err := json.Unmarshal(a.body, &r); err != nil {
		t.Fatalf("decoding describe answer: %v", err)
	}
	return r
}

func (a answer) list(t *testing.T) client.ListServerlessJobsResponse {
	t.Helper()
	if a.status != 200 {
		t.Fatalf("got HTTP %d: %s", a.status, a.body)
	}
	var r client.ListServerlessJobsResponse
	if err := json.Unmarshal(a.body, &r); err != nil {
		t.Fatalf("decoding list answer: %v", err)
	}
	return r
}

func describeQuery(cluster string, ids ...string) url.Values {
	q := url.Values{"ClusterId": {cluster}}
	for i, id := range ids {
		q.Set("JobIds."+strconv.Itoa(i+1), id)
	}
	return q
}

// describeAt advances nothing: it describes one job at the current simulated
// time and returns its JobInfo.
func (f *fixture) describeJob(cluster, id string) client.JobInfo {
	f.t.Helper()
	r := f.call(ActionDescribeServerlessJobs, describeQuery(cluster, id)).describe(f.t)
	if r.TotalCount != 1 || len(r.JobInfos) != 1 {
		f.t.Fatalf("describe %s/%s: TotalCount %d, %d JobInfos", cluster, id, r.TotalCount, len(r.JobInfos))
	}
	return r.JobInfos[0]
}

// at sets the simulated clock to epoch + d.
func (f *fixture) at(d time.Duration) {
	f.t.Helper()
	mc, ok := f.sim.clock.(*ManualClock)
	if !ok {
		f.t.Fatal("fixture clock is not manual")
	}
	mc.Set(f.sim.Epoch().Add(d))
}
