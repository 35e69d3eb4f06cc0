package analytics

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// The recorder turns the answers the poller sees into numbers that outlive
// the jobs: it is told every successful describe (Observe) and keeps, per
// job, what it has already counted, so that each finish, termination,
// histogram observation and second of allocation is counted exactly once,
// however often a job is described, and across restarts when its state is
// kept (Export, Import).
//
// What happened before the exporter watched is not counted: an event counts
// when it happened at or after watchSince (the first start, kept across
// restarts by the state file; without one, the start of this process). A
// job seen for the first time is taken as the baseline for what cannot be
// dated (restart counts, event counts) unless it was submitted while
// watched.

// Label is an aggregation label of the analytics families.
type Label string

// The aggregation labels a config may choose.
const (
	LabelQueue Label = "queue"
	LabelUser  Label = "user"
)

// Labels lists them; the default is both.
var Labels = []Label{LabelQueue, LabelUser}

// bytesPerGiB converts the API's GiB to bytes.
const bytesPerGiB = 1 << 30

// Recorder accumulates the analytics of every cluster. It is safe for
// concurrent use.
type Recorder struct {
	mu     sync.Mutex
	cls    *Classifier
	labels []Label
	st     state
	now    func() time.Time
}

// state is everything the recorder keeps, as the state file holds it.
type state struct {
	WatchSince   time.Time              `json:"watch_since"`
	Finished     map[string]float64     `json:"finished,omitempty"`     // finishKey
	Terminations map[string]float64     `json:"terminations,omitempty"` // termKey
	Resources    map[string]*[3]float64 `json:"resources,omitempty"`    // resKey: cpu core-s, memory byte-s, gpu-s
	SpotNotices  map[string]float64     `json:"spot_notices,omitempty"` // spotKey
	SpotLost     map[string]float64     `json:"spot_lost,omitempty"`    // spotKey
	Hists        map[string]*hist       `json:"hists,omitempty"`        // histKey
	Jobs         map[string]*jobMarks   `json:"jobs,omitempty"`         // cluster + "/" + job
}

// jobMarks is what has been counted of one job.
type jobMarks struct {
	Baseline  bool                   `json:"baseline,omitempty"` // first seen before it could be watched whole
	Finished  bool                   `json:"finished,omitempty"`
	QueueWait bool                   `json:"queue_wait,omitempty"`
	Run       bool                   `json:"run,omitempty"`
	Groups    map[string]*groupMarks `json:"groups,omitempty"`
}

type groupMarks struct {
	Startup    bool                  `json:"startup,omitempty"`
	Accounted  time.Time             `json:"accounted,omitzero"` // allocation counted up to here
	Closed     bool                  `json:"closed,omitempty"`   // the group ended and its allocation is complete
	Containers map[string]*contMarks `json:"containers,omitempty"`
	Notices    map[string]int64      `json:"notices,omitempty"` // spot event reason -> count seen
}

type contMarks struct {
	Restarts   int64  `json:"restarts"`
	FinishedAt string `json:"finished_at,omitempty"` // FinishTime of the current Terminated state counted
}

// NewRecorder starts recording with cls (nil: the built-in table) and the
// aggregation labels (nil: queue and user). now is the clock; nil is
// time.Now.
func NewRecorder(cls *Classifier, labels []Label, now func() time.Time) (*Recorder, error) {
	if now == nil {
		now = time.Now
	}
	r := &Recorder{now: now, st: newState(now())}
	if err := r.Configure(cls, labels); err != nil {
		return nil, err
	}
	return r, nil
}

func newState(since time.Time) state {
	return state{WatchSince: since, Finished: map[string]float64{}, Terminations: map[string]float64{},
		Resources: map[string]*[3]float64{}, SpotNotices: map[string]float64{}, SpotLost: map[string]float64{},
		Hists: map[string]*hist{}, Jobs: map[string]*jobMarks{}}
}

// CheckLabels refuses aggregation labels the recorder does not know.
func CheckLabels(labels []Label) error {
	seen := map[Label]bool{}
	for _, l := range labels {
		if !slices.Contains(Labels, l) {
			return fmt.Errorf("analytics label %q is not one of %v", l, Labels)
		}
		if seen[l] {
			return fmt.Errorf("analytics label %q is listed twice", l)
		}
		seen[l] = true
	}
	return nil
}

// Configure switches the classifier and the aggregation labels, as a reload
// does. Counts are kept whole (every label is recorded; the configured ones
// are what is exposed), so changing the labels loses nothing.
func (r *Recorder) Configure(cls *Classifier, labels []Label) error {
	if labels == nil {
		labels = Labels
	}
	if err := CheckLabels(labels); err != nil {
		return err
	}
	if cls == nil {
		cls, _ = NewClassifier(nil)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cls, r.labels = cls, slices.Clone(labels)
	return nil
}

// Classifier is the classifier in use.
func (r *Recorder) Classifier() *Classifier {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cls
}

// Forget drops what is kept of a job that is no longer tracked (buried by
// retention, or its cluster removed). Its counts stay in the totals.
func (r *Recorder) Forget(cluster, job string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.st.Jobs, cluster+"/"+job)
}

