package collector

import (
	"bytes"
	"fmt"
	"regexp"
	"sync"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// StoreOptions shape what the store renders.
type StoreOptions struct {
	// TagLabels are container group tag keys exposed as tag_<key> labels on
	// ehpc_serverless_container_group_tags. Characters other than
	// [a-zA-Z0-9_] in a key become '_'. Empty: the family emits nothing.
	TagLabels []string
	// Allow and Deny select metric families by name. Each entry is a name or
	// an RE2 regular expression matched against the whole name. An empty
	// Allow means every family; Deny wins over Allow. A family filtered out
	// is neither rendered when a snapshot is stored nor written on a scrape.
	Allow, Deny []string
	// Classifier gives the failure class of a finished job that did not
	// succeed ("" otherwise), exposed as ehpc_serverless_job_failure_class.
	// The caller owns the classes (analytics); nil: the family emits nothing.
	Classifier func(*client.JobInfo) string
	// AggregateOnly leaves out every series of one job (all per-job
	// families, and the array jobs' sub-task counts) and exposes instead the
	// jobs and container groups counted by cluster, queue, user and state:
	// for fleets too large to pay for a series per job.
	AggregateOnly bool
	// MaxSeries caps the series of jobs in one answer (0: no cap). Beyond
	// it, whole jobs are left out: finished ones first, those that ended
	// longest ago first, then active ones, the most recently submitted
	// first. The store-wide counts still count every job.
	MaxSeries int
}

// tagLabels are the allowlisted tag keys and the label names they become.
type tagLabels struct {
	keys  []string
	names []string
}

// renderer is the enabled part of the family table for one StoreOptions,
// prepared for writing. It never changes once built.
type renderer struct {
	families  []enabledFamily
	perJob    int // how many families are rendered per job (those with gen)
	owned     map[string]bool
	maxSeries int
	// aggregateOnly: each job's share of the aggregate families is taken
	// when it is rendered.
	aggregateOnly bool
}

type enabledFamily struct {
	*family
	header []byte   // "# HELP …\n# TYPE …\n"
	tokens []string // label name tokens: `name="`
	slot   int      // index of the job fragment for per-job rows; -1 for store-wide rows
}

// rendered is one snapshot with its samples already in text form: the
// fragment of per-job family i is buf[offs[i]:offs[i+1]].
type rendered struct {
	snap *JobSnapshot
	r    *renderer
	buf  []byte
	offs []uint32
	// series is how many samples buf holds, for metrics.max_series.
	series int
	// share is the job's part in the aggregate-only families; nil in the
	// per-job mode.
	share *aggShare
}

func (rd *rendered) fragment(slot int) []byte {
	return rd.buf[rd.offs[slot]:rd.offs[slot+1]]
}

func newRenderer(o StoreOptions) (*renderer, error) {
	if o.MaxSeries < 0 {
		return nil, fmt.Errorf("series cap: %d is negative (0 means no cap)", o.MaxSeries)
	}
	tags, err := compileTagLabels(o.TagLabels)
	if err != nil {
		return nil, err
	}
	allow, err := compilePatterns("allow", o.Allow)
	if err != nil {
		return nil, err
	}
	deny, err := compilePatterns("deny", o.Deny)
	if err != nil {
		return nil, err
	}
	table := familyTable(tags, o.Classifier)
	r := &renderer{owned: make(map[string]bool, len(table)), maxSeries: o.MaxSeries, aggregateOnly: o.AggregateOnly}
	for i := range table {
		f := &table[i]
		if !selected(f.name, allow, deny) || !f.inMode(o.AggregateOnly) || f.withCap && o.MaxSeries == 0 {
			continue
		}
		ef := enabledFamily{
			family: f,
			header: []byte("# HELP " + f.name + " " + escapeHelp(f.help) + "\n# TYPE " + f.name + " " + f.typ.String() + "\n"),
			slot:   -1,
		}
		for _, l := range f.labels {
			ef.tokens = append(ef.tokens, l+`="`)
		}
		if f.gen != nil {
			ef.slot = r.perJob
			r.perJob++
		}
		r.families = append(r.families, ef)
		r.owned[f.name] = true
	}
	return r, nil
}

func selected(name string, allow, deny []*regexp.Regexp) bool {
	for _, re := range deny {
		if re.MatchString(name) {
			return false
		}
	}
	if len(allow) == 0 {
		return true
	}
	for _, re := range allow {
		if re.MatchString(name) {
			return true
		}
	}
	return false
}

func compilePatterns(list string, pats []string) ([]*regexp.Regexp, error) {
	res := make([]*regexp.Regexp, 0, len(pats))
	for i, p := range pats {
		if p == "" {
			return nil, fmt.Errorf("metric family %s list: entry %d is empty", list, i+1)
		}
		re, err := regexp.Compile("^(?:" + p + ")$")
		if err != nil {
			// The anchors are ours: explain the error in the entry's own text.
			if _, own := regexp.Compile(p); own != nil {
				err = own
			}
			return nil, fmt.Errorf("metric family %s list: entry %d %q is not a valid RE2 expression: %w", list, i+1, p, err)
		}
		res = append(res, re)
	}
	return res, nil
}

func compileTagLabels(keys []string) (tagLabels, error) {
	var t tagLabels
	byName := make(map[string]string, len(keys))
	for i, k := range keys {
		if k == "" {
			return tagLabels{}, fmt.Errorf("tag label allowlist: entry %d is empty", i+1)
		}
		name := "tag_" + sanitizeLabelName(k)
		if prev, ok := byName[name]; ok {
			if prev == k {
				continue // listed twice: harmless
			}
			return tagLabels{}, fmt.Errorf("tag label allowlist: keys %q and %q both become label %q", prev, k, name)
		}
		byName[name] = k
		t.keys = append(t.keys, k)
		t.names = append(t.names, name)
	}
	return t, nil
}

var newline = []byte{'\n'}

// scratch is reused between renders so a render allocates only its result.
type scratch struct {
	w sampleWriter
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// render turns a snapshot into its per-job fragments.
func (r *renderer) render(s *JobSnapshot) *rendered {
	sc := scratchPool.Get().(*scratch)
	w := &sc.w
	w.buf = w.buf[:0]
	p := append(w.prefix[:0], `{cluster_id="`...)
	p = appendLabelValue(p, s.Key.ClusterID)
	p = append(p, `",job_id="`...)
	p = appendLabelValue(p, s.Key.JobID)
	w.prefix = append(p, '"')

	w.compact = compactable(s)
	offs := make([]uint32, r.perJob+1)
	for i := range r.families {
		f := &r.families[i]
		if f.slot < 0 {
			continue
		}
		offs[f.slot] = uint32(len(w.buf))
		if w.compact && f.notCompact {
			continue
		}
		w.name, w.labels = f.name, f.tokens
		f.gen(s, w)
	}
	offs[r.perJob] = uint32(len(w.buf))

	rd := &rendered{snap: s, r: r, offs: offs}
	if r.aggregateOnly {
		rd.share = shareOf(s)
	}
	if len(w.buf) > 0 {
		// An exact-size copy: tens of thousands of these stay in memory, and
		// the scratch buffer's spare capacity would double that.
		rd.buf = append([]byte(nil), w.buf...)
		if r.maxSeries > 0 { // only the cap needs the count
			rd.series = bytes.Count(rd.buf, newline)
		}
	}
	w.name, w.labels = "", nil
	if cap(w.buf) <= 1<<20 { // a giant job must not pin its buffer forever
		scratchPool.Put(sc)
	}
	return rd
}

// compactable reports whether s is rendered compact: a finished job that will
// not be described again (frozen), or not yet (backlog). A job that just
// finished (final) keeps its full state sets for one more round, so that the
// transition shows as a 1 moving to another value rather than as series
// that went stale.
func compactable(s *JobSnapshot) bool {
	return s.Info != nil && (s.Class == ClassFrozen || s.Class == ClassBacklog) && client.IsTerminal(s.Info.State.String())
}

// owns reports whether the store renders the family name.
func (r *renderer) owns(name string) bool { return r.owned[name] }
