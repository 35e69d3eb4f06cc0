package client

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Transport and client-side error classes, as returned by ErrorCode. API
// errors carry the service's own code instead.
const (
	CodeOK               = "OK"
	CodeTimeout          = "Timeout"
	CodeConnectionError  = "ConnectionError"
	CodeTLSError         = "TLSError"
	CodeCanceled         = "Canceled"
	CodeCredentialError  = "CredentialError"
	CodeDecodeError      = "DecodeError"
	CodeResponseTooLarge = "ResponseTooLarge"
	// CodeRateLimited: the client-side rate limiter could not grant a token
	// before the context's deadline; no request was sent.
	CodeRateLimited = "RateLimited"
	// CodeInvalidRequest: the call's arguments were rejected before sending.
	CodeInvalidRequest = "InvalidRequest"
	// CodeUnknown classifies an error that did not come from this package.
	CodeUnknown = "Unknown"
)

// APIError is an error answer of the service (or a 2xx answer carrying an
// error Code). RetryAfter is the wait the service asked for through
// Retry-After or the x-ratelimit-user(-api) TimeLeft field, 0 when none.
type APIError struct {
	Action     string
	StatusCode int
	Code       string
	Message    string
	RequestID  string
	HostID     string
	Recommend  string
	RetryAfter time.Duration
}

// Error reads like
// "EHPC DescribeServerlessJobs: ClusterNotFound (HTTP 404): The specified
// cluster does not exist. (RequestId 04F0...)".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("EHPC ")
	b.WriteString(e.Action)
	b.WriteString(": ")
	b.WriteString(e.Code)
	if e.StatusCode != 0 {
		b.WriteString(" (HTTP ")
		b.WriteString(strconv.Itoa(e.StatusCode))
		b.WriteByte(')')
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (RequestId ")
		b.WriteString(e.RequestID)
		b.WriteByte(')')
	}
	return b.String()
}

// Error is a failure on the client's side of the wire: credentials,
// transport, decoding, rate limiting. Code is one of the Code* classes.
type Error struct {
	Action  string
	Code    string
	Message string
	// cause is kept only where its text is known to be secret-free (network
	// and context errors), so that errors.Is(err, context.DeadlineExceeded)
	// and friends work.
	cause error
}

func (e *Error) Error() string {
	if e.Action == "" {
		return e.Code + ": " + e.Message
	}
	return "EHPC " + e.Action + ": " + e.Code + ": " + e.Message
}

// Unwrap returns the underlying network or context error, if any.
func (e *Error) Unwrap() error { return e.cause }

// ErrorCode names the outcome of a call for metrics and status pages: "OK"
// for nil, the service's code for an API error ("HTTP<status>" when the
// answer had none), or one of the Code* classes.
func ErrorCode(err error) string {
	if err == nil {
		return CodeOK
	}
	var ae *APIError
	if errors.As(err, &ae) {
		if ae.Code == "" {
			return "HTTP" + strconv.Itoa(ae.StatusCode)
		}
		return ae.Code
	}
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	switch {
	case errors.Is(err, context.Canceled):
		return CodeCanceled
	case errors.Is(err, context.DeadlineExceeded):
		return CodeTimeout
	}
	return CodeUnknown
}

// retryableCodes are failures that a later attempt can get past: throttling,
// server-side and transient backend failures, and transport trouble. Like
// finalCodes, each entry covers its sub-codes too (see codeClass).
var retryableCodes = map[string]bool{
	"Throttling":         true, // Throttling.User, Throttling.Api
	"ServiceUnavailable": true,
	"UnknownError":       true,
	"InternalError":      true,
	"EcsError":           true,
	"DbError":            true,
	"RedisError":         true,
	"AliyunError":        true,
	"AgentError":         true,
	// Every attempt carries a fresh random nonce, so a "nonce used" answer
	// (a replay somewhere on the path, or a freak collision) is cured by
	// simply trying again.
	"SignatureNonceUsed": true,
	CodeTimeout:          true,
	CodeConnectionError:  true,
}

// finalCodes are documented failures no retry can fix, listed so that their
// HTTP status (some arrive as 5xx through proxies) cannot make them
// retryable. The families (Forbidden.RAM, InvalidAccessKeyId.NotFound,
// InvalidSecurityToken.Expired, InvalidTimeStamp.Expired, ...) are listed by
// their base code.
var finalCodes = map[string]bool{
	"InvalidParams":         true,
	"NotEnabled":            true,
	"ClusterNotFound":       true,
	"ManagerNotFound":       true,
	"NotAuthorized":         true,
	"SignatureDoesNotMatch": true,
	"IncompleteSignature":   true,
	"Forbidden":             true,
	"InvalidAccessKeyId":    true,
	"InvalidSecurityToken":  true,
	"InvalidTimeStamp":      true,
	CodeCredentialError:     true,
	CodeDecodeError:         true,
	CodeResponseTooLarge:    true,
	CodeCanceled:            true,
	CodeRateLimited:         true,
	CodeInvalidRequest:      true,
	CodeTLSError:            true,
}

// codeClass says whether code, or the nearest code it is a sub-code of, is
// known retryable or final. The service refines its codes with a dotted
// detail ("AgentError.Timeout", "Throttling.User") that keeps the meaning
// of the code before the dot, so "<Code>.<detail>" inherits the class of
// "<Code>", however deep the detail goes.
func codeClass(code string) (retryable, known bool) {
	for {
		if retryableCodes[code] {
			return true, true
		}
		if finalCodes[code] {
			return false, true
		}
		i := strings.LastIndexByte(code, '.')
		if i <= 0 {
			return false, false
		}
		code = code[:i]
	}
}

// IsRetryable says whether another attempt of the same call may succeed:
// throttling, HTTP 429 and 5xx, transient backend errors (406 EcsError and
// friends, and their sub-codes), timeouts and connection errors. Everything
// else is final, including unknown 4xx codes.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	if retryable, known := codeClass(ErrorCode(err)); known {
		return retryable
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode == 429 || ae.StatusCode >= 500
	}
	return false
}

// retryAfter is the wait the service asked for, 0 when none.
func retryAfter(err error) time.Duration {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.RetryAfter
	}
	return 0
}

func newError(action, code, format string, args ...any) *Error {
	return &Error{Action: action, Code: code, Message: fmt.Sprintf(format, args...)}
}
