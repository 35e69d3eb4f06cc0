// Package acssign computes Alibaba Cloud API request signatures: V3
// (ACS3-HMAC-SHA256, what the exporter sends) and the legacy V2 RPC form
// (HMAC-SHA1, still accepted by the service, so the simulator verifies it too).
//
// Signing and verifying share this one implementation; the published worked
// example in the tests is what keeps it honest against the real service.
package acssign

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"
)

// AlgorithmV3 is the V3 signature algorithm name sent in Authorization.
const AlgorithmV3 = "ACS3-HMAC-SHA256"

// EmptyBodyHash is the hex SHA-256 of an empty body, sent as
// x-acs-content-sha256 for RPC calls whose parameters travel in the query.
const EmptyBodyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// PercentEncode encodes s per RFC 3986: unreserved characters
// (A-Z a-z 0-9 - _ . ~) are kept, every other byte becomes %XX in upper case.
func PercentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') ||
			c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0xF])
	}
	return b.String()
}

// CanonicalQuery sorts the parameters by name and joins the percent-encoded
// name=value pairs with '&'. A name with several values keeps them in order.
func CanonicalQuery(q url.Values) string {
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	sort.Strings(names)
	var parts []string
	for _, k := range names {
		for _, v := range q[k] {
			parts = append(parts, PercentEncode(k)+"="+PercentEncode(v))
		}
	}
	return strings.Join(parts, "&")
}

// SignedHeaderNames returns, sorted, the lower-cased names of the headers that
// V3 signs: host, content-type and every x-acs-* header.
func SignedHeaderNames(headers map[string]string) []string {
	var names []string
	for k := range headers {
		lk := strings.ToLower(k)
		if lk == "host" || lk == "content-type" || strings.HasPrefix(lk, "x-acs-") {
			names = append(names, lk)
		}
	}
	sort.Strings(names)
	return names
}

// CanonicalRequestV3 builds the V3 canonical request. headers maps header
// names (any case) to values; only the names listed in signed are used, in the
// order given (they must already be sorted and lower-case).
func CanonicalRequestV3(method, path string, query url.Values, headers map[string]string, signed []string, bodyHash string) string {
	lower := make(map[string]string, len(headers))
	for k, v := range headers {
		lower[strings.ToLower(k)] = v
	}
	if path == "" {
		path = "/"
	}
	var b strings.Builder
	b.WriteString(method)
	b.WriteByte('\n')
	b.WriteString(path)
	b.WriteByte('\n')
	b.WriteString(CanonicalQuery(query))
	b.WriteByte('\n')
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(strings.TrimSpace(lower[name]))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	b.WriteString(bodyHash)
	return b.String()
}

// StringToSignV3 is the algorithm name and the hex SHA-256 of the canonical
// request, separated by a newline.
func StringToSignV3(canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return AlgorithmV3 + "\n" + hex.EncodeToString(sum[:])
}

// SignatureV3 is hex(HMAC-SHA256(secret, stringToSign)).
func SignatureV3(secret, stringToSign string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(stringToSign))
	return hex.EncodeToString(m.Sum(nil))
}

// AuthorizationV3 is the value of the Authorization header.
func AuthorizationV3(accessKeyID string, signed []string, signature string) string {
	return AlgorithmV3 + " Credential=" + accessKeyID + ",SignedHeaders=" + strings.Join(signed, ";") + ",Signature=" + signature
}

// ParseAuthorizationV3 splits an Authorization header into its parts. ok is
// false when the header is not a well-formed V3 authorization.
func ParseAuthorizationV3(h string) (accessKeyID string, signed []string, signature string, ok bool) {
	rest, found := strings.CutPrefix(h, AlgorithmV3+" ")
	if !found {
		return "", nil, "", false
	}
	for _, part := range strings.Split(rest, ",") {
		k, v, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found {
			return "", nil, "", false
		}
		switch k {
		case "Credential":
			accessKeyID = v
		case "SignedHeaders":
			if v != "" {
				signed = strings.Split(v, ";")
			}
		case "Signature":
			signature = v
		}
	}
	ok = accessKeyID != "" && len(signed) > 0 && signature != ""
	return accessKeyID, signed, signature, ok
}

// HashHex is the hex SHA-256 of a body.
func HashHex(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// StringToSignV2 is the legacy RPC string to sign: METHOD&%2F&encoded(query),
// where query is the canonical query without the Signature parameter.
func StringToSignV2(method string, query url.Values) string {
	q := make(url.Values, len(query))
	for k, v := range query {
		if k != "Signature" {
			q[k] = v
		}
	}
	return method + "&" + PercentEncode("/") + "&" + PercentEncode(CanonicalQuery(q))
}

// SignatureV2 is base64(HMAC-SHA1(secret + "&", stringToSign)).
func SignatureV2(secret, stringToSign string) string {
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Equal compares two signatures in constant time.
func Equal(a, b string) bool {
	return hmac.Equal([]byte(a), []byte(b))
}
