package config

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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

// MaxJobIDLength bounds one job id, in characters. The service documents no
// limit; ids are short numbers in practice, and anything this long is a
// paste gone wrong rather than an id.
const MaxJobIDLength = 128

var rangeIDRE = regexp.MustCompile(`^(.+)_\[([0-9]+)-([0-9]+)(?::([0-9]+))?\]$`)

const jobIDHint = "want a job id like 5, a sub-task like 10_3, or a range like 12_[1-9:2]"

// jobIDSpec is one parsed job_ids entry: a single id (count 1, id set) or
// the sub-tasks start, start+step, ... <= end of array job parent.
type jobIDSpec struct {
	id               string
	parent           string
	start, end, step uint64
	count            uint64
}

// parseJobIDSpec refuses only what cannot be a job id: the service's ids are
// its own business (it answers JobNotFound for one it does not know), but
// white space, control characters, list separators, quotes and slashes are
// slips of the pen (a list written as one string, quotes pasted twice), and
// '[' and ']' belong to the range syntax.
func parseJobIDSpec(s string) (jobIDSpec, error) {
	if !strings.ContainsAny(s, "[]") {
		if err := checkJobID(s); err != nil {
			return jobIDSpec{}, err
		}
		return jobIDSpec{id: s, count: 1}, nil
	}
	m := rangeIDRE.FindStringSubmatch(s)
	if m == nil || strings.ContainsAny(m[1], "[]") {
		return jobIDSpec{}, fmt.Errorf("invalid range %s (want <id>_[start-end] or <id>_[start-end:step], e.g. 12_[1-9:2]; '[' and ']' are only for ranges)", quoteValue(s))
	}
	if err := checkJobID(m[1]); err != nil {
		return jobIDSpec{}, fmt.Errorf("range %s: %w", quoteValue(s), err)
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
	// The longest id of the range is the one with the most index digits.
	if n := utf8.RuneCountInString(sp.parent) + 1 + len(strconv.FormatUint(sp.end, 10)); n > MaxJobIDLength {
		return jobIDSpec{}, fmt.Errorf("range %s: its ids would be longer than %d characters", quoteValue(s), MaxJobIDLength)
	}
	return sp, nil
}

// jobIDSeparators are characters that may separate ids in a list but cannot
// be part of one.
const jobIDSeparators = ",;"

// jobIDForbidden are characters no job id holds: quotes and slashes come
// from pasting, escaping or path-like slips.
const jobIDForbidden = "\"'`/\\"

// checkJobID explains why s cannot be a job id, or returns nil.
func checkJobID(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("empty job id (%s)", jobIDHint)
	case !utf8.ValidString(s):
		return errors.New("invalid job id: not valid UTF-8")
	case strings.IndexFunc(s, unicode.IsSpace) >= 0:
		return fmt.Errorf("invalid job id %s: contains white space", quoteValue(s))
	case strings.IndexFunc(s, func(r rune) bool { return !unicode.IsGraphic(r) }) >= 0:
		return fmt.Errorf("invalid job id %s: contains a control character", quoteValue(s))
	case utf8.RuneCountInString(s) > MaxJobIDLength:
		return fmt.Errorf("invalid job id %s: longer than %d characters", quoteValue(s), MaxJobIDLength)
	}
	if i := strings.IndexAny(s, jobIDSeparators); i >= 0 {
		return fmt.Errorf("invalid job id %s: %s separates ids; write one id per entry, e.g. %s",
			quoteValue(s), strconv.QuoteRune(rune(s[i])), splitExample(s, s[i:i+1]))
	}
	if i := strings.IndexAny(s, jobIDForbidden); i >= 0 {
		return fmt.Errorf("invalid job id %s: %s cannot be part of a job id", quoteValue(s), strconv.QuoteRune(rune(s[i])))
	}
	return nil
}

// splitExample shows s written as a list, split at sep.
func splitExample(s, sep string) string {
	parts := strings.Split(s, sep)
	if len(parts) > 4 {
		return `["5", "6"]`
	}
	for i, p := range parts {
		parts[i] = strconv.Quote(p)
	}
	return "[" + strings.Join(parts, ", ") + "]"
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
