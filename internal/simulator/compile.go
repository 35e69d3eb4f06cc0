package simulator

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// The compiled world is the scenario checked once, with defaults filled in and
// indexes built, so that answering a request never re-validates anything and
// never scans more than it must.

type world struct {
	epoch    time.Time
	clusters map[string]*cluster
}

type cluster struct {
	id, region string
	jobs       map[string]*job
	bySubmit   []*job // static jobs, ascending submit time, then id
	recurring  []*recurring
}

type recurring struct {
	every          time.Duration
	firstID, step  int64
	keep           int64
	tmpl           *job
	templateSubmit time.Duration
}

type job struct {
	id, name, queue, user string
	priority              int64
	submit                time.Duration
	timeline              []Phase
	groups                []Group
	array                 *array
	verbatim              []byte
	verbatimSummary       client.JobSummary
	region                string
	clusterID             string
}

type array struct {
	start, end, step int64
	stagger          time.Duration
	tasks            map[int64][]Phase
}

const (
	defaultRegion       = "cn-hangzhou"
	defaultInstanceType = "ecs.c6.large"
	defaultImage        = "registry.cn-hangzhou.aliyuncs.com/ehpc/hpc-job:latest"
	maxArrayTasks       = 100000
)

func oneOf(v string, allowed []string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

// compile validates a scenario and builds the world. now resolves a zero
// epoch. Errors name the offending element by its path in the scenario.
func compile(sc *Scenario, now time.Time) (*world, error) {
	w := &world{epoch: sc.Epoch, clusters: make(map[string]*cluster, len(sc.Clusters))}
	if w.epoch.IsZero() {
		w.epoch = now.UTC().Truncate(time.Second)
	}
	groupCache := map[groupKey][]Group{}
	for ci := range sc.Clusters {
		c := &sc.Clusters[ci]
		path := fmt.Sprintf("clusters[%d]", ci)
		if strings.TrimSpace(c.ID) == "" {
			return nil, fmt.Errorf("%s: id is empty", path)
		}
		if _, dup := w.clusters[c.ID]; dup {
			return nil, fmt.Errorf("%s: duplicate cluster id %q", path, c.ID)
		}
		cl := &cluster{id: c.ID, region: c.RegionID, jobs: make(map[string]*job, len(c.Jobs))}
		if cl.region == "" {
			cl.region = defaultRegion
		}
		for ji := range c.Jobs {
			jpath := fmt.Sprintf("%s.jobs[%d]", path, ji)
			j, err := compileJob(&c.Jobs[ji], cl, w.epoch, jpath, groupCache)
			if err != nil {
				return nil, err
			}
			if j.id == "" {
				return nil, fmt.Errorf("%s: id is empty", jpath)
			}
			if _, dup := cl.jobs[j.id]; dup {
				return nil, fmt.Errorf("%s: duplicate job id %q in cluster %q", jpath, j.id, cl.id)
			}
			cl.jobs[j.id] = j
			cl.bySubmit = append(cl.bySubmit, j)
		}
		sort.SliceStable(cl.bySubmit, func(a, b int) bool { return submitLess(cl.bySubmit[a], cl.bySubmit[b]) })
		for ri := range c.Recurring {
			r := &c.Recurring[ri]
			rpath := fmt.Sprintf("%s.recurring[%d]", path, ri)
			if r.Every <= 0 {
				return nil, fmt.Errorf("%s: every must be positive, got %s", rpath, r.Every)
			}
			if r.FirstID < 0 {
				return nil, fmt.Errorf("%s: first_id must not be negative, got %d", rpath, r.FirstID)
			}
			if r.Keep < 0 {
				return nil, fmt.Errorf("%s: keep must not be negative, got %d", rpath, r.Keep)
			}
			step := r.IDStep
			if step == 0 {
				step = 1
			}
			if step < 0 {
				return nil, fmt.Errorf("%s: id_step must be positive, got %d", rpath, r.IDStep)
			}
			tmpl := r.Job
			tmpl.ID = strconv.FormatInt(r.FirstID, 10)
			if tmpl.Verbatim != "" {
				return nil, fmt.Errorf("%s.job: verbatim answers cannot recur", rpath)
			}
			j, err := compileJob(&tmpl, cl, w.epoch, rpath+".job", groupCache)
			if err != nil {
				return nil, err
			}
			rec := &recurring{every: r.Every, firstID: r.FirstID, step: step, keep: int64(r.Keep), tmpl: j, templateSubmit: j.submit}
			for _, other := range cl.recurring {
				if progressionsMeet(rec.firstID, rec.step, other.firstID, other.step) {
					return nil, fmt.Errorf("%s: ids %d+k*%d collide with another recurring job's ids %d+k*%d",
						rpath, rec.firstID, rec.step, other.firstID, other.step)
				}
			}
			for id := range cl.jobs {
				if n, err := strconv.ParseInt(id, 10, 64); err == nil && n >= rec.firstID && (n-rec.firstID)%rec.step == 0 {
					return nil, fmt.Errorf("%s: job id %q of cluster %q is also a recurring id", rpath, id, cl.id)
				}
			}
			cl.recurring = append(cl.recurring, rec)
		}
		w.clusters[cl.id] = cl
	}
	return w, nil
}

func submitLess(a, b *job) bool {
	if a.submit != b.submit {
		return a.submit < b.submit
	}
	return idLess(a.id, b.id)
}

// idLess orders numeric ids numerically and everything else as text, so that
// "9" comes before "10".
func idLess(a, b string) bool {
	na, ea := strconv.ParseInt(a, 10, 64)
	nb, eb := strconv.ParseInt(b, 10, 64)
	switch {
	case ea == nil && eb == nil:
		return na < nb
	case ea == nil:
		return true
	case eb == nil:
		return false
	}
	return a < b
}

// progressionsMeet reports whether f1+k*s1 and f2+m*s2 share a value for some
// k, m >= 0: they do exactly when f2-f1 is a multiple of gcd(s1, s2).
func progressionsMeet(f1, s1, f2, s2 int64) bool {
	g := gcd(s1, s2)
	d := f2 - f1
	return d%g == 0
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func compileJob(spec *Job, cl *cluster, epoch time.Time, path string, groupCache map[groupKey][]Group) (*job, error) {
	j := &job{
		id: strings.TrimSpace(spec.ID), name: spec.Name, queue: spec.Queue, user: spec.User,
		priority: spec.Priority, submit: spec.Submit, region: cl.region, clusterID: cl.id,
	}
	if strings.Contains(j.id, "_") {
		return nil, fmt.Errorf("%s: job id %q must not contain '_' (it separates array sub-task indexes)", path, j.id)
	}
	if spec.Verbatim != "" {
		var resp client.DescribeServerlessJobsResponse
		if err := json.Unmarshal([]byte(spec.Verbatim), &resp); err != nil {
			return nil, fmt.Errorf("%s: verbatim answer is not a DescribeServerlessJobs answer: %v", path, err)
		}
		if len(resp.JobInfos) != 1 || resp.JobInfos[0].JobID.String() != j.id {
			return nil, fmt.Errorf("%s: verbatim answer must describe exactly job %q", path, j.id)
		}
		ji := resp.JobInfos[0]
		j.verbatim = []byte(spec.Verbatim)
		j.verbatimSummary = client.JobSummary{
			JobID: ji.JobID, JobName: ji.JobName, State: ji.State, Priority: ji.Priority,
			Queue: ji.Queue, User: ji.User, SubmitTime: ji.SubmitTime, StartTime: ji.StartTime,
			EndTime: ji.EndTime, IsArrayJob: ji.IsArrayJob,
		}
		// Listing filters and orders by submission time: take the answer's.
		if ji.SubmitTime != 0 {
			j.submit = time.Unix(int64(ji.SubmitTime), 0).Sub(epoch)
		}
		return j, nil
	}
	if j.name == "" {
		j.name = "job-" + j.id
	}
	if j.queue == "" {
		j.queue = "comp"
	}
	if j.user == "" {
		j.user = "ehpcuser"
	}
	tl, err := compileTimeline(spec.Timeline, path+".timeline")
	if err != nil {
		return nil, err
	}
	j.timeline = tl
	groups, err := compileGroups(spec.Groups, cl.region, path, groupCache)
	if err != nil {
		return nil, err
	}
	j.groups = groups
	if err := checkBlame(j.timeline, groups, path+".timeline"); err != nil {
		return nil, err
	}
	if spec.Array != nil {
		a, err := compileArray(spec.Array, path+".array")
		if err != nil {
			return nil, err
		}
		for i, t := range spec.Array.Tasks {
			if err := checkBlame(a.tasks[t.Index], groups, fmt.Sprintf("%s.array.tasks[%d].timeline", path, i)); err != nil {
				return nil, err
			}
		}
		j.array = a
	}
	return j, nil
}

// checkBlame makes sure a phase that blames a container names one the job has.
func checkBlame(tl []Phase, groups []Group, path string) error {
	for _, p := range tl {
		if p.Container == "" {
			continue
		}
		found := false
		for _, g := range groups {
			for _, c := range append(append([]Container(nil), g.Containers...), g.InitContainers...) {
				found = found || c.Name == p.Container
			}
		}
		if !found {
			return fmt.Errorf("%s: the %s phase at %s names container %q, which the job does not have", path, p.State, p.At, p.Container)
		}
	}
	return nil
}

// compileTimeline checks the phases and makes the timeline start with a phase
// at or before 0, so that "the phase at d" always exists for d >= 0.
func compileTimeline(phases []Phase, path string) ([]Phase, error) {
	out := make([]Phase, 0, len(phases)+1)
	if len(phases) == 0 || phases[0].At > 0 {
		out = append(out, Phase{State: StatePending})
	}
	for i, p := range phases {
		ppath := fmt.Sprintf("%s[%d]", path, i)
		if !oneOf(p.State, client.JobStates) {
			return nil, fmt.Errorf("%s: unknown state %q (want one of %s)", ppath, p.State, strings.Join(client.JobStates, ", "))
		}
		if p.GroupStatus != "" && !oneOf(p.GroupStatus, client.GroupStatuses) {
			return nil, fmt.Errorf("%s: unknown group_status %q (want one of %s)", ppath, p.GroupStatus, strings.Join(client.GroupStatuses, ", "))
		}
		if p.At < 0 {
			return nil, fmt.Errorf("%s: at %s is before the job's submission", ppath, p.At)
		}
		if i > 0 {
			if p.At < phases[i-1].At {
				return nil, fmt.Errorf("%s: at %s is before the previous phase's %s", ppath, p.At, phases[i-1].At)
			}
			if client.IsTerminal(phases[i-1].State) {
				return nil, fmt.Errorf("%s: no phase may follow the final state %s", ppath, phases[i-1].State)
			}
		}
		if (p.ExitCode != nil || p.Container != "" || p.Reason != "") && p.State != StateFailed && p.State != StateCanceled {
			return nil, fmt.Errorf("%s: container, exit_code and reason are only meaningful for Failed or Canceled", ppath)
		}
		if p.Waiting != "" && p.State != StatePending && p.State != StateIniting {
			return nil, fmt.Errorf("%s: waiting is only meaningful for Pending or Initing", ppath)
		}
		if p.State == StateFailed && p.ExitCode != nil && *p.ExitCode == 0 {
			return nil, fmt.Errorf("%s: a Failed job needs a non-zero exit_code", ppath)
		}
		out = append(out, p)
	}
	return out, nil
}

// groupKey lets jobs that share one Groups slice (generated scenarios) share
// its compiled form too, instead of each holding a copy.
type groupKey struct {
	first  *Group
	region string
}

func compileGroups(groups []Group, region, path string, cache map[groupKey][]Group) ([]Group, error) {
	var key groupKey
	if len(groups) == 0 {
		groups = []Group{{}}
	} else {
		key = groupKey{&groups[0], region}
		if cached, ok := cache[key]; ok {
			return cached, nil
		}
	}
	out := make([]Group, len(groups))
	for gi, g := range groups {
		gpath := fmt.Sprintf("%s.groups[%d]", path, gi)
		if g.InstanceType == "" {
			g.InstanceType = defaultInstanceType
		}
		if g.SpotStrategy == "" {
			g.SpotStrategy = client.SpotNoSpot
		}
		if !oneOf(g.SpotStrategy, client.SpotStrategies) {
			return nil, fmt.Errorf("%s: unknown spot_strategy %q (want one of %s)", gpath, g.SpotStrategy, strings.Join(client.SpotStrategies, ", "))
		}
		if g.SpotPriceLimit < 0 || g.Cpu < 0 || g.Memory < 0 || g.EphemeralStorage < 0 || g.Discount < 0 {
			return nil, fmt.Errorf("%s: spot_price_limit, cpu, memory, ephemeral_storage and discount must not be negative", gpath)
		}
		if g.Cpu == 0 {
			g.Cpu = 2
		}
		if g.Memory == 0 {
			g.Memory = 4
		}
		if g.EphemeralStorage == 0 {
			g.EphemeralStorage = 20
		}
		if g.ZoneID == "" {
			g.ZoneID = region + "-h"
		}
		if len(g.Containers) == 0 {
			g.Containers = []Container{{Name: "main"}}
		}
		var err error
		crash := false
		if g.Containers, crash, err = compileContainers(g.Containers, g, gpath+".containers", true); err != nil {
			return nil, err
		}
		if g.InitContainers, _, err = compileContainers(g.InitContainers, g, gpath+".init_containers", false); err != nil {
			return nil, err
		}
		if g.RestartPolicy == "" {
			g.RestartPolicy = "Never"
			if crash {
				g.RestartPolicy = "Always"
			}
		}
		out[gi] = g
	}
	if key.first != nil {
		cache[key] = out
	}
	return out, nil
}

func compileContainers(cs []Container, g Group, path string, main bool) ([]Container, bool, error) {
	if len(cs) == 0 {
		return nil, false, nil
	}
	out := make([]Container, len(cs))
	crash := false
	names := map[string]bool{}
	for i, c := range cs {
		cpath := fmt.Sprintf("%s[%d]", path, i)
		if c.Name == "" {
			c.Name = fmt.Sprintf("container-%d", i)
		}
		if names[c.Name] {
			return nil, false, fmt.Errorf("%s: duplicate container name %q", cpath, c.Name)
		}
		names[c.Name] = true
		if c.Image == "" {
			c.Image = defaultImage
		}
		if c.Cpu < 0 || c.Memory < 0 || c.Gpu < 0 {
			return nil, false, fmt.Errorf("%s: cpu, memory and gpu must not be negative", cpath)
		}
		if c.Cpu == 0 {
			c.Cpu = g.Cpu / float64(len(cs))
		}
		if c.Memory == 0 {
			c.Memory = g.Memory / float64(len(cs))
		}
		if c.CrashLoop != nil {
			if !main {
				return nil, false, fmt.Errorf("%s: crash_loop applies to main containers only", cpath)
			}
			cl := *c.CrashLoop
			if cl.Every <= 0 {
				return nil, false, fmt.Errorf("%s.crash_loop: every must be positive, got %s", cpath, cl.Every)
			}
			if cl.BackOff == 0 {
				cl.BackOff = cl.Every / 2
			}
			if cl.BackOff < 0 || cl.BackOff >= cl.Every {
				return nil, false, fmt.Errorf("%s.crash_loop: back_off must be between 0 and every (%s), got %s", cpath, cl.Every, cl.BackOff)
			}
			if cl.ExitCode == 0 {
				cl.ExitCode = 1
			}
			if cl.Reason == "" {
				cl.Reason = "Error"
			}
			c.CrashLoop = &cl
			crash = true
		}
		out[i] = c
	}
	return out, crash, nil
}

func compileArray(a *Array, path string) (*array, error) {
	out := &array{start: a.IndexStart, end: a.IndexEnd, step: a.IndexStep, stagger: a.Stagger, tasks: map[int64][]Phase{}}
	if out.step == 0 {
		out.step = 1
	}
	if out.step < 0 || out.start < 0 || out.end < out.start {
		return nil, fmt.Errorf("%s: want 0 <= index_start <= index_end and index_step > 0, got %d-%d:%d", path, a.IndexStart, a.IndexEnd, a.IndexStep)
	}
	if n, _ := client.ArrayTaskCount(out.start, out.end, out.step); n > maxArrayTasks {
		return nil, fmt.Errorf("%s: more than %d sub-tasks", path, maxArrayTasks)
	}
	if out.stagger < 0 {
		return nil, fmt.Errorf("%s: stagger must not be negative, got %s", path, a.Stagger)
	}
	for i, t := range a.Tasks {
		tpath := fmt.Sprintf("%s.tasks[%d]", path, i)
		if !out.has(t.Index) {
			return nil, fmt.Errorf("%s: index %d is not one of the array's indexes", tpath, t.Index)
		}
		tl, err := compileTimeline(t.Timeline, tpath+".timeline")
		if err != nil {
			return nil, err
		}
		out.tasks[t.Index] = tl
	}
	return out, nil
}

func (a *array) has(index int64) bool {
	return index >= a.start && index <= a.end && (index-a.start)%a.step == 0
}

// subTask returns the job as seen through one sub-task: its own id and its
// (possibly shifted or overridden) timeline.
func (j *job) subTask(index int64) *job {
	st := *j
	st.id = client.SubTaskID(j.id, index)
	if tl, ok := j.array.tasks[index]; ok {
		st.timeline = tl
	} else if shift := time.Duration((index-j.array.start)/j.array.step) * j.array.stagger; shift > 0 {
		st.timeline = make([]Phase, len(j.timeline))
		copy(st.timeline, j.timeline)
		for i := 1; i < len(st.timeline); i++ {
			st.timeline[i].At += shift
		}
	}
	return &st
}

// instance returns instance k of a recurring job.
func (r *recurring) instance(k int64) *job {
	j := *r.tmpl
	j.id = strconv.FormatInt(r.firstID+k*r.step, 10)
	j.submit = r.templateSubmit + time.Duration(k)*r.every
	return &j
}

// visible returns the range [lo, hi] of instance numbers that exist at
// elapsed time t; ok is false when none does.
func (r *recurring) visible(t time.Duration) (lo, hi int64, ok bool) {
	if t < r.templateSubmit {
		return 0, 0, false
	}
	hi = int64((t - r.templateSubmit) / r.every)
	lo = 0
	if r.keep > 0 && hi-r.keep+1 > 0 {
		lo = hi - r.keep + 1
	}
	return lo, hi, true
}

// lookup finds a job (or array sub-task) by the id a client asks for, as it
// exists at elapsed time t. bareArray is true when id names an array job
// itself, which DescribeServerlessJobs refuses.
func (c *cluster) lookup(id string, t time.Duration) (j *job, bareArray bool) {
	base, idx, isSub := client.SplitSubTaskID(id)
	if !isSub {
		base = id
	}
	j = c.jobs[base]
	if j == nil {
		j = c.recurringJob(base, t)
	}
	if j == nil || j.submit > t {
		return nil, false
	}
	if j.array == nil {
		if isSub {
			return nil, false
		}
		return j, false
	}
	if !isSub {
		return nil, true
	}
	n, err := strconv.ParseInt(idx, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != idx || !j.array.has(n) {
		return nil, false
	}
	return j.subTask(n), false
}

func (c *cluster) recurringJob(id string, t time.Duration) *job {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != id {
		return nil
	}
	for _, r := range c.recurring {
		if n < r.firstID || (n-r.firstID)%r.step != 0 {
			continue
		}
		k := (n - r.firstID) / r.step
		lo, hi, ok := r.visible(t)
		if !ok || k < lo || k > hi {
			return nil
		}
		return r.instance(k)
	}
	return nil
}
