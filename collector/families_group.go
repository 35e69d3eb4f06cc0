package collector

import (
	"strings"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// bytesPerGiB converts the API's GiB to bytes.
const bytesPerGiB = 1 << 30

func groupFamilies(tags tagLabels) []family {
	return []family{
		{
			name: "ehpc_serverless_container_group_info",
			help: "Descriptive labels of a container group (the ECI instance running a job); always 1.",
			labels: withLabels(groupLabelNames, "container_group_name", "instance_type", "spot_strategy",
				"region_id", "zone_id", "restart_policy", "intranet_ip"),
			gen: func(s *JobSnapshot, w *sampleWriter) {
				eachGroup(s.Info, func(g *client.ContainerGroup) {
					w.add(1, g.ContainerGroupID.String(), g.ContainerGroupName.String(), g.InstanceType.String(),
						g.SpotStrategy.String(), g.RegionID.String(), g.ZoneID.String(), g.RestartPolicy.String(),
						g.IntranetIP.String())
				})
			},
		},
		{
			name:   "ehpc_serverless_container_group_status",
			help:   "Current status of a container group: 1 for the current status, 0 for the others (" + strings.Join(client.GroupStatuses, ", ") + ", plus any other value the API reports).",
			labels: withLabels(groupLabelNames, "status"),
			gen: func(s *JobSnapshot, w *sampleWriter) {
				eachGroup(s.Info, func(g *client.ContainerGroup) {
					w.stateSet(client.GroupStatuses, g.Status.String(), g.ContainerGroupID.String())
				})
			},
		},
		notCompact(groupNumber("ehpc_serverless_container_group_cpu_cores",
			"CPU cores allocated to the container group.",
			func(g *client.ContainerGroup) (float64, bool) { return float64(g.Cpu), true })),
		notCompact(groupNumber("ehpc_serverless_container_group_memory_bytes",
			"Memory allocated to the container group, in bytes (the API reports GiB).",
			func(g *client.ContainerGroup) (float64, bool) { return float64(g.Memory) * bytesPerGiB, true })),
		notCompact(groupNumber("ehpc_serverless_container_group_ephemeral_storage_bytes",
			"Ephemeral storage of the container group, in bytes (the API reports GiB).",
			func(g *client.ContainerGroup) (float64, bool) { return float64(g.EphemeralStorage) * bytesPerGiB, true })),
		groupNumber("ehpc_serverless_container_group_spot_price_limit",
			"Highest hourly price accepted for a spot container group (0 when the strategy follows the market price). Absent for groups that are not spot instances.",
			func(g *client.ContainerGroup) (float64, bool) {
				st := g.SpotStrategy.String()
				return float64(g.SpotPriceLimit), st != "" && st != client.SpotNoSpot
			}),
		notCompact(groupNumber("ehpc_serverless_container_group_discount",
			"Discount applied to the container group's price, as the API reports it; absent when the API leaves it at 0.",
			// 0 is how the API answers when it has no discount to report; a
			// constant 0 on every group would say nothing.
			func(g *client.ContainerGroup) (float64, bool) { return float64(g.Discount), g.Discount != 0 })),
		notCompact(groupTime("ehpc_serverless_container_group_creation_timestamp_seconds",
			"When the container group was created, in Unix seconds.",
			func(g *client.ContainerGroup) client.Text { return g.CreationTime })),
		notCompact(groupTime("ehpc_serverless_container_group_succeeded_timestamp_seconds",
			"When the container group succeeded, in Unix seconds; absent unless it did.",
			func(g *client.ContainerGroup) client.Text { return g.SucceededTime })),
		groupTime("ehpc_serverless_container_group_failed_timestamp_seconds",
			"When the container group failed, in Unix seconds; absent unless it did.",
			func(g *client.ContainerGroup) client.Text { return g.FailedTime }),
		groupTime("ehpc_serverless_container_group_expired_timestamp_seconds",
			"When the container group expired, in Unix seconds; absent unless it did.",
			func(g *client.ContainerGroup) client.Text { return g.ExpiredTime }),
		{
			name:   "ehpc_serverless_container_group_events",
			help:   "Number of events of a container group, summed per event type and reason over the events the API keeps (at most 50).",
			labels: withLabels(groupLabelNames, "event_type", "reason"),
			gen: func(s *JobSnapshot, w *sampleWriter) {
				eachGroup(s.Info, func(g *client.ContainerGroup) {
					eachEventKind(g.Events, w.compact, func(first int) {
						var sum int64
						for _, e := range g.Events[first:] {
							if sameKind(&e, &g.Events[first]) {
								sum += int64(e.Count)
							}
						}
						e := &g.Events[first]
						w.add(float64(sum), g.ContainerGroupID.String(), e.Type.String(), e.Reason.String())
					})
				})
			},
		},
		{
			name:   "ehpc_serverless_container_group_last_event_timestamp_seconds",
			help:   "When an event of this type and reason last happened to the container group, in Unix seconds.",
			labels: withLabels(groupLabelNames, "event_type", "reason"),
			gen: func(s *JobSnapshot, w *sampleWriter) {
				eachGroup(s.Info, func(g *client.ContainerGroup) {
					eachEventKind(g.Events, w.compact, func(first int) {
						var newest time.Time
						for _, e := range g.Events[first:] {
							if !sameKind(&e, &g.Events[first]) {
								continue
							}
							if t, ok := e.LastTimestamp.Time(); ok && t.After(newest) {
								newest = t
							}
						}
						if v, ok := unixSeconds(newest); ok {
							e := &g.Events[first]
							w.add(v, g.ContainerGroupID.String(), e.Type.String(), e.Reason.String())
						}
					})
				})
			},
		},
		tagFamily(tags),
	}
}

// groupNumber is a row with one number per container group; ok false skips it.
func groupNumber(name, help string, val func(*client.ContainerGroup) (float64, bool)) family {
	return family{
		name:   name,
		help:   help,
		labels: groupLabelNames,
		gen: func(s *JobSnapshot, w *sampleWriter) {
			eachGroup(s.Info, func(g *client.ContainerGroup) {
				if v, ok := val(g); ok {
					w.add(v, g.ContainerGroupID.String())
				}
			})
		},
	}
}

// groupTime is a row for one of the group's RFC 3339 times; an empty or
// unparsable time is not exposed.
func groupTime(name, help string, field func(*client.ContainerGroup) client.Text) family {
	return groupNumber(name, help, func(g *client.ContainerGroup) (float64, bool) {
		t, ok := field(g).Time()
		if !ok {
			return 0, false
		}
		return unixSeconds(t)
	})
}

// tagFamily exposes the allowlisted tags of each container group as labels.
// Without an allowlist it emits nothing: tags are free text, and turning all of
// them into labels would let anyone with tagging rights grow the series count.
// A group that carries none of the allowlisted tags has nothing to join on
// either, so it gets no series.
func tagFamily(tags tagLabels) family {
	return family{
		name:   "ehpc_serverless_container_group_tags",
		help:   "Allowlisted tags of a container group as tag_<key> labels; always 1.",
		labels: withLabels(groupLabelNames, tags.names...),
		gen: func(s *JobSnapshot, w *sampleWriter) {
			if len(tags.keys) == 0 {
				return
			}
			eachGroup(s.Info, func(g *client.ContainerGroup) {
				vals := make([]string, 1+len(tags.keys))
				vals[0] = g.ContainerGroupID.String()
				found := false
				for i, k := range tags.keys {
					for _, t := range g.Tags {
						if t.Key.String() == k {
							vals[1+i] = t.Value.String()
							found = true
							break
						}
					}
				}
				if found {
					w.add(1, vals...)
				}
			})
		},
	}
}

// eachGroup calls fn for every container group of the job, skipping a group
// whose id repeats an earlier one: two series with one label set would make
// the whole scrape invalid.
func eachGroup(j *client.JobInfo, fn func(g *client.ContainerGroup)) {
	if j == nil {
		return
	}
	gs := j.ContainerGroups
	for i := range gs {
		if repeatsEarlier(i, func(k int) bool { return gs[k].ContainerGroupID == gs[i].ContainerGroupID }) {
			continue
		}
		fn(&gs[i])
	}
}

// eachEventKind calls fn with the index of the first event of every distinct
// (type, reason) pair, in order of first appearance. warningsOnly skips the
// Normal events: of a finished job, only what went wrong is worth keeping.
func eachEventKind(evs []client.Event, warningsOnly bool, fn func(first int)) {
	for i := range evs {
		if warningsOnly && evs[i].Type != client.EventTypeWarning {
			continue
		}
		if repeatsEarlier(i, func(k int) bool { return sameKind(&evs[k], &evs[i]) }) {
			continue
		}
		fn(i)
	}
}

func sameKind(a, b *client.Event) bool { return a.Type == b.Type && a.Reason == b.Reason }

// repeatsEarlier reports whether same(k) holds for any k < i. Lists here are a
// few entries long (at most 50 events), so a scan beats building a set.
func repeatsEarlier(i int, same func(k int) bool) bool {
	for k := range i {
		if same(k) {
			return true
		}
	}
	return false
}
