package simulator

import (
	"net/http"
	"strings"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/acssign"
)

// timeLayout is the form of x-acs-date and of the V2 Timestamp.
const timeLayout = "2006-01-02T15:04:05Z"

// v3Required are the headers a V3 request must send and sign.
var v3Required = []string{"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"}

// v2Required are the V2 parameters without which a request is refused.
var v2Required = []string{"AccessKeyId", "Signature", "SignatureMethod", "SignatureVersion", "Timestamp", "SignatureNonce", "Version", "Action"}

// caller is an authenticated request: who sent it and what it asks for.
type caller struct {
	accessKeyID     string
	key             Key
	action, version string
}

// authenticate checks the request's signature the way the gateway does. The
// checks that need the secret come before the nonce is recorded, so a forged
// request cannot burn a legitimate caller's nonce.
func (s *Simulator) authenticate(q *request) (*caller, *apiError) {
	authz := q.r.Header.Get("Authorization")
	switch {
	case strings.HasPrefix(authz, acssign.AlgorithmV3):
		return s.authV3(q, authz)
	case q.params.Has("Signature"):
		return s.authV2(q)
	default:
		return nil, errCode("IncompleteSignature")
	}
}

func (s *Simulator) authV3(q *request, authz string) (*caller, *apiError) {
	r := q.r
	akID, signed, signature, ok := acssign.ParseAuthorizationV3(authz)
	if !ok {
		return nil, errCode("IncompleteSignature")
	}
	headers := make(map[string]string, len(signed))
	signedSet := make(map[string]bool, len(signed))
	for _, name := range signed {
		if name != strings.ToLower(name) || name == "" {
			return nil, errCode("IncompleteSignature")
		}
		v := r.Header.Get(name)
		if name == "host" {
			v = r.Host
		}
		if v == "" {
			return nil, errCode("IncompleteSignature")
		}
		headers[name] = v
		signedSet[name] = true
	}
	for _, name := range v3Required {
		if !signedSet[name] {
			return nil, errCode("IncompleteSignature")
		}
	}
	// An unsigned x-acs-* header could be swapped in transit (a security
	// token, say): refuse it.
	for name := range r.Header {
		if ln := strings.ToLower(name); strings.HasPrefix(ln, "x-acs-") && !signedSet[ln] {
			return nil, errCode("IncompleteSignature")
		}
	}
	key, ok := s.keys[akID]
	if !ok {
		return nil, errCode("InvalidAccessKeyId.NotFound")
	}
	if id := r.Header.Get("x-acs-accesskey-id"); id != "" && id != akID {
		return nil, errCode("IncompleteSignature")
	}
	if e := s.checkTime(headers["x-acs-date"]); e != nil {
		return nil, e
	}
	if !acssign.Equal(headers["x-acs-content-sha256"], acssign.HashHex(q.body)) {
		return nil, errCode("SignatureDoesNotMatch")
	}
	path := r.URL.EscapedPath()
	cr := acssign.CanonicalRequestV3(r.Method, path, q.query, headers, signed, headers["x-acs-content-sha256"])
	if !acssign.Equal(signature, acssign.SignatureV3(key.Secret, acssign.StringToSignV3(cr))) {
		return nil, errCode("SignatureDoesNotMatch")
	}
	if e := s.checkToken(key, r.Header.Get("x-acs-security-token")); e != nil {
		return nil, e
	}
	if !s.nonces.use("v3\x00"+akID+"\x00"+headers["x-acs-signature-nonce"], s.wall()) {
		return nil, errCode("SignatureNonceUsed")
	}
	return &caller{accessKeyID: akID, key: key, action: headers["x-acs-action"], version: headers["x-acs-version"]}, nil
}

func (s *Simulator) authV2(q *request) (*caller, *apiError) {
	for _, name := range v2Required {
		if q.param(name) == "" {
			return nil, &apiError{status: 400, code: "Missing" + name, message: name + " is mandatory for this action."}
		}
	}
	if q.param("SignatureMethod") != "HMAC-SHA1" || q.param("SignatureVersion") != "1.0" {
		return nil, errCode("IncompleteSignature")
	}
	if f := q.param("Format"); f != "" && !strings.EqualFold(f, "JSON") && !strings.EqualFold(f, "XML") {
		return nil, invalidParam("Format")
	}
	akID := q.param("AccessKeyId")
	key, ok := s.keys[akID]
	if !ok {
		return nil, errCode("InvalidAccessKeyId.NotFound")
	}
	if e := s.checkTime(q.param("Timestamp")); e != nil {
		return nil, e
	}
	want := acssign.SignatureV2(key.Secret, acssign.StringToSignV2(q.r.Method, q.params))
	if !acssign.Equal(q.params.Get("Signature"), want) {
		return nil, errCode("SignatureDoesNotMatch")
	}
	if e := s.checkToken(key, q.param("SecurityToken")); e != nil {
		return nil, e
	}
	if !s.nonces.use("v2\x00"+akID+"\x00"+q.param("SignatureNonce"), s.wall()) {
		return nil, errCode("SignatureNonceUsed")
	}
	return &caller{accessKeyID: akID, key: key, action: q.param("Action"), version: q.param("Version")}, nil
}

// checkTime refuses a request time more than MaxSkew away from the wall clock.
func (s *Simulator) checkTime(v string) *apiError {
	ts, err := time.Parse(timeLayout, v)
	if err != nil {
		return errCode("InvalidTimeStamp.Format")
	}
	skew := s.wall().Sub(ts)
	if skew < 0 {
		skew = -skew
	}
	if skew > s.maxSkew {
		return errCode("InvalidTimeStamp.Expired")
	}
	return nil
}

// checkToken: an STS key needs its own token, unexpired; a plain key takes
// none.
func (s *Simulator) checkToken(key Key, token string) *apiError {
	if key.SecurityToken == "" {
		if token != "" {
			return errCode("InvalidSecurityToken.Mismatch")
		}
		return nil
	}
	if token == "" || !acssign.Equal(token, key.SecurityToken) {
		return errCode("InvalidSecurityToken.Mismatch")
	}
	if !key.Expires.IsZero() && !s.wall().Before(key.Expires) {
		return errCode("InvalidSecurityToken.Expired")
	}
	return nil
}

// allowed reports whether the caller's key may act on the cluster.
func (c *caller) allowed(clusterID string) bool {
	if len(c.key.Clusters) == 0 {
		return true
	}
	for _, id := range c.key.Clusters {
		if id == clusterID {
			return true
		}
	}
	return false
}

// hostOf is the HostId of answers: the endpoint host the caller used.
func hostOf(r *http.Request) string {
	if h := r.Host; h != "" {
		return h
	}
	return "ehpc." + defaultRegion + ".aliyuncs.com"
}
