package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLoadMinimal(t *testing.T) {
	cfg, err := Load("testdata/good_minimal.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Clusters) != 1 {
		t.Fatalf("got %d clusters, want 1", len(cfg.Clusters))
	}
	c := &cfg.Clusters[0]
	if c.ClusterID != "ehpc-hz-FYUr32xxxx" || c.RegionID != "cn-hangzhou" {
		t.Errorf("cluster = %q in %q", c.ClusterID, c.RegionID)
	}
	if got := c.Endpoint(); got != "http://127.0.0.1:8080" {
		t.Errorf("Endpoint() = %q", got)
	}
	if got, want := c.ExpandedJobIDs(), []string{"5", "10_3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ExpandedJobIDs() = %q, want %q", got, want)
	}
	// Everything not written takes the documented default.
	want := DefaultConfig()
	if !reflect.DeepEqual(cfg.Polling, want.Polling) || !reflect.DeepEqual(cfg.API, want.API) ||
		!reflect.DeepEqual(cfg.Credentials, want.Credentials) || !reflect.DeepEqual(cfg.Metrics, want.Metrics) {
		t.Errorf("defaults not applied:\n%s", cfg)
	}
	if time.Duration(c.Discovery.SubmittedWithin) != 24*time.Hour || c.Discovery.Enabled || c.ExpandArray {
		t.Errorf("cluster defaults not applied: %+v", c)
	}
	if c.Credentials == nil || *c.Credentials != cfg.Credentials {
		t.Errorf("cluster credentials = %+v, want the top-level %+v", c.Credentials, cfg.Credentials)
	}
	if got := c.AccountKey(); got != "type=default" {
		t.Errorf("AccountKey() = %q", got)
	}
}

func TestLoadExample(t *testing.T) {
	cfg, err := Load("../config.example.yml")
	if err != nil {
		t.Fatal(err)
	}
	// The example shows every default: what it sets must equal the built-in
	// values, or the documentation lies.
	want := DefaultConfig()
	if !reflect.DeepEqual(cfg.Polling, want.Polling) || !reflect.DeepEqual(cfg.API, want.API) ||
		!reflect.DeepEqual(cfg.Credentials, want.Credentials) || !reflect.DeepEqual(cfg.Analytics.Labels, want.Analytics.Labels) ||
		len(cfg.Analytics.FailureClasses) != 0 {
		t.Errorf("config.example.yml disagrees with the built-in defaults:\n%s", cfg)
	}
	c := &cfg.Clusters[0]
	if got := c.Endpoint(); got != "https://ehpc.cn-hangzhou.aliyuncs.com" {
		t.Errorf("Endpoint() = %q", got)
	}
	if time.Duration(c.Discovery.SubmittedWithin) != DefaultSubmittedWithin {
		t.Errorf("submitted_within = %s", c.Discovery.SubmittedWithin)
	}
}

