package deploy

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

const (
	chartDir = "helm/ehpc-serverless-exporter"
	// The Helm these tests and .ci/run use; $HELM names another binary.
	helmModule = "helm.sh/helm/v3/cmd/helm@v3.22.0"
	// Set (to anything) by .ci/run: there, a Helm that cannot run is a
	// failure, not a reason to skip.
	requireHelmEnv = "DEPLOY_TEST_REQUIRE_HELM"
	// A Kubernetes version ACK offers. The chart's sharding needs 1.28, and
	// helm template asks no cluster (a go run build of Helm assumes 1.20).
	kubeVersion = "1.31.0"
	// With this release name the objects are named appName, as in the
	// kustomize bases.
	releaseName = appName
)

var helmProbe struct {
	once sync.Once
	err  error
	out  []byte
}

func helmCommand(args ...string) *exec.Cmd {
	if bin := os.Getenv("HELM"); bin != "" {
		return exec.Command(bin, args...)
	}
	return exec.Command("go", append([]string{"run", helmModule}, args...)...)
}

// helm runs Helm with args and returns its standard output and error. The
// first call checks that Helm runs at all (the go command may have to
// download and build it) and skips the test if it cannot.
func helm(t *testing.T, args ...string) (stdout, stderr []byte, err error) {
	t.Helper()
	helmProbe.once.Do(func() {
		helmProbe.out, helmProbe.err = helmCommand("version", "--short").CombinedOutput()
	})
	if helmProbe.err != nil {
		msg := "Helm cannot run here (" + helmProbe.err.Error() + "): " + strings.TrimSpace(string(helmProbe.out))
		if os.Getenv(requireHelmEnv) != "" {
			t.Fatal(msg)
		}
		t.Skip(msg + "; .ci/run sets " + requireHelmEnv + "=1, which makes this a failure")
	}
	var o, e bytes.Buffer
	cmd := helmCommand(args...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.Bytes(), e.Bytes(), err
}

// renderChart is helm template of the chart with extra arguments, decoded
// strictly like the kustomize manifests.
func renderChart(t *testing.T, args ...string) *manifests {
	t.Helper()
	base := []string{"template", releaseName, chartDir, "--namespace", appName, "--kube-version", kubeVersion}
	out, stderr, err := helm(t, append(base, args...)...)
	if err != nil {
		t.Fatalf("helm template %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "all.yaml"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	return loadManifests(t, dir)
}

func ciValues(name string) string { return filepath.Join(chartDir, "ci", name) }

// chartCase is one way of installing the chart and what it must deploy.
type chartCase struct {
	name string
	args []string
	// kind is the workload, state what keeps the state file (see
	// checkState), replicas the workload's.
	kind, state string
	replicas    int
	// The Prometheus Operator's objects rendered.
	serviceMonitor, rules bool
	// existingConfigMap: the name and key the values give; the chart then
	// renders no ConfigMap.
	existingConfigMap, existingKey string
	manualRRSA                     bool
	// existingClaim: the state claim is the user's, not rendered.
	existingClaim bool
}

var chartCases = []chartCase{
	{name: "default", kind: "Deployment", state: "emptyDir", replicas: 1},
	{name: "without state", args: []string{"--set", "storage.enabled=false"}, kind: "Deployment", state: "", replicas: 1},
	{name: "persistent", args: []string{"-f", ciValues("persistent-values.yaml")},
		kind: "Deployment", state: "claim " + appName + "-state", replicas: 1, serviceMonitor: true, rules: true},
	{name: "an existing claim", args: []string{"--set", "storage.persistence.enabled=true,storage.persistence.existingClaim=my-claim"},
		kind: "Deployment", state: "claim my-claim", replicas: 1, existingClaim: true},
	{name: "sharded", args: []string{"-f", ciValues("sharded-values.yaml")},
		kind: "StatefulSet", state: "volumeClaimTemplates", replicas: 3, serviceMonitor: true, rules: true},
	{name: "sharded on emptyDir", args: []string{"--set", "sharding.enabled=true,sharding.shards=4"},
		kind: "StatefulSet", state: "emptyDir", replicas: 4},
	{name: "existing ConfigMap, RRSA by the chart", args: []string{"-f", ciValues("existing-configmap-values.yaml")},
		kind: "Deployment", state: "emptyDir", replicas: 1,
		existingConfigMap: "my-exporter-config", existingKey: "exporter.yml", manualRRSA: true, serviceMonitor: true},
}

// The ci/ values files are the ones chart-testing would lint; each must be
// a case here, so none goes untested.
func TestHelmCIValuesAreCases(t *testing.T) {
	files, err := filepath.Glob(ciValues("*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no values files in %s: %v", ciValues(""), err)
	}
	for _, f := range files {
		found := false
		for _, c := range chartCases {
			found = found || slices.Contains(c.args, f)
		}
		if !found {
			t.Errorf("%s is not rendered by any chart case", f)
		}
	}
}

func TestHelmLint(t *testing.T) {
	for _, c := range chartCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"lint", "--strict", "--quiet", chartDir, "--kube-version", kubeVersion}, c.args...)
			if out, stderr, err := helm(t, args...); err != nil {
				t.Errorf("helm lint: %v\n%s%s", err, out, stderr)
			}
		})
	}
}

