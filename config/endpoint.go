package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// checkEndpoint explains what is wrong with an endpoint override, or returns
// "". An endpoint is scheme and host[:port] only, so the common slips of the
// hand (htp://, http//host, http:/host, a stray space) get a direct answer
// instead of surfacing later as a DNS or connection error.
func checkEndpoint(raw string) string {
	shown := quoteValue(raw)
	if strings.Contains(raw, "@") || looksLikeSecret(raw) {
		// Never echo what may be user:password@host or ?token=...
		shown = "the endpoint"
	}
	if strings.IndexFunc(raw, unicode.IsSpace) >= 0 {
		return shown + " contains white space"
	}
	lower := strings.ToLower(raw)
	for _, s := range []string{"http", "https"} {
		if strings.HasPrefix(lower, s+"//") || strings.HasPrefix(lower, s+":/") && !strings.HasPrefix(lower, s+"://") {
			return fmt.Sprintf("%s is missing \"://\" after %s (want e.g. %s://127.0.0.1:9947)", shown, s, s)
		}
	}
	if !strings.Contains(raw, "://") {
		return fmt.Sprintf("%s must be an absolute URL starting with http:// or https:// (e.g. http://127.0.0.1:9947)", shown)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Sprintf("%s is not a valid URL (want http://host[:port] or https://host[:port])", shown)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "":
		return fmt.Sprintf("%s must be an absolute URL starting with http:// or https:// (e.g. http://127.0.0.1:9947)", shown)
	default:
		hint := ""
		if s := closest(strings.ToLower(u.Scheme), []string{"http", "https"}); s != "" {
			hint = fmt.Sprintf(" (did you mean %s://?)", s)
		}
		return fmt.Sprintf("%s has scheme %q; only http and https are accepted%s", shown, u.Scheme, hint)
	}
	if u.User != nil {
		return "the endpoint must not contain user information (user:password@); credentials come from the credential chain"
	}
	if u.Opaque != "" || u.Host == "" {
		return fmt.Sprintf("%s has no host (want %s://host[:port])", shown, strings.ToLower(u.Scheme))
	}
	if u.Hostname() == "" {
		return fmt.Sprintf("%s has no host name", shown)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("%s has port %s, want 1-65535", shown, p)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return fmt.Sprintf("%s has an empty port", shown)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Sprintf("%s must be scheme and host[:port] only, without path, query or fragment", shown)
	}
	return ""
}

// redactURL masks the user information of a URL, for output.
func redactURL(raw string) string {
	if !strings.Contains(raw, "@") {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return "<redacted>"
	}
	u.User = url.User("xxxxx")
	return u.String()
}