func TestLoadFull(t *testing.T) {
	cfg, err := Load("testdata/good_full.yml")
	if err != nil {
		t.Fatal(err)
	}
	c0, c1, c2 := &cfg.Clusters[0], &cfg.Clusters[1], &cfg.Clusters[2]
	if got := c0.Endpoint(); got != "https://ehpc.cn-hangzhou.aliyuncs.com" {
		t.Errorf("Endpoint() = %q (trailing slash must go)", got)
	}
	wantIDs := []string{"5", "10_3", "12_1", "12_3", "12_5", "12_7", "12_9", "20_0", "20_1", "20_2"}
	if got := c0.ExpandedJobIDs(); !reflect.DeepEqual(got, wantIDs) {
		t.Errorf("ExpandedJobIDs() = %q, want %q", got, wantIDs)
	}
	if !c0.ExpandArray || !c0.Discovery.Enabled || time.Duration(c0.Discovery.SubmittedWithin) != 48*time.Hour {
		t.Errorf("cluster 0 = %+v", c0)
	}
	if re := c0.Discovery.NameRegexp(); re == nil || !re.MatchString("train-7") || re.MatchString("x-train-7") {
		t.Errorf("name pattern must compile anchored, got %v", re)
	}
	// Merged from cluster 0's discovery, with two keys overridden.
	if !reflect.DeepEqual(c1.Discovery.States, []string{"Running", "Pending"}) ||
		!reflect.DeepEqual(c1.Discovery.Users, []string{"alice", "bob"}) ||
		len(c1.Discovery.Queues) != 0 || c1.Discovery.SubmittedWithin != 0 {
		t.Errorf("merged discovery = %+v", c1.Discovery)
	}
	if got := c1.AccountKey(); got != "type=profile,profile=other-account" {
		t.Errorf("AccountKey() = %q", got)
	}
	// A cluster's credentials block takes built-in defaults, not top-level values.
	if time.Duration(c1.Credentials.FetchTimeout) != DefaultFetchTimeout {
		t.Errorf("cluster 1 fetch_timeout = %s", c1.Credentials.FetchTimeout)
	}
	if got := c2.AccountKey(); got != "type=ecs_ram_role,role_name=exporter" {
		t.Errorf("AccountKey() = %q", got)
	}
	if got := c2.Endpoint(); got != "https://ehpc.cn-beijing.aliyuncs.com" {
		t.Errorf("Endpoint() = %q", got)
	}
	if cfg.Polling.Interval != Duration(time.Minute) || cfg.Polling.Concurrency != 8 || cfg.Polling.Retention != 0 {
		t.Errorf("polling = %+v", cfg.Polling)
	}
	if cfg.API != (API{Timeout: Duration(5 * time.Second), RequestsPerSecond: 2.5, Burst: 1, MaxResponseBytes: 10000000}) {
		t.Errorf("api = %+v", cfg.API)
	}
	if got := cfg.Clusters[0].AccountKey(); got != "type=default,profile=main" {
		t.Errorf("AccountKey() = %q", got)
	}
	if cfg.Metrics.PerJob || cfg.Metrics.MaxSeries != 200000 {
		t.Errorf("per_job = %v, max_series = %d", cfg.Metrics.PerJob, cfg.Metrics.MaxSeries)
	}
	if !reflect.DeepEqual(cfg.Metrics.TagLabels, []string{"app.kubernetes.io/name", "team"}) {
		t.Errorf("tag_labels = %q", cfg.Metrics.TagLabels)
	}
}

func TestAccountKeyGroupsEqualCredentials(t *testing.T) {
	cfg, err := Parse([]byte(`
clusters:
  - {cluster_id: a, region_id: cn-hangzhou}
  - {cluster_id: b, region_id: cn-shanghai, credentials: {type: default}}
  - {cluster_id: c, region_id: cn-hangzhou, credentials: {type: default, fetch_timeout: 1s}}
  - {cluster_id: d, region_id: cn-hangzhou, credentials: {type: profile, profile: x}}
  - {cluster_id: e, region_id: cn-hangzhou, credentials: {type: default, profile: x}}
`), "mem.yml")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	for i := range cfg.Clusters {
		keys[cfg.Clusters[i].ClusterID] = cfg.Clusters[i].AccountKey()
	}
	if keys["a"] != keys["b"] || keys["a"] != keys["c"] {
		t.Errorf("equal credentials settings must share a key: %v", keys)
	}
	if keys["a"] == keys["d"] || keys["d"] == keys["e"] || keys["a"] == keys["e"] {
		t.Errorf("different credentials settings must not share a key: %v", keys)
	}
}

