package collector

import (
	"strconv"
	"strings"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

func containerFamilies() []family {
	return []family{
		{
			name:   "ehpc_serverless_container_info",
			help:   "Descriptive labels of a container (init containers too, told apart by container_type); always 1.",
			labels: withLabels(containerLabelNames, "image", "image_pull_policy"),
			gen: func(s *JobSnapshot, w *sampleWriter) {
				eachContainer(s.Info, func(gid, name string, c *client.Container, ctype string) {
					w.add(1, gid, name, ctype, c.Image.String(), c.ImagePullPolicy.String())
				})
			},
		},
		{
			name:   "ehpc_serverless_container_restarts_total",
			help:   "Number of times the container has been restarted.",
			typ:    counter,
			labels: containerLabelNames,
			gen: containerNumber(func(c *client.Container) (float64, bool) {
				return float64(c.RestartCount), true
			}),
		},
		{
			name:       "ehpc_serverless_container_ready",
			notCompact: true,
			help:       "Whether the container passes its readiness check: 1 ready, 0 not ready.",
			labels:     containerLabelNames,
			gen: containerNumber(func(c *client.Container) (float64, bool) {
				return boolValue(bool(c.Ready)), true
			}),
		},
		{
			name:   "ehpc_serverless_container_state",
			help:   "Current state of a container: 1 for the current state, 0 for the others (" + strings.Join(client.ContainerStates, ", ") + ", plus any other value the API reports).",
			labels: withLabels(containerLabelNames, "state"),
			gen: func(s *JobSnapshot, w *sampleWriter) {
				eachContainer(s.Info, func(gid, name string, c *client.Container, ctype string) {
					w.stateSet(client.ContainerStates, c.CurrentState.State.String(), gid, name, ctype)
				})
			},
		},
		{
			name:   "ehpc_serverless_container_state_reason",
			help:   "Why the container is in its current state (e.g. Started, Completed, Error); always 1, absent when the API gives no reason.",
			labels: withLabels(containerLabelNames, "state", "reason"),
			gen: func(s *JobSnapshot, w *sampleWriter) {
				eachContainer(s.Info, func(gid, name string, c *client.Container, ctype string) {
					if st := c.CurrentState; st.Reason != "" {
						w.add(1, gid, name, ctype, st.State.String(), st.Reason.String())
					}
				})
			},
		},
		{
			name:   "ehpc_serverless_container_exit_code",
			help:   "Exit code of a terminated container; absent while the container is not terminated.",
			labels: containerLabelNames,
			gen: containerNumber(func(c *client.Container) (float64, bool) {
				return float64(c.CurrentState.ExitCode), c.CurrentState.State == client.ContainerStateTerminated
			}),
		},
		{
			name:   "ehpc_serverless_container_signal",
			help:   "Signal that terminated the container; absent while it is not terminated or when no signal was involved.",
			labels: containerLabelNames,
			gen: containerNumber(func(c *client.Container) (float64, bool) {
				st := c.CurrentState
				return float64(st.Signal), st.State == client.ContainerStateTerminated && st.Signal != 0
			}),
		},
		notCompact(containerTime("ehpc_serverless_container_started_timestamp_seconds",
			"When the container's current state began, in Unix seconds.",
			func(c *client.Container) client.Text { return c.CurrentState.StartTime })),
		notCompact(containerTime("ehpc_serverless_container_finished_timestamp_seconds",
			"When the container finished, in Unix seconds, as the current state reports it.",
			func(c *client.Container) client.Text { return c.CurrentState.FinishTime })),
		{
			name:   "ehpc_serverless_container_last_terminated_exit_code",
			help:   "Exit code of the container's previous run; present only when the previous state is Terminated.",
			labels: containerLabelNames,
			gen: containerNumber(func(c *client.Container) (float64, bool) {
				return float64(c.PreviousState.ExitCode), c.PreviousState.State == client.ContainerStateTerminated
			}),
		},
		{
			name:   "ehpc_serverless_container_last_terminated_reason",
			help:   "Why the container's previous run terminated; always 1, present only when the previous state is Terminated with a reason.",
			labels: withLabels(containerLabelNames, "reason"),
			gen: func(s *JobSnapshot, w *sampleWriter) {
				eachContainer(s.Info, func(gid, name string, c *client.Container, ctype string) {
					if p := c.PreviousState; p.State == client.ContainerStateTerminated && p.Reason != "" {
						w.add(1, gid, name, ctype, p.Reason.String())
					}
				})
			},
		},
		{
			name:   "ehpc_serverless_container_last_terminated_timestamp_seconds",
			help:   "When the container's previous run terminated, in Unix seconds; present only when the previous state is Terminated.",
			labels: containerLabelNames,
			gen: containerNumber(func(c *client.Container) (float64, bool) {
				if c.PreviousState.State != client.ContainerStateTerminated {
					return 0, false
				}
				t, ok := c.PreviousState.FinishTime.Time()
				if !ok {
					return 0, false
				}
				return unixSeconds(t)
			}),
		},
		{
			name:       "ehpc_serverless_container_cpu_cores",
			notCompact: true,
			help:       "CPU cores requested by the container.",
			labels:     containerLabelNames,
			gen: containerNumber(func(c *client.Container) (float64, bool) {
				return float64(c.Cpu), true
			}),
		},
		{
			// Compact jobs keep it: an OOM kill is diagnosed against it.
			name:   "ehpc_serverless_container_memory_bytes",
			help:   "Memory requested by the container, in bytes (the API reports GiB).",
			labels: containerLabelNames,
			gen: containerNumber(func(c *client.Container) (float64, bool) {
				return float64(c.Memory) * bytesPerGiB, true
			}),
		},
		{
			name:       "ehpc_serverless_container_gpus",
			notCompact: true,
			help:       "GPUs requested by the container.",
			labels:     containerLabelNames,
			gen: containerNumber(func(c *client.Container) (float64, bool) {
				return float64(c.Gpu), true
			}),
		},
	}
}

// containerNumber writes one number per container; ok false skips it.
func containerNumber(val func(*client.Container) (float64, bool)) func(*JobSnapshot, *sampleWriter) {
	return func(s *JobSnapshot, w *sampleWriter) {
		eachContainer(s.Info, func(gid, name string, c *client.Container, ctype string) {
			if v, ok := val(c); ok {
				w.add(v, gid, name, ctype)
			}
		})
	}
}

// containerTime is a row for one of a container's RFC 3339 times; an empty or
// unparsable time is not exposed.
func containerTime(name, help string, field func(*client.Container) client.Text) family {
	return family{
		name:   name,
		help:   help,
		labels: containerLabelNames,
		gen: containerNumber(func(c *client.Container) (float64, bool) {
			t, ok := field(c).Time()
			if !ok {
				return 0, false
			}
			return unixSeconds(t)
		}),
	}
}

// eachContainer calls fn for every container of every group, init containers
// first (they run first), with the name its series carry. Two containers of
// one kind in one group can share a name in an answer; the second must not
// vanish (it may be the one that crashed 99 times), and two series with one
// label set would break the scrape, so a repeated name gets the suffix "#2",
// "#3" and so on, by order of appearance, skipping names already taken.
func eachContainer(j *client.JobInfo, fn func(groupID, name string, c *client.Container, ctype string)) {
	eachGroup(j, func(g *client.ContainerGroup) {
		gid := g.ContainerGroupID.String()
		for _, list := range [2]struct {
			cs    []client.Container
			ctype string
		}{{g.InitContainers, "init"}, {g.Containers, "main"}} {
			cs := list.cs
			names := distinctNames(cs)
			for i := range cs {
				name := cs[i].Name.String()
				if names != nil {
					name = names[i]
				}
				fn(gid, name, &cs[i], list.ctype)
			}
		}
	})
}

// distinctNames is nil when the containers' names are distinct (the usual
// case, which costs no allocation), else each container's series name.
func distinctNames(cs []client.Container) []string {
	repeat := false
	for i := range cs {
		if repeatsEarlier(i, func(k int) bool { return cs[k].Name == cs[i].Name }) {
			repeat = true
			break
		}
	}
	if !repeat {
		return nil
	}
	used := make(map[string]bool, len(cs))
	for i := range cs {
		used[cs[i].Name.String()] = true
	}
	names := make([]string, len(cs))
	for i := range cs {
		names[i] = cs[i].Name.String()
		if !repeatsEarlier(i, func(k int) bool { return cs[k].Name == cs[i].Name }) {
			continue
		}
		for n := 2; ; n++ {
			if cand := names[i] + "#" + strconv.Itoa(n); !used[cand] {
				names[i], used[cand] = cand, true
				break
			}
		}
	}
	return names
}
