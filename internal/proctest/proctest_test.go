package proctest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The child the tests run: "term" exits 3 on SIGTERM, "stubborn" ignores it.
// Both say "ready" on stdout and stderr once their signal handling is set.
const childSource = `package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	fmt.Println("out: ready")
	fmt.Fprintln(os.Stderr, "err: ready")
	if os.Args[1] == "stubborn" {
		for range c {
		}
	}
	<-c
	os.Exit(3)
}
`

func writeModule(t *testing.T, main string) string {
	t.Helper()
	root := t.TempDir()
	if err := writeModuleTo(root, main); err != nil {
		t.Fatal(err)
	}
	return root
}

func writeModuleTo(root, main string) error {
	for name, body := range map[string]string{"go.mod": "module child\n\ngo 1.22\n", "main.go": main} {
		if err := os.WriteFile(filepath.Join(root, name), []byte(body), 0o600); err != nil {
			return err
		}
	}
	return nil
}

var (
	childOnce sync.Once
	childBin  string
	childErr  error
	childDir  string
)

func child(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a child program")
	}
	childOnce.Do(func() {
		if childDir, childErr = os.MkdirTemp("", "proctest-"); childErr != nil {
			return
		}
		root := filepath.Join(childDir, "src")
		if childErr = os.Mkdir(root, 0o700); childErr != nil {
			return
		}
		if childErr = writeModuleTo(root, childSource); childErr != nil {
			return
		}
		childBin, childErr = BuildExporter(context.Background(), root, childDir)
	})
	if childErr != nil {
		t.Fatal(childErr)
	}
	return childBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if childDir != "" {
		os.RemoveAll(childDir)
	}
	os.Exit(code)
}

func TestBuildExporterFailureCarriesCompilerOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	root := writeModule(t, "package main\n\nfunc main() { undefinedThing() }\n")
	bin, err := BuildExporter(context.Background(), root, t.TempDir())
	if err == nil {
		t.Fatalf("built %s from a broken package", bin)
	}
	for _, want := range []string{"go build in " + root, "undefined: undefinedThing"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestModuleRootFindsThisModule(t *testing.T) {
	root, err := ModuleRoot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "internal", "proctest", "doc.go")); err != nil {
		t.Fatalf("module root %s does not hold this package: %v", root, err)
	}
}

// waitOutput waits until the child's output holds want, or fails if it
// exits or the deadline passes first.
func waitOutput(t *testing.T, p *Process, want string) {
	t.Helper()
	Eventually(t, 20*time.Second, 10*time.Millisecond, fmt.Sprintf("%q in the output", want), func() (bool, string) {
		if out := p.Output().String(); strings.Contains(out, want) {
			return true, ""
		}
		if p.Exited() {
			t.Fatalf("the child exited (%v) before saying %q:\n%s", p.Err(), want, p.Output())
		}
		return false, p.Output().String()
	})
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("want an exit error, got %v", err)
	}
	return ee.ExitCode()
}

func TestStopSendsSIGTERM(t *testing.T) {
	p, err := Start(exec.Command(child(t), "term"), 1<<10)
	if err != nil {
		t.Fatal(err)
	}
	waitOutput(t, p, "err: ready")
	waitOutput(t, p, "out: ready")
	if p.Exited() || p.Err() != nil {
		t.Fatalf("exited early: %v", p.Err())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait with an ended context: %v", err)
	}
	// A grace the child cannot miss: it exits on SIGTERM with code 3.
	if code := exitCode(t, p.Stop(time.Hour)); code != 3 {
		t.Fatalf("exit code %d, want 3 (the child's answer to SIGTERM)", code)
	}
	if !p.Exited() || exitCode(t, p.Wait(context.Background())) != 3 || exitCode(t, p.Stop(time.Hour)) != 3 {
		t.Fatalf("a stopped process does not keep its end: %v", p.Err())
	}
}

func TestStopKillsAChildThatIgnoresSIGTERM(t *testing.T) {
	p, err := Start(exec.Command(child(t), "stubborn"), 1<<10)
	if err != nil {
		t.Fatal(err)
	}
	waitOutput(t, p, "out: ready")
	err = p.Stop(50 * time.Millisecond)
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("want an exit error, got %v", err)
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the child was not killed: %v", err)
	}
}

func TestStartReportsAMissingBinary(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	if _, err := Start(exec.Command(missing), 1<<10); err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("want an error naming %s, got %v", missing, err)
	}
}

