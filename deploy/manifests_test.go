package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/config"
)

const (
	kubeDir     = "kubernetes"
	appName     = "ehpc-serverless-exporter"
	rrsaLabel   = "pod-identity.alibabacloud.com/injection"
	rrsaRoleAnn = "pod-identity.alibabacloud.com/role-name"
	podIndex    = "metadata.labels['apps.kubernetes.io/pod-index']"
)

// manifests are the decoded documents of one directory tree.
type manifests struct {
	namespaces      []namespace
	serviceAccounts map[string]serviceAccount
	configMaps      map[string]configMap
	services        map[string]service
	workloads       map[string]workload // by file, relative to kubernetes/
	serviceMonitors []serviceMonitor
	rules           []prometheusRule
	claims          map[string]persistentVolumeClaim
	kustomizations  map[string]kustomization // by directory, relative to kubernetes/
}

// loadManifests decodes every YAML document under dir, strictly, by kind.
func loadManifests(t *testing.T, dir string) *manifests {
	t.Helper()
	m := &manifests{
		serviceAccounts: map[string]serviceAccount{},
		configMaps:      map[string]configMap{},
		services:        map[string]service{},
		workloads:       map[string]workload{},
		claims:          map[string]persistentVolumeClaim{},
		kustomizations:  map[string]kustomization{},
	}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(path); ext != ".yaml" && ext != ".yml" {
			t.Errorf("%s: only YAML files belong in %s", path, dir)
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		for i, doc := range yamlDocuments(t, path) {
			where := rel + " document " + strconv.Itoa(i+1)
			m.add(t, where, rel, doc)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (m *manifests) add(t *testing.T, where, rel string, doc []byte) {
	t.Helper()
	var tm typeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	decode := func(out any) bool {
		if err := decodeStrict(doc, out); err != nil {
			t.Errorf("%s (%s %s): %v", where, tm.APIVersion, tm.Kind, err)
			return false
		}
		return true
	}
	switch tm.APIVersion + " " + tm.Kind {
	case "v1 Namespace":
		var o namespace
		if decode(&o) {
			m.namespaces = append(m.namespaces, o)
		}
	case "v1 ServiceAccount":
		var o serviceAccount
		if decode(&o) {
			m.serviceAccounts[o.Metadata.Name] = o
		}
	case "v1 ConfigMap":
		var o configMap
		if decode(&o) {
			m.configMaps[o.Metadata.Name] = o
		}
	case "v1 Service":
		var o service
		if decode(&o) {
			m.services[o.Metadata.Name] = o
		}
	case "apps/v1 Deployment", "apps/v1 StatefulSet":
		var o workload
		if decode(&o) {
			m.workloads[rel] = o
		}
	case "monitoring.coreos.com/v1 ServiceMonitor":
		var o serviceMonitor
		if decode(&o) {
			m.serviceMonitors = append(m.serviceMonitors, o)
		}
	case "v1 PersistentVolumeClaim":
		var o persistentVolumeClaim
		if decode(&o) {
			m.claims[o.Metadata.Name] = o
		}
	case "monitoring.coreos.com/v1 PrometheusRule":
		var o prometheusRule
		if decode(&o) {
			m.rules = append(m.rules, o)
		}
	case "kustomize.config.k8s.io/v1beta1 Kustomization":
		var o kustomization
		if decode(&o) {
			m.kustomizations[filepath.Dir(rel)] = o
		}
	default:
		t.Errorf("%s: unexpected apiVersion %q kind %q", where, tm.APIVersion, tm.Kind)
	}
}

func TestManifestsDecodeByKind(t *testing.T) {
	m := loadManifests(t, kubeDir)
	counts := map[string]int{
		"Namespace":      len(m.namespaces),
		"ServiceAccount": len(m.serviceAccounts),
		"ConfigMap":      len(m.configMaps),
		"Service":        len(m.services),
		"workload":       len(m.workloads),
		"ServiceMonitor": len(m.serviceMonitors),
		"PrometheusRule": len(m.rules),
		"Kustomization":  len(m.kustomizations),
	}
	for kind, n := range counts {
		if n == 0 {
			t.Errorf("no %s under %s", kind, kubeDir)
		}
	}
	for file, w := range m.workloads {
		want := map[string]string{"base/deployment.yaml": "Deployment", "sharded/statefulset.yaml": "StatefulSet"}[file]
		if w.Kind != want {
			t.Errorf("%s holds a %s, want %q", file, w.Kind, want)
		}
	}
}

func TestNamespaceAndServiceAccountEnableRRSA(t *testing.T) {
	m := loadManifests(t, kubeDir)
	if len(m.namespaces) != 1 {
		t.Fatalf("want one Namespace, got %d", len(m.namespaces))
	}
	ns := m.namespaces[0]
	v, ok := ns.Metadata.Labels[rrsaLabel]
	switch {
	case !ok:
		t.Errorf("namespace %s lacks the label %s", ns.Metadata.Name, rrsaLabel)
	case v.Value != "on" || v.Tag != "!!str":
		t.Errorf("label %s = %q (%s), want the string on", rrsaLabel, v.Value, v.Tag)
	case v.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) == 0:
		// YAML 1.1 parsers (kubectl's among them) read a bare on as true.
		t.Errorf("label %s: quote the value 'on'", rrsaLabel)
	}
	checkRRSAServiceAccounts(t, m)
}

// checkRRSAServiceAccounts: every workload runs as a ServiceAccount of the
// manifests that names its RAM role for the webhook.
func checkRRSAServiceAccounts(t *testing.T, m *manifests) {
	t.Helper()
	for name, w := range m.workloads {
		sa, ok := m.serviceAccounts[w.Spec.Template.Spec.ServiceAccountName]
		if !ok {
			t.Errorf("%s: serviceAccountName %q is not defined", name, w.Spec.Template.Spec.ServiceAccountName)
			continue
		}
		if sa.Metadata.Annotations[rrsaRoleAnn] == "" {
			t.Errorf("ServiceAccount %s: no %s annotation", sa.Metadata.Name, rrsaRoleAnn)
		}
	}
}

func TestConfigMapIsAValidConfig(t *testing.T) {
	m := loadManifests(t, kubeDir)
	cfg := configMapConfig(t, m)
	if cfg.Credentials.Type != "oidc_role_arn" {
		t.Errorf("credentials.type = %q; on ACK the config should ask for RRSA (oidc_role_arn) explicitly", cfg.Credentials.Type)
	}
}

// configMapConfig parses the config file of the only ConfigMap with the
// repository's own parser.
func configMapConfig(t *testing.T, m *manifests) *config.Config {
	t.Helper()
	cm, ok := m.configMaps[appName]
	if !ok || len(m.configMaps) != 1 {
		t.Fatalf("want exactly the ConfigMap %s, got %d ConfigMaps", appName, len(m.configMaps))
	}
	data, ok := cm.Data[configKey]
	if !ok {
		t.Fatalf("ConfigMap %s has no %s", appName, configKey)
	}
	cfg, err := config.Parse([]byte(data), "ConfigMap "+appName+" "+configKey)
	if err != nil {
		t.Fatalf("the ConfigMap's %s does not load:\n%v", configKey, err)
	}
	return cfg
}

func TestWorkloads(t *testing.T) {
	m := loadManifests(t, kubeDir)
	known := readmeFlags(t)
	entry := dockerEntrypoint(t)
	imageConfig := entry.flags["--config.file"]
	if imageConfig == "" {
		t.Fatal("the Dockerfile's ENTRYPOINT does not name --config.file")
	}
	for file, w := range m.workloads {
		t.Run(file, func(t *testing.T) {
			flags := checkWorkload(t, m, w, known, imageConfig)
			backing := checkState(t, m, w, flags)
			want := map[string]string{"Deployment": "emptyDir", "StatefulSet": "volumeClaimTemplates"}[w.Kind]
			if backing != want {
				t.Errorf("the state file is on %q, want %q", backing, want)
			}
		})
	}
}

// checkWorkload checks what every workload must get right and returns its
// container's flags.
func checkWorkload(t *testing.T, m *manifests, w workload, known map[string]bool, imageConfig string) map[string]string {
	spec := w.Spec.Template.Spec
	if !labelsMatch(w.Spec.Selector.MatchLabels, w.Spec.Template.Metadata.Labels) {
		t.Errorf("selector %v does not select the pod labels %v", w.Spec.Selector.MatchLabels, w.Spec.Template.Metadata.Labels)
	}
	psc := spec.SecurityContext
	if psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Error("pod securityContext.runAsNonRoot is not true")
	}
	if psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		t.Error("pod securityContext.runAsUser is not a non-root uid")
	}
	if psc.SeccompProfile.Type != "RuntimeDefault" {
		t.Errorf("seccompProfile = %q, want RuntimeDefault", psc.SeccompProfile.Type)
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(spec.Containers))
	}
	c := spec.Containers[0]
	ports := map[string]int{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if ports["http"] != exporterPort {
		t.Errorf("container port http = %d, want %d", ports["http"], exporterPort)
	}
	for _, pc := range []struct {
		name string
		p    *probe
		path string
	}{{"livenessProbe", c.LivenessProbe, healthPath}, {"readinessProbe", c.ReadinessProbe, readyPath}} {
		if pc.p == nil {
			t.Errorf("no %s", pc.name)
			continue
		}
		if pc.p.HTTPGet.Path != pc.path {
			t.Errorf("%s path = %q, want %q", pc.name, pc.p.HTTPGet.Path, pc.path)
		}
		if port := resolvePort(pc.p.HTTPGet.Port, ports); port != exporterPort {
			t.Errorf("%s port %q is %d, want %d", pc.name, pc.p.HTTPGet.Port, port, exporterPort)
		}
	}
	sc := c.SecurityContext
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Error("allowPrivilegeEscalation is not false")
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Error("readOnlyRootFilesystem is not true")
	}
	if sc.Privileged != nil && *sc.Privileged {
		t.Error("container is privileged")
	}
	if !slices.Equal(sc.Capabilities.Drop, []string{"ALL"}) {
		t.Errorf("capabilities.drop = %v, want [ALL]", sc.Capabilities.Drop)
	}
	for _, res := range []string{"cpu", "memory"} {
		req, lim := c.Resources.Requests[res], c.Resources.Limits[res]
		if req == "" || lim == "" {
			t.Errorf("%s: request %q, limit %q: both must be set", res, req, lim)
			continue
		}
		r, err1 := quantity(req)
		l, err2 := quantity(lim)
		if err1 != nil || err2 != nil {
			t.Errorf("%s: %v %v", res, err1, err2)
			continue
		}
		if r > l {
			t.Errorf("%s: request %s above limit %s", res, req, lim)
		}
	}

	flags := checkFlags(t, "args", c.Args, known)
	if _, ok := flags["--config.file"]; ok {
		t.Error("args repeat --config.file, which the image's ENTRYPOINT already gives")
	}
	if addr, ok := flags["--web.listen-address"]; ok && !strings.HasSuffix(addr, ":"+strconv.Itoa(exporterPort)) {
		t.Errorf("--web.listen-address=%s is not on port %d", addr, exporterPort)
	}

	// The config file the image reads must be a key of the ConfigMap,
	// mounted read-only on its directory under the name the image reads.
	volumes := map[string]volume{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = v
	}
	templates := map[string]bool{}
	for _, vct := range w.Spec.VolumeClaimTemplates {
		templates[vct.Metadata.Name] = true
	}
	mounted := false
	for _, vm := range c.VolumeMounts {
		v, ok := volumes[vm.Name]
		if !ok && !templates[vm.Name] {
			t.Errorf("volumeMount %s names no volume and no volumeClaimTemplate", vm.Name)
		}
		if v.ConfigMap == nil {
			continue
		}
		if vm.MountPath != filepath.Dir(imageConfig) {
			t.Errorf("ConfigMap volume %s mounted at %s; the image reads %s", vm.Name, vm.MountPath, imageConfig)
		}
		if !vm.ReadOnly {
			t.Errorf("ConfigMap volume %s is not mounted read-only", vm.Name)
		}
		file := filepath.Base(imageConfig)
		key := file
		if items := v.ConfigMap.Items; len(items) > 0 {
			key = ""
			for _, it := range items {
				if it.Path == file {
					key = it.Key
				}
			}
			if key == "" {
				t.Errorf("ConfigMap volume %s: no item is mounted as %s", vm.Name, file)
				continue
			}
		}
		if _, ok := m.configMaps[v.ConfigMap.Name].Data[key]; !ok {
			t.Errorf("ConfigMap %q has no key %s", v.ConfigMap.Name, key)
		}
		mounted = true
	}
	if !mounted {
		t.Error("no ConfigMap is mounted")
	}

	switch w.Kind {
	case "Deployment":
		if w.Spec.Replicas == nil || *w.Spec.Replicas != 1 {
			t.Error("the Deployment must run exactly one replica: more would poll every job twice")
		}
		if _, ok := flags["--total-shards"]; ok {
			t.Error("the Deployment must not shard; that is the StatefulSet's job")
		}
	case "StatefulSet":
		checkShards(t, m, w, c, flags)
	}
	return flags
}

