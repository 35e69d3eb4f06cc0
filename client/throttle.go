package client

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Back-off bounds: the first retry waits up to backoffBase, each further one
// doubles the bound, never beyond backoffCap.
const (
	backoffBase = 200 * time.Millisecond
	backoffCap  = 10 * time.Second
)

// backoffBound is the upper end of the full-jitter wait before retry n
// (n = 1 for the first retry).
func backoffBound(n int) time.Duration {
	d := backoffBase
	for i := 1; i < n; i++ {
		d *= 2
		if d >= backoffCap {
			return backoffCap
		}
	}
	return d
}

// fullJitter picks a wait uniformly in [0, max].
func fullJitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	return rand.N(max + 1)
}

// throttleWait reads how long the service asks the caller to hold off: the
// TimeLeft field (milliseconds) of x-ratelimit-user-api or x-ratelimit-user,
// and Retry-After (seconds or an HTTP date). The longest wins; 0 when none.
func throttleWait(h http.Header, now time.Time) time.Duration {
	var wait time.Duration
	for _, name := range []string{"X-Ratelimit-User-Api", "X-Ratelimit-User"} {
		for _, v := range h.Values(name) {
			if d, ok := timeLeft(v); ok && d > wait {
				wait = d
			}
		}
	}
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
			if secs > 0 && secs < int64(24*time.Hour/time.Second) {
				if d := time.Duration(secs) * time.Second; d > wait {
					wait = d
				}
			}
		} else if t, err := http.ParseTime(v); err == nil {
			if d := t.Sub(now); d > wait && d < 24*time.Hour {
				wait = d
			}
		}
	}
	return wait
}

// timeLeft finds "TimeLeft:<ms>" (or "TimeLeft=<ms>") among comma or
// semicolon separated fields, name matched case-insensitively.
func timeLeft(v string) (time.Duration, bool) {
	fields := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' })
	for _, f := range fields {
		k, val, ok := strings.Cut(f, ":")
		if !ok {
			k, val, ok = strings.Cut(f, "=")
		}
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "TimeLeft") {
			continue
		}
		ms, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64)
		if err != nil || ms <= 0 || ms > int64(24*time.Hour/time.Millisecond) {
			continue
		}
		return time.Duration(ms) * time.Millisecond, true
	}
	return 0, false
}

// CallBound is the longest a call can take with the given attempt timeout
// and retries, waits between attempts included (a Retry-After longer than
// the back-off is not foreseen). A caller bounding whole calls uses it so
// that its bound never cuts a retry short.
func CallBound(timeout time.Duration, maxRetries int) time.Duration {
	d := time.Duration(maxRetries+1) * timeout
	for n := 1; n <= maxRetries; n++ {
		d += backoffBound(n)
	}
	return d
}
