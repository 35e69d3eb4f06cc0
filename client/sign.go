package client

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/acssign"
)

// API identity of the serverless-job actions.
const (
	Product    = "EHPC"
	APIVersion = "2018-04-12"
)

// signingKey is what one attempt signs with.
type signingKey struct {
	id, secret, token string
}

// signV3 sets the V3 headers and Authorization on req, whose URL (query
// included) is final and whose body is empty. The date and nonce are fresh
// on every call, so every attempt is a new signature.
func signV3(req *http.Request, action string, key signingKey, now time.Time) error {
	nonce, err := newNonce()
	if err != nil {
		return err
	}
	headers := map[string]string{
		"host":                  req.URL.Host,
		"x-acs-action":          action,
		"x-acs-version":         APIVersion,
		"x-acs-date":            now.UTC().Format("2006-01-02T15:04:05Z"),
		"x-acs-signature-nonce": nonce,
		"x-acs-content-sha256":  acssign.EmptyBodyHash,
	}
	if key.token != "" {
		headers["x-acs-security-token"] = key.token
		headers["x-acs-accesskey-id"] = key.id
	}
	signed := acssign.SignedHeaderNames(headers)
	query, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		return err
	}
	canonical := acssign.CanonicalRequestV3(req.Method, req.URL.EscapedPath(), query, headers, signed, acssign.EmptyBodyHash)
	sig := acssign.SignatureV3(key.secret, acssign.StringToSignV3(canonical))
	for k, v := range headers {
		if k == "host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	req.Header.Set("Authorization", acssign.AuthorizationV3(key.id, signed, sig))
	return nil
}

// newNonce is 128 random bits in hex: unique per attempt, so the service's
// replay check never trips on a retry.
func newNonce() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}
