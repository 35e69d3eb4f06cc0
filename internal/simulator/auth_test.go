package simulator

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/acssign"
)

func q7() url.Values { return describeQuery("ehpc-test", "7") }

func TestV3Accepted(t *testing.T) {
	f := newFixture(t, timelineScenario())
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		v := f.v3(ActionDescribeServerlessJobs, q7())
		v.Method = method
		a := f.do(v.request(t, f.srv.URL))
		if r := a.describe(t); r.TotalCount != 1 || r.JobInfos[0].JobID != "7" {
			t.Fatalf("%s: %s", method, a.body)
		}
		if a.header.Get("x-acs-request-id") == "" || !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: headers %v", method, a.header)
		}
	}
}

func TestV3FormBody(t *testing.T) {
	f := newFixture(t, timelineScenario())
	v := f.v3(ActionDescribeServerlessJobs, nil)
	v.Body = []byte(q7().Encode())
	v.ContentType = "application/x-www-form-urlencoded"
	if r := f.do(v.request(t, f.srv.URL)).describe(t); r.TotalCount != 1 {
		t.Fatalf("parameters in the form body were not read: %+v", r)
	}
}

func TestV3SignatureErrors(t *testing.T) {
	f := newFixture(t, timelineScenario())
	base := func() v3 { return f.v3(ActionDescribeServerlessJobs, q7()) }
	cases := map[string]struct {
		mutate func(*v3)
		status int
		code   string
	}{
		"no authorization": {func(v *v3) {
			v.After = func(r *http.Request) { r.Header.Del("Authorization") }
		}, 400, "IncompleteSignature"},
		"malformed authorization": {func(v *v3) {
			v.After = func(r *http.Request) { r.Header.Set("Authorization", "ACS3-HMAC-SHA256 Credential="+testAK) }
		}, 400, "IncompleteSignature"},
		"other algorithm": {func(v *v3) {
			v.After = func(r *http.Request) { r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x") }
		}, 400, "IncompleteSignature"},
		"unsigned x-acs header":  {func(v *v3) { v.Unsigned = "x-acs-date" }, 400, "IncompleteSignature"},
		"unknown key":            {func(v *v3) { v.AK = "LTAIunknown" }, 404, "InvalidAccessKeyId.NotFound"},
		"wrong secret":           {func(v *v3) { v.Secret = "wrong" }, 400, "SignatureDoesNotMatch"},
		"bad date":               {func(v *v3) { v.After = func(r *http.Request) { r.Header.Set("x-acs-date", "yesterday") } }, 400, "InvalidTimeStamp.Format"},
		"date 16 minutes late":   {func(v *v3) { v.Date = f.wall.Add(16 * time.Minute) }, 400, "InvalidTimeStamp.Expired"},
		"date 16 minutes behind": {func(v *v3) { v.Date = f.wall.Add(-16 * time.Minute) }, 400, "InvalidTimeStamp.Expired"},
		"query changed after signing": {func(v *v3) {
			v.After = func(r *http.Request) { r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "JobIds.1=7", "JobIds.1=8", 1) }
		}, 400, "SignatureDoesNotMatch"},
		"action changed after signing": {func(v *v3) {
			v.After = func(r *http.Request) { r.Header.Set("x-acs-action", ActionListServerlessJobs) }
		}, 400, "SignatureDoesNotMatch"},
		"body changed after signing": {func(v *v3) {
			v.Body = []byte("a=1")
			v.After = func(r *http.Request) { r.Body = io.NopCloser(strings.NewReader("a=2")) }
		}, 400, "SignatureDoesNotMatch"},
		"access key header differs": {func(v *v3) {
			v.After = func(r *http.Request) { r.Header.Set("x-acs-accesskey-id", "someone-else") }
		}, 400, "IncompleteSignature"},
	}
	for _, h := range v3Required {
		cases["missing "+h] = struct {
			mutate func(*v3)
			status int
			code   string
		}{func(v *v3) { v.Omit = h }, 400, "IncompleteSignature"}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			v := base()
			tc.mutate(&v)
			e := f.do(v.request(t, f.srv.URL)).wantError(t, tc.status, tc.code)
			if tc.code == "SignatureDoesNotMatch" {
				// The expected signature must never be echoed.
				good := base()
				good.Nonce = v.Nonce
				want := acssign.ParseAuthorizationV3
				_, _, sig, _ := want(good.request(t, f.srv.URL).Header.Get("Authorization"))
				if strings.Contains(e.Message.String(), sig) {
					t.Fatalf("message echoes the expected signature: %s", e.Message)
				}
			}
		})
	}
}

