package proctest

import (
	"net"
	"net/http"
	"time"
)

// FreeAddr is a loopback address that was free a moment ago, for a child
// process to listen on. Another process may take it in between; on a test
// machine that is rare enough to accept.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Serve serves h on a free loopback port and returns its address and a stop
// function, which closes the server and waits for it to end.
func Serve(h http.Handler) (addr string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	// Serve only returns once Close is called (or the listener breaks, which
	// the caller's requests then report).
	go func() { defer close(done); _ = srv.Serve(ln) }()
	return ln.Addr().String(), func() { _ = srv.Close(); <-done }, nil
}