func TestHelmChartRenders(t *testing.T) {
	known := readmeFlags(t)
	imageConfig := dockerEntrypoint(t).flags["--config.file"]
	values := chartValues(t)
	for _, c := range chartCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := renderChart(t, c.args...)
			checkChartObjects(t, m)
			if len(m.workloads) != 1 {
				t.Fatalf("rendered %d workloads, want 1", len(m.workloads))
			}
			w := m.workloads["all.yaml"]
			if w.Kind != c.kind {
				t.Fatalf("rendered a %s, want a %s", w.Kind, c.kind)
			}
			if w.Spec.Replicas == nil || *w.Spec.Replicas != c.replicas {
				t.Errorf("replicas %v, want %d", w.Spec.Replicas, c.replicas)
			}
			if img := w.Spec.Template.Spec.Containers[0].Image; img != values.Image.Repository+":"+chartAppVersion(t) {
				t.Errorf("image %q, want the values' repository at the chart's appVersion", img)
			}

			var polling time.Duration
			if c.existingConfigMap == "" {
				polling = time.Duration(configMapConfig(t, m).Polling.Interval)
				if len(w.Spec.Template.Metadata.Annotations["checksum/config"]) != 64 {
					t.Error("the pod template has no checksum/config: a changed config would not roll the pods")
				}
			} else {
				if len(m.configMaps) != 0 {
					t.Errorf("rendered %d ConfigMaps; with config.existingConfigMap the user's is used", len(m.configMaps))
				}
				// Stands in for the user's ConfigMap, so that the mount is
				// checked against the key the values name.
				m.configMaps[c.existingConfigMap] = configMap{Data: map[string]string{c.existingKey: ""}}
			}
			flags := checkWorkload(t, m, w, known, imageConfig)
			if got := checkState(t, m, w, flags); got != c.state {
				t.Errorf("the state file is on %q, want %q", got, c.state)
			}
			if c.existingClaim && len(m.claims) != 0 {
				t.Errorf("rendered %d claims; the values name an existing one", len(m.claims))
			}
			if claim, ok := strings.CutPrefix(c.state, "claim "); ok && !c.existingClaim {
				pvc, ok := m.claims[claim]
				if !ok {
					t.Fatalf("the claim %s is not rendered", claim)
				}
				checkClaimSpec(t, "PersistentVolumeClaim "+claim, pvc.Spec)
			}
			checkService(t, m)
			if c.manualRRSA {
				checkManualRRSA(t, w)
			} else {
				checkRRSAServiceAccounts(t, m)
			}

			if !c.serviceMonitor && len(m.serviceMonitors) != 0 {
				t.Errorf("rendered %d ServiceMonitors, want none", len(m.serviceMonitors))
			}
			if c.serviceMonitor {
				if polling == 0 && len(m.serviceMonitors) == 1 && len(m.serviceMonitors[0].Spec.Endpoints) == 1 {
					// The chart cannot read the user's ConfigMap; the values
					// set the interval, which is then the one to meet.
					iv, err := model.ParseDuration(m.serviceMonitors[0].Spec.Endpoints[0].Interval)
					if err != nil {
						t.Fatal(err)
					}
					polling = time.Duration(iv)
				}
				checkServiceMonitor(t, m, polling)
			}
			switch {
			case !c.rules && len(m.rules) != 0:
				t.Errorf("rendered %d PrometheusRules, want none", len(m.rules))
			case c.rules && len(m.rules) != 1:
				t.Errorf("rendered %d PrometheusRules, want 1", len(m.rules))
			case c.rules && !reflect.DeepEqual(m.rules[0].Spec.Groups, alertGroups(t)):
				t.Errorf("the PrometheusRule's groups differ from the groups of %s", alertsDir)
			}
		})
	}
}

