// Package config reads the exporter's YAML configuration: the schema and its
// defaults, strict loading with file:line errors that name the key, semantic
// validation, and SafeConfig for reloads that keep the old config on failure.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/analytics"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// Config is the whole configuration file. After Parse every cluster's
// Credentials is set (copied from the top level when the cluster has none).
type Config struct {
	Clusters    []Cluster   `yaml:"clusters"`
	Polling     Polling     `yaml:"polling"`
	API         API         `yaml:"api"`
	Credentials Credentials `yaml:"credentials"`
	Metrics     Metrics     `yaml:"metrics"`
	Analytics   Analytics   `yaml:"analytics"`
}

// Cluster is one E-HPC cluster and the jobs to watch in it.
type Cluster struct {
	ClusterID string `yaml:"cluster_id"`
	RegionID  string `yaml:"region_id"`
	// EndpointOverride is the endpoint key as written; use Endpoint().
	EndpointOverride string `yaml:"endpoint,omitempty"`
	// EndpointType picks the regional host when there is no override: one
	// of client.EndpointTypes, "" meaning public.
	EndpointType string       `yaml:"endpoint_type,omitempty"`
	JobIDs       []string     `yaml:"job_ids"`
	ExpandArray  bool         `yaml:"expand_array"`
	Discovery    Discovery    `yaml:"discovery"`
	Credentials  *Credentials `yaml:"credentials,omitempty"`
}

// Discovery finds jobs of a cluster with ListServerlessJobs.
type Discovery struct {
	Enabled         bool     `yaml:"enabled"`
	States          []string `yaml:"states"`
	Queues          []string `yaml:"queues"`
	Users           []string `yaml:"users"`
	NamePattern     string   `yaml:"name_pattern"`
	SubmittedWithin Duration `yaml:"submitted_within"`

	nameRE *regexp.Regexp
}

// Polling says how often and how hard jobs are described.
type Polling struct {
	Interval    Duration `yaml:"interval"`
	Concurrency int      `yaml:"concurrency"`
	Retention   Duration `yaml:"retention"`
	SettleTime  Duration `yaml:"settle_time"`
}

// API tunes the E-HPC client.
type API struct {
	Timeout           Duration `yaml:"timeout"`
	MaxRetries        int      `yaml:"max_retries"`
	RequestsPerSecond float64  `yaml:"requests_per_second"`
	Burst             int      `yaml:"burst"`
	MaxResponseBytes  Size     `yaml:"max_response_bytes"`
}

// Credentials chooses a source of the Alibaba Cloud credential chain. It
// never holds a secret: keys that look like one are rejected by Parse.
type Credentials struct {
	Type         string   `yaml:"type"`
	Profile      string   `yaml:"profile"`
	RoleName     string   `yaml:"role_name"`
	FetchTimeout Duration `yaml:"fetch_timeout"`
}

// Analytics shapes the counters and histograms that outlive the jobs.
type Analytics struct {
	// Labels are the aggregation labels of the analytics families: queue,
	// user, both (the default) or none.
	Labels []string `yaml:"labels"`
	// FailureClasses are the site's own failure classes, taken before the
	// built-in table.
	FailureClasses []FailureClass `yaml:"failure_classes"`
}

// FailureClass is one site rule: a job whose container exited with one of
// ExitCodes, or that shows one of Reasons, belongs to Class.
type FailureClass struct {
	Class     string   `yaml:"class"`
	ExitCodes []int64  `yaml:"exit_codes"`
	Reasons   []string `yaml:"reasons"`
}

// Metrics shapes what /metrics exposes.
type Metrics struct {
	TagLabels []string `yaml:"tag_labels"`
	Allow     []string `yaml:"allow"`
	Deny      []string `yaml:"deny"`
	// PerJob false exposes job and container group counts instead of the
	// series of every job.
	PerJob bool `yaml:"per_job"`
	// MaxSeries caps the series of jobs on /metrics; 0 is no cap.
	MaxSeries int `yaml:"max_series"`
}

// Defaults, as documented in config.example.yml. Those of the API client
// are the client's own, declared once there.
const (
	DefaultInterval          = 30 * time.Second
	DefaultConcurrency       = client.DefaultConcurrency
	DefaultRetention         = time.Hour
	DefaultSettleTime        = 2 * time.Minute
	DefaultTimeout           = client.DefaultTimeout
	DefaultMaxRetries        = 3
	DefaultRequestsPerSecond = 5
	DefaultBurst             = 10
	DefaultMaxResponseBytes  = client.DefaultMaxResponseBytes
	DefaultFetchTimeout      = client.DefaultCredentialTimeout
	DefaultSubmittedWithin   = 24 * time.Hour
)

// DefaultConfig returns a config with every default and no clusters.
func DefaultConfig() *Config {
	return &Config{
		Polling: Polling{
			Interval:    Duration(DefaultInterval),
			Concurrency: DefaultConcurrency,
			Retention:   Duration(DefaultRetention),
			SettleTime:  Duration(DefaultSettleTime),
		},
		API: API{
			Timeout:           Duration(DefaultTimeout),
			MaxRetries:        DefaultMaxRetries,
			RequestsPerSecond: DefaultRequestsPerSecond,
			Burst:             DefaultBurst,
			MaxResponseBytes:  DefaultMaxResponseBytes,
		},
		Credentials: defaultCredentials(),
		Metrics:     Metrics{PerJob: true},
		Analytics:   Analytics{Labels: []string{string(analytics.LabelQueue), string(analytics.LabelUser)}},
	}
}

func defaultCredentials() Credentials {
	return Credentials{Type: client.CredentialDefault, FetchTimeout: Duration(DefaultFetchTimeout)}
}

