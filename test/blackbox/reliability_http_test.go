package blackbox

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

const (
	relHTTPCluster = "ehpc-hz-http0001"
	relHTTPKeyID   = "LTAIhttptest"
	relHTTPSecret  = "http-test-key-2a7c"
)

// relHTTPSim serves jobs running for good. Big names make /metrics big (tens
// of MB), so that a scraper that stops reading holds its request in the
// handler: socket buffers cannot take the whole answer.
func relHTTPSim(t *testing.T, jobs int, nameBytes int) *relSim {
	t.Helper()
	var js []simulator.Job
	for i := 1; i <= jobs; i++ {
		js = append(js, simulator.Job{ID: strconv.Itoa(i), Name: fmt.Sprintf("j%d-%s", i, strings.Repeat("n", nameBytes))})
	}
	return relStartSim(t, simulator.Options{
		Scenario: &simulator.Scenario{Clusters: []simulator.Cluster{relRunning(relHTTPCluster, js...)}},
		Keys:     map[string]simulator.Key{relHTTPKeyID: {Secret: relHTTPSecret}},
	})
}

func relHTTPExporter(t *testing.T, sim *relSim, ids int, args ...string) *relExporter {
	t.Helper()
	var jobIDs []string
	for i := 1; i <= ids; i++ {
		jobIDs = append(jobIDs, strconv.Itoa(i))
	}
	cfg := writeFile(t, "config.yml", relConfig(relCluster(relHTTPCluster, sim.addr, jobIDs...),
		"polling:\n  interval: 1h\napi:\n  requests_per_second: 100\n  burst: 100\n  max_response_bytes: 64MiB\n"))
	return relStart(t, cfg, relKeyEnv(relHTTPKeyID, relHTTPSecret, ""), args...)
}

// The exporter-toolkit web config: TLS with a certificate made here and basic
// auth with a bcrypt hash. Every page wants the password; plain HTTP and an
// untrusted certificate are refused.
func TestReliabilityTLSAndBasicAuth(t *testing.T) {
	t.Parallel()
	certPEM, keyPEM := relSelfSigned(t)
	certFile := writeFile(t, "cert.pem", string(certPEM))
	keyFile := writeFile(t, "key.pem", string(keyPEM))
	const user, password = "prometheus", "rel-scrape-pass-5e2d"
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webCfg := writeFile(t, "web.yml", fmt.Sprintf(`tls_server_config:
  cert_file: %s
  key_file: %s
basic_auth_users:
  %s: %s
`, certFile, keyFile, user, hash))

	sim := relHTTPSim(t, 1, 0)
	e := relHTTPExporter(t, sim, 1, "--web.config.file="+webCfg)

	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(certPEM) {
		t.Fatal("cannot use the generated certificate")
	}
	trusting := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	base := "https://" + e.addr
	get := func(c *http.Client, url, user, pass string) (int, string, error) {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			return 0, "", err
		}
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := c.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), err
	}
	waitFor(t, "the exporter to be ready over TLS", 30*time.Second, func() bool {
		code, _, _ := get(trusting, base+"/-/ready", user, password)
		return code == http.StatusOK
	})

	code, body, err := get(trusting, base+"/metrics", user, password)
	if err != nil || code != http.StatusOK || !strings.Contains(body, `ehpc_serverless_job_state{cluster_id="`+relHTTPCluster+`",job_id="1",state="Running"} 1`) {
		t.Fatalf("GET /metrics with the password: %d %v", code, err)
	}
	for _, page := range []string{"/metrics", "/status", "/", "/-/healthy", "/-/ready"} {
		for _, cred := range [][2]string{{"", ""}, {user, "wrong"}, {"intruder", password}} {
			code, _, err := get(trusting, base+page, cred[0], cred[1])
			if err != nil || code != http.StatusUnauthorized {
				t.Errorf("GET %s as %q/%q: %d %v, want 401", page, cred[0], cred[1], code, err)
			}
		}
	}
	if code, _, err := get(trusting, base+"/-/reload", user, "wrong"); err != nil || code != http.StatusUnauthorized {
		t.Errorf("/-/reload without the password: %d %v, want 401", code, err)
	}
	if code, _, err := get(http.DefaultClient, "http://"+e.addr+"/metrics", user, password); err != nil || code != http.StatusBadRequest {
		t.Errorf("plain HTTP to the TLS port: %d %v, want 400", code, err)
	}
	untrusting := &http.Client{Timeout: 10 * time.Second}
	_, _, err = get(untrusting, base+"/metrics", user, password)
	var unknownCA x509.UnknownAuthorityError
	if !errors.As(err, &unknownCA) {
		t.Errorf("a client that does not trust the certificate: %v, want an unknown-authority error", err)
	}
	if strings.Contains(e.logs.String(), password) || strings.Contains(e.logs.String(), string(hash)) {
		t.Errorf("the log shows the password or its hash")
	}
}

// relSelfSigned makes a certificate for 127.0.0.1 that signs itself.
func relSelfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ehpc exporter test"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})
}

