package deploy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction with its continuation lines joined.
type instruction struct {
	cmd, args string
	line      int
}

func dockerfile(t *testing.T) []instruction {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var out []instruction
	var cur strings.Builder
	start := 0
	for i, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if cont, ok := strings.CutSuffix(trimmed, "\\"); ok {
			cur.WriteString(cont + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args), line: start})
		cur.Reset()
	}
	if cur.Len() > 0 {
		t.Fatal("Dockerfile ends in a continuation line")
	}
	return out
}

type entrypoint struct {
	binary string
	flags  map[string]string
}

// dockerEntrypoint is the final stage's ENTRYPOINT, which must be in exec
// form so that the container's arguments are appended to it.
func dockerEntrypoint(t *testing.T) entrypoint {
	t.Helper()
	var ep []string
	for _, in := range dockerfile(t) {
		if in.cmd != "ENTRYPOINT" {
			continue
		}
		ep = nil
		if err := json.Unmarshal([]byte(in.args), &ep); err != nil || len(ep) == 0 {
			t.Fatalf("Dockerfile:%d: ENTRYPOINT is not a JSON array (exec form): %s", in.line, in.args)
		}
	}
	if ep == nil {
		t.Fatal("the Dockerfile has no ENTRYPOINT")
	}
	e := entrypoint{binary: ep[0], flags: map[string]string{}}
	for _, a := range ep[1:] {
		name, value, _ := strings.Cut(a, "=")
		e.flags[name] = value
	}
	return e
}

func goModVersion(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	version := ""
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "go" {
			version = f[1]
		}
		// A toolchain line, when present, is what actually builds.
		if len(f) == 2 && f[0] == "toolchain" {
			return strings.TrimPrefix(f[1], "go")
		}
	}
	if version == "" {
		t.Fatal("go.mod has no go line")
	}
	return version
}

func TestDockerfile(t *testing.T) {
	ins := dockerfile(t)
	var froms []instruction
	for _, in := range ins {
		if in.cmd == "FROM" {
			froms = append(froms, in)
		}
	}
	if len(froms) < 2 {
		t.Fatalf("want a multi-stage build, got %d FROM lines", len(froms))
	}
	goImage := regexp.MustCompile(`^golang:(\d+\.\d+\.\d+)\S*\s+AS\s+\S+`)
	mm := goImage.FindStringSubmatch(froms[0].args)
	if mm == nil {
		t.Fatalf("Dockerfile:%d: the build stage is not a pinned golang:X.Y.Z image: %s", froms[0].line, froms[0].args)
	}
	if want := goModVersion(t); mm[1] != want {
		t.Errorf("Dockerfile builds with Go %s, go.mod asks for %s", mm[1], want)
	}
	final := froms[len(froms)-1].args
	if strings.Contains(final, ":latest") || !strings.Contains(final, ":") {
		t.Errorf("final stage %q: pin a tag", final)
	}

	var build, user, expose string
	var cmd []string
	finalStage := false
	copies := map[string]bool{}
	chowned := map[string]string{} // destination -> --chown of the final stage's COPYs
	volumes := map[string]bool{}
	for _, in := range ins {
		switch in.cmd {
		case "FROM":
			finalStage = in.line == froms[len(froms)-1].line
		case "RUN":
			if strings.Contains(in.args, "go build") {
				build = in.args
			}
		case "USER":
			if finalStage {
				user = in.args
			}
		case "EXPOSE":
			expose = in.args
		case "COPY":
			if finalStage {
				f := strings.Fields(in.args)
				dest := f[len(f)-1]
				copies[dest] = true
				for _, opt := range f {
					if owner, ok := strings.CutPrefix(opt, "--chown="); ok {
						chowned[dest] = owner
					}
				}
			}
		case "VOLUME":
			if finalStage {
				var list []string
				if err := json.Unmarshal([]byte(in.args), &list); err != nil {
					list = strings.Fields(in.args)
				}
				for _, v := range list {
					volumes[v] = true
				}
			}
		case "CMD":
			if finalStage {
				cmd = nil
				if err := json.Unmarshal([]byte(in.args), &cmd); err != nil {
					t.Errorf("Dockerfile:%d: CMD is not a JSON array (exec form): %s", in.line, in.args)
				}
			}
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath",
		"github.com/prometheus/common/version.Version=", "github.com/prometheus/common/version.Revision="} {
		if !strings.Contains(build, want) {
			t.Errorf("the go build command lacks %q: %s", want, build)
		}
	}
	uid, _, _ := strings.Cut(user, ":")
	if n, err := strconv.Atoi(uid); user == "" || uid == "root" || (err == nil && n == 0) {
		t.Errorf("final stage USER %q: run as a non-root user", user)
	}
	if expose != strconv.Itoa(exporterPort) {
		t.Errorf("EXPOSE %q, want %d", expose, exporterPort)
	}
	ep := dockerEntrypoint(t)
	if !copies[ep.binary] {
		t.Errorf("ENTRYPOINT runs %s, which no COPY of the final stage puts there", ep.binary)
	}
	if cfg := ep.flags["--config.file"]; !copies[cfg] {
		t.Errorf("ENTRYPOINT reads %q, which the image does not contain", cfg)
	}
	known := readmeFlags(t)
	for name := range ep.flags {
		if !known[name] {
			t.Errorf("ENTRYPOINT flag %s is not documented in README.md", name)
		}
	}

	// The default arguments keep the state file in a volume the image's
	// user owns: the root filesystem may be read-only, and a named volume
	// takes the ownership of the directory it is mounted on.
	args := checkFlags(t, "CMD", cmd, known)
	for name := range args {
		if _, ok := ep.flags[name]; ok {
			t.Errorf("CMD repeats the ENTRYPOINT's %s, which the exporter refuses", name)
		}
	}
	state := args["--storage.path"]
	switch {
	case state == "":
		t.Error("the default arguments (CMD) do not keep a state file (--storage.path)")
	case !volumes[state]:
		t.Errorf("--storage.path=%s is not a VOLUME of the image", state)
	case !copies[state]:
		t.Errorf("--storage.path=%s is not a directory of the image (COPY it from the build stage)", state)
	default:
		owner, _, _ := strings.Cut(chowned[state], ":")
		if owner != uid {
			t.Errorf("%s belongs to %q, the exporter runs as %q: it could not write the state file", state, chowned[state], user)
		}
	}
}
