package client

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aliyun/credentials-go/credentials"
	"github.com/aliyun/credentials-go/credentials/providers"
)

// CredentialOptions chooses where credentials come from.
type CredentialOptions struct {
	Type         string        // one of the Credential* types; "" means default
	Profile      string        // profile name for "profile" (and "default")
	RoleName     string        // ECS RAM role for "ecs_ram_role" ("" asks the metadata service)
	FetchTimeout time.Duration // bound on one fetch; 0 means DefaultCredentialTimeout
}

// NewCredential builds the credential for o without any network call (every
// provider fetches lazily). The result bounds each fetch by o.FetchTimeout,
// lets at most one fetch run at a time, and reports failures as
// CredentialError naming source, a human description of where credentials
// are looked for.
func NewCredential(o CredentialOptions) (cred credentials.Credential, source string, err error) {
	timeout := o.FetchTimeout
	if timeout < 0 {
		return nil, "", fmt.Errorf("credentials: fetch timeout %s is negative", timeout)
	}
	if timeout == 0 {
		timeout = DefaultCredentialTimeout
	}
	// credentials-go takes milliseconds; give its HTTP-based providers the
	// same bound so that a fetch left behind by a timeout ends soon too.
	httpOpts := &providers.HttpOptions{
		ConnectTimeout: int(timeout / time.Millisecond),
		ReadTimeout:    int(timeout / time.Millisecond),
	}
	// The metadata service is on the instance's own link and answers at once
	// when it exists; keep credentials-go's short 1 s bounds for it, so that
	// the default chain off ECS gives up quickly instead of using the whole
	// fetch timeout.
	metaMillis := int(min(timeout, time.Second) / time.Millisecond)
	ecsOpts := &providers.HttpOptions{ConnectTimeout: metaMillis, ReadTimeout: metaMillis}
	var links []chainLink
	switch strings.TrimSpace(o.Type) {
	case "", CredentialDefault:
		source = "default credential chain (environment, OIDC, profile, ECS RAM role, credentials URI)"
		if o.Profile != "" {
			source = fmt.Sprintf("default credential chain (environment, OIDC, profile %q, ECS RAM role, credentials URI)", o.Profile)
		}
		links = defaultChain(o, timeout, httpOpts, ecsOpts)
	case CredentialEnvironment:
		source = "environment (ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN)"
		links = []chainLink{envLink()}
	case CredentialProfile:
		name := o.Profile
		if name == "" {
			name = "default"
		}
		source = fmt.Sprintf("profile %q (CLI config.json, then credentials INI file)", name)
		links = profileLinks(o.Profile)
	case CredentialOIDCRoleARN:
		source = "OIDC role (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE or ALIBABA_CLOUD_OIDC_TOKEN)"
		p, err := providers.NewOIDCCredentialsProviderBuilder().WithHttpOptions(httpOpts).Build()
		if err != nil {
			return nil, "", fmt.Errorf("credentials: %s: %s", source, safeCause(err))
		}
		links = []chainLink{{name: "OIDC", p: p}}
	case CredentialECSRAMRole:
		source = "ECS RAM role (instance metadata service)"
		if o.RoleName != "" {
			source = fmt.Sprintf("ECS RAM role %q (instance metadata service)", o.RoleName)
		}
		p, err := providers.NewECSRAMRoleCredentialsProviderBuilder().
			WithRoleName(o.RoleName).WithHttpOptions(ecsOpts).Build()
		if err != nil {
			return nil, "", fmt.Errorf("credentials: %s: %s", source, safeCause(err))
		}
		links = []chainLink{{name: "ECS RAM role", p: p}}
	case CredentialCredentialsURI:
		source = "credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI)"
		l, ok := uriLink(timeout)
		if !ok {
			return nil, "", fmt.Errorf("credentials: %s: ALIBABA_CLOUD_CREDENTIALS_URI is not set", source)
		}
		links = []chainLink{l}
	default:
		return nil, "", fmt.Errorf("credentials: unknown type %q (want one of %s)", o.Type, strings.Join(CredentialTypes, ", "))
	}
	typ := o.Type
	if typ == "" {
		typ = CredentialDefault
	}
	inner := credentials.FromCredentialsProvider(typ, &chain{links: links})
	return Bounded(inner, source, timeout), source, nil
}

func envLink() chainLink {
	p, _ := providers.NewEnvironmentVariableCredentialsProviderBuilder().Build()
	return chainLink{name: "environment", p: p}
}

