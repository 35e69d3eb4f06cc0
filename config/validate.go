package config

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/analytics"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

var (
	clusterIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	regionIDRE  = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)+$`)
)

// validate checks the meaning of a decoded config and records every problem.
func validate(cfg *Config, l *errorList) {
	if len(cfg.Clusters) == 0 {
		l.add("clusters", "at least one cluster is required")
	}
	firstByID := map[string]int{}
	totalIDs := uint64(0)
	for i := range cfg.Clusters {
		c := &cfg.Clusters[i]
		p := "clusters[" + strconv.Itoa(i) + "]"
		switch {
		case c.ClusterID == "":
			l.add(p+".cluster_id", "missing cluster_id (the E-HPC cluster id, e.g. ehpc-hz-FYUr32xxxx)")
		case !clusterIDRE.MatchString(c.ClusterID):
			l.add(p+".cluster_id", "invalid cluster id %s (letters, digits, '.', '_' and '-' only)", quoteValue(c.ClusterID))
		default:
			if j, dup := firstByID[c.ClusterID]; dup {
				l.add(p+".cluster_id", "duplicate cluster_id %q (also clusters[%d])", c.ClusterID, j)
			} else {
				firstByID[c.ClusterID] = i
			}
		}
		switch {
		case c.RegionID == "":
			l.add(p+".region_id", "missing region_id (e.g. cn-hangzhou)")
		case !regionIDRE.MatchString(c.RegionID):
			l.add(p+".region_id", "invalid region id %s (want e.g. cn-hangzhou)", quoteValue(c.RegionID))
		}
		if c.EndpointOverride != "" {
			if msg := checkEndpoint(c.EndpointOverride); msg != "" {
				l.add(p+".endpoint", "%s", msg)
			}
		}
		validateEndpointType(c, p, l)
		totalIDs = validateJobIDs(c, p, totalIDs, l)
		validateDiscovery(&c.Discovery, p+".discovery", l)
		if c.Credentials != nil {
			validateCredentials(c.Credentials, p+".credentials", l)
		}
	}

	minDuration(l, "polling.interval", cfg.Polling.Interval, time.Second)
	if cfg.Polling.Concurrency < 1 {
		l.add("polling.concurrency", "must be at least 1, got %d", cfg.Polling.Concurrency)
	}
	if cfg.Polling.Retention < 0 {
		l.add("polling.retention", "must not be negative, got %s", cfg.Polling.Retention)
	}
	if cfg.Polling.SettleTime < 0 {
		l.add("polling.settle_time", "must not be negative, got %s", cfg.Polling.SettleTime)
	}

	positiveDuration(l, "api.timeout", cfg.API.Timeout)
	if cfg.API.MaxRetries < 0 {
		l.add("api.max_retries", "must not be negative, got %d", cfg.API.MaxRetries)
	}
	if !(cfg.API.RequestsPerSecond > 0) {
		l.add("api.requests_per_second", "must be greater than 0, got %v", cfg.API.RequestsPerSecond)
	}
	if cfg.API.Burst < 1 {
		l.add("api.burst", "must be at least 1, got %d", cfg.API.Burst)
	}
	if cfg.API.MaxResponseBytes < 1 {
		l.add("api.max_response_bytes", "must be at least 1 byte, got %d", int64(cfg.API.MaxResponseBytes))
	}

	validateCredentials(&cfg.Credentials, "credentials", l)
	validateMetrics(&cfg.Metrics, l)
	validateAnalytics(&cfg.Analytics, l)
}

func minDuration(l *errorList, path string, d Duration, least time.Duration) {
	switch {
	case d <= 0:
		l.add(path, "must be greater than 0, got %s", d)
	case time.Duration(d) < least:
		l.add(path, "must be at least %s, got %s", Duration(least), d)
	}
}

func positiveDuration(l *errorList, path string, d Duration) {
	if d <= 0 {
		l.add(path, "must be greater than 0, got %s", d)
	}
}

// validateJobIDs checks each entry and the expanded set. An id listed twice
// (directly or through overlapping ranges) is an error rather than a
// warning: it is always a slip, and the config stays strict throughout.
// It returns the running total of ids over the clusters checked so far.
func validateJobIDs(c *Cluster, p string, before uint64, l *errorList) uint64 {
	type parsed struct {
		index int
		spec  jobIDSpec
	}
	var entries []parsed
	total := uint64(0)
	for j, s := range c.JobIDs {
		sp, err := parseJobIDSpec(s)
		if err != nil {
			l.add(jobIDPath(p, j), "%s", err)
			continue
		}
		entries = append(entries, parsed{j, sp})
		total += sp.count
	}
	if total > MaxJobIDsPerCluster {
		l.add(p+".job_ids", "expands to %d ids, more than the limit of %d per cluster", total, MaxJobIDsPerCluster)
		return before + total
	}
	if before+total > MaxJobIDsTotal {
		l.add(p+".job_ids", "brings the job ids of all clusters to %d, more than the limit of %d", before+total, MaxJobIDsTotal)
		return before + total
	}
	firstIndex := make(map[string]int, total)
	for _, e := range entries {
		reported := false
		e.spec.each(func(id string) {
			j, dup := firstIndex[id]
			if !dup {
				firstIndex[id] = e.index
				return
			}
			if !reported {
				reported = true
				l.add(jobIDPath(p, e.index), "job id %s is already listed by job_ids[%d] (%s)", id, j, quoteValue(c.JobIDs[j]))
			}
		})
	}
	return before + total
}

func jobIDPath(cluster string, i int) string {
	return cluster + ".job_ids[" + strconv.Itoa(i) + "]"
}

// validateEndpointType refuses an endpoint_type beside an endpoint: the
// endpoint names the host itself, so one of the two would be ignored.
func validateEndpointType(c *Cluster, p string, l *errorList) {
	switch {
	case c.EndpointType == "":
	case !slices.Contains(client.EndpointTypes, c.EndpointType):
		hint := ""
		if s := closest(c.EndpointType, client.EndpointTypes); s != "" {
			hint = fmt.Sprintf(" (did you mean %s?)", s)
		}
		l.add(p+".endpoint_type", "unknown endpoint type %s%s; known types: %s", quoteValue(c.EndpointType), hint, strings.Join(client.EndpointTypes, ", "))
	case c.EndpointOverride != "":
		l.add(p+".endpoint_type", "cannot be combined with endpoint, which names the host itself; remove one of them")
	}
}

func validateDiscovery(d *Discovery, p string, l *errorList) {
	for i, s := range d.States {
		if slices.Contains(client.JobStates, s) {
			continue
		}
		hint := ""
		for _, known := range client.JobStates {
			if strings.EqualFold(s, known) {
				hint = fmt.Sprintf(" (did you mean %s?)", known)
			}
		}
		if hint == "" {
			if c := closest(s, client.JobStates); c != "" {
				hint = fmt.Sprintf(" (did you mean %s?)", c)
			}
		}
		if strings.EqualFold(s, "All") {
			hint = " (leave states empty for all states)"
		}
		l.add(fmt.Sprintf("%s.states[%d]", p, i), "unknown job state %s%s; known states: %s", quoteValue(s), hint, strings.Join(client.JobStates, ", "))
	}
	nonEmpty(l, p+".queues", d.Queues, "queue name")
	nonEmpty(l, p+".users", d.Users, "user name")
	if d.NamePattern != "" {
		re, err := compileAnchored(d.NamePattern)
		if err != nil {
			l.add(p+".name_pattern", "invalid regular expression: %s", reError(err))
		} else {
			d.nameRE = re
		}
	}
	if d.SubmittedWithin < 0 {
		l.add(p+".submitted_within", "must not be negative, got %s", d.SubmittedWithin)
	}
}

func nonEmpty(l *errorList, p string, list []string, what string) {
	for i, s := range list {
		if strings.TrimSpace(s) == "" {
			l.add(fmt.Sprintf("%s[%d]", p, i), "empty %s", what)
		}
	}
}

func validateCredentials(c *Credentials, p string, l *errorList) {
	if !slices.Contains(client.CredentialTypes, c.Type) {
		hint := ""
		if s := closest(c.Type, client.CredentialTypes); s != "" {
			hint = fmt.Sprintf(" (did you mean %s?)", s)
		}
		l.add(p+".type", "unknown credentials type %s%s; known types: %s", quoteValue(c.Type), hint, strings.Join(client.CredentialTypes, ", "))
		return
	}
	switch {
	case c.Type == client.CredentialProfile && c.Profile == "":
		l.add(p+".profile", "required when type is profile")
	case c.Profile != "" && c.Type != client.CredentialProfile && c.Type != client.CredentialDefault:
		l.add(p+".profile", "is only used with type profile or default, not %s", c.Type)
	}
	if c.RoleName != "" && c.Type != client.CredentialECSRAMRole {
		l.add(p+".role_name", "is only used with type ecs_ram_role, not %s", c.Type)
	}
	positiveDuration(l, p+".fetch_timeout", c.FetchTimeout)
}

func validateMetrics(m *Metrics, l *errorList) {
	if m.MaxSeries < 0 {
		l.add("metrics.max_series", "must not be negative (0 means no cap), got %d", m.MaxSeries)
	}
	seen := map[string]int{}
	for i, k := range m.TagLabels {
		p := fmt.Sprintf("metrics.tag_labels[%d]", i)
		if strings.TrimSpace(k) == "" {
			l.add(p, "empty tag key")
			continue
		}
		if j, dup := seen[k]; dup {
			l.add(p, "tag key %s is already listed at tag_labels[%d]", quoteValue(k), j)
			continue
		}
		seen[k] = i
	}
	for _, list := range []struct {
		name     string
		patterns []string
	}{{"allow", m.Allow}, {"deny", m.Deny}} {
		for i, pat := range list.patterns {
			p := fmt.Sprintf("metrics.%s[%d]", list.name, i)
			if pat == "" {
				l.add(p, "empty pattern")
				continue
			}
			if _, err := compileAnchored(pat); err != nil {
				l.add(p, "invalid regular expression: %s", reError(err))
			}
		}
	}
}

// reError drops the "error parsing regexp: " prefix that adds nothing here.
func reError(err error) string {
	return strings.TrimPrefix(err.Error(), "error parsing regexp: ")
}

func validateAnalytics(a *Analytics, l *errorList) {
	if err := analytics.CheckLabels(a.AggregationLabels()); err != nil {
		l.add("analytics.labels", "%s", err)
	}
	rulesOK := true
	for i, fc := range a.FailureClasses {
		p := fmt.Sprintf("analytics.failure_classes[%d]", i)
		if _, err := analytics.NewClassifier([]analytics.Rule{{Class: analytics.Class(fc.Class), ExitCodes: fc.ExitCodes, Reasons: fc.Reasons}}); err != nil {
			l.add(p, "%s", strings.TrimPrefix(err.Error(), "failure classes: rule 1: "))
			rulesOK = false
		}
		nonEmpty(l, p+".reasons", fc.Reasons, "reason")
	}
	// What only the whole list can break: how many rules there are.
	if _, err := a.Classifier(); err != nil && rulesOK {
		l.add("analytics.failure_classes", "%s", strings.TrimPrefix(err.Error(), "failure classes: "))
	}
}