// checkState checks that --storage.path is a writable volume: the root
// filesystem is read-only, and without the volume the exporter would warn
// and run without state, so a restart would describe every job again. It
// returns what keeps the state ("emptyDir", "claim <name>",
// "volumeClaimTemplates"), or "" without --storage.path.
func checkState(t *testing.T, m *manifests, w workload, flags map[string]string) string {
	t.Helper()
	dir, ok := flags["--storage.path"]
	if !ok {
		return ""
	}
	if !filepath.IsAbs(dir) {
		t.Errorf("--storage.path=%s is not an absolute path", dir)
		return "?"
	}
	c := w.Spec.Template.Spec.Containers[0]
	var name string
	for _, vm := range c.VolumeMounts {
		if vm.MountPath == dir {
			name = vm.Name
			if vm.ReadOnly {
				t.Errorf("the state volume %s is mounted read-only", vm.Name)
			}
		}
	}
	if name == "" {
		t.Errorf("--storage.path=%s is on no volume: on the read-only root filesystem the exporter runs without state", dir)
		return "?"
	}
	for _, v := range w.Spec.Template.Spec.Volumes {
		switch {
		case v.Name != name:
		case v.EmptyDir != nil:
			if v.EmptyDir.SizeLimit == "" {
				t.Errorf("the state emptyDir %s has no sizeLimit", name)
			}
			return "emptyDir"
		case v.PersistentVolumeClaim != nil:
			return "claim " + v.PersistentVolumeClaim.ClaimName
		default:
			t.Errorf("the state volume %s is neither an emptyDir nor a claim", name)
			return "?"
		}
	}
	for _, vct := range w.Spec.VolumeClaimTemplates {
		if vct.Metadata.Name != name {
			continue
		}
		if w.Kind != "StatefulSet" {
			t.Errorf("a %s has volumeClaimTemplates", w.Kind)
		}
		checkClaimSpec(t, "volumeClaimTemplate "+name, vct.Spec)
		return "volumeClaimTemplates"
	}
	t.Errorf("the state volume %s is not defined", name)
	return "?"
}

