package accounts

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/credentials-go/credentials"
	"golang.org/x/time/rate"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/config"
)

// recorder wraps the real constructors and keeps what they were asked, so a
// test sees the credential and client a config produced without calling out.
type recorder struct {
	creds   []client.CredentialOptions
	clients map[string]client.Options // by endpoint, one cluster each
}

func newRecordedSet(t *testing.T, o Options) (*Set, *recorder) {
	t.Helper()
	s, r := New(o), &recorder{clients: map[string]client.Options{}}
	s.newCredential = func(co client.CredentialOptions) (credentials.Credential, string, error) {
		r.creds = append(r.creds, co)
		return client.NewCredential(co)
	}
	s.newClient = func(co client.Options) (*client.Client, error) {
		r.clients[co.Endpoint] = co
		return client.New(co)
	}
	return s, r
}

// clusterYAML is a cluster whose endpoint names it, with optional
// credentials lines (already indented for the cluster).
func clusterYAML(id, creds string) string {
	s := fmt.Sprintf("  - cluster_id: %s\n    region_id: cn-hangzhou\n    endpoint: http://%s.invalid\n    job_ids: [\"1\"]\n", id, id)
	if creds != "" {
		s += "    credentials:\n" + creds
	}
	return s
}

// configOf parses a config with the given top-level sections and clusters.
func configOf(t *testing.T, top string, clusters ...string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(top+"clusters:\n"+strings.Join(clusters, "")), "config.yml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func prepareCommit(t *testing.T, s *Set, cfg *config.Config) *Change {
	t.Helper()
	ch, err := s.Prepare(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ch.Commit()
	return ch
}

const envCreds = "credentials:\n  type: environment\n"

func TestClustersOfOneAccountShareCredentialAndLimiter(t *testing.T) {
	s, rec := newRecordedSet(t, Options{})
	ch := prepareCommit(t, s, configOf(t, envCreds, clusterYAML("a", ""), clusterYAML("b", ""),
		clusterYAML("c", "      type: profile\n      profile: other\n")))
	specs := ch.Specs()
	if len(specs) != 3 || specs[0].ClusterID != "a" || specs[2].ClusterID != "c" {
		t.Fatalf("specs not one per cluster in order: %+v", specs)
	}
	if specs[0].Account != specs[1].Account || specs[0].Account == specs[2].Account {
		t.Errorf("accounts %q, %q, %q: want a and b together, c apart", specs[0].Account, specs[1].Account, specs[2].Account)
	}
	a, b, c := rec.clients["http://a.invalid"], rec.clients["http://b.invalid"], rec.clients["http://c.invalid"]
	if a.RateLimiter != b.RateLimiter || a.Credential != b.Credential {
		t.Error("clusters of one account got different limiters or credentials")
	}
	if a.RateLimiter == c.RateLimiter || a.Credential == c.Credential {
		t.Error("clusters of different accounts share a limiter or credential")
	}
	if len(rec.creds) != 2 {
		t.Errorf("built %d credentials for two accounts", len(rec.creds))
	}
}

// TestReloadAppliesFetchTimeout pins the fix of a reload that changed
// credentials.fetch_timeout and was reported as done while the account kept
// the credential, and so the bound, of its first config.
func TestReloadAppliesFetchTimeout(t *testing.T) {
	s, rec := newRecordedSet(t, Options{})
	prepareCommit(t, s, configOf(t, envCreds+"  fetch_timeout: 5s\n", clusterYAML("a", "")))
	first := rec.clients["http://a.invalid"]

	prepareCommit(t, s, configOf(t, envCreds+"  fetch_timeout: 2s\n", clusterYAML("a", "")))
	if len(rec.creds) != 2 || rec.creds[1].FetchTimeout != 2*time.Second {
		t.Fatalf("credentials built with %+v: want a second one bounded by 2s (its providers' HTTP timeouts follow it)", rec.creds)
	}
	next := rec.clients["http://a.invalid"]
	if next.CredentialTimeout != 2*time.Second {
		t.Errorf("client CredentialTimeout = %s, want 2s", next.CredentialTimeout)
	}
	bc, ok := next.Credential.(*client.BoundedCredential)
	if !ok || bc.Timeout() != 2*time.Second {
		t.Errorf("client credential %T is not bounded by 2s", next.Credential)
	}
	if next.Credential == first.Credential {
		t.Error("the client kept the credential of the old fetch timeout")
	}
	if next.RateLimiter != first.RateLimiter {
		t.Error("a fetch timeout change replaced the rate limiter")
	}
	if got := s.accs["type=environment"].cred; got != next.Credential {
		t.Error("the committed account does not hold the new credential")
	}

	// Unchanged again: the credential (and what it cached) is kept.
	prepareCommit(t, s, configOf(t, envCreds+"  fetch_timeout: 2s\n", clusterYAML("a", "")))
	if len(rec.creds) != 2 || rec.clients["http://a.invalid"].Credential != next.Credential {
		t.Error("a reload that kept the fetch timeout rebuilt the credential")
	}
}

func TestReloadFetchTimeoutWithStaticCredential(t *testing.T) {
	var static credentials.Credential = client.StaticCredential{AccessKeyID: "AKIDEXAMPLE", AccessKeySecret: "not-a-real-secret"}
	s, rec := newRecordedSet(t, Options{Credential: static})
	prepareCommit(t, s, configOf(t, envCreds+"  fetch_timeout: 5s\n", clusterYAML("a", "")))
	prepareCommit(t, s, configOf(t, envCreds+"  fetch_timeout: 3s\n", clusterYAML("a", "")))
	co := rec.clients["http://a.invalid"]
	if co.Credential != static || co.CredentialTimeout != 3*time.Second {
		t.Errorf("client got credential %T bounded by %s; want the static one bounded by 3s", co.Credential, co.CredentialTimeout)
	}
	if len(rec.creds) != 0 {
		t.Errorf("built %d credentials despite the static one", len(rec.creds))
	}
}

// TestReloadAppliesRateAndBurstInPlace: the limiter is the same value, so the
// tokens spent before the reload stay spent (a reload is no way around the
// account's quota), and it follows the new rate and burst.
func TestReloadAppliesRateAndBurstInPlace(t *testing.T) {
	s, rec := newRecordedSet(t, Options{})
	// A refill of one token every 1000 s: the spent tokens cannot come back
	// while the test runs, whatever the machine's speed.
	prepareCommit(t, s, configOf(t, "api:\n  requests_per_second: 0.001\n  burst: 3\n"+envCreds, clusterYAML("a", "")))
	lim := rec.clients["http://a.invalid"].RateLimiter
	if !lim.AllowN(time.Now(), 3) {
		t.Fatal("a fresh limiter with burst 3 refused 3 tokens")
	}

	prepareCommit(t, s, configOf(t, "api:\n  requests_per_second: 0.002\n  burst: 7\n"+envCreds, clusterYAML("a", "")))
	if got := rec.clients["http://a.invalid"].RateLimiter; got != lim {
		t.Fatal("the reload replaced the account's limiter")
	}
	if lim.Limit() != rate.Limit(0.002) || lim.Burst() != 7 {
		t.Errorf("limiter at %v/s burst %d, want 0.002/s burst 7", lim.Limit(), lim.Burst())
	}
	if tok := lim.Tokens(); tok >= 1 {
		t.Errorf("the reload refilled the limiter: %.3f tokens", tok)
	}
}

// TestPrepareChangesNothingUntilCommit: a config checked or refused later
// must leave the running accounts as they were.
func TestPrepareChangesNothingUntilCommit(t *testing.T) {
	s, rec := newRecordedSet(t, Options{})
	prepareCommit(t, s, configOf(t, "api:\n  requests_per_second: 5\n  burst: 10\n"+envCreds, clusterYAML("a", "")))
	lim := rec.clients["http://a.invalid"].RateLimiter
	cred := rec.clients["http://a.invalid"].Credential
	before := s.accs

	changed := configOf(t, "api:\n  requests_per_second: 1\n  burst: 2\n"+envCreds+"  fetch_timeout: 1s\n", clusterYAML("a", ""))
	ch, err := s.Prepare(changed)
	if err != nil {
		t.Fatal(err)
	}
	if lim.Limit() != 5 || lim.Burst() != 10 {
		t.Errorf("Prepare moved the limiter to %v/s burst %d", lim.Limit(), lim.Burst())
	}
	if len(s.accs) != len(before) || s.accs["type=environment"].cred != cred {
		t.Error("Prepare changed the committed accounts")
	}

	// A refused config (its second cluster's credentials cannot be built)
	// changes nothing either, and says which cluster and why.
	t.Setenv("ALIBABA_CLOUD_CREDENTIALS_URI", "")
	_, err = s.Prepare(configOf(t, "api:\n  requests_per_second: 1\n"+envCreds,
		clusterYAML("a", ""), clusterYAML("b", "      type: credentials_uri\n")))
	if err == nil || !strings.Contains(err.Error(), "cluster b:") || !strings.Contains(err.Error(), "ALIBABA_CLOUD_CREDENTIALS_URI is not set") {
		t.Fatalf("Prepare error = %v, want cluster b's missing credentials URI", err)
	}
	if lim.Limit() != 5 || len(s.accs) != 1 {
		t.Error("a failed Prepare changed the accounts")
	}

	ch.Commit()
	if lim.Limit() != 1 || lim.Burst() != 2 {
		t.Errorf("after Commit the limiter is at %v/s burst %d, want 1/s burst 2", lim.Limit(), lim.Burst())
	}
	if s.accs["type=environment"].cred == cred {
		t.Error("after Commit the account still holds the old credential")
	}
}

// TestReloadChangingCredentialsMovesTheCluster: other credentials settings
// are another account, with its own limiter; an account no cluster uses any
// more is forgotten, so its credential and limiter do not outlive the config.
func TestReloadChangingCredentialsMovesTheCluster(t *testing.T) {
	s, rec := newRecordedSet(t, Options{})
	other := "      type: profile\n      profile: other\n"
	prepareCommit(t, s, configOf(t, envCreds, clusterYAML("a", ""), clusterYAML("b", "")))
	envLimiter := rec.clients["http://a.invalid"].RateLimiter

	ch := prepareCommit(t, s, configOf(t, envCreds, clusterYAML("a", ""), clusterYAML("b", other)))
	if got := ch.Specs()[1].Account; got != "type=profile,profile=other" {
		t.Errorf("cluster b is in account %q after its credentials changed", got)
	}
	if rec.clients["http://a.invalid"].RateLimiter != envLimiter {
		t.Error("cluster a lost its account's limiter when b left the account")
	}
	if rec.clients["http://b.invalid"].RateLimiter == envLimiter {
		t.Error("cluster b still shares the old account's limiter")
	}
	if len(s.accs) != 2 {
		t.Errorf("%d accounts, want 2", len(s.accs))
	}

	prepareCommit(t, s, configOf(t, envCreds, clusterYAML("a", other), clusterYAML("b", other)))
	if _, ok := s.accs["type=environment"]; ok || len(s.accs) != 1 {
		t.Errorf("accounts after every cluster left the environment account: %v", keysOf(s.accs))
	}
	if rec.clients["http://a.invalid"].RateLimiter != rec.clients["http://b.invalid"].RateLimiter {
		t.Error("a and b are in one account again but do not share its limiter")
	}

	// Coming back is a fresh account: nothing of the forgotten one remains.
	prepareCommit(t, s, configOf(t, envCreds, clusterYAML("a", "")))
	if rec.clients["http://a.invalid"].RateLimiter == envLimiter {
		t.Error("a forgotten account's limiter came back")
	}
}

func keysOf(m map[string]*account) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestEndpointTypeReachesTheClient(t *testing.T) {
	s, rec := newRecordedSet(t, Options{})
	cfg := configOf(t, envCreds, "  - {cluster_id: v, region_id: cn-shanghai, endpoint_type: vpc, job_ids: [\"1\"]}\n")
	ch := prepareCommit(t, s, cfg)
	if co := rec.clients[""]; co.EndpointType != client.EndpointVPC || co.RegionID != "cn-shanghai" {
		t.Errorf("client options %+v, want endpoint type vpc in cn-shanghai", co)
	}
	api, ok := ch.Specs()[0].API.(*client.Client)
	if !ok || api.Endpoint() != "https://ehpc-vpc.cn-shanghai.aliyuncs.com/" {
		t.Errorf("client calls %v", ch.Specs()[0].API)
	}
}
