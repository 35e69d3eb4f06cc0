package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/credentials-go/credentials"
	"github.com/aliyun/credentials-go/credentials/providers"
)

// isolateCredentialEnv clears every variable credentials-go reads and points
// HOME at an empty directory, so no test sees the machine's credentials and
// none reaches a metadata service.
func isolateCredentialEnv(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, k := range []string{
		"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN",
		"ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE", "ALIBABA_CLOUD_OIDC_TOKEN",
		"ALIBABA_CLOUD_CREDENTIALS_URI", "ALIBABA_CLOUD_CONFIG_FILE", "ALIBABA_CLOUD_CREDENTIALS_FILE", "ALIBABA_CLOUD_PROFILE",
		"ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "ALIBABA_CLOUD_ECS_METADATA", "ALIBABA_CLOUD_STS_REGION",
	} {
		t.Setenv(k, "")
	}
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	return home
}

func fetchModel(t *testing.T, cred credentials.Credential) (*credentials.CredentialModel, error) {
	t.Helper()
	return Bounded(cred, "", 0).Fetch(context.Background())
}

func TestNewCredentialBuildsEveryTypeOffline(t *testing.T) {
	isolateCredentialEnv(t)
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("oidc-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::123:role/ehpc-exporter")
	t.Setenv("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "acs:ram::123:oidc-provider/ack-rrsa")
	t.Setenv("ALIBABA_CLOUD_OIDC_TOKEN_FILE", tokenFile)
	t.Setenv("ALIBABA_CLOUD_CREDENTIALS_URI", "http://127.0.0.1:1/creds")
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "")
	cases := []struct{ typ, source string }{
		{"", "default credential chain (environment, OIDC, profile, ECS RAM role, credentials URI)"},
		{"default", "default credential chain (environment, OIDC, profile, ECS RAM role, credentials URI)"},
		{"environment", "environment (ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN)"},
		{"profile", `profile "default" (CLI config.json, then credentials INI file)`},
		{"oidc_role_arn", "OIDC role (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE or ALIBABA_CLOUD_OIDC_TOKEN)"},
		{"ecs_ram_role", "ECS RAM role (instance metadata service)"},
		{"credentials_uri", "credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI)"},
	}
	for _, tc := range cases {
		cred, source, err := NewCredential(CredentialOptions{Type: tc.typ})
		if err != nil {
			t.Errorf("type %q: %v", tc.typ, err)
			continue
		}
		if source != tc.source {
			t.Errorf("type %q: source %q, want %q", tc.typ, source, tc.source)
		}
		b, ok := cred.(*BoundedCredential)
		if !ok || b.Timeout() != DefaultCredentialTimeout || b.Source() != source {
			t.Errorf("type %q: %T not bounded by the default timeout", tc.typ, cred)
		}
	}
	_, source, _ := NewCredential(CredentialOptions{Type: "ecs_ram_role", RoleName: "EhpcReader"})
	if source != `ECS RAM role "EhpcReader" (instance metadata service)` {
		t.Errorf("ecs source %q", source)
	}
}

func TestNewCredentialRejectsBadOptions(t *testing.T) {
	isolateCredentialEnv(t)
	cases := []struct {
		o    CredentialOptions
		want string
	}{
		{CredentialOptions{Type: "access_key"}, `unknown type "access_key"`},
		{CredentialOptions{FetchTimeout: -time.Second}, "negative"},
		{CredentialOptions{Type: "oidc_role_arn"}, "OIDC role"},
		{CredentialOptions{Type: "credentials_uri"}, "ALIBABA_CLOUD_CREDENTIALS_URI is not set"},
	}
	for _, tc := range cases {
		_, _, err := NewCredential(tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want an error mentioning %q", tc.o, err, tc.want)
		}
	}
}