// checkClaimSpec: one writer, and room for the state file.
func checkClaimSpec(t *testing.T, where string, s pvcSpec) {
	t.Helper()
	if !slices.Equal(s.AccessModes, []string{"ReadWriteOnce"}) {
		t.Errorf("%s: accessModes %v, want [ReadWriteOnce]", where, s.AccessModes)
	}
	size, err := quantity(s.Resources.Requests["storage"])
	if err != nil {
		t.Errorf("%s: %v", where, err)
	} else if size < 64<<20 {
		t.Errorf("%s: %s is too small for the state file of a large fleet", where, s.Resources.Requests["storage"])
	}
}

// checkShards: every replica takes its ordinal as shard number, and the
// number of shards is the number of replicas, so every job has one owner.
func checkShards(t *testing.T, m *manifests, w workload, c container, flags map[string]string) {
	if w.Spec.Replicas == nil {
		t.Fatal("the StatefulSet does not set replicas")
	}
	if got := flags["--total-shards"]; got != strconv.Itoa(*w.Spec.Replicas) {
		t.Errorf("--total-shards=%s, replicas %d: they must be equal", got, *w.Spec.Replicas)
	}
	shard := flags["--shard"]
	env, ok := strings.CutPrefix(shard, "$(")
	env, ok2 := strings.CutSuffix(env, ")")
	if !ok || !ok2 {
		t.Fatalf("--shard=%s does not come from an environment variable", shard)
	}
	found := false
	for _, e := range c.Env {
		if e.Name == env {
			found = e.ValueFrom != nil && e.ValueFrom.FieldRef.FieldPath == podIndex
		}
	}
	if !found {
		t.Errorf("env %s is not the pod's %s", env, podIndex)
	}
	if _, ok := m.services[w.Spec.ServiceName]; !ok {
		t.Errorf("serviceName %q is not a Service of the manifests", w.Spec.ServiceName)
	}
}

