//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/proctest"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/simulator"
)

const (
	relCluster = "ehpc-hz-e2estatus"
	relKeyID   = "e2eStatusKey"
	relSecret  = "e2e-status-key-7f3a"
	// relScript is a job name chosen by someone who can submit jobs.
	relScript = `<script>document.title="pwned"</script>`
)

// The status page as a browser shows it: headless Chromium renders /status of
// the built exporter polling the simulator, where one job is named with a
// script and one fails behind a proxy. The screenshot is kept in
// e2e/artifacts/status.png; the page's DOM must hold the name as text and no
// script element at all.
func TestReliabilityStatusPageInChromium(t *testing.T) {
	browser := relChromium(t)
	root := repoRoot(t)
	dir := t.TempDir()
	bin := buildExporter(t, root, dir)

	sim, err := simulator.New(simulator.Options{
		Scenario: &simulator.Scenario{Clusters: []simulator.Cluster{{
			ID: relCluster, RegionID: "cn-hangzhou",
			Jobs: []simulator.Job{
				relJob("1", relScript), relJob("2", "cfd-solver"), relJob("3", "post-processing"), relJob("4", "behind-a-proxy"),
			},
		}}},
		Keys: map[string]simulator.Key{relKeyID: {Secret: relSecret}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.SetFaults(simulator.Fault{Kind: simulator.FaultBadGateway, JobID: "4"}); err != nil {
		t.Fatal(err)
	}
	simAddr := relServe(t, sim)

	cfg := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfg, []byte(`clusters:
  - cluster_id: `+relCluster+`
    region_id: cn-hangzhou
    endpoint: http://`+simAddr+`
    job_ids: ["1", "2", "3", "4"]
api:
  max_retries: 0
credentials:
  type: environment
`), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	exp := start(t, dir, "exporter", []string{
		"ALIBABA_CLOUD_ACCESS_KEY_ID=" + relKeyID,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + relSecret,
		"ALIBABA_CLOUD_ECS_METADATA_DISABLED=true",
	}, bin, "--config.file="+cfg, "--web.listen-address="+addr)
	url := "http://" + addr + "/status"
	httpOK(t, "http://"+addr+"/-/ready", waitShort, exp)

	artifacts := filepath.Join(root, "e2e", "artifacts")
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

func relJob(id, name string) simulator.Job {
	return simulator.Job{ID: id, Name: name, Queue: "comp", User: "alice", Submit: -time.Hour,
		Timeline: []simulator.Phase{{At: 0, State: simulator.StateRunning}}}
}

// relChromium finds the browser; the suite needs it (Debian: apt-get install
// chromium).
func relChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium is not on PATH; install it (Debian: apt-get install --no-install-recommends chromium)")
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

// relServe serves h on a loopback port until the test ends.
func relServe(t *testing.T, h http.Handler) string {
	t.Helper()
	addr, stop, err := proctest.Serve(h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return addr
}