func TestEnvironmentCredential(t *testing.T) {
	isolateCredentialEnv(t)
	cred, _, err := NewCredential(CredentialOptions{Type: "environment"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = fetchModel(t, cred)
	if ErrorCode(err) != CodeCredentialError || !strings.Contains(err.Error(), "environment (ALIBABA_CLOUD_ACCESS_KEY_ID") {
		t.Errorf("unset environment: got %v", err)
	}
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", testKeyID)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", testSecret)
	t.Setenv("ALIBABA_CLOUD_SECURITY_TOKEN", testToken)
	m, err := fetchModel(t, cred)
	if err != nil || *m.AccessKeyId != testKeyID || *m.AccessKeySecret != testSecret || *m.SecurityToken != testToken {
		t.Errorf("got %v, %v", m, err)
	}
}

func TestDefaultChainFailureNamesTheChain(t *testing.T) {
	isolateCredentialEnv(t)
	cred, source, err := NewCredential(CredentialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = fetchModel(t, cred)
	if ErrorCode(err) != CodeCredentialError {
		t.Fatalf("got %v, want CredentialError", err)
	}
	msg := err.Error()
	for _, want := range []string{source, "environment: ", "CLI profile: ", "INI profile: "} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q does not mention %q", msg, want)
		}
	}
	// Credentials that appear later are found: a failed chain is asked in full again.
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", testKeyID)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", testSecret)
	if m, err := fetchModel(t, cred); err != nil || *m.AccessKeyId != testKeyID {
		t.Errorf("after setting the environment: %v", err)
	}
}

func TestProfileCredentials(t *testing.T) {
	home := isolateCredentialEnv(t)
	cli := `{"current":"main","profiles":[
	  {"name":"main","mode":"AK","access_key_id":"LTAI-cli-main","access_key_secret":"cli-main-secret"},
	  {"name":"sts","mode":"StsToken","access_key_id":"LTAI-cli-sts","access_key_secret":"cli-sts-secret","sts_token":"cli-token"}]}`
	if err := os.MkdirAll(filepath.Join(home, ".aliyun"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".aliyun", "config.json"), []byte(cli), 0o600); err != nil {
		t.Fatal(err)
	}
	ini := "[other]\ntype = access_key\naccess_key_id = LTAI-ini-other\naccess_key_secret = ini-other-secret\n"
	if err := os.MkdirAll(filepath.Join(home, ".alibabacloud"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".alibabacloud", "credentials"), []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ profile, id, token string }{
		{"", "LTAI-cli-main", ""}, // the CLI's current profile
		{"sts", "LTAI-cli-sts", "cli-token"},
		{"other", "LTAI-ini-other", ""}, // not in the CLI file: the INI file has it
	}
	for _, tc := range cases {
		for _, typ := range []string{"profile", "default"} {
			cred, _, err := NewCredential(CredentialOptions{Type: typ, Profile: tc.profile})
			if err != nil {
				t.Fatal(err)
			}
			m, err := fetchModel(t, cred)
			if err != nil {
				t.Errorf("%s %q: %v", typ, tc.profile, err)
				continue
			}
			if *m.AccessKeyId != tc.id || *m.SecurityToken != tc.token {
				t.Errorf("%s %q: got key %s token %q, want %s %q", typ, tc.profile, *m.AccessKeyId, *m.SecurityToken, tc.id, tc.token)
			}
		}
	}
	cred, _, _ := NewCredential(CredentialOptions{Type: "profile", Profile: "missing"})
	_, err := fetchModel(t, cred)
	if ErrorCode(err) != CodeCredentialError || !strings.Contains(err.Error(), `profile "missing"`) {
		t.Errorf("missing profile: %v", err)
	}
}