// badFiles pins the exact text reported for each bad file.
var badFiles = []struct {
	file string
	want string
}{
	{"bad_unknown_key.yml", `
testdata/bad_unknown_key.yml:4: clusters[0].job_id: unknown key (did you mean job_ids?)
testdata/bad_unknown_key.yml:6: polling.intervall: unknown key (did you mean interval?)
testdata/bad_unknown_key.yml:8: timeout: unknown key (timeout belongs under api)
testdata/bad_unknown_key.yml:9: colour: unknown key`},
	{"bad_misplaced_key.yml", `
testdata/bad_misplaced_key.yml:4: clusters[0].interval: unknown key (interval belongs under polling)
testdata/bad_misplaced_key.yml:5: clusters[0].enabled: unknown key (enabled belongs under clusters.discovery)
testdata/bad_misplaced_key.yml:6: job_ids: unknown key (job_ids belongs under clusters)`},
	{"bad_missing_cluster_id.yml", `
testdata/bad_missing_cluster_id.yml:2: clusters[0].cluster_id: missing cluster_id (the E-HPC cluster id, e.g. ehpc-hz-FYUr32xxxx)`},
	{"bad_missing_region_id.yml", `
testdata/bad_missing_region_id.yml:2: clusters[0].region_id: missing region_id (e.g. cn-hangzhou)`},
	{"bad_region_and_cluster_format.yml", `
testdata/bad_region_and_cluster_format.yml:2: clusters[0].cluster_id: invalid cluster id "ehpc hz" (letters, digits, '.', '_' and '-' only)
testdata/bad_region_and_cluster_format.yml:3: clusters[0].region_id: invalid region id "cn hangzhou" (want e.g. cn-hangzhou)
testdata/bad_region_and_cluster_format.yml:5: clusters[1].region_id: invalid region id "Shanghai" (want e.g. cn-hangzhou)`},
	{"bad_duplicate_cluster_id.yml", `
testdata/bad_duplicate_cluster_id.yml:4: clusters[1].cluster_id: duplicate cluster_id "ehpc-hz-FYUr32xxxx" (also clusters[0])`},
	{"bad_no_clusters.yml", `
testdata/bad_no_clusters.yml:1: clusters: at least one cluster is required`},
	{"bad_empty.yml", `
testdata/bad_empty.yml: clusters: at least one cluster is required`},
	{"bad_duration.yml", `
testdata/bad_duration.yml:5: polling.interval: invalid duration "30 seconds" (want a number with a unit such as 500ms, 30s, 5m, 1h, 1d or 1w)
testdata/bad_duration.yml:6: polling.retention: invalid duration "1 hour" (want a number with a unit such as 500ms, 30s, 5m, 1h, 1d or 1w)`},
	{"bad_interval_zero.yml", `
testdata/bad_interval_zero.yml:5: polling.interval: must be greater than 0, got 0s`},
	{"bad_limits.yml", `
testdata/bad_limits.yml:5: clusters[0].discovery.submitted_within: must not be negative, got -1h
testdata/bad_limits.yml:7: polling.interval: must be at least 1s, got 500ms
testdata/bad_limits.yml:8: polling.concurrency: must be at least 1, got 0
testdata/bad_limits.yml:9: polling.retention: must not be negative, got -1s
testdata/bad_limits.yml:11: api.timeout: must be greater than 0, got 0s
testdata/bad_limits.yml:12: api.max_retries: must not be negative, got -1
testdata/bad_limits.yml:13: api.requests_per_second: must be greater than 0, got 0
testdata/bad_limits.yml:14: api.burst: must be at least 1, got 0
testdata/bad_limits.yml:15: api.max_response_bytes: must be at least 1 byte, got 0`},
	{"bad_endpoint_typo.yml", `
testdata/bad_endpoint_typo.yml:4: clusters[0].endpoint: "htp://127.0.0.1:8080" has scheme "htp"; only http and https are accepted (did you mean http://?)`},
	{"bad_endpoint_type.yml", `
testdata/bad_endpoint_type.yml:4: clusters[0].endpoint_type: unknown endpoint type "pubilc" (did you mean public?); known types: public, vpc
testdata/bad_endpoint_type.yml:8: clusters[1].endpoint_type: cannot be combined with endpoint, which names the host itself; remove one of them
testdata/bad_endpoint_type.yml:11: clusters[2].endpoint_type: unknown endpoint type "VPC" (did you mean vpc?); known types: public, vpc`},
	{"bad_endpoint_forms.yml", `
testdata/bad_endpoint_forms.yml:2: clusters[0].endpoint: "http//127.0.0.1:8080" is missing "://" after http (want e.g. http://127.0.0.1:9947)
testdata/bad_endpoint_forms.yml:3: clusters[1].endpoint: "http:/127.0.0.1:8080" is missing "://" after http (want e.g. http://127.0.0.1:9947)
testdata/bad_endpoint_forms.yml:4: clusters[2].endpoint: "http://127.0.0.1 :8080" contains white space
testdata/bad_endpoint_forms.yml:5: clusters[3].endpoint: "http://127.0.0.1:8080/api" must be scheme and host[:port] only, without path, query or fragment
testdata/bad_endpoint_forms.yml:6: clusters[4].endpoint: "https://host?x=1" must be scheme and host[:port] only, without path, query or fragment
testdata/bad_endpoint_forms.yml:7: clusters[5].endpoint: "127.0.0.1:8080" must be an absolute URL starting with http:// or https:// (e.g. http://127.0.0.1:9947)
testdata/bad_endpoint_forms.yml:8: clusters[6].endpoint: the endpoint must not contain user information (user:password@); credentials come from the credential chain
testdata/bad_endpoint_forms.yml:9: clusters[7].endpoint: "http://127.0.0.1:70000" has port 70000, want 1-65535
testdata/bad_endpoint_forms.yml:10: clusters[8].endpoint: "ftp://127.0.0.1" has scheme "ftp"; only http and https are accepted
testdata/bad_endpoint_forms.yml:11: clusters[9].endpoint: "https://" has no host (want https://host[:port])`},
	{"bad_range.yml", `
testdata/bad_range.yml:5: clusters[0].job_ids[0]: range "12_[9-1]": start 9 is greater than end 1
testdata/bad_range.yml:6: clusters[0].job_ids[1]: range "12_[1-9:0]": step must be at least 1
testdata/bad_range.yml:7: clusters[0].job_ids[2]: range "12_[1-200000]" expands to 200000 ids, more than the limit of 100000
testdata/bad_range.yml:8: clusters[0].job_ids[3]: invalid range "12_[1-9" (want <id>_[start-end] or <id>_[start-end:step], e.g. 12_[1-9:2]; '[' and ']' are only for ranges)
testdata/bad_range.yml:9: clusters[0].job_ids[4]: invalid range "12_[a-b]" (want <id>_[start-end] or <id>_[start-end:step], e.g. 12_[1-9:2]; '[' and ']' are only for ranges)
testdata/bad_range.yml:10: clusters[0].job_ids[5]: range "12_[1-99999999999999999999]": index 99999999999999999999 is too large`},
	{"bad_cluster_too_many_ids.yml", `
testdata/bad_cluster_too_many_ids.yml:4: clusters[0].job_ids: expands to 100001 ids, more than the limit of 100000 per cluster`},
	{"bad_too_many_ids_in_all.yml", `
testdata/bad_too_many_ids_in_all.yml:2: clusters[2].job_ids: brings the job ids of all clusters to 300000, more than the limit of 200000
testdata/bad_too_many_ids_in_all.yml:2: clusters[3].job_ids: brings the job ids of all clusters to 400000, more than the limit of 200000`},
	{"bad_job_id.yml", `
testdata/bad_job_id.yml:5: clusters[0].job_ids[0]: empty job id (want a job id like 5, a sub-task like 10_3, or a range like 12_[1-9:2])
testdata/bad_job_id.yml:6: clusters[0].job_ids[1]: invalid job id " 5": contains white space
testdata/bad_job_id.yml:7: clusters[0].job_ids[2]: invalid job id "5,6": ',' separates ids; write one id per entry, e.g. ["5", "6"]
testdata/bad_job_id.yml:8: clusters[0].job_ids[3]: invalid job id "5;6": ';' separates ids; write one id per entry, e.g. ["5", "6"]
testdata/bad_job_id.yml:9: clusters[0].job_ids[4]: invalid job id "5 6": contains white space
testdata/bad_job_id.yml:10: clusters[0].job_ids[5]: invalid job id "a/b": '/' cannot be part of a job id
testdata/bad_job_id.yml:11: clusters[0].job_ids[6]: invalid job id "a\\b": '\\' cannot be part of a job id
testdata/bad_job_id.yml:12: clusters[0].job_ids[7]: invalid job id "\"5\"": '"' cannot be part of a job id
testdata/bad_job_id.yml:13: clusters[0].job_ids[8]: invalid job id "it's": '\'' cannot be part of a job id
testdata/bad_job_id.yml:14: clusters[0].job_ids[9]: invalid job id "tab\there": contains white space
testdata/bad_job_id.yml:15: clusters[0].job_ids[10]: invalid job id "bell\a": contains a control character
testdata/bad_job_id.yml:16: clusters[0].job_ids[11]: invalid job id "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"...: longer than 128 characters
testdata/bad_job_id.yml:17: clusters[0].job_ids[12]: invalid range "x]" (want <id>_[start-end] or <id>_[start-end:step], e.g. 12_[1-9:2]; '[' and ']' are only for ranges)
testdata/bad_job_id.yml:18: clusters[0].job_ids[13]: range "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"...: its ids would be longer than 128 characters`},
	{"bad_duplicate_job_ids.yml", `
testdata/bad_duplicate_job_ids.yml:4: clusters[0].job_ids[2]: job id 5 is already listed by job_ids[0] ("5")
testdata/bad_duplicate_job_ids.yml:4: clusters[0].job_ids[3]: job id 12_5 is already listed by job_ids[1] ("12_[1-9:2]")
testdata/bad_duplicate_job_ids.yml:4: clusters[0].job_ids[4]: job id 12_5 is already listed by job_ids[1] ("12_[1-9:2]")`},
	{"bad_secret.yml", `
testdata/bad_secret.yml:5: clusters[0].credentials.access_key_id: secrets are not accepted in the config file; use the credential chain (environment variables, profile, RRSA)
testdata/bad_secret.yml:6: clusters[0].credentials.access_key_secret: secrets are not accepted in the config file; use the credential chain (environment variables, profile, RRSA)
testdata/bad_secret.yml:8: credentials.security_token: secrets are not accepted in the config file; use the credential chain (environment variables, profile, RRSA)
testdata/bad_secret.yml:9: password: secrets are not accepted in the config file; use the credential chain (environment variables, profile, RRSA)`},
	{"bad_discovery.yml", `
testdata/bad_discovery.yml:6: clusters[0].discovery.states[0]: unknown job state "running" (did you mean Running?); known states: Pending, Initing, Running, Succeeded, Canceled, Failed
testdata/bad_discovery.yml:6: clusters[0].discovery.states[1]: unknown job state "All" (leave states empty for all states); known states: Pending, Initing, Running, Succeeded, Canceled, Failed
testdata/bad_discovery.yml:6: clusters[0].discovery.states[2]: unknown job state "Runing" (did you mean Running?); known states: Pending, Initing, Running, Succeeded, Canceled, Failed
testdata/bad_discovery.yml:6: clusters[0].discovery.states[3]: unknown job state "Sleeping"; known states: Pending, Initing, Running, Succeeded, Canceled, Failed
testdata/bad_discovery.yml:7: clusters[0].discovery.queues[0]: empty queue name
testdata/bad_discovery.yml:8: clusters[0].discovery.users[1]: empty user name
testdata/bad_discovery.yml:9: clusters[0].discovery.name_pattern: invalid regular expression: missing closing ): ` + "`train-(`" + `
`},
	{"bad_analytics.yml", `
testdata/bad_analytics.yml:5: analytics.labels: analytics label "team" is not one of [queue user]
testdata/bad_analytics.yml:9: analytics.failure_classes[1]: "oom" is a built-in class
testdata/bad_analytics.yml:11: analytics.failure_classes[2]: class "Bad Name" must be a lower-case word of letters, digits and '_' (at most 32)
testdata/bad_analytics.yml:13: analytics.failure_classes[3]: class "empty" has neither exit_codes nor reasons
testdata/bad_analytics.yml:15: analytics.failure_classes[4].reasons[0]: empty reason
`},
	{"bad_credentials.yml", `
testdata/bad_credentials.yml:4: clusters[0].credentials.profile: required when type is profile
testdata/bad_credentials.yml:10: clusters[1].credentials.profile: is only used with type profile or default, not environment
testdata/bad_credentials.yml:11: clusters[1].credentials.role_name: is only used with type ecs_ram_role, not environment
testdata/bad_credentials.yml:13: credentials.type: unknown credentials type "profil" (did you mean profile?); known types: default, environment, profile, oidc_role_arn, ecs_ram_role, credentials_uri`},
	{"bad_credentials_timeout.yml", `
testdata/bad_credentials_timeout.yml:5: clusters[0].credentials.fetch_timeout: must be greater than 0, got 0s
testdata/bad_credentials_timeout.yml:7: credentials.fetch_timeout: must be greater than 0, got -5s`},
	{"bad_metrics.yml", `
testdata/bad_metrics.yml:5: metrics.tag_labels[0]: empty tag key
testdata/bad_metrics.yml:5: metrics.tag_labels[2]: tag key "team" is already listed at tag_labels[1]
testdata/bad_metrics.yml:6: metrics.allow[0]: invalid regular expression: missing closing ): ` + "`(`" + `
testdata/bad_metrics.yml:6: metrics.allow[1]: empty pattern
testdata/bad_metrics.yml:7: metrics.deny[0]: invalid regular expression: unexpected ): ` + "`a)|(b`" + `
testdata/bad_metrics.yml:8: metrics.max_series: must not be negative (0 means no cap), got -5`},
	{"bad_types.yml", `
testdata/bad_types.yml:4: clusters[0].job_ids: want a list (e.g. [a, b] or one "- item" per line), got "5"
testdata/bad_types.yml:5: clusters[0].expand_array: want true or false, got "maybe"
testdata/bad_types.yml:6: clusters[0].discovery: want a mapping of keys, got a list
testdata/bad_types.yml:8: polling.concurrency: want a whole number, got "four"
testdata/bad_types.yml:10: api.requests_per_second: want a number, got "fast"
testdata/bad_types.yml:11: api.max_response_bytes: invalid size "8 megs" (want a byte count such as 8388608, 8MiB or 10MB)
testdata/bad_types.yml:13: metrics.tag_labels: want a list (e.g. [a, b] or one "- item" per line), got a mapping`},
	{"bad_syntax.yml", `
testdata/bad_syntax.yml:2: invalid YAML: found unexpected end of stream`},
	{"bad_not_mapping.yml", `
testdata/bad_not_mapping.yml:1: the config must be a mapping of keys (clusters:, polling:, ...), got a list`},
	{"bad_two_documents.yml", `
testdata/bad_two_documents.yml:4: a config file holds one YAML document; remove the second one (after ---)`},
	{"bad_duplicate_key.yml", `
testdata/bad_duplicate_key.yml:4: clusters[0].region_id: key is already set at line 3
testdata/bad_duplicate_key.yml:7: polling: key is already set at line 5`},
	{"bad_merge.yml", `
testdata/bad_merge.yml:5: clusters[0].discovery.state: unknown key (did you mean states?)
testdata/bad_merge.yml:5: clusters[1].discovery.state: unknown key (did you mean states?)
testdata/bad_merge.yml:13: clusters[2].discovery: a merge (<<) takes a mapping or a list of mappings
testdata/bad_merge.yml:13: clusters[2].discovery: a merge (<<) takes a mapping or a list of mappings`},
}

