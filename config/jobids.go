package config

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// MaxJobIDsPerRange bounds one range entry, MaxJobIDsPerCluster all the ids
// of one cluster after expansion, and MaxJobIDsTotal those of all clusters:
// beyond that a typo in a range (an extra digit) would make the poller spend
// its whole API budget on ids that do not exist. One describe per id per
// interval makes even these limits far more than one account can poll.
const (
	MaxJobIDsPerRange   = 100000
	MaxJobIDsPerCluster = 100000
	MaxJobIDsTotal      = 200000
)

var (
	plainJobIDRE = regexp.MustCompile(`^[0-9]+$`)
	rangeIDRE    = regexp.MustCompile(`^([0-9]+)_\[([0-9]+)-([0-9]+)(?::([0-9]+))?\]$`)
	rangeLikeRE  = regexp.MustCompile(`^[0-9]+_\[`)
)

const jobIDHint = "want a job id like 5, a sub-task like 10_3, or a range like 12_[1-9:2]"

// jobIDSpec is one parsed job_ids entry: a single id (count 1, id set) or
// the sub-tasks start, start+step, ... <= end of array job parent.
type jobIDSpec struct {
	id               string
	parent           string
	start, end, step uint64
	count            uint64
}

func parseJobIDSpec(s string) (jobIDSpec, error) {
	if plainJobIDRE.MatchString(s) || isSubTaskID(s) {
		return jobIDSpec{id: s, count: 1}, nil
	}
	m := rangeIDRE.FindStringSubmatch(s)
	if m == nil {
		if rangeLikeRE.MatchString(s) {
			return jobIDSpec{}, fmt.Errorf("invalid range %s (want <id>_[start-end] or <id>_[start-end:step], e.g. 12_[1-9:2])", quoteValue(s))
		}
		return jobIDSpec{}, fmt.Errorf("invalid job id %s (%s)", quoteValue(s), jobIDHint)
	}
	sp := jobIDSpec{parent: m[1], step: 1}
	var err error
	if sp.start, err = parseIndex(m[2]); err != nil {
		return jobIDSpec{}, fmt.Errorf("range %s: %w", quoteValue(s), err)
	}
	if sp.end, err = parseIndex(m[3]); err != nil {
		return jobIDSpec{}, fmt.Errorf("range %s: %w", quoteValue(s), err)
	}
	if m[4] != "" {
		if sp.step, err = parseIndex(m[4]); err != nil {
			return jobIDSpec{}, fmt.Errorf("range %s: %w", quoteValue(s), err)
		}
	}
	switch {
	case sp.step < 1:
		return jobIDSpec{}, fmt.Errorf("range %s: step must be at least 1", quoteValue(s))
	case sp.start > sp.end:
		return jobIDSpec{}, fmt.Errorf("range %s: start %d is greater than end %d", quoteValue(s), sp.start, sp.end)
	}
	sp.count = (sp.end-sp.start)/sp.step + 1
	if sp.count > MaxJobIDsPerRange {
		return jobIDSpec{}, fmt.Errorf("range %s expands to %d ids, more than the limit of %d", quoteValue(s), sp.count, MaxJobIDsPerRange)
	}
	return sp, nil
}

// isSubTaskID reports whether s is a sub-task id as the client parses them,
// of an array job whose id is a plain one.
func isSubTaskID(s string) bool {
	arrayID, _, ok := client.SplitSubTaskID(s)
	return ok && plainJobIDRE.MatchString(arrayID)
}

// parseIndex keeps indexes well inside uint64 so start + k*step cannot wrap.
func parseIndex(s string) (uint64, error) {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v > 1<<53 {
		return 0, fmt.Errorf("index %s is too large", s)
	}
	return v, nil
}

// each calls f with every id of the entry, in order.
func (sp jobIDSpec) each(f func(id string)) {
	if sp.parent == "" {
		f(sp.id)
		return
	}
	for i := uint64(0); i < sp.count; i++ {
		// parseIndex keeps every index of a range within int64.
		f(client.SubTaskID(sp.parent, int64(sp.start+i*sp.step)))
	}
}

// ExpandedJobIDs returns the cluster's job ids with ranges expanded, in the
// order written, each id once. Entries that do not parse are skipped; Parse
// has already rejected them in a loaded config.
func (c *Cluster) ExpandedJobIDs() []string {
	var specs []jobIDSpec
	total := uint64(0)
	for _, s := range c.JobIDs {
		sp, err := parseJobIDSpec(s)
		if err != nil {
			continue
		}
		specs = append(specs, sp)
		total += sp.count
	}
	total = min(total, MaxJobIDsPerCluster)
	out := make([]string, 0, total)
	seen := make(map[string]struct{}, total)
	for _, sp := range specs {
		sp.each(func(id string) {
			if _, dup := seen[id]; dup || uint64(len(out)) >= MaxJobIDsPerCluster {
				return
			}
			seen[id] = struct{}{}
			out = append(out, id)
		})
	}
	return out
}