// TestMalformedProfileDoesNotLeak: credentials-go quotes a malformed CLI
// config file, secrets and all, in its error; ours must not.
func TestMalformedProfileDoesNotLeak(t *testing.T) {
	home := isolateCredentialEnv(t)
	_ = os.MkdirAll(filepath.Join(home, ".aliyun"), 0o700)
	_ = os.MkdirAll(filepath.Join(home, ".alibabacloud"), 0o700)
	bad := `{"current":"main","profiles":[{"name":"main","mode":"AK","access_key_id":"LTAI","access_key_secret":"` + testSecret + `"}` // truncated
	if err := os.WriteFile(filepath.Join(home, ".aliyun", "config.json"), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	badINI := "[default]\ntype = access_key\naccess_key_secret " + testSecret + "\n"
	if err := os.WriteFile(filepath.Join(home, ".alibabacloud", "credentials"), []byte(badINI), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"profile", "default"} {
		cred, _, err := NewCredential(CredentialOptions{Type: typ})
		if err != nil {
			t.Fatal(err)
		}
		_, err = fetchModel(t, cred)
		if ErrorCode(err) != CodeCredentialError {
			t.Fatalf("%s: got %v", typ, err)
		}
		assertNoSecret(t, err)
		if !strings.Contains(err.Error(), "unmarshal aliyun cli config") {
			t.Errorf("%s: %q lost the useful part of the cause", typ, err)
		}
	}
}

// TestCredentialsURI runs the credentials_uri source against a loopback
// server, through the client, and checks that a fetch failure quoting the
// answer does not leak it.
func TestCredentialsURI(t *testing.T) {
	isolateCredentialEnv(t)
	var mode atomic.Int64
	uri := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		exp := time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05Z")
		switch mode.Load() {
		case 0:
			fmt.Fprintf(w, `{"Code":"Success","AccessKeyId":%q,"AccessKeySecret":%q,"SecurityToken":%q,"Expiration":%q}`, testKeyID, testSecret, testToken, exp)
		default: // no Expiration: credentials-go quotes the whole answer
			fmt.Fprintf(w, `{"AccessKeyId":%q,"AccessKeySecret":%q,"SecurityToken":%q}`, testKeyID, testSecret, testToken)
		}
	}))
	defer uri.Close()
	t.Setenv("ALIBABA_CLOUD_CREDENTIALS_URI", uri.URL+"/credentials?token="+testToken)

	cred, source, err := NewCredential(CredentialOptions{Type: "credentials_uri", FetchTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, `{"RequestId":"r","TotalCount":0,"JobInfos":[]}`)
	})
	c := newTestClient(t, f, func(o *Options) { o.Credential = cred; o.CredentialSource = source })
	if err := describeOnce(context.Background(), c); err != nil {
		t.Fatalf("call with URI credentials: %v", err)
	}
	if r := f.seen()[0]; r.sigErr != "" || r.header.Get("X-Acs-Security-Token") != testToken {
		t.Errorf("signature %q, token %q", r.sigErr, r.header.Get("X-Acs-Security-Token"))
	}

	mode.Store(1)
	cred2, _, _ := NewCredential(CredentialOptions{Type: "credentials_uri"})
	_, err = fetchModel(t, cred2)
	if ErrorCode(err) != CodeCredentialError || !strings.Contains(err.Error(), "credentials URI") {
		t.Errorf("got %v", err)
	}
	assertNoSecret(t, err)
}

// hangingCredential blocks every fetch until released, like a metadata
// service that drops packets, and counts the fetches started.
type hangingCredential struct {
	StaticCredential
	release chan struct{}
	started atomic.Int64
}

func (h *hangingCredential) GetCredential() (*credentials.CredentialModel, error) {
	h.started.Add(1)
	<-h.release
	return StaticCredential{AccessKeyID: testKeyID, AccessKeySecret: testSecret}.GetCredential()
}

func TestHangingFetchIsBoundedAndNotPiledUp(t *testing.T) {
	h := &hangingCredential{release: make(chan struct{})}
	released := false
	defer func() {
		if !released {
			close(h.release)
		}
	}()
	b := Bounded(h, "test metadata source", 30*time.Millisecond)

	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := b.Fetch(context.Background())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if ErrorCode(err) != CodeCredentialError || !strings.Contains(err.Error(), "test metadata source") || !strings.Contains(err.Error(), "timed out after 30ms") {
			t.Errorf("got %v, want a CredentialError naming the source and the bound", err)
		}
	}
	if n := h.started.Load(); n != 1 {
		t.Errorf("%d fetches started for 10 callers, want 1 in flight", n)
	}

	// Through the client: no request is sent, the attempt is observed.
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) { t.Error("request sent without credentials") })
	var codes []string
	c := newTestClient(t, f, func(o *Options) {
		o.Credential = b
		o.MaxRetries = 3
		o.Observer = observerFunc(func(_, _, code string, _ time.Duration) { codes = append(codes, code) })
	})
	err := describeOnce(context.Background(), c)
	if ErrorCode(err) != CodeCredentialError || IsRetryable(err) || !strings.HasPrefix(err.Error(), "EHPC DescribeServerlessJobs: CredentialError: no credentials from test metadata source") {
		t.Errorf("client: got %v", err)
	}
	if len(codes) != 1 || codes[0] != CodeCredentialError {
		t.Errorf("observed %v", codes)
	}
	if n := h.started.Load(); n != 1 {
		t.Errorf("%d fetches started, want still the one in flight", n)
	}

	// Once the provider answers, fetching works again.
	close(h.release)
	released = true
	if _, err := b.Fetch(context.Background()); err != nil {
		t.Errorf("after release: %v", err)
	}
}

