package client

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aliyun/credentials-go/credentials/providers"
)

// uriProvider gets STS credentials from ALIBABA_CLOUD_CREDENTIALS_URI the way
// credentials-go's URL provider does (GET, HTTP 200, a JSON object with
// AccessKeyId, AccessKeySecret, SecurityToken and Expiration, refreshed 3
// minutes before it expires). It exists because that provider's errors put
// the whole URI, query string and all, where such URIs carry their token,
// and the answer's body into the same sentence, so that all safeCause could
// keep of them was `Get "http`. This one says what happened instead.
type uriProvider struct {
	uri    string // as configured, secrets and all; never shown
	shown  string // uri without user information, query or fragment
	client *http.Client

	mu      sync.Mutex
	cached  *providers.Credentials
	expires time.Time
}

// uriRefreshMargin is how long before their expiry cached credentials are
// fetched again, as in credentials-go.
const uriRefreshMargin = 3 * time.Minute

// maxURIAnswer bounds a credentials answer; a real one is a few hundred bytes.
const maxURIAnswer = 64 << 10

// uriBound is the provider's bound on one exchange, for a fetch bounded by
// fetchTimeout: a quarter less, so that a silent URI is reported by the
// provider, which names it and says it timed out, rather than only by the
// fetch's own bound, which can say neither.
func uriBound(fetchTimeout time.Duration) time.Duration { return fetchTimeout * 3 / 4 }

// uriExpirationLayout is the form of Expiration that credentials-go accepts.
const uriExpirationLayout = "2006-01-02T15:04:05Z"

// newURIProvider reads ALIBABA_CLOUD_CREDENTIALS_URI; ok is false when it is
// not set. connect bounds the connection, total the whole exchange.
func newURIProvider(connect, total time.Duration) (p *uriProvider, ok bool) {
	uri := strings.TrimSpace(os.Getenv("ALIBABA_CLOUD_CREDENTIALS_URI"))
	if uri == "" {
		return nil, false
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: connect}).DialContext
	// Fetches are an hour or so apart: a kept-alive connection would only
	// sit idle in between.
	tr.DisableKeepAlives = true
	return &uriProvider{
		uri:    uri,
		shown:  shownURL(uri),
		client: &http.Client{Transport: tr, Timeout: total},
	}, true
}

func (p *uriProvider) GetProviderName() string { return "credential_uri" }

func (p *uriProvider) GetCredentials() (*providers.Credentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cached != nil && time.Until(p.expires) > uriRefreshMargin {
		cc := *p.cached
		return &cc, nil
	}
	cc, expires, err := p.fetch()
	if err != nil {
		return nil, safeError("GET " + p.shown + ": " + err.Error())
	}
	p.cached, p.expires = cc, expires
	out := *cc
	return &out, nil
}

// fetch returns a secret-free error: a class of failure, never a body.
func (p *uriProvider) fetch() (*providers.Credentials, time.Time, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, p.uri, http.NoBody)
	if err != nil {
		return nil, time.Time{}, errors.New("not a valid URL")
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, time.Time{}, errors.New(netFailure(err, p.client.Timeout))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, time.Time{}, errors.New("HTTP status " + strconv.Itoa(resp.StatusCode))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxURIAnswer+1))
	switch {
	case err != nil:
		return nil, time.Time{}, errors.New("answer cut short: " + netFailure(err, p.client.Timeout))
	case len(body) > maxURIAnswer:
		return nil, time.Time{}, errors.New("invalid answer (larger than 64 KiB)")
	}
	var a struct {
		AccessKeyID     *string `json:"AccessKeyId"`
		AccessKeySecret *string `json:"AccessKeySecret"`
		SecurityToken   *string `json:"SecurityToken"`
		Expiration      *string `json:"Expiration"`
	}
	if json.Unmarshal(body, &a) != nil {
		return nil, time.Time{}, errors.New("invalid answer (not JSON)")
	}
	var missing []string
	for _, f := range []struct {
		name string
		v    *string
	}{{"AccessKeyId", a.AccessKeyID}, {"AccessKeySecret", a.AccessKeySecret}, {"SecurityToken", a.SecurityToken}, {"Expiration", a.Expiration}} {
		if f.v == nil || *f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, time.Time{}, errors.New("invalid answer (no " + strings.Join(missing, ", ") + ")")
	}
	expires, err := time.Parse(uriExpirationLayout, *a.Expiration)
	if err != nil {
		return nil, time.Time{}, errors.New("invalid answer (Expiration is not a time like " + uriExpirationLayout + ")")
	}
	return &providers.Credentials{
		AccessKeyId:     *a.AccessKeyID,
		AccessKeySecret: *a.AccessKeySecret,
		SecurityToken:   *a.SecurityToken,
		ProviderName:    p.GetProviderName(),
	}, expires, nil
}

// shownURL is a URL fit for an error message: scheme, host and path, without
// user information, query or fragment, where URLs carry secrets.
func shownURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "the configured URL (not shown: it does not parse)"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return clip(u.String(), 200)
}

// netFailure names the class of a failed HTTP exchange without quoting the
// URL the error carries; timeout is the exchange's bound, 0 if unknown.
func netFailure(err error, timeout time.Duration) string {
	var (
		ne  net.Error
		dns *net.DNSError
		rec tls.RecordHeaderError
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		if timeout <= 0 {
			return "timed out"
		}
		return "timed out (no answer within " + timeout.String() + ")"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "host not found"
		}
		return "host name lookup failed"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed before a complete answer"
	case errors.As(err, &rec):
		return "TLS handshake failed (is the server speaking plain HTTP?)"
	case isTLSError(err):
		return "TLS certificate not accepted"
	}
	return "request failed"
}
