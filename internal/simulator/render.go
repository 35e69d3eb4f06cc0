package simulator

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// renderer turns a job at an instant into the wire model. Absolute times are
// the epoch plus the job's submission plus an offset.
type renderer struct {
	epoch time.Time
	j     *job
	m     moment
	// lastMod is the latest visible change, for LastModifyTime.
	lastMod time.Duration
}

func (w *world) describe(j *job, t time.Duration) client.JobInfo {
	r := &renderer{epoch: w.epoch, j: j, m: j.at(t - j.submit)}
	return r.jobInfo()
}

func (r *renderer) abs(off time.Duration) time.Time {
	return r.epoch.Add(r.j.submit + off)
}

func (r *renderer) rfc(off time.Duration) client.Text {
	return client.Text(r.abs(off).UTC().Format(time.RFC3339))
}

func (r *renderer) unix(off time.Duration) client.Int64 {
	return client.Int64(r.abs(off).Unix())
}

func (r *renderer) touch(off time.Duration) {
	if off > r.lastMod {
		r.lastMod = off
	}
}

func (r *renderer) jobInfo() client.JobInfo {
	j, m := r.j, &r.m
	info := client.JobInfo{
		JobID:      client.Text(j.id),
		JobName:    client.Text(j.name),
		State:      client.Text(m.phase.State),
		Priority:   client.Int64(j.priority),
		Queue:      client.Text(j.queue),
		User:       client.Text(j.user),
		SubmitTime: r.unix(0),
		IsArrayJob: client.Bool(j.array != nil),
	}
	r.lastMod = 0
	r.touch(m.phase.At)
	if m.ran && (!m.ended || m.runStart <= m.end) {
		info.StartTime = r.unix(m.runStart)
	}
	if m.ended {
		info.EndTime = r.unix(m.end)
	}
	if a := j.array; a != nil {
		info.ArrayProperties = &client.ArrayProperties{IndexStart: client.Int64(a.start), IndexEnd: client.Int64(a.end), IndexStep: client.Int64(a.step)}
	}
	info.ContainerGroups = make([]client.ContainerGroup, len(j.groups))
	for gi := range j.groups {
		info.ContainerGroups[gi] = r.group(gi, &j.groups[gi])
	}
	info.LastModifyTime = client.Int64(r.abs(r.lastMod).UnixMilli())
	return info
}

// groupName is the spec's name or one made from the job, unique per job.
func (r *renderer) groupName(gi int, g *Group) string {
	if g.Name != "" {
		return g.Name
	}
	name := strings.ToLower(r.j.name) + "-" + strings.ReplaceAll(r.j.id, "_", "-")
	if len(r.j.groups) > 1 {
		name += "-" + strconv.Itoa(gi)
	}
	return name
}