// checkChartObjects: every object is in the release's namespace and carries
// the labels Helm's tools select by.
func checkChartObjects(t *testing.T, m *manifests) {
	t.Helper()
	metas := []objectMeta{}
	for _, o := range m.serviceAccounts {
		metas = append(metas, o.Metadata)
	}
	for _, o := range m.configMaps {
		metas = append(metas, o.Metadata)
	}
	for _, o := range m.services {
		metas = append(metas, o.Metadata)
	}
	for _, o := range m.workloads {
		metas = append(metas, o.Metadata)
	}
	for _, o := range m.claims {
		metas = append(metas, o.Metadata)
	}
	for _, o := range m.serviceMonitors {
		metas = append(metas, o.Metadata)
	}
	for _, o := range m.rules {
		metas = append(metas, o.Metadata)
	}
	if len(m.namespaces) != 0 || len(m.kustomizations) != 0 {
		t.Error("the chart renders a Namespace or a Kustomization")
	}
	for _, md := range metas {
		if md.Namespace != appName {
			t.Errorf("%s: namespace %q, want the release's %q", md.Name, md.Namespace, appName)
		}
		for k, want := range map[string]string{
			appLabel:                       appName,
			"app.kubernetes.io/instance":   releaseName,
			"app.kubernetes.io/managed-by": "Helm",
		} {
			if md.Labels[k] != want {
				t.Errorf("%s: label %s = %q, want %q", md.Name, k, md.Labels[k], want)
			}
		}
	}
}

// checkManualRRSA: without the webhook, the chart sets the three variables
// and mounts the projected token where ALIBABA_CLOUD_OIDC_TOKEN_FILE says.
func checkManualRRSA(t *testing.T, w workload) {
	t.Helper()
	c := w.Spec.Template.Spec.Containers[0]
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	for _, k := range []string{"ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN"} {
		if !strings.HasPrefix(env[k], "acs:ram::") {
			t.Errorf("%s = %q, want an acs:ram:: ARN", k, env[k])
		}
	}
	token := env["ALIBABA_CLOUD_OIDC_TOKEN_FILE"]
	if !filepath.IsAbs(token) {
		t.Fatalf("ALIBABA_CLOUD_OIDC_TOKEN_FILE = %q, want an absolute path", token)
	}
	vol := ""
	for _, vm := range c.VolumeMounts {
		if vm.MountPath == filepath.Dir(token) {
			vol = vm.Name
			if !vm.ReadOnly {
				t.Errorf("the token volume %s is not mounted read-only", vm.Name)
			}
		}
	}
	for _, v := range w.Spec.Template.Spec.Volumes {
		if v.Name != vol || v.Projected == nil || len(v.Projected.Sources) != 1 || v.Projected.Sources[0].ServiceAccountToken == nil {
			continue
		}
		sat := v.Projected.Sources[0].ServiceAccountToken
		if sat.Path != filepath.Base(token) {
			t.Errorf("the token is projected as %s, the variable names %s", sat.Path, filepath.Base(token))
		}
		if sat.Audience != "sts.aliyuncs.com" {
			t.Errorf("token audience %q, want sts.aliyuncs.com", sat.Audience)
		}
		if sat.ExpirationSeconds < 600 {
			t.Errorf("token expirationSeconds %d: Kubernetes refuses less than 600", sat.ExpirationSeconds)
		}
		return
	}
	t.Errorf("no projected service account token is mounted at %s", filepath.Dir(token))
}

