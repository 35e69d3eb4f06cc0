package buildinfo

import (
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/prometheus/common/version"
)

func settings(kv ...string) []debug.BuildSetting {
	var s []debug.BuildSetting
	for i := 0; i+1 < len(kv); i += 2 {
		s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
	}
	return s
}

func TestFromBuildInfo(t *testing.T) {
	const rev = "b6bd966105ead7189a5c5eda7e60a0066fa216f6"
	for _, c := range []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want Info
	}{
		{
			name: "go build in a clean checkout",
			bi: &debug.BuildInfo{
				Main:     debug.Module{Version: "v0.0.0-20261202103000-b6bd966105ea"},
				Settings: settings("vcs", "git", "vcs.revision", rev, "vcs.time", "2026-12-02T10:30:00Z", "vcs.modified", "false"),
			},
			ok: true,
			want: Info{Version: "v0.0.0-20261202103000-b6bd966105ea", Revision: rev, Branch: Unknown,
				BuildUser: Unknown, BuildDate: "2026-12-02T10:30:00Z (commit time)"},
		},
		{
			name: "go build with uncommitted changes",
			bi: &debug.BuildInfo{
				Main:     debug.Module{Version: "v0.0.0-20261202103000-b6bd966105ea+dirty"},
				Settings: settings("vcs.revision", rev, "vcs.time", "2026-12-02T10:30:00Z", "vcs.modified", "true"),
			},
			ok: true,
			want: Info{Version: "v0.0.0-20261202103000-b6bd966105ea+dirty", Revision: rev + "-modified", Branch: Unknown,
				BuildUser: Unknown, BuildDate: "2026-12-02T10:30:00Z (commit time)"},
		},
		{
			name: "go install of a tagged version",
			bi:   &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}, Settings: settings("-trimpath", "true")},
			ok:   true,
			want: Info{Version: "v1.2.3", Revision: Unknown, Branch: Unknown, BuildUser: Unknown, BuildDate: Unknown},
		},
		{
			name: "go run or -buildvcs=false",
			bi:   &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			ok:   true,
			want: Info{Version: "(devel)", Revision: Unknown, Branch: Unknown, BuildUser: Unknown, BuildDate: Unknown},
		},
		{
			name: "no build information",
			ok:   false,
			want: Info{Version: "(devel)", Revision: Unknown, Branch: Unknown, BuildUser: Unknown, BuildDate: Unknown},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := FromBuildInfo(c.bi, c.ok); got != c.want {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// A release build's -ldflags win; only what they left empty is filled.
func TestApplyKeepsStampedValues(t *testing.T) {
	saved := []string{version.Version, version.Revision, version.Branch, version.BuildUser, version.BuildDate}
	t.Cleanup(func() {
		version.Version, version.Revision, version.Branch, version.BuildUser, version.BuildDate =
			saved[0], saved[1], saved[2], saved[3], saved[4]
	})
	version.Version, version.Revision, version.Branch, version.BuildUser, version.BuildDate = "0.1.0", "abc123", "main", "", ""

	apply(Info{Version: "(devel)", Revision: "def456", Branch: Unknown, BuildUser: Unknown, BuildDate: "2026-12-02T10:30:00Z (commit time)"})

	for name, got := range map[string][2]string{
		"Version":   {version.Version, "0.1.0"},
		"Revision":  {version.Revision, "abc123"},
		"Branch":    {version.Branch, "main"},
		"BuildUser": {version.BuildUser, Unknown},
		"BuildDate": {version.BuildDate, "2026-12-02T10:30:00Z (commit time)"},
	} {
		if got[0] != got[1] {
			t.Errorf("version.%s = %q, want %q", name, got[0], got[1])
		}
	}
}

// The real binary, built as CI builds it (-buildvcs=false, no -ldflags),
// prints a version line without blanks.
func TestBinaryWithoutLdflagsReportsDevel(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the exporter")
	}
	bin := filepath.Join(t.TempDir(), "ehpc_serverless_exporter")
	build := exec.Command("go", "build", "-buildvcs=false", "-o", bin, "../..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("--version: %v\n%s", err, out)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	if want := "ehpc_serverless_exporter, version (devel) (branch: unknown, revision: unknown)"; first != want {
		t.Errorf("--version says\n%s\nwant\n%s", first, want)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasSuffix(strings.TrimSpace(line), ":") {
			t.Errorf("blank field in --version: %q", line)
		}
	}
}