func (r *renderer) group(gi int, g *Group) client.ContainerGroup {
	m := &r.m
	name := r.groupName(gi, g)
	h := digest(r.j.clusterID, r.j.id, strconv.Itoa(gi))
	status := groupStatus(m.phase)
	cg := client.ContainerGroup{
		ContainerGroupID:   client.Text("eci-" + h[:20]),
		ContainerGroupName: client.Text(name),
		Status:             client.Text(status),
		InstanceType:       client.Text(g.InstanceType),
		SpotStrategy:       client.Text(g.SpotStrategy),
		SpotPriceLimit:     client.Float64(g.SpotPriceLimit),
		Cpu:                client.Float64(g.Cpu),
		Memory:             client.Float64(g.Memory),
		EphemeralStorage:   client.Float64(g.EphemeralStorage),
		Discount:           client.Float64(g.Discount),
		Volumes:            []client.Volume{},
		HostAliases:        []client.HostAlias{},
		CreationTime:       r.rfc(0),
		RegionID:           client.Text(r.j.region),
		ResourceGroupID:    client.Text("rg-" + h[20:34]),
		RestartPolicy:      client.Text(g.RestartPolicy),
		SecurityGroupID:    client.Text("sg-" + h[34:54]),
		VSwitchID:          client.Text("vsw-" + h[54:64]),
		VpcID:              client.Text("vpc-" + h[44:64]),
		ZoneID:             client.Text(g.ZoneID),
		Tags:               tags(g.Tags),
	}
	if m.scheduled {
		n := binary.BigEndian.Uint16(mustHex(h[:4]))
		cg.IntranetIP = client.Text(fmt.Sprintf("172.16.%d.%d", n>>8, n&0xff|1))
		cg.EniInstanceID = client.Text("eni-" + h[4:24])
	}
	if m.ended {
		switch status {
		case GroupSucceeded:
			cg.SucceededTime = r.rfc(m.end)
		case GroupFailed:
			cg.FailedTime = r.rfc(m.end)
		case GroupExpired:
			cg.ExpiredTime = r.rfc(m.end)
		}
	}

	ev := newEventLog(name)
	r.schedulingEvents(ev, g)
	r.phaseEvents(ev, g)
	inits := initHistories(g.InitContainers, m)
	cg.InitContainers = make([]client.Container, len(g.InitContainers))
	for k := range g.InitContainers {
		c := &g.InitContainers[k]
		cg.InitContainers[k] = r.container(c, &inits[k], false)
		r.containerEvents(ev, c, &inits[k])
	}
	failing := failingMain(g.Containers, m)
	cg.Containers = make([]client.Container, len(g.Containers))
	for k := range g.Containers {
		c := &g.Containers[k]
		h := mainHistory(c, m, len(g.InitContainers) > 0, k == failing)
		cg.Containers[k] = r.container(c, &h, true)
		r.containerEvents(ev, c, &h)
	}
	cg.Events = ev.list(r)
	return cg
}

func tags(m map[string]string) []client.Tag {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]client.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, client.Tag{Key: client.Text(k), Value: client.Text(m[k])})
	}
	return out
}

func (r *renderer) container(c *Container, h *history, main bool) client.Container {
	out := client.Container{
		Name:            client.Text(c.Name),
		Image:           client.Text(c.Image),
		ImagePullPolicy: "IfNotPresent",
		Args:            texts(c.Args),
		Cpu:             client.Float64(c.Cpu),
		Memory:          client.Float64(c.Memory),
		Gpu:             client.Float64(c.Gpu),
		RestartCount:    client.Int64(max(h.starts-1, 0)),
		EnvironmentVars: []client.EnvVar{},
		Ports:           []client.Port{},
		VolumeMounts:    []client.VolumeMount{},
		WorkingDir:      "/home/" + client.Text(r.j.user),
	}
	if main {
		out.Commands = texts(c.Commands)
	} else {
		out.Command = texts(c.Commands)
	}
	switch h.state {
	case client.ContainerStateRunning:
		out.CurrentState = client.ContainerState{State: client.ContainerStateRunning, Reason: "Started", StartTime: r.rfc(h.current.start)}
		out.Ready = true
		r.touch(h.current.start)
	case client.ContainerStateTerminated:
		out.CurrentState = r.terminated(&h.current)
	default:
		out.CurrentState = client.ContainerState{State: client.ContainerStateWaiting, Reason: client.Text(h.waitReason)}
		if h.waitReason == "CrashLoopBackOff" {
			out.CurrentState.Message = client.Text(fmt.Sprintf("back-off restarting failed container=%s pod=%s", c.Name, r.j.name))
		}
	}
	if h.previous != nil {
		out.PreviousState = r.terminated(h.previous)
	}
	return out
}

func (r *renderer) terminated(t *term) client.ContainerState {
	r.touch(t.finish)
	st := client.ContainerState{
		State:      client.ContainerStateTerminated,
		ExitCode:   client.Int64(t.exit),
		Reason:     client.Text(t.reason),
		StartTime:  r.rfc(t.start),
		FinishTime: r.rfc(t.finish),
	}
	if t.exit > 128 && t.exit < 160 {
		st.Signal = client.Int64(t.exit - 128)
	}
	return st
}

func texts(ss []string) []client.Text {
	out := make([]client.Text, len(ss))
	for i, s := range ss {
		out[i] = client.Text(s)
	}
	return out
}

// digest gives stable pseudo-random identifiers: the same job always gets the
// same container group id, addresses and so on.
func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func mustHex(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}
