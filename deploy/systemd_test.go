package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const (
	unitFile   = "systemd/ehpc_serverless_exporter.service"
	envExample = "systemd/credentials.env.example"
)

// unit is a parsed systemd unit: section -> key -> values (a key may repeat).
type unit map[string]map[string][]string

func parseUnit(t *testing.T, path string) unit {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unit{}
	section := ""
	var pending string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if pending == "" && (line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";")) {
			continue
		}
		if cont, ok := strings.CutSuffix(line, "\\"); ok {
			pending += cont + " "
			continue
		}
		line, pending = pending+line, ""
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = line[1 : len(line)-1]
			u[section] = map[string][]string{}
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || section == "" {
			t.Fatalf("%s:%d: not a key=value line in a section: %q", path, n, line)
		}
		u[section][k] = append(u[section][k], strings.Join(strings.Fields(v), " "))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

func (u unit) get(section, key string) string {
	v := u[section][key]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

func TestSystemdUnit(t *testing.T) {
	u := parseUnit(t, unitFile)
	for key, want := range map[string]string{
		"NoNewPrivileges":       "yes",
		"ProtectSystem":         "strict",
		"ProtectHome":           "yes",
		"PrivateTmp":            "yes",
		"PrivateDevices":        "yes",
		"ProtectKernelTunables": "yes",
		"ProtectKernelModules":  "yes",
		"ProtectControlGroups":  "yes",
		"RestrictSUIDSGID":      "yes",
		"CapabilityBoundingSet": "",
		"Restart":               "on-failure",
	} {
		vals, ok := u["Service"][key]
		if !ok || vals[len(vals)-1] != want {
			t.Errorf("[Service] %s = %q, want %q", key, vals, want)
		}
	}
	if u.get("Service", "DynamicUser") != "yes" && u.get("Service", "User") == "" {
		t.Error("set DynamicUser=yes or a dedicated User=")
	}
	if u.get("Service", "User") == "root" {
		t.Error("runs as root")
	}
	if !strings.Contains(u.get("Service", "ExecReload"), "-HUP $MAINPID") {
		t.Errorf("ExecReload %q does not send SIGHUP", u.get("Service", "ExecReload"))
	}
	if env := u.get("Service", "EnvironmentFile"); !strings.HasPrefix(env, "-/etc/ehpc_serverless_exporter/") {
		t.Errorf("EnvironmentFile %q: want an optional file under /etc/ehpc_serverless_exporter", env)
	}
	exec := strings.Fields(u.get("Service", "ExecStart"))
	if len(exec) == 0 || !filepath.IsAbs(exec[0]) {
		t.Fatalf("ExecStart %q does not start with an absolute path", exec)
	}
	flags := checkFlags(t, "ExecStart", exec[1:], readmeFlags(t))
	if flags["--config.file"] == "" {
		t.Error("ExecStart does not name --config.file")
	}
	if addr := flags["--web.listen-address"]; addr != "" && !strings.HasSuffix(addr, ":"+strconv.Itoa(exporterPort)) {
		t.Errorf("--web.listen-address=%s is not on port %d", addr, exporterPort)
	}
	// ProtectSystem=strict leaves only the unit's own directories writable:
	// the state file must be in StateDirectory=, which systemd keeps across
	// restarts.
	stateDir := u.get("Service", "StateDirectory")
	switch {
	case stateDir == "" || strings.ContainsAny(stateDir, " /"):
		t.Errorf("StateDirectory %q: want one directory name", stateDir)
	case flags["--storage.path"] != "/var/lib/"+stateDir:
		t.Errorf("--storage.path=%q is not the StateDirectory /var/lib/%s", flags["--storage.path"], stateDir)
	}
	if u.get("Install", "WantedBy") != "multi-user.target" {
		t.Error("[Install] WantedBy is not multi-user.target")
	}
}

// systemd itself checks the unit: unknown keys and bad values are reported
// by verify, and the exposure score of the hardening must stay low.
func TestSystemdAnalyze(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	data, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	// verify wants the binary to exist: point ExecStart at this test binary.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "/usr/local/bin/ehpc_serverless_exporter", self)
	if text == string(data) {
		t.Fatal("the unit no longer runs /usr/local/bin/ehpc_serverless_exporter; update this test")
	}
	file := filepath.Join(t.TempDir(), filepath.Base(unitFile))
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", file).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	// --threshold is the exposure score times ten: fail above 2.0.
	out, err = exec.Command(analyze, "security", "--offline=true", "--threshold=20", file).CombinedOutput()
	if err != nil {
		t.Errorf("systemd-analyze security: exposure above 2.0 (%v)\n%s", err, lastLines(string(out), 3))
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// The example credentials file names the variables and holds no value.
func TestCredentialsEnvExampleHoldsNoSecret(t *testing.T) {
	data, err := os.ReadFile(envExample)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || !strings.HasPrefix(k, "ALIBABA_CLOUD_") {
			t.Errorf("unexpected line %q", line)
		}
		if v != "" {
			t.Errorf("%s has a value in the example; leave it empty", k)
		}
		keys[k] = true
	}
	for _, k := range []string{"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"} {
		if !keys[k] {
			t.Errorf("%s is missing", k)
		}
	}
	if !strings.Contains(string(data), "0600") {
		t.Error("the example does not say to install it with mode 0600")
	}
}
