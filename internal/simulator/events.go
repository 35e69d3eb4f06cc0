package simulator

import (
	"fmt"
	"sort"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// The service keeps at most this many events per container group.
const maxEvents = 50

// schedulingRetry is how often a group that cannot be scheduled is retried,
// each retry counting one more FailedScheduling event.
const schedulingRetry = 30 * time.Second

// eventLog accumulates Kubernetes-style events: one entry per (reason,
// object) with a count and first/last timestamps, the way they are folded in
// the real answer.
type eventLog struct {
	group  string
	events []*event
	index  map[string]*event
}

type event struct {
	typ, reason, message, object string
	count                        int64
	first, last                  time.Duration
	seq                          int
}

func newEventLog(group string) *eventLog {
	return &eventLog{group: group, index: map[string]*event{}}
}

// add records count occurrences between first and last.
func (l *eventLog) add(typ, reason, object, message string, count int64, first, last time.Duration) {
	if count <= 0 {
		return
	}
	key := reason + "\x00" + object
	if e, ok := l.index[key]; ok {
		e.count += count
		e.first = min(e.first, first)
		e.last = max(e.last, last)
		e.message = message
		return
	}
	e := &event{typ: typ, reason: reason, message: message, object: object, count: count, first: first, last: last, seq: len(l.events)}
	l.events = append(l.events, e)
	l.index[key] = e
}

// list renders the newest maxEvents events, oldest first.
func (l *eventLog) list(r *renderer) []client.Event {
	evs := append([]*event(nil), l.events...)
	sort.SliceStable(evs, func(a, b int) bool {
		if evs[a].last != evs[b].last {
			return evs[a].last < evs[b].last
		}
		return evs[a].seq < evs[b].seq
	})
	if len(evs) > maxEvents {
		evs = evs[len(evs)-maxEvents:]
	}
	out := make([]client.Event, len(evs))
	for i, e := range evs {
		r.touch(e.last)
		out[i] = client.Event{
			Count:          client.Int64(e.count),
			Type:           client.Text(e.typ),
			Reason:         client.Text(e.reason),
			Message:        client.Text(e.message),
			Name:           client.Text(l.group + "." + digest(l.group, e.reason, e.object)[:16]),
			FirstTimestamp: r.rfc(e.first),
			LastTimestamp:  r.rfc(e.last),
		}
	}
	return out
}

// retries is how many times the service has retried while phase i held, up
// to the moment: one at its start and one every schedulingRetry.
func (m *moment) retries(i int) int64 {
	p := m.phases[i]
	limit := m.d
	if i+1 < len(m.phases) && m.phases[i+1].At <= m.d {
		limit = m.phases[i+1].At - 1
	}
	if limit < p.At {
		return 0
	}
	return int64((limit-p.At)/schedulingRetry) + 1
}

// schedulingEvents: FailedScheduling while a phase holds the group in
// ScheduleFailed (one per retry), then Scheduled once it leaves the scheduler.
func (r *renderer) schedulingEvents(l *eventLog, g *Group) {
	m := &r.m
	for i := 0; i <= m.cur; i++ {
		p := m.phases[i]
		if groupStatus(p) != GroupScheduleFailed {
			continue
		}
		n := m.retries(i)
		l.add("Warning", "FailedScheduling", "", fmt.Sprintf(
			"Failed to create the container group: the instance type %s is out of stock in zone %s", g.InstanceType, g.ZoneID),
			n, p.At, p.At+time.Duration(n-1)*schedulingRetry)
	}
	if m.scheduled {
		l.add("Normal", "Scheduled", "", fmt.Sprintf("Successfully assigned %s to virtual-kubelet-%s", l.group, g.ZoneID), 1, m.sched, m.sched)
	}
}

// phaseEvents: the notices phases give when they begin, and the waiting
// reasons they give every main container, one per retry.
func (r *renderer) phaseEvents(l *eventLog, g *Group) {
	m := &r.m
	for i := 0; i <= m.cur; i++ {
		p := m.phases[i]
		if p.Notice != "" {
			msg := p.Message
			if msg == "" {
				msg = fmt.Sprintf("%s: container group %s", p.Notice, l.group)
			}
			l.add("Warning", p.Notice, "", msg, 1, p.At, p.At)
		}
		if p.Waiting == "" {
			continue
		}
		n := m.retries(i)
		for k := range g.Containers {
			c := &g.Containers[k]
			msg := p.Message
			if msg == "" {
				msg = fmt.Sprintf("container %s (image %q) is waiting: %s", c.Name, c.Image, p.Waiting)
			}
			l.add("Warning", p.Waiting, c.Name, msg, n, p.At, p.At+time.Duration(n-1)*schedulingRetry)
		}
	}
}

// containerEvents: the image pull and start events of every start, and for
// crash-loops and failures the Warning events that explain them.
func (r *renderer) containerEvents(l *eventLog, c *Container, h *history) {
	if !h.started {
		return
	}
	obj := c.Name
	l.add("Normal", "Pulling", obj, fmt.Sprintf("pulling image %q", c.Image), 1, h.firstStart, h.firstStart)
	l.add("Normal", "Pulled", obj, fmt.Sprintf("Successfully pulled image %q", c.Image), 1, h.firstStart, h.firstStart)
	l.add("Normal", "Created", obj, "Created container "+c.Name, h.starts, h.firstStart, h.lastStart)
	l.add("Normal", "Started", obj, "Started container "+c.Name, h.starts, h.firstStart, h.lastStart)
	if h.crashes > 0 {
		if h.crashReason == "OOMKilled" {
			l.add("Warning", "OOMKilling", obj, "Memory cgroup out of memory: killed the main process of container "+c.Name,
				h.crashes, h.firstCrash, h.lastCrash)
		}
		l.add("Warning", "BackOff", obj, fmt.Sprintf("Back-off restarting failed container %s", c.Name),
			h.crashes, h.firstCrash, h.lastCrash)
	}
	if h.state != client.ContainerStateTerminated {
		return
	}
	t := h.current
	switch {
	case r.m.ended && t.finish == r.m.end && r.m.final.State == StateCanceled:
		l.add("Normal", "Killing", obj, "Stopping container "+c.Name, 1, t.finish, t.finish)
	case h.finalFailed:
		if t.reason == "OOMKilled" {
			l.add("Warning", "OOMKilling", obj, "Memory cgroup out of memory: killed the main process of container "+c.Name,
				1, t.finish, t.finish)
		}
		l.add("Warning", "Failed", obj, fmt.Sprintf("Container %s exited with code %d (%s)", c.Name, t.exit, t.reason),
			1, t.finish, t.finish)
	}
}
