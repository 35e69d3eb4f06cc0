package client

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestCredentialsURIFailureSaysWhatHappened is issue 12's second finding: a
// credentials URI that could not be used gave `credentials URI: Get "http`,
// cut before the cause. The error now names the class of the failure and
// the URI without its query string (where such URIs carry a token) and user
// information.
func TestCredentialsURIFailureSaysWhatHappened(t *testing.T) {
	serve := func(status int, body string) string {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		}))
		t.Cleanup(s.Close)
		return strings.TrimPrefix(s.URL, "http://")
	}
	exp := time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05Z")
	refused := closedPort(t)
	for _, tc := range []struct {
		name, host, want string
	}{
		{"connection refused", refused, "credentials URI: GET http://" + refused + "/creds: connection refused"},
		{"status", serve(500, `{"Message":"internal error for `+testToken+`"}`), ": HTTP status 500"},
		{"not JSON", serve(200, "<html>"+testSecret+"</html>"), ": invalid answer (not JSON)"},
		{"missing fields", serve(200, fmt.Sprintf(`{"AccessKeyId":%q,"AccessKeySecret":%q}`, testKeyID, testSecret)), ": invalid answer (no SecurityToken, Expiration)"},
		{"bad expiration", serve(200, fmt.Sprintf(`{"AccessKeyId":%q,"AccessKeySecret":%q,"SecurityToken":%q,"Expiration":"tomorrow"}`, testKeyID, testSecret, testToken)),
			": invalid answer (Expiration is not a time like 2006-01-02T15:04:05Z)"},
		{"good", serve(200, fmt.Sprintf(`{"AccessKeyId":%q,"AccessKeySecret":%q,"SecurityToken":%q,"Expiration":%q}`, testKeyID, testSecret, testToken, exp)), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			isolateCredentialEnv(t)
			t.Setenv("ALIBABA_CLOUD_CREDENTIALS_URI", "http://exporter:"+testSecret+"@"+tc.host+"/creds?token="+testToken)
			for _, typ := range []string{CredentialCredentialsURI, CredentialDefault} {
				cred, _, err := NewCredential(CredentialOptions{Type: typ, FetchTimeout: 5 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				m, err := fetchModel(t, cred)
				if tc.want == "" {
					if err != nil || *m.SecurityToken != testToken {
						t.Fatalf("%s: %v", typ, err)
					}
					continue
				}
				if ErrorCode(err) != CodeCredentialError || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: got %v, want it to say %q", typ, err, tc.want)
				}
				if strings.Contains(err.Error(), "exporter") || strings.Contains(err.Error(), "?") {
					t.Errorf("%s: user information or query string shown: %v", typ, err)
				}
				assertNoSecret(t, err)
			}
		})
	}
}

func TestCredentialsURITimeoutIsNamed(t *testing.T) {
	isolateCredentialEnv(t)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer s.Close()
	t.Setenv("ALIBABA_CLOUD_CREDENTIALS_URI", s.URL+"/creds?token="+testToken)
	p, ok := newURIProvider(100*time.Millisecond, 100*time.Millisecond)
	if !ok {
		t.Fatal("URI not read")
	}
	_, err := p.GetCredentials()
	if want := "GET " + s.URL + "/creds: timed out (no answer within 100ms)"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	// As NewCredential builds it, the provider gives up before the fetch's
	// own bound, so that its message is the one reported.
	l, ok := uriLink(4 * time.Second)
	if p, _ := l.p.(*uriProvider); !ok || p == nil || p.client.Timeout != 3*time.Second {
		t.Errorf("credentials URI step %+v: want a 3s bound for a 4s fetch timeout", l)
	}
}

func TestCredentialsURIAnswerIsCached(t *testing.T) {
	isolateCredentialEnv(t)
	var calls atomic.Int64
	exp := time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05Z")
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"AccessKeyId":"id%d","AccessKeySecret":"s","SecurityToken":"t","Expiration":%q}`, calls.Add(1), exp)
	}))
	defer s.Close()
	t.Setenv("ALIBABA_CLOUD_CREDENTIALS_URI", s.URL)
	p, _ := newURIProvider(time.Second, time.Second)
	for range 3 {
		if cc, err := p.GetCredentials(); err != nil || cc.AccessKeyId != "id1" {
			t.Fatalf("got %+v, %v", cc, err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("%d fetches for credentials valid another hour, want 1", n)
	}
}

func TestSafeCauseOfAFailedRequest(t *testing.T) {
	err := &url.Error{Op: "Post", URL: "https://u:" + testSecret + "@sts.aliyuncs.com/?Action=AssumeRoleWithOIDC&Token=" + testToken,
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	if got, want := safeCause(err), "POST https://sts.aliyuncs.com/: connection refused"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