// UnmarshalYAML gives a cluster its defaults before its keys are read. It
// uses the callback form on purpose: the decoder then keeps rejecting
// unknown keys inside the cluster.
func (c *Cluster) UnmarshalYAML(unmarshal func(any) error) error {
	type plain Cluster
	*c = Cluster{Discovery: Discovery{SubmittedWithin: Duration(DefaultSubmittedWithin)}}
	return unmarshal((*plain)(c))
}

// UnmarshalYAML gives a credentials block its defaults before its keys are
// read. A cluster's block stands alone: keys it omits take these built-in
// defaults, not the top-level values.
func (c *Credentials) UnmarshalYAML(unmarshal func(any) error) error {
	type plain Credentials
	*c = defaultCredentials()
	return unmarshal((*plain)(c))
}

// Load reads and validates the config file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// Parse reads and validates a config; filename is used in error messages
// only. On failure the error is an Errors listing every problem found.
func Parse(data []byte, filename string) (*Config, error) {
	l := newErrorList(filename)
	root, ok := parseTree(data, l)
	if !ok {
		return nil, l.result()
	}
	if root != nil {
		checkTree(root, l)
		if err := l.result(); err != nil {
			return nil, err
		}
	}
	cfg := DefaultConfig()
	if root != nil {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
			// checkTree should have explained everything the decoder
			// rejects; this is the backstop if it did not.
			l.addYAML(err.Error())
			return nil, l.result()
		}
	}
	validate(cfg, l)
	if err := l.result(); err != nil {
		return nil, err
	}
	for i := range cfg.Clusters {
		if cfg.Clusters[i].Credentials == nil {
			cr := cfg.Credentials
			cfg.Clusters[i].Credentials = &cr
		}
	}
	return cfg, nil
}

// parseTree reads the single YAML document of data. It returns a nil root
// for a file with no content.
func parseTree(data []byte, l *errorList) (*yaml.Node, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, true
		}
		l.addYAMLPrefixed("invalid YAML: ", err.Error())
		return nil, false
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		l.addYAMLPrefixed("invalid YAML: ", err.Error())
		return nil, false
	default:
		l.addLine(extra.Line, "", "a config file holds one YAML document; remove the second one (after ---)")
		return nil, false
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, true
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil, true
	}
	return root, true
}

// Endpoint is the URL requests of this cluster go to: the endpoint override
// without a trailing slash, else the region's host of endpoint_type as the
// client builds it (https://ehpc.<region_id>.aliyuncs.com, or ehpc-vpc.).
// It is "" for settings Parse refuses.
func (c *Cluster) Endpoint() string {
	e, err := client.ResolveEndpoint(strings.TrimSuffix(strings.TrimSpace(c.EndpointOverride), "/"), c.EndpointType, c.RegionID)
	if err != nil {
		return ""
	}
	return e
}

// AccountKey identifies the credentials settings of the cluster. Clusters
// with the same key use the same account, so they share one rate limit and
// one concurrency limit. The fetch timeout is not part of the identity.
func (c *Cluster) AccountKey() string {
	cr := c.Credentials
	if cr == nil {
		d := defaultCredentials()
		cr = &d
	}
	key := "type=" + cr.Type
	if cr.Profile != "" {
		key += ",profile=" + cr.Profile
	}
	if cr.RoleName != "" {
		key += ",role_name=" + cr.RoleName
	}
	return key
}

// NameRegexp is discovery.name_pattern compiled and anchored, or nil when
// no pattern is set.
func (d *Discovery) NameRegexp() *regexp.Regexp {
	if d.nameRE != nil || d.NamePattern == "" {
		return d.nameRE
	}
	// A Discovery built in code rather than by Parse: compile on each call
	// instead of caching, so concurrent readers never write.
	re, err := compileAnchored(d.NamePattern)
	if err != nil {
		return nil
	}
	return re
}

// compileAnchored anchors a pattern at both ends. The pattern is compiled on
// its own first: "a)|(b" would otherwise slip out of the group as valid.
func compileAnchored(p string) (*regexp.Regexp, error) {
	if _, err := regexp.Compile(p); err != nil {
		return nil, err
	}
	return regexp.Compile("^(?:" + p + ")$")
}

// String renders the effective config as YAML. It is safe to log: the file
// cannot hold secrets, and any user:password in an endpoint is masked.
func (c *Config) String() string {
	cp := *c
	cp.Clusters = make([]Cluster, len(c.Clusters))
	for i, cl := range c.Clusters {
		cl.EndpointOverride = redactURL(cl.EndpointOverride)
		cp.Clusters[i] = cl
	}
	out, err := yaml.Marshal(&cp)
	if err != nil {
		return fmt.Sprintf("<config cannot be rendered: %v>", err)
	}
	return string(out)
}

// Redacted is String under the name callers look for before logging.
func (c *Config) Redacted() string { return c.String() }

// Classifier builds the failure-class table the config asks for. Parse has
// checked it; the error is for configs built in code.
func (a *Analytics) Classifier() (*analytics.Classifier, error) {
	rules := make([]analytics.Rule, len(a.FailureClasses))
	for i, fc := range a.FailureClasses {
		rules[i] = analytics.Rule{Class: analytics.Class(fc.Class), ExitCodes: fc.ExitCodes, Reasons: fc.Reasons}
	}
	return analytics.NewClassifier(rules)
}

// AggregationLabels are Labels as the recorder takes them.
func (a *Analytics) AggregationLabels() []analytics.Label {
	out := make([]analytics.Label, len(a.Labels))
	for i, l := range a.Labels {
		out[i] = analytics.Label(l)
	}
	return out
}
