package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aliyun/credentials-go/credentials"
)

// BoundedCredential wraps a credential so that a fetch is bounded in time
// and fetches never pile up. credentials-go ignores contexts, and a silent
// metadata service can hold a fetch for seconds; so the fetch runs in its own
// goroutine, at most one per BoundedCredential at a time, and callers wait
// for it only as long as their bound (or context) allows. Callers arriving
// while a fetch is in flight join it instead of starting another, which also
// serialises access to credentials-go providers that are not safe for
// concurrent use.
type BoundedCredential struct {
	inner   credentials.Credential
	source  string
	timeout time.Duration

	mu       sync.Mutex
	inflight *fetchCall
}

type fetchCall struct {
	done  chan struct{}
	model *credentials.CredentialModel
	err   error
}

// Bounded wraps cred. source names where the credentials come from (it
// appears in errors); timeout bounds one wait (0 means
// DefaultCredentialTimeout). A cred that is already a *BoundedCredential is
// returned as is.
func Bounded(cred credentials.Credential, source string, timeout time.Duration) *BoundedCredential {
	if b, ok := cred.(*BoundedCredential); ok {
		return b
	}
	if timeout <= 0 {
		timeout = DefaultCredentialTimeout
	}
	if source == "" {
		source = "configured credential"
	}
	return &BoundedCredential{inner: cred, source: source, timeout: timeout}
}

// Source names where the credentials come from.
func (b *BoundedCredential) Source() string { return b.source }

// Timeout is the bound on one fetch.
func (b *BoundedCredential) Timeout() time.Duration { return b.timeout }

// Fetch returns the current credentials, waiting at most the fetch timeout
// and no longer than ctx allows. A failure is an *Error with code
// CredentialError (Canceled when ctx was cancelled) whose text names the
// source and holds no secret.
func (b *BoundedCredential) Fetch(ctx context.Context) (*credentials.CredentialModel, error) {
	b.mu.Lock()
	call := b.inflight
	if call == nil {
		call = &fetchCall{done: make(chan struct{})}
		b.inflight = call
		go b.run(call)
	}
	b.mu.Unlock()

	timer := time.NewTimer(b.timeout)
	defer timer.Stop()
	select {
	case <-call.done:
		if call.err != nil {
			return nil, call.err
		}
		return call.model, nil
	case <-timer.C:
		return nil, b.fail(fmt.Sprintf("fetch timed out after %s", b.timeout))
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, b.fail("fetch not finished before the call's deadline")
		}
		return nil, &Error{Code: CodeCanceled, Message: "cancelled while fetching credentials from " + b.source, cause: ctx.Err()}
	}
}

func (b *BoundedCredential) run(call *fetchCall) {
	defer func() {
		if r := recover(); r != nil {
			call.model, call.err = nil, b.fail("credential provider panicked")
		}
		b.mu.Lock()
		b.inflight = nil
		b.mu.Unlock()
		close(call.done)
	}()
	m, err := b.inner.GetCredential()
	switch {
	case err != nil:
		call.err = b.fail(safeCause(err))
	case m == nil || m.AccessKeyId == nil || *m.AccessKeyId == "" || m.AccessKeySecret == nil || *m.AccessKeySecret == "":
		call.err = b.fail("no access key returned")
	default:
		call.model = m
	}
}

func (b *BoundedCredential) fail(reason string) *Error {
	return &Error{Code: CodeCredentialError, Message: "no credentials from " + b.source + ": " + reason}
}

// GetCredential implements credentials.Credential with the fetch bound.
func (b *BoundedCredential) GetCredential() (*credentials.CredentialModel, error) {
	return b.Fetch(context.Background())
}

// GetAccessKeyId implements credentials.Credential.
//
// Deprecated: use GetCredential.
func (b *BoundedCredential) GetAccessKeyId() (*string, error) {
	m, err := b.GetCredential()
	if err != nil {
		return nil, err
	}
	return m.AccessKeyId, nil
}

// GetAccessKeySecret implements credentials.Credential.
//
// Deprecated: use GetCredential.
func (b *BoundedCredential) GetAccessKeySecret() (*string, error) {
	m, err := b.GetCredential()
	if err != nil {
		return nil, err
	}
	return m.AccessKeySecret, nil
}

// GetSecurityToken implements credentials.Credential.
//
// Deprecated: use GetCredential.
func (b *BoundedCredential) GetSecurityToken() (*string, error) {
	m, err := b.GetCredential()
	if err != nil {
		return nil, err
	}
	return m.SecurityToken, nil
}

// GetBearerToken implements credentials.Credential; bearer tokens are not
// used by E-HPC.
func (b *BoundedCredential) GetBearerToken() *string { s := ""; return &s }

// GetType implements credentials.Credential.
func (b *BoundedCredential) GetType() *string { return b.inner.GetType() }

// StaticCredential is a fixed access key (with a security token for STS). It
// is meant for tests and the simulator; real deployments use NewCredential.
type StaticCredential struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string
}

// GetCredential implements credentials.Credential.
func (s StaticCredential) GetCredential() (*credentials.CredentialModel, error) {
	if s.AccessKeyID == "" || s.AccessKeySecret == "" {
		return nil, errors.New("static credential has an empty access key id or secret")
	}
	typ := "access_key"
	if s.SecurityToken != "" {
		typ = "sts"
	}
	id, secret, token, name := s.AccessKeyID, s.AccessKeySecret, s.SecurityToken, "static"
	return &credentials.CredentialModel{AccessKeyId: &id, AccessKeySecret: &secret, SecurityToken: &token, Type: &typ, ProviderName: &name}, nil
}

// GetAccessKeyId implements credentials.Credential.
//
// Deprecated: use GetCredential.
func (s StaticCredential) GetAccessKeyId() (*string, error) { v := s.AccessKeyID; return &v, nil }

// GetAccessKeySecret implements credentials.Credential.
//
// Deprecated: use GetCredential.
func (s StaticCredential) GetAccessKeySecret() (*string, error) {
	v := s.AccessKeySecret
	return &v, nil
}

// GetSecurityToken implements credentials.Credential.
//
// Deprecated: use GetCredential.
func (s StaticCredential) GetSecurityToken() (*string, error) { v := s.SecurityToken; return &v, nil }

// GetBearerToken implements credentials.Credential.
func (s StaticCredential) GetBearerToken() *string { v := ""; return &v }

// GetType implements credentials.Credential.
func (s StaticCredential) GetType() *string {
	v := "access_key"
	if s.SecurityToken != "" {
		v = "sts"
	}
	return &v
}

// String hides the secret and the token from %v and %+v.
func (s StaticCredential) String() string {
	return "StaticCredential{AccessKeyID: " + s.AccessKeyID + ", secret and token hidden}"
}

// GoString hides the secret and the token from %#v.
func (s StaticCredential) GoString() string { return s.String() }