// Observe takes a successful describe of a job at time now.
func (r *Recorder) Observe(cluster, job string, info *client.JobInfo, now time.Time) {
	if info == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	key := cluster + "/" + job
	m := r.st.Jobs[key]
	if m == nil {
		m = &jobMarks{Groups: map[string]*groupMarks{}}
		// Restarts and events cannot be dated: those of a job submitted
		// before the watch began are the baseline, not news.
		m.Baseline = info.SubmitTime > 0 && time.Unix(int64(info.SubmitTime), 0).Before(r.st.WatchSince)
		r.st.Jobs[key] = m
	}
	queue, user := info.Queue.String(), info.User.String()
	watched := func(t time.Time) bool { return !t.IsZero() && !t.Before(r.st.WatchSince) }

	if !m.QueueWait && info.StartTime > 0 && info.SubmitTime > 0 {
		m.QueueWait = true
		if start := time.Unix(int64(info.StartTime), 0); watched(start) {
			r.observe(histKey("queue_wait", cluster, queue, ""), float64(info.StartTime-info.SubmitTime))
		}
	}
	for i := range info.ContainerGroups {
		r.group(cluster, queue, user, m, &info.ContainerGroups[i], now, watched)
	}
	if !m.Finished && client.IsTerminal(string(info.State)) {
		m.Finished = true
		end := jobEnd(info)
		if watched(end) || end.IsZero() && !m.Baseline {
			class := r.cls.Job(info)
			r.st.Finished[join(cluster, queue, user, string(info.State), string(class))]++
			if class == ClassSpotReclaimed {
				zone, itype := firstGroup(info)
				r.st.SpotLost[join(cluster, zone, itype)]++
			}
			if !m.Run && info.StartTime > 0 && info.EndTime >= info.StartTime {
				r.observe(histKey("run", cluster, queue, string(info.State)), float64(info.EndTime-info.StartTime))
			}
		}
		m.Run = true
	}
}

// group counts what one container group's answer adds.
func (r *Recorder) group(cluster, queue, user string, m *jobMarks, g *client.ContainerGroup, now time.Time, watched func(time.Time) bool) {
	id := g.ContainerGroupID.String()
	gm := m.Groups[id]
	if gm == nil {
		gm = &groupMarks{Containers: map[string]*contMarks{}, Notices: map[string]int64{}}
		m.Groups[id] = gm
	}
	start := groupStart(g)
	if !gm.Startup && !start.IsZero() {
		gm.Startup = true
		if created, ok := g.CreationTime.Time(); ok && watched(start) && !start.Before(created) {
			r.observe(histKey("startup", cluster, queue, ""), start.Sub(created).Seconds())
		}
	}
	r.allocate(cluster, queue, user, gm, g, start, now)
	r.terminations(cluster, queue, m, gm, g)

	zone, itype := g.ZoneID.String(), g.InstanceType.String()
	counts := map[string]int64{}
	for _, e := range g.Events {
		if containsFold(spotReasons, string(e.Reason)) {
			n := int64(e.Count)
			if n < 1 {
				n = 1
			}
			counts[string(e.Reason)] += n
		}
	}
	for reason, n := range counts {
		seen, known := gm.Notices[reason]
		if !known && m.Baseline {
			seen = n
		}
		if n > seen {
			r.st.SpotNotices[join(cluster, zone, itype)] += float64(n - seen)
		}
		gm.Notices[reason] = max(n, seen)
	}
}

// allocate adds the group's allocation since it was last counted: from its
// start, or the last count, up to its end or now. Each second counts once.
func (r *Recorder) allocate(cluster, queue, user string, gm *groupMarks, g *client.ContainerGroup, start, now time.Time) {
	if gm.Closed || start.IsZero() {
		return
	}
	end, ended := groupEnd(g)
	until := now
	if ended {
		until = end
	}
	from := start
	if !gm.Accounted.IsZero() && gm.Accounted.After(from) {
		from = gm.Accounted
	}
	if from.Before(r.st.WatchSince) {
		from = r.st.WatchSince // allocation before the watch began is not ours to count
	}
	if secs := until.Sub(from).Seconds(); secs > 0 {
		var gpus float64
		for _, c := range g.Containers {
			gpus += float64(c.Gpu)
		}
		k := join(cluster, queue, user, g.InstanceType.String(), g.SpotStrategy.String())
		acc := r.st.Resources[k]
		if acc == nil {
			acc = &[3]float64{}
			r.st.Resources[k] = acc
		}
		acc[0] += float64(g.Cpu) * secs
		acc[1] += float64(g.Memory) * bytesPerGiB * secs
		acc[2] += gpus * secs
	}
	if until.After(gm.Accounted) {
		gm.Accounted = until
	}
	gm.Closed = ended
}

