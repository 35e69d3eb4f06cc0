package client

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestNoSecretInAnyError drives every error path with STS credentials whose
// secret and token are known strings, against a server that echoes them
// back wherever it can, and searches every error text for them.
func TestNoSecretInAnyError(t *testing.T) {
	sts := StaticCredential{AccessKeyID: testKeyID, AccessKeySecret: testSecret, SecurityToken: testToken}
	echo := testSecret + " " + testToken
	paths := []struct {
		name   string
		code   string
		answer func(w http.ResponseWriter, r *http.Request)
	}{
		{"API error echoing", "InvalidSecurityToken.Malformed", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 400, `{"RequestId":"`+r.Header.Get("X-Acs-Security-Token")+`","HostId":"`+echo+`","Code":"InvalidSecurityToken.Malformed","Message":"token `+echo+` is bad","Recommend":"`+echo+`"}`)
		}},
		{"code echoing", "HTTP400", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 400, `{"RequestId":"r","Code":"`+testToken+`","Message":"m"}`)
		}},
		{"2xx with code echoing", "Throttling", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("x-ratelimit-user-api", "TimeLeft:10,Token:"+testToken)
			writeJSON(w, 200, `{"RequestId":"r","Code":"Throttling","Message":"`+echo+`"}`)
		}},
		{"HTML error page", "HTTP500", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(500)
			_, _ = w.Write([]byte("<html>" + echo + "</html>"))
		}},
		{"non-JSON 200", CodeDecodeError, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte(echo))
		}},
		// Taken, with the value left unset: a decode warning names the
		// field only (TestOneWrongTypedValueKeepsTheListPage).
		{"bad value", CodeOK, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, `{"RequestId":"r","JobInfos":[{"Priority":"`+echo+`"}]}`)
		}},
		{"bad field type", CodeDecodeError, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, `{"RequestId":"r","JobInfos":[{"JobId":{"`+testSecret+`":1}}]}`)
		}},
		{"truncated", CodeDecodeError, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, `{"RequestId":"`+echo)
		}},
		{"too large", CodeResponseTooLarge, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, `{"RequestId":"`+strings.Repeat(echo, 1000)+`"}`)
		}},
		{"timeout", CodeTimeout, func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}},
		{"hijacked close", CodeConnectionError, func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_, _ = conn.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"RequestId\":\"" + echo))
				conn.Close()
			}
		}},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) { p.answer(w, r) })
			c := newTestClient(t, f, func(o *Options) {
				o.Credential = sts
				// Only the timeout path waits for the attempt timeout; the others
				// get room, so that a loaded machine cannot turn them into timeouts.
				o.Timeout = 10 * time.Second
				if p.code == CodeTimeout {
					o.Timeout = 100 * time.Millisecond
				}
				o.MaxResponseBytes = 4096
			})
			err := describeOnce(context.Background(), c)
			if ErrorCode(err) != p.code {
				t.Errorf("got %v, want %s", err, p.code)
			}
			assertNoSecret(t, err)
		})
	}

	t.Run("connection refused", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		c, _ := New(Options{Endpoint: "http://" + addr, Credential: sts})
		err := describeOnce(context.Background(), c)
		if ErrorCode(err) != CodeConnectionError {
			t.Errorf("got %v", err)
		}
		assertNoSecret(t, err)
	})
	t.Run("credential error", func(t *testing.T) {
		c, _ := New(Options{Endpoint: "http://127.0.0.1:1", Credential: errCredential{}})
		err := describeOnce(context.Background(), c)
		if ErrorCode(err) != CodeCredentialError {
			t.Errorf("got %v", err)
		}
		assertNoSecret(t, err)
	})
}

func TestObserverSeesEachAttempt(t *testing.T) {
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			writeJSON(w, 406, `{"RequestId":"r","Code":"AgentError","Message":"agent down"}`)
			return
		}
		writeJSON(w, 200, `{"RequestId":"r","TotalCount":0,"PageNumber":1,"PageSize":20,"Jobs":[]}`)
	})
	type obs struct {
		cluster, action, code string
		d                     time.Duration
	}
	var got []obs
	clock := &fakeClock{t: fixedNow}
	c := newTestClient(t, f, func(o *Options) {
		o.MaxRetries = 2
		o.Now = func() time.Time { return clock.now() }
		o.Observer = observerFunc(func(cluster, action, code string, d time.Duration) {
			got = append(got, obs{cluster, action, code, d})
			clock.mu.Lock()
			clock.t = clock.t.Add(time.Second) // the next attempt starts later
			clock.mu.Unlock()
		})
	})
	if _, err := c.ListServerlessJobs(context.Background(), ListServerlessJobsRequest{ClusterID: "ehpc-1"}); err != nil {
		t.Fatal(err)
	}
	want := []obs{{"ehpc-1", "ListServerlessJobs", "AgentError", 0}, {"ehpc-1", "ListServerlessJobs", "OK", 0}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("observed %+v, want %+v", got, want)
	}
}