func TestLoadBad(t *testing.T) {
	for _, tc := range badFiles {
		t.Run(tc.file, func(t *testing.T) {
			cfg, err := Load(filepath.Join("testdata", tc.file))
			if err == nil {
				t.Fatalf("loaded without error:\n%s", cfg)
			}
			if cfg != nil {
				t.Errorf("a failed load must return no config")
			}
			want := strings.TrimSpace(tc.want)
			if got := err.Error(); got != want {
				t.Errorf("error text differs\ngot:\n%s\nwant:\n%s", got, want)
			}
			var errs Errors
			if !errors.As(err, &errs) || len(errs) != strings.Count(want, "\n")+1 {
				t.Errorf("want an Errors with one entry per line, got %T %v", err, err)
			}
		})
	}
}

// Every bad file in testdata must be pinned in the table above.
func TestEveryBadFileIsPinned(t *testing.T) {
	files, err := filepath.Glob("testdata/bad_*.yml")
	if err != nil {
		t.Fatal(err)
	}
	pinned := map[string]bool{}
	for _, tc := range badFiles {
		pinned[tc.file] = true
	}
	for _, f := range files {
		if !pinned[filepath.Base(f)] {
			t.Errorf("%s has no expected error in badFiles", f)
		}
	}
}

func TestSecretValuesNeverEchoed(t *testing.T) {
	data, err := os.ReadFile("testdata/bad_secret.yml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse(data, "bad_secret.yml")
	if err == nil {
		t.Fatal("secrets accepted")
	}
	for _, secret := range []string{"LTAI5tEXAMPLEKEYID0001", "SuperSecretValue0123456789", "CAIS-token-value-should-not-leak", "hunter2"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error echoes the secret %q:\n%v", secret, err)
		}
	}
	// Secret-looking keys are caught in any spelling and at any level.
	for _, key := range []string{"AccessKeySecret", "access-key-id", "SECURITY_TOKEN", "db_password", "secret", "sk", "api_key"} {
		_, err := Parse([]byte("clusters:\n  - cluster_id: a\n    region_id: cn-hangzhou\n    "+key+": s3cr3t-value\n"), "x.yml")
		if err == nil || !strings.Contains(err.Error(), "secrets are not accepted") || strings.Contains(err.Error(), "s3cr3t-value") {
			t.Errorf("key %q: got %v", key, err)
		}
	}
	// A secret pasted in the wrong shape is not echoed either.
	for _, doc := range []string{
		"credentials: access_key_secret:s3cr3t-value\n",
		"credentials:\n  access_key_secret=s3cr3t-value: 1\n",
		"clusters:\n  - {cluster_id: a, region_id: cn-hangzhou, endpoint: 'https://h?token=s3cr3t-value'}\n",
	} {
		_, err := Parse([]byte(doc), "x.yml")
		if err == nil || strings.Contains(err.Error(), "s3cr3t-value") {
			t.Errorf("%q: got %v", doc, err)
		}
	}
	// A key that names where a secret lives is just an unknown key.
	_, err = Parse([]byte("credentials:\n  token_file: /var/run/token\n"), "x.yml")
	if err == nil || !strings.Contains(err.Error(), "credentials.token_file: unknown key") {
		t.Errorf("token_file: got %v", err)
	}
	// A password in an endpoint URL is not echoed either.
	_, err = Parse([]byte("clusters:\n  - {cluster_id: a, region_id: cn-hangzhou, endpoint: 'http://u:pa55word@h:1/x'}\n"), "x.yml")
	if err == nil || strings.Contains(err.Error(), "pa55word") {
		t.Errorf("endpoint with user info: got %v", err)
	}
}

