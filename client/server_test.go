package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/acssign"
)

// Test credentials. The secret and token are distinctive so that a test can
// search every error text for them.
const (
	testKeyID  = "LTAI-test-key-id"
	testSecret = "SeCrEt-do-not-leak-7f3a9c"
	testToken  = "ToKeN-do-not-leak-81bd2e"
)

// seen is one request as the test server received it.
type seen struct {
	method, path, rawQuery string
	query                  url.Values
	header                 http.Header
	bodyLen                int
	sigErr                 string // "" when the V3 signature verified
}

// verifyV3 checks a request's V3 signature with acssign against the secret
// of the access key id it names. It returns "" when the request is signed
// right.
func verifyV3(r *http.Request, secrets map[string]string) string {
	id, signed, sig, ok := acssign.ParseAuthorizationV3(r.Header.Get("Authorization"))
	if !ok {
		return "Authorization is not a V3 authorization"
	}
	secret, ok := secrets[id]
	if !ok {
		return "unknown access key id"
	}
	headers := map[string]string{"host": r.Host}
	for k, v := range r.Header {
		headers[strings.ToLower(k)] = strings.Join(v, ",")
	}
	for _, name := range signed {
		if _, ok := headers[name]; !ok {
			return "signed header " + name + " missing"
		}
	}
	for _, must := range []string{"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"} {
		found := false
		for _, s := range signed {
			found = found || s == must
		}
		if !found {
			return "header " + must + " not signed"
		}
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return "bad query"
	}
	canonical := acssign.CanonicalRequestV3(r.Method, r.URL.EscapedPath(), q, headers, signed, headers["x-acs-content-sha256"])
	want := acssign.SignatureV3(secret, acssign.StringToSignV3(canonical))
	if !acssign.Equal(want, sig) {
		return "SignatureDoesNotMatch"
	}
	return ""
}

// fakeAPI is an httptest server that records and verifies every request and
// answers through handle. A request whose signature does not verify gets the
// service's SignatureDoesNotMatch answer without reaching handle.
type fakeAPI struct {
	*httptest.Server
	secrets map[string]string

	mu       sync.Mutex
	requests []seen
	handle   func(w http.ResponseWriter, r *http.Request, n int) // n counts from 1
}

func newFakeAPI(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) *fakeAPI {
	t.Helper()
	f := &fakeAPI{secrets: map[string]string{testKeyID: testSecret}, handle: handle}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	buf := make([]byte, 1024)
	n, _ := r.Body.Read(buf)
	s := seen{method: r.Method, path: r.URL.Path, rawQuery: r.URL.RawQuery, query: r.URL.Query(), header: r.Header.Clone(), bodyLen: n}
	s.header.Set("Host", r.Host)
	s.sigErr = verifyV3(r, f.secrets)
	f.mu.Lock()
	f.requests = append(f.requests, s)
	count := len(f.requests)
	f.mu.Unlock()
	if s.sigErr != "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"RequestId":"SIG-1","Code":"SignatureDoesNotMatch","Message":"Specified signature does not match our calculation."}`))
		return
	}
	f.handle(w, r, count)
}

func (f *fakeAPI) seen() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.requests...)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// newTestClient builds a client for f with static credentials and no
// real sleeping between retries.
func newTestClient(t *testing.T, f *fakeAPI, mod func(*Options)) *Client {
	t.Helper()
	o := Options{
		Endpoint:   f.URL,
		RegionID:   "cn-hangzhou",
		Credential: StaticCredential{AccessKeyID: testKeyID, AccessKeySecret: testSecret},
	}
	if mod != nil {
		mod(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	return c
}
