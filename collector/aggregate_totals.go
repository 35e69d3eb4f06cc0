package collector

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
)

// owner is whom a job is counted for in the aggregate-only families.
type owner struct{ cluster, queue, user string }

// aggShare is what one described job adds to the aggregate-only families,
// taken when the job is rendered, so that a scrape never walks the jobs.
type aggShare struct {
	owner  owner
	state  string   // "" when the answer has none
	groups []string // its container groups' statuses, those that have one
}

// shareOf is s's share, nil when s has no answer to count.
func shareOf(s *JobSnapshot) *aggShare {
	j := s.Info
	if j == nil {
		return nil
	}
	sh := &aggShare{owner: owner{s.Key.ClusterID, j.Queue.String(), j.User.String()}, state: j.State.String()}
	eachGroup(j, func(g *client.ContainerGroup) {
		if st := g.Status.String(); st != "" {
			sh.groups = append(sh.groups, st)
		}
	})
	return sh
}

// ownerCounts are one owner's counts; a value that falls to 0 is removed,
// so that an undocumented state that left shows no more.
type ownerCounts struct {
	jobs           int // jobs with a share, whatever their state
	states, groups map[string]int
}

// aggTotals are the counts of the aggregate-only families over every stored
// job, kept up to date as jobs are stored and removed: with 100,000 jobs a
// scrape costs what their owners cost, not what the jobs do.
type aggTotals map[owner]*ownerCounts

func (t aggTotals) add(sh *aggShare, d int) {
	if sh == nil {
		return
	}
	c := t[sh.owner]
	if c == nil {
		c = &ownerCounts{states: map[string]int{}, groups: map[string]int{}}
		t[sh.owner] = c
	}
	c.jobs += d
	bump(c.states, sh.state, d)
	for _, g := range sh.groups {
		bump(c.groups, g, d)
	}
	if c.jobs <= 0 {
		delete(t, sh.owner)
	}
}

func bump(m map[string]int, k string, d int) {
	if k == "" {
		return
	}
	if m[k] += d; m[k] <= 0 {
		delete(m, k)
	}
}

// aggView is a copy of the totals for one scrape, sorted by owner.
type aggView []aggRow

type aggRow struct {
	owner          owner
	states, groups map[string]int
}

func (t aggTotals) view() aggView {
	out := make(aggView, 0, len(t))
	for o, c := range t {
		out = append(out, aggRow{o, maps.Clone(c.states), maps.Clone(c.groups)})
	}
	slices.SortFunc(out, func(a, b aggRow) int {
		return cmp.Or(strings.Compare(a.owner.cluster, b.owner.cluster),
			strings.Compare(a.owner.queue, b.owner.queue), strings.Compare(a.owner.user, b.owner.user))
	})
	return out
}