func TestErrorPositions(t *testing.T) {
	_, err := Parse([]byte("clusters:\n  - cluster_id: a\n    region_id: cn-hangzhou\n    job_id: [\"5\"]\n"), "config.yml")
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 1 {
		t.Fatalf("got %v", err)
	}
	want := Error{File: "config.yml", Line: 4, Path: "clusters[0].job_id", Msg: "unknown key (did you mean job_ids?)"}
	if *errs[0] != want {
		t.Errorf("got %+v, want %+v", *errs[0], want)
	}
	if got := errs[0].Error(); got != "config.yml:4: clusters[0].job_id: unknown key (did you mean job_ids?)" {
		t.Errorf("Error() = %q", got)
	}
}

func TestEmptyValueKeepsDefault(t *testing.T) {
	cfg, err := Parse([]byte("clusters:\n  - {cluster_id: a, region_id: cn-hangzhou}\npolling:\n  interval:\napi:\n"), "x.yml")
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(cfg.Polling.Interval) != DefaultInterval || cfg.API != DefaultConfig().API {
		t.Errorf("got %+v %+v", cfg.Polling, cfg.API)
	}
}

func TestStringIsLoadableAndRedacted(t *testing.T) {
	cfg, err := Load("testdata/good_full.yml")
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse([]byte(cfg.String()), "rendered.yml")
	if err != nil {
		t.Fatalf("String() output does not load: %v\n%s", err, cfg)
	}
	if !reflect.DeepEqual(again.Clusters[0].ExpandedJobIDs(), cfg.Clusters[0].ExpandedJobIDs()) || again.String() != cfg.String() {
		t.Errorf("String() does not round-trip:\n%s\n---\n%s", cfg, again)
	}

	hand := DefaultConfig()
	hand.Clusters = []Cluster{{ClusterID: "a", RegionID: "cn-hangzhou", EndpointOverride: "http://user:pa55word@127.0.0.1:1"}}
	if s := hand.Redacted(); strings.Contains(s, "pa55word") || !strings.Contains(s, "127.0.0.1:1") {
		t.Errorf("Redacted() leaks or loses the endpoint:\n%s", s)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v, want a not-exist error", err)
	}
}