func resolvePort(p intOrString, named map[string]int) int {
	if n, err := strconv.Atoi(string(p)); err == nil {
		return n
	}
	return named[string(p)]
}

func labelsMatch(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func TestServiceSelectsTheExporter(t *testing.T) {
	checkService(t, loadManifests(t, kubeDir))
}

// checkService: the Service of the manifests reaches every workload's pods
// on the exporter's port.
func checkService(t *testing.T, m *manifests) {
	t.Helper()
	svc, ok := m.services[appName]
	if !ok {
		t.Fatalf("no Service %s", appName)
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != exporterPort {
		t.Fatalf("Service ports %+v, want one on %d", svc.Spec.Ports, exporterPort)
	}
	for file, w := range m.workloads {
		if !labelsMatch(svc.Spec.Selector, w.Spec.Template.Metadata.Labels) {
			t.Errorf("Service selector %v does not select the pods of %s", svc.Spec.Selector, file)
		}
		ports := map[string]int{}
		for _, p := range w.Spec.Template.Spec.Containers[0].Ports {
			ports[p.Name] = p.ContainerPort
		}
		if got := resolvePort(svc.Spec.Ports[0].TargetPort, ports); got != exporterPort {
			t.Errorf("Service targetPort %q is %d in %s, want %d", svc.Spec.Ports[0].TargetPort, got, file, exporterPort)
		}
	}
}

func TestServiceMonitorScrapesTheService(t *testing.T) {
	m := loadManifests(t, kubeDir)
	checkServiceMonitor(t, m, time.Duration(configMapConfig(t, m).Polling.Interval))
}

// checkServiceMonitor: the one ServiceMonitor scrapes the Service's port as
// often as the exporter polls.
func checkServiceMonitor(t *testing.T, m *manifests, polling time.Duration) {
	t.Helper()
	if len(m.serviceMonitors) != 1 {
		t.Fatalf("want one ServiceMonitor, got %d", len(m.serviceMonitors))
	}
	sm := m.serviceMonitors[0]
	svc := m.services[appName]
	if !labelsMatch(sm.Spec.Selector.MatchLabels, svc.Metadata.Labels) {
		t.Errorf("ServiceMonitor selector %v does not select the Service's labels %v", sm.Spec.Selector.MatchLabels, svc.Metadata.Labels)
	}
	if len(sm.Spec.Endpoints) != 1 {
		t.Fatalf("want one endpoint, got %d", len(sm.Spec.Endpoints))
	}
	ep := sm.Spec.Endpoints[0]
	if ep.Port != svc.Spec.Ports[0].Name {
		t.Errorf("endpoint port %q, the Service's port is named %q", ep.Port, svc.Spec.Ports[0].Name)
	}
	if ep.Path != "/metrics" {
		t.Errorf("endpoint path %q, want /metrics", ep.Path)
	}
	if !ep.HonorLabels {
		t.Error("honorLabels must be true: the operator's container target label would overwrite the exporter's container label")
	}
	checkScrapeTiming(t, "ServiceMonitor", ep.Interval, ep.ScrapeTimeout, polling)
}

// checkScrapeTiming: scrape as often as the exporter polls, and time out
// before the next scrape is due.
func checkScrapeTiming(t *testing.T, where, interval, timeout string, polling time.Duration) {
	t.Helper()
	iv, err := model.ParseDuration(interval)
	if err != nil {
		t.Errorf("%s: interval %q: %v", where, interval, err)
		return
	}
	to, err := model.ParseDuration(timeout)
	if err != nil {
		t.Errorf("%s: timeout %q: %v", where, timeout, err)
		return
	}
	if time.Duration(iv) != polling {
		t.Errorf("%s: scrape interval %s differs from the polling interval %s", where, interval, polling)
	}
	if to <= 0 || to >= iv {
		t.Errorf("%s: scrape timeout %s must be positive and below the interval %s", where, timeout, interval)
	}
}

func TestKustomizationsListEveryManifest(t *testing.T) {
	m := loadManifests(t, kubeDir)
	for _, dir := range []string{"base", "sharded"} {
		k, ok := m.kustomizations[dir]
		if !ok {
			t.Errorf("no kustomization.yaml in %s/%s", kubeDir, dir)
			continue
		}
		entries, err := os.ReadDir(filepath.Join(kubeDir, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.IsDir() || e.Name() == "kustomization.yaml" {
				continue
			}
			if !slices.Contains(k.Resources, e.Name()) {
				t.Errorf("%s/%s is not listed in its kustomization.yaml", dir, e.Name())
			}
		}
		for _, r := range k.Resources {
			if _, err := os.Stat(filepath.Join(kubeDir, dir, r)); err != nil {
				t.Errorf("%s/kustomization.yaml: resource %s: %v", dir, r, err)
			}
		}
	}
	// The overlay repeats the namespace and image, which base's
	// transformers do not apply to the overlay's own resources.
	base := m.kustomizations["base"]
	if len(base.Images) != 1 {
		t.Fatalf("want one image in base/kustomization.yaml, got %d", len(base.Images))
	}
	img := base.Images[0]
	if img.NewTag == "" || img.NewTag == "latest" {
		t.Errorf("image tag %q: pin a version", img.NewTag)
	}
	for dir, k := range m.kustomizations {
		if k.Namespace != appName {
			t.Errorf("%s: namespace %q, want %q", dir, k.Namespace, appName)
		}
		if !slices.Equal(k.Images, base.Images) {
			t.Errorf("%s: images %+v differ from base's %+v", dir, k.Images, base.Images)
		}
	}
	for file, w := range m.workloads {
		if got := w.Spec.Template.Spec.Containers[0].Image; got != img.Name {
			t.Errorf("%s: image %q is not the name the kustomizations replace (%q)", file, got, img.Name)
		}
	}
}

// TestKustomizeBuild renders both kustomizations as kubectl would apply them.
func TestKustomizeBuild(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed")
	}
	for dir, want := range map[string]string{filepath.Join(kubeDir, "base"): "Deployment", filepath.Join(kubeDir, "sharded"): "StatefulSet"} {
		t.Run(dir, func(t *testing.T) {
			out, err := exec.Command(kubectl, "kustomize", dir).CombinedOutput()
			if err != nil {
				t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, out)
			}
			tmp := filepath.Join(t.TempDir(), "out")
			if err := os.MkdirAll(tmp, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(tmp, "all.yaml"), out, 0o644); err != nil {
				t.Fatal(err)
			}
			built := loadManifests(t, tmp)
			if len(built.workloads) != 1 {
				t.Fatalf("rendered %d workloads, want 1", len(built.workloads))
			}
			for _, w := range built.workloads {
				if w.Kind != want {
					t.Errorf("rendered a %s, want a %s", w.Kind, want)
				}
				if w.Metadata.Namespace != appName {
					t.Errorf("workload namespace %q, want %q", w.Metadata.Namespace, appName)
				}
				if img := w.Spec.Template.Spec.Containers[0].Image; !strings.Contains(img, ":") {
					t.Errorf("rendered image %q has no tag", img)
				}
			}
			if len(built.rules) != 1 || len(built.serviceMonitors) != 1 || len(built.configMaps) != 1 {
				t.Errorf("rendered %d PrometheusRules, %d ServiceMonitors, %d ConfigMaps; want one each",
					len(built.rules), len(built.serviceMonitors), len(built.configMaps))
			}
		})
	}
}