// terminations counts the runs of the group's containers that ended since
// the last answer: restart count increases (classed by the last terminated
// state, the one the answer still shows) and a current state that became
// Terminated.
func (r *Recorder) terminations(cluster, queue string, m *jobMarks, gm *groupMarks, g *client.ContainerGroup) {
	for _, list := range [2]struct {
		cs    []client.Container
		ctype string
	}{{g.InitContainers, "init"}, {g.Containers, "main"}} {
		for k := range list.cs {
			c := &list.cs[k]
			name := list.ctype + "/" + c.Name.String()
			cm := gm.Containers[name]
			if cm == nil {
				cm = &contMarks{}
				if m.Baseline {
					cm.Restarts = int64(c.RestartCount)
					cm.FinishedAt = string(c.CurrentState.FinishTime)
				}
				gm.Containers[name] = cm
			}
			if n := int64(c.RestartCount) - cm.Restarts; n > 0 {
				r.st.Terminations[join(cluster, queue, string(r.cls.Termination(c.PreviousState)))] += float64(n)
			}
			cm.Restarts = max(cm.Restarts, int64(c.RestartCount))
			cur := c.CurrentState
			if strings.EqualFold(string(cur.State), client.ContainerStateTerminated) && string(cur.FinishTime) != cm.FinishedAt {
				cm.FinishedAt = string(cur.FinishTime)
				r.st.Terminations[join(cluster, queue, string(r.cls.Termination(cur)))]++
			}
		}
	}
}

func (r *Recorder) observe(key string, v float64) {
	h := r.st.Hists[key]
	if h == nil {
		h = &hist{Counts: make([]uint64, len(Buckets))}
		r.st.Hists[key] = h
	}
	h.add(v)
}

// groupStart is when the group began to run: its earliest container start,
// else its creation when a container runs or ran; zero when none has.
func groupStart(g *client.ContainerGroup) time.Time {
	var start time.Time
	for _, cs := range [2][]client.Container{g.InitContainers, g.Containers} {
		for k := range cs {
			for _, st := range []client.ContainerState{cs[k].CurrentState, cs[k].PreviousState} {
				if t, ok := st.StartTime.Time(); ok && (start.IsZero() || t.Before(start)) {
					start = t
				}
			}
		}
	}
	return start
}

// groupEnd is when the group ended, if it did.
func groupEnd(g *client.ContainerGroup) (time.Time, bool) {
	var end time.Time
	for _, f := range []client.Text{g.SucceededTime, g.FailedTime, g.ExpiredTime} {
		if t, ok := f.Time(); ok && t.After(end) {
			end = t
		}
	}
	return end, !end.IsZero()
}

func jobEnd(info *client.JobInfo) time.Time {
	if info.EndTime > 0 {
		return time.Unix(int64(info.EndTime), 0)
	}
	var end time.Time
	for i := range info.ContainerGroups {
		if t, ok := groupEnd(&info.ContainerGroups[i]); ok && t.After(end) {
			end = t
		}
	}
	return end
}

func firstGroup(info *client.JobInfo) (zone, itype string) {
	if len(info.ContainerGroups) == 0 {
		return "", ""
	}
	g := &info.ContainerGroups[0]
	return g.ZoneID.String(), g.InstanceType.String()
}

// Keys join label values with a separator no label value of the API holds
// (values are trimmed text; the unit separator is a control character).
const sep = "\x1f"

func join(vals ...string) string { return strings.Join(vals, sep) }

func split(key string) []string { return strings.Split(key, sep) }

func histKey(name string, vals ...string) string { return join(append([]string{name}, vals...)...) }

// Export is the recorder's state for the state file.
func (r *Recorder) Export() ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return marshal(&r.st)
}

// Import replaces the recorder's state with one Export gave, as a restart
// with a state file does. A state that does not decode is refused whole.
func (r *Recorder) Import(b []byte) error {
	st := newState(time.Time{})
	if err := unmarshal(b, &st); err != nil {
		return fmt.Errorf("analytics state: %w", err)
	}
	if st.WatchSince.IsZero() {
		return fmt.Errorf("analytics state: no watch start")
	}
	for _, h := range st.Hists {
		if h == nil || len(h.Counts) != len(Buckets) {
			return fmt.Errorf("analytics state: a histogram has other buckets than this build")
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.st = st
	return nil
}

// sortedKeys returns a map's keys in order, so the exposition is stable.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
