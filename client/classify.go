package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// transportError classifies a failure to get an answer. parent is the
// caller's context, attempt the per-attempt one derived from it.
func transportError(action string, parent, attempt context.Context, timeout time.Duration, err error) *Error {
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		// The URL holds nothing secret, but it is noise; the cause says it all.
		inner = ue.Err
	}
	var ne net.Error
	switch {
	case errors.Is(parent.Err(), context.Canceled):
		return &Error{Action: action, Code: CodeCanceled, Message: "call cancelled", cause: context.Canceled}
	case errors.Is(parent.Err(), context.DeadlineExceeded):
		return &Error{Action: action, Code: CodeTimeout, Message: "the call's deadline passed before an answer came", cause: context.DeadlineExceeded}
	case errors.Is(attempt.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		return &Error{Action: action, Code: CodeTimeout, Message: "no answer within the " + timeout.String() + " attempt timeout", cause: context.DeadlineExceeded}
	case errors.As(err, &ne) && ne.Timeout():
		return &Error{Action: action, Code: CodeTimeout, Message: oneLine(inner.Error()), cause: err}
	case isTLSError(err):
		return &Error{Action: action, Code: CodeTLSError, Message: oneLine(inner.Error()), cause: err}
	}
	return &Error{Action: action, Code: CodeConnectionError, Message: oneLine(inner.Error()), cause: err}
}

func isTLSError(err error) bool {
	var (
		unknownCA *x509.UnknownAuthorityError
		invalid   x509.CertificateInvalidError
		host      x509.HostnameError
		verify    *tls.CertificateVerificationError
		record    tls.RecordHeaderError
	)
	return errors.As(err, &unknownCA) || errors.As(err, &invalid) || errors.As(err, &host) ||
		errors.As(err, &verify) || errors.As(err, &record)
}

// limiterError: the limiter's own message ("would exceed context deadline")
// is clear enough but not a class; map it onto one.
func limiterError(action string, ctx context.Context, err error) *Error {
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return &Error{Action: action, Code: CodeCanceled, Message: "cancelled while waiting for the client-side rate limit", cause: context.Canceled}
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &Error{Action: action, Code: CodeTimeout, Message: "the call's deadline passed while waiting for the client-side rate limit", cause: context.DeadlineExceeded}
	}
	return &Error{Action: action, Code: CodeRateLimited, Message: "client-side rate limit: " + oneLine(err.Error())}
}

func oneLine(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r", " "), "\n", " ")
	return clip(s, 300)
}

// redact removes the attempt's secret and token from an error's text, in
// case a peer echoed them back; nothing this package returns may hold them.
func redact(err error, key signingKey) error {
	if err == nil {
		return nil
	}
	var secrets []string
	for _, s := range []string{key.secret, key.token} {
		if len(s) >= 4 {
			secrets = append(secrets, s)
		}
	}
	if len(secrets) == 0 {
		return err
	}
	scrub := func(s string) string {
		for _, sec := range secrets {
			s = strings.ReplaceAll(s, sec, "[REDACTED]")
		}
		return s
	}
	var ae *APIError
	if errors.As(err, &ae) {
		cp := *ae
		cp.Message, cp.RequestID, cp.HostID, cp.Recommend = scrub(cp.Message), scrub(cp.RequestID), scrub(cp.HostID), scrub(cp.Recommend)
		if scrub(cp.Code) != cp.Code {
			cp.Code = "HTTP" + strconv.Itoa(cp.StatusCode)
		}
		return &cp
	}
	var ce *Error
	if errors.As(err, &ce) {
		cp := *ce
		cp.Message = scrub(cp.Message)
		if cp.cause != nil && scrub(cp.cause.Error()) != cp.cause.Error() {
			cp.cause = nil
		}
		return &cp
	}
	if scrub(err.Error()) != err.Error() {
		return errors.New(scrub(err.Error()))
	}
	return err
}
