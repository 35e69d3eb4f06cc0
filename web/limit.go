package web

import "net/http"

// LimitConcurrency serves at most max requests at once and answers 503 to
// the rest, so a pile of slow or stuck scrapers cannot exhaust memory. A max
// of 0 or less means no limit.
func LimitConcurrency(h http.Handler, max int) http.Handler {
	if max <= 0 {
		return h
	}
	slots := make(chan struct{}, max)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
			h.ServeHTTP(w, r)
		default:
			http.Error(w, "Too many concurrent scrapes; try again later.", http.StatusServiceUnavailable)
		}
	})
}