func TestV3TimeWithinWindowAccepted(t *testing.T) {
	f := newFixture(t, timelineScenario())
	for _, d := range []time.Duration{14 * time.Minute, -14 * time.Minute} {
		v := f.v3(ActionDescribeServerlessJobs, q7())
		v.Date = f.wall.Add(d)
		f.do(v.request(t, f.srv.URL)).describe(t)
	}
}

func TestV3NonceReuse(t *testing.T) {
	f := newFixture(t, timelineScenario())
	v := f.v3(ActionDescribeServerlessJobs, q7())
	v.Nonce = "fixed-nonce"

	// A forged request does not burn the nonce...
	forged := v
	forged.Secret = "wrong"
	f.do(forged.request(t, f.srv.URL)).wantError(t, 400, "SignatureDoesNotMatch")
	// ...the genuine one uses it...
	f.do(v.request(t, f.srv.URL)).describe(t)
	// ...and a replay is refused, even re-signed with a fresh date.
	f.do(v.request(t, f.srv.URL)).wantError(t, 400, "SignatureNonceUsed")
	f.wall = f.wall.Add(5 * time.Minute)
	v.Date = f.wall
	f.do(v.request(t, f.srv.URL)).wantError(t, 400, "SignatureNonceUsed")

	// The same nonce from another key is a different nonce.
	other := v
	other.AK, other.Secret, other.Token = stsAK, stsSecret, stsToken
	f.do(other.request(t, f.srv.URL)).describe(t)

	// Once no request carrying it could pass the time check, it is forgotten.
	f.wall = f.wall.Add(31 * time.Minute)
	v.Date = f.wall
	f.do(v.request(t, f.srv.URL)).describe(t)
}

func TestNonceStoreBounded(t *testing.T) {
	s := newNonceStore(time.Minute, 3)
	now := testEpoch
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		if !s.use(n, now) {
			t.Fatalf("fresh nonce %s refused", n)
		}
	}
	if s.len() != 3 {
		t.Fatalf("remembers %d nonces, want at most 3", s.len())
	}
	if s.use("e", now) {
		t.Fatal("recent nonce accepted twice")
	}
	if !s.use("a", now) {
		t.Fatal("evicted nonce should be forgotten")
	}
	if !s.use("f", now.Add(time.Minute)) || s.len() != 1 {
		t.Fatalf("expired nonces not dropped: %d remembered", s.len())
	}
	for i := 0; i < 5000; i++ {
		s.use("n"+itoaTest(i), now.Add(2*time.Minute))
	}
	if s.len() != 3 || len(s.queue)-s.head > 3 {
		t.Fatalf("store grew: %d remembered, queue %d", s.len(), len(s.queue)-s.head)
	}
}

func itoaTest(i int) string { return strconv.Itoa(i) }