// Values the chart must refuse, with a message that names the key to change.
func TestHelmChartRefuses(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"a claim shared by the shards", []string{"--set", "sharding.enabled=true,storage.persistence.enabled=true,storage.persistence.existingClaim=mine"},
			"storage.persistence.existingClaim cannot be shared by the shards"},
		{"sharding before Kubernetes 1.28", []string{"--set", "sharding.enabled=true", "--kube-version", "1.27.0"},
			"sharding needs Kubernetes 1.28 or later"},
		{"no shards", []string{"--set", "sharding.enabled=true,sharding.shards=0"}, "sharding.shards must be at least 1"},
		{"manual RRSA without the ARNs", []string{"--set", "rrsa.manual.enabled=true"},
			"rrsa.manual.enabled needs rrsa.manual.roleArn and rrsa.manual.oidcProviderArn"},
		{"a flag the chart sets", []string{"--set", "extraArgs[0]=--total-shards=3"}, "extraArgs: --total-shards is set by the chart"},
		{"no ServiceAccount to use", []string{"--set", "serviceAccount.create=false"}, "serviceAccount.name: name the existing ServiceAccount"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"template", releaseName, chartDir, "--namespace", appName, "--kube-version", kubeVersion}, c.args...)
			out, stderr, err := helm(t, args...)
			if err == nil {
				t.Fatalf("helm template succeeded:\n%s", out)
			}
			if !strings.Contains(string(stderr), c.want) {
				t.Errorf("helm template failed without saying %q:\n%s", c.want, stderr)
			}
		})
	}
}

// The chart's values the tests compare against.
type helmValues struct {
	Image struct {
		Repository string `yaml:"repository"`
	} `yaml:"image"`
}