func TestFetchHonoursTheContext(t *testing.T) {
	h := &hangingCredential{release: make(chan struct{})}
	defer close(h.release)
	b := Bounded(h, "slow source", time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Fetch(ctx); ErrorCode(err) != CodeCanceled {
		t.Errorf("cancelled: got %v", err)
	}
	dctx, dcancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer dcancel()
	if _, err := b.Fetch(dctx); ErrorCode(err) != CodeCredentialError || !strings.Contains(err.Error(), "deadline") {
		t.Errorf("deadline passed: got %v", err)
	}
}

type panickyCredential struct{ StaticCredential }

func (panickyCredential) GetCredential() (*credentials.CredentialModel, error) { panic("boom") }

func TestCredentialFailuresAreClassified(t *testing.T) {
	for name, cred := range map[string]credentials.Credential{
		"empty key":      StaticCredential{},
		"panic":          panickyCredential{},
		"error":          errCredential{},
		"nil model":      nilCredential{},
		"missing secret": nilCredential{id: "x"},
	} {
		_, err := Bounded(cred, "src", time.Second).Fetch(context.Background())
		if ErrorCode(err) != CodeCredentialError || !strings.Contains(err.Error(), "src") {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

type errCredential struct{ StaticCredential }

func (errCredential) GetCredential() (*credentials.CredentialModel, error) {
	return nil, errors.New("refresh failed: {\"AccessKeySecret\":\"" + testSecret + "\"}")
}

type nilCredential struct {
	StaticCredential
	id string
}

func (n nilCredential) GetCredential() (*credentials.CredentialModel, error) {
	if n.id == "" {
		return nil, nil
	}
	return &credentials.CredentialModel{AccessKeyId: &n.id}, nil
}

func TestStaticCredentialHidesSecrets(t *testing.T) {
	s := StaticCredential{AccessKeyID: testKeyID, AccessKeySecret: testSecret, SecurityToken: testToken}
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(f, s); strings.Contains(out, testSecret) || strings.Contains(out, testToken) {
			t.Errorf("%s prints a secret: %s", f, out)
		}
	}
	if *s.GetType() != "sts" || *(StaticCredential{}).GetType() != "access_key" {
		t.Error("GetType")
	}
}

func TestSafeCause(t *testing.T) {
	cases := map[string]string{
		"unmarshal aliyun cli config from '/h/.aliyun/config.json' failed: {\"x\":\"" + testSecret + "\"}": "unmarshal aliyun cli config from '/h/.aliyun/config.json' failed",
		"ERROR: Can not open fileopen /h/.alibabacloud/credentials: no such file":                          "Can not open fileopen /h/.alibabacloud/credentials",
		"refresh Ecs sts token err, httpStatus: 500, message = " + testSecret:                              "refresh Ecs sts token err, httpStatus",
		"get credentials from http://127.0.0.1/?t=" + testToken + " failed: body":                          "get credentials from http",
		"the url is empty":                  "the url is empty",
		": leading colon":                   "failed",
		strings.Repeat("a", 300):            strings.Repeat("a", 160) + "…",
		"line one\n" + testSecret:           "line one",
		"key-value delimiter not found = x": "key-value delimiter not found",
	}
	for in, want := range cases {
		if got := safeCause(errors.New(in)); got != want {
			t.Errorf("safeCause(%q) = %q, want %q", in, got, want)
		}
	}
}

// The inline ALIBABA_CLOUD_OIDC_TOKEN, documented beside the token file,
// is enough for the OIDC source, alone and in the default chain.
func TestOIDCTakesAnInlineToken(t *testing.T) {
	isolateCredentialEnv(t)
	t.Setenv("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::123:role/ehpc-exporter")
	t.Setenv("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "acs:ram::123:oidc-provider/ack-rrsa")
	if _, _, err := NewCredential(CredentialOptions{Type: CredentialOIDCRoleARN}); err == nil || !strings.Contains(err.Error(), "OIDC_TOKEN") {
		t.Fatalf("without a token: %v", err)
	}
	t.Setenv("ALIBABA_CLOUD_OIDC_TOKEN", testToken)
	if _, _, err := NewCredential(CredentialOptions{Type: CredentialOIDCRoleARN}); err != nil {
		t.Fatalf("with an inline token: %v", err)
	}
	links := defaultChain(CredentialOptions{}, time.Second, &providers.HttpOptions{}, &providers.HttpOptions{})
	found := false
	for _, l := range links {
		found = found || l.name == "OIDC"
	}
	if !found {
		t.Error("the default chain has no OIDC step with an inline token")
	}
}