func TestTailBufferKeepsTheLastBytes(t *testing.T) {
	b := NewTailBuffer(10)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				fmt.Fprintf(b, "%d", j%10)
				_ = b.String()
			}
		}()
	}
	wg.Wait()
	if got := len(b.String()); got != 10 {
		t.Fatalf("kept %d bytes, want 10", got)
	}
	b = NewTailBuffer(12)
	io.WriteString(b, "one\ntwo\nthree\nfour\n")
	if got := b.String(); got != "\nthree\nfour\n" {
		t.Fatalf("kept %q", got)
	}
	if got := b.LastLines(2); got != "three\nfour" {
		t.Fatalf("LastLines(2) = %q", got)
	}
}

func TestServeUntilStop(t *testing.T) {
	addr, stop, err := Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello "+r.URL.Path)
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("serving on %s, not loopback", addr)
	}
	resp, err := http.Get("http://" + addr + "/x")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hello /x" {
		t.Fatalf("served %q", body)
	}
	stop()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := client.Get("http://" + addr + "/x"); err == nil {
		resp.Body.Close()
		t.Fatalf("still serving after stop")
	}
}

func TestFreeAddrIsLoopback(t *testing.T) {
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("FreeAddr = %s, not loopback", addr)
	}
}

// fakeT runs a test body in a goroutine of its own, so that Fatalf can end it
// as testing.T does, and records what the helpers did to it.
type fakeT struct {
	mu       sync.Mutex
	failed   bool
	msgs     []string
	logs     []string
	cleanups []func()
}

func (f *fakeT) Helper() {}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.failed = true
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fakeT) Logf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}

func (f *fakeT) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }

func (f *fakeT) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

// run runs body as a test and then its cleanups, last first.
func (f *fakeT) run(body func(T)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		body(f)
	}()
	<-done
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

func TestEventually(t *testing.T) {
	n := 0
	ok := &fakeT{}
	ok.run(func(t T) {
		Eventually(t, time.Hour, time.Millisecond, "the third call", func() (bool, string) {
			n++
			return n == 3, ""
		})
	})
	if ok.Failed() || n != 3 {
		t.Fatalf("Eventually stopped after %d calls (failed %v: %v), want 3", n, ok.Failed(), ok.msgs)
	}

	never := &fakeT{}
	after := false
	never.run(func(t T) {
		Eventually(t, 30*time.Millisecond, time.Millisecond, "never", func() (bool, string) { return false, "still no" })
		after = true
	})
	if !never.Failed() || after || len(never.msgs) != 1 || never.msgs[0] != "never: not within 30ms; last seen: still no" {
		t.Fatalf("a condition that never holds: failed %v, went on %v, messages %q", never.Failed(), after, never.msgs)
	}
}

func TestStartForStopsTheChildAndLogsItsEndOnFailure(t *testing.T) {
	bin := child(t)
	var p *Process
	ft := &fakeT{}
	ft.run(func(ft T) {
		p = StartFor(ft, "term child", exec.Command(bin, "term"), 1<<10)
		// Ready means the child's SIGTERM handler is set, so its exit code
		// shows that StartFor's SIGTERM ended it.
		Eventually(ft, 20*time.Second, 10*time.Millisecond, "the child to be ready", func() (bool, string) {
			return strings.Contains(p.Output().String(), "out: ready"), p.Output().String()
		})
		ft.Fatalf("fail on purpose")
	})
	if len(ft.msgs) != 1 || ft.msgs[0] != "fail on purpose" {
		t.Fatalf("the test failed for another reason: %q", ft.msgs)
	}
	if !p.Exited() || exitCode(t, p.Err()) != 3 {
		t.Fatalf("the child was not stopped by SIGTERM when the test ended: exited %v, %v", p.Exited(), p.Err())
	}
	if len(ft.logs) != 1 || !strings.HasPrefix(ft.logs[0], "--- last lines of the term child log:\n") || !strings.Contains(ft.logs[0], "out: ready") {
		t.Fatalf("a failed test logged %q, want the end of the child's output", ft.logs)
	}
}

func TestServeForServesUntilTheTestEnds(t *testing.T) {
	ft := &fakeT{}
	var addr string
	ft.run(func(ft T) {
		addr = ServeFor(ft, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "up") }))
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			t.Errorf("GET while the test runs: %v", err)
			return
		}
		resp.Body.Close()
		if !strings.HasPrefix(addr, "127.0.0.1:") || AddrFor(ft) == "" {
			t.Errorf("serving on %s, not loopback", addr)
		}
	})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := client.Get("http://" + addr + "/"); err == nil {
		resp.Body.Close()
		t.Fatalf("still serving after the test ended")
	}
}
