package client

import (
	"net"
	"net/http"
	"time"
)

// newHTTPClient is the tuned default: keep-alive connections, an idle pool
// sized to the expected concurrency, and bounds on every phase so that a
// stuck peer costs at most the attempt timeout. The per-attempt deadline
// itself comes from the request's context.
func newHTTPClient(concurrency int, attemptTimeout time.Duration) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment,
			DialContext: (&net.Dialer{
				Timeout:   minDuration(5*time.Second, attemptTimeout),
				KeepAlive: 30 * time.Second,
			}).DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          concurrency * 2,
			MaxIdleConnsPerHost:   concurrency,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   minDuration(10*time.Second, attemptTimeout),
			ResponseHeaderTimeout: attemptTimeout,
			ExpectContinueTimeout: time.Second,
		},
		// The API never redirects; following one would re-send signed
		// headers to wherever it points.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func minDuration(a, b time.Duration) time.Duration {
	if a < b {
		return a
	}
	return b
}