func TestSTS(t *testing.T) {
	f := newFixture(t, timelineScenario(), func(o *Options) {
		o.Keys["STS.expired"] = Key{Secret: "s", SecurityToken: "tok", Expires: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	})
	sts := func() v3 {
		v := f.v3(ActionDescribeServerlessJobs, q7())
		v.AK, v.Secret, v.Token = stsAK, stsSecret, stsToken
		return v
	}
	f.do(sts().request(t, f.srv.URL)).describe(t)

	v := sts()
	v.Token = ""
	f.do(v.request(t, f.srv.URL)).wantError(t, 400, "InvalidSecurityToken.Mismatch")
	v = sts()
	v.Token = "another-token"
	f.do(v.request(t, f.srv.URL)).wantError(t, 400, "InvalidSecurityToken.Mismatch")
	v = f.v3(ActionDescribeServerlessJobs, q7())
	v.Token = "token-for-a-plain-key"
	f.do(v.request(t, f.srv.URL)).wantError(t, 400, "InvalidSecurityToken.Mismatch")
	v = f.v3(ActionDescribeServerlessJobs, q7())
	v.AK, v.Secret, v.Token = "STS.expired", "s", "tok"
	f.do(v.request(t, f.srv.URL)).wantError(t, 400, "InvalidSecurityToken.Expired")
	v = sts()
	v.Unsigned = "x-acs-security-token"
	f.do(v.request(t, f.srv.URL)).wantError(t, 400, "IncompleteSignature")
}

func TestNotAuthorizedForCluster(t *testing.T) {
	f := newFixture(t, timelineScenario())
	for _, action := range []string{ActionDescribeServerlessJobs, ActionListServerlessJobs} {
		v := f.v3(action, q7())
		v.AK, v.Secret = limitedAK, limitedSecret
		e := f.do(v.request(t, f.srv.URL)).wantError(t, 407, "NotAuthorized")
		if e.Message != "You are not authorized by RAM for this request." {
			t.Errorf("message %q", e.Message)
		}
	}
}

func TestVersionActionMethodPath(t *testing.T) {
	f := newFixture(t, timelineScenario())
	v := f.v3(ActionDescribeServerlessJobs, q7())
	v.Version = "2023-07-01"
	f.do(v.request(t, f.srv.URL)).wantError(t, 400, "InvalidVersion")
	f.call("SubmitServerlessJob", q7()).wantError(t, 404, "InvalidAction.NotFound")
	v = f.v3(ActionDescribeServerlessJobs, q7())
	v.Method = http.MethodPut
	f.do(v.request(t, f.srv.URL)).wantError(t, 405, "UnsupportedHTTPMethod")
	v = f.v3(ActionDescribeServerlessJobs, q7())
	v.After = func(r *http.Request) { r.URL.Path = "/other" }
	f.do(v.request(t, f.srv.URL)).wantError(t, 404, "InvalidAction.NotFound")
}

func TestV2(t *testing.T) {
	f := newFixture(t, timelineScenario())
	if r := f.do(f.v2(ActionDescribeServerlessJobs, q7()).request(t, f.srv.URL)).describe(t); r.TotalCount != 1 {
		t.Fatalf("V2 GET: %+v", r)
	}
	v := f.v2(ActionListServerlessJobs, url.Values{"ClusterId": {"ehpc-test"}})
	v.Method = http.MethodPost
	if r := f.do(v.request(t, f.srv.URL)).list(t); r.TotalCount == 0 {
		t.Fatalf("V2 POST: %+v", r)
	}

	for name, tc := range map[string]struct {
		mutate func(*v2)
		status int
		code   string
	}{
		"wrong secret":     {func(v *v2) { v.Secret = "wrong" }, 400, "SignatureDoesNotMatch"},
		"unknown key":      {func(v *v2) { v.AK = "nobody" }, 404, "InvalidAccessKeyId.NotFound"},
		"skewed timestamp": {func(v *v2) { v.Timestamp = f.wall.Add(-20 * time.Minute) }, 400, "InvalidTimeStamp.Expired"},
		"bad timestamp":    {func(v *v2) { v.Override = url.Values{"Timestamp": {"2025-06-01 10:00:00"}} }, 400, "InvalidTimeStamp.Format"},
		"no nonce":         {func(v *v2) { v.Omit = "SignatureNonce" }, 400, "MissingSignatureNonce"},
		"no signature":     {func(v *v2) { v.Omit = "Signature" }, 400, "IncompleteSignature"},
		"sha256 method":    {func(v *v2) { v.Override = url.Values{"SignatureMethod": {"HMAC-SHA256"}} }, 400, "IncompleteSignature"},
		"version 2.0":      {func(v *v2) { v.Override = url.Values{"SignatureVersion": {"2.0"}} }, 400, "IncompleteSignature"},
		"bad format":       {func(v *v2) { v.Override = url.Values{"Format": {"YAML"}} }, 400, "InvalidParams"},
		"sts no token":     {func(v *v2) { v.AK, v.Secret = stsAK, stsSecret }, 400, "InvalidSecurityToken.Mismatch"},
		"wrong version":    {func(v *v2) { v.Version = "2017-01-01" }, 400, "InvalidVersion"},
		"wrong action":     {func(v *v2) { v.Action = "DeleteCluster" }, 404, "InvalidAction.NotFound"},
		"not authorized":   {func(v *v2) { v.AK, v.Secret = limitedAK, limitedSecret }, 407, "NotAuthorized"},
	} {
		t.Run(name, func(t *testing.T) {
			v := f.v2(ActionDescribeServerlessJobs, q7())
			tc.mutate(&v)
			f.do(v.request(t, f.srv.URL)).wantError(t, tc.status, tc.code)
		})
	}

	v = f.v2(ActionDescribeServerlessJobs, q7())
	v.AK, v.Secret, v.Token = stsAK, stsSecret, stsToken
	f.do(v.request(t, f.srv.URL)).describe(t)

	v = f.v2(ActionDescribeServerlessJobs, q7())
	v.Nonce = "v2-fixed"
	f.do(v.request(t, f.srv.URL)).describe(t)
	f.do(v.request(t, f.srv.URL)).wantError(t, 400, "SignatureNonceUsed")
}

// Every refused request is counted under its code.
func TestAuthFailuresCounted(t *testing.T) {
	f := newFixture(t, timelineScenario())
	v := f.v3(ActionDescribeServerlessJobs, q7())
	v.Secret = "wrong"
	f.do(v.request(t, f.srv.URL))
	f.call(ActionDescribeServerlessJobs, q7())
	c := f.sim.Calls()
	if c.Total != 2 || c.Count("", "SignatureDoesNotMatch") != 1 || c.Count(ActionDescribeServerlessJobs, "OK") != 1 {
		t.Fatalf("counts %+v", c)
	}
}