// relStalled is a scrape whose answer has begun (status 200) but that reads
// no further, so its handler stays in flight once the socket buffers are
// full. The receive buffer is fixed before connecting: left alone, loopback
// buffers can grow to tens of MB and take the whole answer.
type relStalled struct {
	conn net.Conn
	r    *bufio.Reader // holds the peeked status line
}

func relStall(t *testing.T, addr string) *relStalled {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 256<<10)
		})
		return errors.Join(err, serr)
	}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	if _, err := io.WriteString(conn, "GET /metrics HTTP/1.1\r\nHost: "+addr+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReaderSize(conn, 64)
	const ok = "HTTP/1.1 200"
	head, err := r.Peek(len(ok))
	if err != nil || string(head) != ok {
		t.Fatalf("stalled scrape: answer starts %q (%v), want %q", head, err, ok)
	}
	_ = conn.SetReadDeadline(time.Time{})
	return &relStalled{conn: conn, r: r}
}

// relWantBusy: a scrape now is turned away with 503, saying why.
func relWantBusy(t *testing.T, e *relExporter) {
	t.Helper()
	code, body := e.get("/metrics")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "Too many concurrent scrapes") {
		t.Fatalf("scrape while all places are taken: %d %q, want 503 saying why", code, body)
	}
}

// --web.max-requests=2: two scrapes that do not read hold both places, a
// third is answered 503 at once, and a place frees when a scraper goes.
func TestReliabilityMaxRequestsBoundsConcurrentScrapes(t *testing.T) {
	t.Parallel()
	sim := relHTTPSim(t, 8, 1<<20)
	e := relHTTPExporter(t, sim, 8, "--web.max-requests=2")
	e.waitReady()

	first := relStall(t, e.addr)
	relStall(t, e.addr)
	relWantBusy(t, e)
	// Only scrapes are limited: the other pages still answer.
	if code, _ := e.get("/-/healthy"); code != http.StatusOK {
		t.Errorf("/-/healthy while scrapes are stuck: %d", code)
	}
	_ = first.conn.Close()
	waitFor(t, "a place to free up", 30*time.Second, func() bool {
		code, _, _ := httpGet(e.base + "/metrics")
		return code == http.StatusOK
	})
}

// SIGTERM while a scrape is in flight: the listener closes at once, the
// scrape is completed to its last byte, and the process exits 0.
func TestReliabilityGracefulShutdownCompletesInFlightScrape(t *testing.T) {
	t.Parallel()
	sim := relHTTPSim(t, 8, 1<<20)
	e := relHTTPExporter(t, sim, 8, "--web.max-requests=1", "--web.shutdown-timeout=20s")
	e.waitReady()

	stalled := relStall(t, e.addr)
	relWantBusy(t, e)
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	if err := e.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the listener to close", 20*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", e.addr, time.Second)
		if err == nil {
			_ = c.Close()
		}
		return err != nil
	})
	select {
	case <-e.exited:
		t.Fatalf("the exporter exited before finishing the scrape in flight")
	default:
	}

	_ = stalled.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(stalled.r, nil)
	if err != nil {
		t.Fatalf("reading the in-flight answer: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("the in-flight answer was cut after %d bytes: %v", len(body), err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasSuffix(string(body), "\n") ||
		!strings.Contains(string(body), "ehpc_serverless_exporter_build_info{") ||
		!strings.Contains(string(body), `job_id="8"`) {
		t.Fatalf("the in-flight answer is incomplete: status %d, %d bytes", resp.StatusCode, len(body))
	}
	if code := e.waitExit(20 * time.Second); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if log := e.logs.String(); !strings.Contains(log, "msg=stopped") || strings.Contains(log, "did not finish in time") {
		t.Errorf("unexpected shutdown log:\n%s", log)
	}
}

// A scraper that never reads does not hold the exporter up beyond
// --web.shutdown-timeout: it exits 0 and says the scrape was cut.
func TestReliabilityShutdownTimeoutBoundsStuckScrapes(t *testing.T) {
	t.Parallel()
	sim := relHTTPSim(t, 8, 1<<20)
	e := relHTTPExporter(t, sim, 8, "--web.max-requests=1", "--web.shutdown-timeout=1s")
	e.waitReady()
	relStall(t, e.addr)
	relWantBusy(t, e)
	if err := e.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := e.waitExit(20 * time.Second); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if log := e.logs.String(); !strings.Contains(log, "in-flight requests did not finish in time") {
		t.Errorf("the log does not say a scrape was cut:\n%s", log)
	}
}

// A client that sends half a request header is disconnected by the server's
// header timeout instead of holding a connection for ever.
func TestReliabilityServerDropsSlowHeaders(t *testing.T) {
	t.Parallel()
	sim := relHTTPSim(t, 1, 0)
	e := relHTTPExporter(t, sim, 1)
	e.waitReady()
	conn, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /metrics HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	_, err = io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept a connection with an unfinished header open for a minute")
	}
}
