package blackbox

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

const (
	relBrowserCluster = "ehpc-hz-e2estatus"
	relBrowserKeyID   = "e2eStatusKey"
	relBrowserSecret  = "e2e-status-key-7f3a"
	// relBrowserScript is a job name chosen by someone who can submit jobs.
	relBrowserScript = `<script>document.title="pwned"</script>`
)

// The status page as a browser shows it: headless Chromium renders /status of
// the built exporter polling the simulator, where one job is named with a
// script and one fails behind a proxy. The screenshot is kept in
// test/blackbox/artifacts/status.png; the page's DOM must hold the name as
// text and no script element at all.
func TestReliabilityStatusPageInChromium(t *testing.T) {
	browser := relChromium(t)
	job := func(id, name string) simulator.Job {
		return simulator.Job{ID: id, Name: name, Queue: "comp", User: "alice"}
	}
	sim := relStartSim(t, simulator.Options{
		Scenario: &simulator.Scenario{Clusters: []simulator.Cluster{relRunning(relBrowserCluster,
			job("1", relBrowserScript), job("2", "cfd-solver"), job("3", "post-processing"), job("4", "behind-a-proxy"),
		)}},
		Keys: map[string]simulator.Key{relBrowserKeyID: {Secret: relBrowserSecret}},
	})
	if err := sim.SetFaults(simulator.Fault{Kind: simulator.FaultBadGateway, JobID: "4"}); err != nil {
		t.Fatal(err)
	}
	cfg := writeFile(t, "config.yml", relConfig(relCluster(relBrowserCluster, sim.addr, "1", "2", "3", "4"),
		"api:\n  max_retries: 0\ncredentials:\n  type: environment\n"))
	e := relStart(t, cfg, relKeyEnv(relBrowserKeyID, relBrowserSecret, ""))
	e.waitReady()
	url := e.base + "/status"

	artifacts := filepath.Join(moduleRoot(t), "test", "blackbox", "artifacts")
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(artifacts, "status.png")
	_ = os.Remove(shot)
	relBrowse(t, browser, "--screenshot="+shot, "--window-size=1280,900", url)
	relCheckScreenshot(t, shot)

	dom := relBrowse(t, browser, "--dump-dom", url)
	if strings.Contains(strings.ToLower(dom), "<script") {
		t.Errorf("the rendered page has a script element:\n%s", dom)
	}
	for _, want := range []string{
		`&lt;script&gt;document.title="pwned"&lt;/script&gt;`,
		"<title>E-HPC Serverless Exporter: status</title>",
		"4 jobs tracked, 1 with a failing last poll",
		"HTTP502",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered page lacks %q:\n%s", want, dom)
		}
	}
}

// relChromium finds the browser. Without it the test is skipped, not
// failed, so that the rest of the suite runs anywhere Go does; CI installs
// chromium before it runs the tests, and there the test runs.
func relChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not on PATH, so the status page is not rendered in a browser; install it to run this test (Debian: apt-get install --no-install-recommends chromium)")
	return ""
}

// relBrowse runs headless Chromium once, with nothing that reaches beyond
// loopback, and returns its standard output.
func relBrowse(t *testing.T, browser string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	argv := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(),
	}, args...)
	cmd := exec.CommandContext(ctx, browser, argv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// relCheckScreenshot: a PNG of the window's size that shows the page's table
// (its header colour, and the colour of a failing row), not a blank page.
func relCheckScreenshot(t *testing.T, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	if len(raw) < 10<<10 {
		t.Errorf("screenshot is only %d bytes", len(raw))
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 900 {
		t.Errorf("screenshot is %dx%d, want 1280x900", b.Dx(), b.Dy())
	}
	header := relCountColour(img, 0xe6, 0x52, 0x2c)
	failing := relCountColour(img, 0xfd, 0xe8, 0xe4)
	colours := relDistinctColours(img)
	t.Logf("screenshot %s: %d bytes, %d header pixels, %d failing-row pixels, %d colours", path, len(raw), header, failing, colours)
	if header < 1000 || failing < 1000 || colours < 20 {
		t.Errorf("the screenshot does not show the status table")
	}
}

func relCountColour(img image.Image, r, g, b uint8) int {
	n := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if uint8(cr>>8) == r && uint8(cg>>8) == g && uint8(cb>>8) == b {
				n++
			}
		}
	}
	return n
}

func relDistinctColours(img image.Image) int {
	seen := map[[3]uint32]bool{}
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r, g, b}] = true
		}
	}
	return len(seen)
}
