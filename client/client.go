package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/aliyun/credentials-go/credentials"
	"github.com/prometheus/common/version"
	"golang.org/x/time/rate"
)

// Options configure a Client. Zero values get the documented defaults.
type Options struct {
	Endpoint          string                 // "" means the region's host of EndpointType; http:// allowed
	EndpointType      string                 // EndpointPublic ("" too) or EndpointVPC; must be "" when Endpoint is set
	RegionID          string                 // required when Endpoint is ""; also ListServerlessJobs' default RegionId
	Credential        credentials.Credential // from NewCredential, StaticCredential, or any credentials-go credential
	CredentialSource  string                 // human name of where credentials come from, for errors
	CredentialTimeout time.Duration          // bound on one credential fetch; 0 = DefaultCredentialTimeout
	Timeout           time.Duration          // one HTTP attempt; 0 = DefaultTimeout
	MaxRetries        int                    // retries after the first attempt; 0 = none
	RateLimiter       *rate.Limiter          // shared by every client of one account; nil = unlimited
	MaxResponseBytes  int64                  // 0 = DefaultMaxResponseBytes
	Observer          Observer               // may be nil
	HTTPClient        *http.Client           // nil = a tuned default
	Now               func() time.Time       // nil = time.Now
	Concurrency       int                    // expected calls in flight; sizes the default idle pool (0 = DefaultConcurrency)
	UserAgent         string                 // "" = "ehpc_serverless_exporter/<version>"
}

// Observer is told about every HTTP attempt.
type Observer interface {
	// ObserveRequest is called once per attempt (retries included) that got
	// past the rate limiter; code is ErrorCode of the attempt's outcome.
	ObserveRequest(clusterID, action, code string, d time.Duration)
	// ObserveDecodeWarnings is called after an attempt whose answer was
	// taken although some of its values were of the wrong type and were
	// left unset: fields counts them by field path, such as
	// "Jobs[].Priority" (JSON names, "[]" for a list element, no index; a
	// bounded set). The map is not used after the call returns.
	ObserveDecodeWarnings(clusterID, action string, fields map[string]int)
}

// Client calls the E-HPC API. It is safe for concurrent use.
type Client struct {
	endpoint   url.URL
	region     string
	cred       *BoundedCredential
	timeout    time.Duration
	maxRetries int
	limiter    *rate.Limiter
	maxBytes   int64
	observer   Observer
	http       *http.Client
	userAgent  string
	now        func() time.Time

	// Injected in tests so that back-off needs no real sleeping.
	sleep  func(ctx context.Context, d time.Duration) error
	jitter func(max time.Duration) time.Duration
}

var regionPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// New validates o and builds a Client. It makes no network call.
func New(o Options) (*Client, error) {
	if o.Credential == nil {
		return nil, errors.New("client: no credential given")
	}
	if o.RegionID != "" && !regionPattern.MatchString(o.RegionID) {
		return nil, fmt.Errorf("client: region id %q is not a region id like cn-hangzhou", o.RegionID)
	}
	ep, err := endpointURL(o.Endpoint, o.EndpointType, o.RegionID)
	if err != nil {
		return nil, err
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"timeout", o.Timeout}, {"credential timeout", o.CredentialTimeout}} {
		if d.v < 0 {
			return nil, fmt.Errorf("client: %s %s is negative", d.name, d.v)
		}
	}
	if o.MaxRetries < 0 {
		return nil, fmt.Errorf("client: max retries %d is negative", o.MaxRetries)
	}
	if o.MaxResponseBytes < 0 {
		return nil, fmt.Errorf("client: max response bytes %d is negative", o.MaxResponseBytes)
	}
	if o.Concurrency < 0 {
		return nil, fmt.Errorf("client: concurrency %d is negative", o.Concurrency)
	}
	if strings.ContainsAny(o.UserAgent, "\r\n") {
		return nil, errors.New("client: user agent contains a line break")
	}
	c := &Client{
		endpoint:   *ep,
		region:     o.RegionID,
		cred:       Bounded(o.Credential, o.CredentialSource, o.CredentialTimeout),
		timeout:    o.Timeout,
		maxRetries: o.MaxRetries,
		limiter:    o.RateLimiter,
		maxBytes:   o.MaxResponseBytes,
		observer:   o.Observer,
		http:       o.HTTPClient,
		userAgent:  o.UserAgent,
		now:        o.Now,
		sleep:      sleepContext,
		jitter:     fullJitter,
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxBytes == 0 {
		c.maxBytes = DefaultMaxResponseBytes
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.http == nil {
		conc := o.Concurrency
		if conc == 0 {
			conc = DefaultConcurrency
		}
		c.http = newHTTPClient(conc, c.timeout)
	}
	if c.userAgent == "" {
		v := version.Version
		if v == "" {
			v = "dev"
		}
		c.userAgent = "ehpc_serverless_exporter/" + v
	}
	return c, nil
}

// Endpoint is the base URL calls go to.
func (c *Client) Endpoint() string { return c.endpoint.String() }

// call runs one action with retries and decodes its answer into out.
func (c *Client) call(ctx context.Context, action, clusterID string, query url.Values, out any) error {
	paid := admitted(ctx)
	for attempt := 0; ; attempt++ {
		err := c.attempt(ctx, action, clusterID, query, out, attempt == 0 && paid)
		if err == nil || attempt >= c.maxRetries || !IsRetryable(err) {
			return err
		}
		wait := c.jitter(backoffBound(attempt + 1))
		if ra := retryAfter(err); ra > wait {
			wait = ra
		}
		// A wait that would end past the deadline cannot lead to a useful
		// attempt: give the caller the real failure now.
		if dl, ok := ctx.Deadline(); ok && !c.now().Add(wait).Before(dl) {
			return err
		}
		if serr := c.sleep(ctx, wait); serr != nil {
			if errors.Is(ctx.Err(), context.Canceled) {
				return &Error{Action: action, Code: CodeCanceled, Message: "cancelled while waiting to retry after " + ErrorCode(err), cause: ctx.Err()}
			}
			return err
		}
	}
}

// attempt is one limited, freshly signed HTTP exchange.
func (c *Client) attempt(ctx context.Context, action, clusterID string, query url.Values, out any, paid bool) error {
	if c.limiter != nil && !paid {
		if err := c.limiter.Wait(ctx); err != nil {
			return limiterError(action, ctx, err)
		}
	}
	start := c.now()
	var key signingKey
	warnings, err := c.exchange(ctx, action, query, out, &key)
	err = redact(err, key)
	if c.observer != nil {
		c.observer.ObserveRequest(clusterID, action, ErrorCode(err), c.now().Sub(start))
		if err == nil && len(warnings) > 0 {
			c.observer.ObserveDecodeWarnings(clusterID, action, warnings)
		}
	}
	return err
}

func (c *Client) exchange(ctx context.Context, action string, query url.Values, out any, key *signingKey) (map[string]int, error) {
	m, err := c.cred.Fetch(ctx)
	if err != nil {
		return nil, withAction(err, action)
	}
	key.id = deref(m.AccessKeyId)
	key.secret = deref(m.AccessKeySecret)
	key.token = deref(m.SecurityToken)

	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	u := c.endpoint
	u.RawQuery = canonicalQuery(query)
	req, err := http.NewRequestWithContext(actx, http.MethodPost, u.String(), http.NoBody)
	if err != nil {
		return nil, newError(action, CodeInvalidRequest, "cannot build the request")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if err := signV3(req, action, *key, c.now()); err != nil {
		return nil, newError(action, CodeInvalidRequest, "cannot sign the request")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, transportError(action, ctx, actx, c.timeout, err)
	}
	defer resp.Body.Close()
	body, err := readBody(action, resp.Body, c.maxBytes)
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			return nil, err
		}
		return nil, transportError(action, ctx, actx, c.timeout, err)
	}
	return decodeAnswer(action, resp, body, out, c.now())
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// withAction stamps the action on an *Error made without one.
func withAction(err error, action string) error {
	var ce *Error
	if errors.As(err, &ce) {
		cp := *ce
		cp.Action = action
		return &cp
	}
	return err
}

// sleepContext waits d, returning early with ctx's error when it ends.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