func chartValues(t *testing.T) helmValues {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var v helmValues
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func chartAppVersion(t *testing.T) string {
	t.Helper()
	var c struct {
		AppVersion string `yaml:"appVersion"`
	}
	data, err := os.ReadFile(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return c.AppVersion
}

// The chart deploys the release the kustomize bases pin.
func TestHelmChartVersionMatchesKustomize(t *testing.T) {
	m := loadManifests(t, kubeDir)
	base := m.kustomizations["base"]
	if len(base.Images) != 1 {
		t.Fatalf("want one image in base/kustomization.yaml, got %d", len(base.Images))
	}
	if got, want := chartAppVersion(t), base.Images[0].NewTag; got != want {
		t.Errorf("Chart.yaml appVersion %q, the kustomize bases deploy %q", got, want)
	}
	if got, want := chartValues(t).Image.Repository, base.Images[0].NewName; got != want {
		t.Errorf("values.yaml image.repository %q, the kustomize bases use %q", got, want)
	}
}

// The deployment docs name only values the chart has (in --set and in
// backquotes, key=value or a dotted key), so that a renamed value does not
// leave a user with a silently ignored setting.
func TestHelmDocsNameKnownValues(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var values map[string]any
	if err := yaml.Unmarshal(data, &values); err != nil {
		t.Fatal(err)
	}
	set := regexp.MustCompile(`--set(?:-json|-string)? '?([A-Za-z][A-Za-z0-9.]*)(?:\[\d+\])?=`)
	quoted := regexp.MustCompile("`([a-z][A-Za-z]*(?:\\.[A-Za-z]+)+)(?:=[^`]*)?`")
	for _, doc := range []string{"../README.md", "../docs/GETTING_STARTED.md"} {
		text, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, m := range set.FindAllStringSubmatch(string(text), -1) {
			keys = append(keys, m[1])
		}
		for _, m := range quoted.FindAllStringSubmatch(string(text), -1) {
			path := strings.Split(m[1], ".")
			// Only what starts like a value of the chart: not config.yml,
			// docs/..., flags or metric names.
			if _, ok := values[path[0]]; ok && !strings.Contains(m[1], ".y") && !strings.HasSuffix(m[1], ".md") {
				keys = append(keys, m[1])
			}
		}
		if len(keys) == 0 {
			t.Errorf("%s names no value of the chart; has its Helm section gone?", doc)
		}
		for _, k := range keys {
			if !hasValue(values, strings.Split(k, ".")) {
				t.Errorf("%s: %s: the chart has no such value", doc, k)
			}
		}
	}
}

// The values file GETTING_STARTED.md shows renders a sound deployment.
func TestHelmGettingStartedValues(t *testing.T) {
	text, err := os.ReadFile("../docs/GETTING_STARTED.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(text), "```yaml\n# my-values.yaml\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("GETTING_STARTED.md has no ```yaml block that starts with # my-values.yaml")
	}
	file := filepath.Join(t.TempDir(), "my-values.yaml")
	if err := os.WriteFile(file, []byte(block), 0o644); err != nil {
		t.Fatal(err)
	}
	m := renderChart(t, "-f", file)
	w, ok := m.workloads["all.yaml"]
	if !ok {
		t.Fatal("no workload rendered")
	}
	flags := checkWorkload(t, m, w, readmeFlags(t), dockerEntrypoint(t).flags["--config.file"])
	if got := checkState(t, m, w, flags); got != "claim "+appName+"-state" {
		t.Errorf("the state file is on %q, want the claim the guide enables", got)
	}
	checkRRSAServiceAccounts(t, m)
	checkServiceMonitor(t, m, time.Duration(configMapConfig(t, m).Polling.Interval))
	if len(m.rules) != 1 {
		t.Errorf("rendered %d PrometheusRules, want 1", len(m.rules))
	}
}

// hasValue says whether path names a key of values. Below a key whose
// value is free-form (config.file, labels, annotations), any key is allowed.
func hasValue(values map[string]any, path []string) bool {
	v, ok := values[path[0]]
	if !ok {
		return false
	}
	if len(path) == 1 {
		return true
	}
	switch path[0] {
	case "file", "labels", "annotations", "podAnnotations", "podLabels", "nodeSelector":
		return true
	}
	m, ok := v.(map[string]any)
	return ok && hasValue(m, path[1:])
}

// NOTES.txt is rendered only by helm install, which needs a cluster: a copy
// of the chart with a template that includes it renders it here.
func TestHelmNotes(t *testing.T) {
	chart := filepath.Join(t.TempDir(), "chart")
	if err := os.CopyFS(chart, os.DirFS(chartDir)); err != nil {
		t.Fatal(err)
	}
	wrapper := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: |\n" +
		`{{ include (print $.Template.BasePath "/NOTES.txt") . | indent 4 }}` + "\n"
	if err := os.WriteFile(filepath.Join(chart, "templates", "zz-notes.yaml"), []byte(wrapper), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		args      []string
		want, not []string
	}{
		{"default", nil,
			[]string{"kubectl label namespace " + appName + " pod-identity.alibabacloud.com/injection=on",
				"rollout restart deployment/" + appName, "oidc:sub = system:serviceaccount:" + appName + ":" + appName,
				"on an emptyDir", "No ServiceMonitor"},
			[]string{"The state file is off"}},
		{"sharded, persistent, monitored", []string{"-f", ciValues("sharded-values.yaml")},
			[]string{"as 3 shards (StatefulSet)", "rollout restart statefulset/" + appName},
			[]string{"emptyDir", "No ServiceMonitor"}},
		{"manual RRSA, no state", []string{"-f", ciValues("existing-configmap-values.yaml"), "--set", "storage.enabled=false"},
			[]string{"The state file is off"},
			[]string{"kubectl label namespace"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"template", releaseName, chart, "--namespace", appName, "--kube-version", kubeVersion,
				"--show-only", "templates/zz-notes.yaml"}, c.args...)
			out, stderr, err := helm(t, args...)
			if err != nil {
				t.Fatalf("helm template: %v\n%s", err, stderr)
			}
			var cm configMap
			if err := yaml.Unmarshal(out, &cm); err != nil {
				t.Fatal(err)
			}
			notes := cm.Data["notes"]
			for _, w := range c.want {
				if !strings.Contains(notes, w) {
					t.Errorf("the notes do not say %q:\n%s", w, notes)
				}
			}
			for _, w := range c.not {
				if strings.Contains(notes, w) {
					t.Errorf("the notes say %q:\n%s", w, notes)
				}
			}
		})
	}
}
