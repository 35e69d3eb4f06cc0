package simulator

import (
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// moment is a job seen at one instant: d is the time since its submission.
// Every offset below is relative to the submission too. The fields are
// derived from the timeline alone, so two requests at the same simulated time
// see the same job.
type moment struct {
	d      time.Duration
	cur    int // index of the phase in force at d
	phase  Phase
	phases []Phase

	scheduled bool // left the scheduler (first Initing or Running phase)
	sched     time.Duration

	inited             bool // an Initing phase began at or before d
	initStart, initEnd time.Duration
	initEndKnown       bool
	initIdx            int

	ran      bool // a Running phase began at or before d
	runStart time.Duration

	ended bool // reached Succeeded, Failed or Canceled
	end   time.Duration
	final Phase

	waiting string // the Waiting reason in force, kept past a final phase
}

func phaseAt(tl []Phase, d time.Duration) int {
	cur := 0
	for i, p := range tl {
		if p.At > d {
			break
		}
		cur = i
	}
	return cur
}

func (j *job) at(d time.Duration) moment {
	m := moment{d: d, phases: j.timeline, cur: phaseAt(j.timeline, d), initIdx: -1}
	m.phase = j.timeline[m.cur]
	for i := 0; i <= m.cur; i++ {
		p := j.timeline[i]
		switch p.State {
		case StateIniting:
			if !m.inited {
				m.inited, m.initStart, m.initIdx = true, p.At, i
				if i+1 < len(j.timeline) {
					m.initEnd, m.initEndKnown = j.timeline[i+1].At, true
				}
			}
		case StateRunning:
			if !m.ran {
				m.ran, m.runStart = true, p.At
			}
		}
		if (p.State == StateIniting || p.State == StateRunning) && !m.scheduled {
			m.scheduled, m.sched = true, p.At
		}
		if client.IsTerminal(p.State) {
			m.ended, m.end, m.final = true, p.At, p
		} else {
			m.waiting = p.Waiting
		}
	}
	return m
}

// groupStatus is the container group status in force: the phase's override
// or the one its job state implies.
func groupStatus(p Phase) string {
	if p.GroupStatus != "" {
		return p.GroupStatus
	}
	switch p.State {
	case StatePending:
		return GroupScheduling
	case StateIniting:
		return GroupPending
	case StateRunning:
		return GroupRunning
	case StateSucceeded:
		return GroupSucceeded
	default:
		return GroupFailed
	}
}

// finalExit is how a container ends when the job reaches its final phase.
// failing is whether this container is the one the phase blames.
func finalExit(p Phase, failing bool) (code int64, reason string) {
	switch {
	case p.State == StateCanceled:
		code, reason = 143, "Error"
	case p.State == StateFailed && failing:
		code, reason = 1, "Error"
	default:
		return 0, "Completed"
	}
	if p.ExitCode != nil {
		code = *p.ExitCode
	}
	if p.Reason != "" {
		reason = p.Reason
	}
	return code, reason
}

// term is one finished run of a container.
type term struct {
	start, finish time.Duration
	exit          int64
	reason        string
}

// history is what a container has done up to the moment, in closed form: a
// crash-looping container may have restarted thousands of times, and nothing
// here grows with that number.
type history struct {
	started               bool
	starts                int64 // times started
	firstStart, lastStart time.Duration

	state      string // Waiting, Running, Terminated
	waitReason string
	current    term // for Running: start; for Terminated: the whole run
	previous   *term

	crashes               int64 // crash-loop exits (each followed by a back-off)
	firstCrash, lastCrash time.Duration
	crashReason           string
	finalFailed           bool // ended the job with a non-zero exit code
}

// mainHistory follows a main container. failing says whether the job's final
// phase blames it.
func mainHistory(c *Container, m *moment, hasInit, failing bool) history {
	var h history
	if !m.ran || (m.ended && m.runStart > m.end) {
		h.state = client.ContainerStateWaiting
		h.waitReason = "ContainerCreating"
		if m.scheduled && hasInit {
			h.waitReason = "PodInitializing"
		}
		if m.waiting != "" {
			h.waitReason = m.waiting
		}
		return h
	}
	s := m.runStart
	limit := m.d
	if m.ended {
		limit = m.end
	}
	h.started, h.firstStart = true, s
	var i, within time.Duration
	var runFor time.Duration
	if cl := c.CrashLoop; cl != nil {
		runFor = cl.Every - cl.BackOff
		i = (limit - s) / cl.Every
		within = limit - s - i*cl.Every
		h.crashReason = cl.Reason
		h.crashes = int64(i)
		if within >= runFor {
			h.crashes++
		}
		if h.crashes > 0 {
			h.firstCrash = s + runFor
			h.lastCrash = s + time.Duration(h.crashes-1)*cl.Every + runFor
		}
		crashOf := func(k time.Duration) *term {
			st := s + k*cl.Every
			return &term{start: st, finish: st + runFor, exit: cl.ExitCode, reason: cl.Reason}
		}
		inBackOff := within >= runFor
		switch {
		case inBackOff:
			h.previous = crashOf(i)
		case i > 0:
			h.previous = crashOf(i - 1)
		}
		h.starts = int64(i) + 1
		h.lastStart = s + i*cl.Every
		if !m.ended {
			if inBackOff {
				h.state, h.waitReason = client.ContainerStateWaiting, "CrashLoopBackOff"
			} else {
				h.state, h.current = client.ContainerStateRunning, term{start: h.lastStart}
			}
			return h
		}
	} else {
		h.starts, h.lastStart = 1, s
		if !m.ended {
			h.state, h.current = client.ContainerStateRunning, term{start: s}
			return h
		}
	}
	code, reason := finalExit(m.final, failing)
	h.state = client.ContainerStateTerminated
	h.current = term{start: h.lastStart, finish: m.end, exit: code, reason: reason}
	h.finalFailed = code != 0
	return h
}

// initHistories follows the init containers. They run one after another and
// share the Initing phase equally; when the job goes straight to Running they
// complete at once. When the job fails while initialising, the blamed init
// container (default the last) fails and those after it never run.
func initHistories(cs []Container, m *moment) []history {
	out := make([]history, len(cs))
	n := len(cs)
	if n == 0 {
		return out
	}
	waitReason := "ContainerCreating"
	if m.scheduled {
		waitReason = "PodInitializing"
	}
	for k := range out {
		out[k] = history{state: client.ContainerStateWaiting, waitReason: waitReason}
	}
	if !m.inited {
		if m.ran {
			for k := range out {
				out[k] = history{started: true, starts: 1, firstStart: m.runStart, lastStart: m.runStart,
					state: client.ContainerStateTerminated, current: term{start: m.runStart, finish: m.runStart, reason: "Completed"}}
			}
		}
		return out
	}
	failIdx := -1
	if m.ended && m.initIdx+1 < len(m.phases) && client.IsTerminal(m.phases[m.initIdx+1].State) && m.final.State != StateSucceeded {
		failIdx = n - 1
		for k, c := range cs {
			if c.Name == m.final.Container {
				failIdx = k
			}
		}
	}
	slots := n
	if failIdx >= 0 {
		slots = failIdx + 1
	}
	for k := 0; k < slots; k++ {
		var start, finish time.Duration
		if m.initEndKnown {
			slot := (m.initEnd - m.initStart) / time.Duration(slots)
			start = m.initStart + time.Duration(k)*slot
			finish = start + slot
			if k == slots-1 {
				finish = m.initEnd
			}
		} else if k == 0 {
			start, finish = m.initStart, -1
		} else {
			break
		}
		if m.d < start {
			break
		}
		h := history{started: true, starts: 1, firstStart: start, lastStart: start}
		if finish < 0 || m.d < finish {
			h.state, h.current = client.ContainerStateRunning, term{start: start}
		} else {
			code, reason := int64(0), "Completed"
			if k == failIdx {
				code, reason = finalExit(m.final, true)
				h.finalFailed = code != 0
			}
			h.state, h.current = client.ContainerStateTerminated, term{start: start, finish: finish, exit: code, reason: reason}
		}
		out[k] = h
	}
	return out
}

// failingMain returns the index of the main container the final phase blames,
// or -1 when the job did not fail in a main container.
func failingMain(cs []Container, m *moment) int {
	if !m.ended || m.final.State == StateSucceeded || !m.ran || m.runStart > m.end {
		return -1
	}
	for k, c := range cs {
		if c.Name == m.final.Container {
			return k
		}
	}
	return 0
}
