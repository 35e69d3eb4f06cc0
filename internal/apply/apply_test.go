package apply

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/config"
)

// configOf is one cluster with the given job ids and metrics section. Its
// endpoint resolves nowhere; nothing here polls.
func configOf(t *testing.T, jobIDs, metrics string) *config.Config {
	t.Helper()
	body := fmt.Sprintf(`credentials:
  type: environment
clusters:
  - cluster_id: c
    region_id: cn-hangzhou
    endpoint: http://c.invalid
    job_ids: %s
%s`, jobIDs, metrics)
	cfg, err := config.Parse([]byte(body), "config.yml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func jobIDsOf(s *collector.Store) []string {
	var ids []string
	for _, k := range s.Keys() {
		ids = append(ids, k.JobID)
	}
	return ids
}

func exposition(t *testing.T, s *collector.Store) string {
	t.Helper()
	var b strings.Builder
	if _, err := s.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

const denyPollClass = "metrics:\n  deny: [ehpc_serverless_exporter_jobs_by_poll_class]\n"

func TestStartAppliesTheFirstConfig(t *testing.T) {
	reg := prometheus.NewRegistry()
	app, err := Start(configOf(t, `["1", "2"]`, denyPollClass), Options{Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	if got := jobIDsOf(app.Store()); !slices.Equal(got, []string{"1", "2"}) {
		t.Errorf("tracked jobs %v, want 1 and 2", got)
	}
	out := exposition(t, app.Store())
	if !strings.Contains(out, "ehpc_serverless_exporter_jobs_tracked") || strings.Contains(out, "ehpc_serverless_exporter_jobs_by_poll_class") {
		t.Errorf("the store does not follow metrics.deny:\n%s", out)
	}
	if app.Poller().Ready() {
		t.Error("a poller that never polled says it is ready")
	}
	if mfs, err := reg.Gather(); err != nil || len(mfs) == 0 {
		t.Errorf("the poller's metrics are not registered: %d families, %v", len(mfs), err)
	}
}

// TestApplyRefusedByTheStoreChangesNothing pins the fix of a reload that a
// tag label collision failed only after the poller had taken the new job
// ids: the reload said it failed, yet job 3 was tracked.
func TestApplyRefusedByTheStoreChangesNothing(t *testing.T) {
	app, err := Start(configOf(t, `["1", "2"]`, denyPollClass), Options{})
	if err != nil {
		t.Fatal(err)
	}
	before := exposition(t, app.Store())

	err = app.Apply(configOf(t, `["1", "2", "3"]`, "metrics:\n  per_job: false\n  max_series: 1\n  tag_labels: [a-b, a_b]\n"))
	if err == nil {
		t.Fatal("a tag label collision was applied")
	}
	for _, want := range []string{"metrics: ", `"a-b"`, `"a_b"`, `"tag_a_b"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %s", err, want)
		}
	}
	if got := jobIDsOf(app.Store()); !slices.Equal(got, []string{"1", "2"}) {
		t.Errorf("after the refused reload the tracked jobs are %v, want 1 and 2", got)
	}
	if got := exposition(t, app.Store()); got != before {
		t.Errorf("the refused reload changed /metrics:\nbefore:\n%s\nafter:\n%s", before, got)
	}

	// The same change without the collision goes through, all of it.
	if err := app.Apply(configOf(t, `["1", "2", "3"]`, "metrics:\n  tag_labels: [a-b]\n")); err != nil {
		t.Fatal(err)
	}
	if got := jobIDsOf(app.Store()); !slices.Equal(got, []string{"1", "2", "3"}) {
		t.Errorf("after the good reload the tracked jobs are %v, want 1, 2 and 3", got)
	}
	if !strings.Contains(exposition(t, app.Store()), "ehpc_serverless_exporter_jobs_by_poll_class") {
		t.Error("the good reload did not lift metrics.deny")
	}
}

// TestCheckRefusesWhatStartRefuses: --config.check runs Check, and must not
// pass a config that start would then refuse.
func TestCheckRefusesWhatStartRefuses(t *testing.T) {
	cases := []struct {
		name    string
		cfg     func(t *testing.T) *config.Config
		opts    Options
		wantErr string
	}{
		{"tag label collision", func(t *testing.T) *config.Config {
			return configOf(t, `["1"]`, "metrics:\n  tag_labels: [a-b, a_b]\n")
		}, Options{}, `metrics: tag label allowlist: keys "a-b" and "a_b" both become label "tag_a_b"`},
		{"credentials that cannot be built", func(t *testing.T) *config.Config {
			t.Setenv("ALIBABA_CLOUD_CREDENTIALS_URI", "")
			cfg := configOf(t, `["1"]`, "")
			cfg.Clusters[0].Credentials.Type = client.CredentialCredentialsURI
			return cfg
		}, Options{}, "cluster c: credentials: credentials URI"},
		{"a negative series cap that skipped validation", func(t *testing.T) *config.Config {
			cfg := configOf(t, `["1"]`, "")
			cfg.Metrics.MaxSeries = -1
			return cfg
		}, Options{}, "metrics: series cap: -1 is negative"},
		{"shard outside the shards", func(t *testing.T) *config.Config {
			return configOf(t, `["1"]`, "")
		}, Options{Shard: 2, TotalShards: 2}, "poller: shard must be in [0, 2)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg(t)
			cerr := Check(cfg, tc.opts)
			_, serr := Start(cfg, tc.opts)
			if cerr == nil || serr == nil || cerr.Error() != serr.Error() {
				t.Fatalf("Check: %v\nStart: %v\nwant the same refusal", cerr, serr)
			}
			if !strings.Contains(cerr.Error(), tc.wantErr) {
				t.Errorf("error %q lacks %q", cerr, tc.wantErr)
			}
		})
	}

	reg := prometheus.NewRegistry()
	if err := Check(configOf(t, `["1"]`, denyPollClass), Options{Registerer: reg}); err != nil {
		t.Fatalf("a good config refused: %v", err)
	}
	if mfs, _ := reg.Gather(); len(mfs) != 0 {
		t.Errorf("Check registered %d metric families", len(mfs))
	}
}

// TestApplyOneAtATime races reloads; under -race this shows the plans of two
// reloads never interleave, and the last one wins whole.
func TestApplyOneAtATime(t *testing.T) {
	app, err := Start(configOf(t, `["1"]`, ""), Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfgs := []*config.Config{configOf(t, `["1", "2"]`, denyPollClass), configOf(t, `["1", "3"]`, "")}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if err := app.Apply(cfgs[i%2]); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := app.Apply(cfgs[1]); err != nil {
		t.Fatal(err)
	}
	if got := jobIDsOf(app.Store()); !slices.Equal(got, []string{"1", "3"}) {
		t.Errorf("tracked jobs %v, want 1 and 3", got)
	}
	if !strings.Contains(exposition(t, app.Store()), "ehpc_serverless_exporter_jobs_by_poll_class") {
		t.Error("metrics options of an earlier reload survived the last one")
	}
}

// TestFailureClassFollowsTheConfig: the store's failure class is the one
// analytics counts, with the site's own classes, and a reload re-classes the
// stored jobs.
func TestFailureClassFollowsTheConfig(t *testing.T) {
	const site = "analytics:\n  failure_classes:\n    - class: input_error\n      exit_codes: [3]\n"
	app, err := Start(configOf(t, `["1"]`, site), Options{})
	if err != nil {
		t.Fatal(err)
	}
	app.Store().Set(&collector.JobSnapshot{
		Key: collector.JobKey{ClusterID: "c", JobID: "1"}, Class: collector.ClassFrozen,
		Info: &client.JobInfo{JobID: "1", State: client.JobStateFailed, ContainerGroups: []client.ContainerGroup{{
			ContainerGroupID: "g", Containers: []client.Container{{Name: "m",
				CurrentState: client.ContainerState{State: client.ContainerStateTerminated, ExitCode: 3}}},
		}}},
	})
	line := func(class string) string {
		return `ehpc_serverless_job_failure_class{cluster_id="c",job_id="1",reason_class="` + class + `"} 1`
	}
	if out := exposition(t, app.Store()); !strings.Contains(out, line("input_error")) {
		t.Errorf("the site's class is not shown:\n%s", out)
	}
	if err := app.Apply(configOf(t, `["1"]`, "")); err != nil {
		t.Fatal(err)
	}
	if out := exposition(t, app.Store()); !strings.Contains(out, line("app_error")) || strings.Contains(out, "input_error") {
		t.Errorf("after the reload without the site's class:\n%s", out)
	}
}

// TestPerJobSwitchesOnReload: metrics.per_job false shows counts and no
// series of a single job; a reload back shows the jobs again.
func TestPerJobSwitchesOnReload(t *testing.T) {
	app, err := Start(configOf(t, `["1"]`, "metrics:\n  per_job: false\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	app.Store().Set(&collector.JobSnapshot{Key: collector.JobKey{ClusterID: "c", JobID: "1"}, Class: collector.ClassActive,
		Info: &client.JobInfo{JobID: "1", State: client.JobStateRunning, Queue: "q", User: "u"}})
	out := exposition(t, app.Store())
	if strings.Contains(out, "job_id=") || !strings.Contains(out, `ehpc_serverless_jobs{cluster_id="c",queue="q",user="u",state="Running"} 1`) {
		t.Errorf("aggregate-only exposition:\n%s", out)
	}
	if err := app.Apply(configOf(t, `["1"]`, "")); err != nil {
		t.Fatal(err)
	}
	out = exposition(t, app.Store())
	if !strings.Contains(out, `ehpc_serverless_job_state{cluster_id="c",job_id="1",state="Running"} 1`) || strings.Contains(out, "ehpc_serverless_jobs{") {
		t.Errorf("after the reload to per-job series:\n%s", out)
	}
}