// profileLinks are the CLI profile (~/.aliyun/config.json) and the INI
// profile (~/.alibabacloud/credentials), in that order, as the default chain
// has them.
func profileLinks(name string) []chainLink {
	var links []chainLink
	if p, err := providers.NewCLIProfileCredentialsProviderBuilder().WithProfileName(name).Build(); err == nil {
		links = append(links, chainLink{name: "CLI profile", p: p})
	}
	if p, err := providers.NewProfileCredentialsProviderBuilder().WithProfileName(name).Build(); err == nil {
		links = append(links, chainLink{name: "INI profile", p: p})
	}
	return links
}

// defaultChain mirrors credentials-go's default chain, but takes a profile
// name and fetch bounds, which the library's own chain cannot be given.
func defaultChain(o CredentialOptions, timeout time.Duration, httpOpts, ecsOpts *providers.HttpOptions) []chainLink {
	links := []chainLink{envLink()}
	if p, err := providers.NewOIDCCredentialsProviderBuilder().WithHttpOptions(httpOpts).Build(); err == nil {
		links = append(links, chainLink{name: "OIDC", p: p})
	}
	links = append(links, profileLinks(o.Profile)...)
	if p, err := providers.NewECSRAMRoleCredentialsProviderBuilder().WithRoleName(o.RoleName).WithHttpOptions(ecsOpts).Build(); err == nil {
		links = append(links, chainLink{name: "ECS RAM role", p: p})
	}
	if l, ok := uriLink(timeout); ok {
		links = append(links, l)
	}
	return links
}

// uriLink is the credentials URI step for fetches bounded by fetchTimeout;
// ok is false when ALIBABA_CLOUD_CREDENTIALS_URI is not set.
func uriLink(fetchTimeout time.Duration) (chainLink, bool) {
	p, ok := newURIProvider(uriBound(fetchTimeout), uriBound(fetchTimeout))
	return chainLink{name: "credentials URI", p: p}, ok
}

type chainLink struct {
	name string
	p    providers.CredentialsProvider
}

// chain asks its providers in order. Unlike credentials-go's default chain,
// a chain that failed completely is asked in full again next time (so
// credentials that appear later are found), and the provider that last
// succeeded is asked first.
type chain struct {
	links []chainLink

	mu   sync.Mutex
	last int // index of the provider that last succeeded (0 at first)
}

func (c *chain) GetProviderName() string { return "ehpc_exporter_chain" }

func (c *chain) GetCredentials() (*providers.Credentials, error) {
	if len(c.links) == 0 {
		return nil, errors.New("no credential provider is enabled")
	}
	c.mu.Lock()
	first := c.last
	c.mu.Unlock()
	order := append(make([]int, 0, len(c.links)), first)
	for i := range c.links {
		if i != first {
			order = append(order, i)
		}
	}
	var msgs []string
	for _, i := range order {
		l := c.links[i]
		cc, err := l.p.GetCredentials()
		if err == nil && cc != nil && cc.AccessKeyId != "" && cc.AccessKeySecret != "" {
			c.mu.Lock()
			c.last = i
			c.mu.Unlock()
			return cc, nil
		}
		if err == nil {
			err = errors.New("returned no access key")
		}
		msgs = append(msgs, l.name+": "+safeCause(err))
	}
	return nil, safeError(strings.Join(msgs, "; "))
}

// safeError is an error text already cut down to its secret-free part.
type safeError string

func (e safeError) Error() string { return string(e) }

// safeCause shortens a credentials-go error to its leading, secret-free
// part (a failed request to its class). Some of its messages append a response body, a command's stderr, a
// malformed line of a credentials file or a whole configuration file (secrets
// included), always after a colon, an equals sign or a bracket; the text is
// cut before the first of them.
func safeCause(err error) string {
	var safe safeError
	if errors.As(err, &safe) {
		return string(safe)
	}
	// A failed request (of the OIDC provider to STS, say): its text quotes
	// the whole URL, but its class and the URL's safe part can be told.
	var ue *url.Error
	if errors.As(err, &ue) {
		return strings.ToUpper(ue.Op) + " " + shownURL(ue.URL) + ": " + netFailure(ue.Err, 0)
	}
	s := strings.TrimPrefix(err.Error(), "ERROR: ")
	if i := strings.IndexAny(s, ":={[\n\r"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimRight(strings.TrimSpace(s), ",;")
	const max = 160
	if len(s) > max {
		s = s[:max] + "…"
	}
	if s == "" {
		s = "failed"
	}
	return s
}
