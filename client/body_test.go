package client

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAnswerBodies(t *testing.T) {
	html := "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>upstream said something</body></html>"
	cases := []struct {
		name        string
		status      int
		ctype       string
		body        string
		code        string
		retryable   bool
		mentions    []string
		mustNotHave []string
	}{
		{"malformed JSON", 200, "application/json", `{"RequestId": "r", "TotalCount": 1,, }`, CodeDecodeError, false,
			[]string{"malformed JSON", "content type application/json"}, nil},
		{"truncated JSON", 200, "application/json", `{"RequestId": "r", "JobInfos": [{"JobId": "5", "State": "Runn`, CodeDecodeError, false,
			[]string{"truncated JSON"}, []string{"Runn"}},
		{"HTML with 200", 200, "text/html", html, CodeDecodeError, false,
			[]string{"content type text/html", `"<!DOCTYPE"`}, []string{"Bad Gateway", "upstream"}},
		{"HTML 502", 502, "text/html; charset=utf-8", html, "HTTP502", true,
			[]string{"HTTP 502", "text/html"}, []string{"Bad Gateway", "upstream"}},
		{"empty 503", 503, "", "", "HTTP503", true, []string{"HTTP 503"}, nil},
		{"JSON 403 without code", 403, "application/json", `{"RequestId":"r9"}`, "HTTP403", false, []string{"RequestId r9"}, nil},
		{"empty 200", 200, "application/json", "", CodeDecodeError, false, []string{"empty answer"}, nil},
		{"array instead of object", 200, "application/json", `[1,2]`, CodeDecodeError, false, []string{"not an object"}, nil},
		{"wrong field type", 200, "application/json", `{"RequestId":"r","JobInfos":{"a":1}}`, CodeDecodeError, false, []string{"JobInfos"}, nil},
		{"number for the job list", 200, "application/json", `{"RequestId":"r","JobInfos":123456789}`, CodeDecodeError, false,
			[]string{"field JobInfos holds a JSON number where an array was expected"}, []string{"123456789"}},
		{"top-level number", 200, "application/json", `987654321`, CodeDecodeError, false, []string{"JSON number, not an object"}, []string{"987654321"}},
		{"trailing garbage", 200, "application/json", `{"RequestId":"r","JobInfos":[]} <html>`, CodeDecodeError, false, []string{"after the answer"}, nil},
		{"2xx with error code", 200, "application/json", `{"RequestId":"r","Code":"Throttling.User","Message":"slow down"}`, "Throttling.User", true, []string{"HTTP 200"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if tc.ctype != "" {
					w.Header().Set("Content-Type", tc.ctype)
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			})
			c := newTestClient(t, f, nil)
			err := describeOnce(context.Background(), c)
			if got := ErrorCode(err); got != tc.code {
				t.Fatalf("code %q (%v), want %q", got, err, tc.code)
			}
			if IsRetryable(err) != tc.retryable {
				t.Errorf("retryable %v, want %v", IsRetryable(err), tc.retryable)
			}
			for _, m := range tc.mentions {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("%q does not mention %q", err.Error(), m)
				}
			}
			for _, m := range tc.mustNotHave {
				if strings.Contains(err.Error(), m) {
					t.Errorf("%q repeats the body (%q)", err.Error(), m)
				}
			}
		})
	}
}

func TestOversizedAnswer(t *testing.T) {
	const limit = 1024
	answer := []byte(`{"RequestId":"` + strings.Repeat("x", 4*limit) + `","JobInfos":[]}`)
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		_, _ = w.Write(answer)
	})
	c := newTestClient(t, f, func(o *Options) { o.MaxResponseBytes = limit })
	err := describeOnce(context.Background(), c)
	if ErrorCode(err) != CodeResponseTooLarge || IsRetryable(err) {
		t.Fatalf("got %v, want final ResponseTooLarge", err)
	}
	if !strings.Contains(err.Error(), "1024") {
		t.Errorf("%q does not name the limit", err)
	}
	// The same answer under a larger bound decodes.
	c = newTestClient(t, f, func(o *Options) { o.MaxResponseBytes = int64(len(answer)) })
	if err := describeOnce(context.Background(), c); err != nil {
		t.Errorf("answer of exactly the bound: %v", err)
	}
}

func TestReadBodyStopsAtTheBound(t *testing.T) {
	r := &countingReader{}
	_, err := readBody("X", r, 100)
	if ErrorCode(err) != CodeResponseTooLarge {
		t.Fatalf("got %v", err)
	}
	if r.n > 101+512 { // io.ReadAll's first buffer is 512 bytes
		t.Errorf("read %d bytes for a 100 byte bound", r.n)
	}
	b, err := readBody("X", strings.NewReader(strings.Repeat("a", 100)), 100)
	if err != nil || len(b) != 100 {
		t.Errorf("exactly the bound: %d bytes, %v", len(b), err)
	}
}

// countingReader is an endless body that counts what was read from it.
type countingReader struct{ n int }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	c.n += len(p)
	return len(p), nil
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	var codes []string
	c, err := New(Options{
		Endpoint:   "http://" + addr,
		Credential: StaticCredential{AccessKeyID: testKeyID, AccessKeySecret: testSecret},
		MaxRetries: 2,
		Observer:   observerFunc(func(_, _, code string, _ time.Duration) { codes = append(codes, code) }),
	})
	if err != nil {
		t.Fatal(err)
	}
	c.sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	err = describeOnce(context.Background(), c)
	if ErrorCode(err) != CodeConnectionError || !IsRetryable(err) {
		t.Fatalf("got %v, want retryable ConnectionError", err)
	}
	if len(codes) != 3 || codes[0] != CodeConnectionError {
		t.Errorf("observed %v, want 3 ConnectionError attempts", codes)
	}
	if strings.Contains(err.Error(), "ClusterId") {
		t.Errorf("%q repeats the request URL", err)
	}
}

func TestOddErrorCodesAreNotTrusted(t *testing.T) {
	for _, code := range []string{"bad code", "<b>x</b>", strings.Repeat("A", 200)} {
		f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
			writeJSON(w, 400, `{"RequestId":"r","Code":"`+code+`","Message":"m"}`)
		})
		c := newTestClient(t, f, nil)
		if err := describeOnce(context.Background(), c); ErrorCode(err) != "HTTP400" {
			t.Errorf("code %q: got %v, want HTTP400", code, err)
		}
	}
}
