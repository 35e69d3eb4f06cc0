package main

import (
	"slices"
	"time"
)

// What a stretch of the call log was spent on. The split is what tells a
// start's or a restart's own cost from the freshness work the interval asks
// for meanwhile: describes of active jobs already described and listing
// walks after the first are bought freshness, not cost.
type spending struct {
	WalkPages  int // pages of each cluster's first listing walk in the stretch
	LaterPages int // pages of the walks after it
	First      int // first describes of jobs no earlier stretch described
	Again      int // first describes in the stretch of jobs an earlier one described
	Refresh    int // describes of active jobs already described in the stretch
	Waste      int // describes of finished jobs already described in the stretch
	Errors     int // answers other than 200
}

func (s spending) total() int {
	return s.WalkPages + s.LaterPages + s.First + s.Again + s.Refresh + s.Waste
}

// minus is the calls of s that are not in earlier, a spending of a prefix
// of the same log: what the stretch between them was spent on, sorted as
// the whole process sees it.
func (s spending) minus(earlier spending) spending {
	return spending{
		WalkPages: s.WalkPages - earlier.WalkPages, LaterPages: s.LaterPages - earlier.LaterPages,
		First: s.First - earlier.First, Again: s.Again - earlier.Again,
		Refresh: s.Refresh - earlier.Refresh, Waste: s.Waste - earlier.Waste, Errors: s.Errors - earlier.Errors,
	}
}

// spend sorts calls into a spending. known holds the jobs earlier stretches
// described (nil for none); finished says whether a job had ended when the
// run started, so that asking for it twice can only be waste.
func spend(calls []call, known map[jobKey]bool, finished func(jobKey) bool) spending {
	var s spending
	walks := map[string]int{} // walks begun, by cluster
	seen := map[jobKey]bool{}
	for _, c := range calls {
		if !c.OK {
			s.Errors++
		}
		if c.List {
			if c.Page == 1 {
				walks[c.Cluster]++
			}
			if walks[c.Cluster] <= 1 {
				s.WalkPages++
			} else {
				s.LaterPages++
			}
			continue
		}
		k := jobKey{c.Cluster, c.Job}
		switch {
		case !seen[k] && known[k]:
			s.Again++
		case !seen[k]:
			s.First++
		case finished(k):
			s.Waste++
		default:
			s.Refresh++
		}
		if c.OK {
			seen[k] = true
		}
	}
	return s
}

// described is the set of jobs with at least one answered describe.
func described(calls []call) map[jobKey]bool {
	out := map[jobKey]bool{}
	for _, c := range calls {
		if !c.List && c.OK {
			out[jobKey{c.Cluster, c.Job}] = true
		}
	}
	return out
}

// freshness is the data age of the active jobs over a window, as the
// simulator saw it: a job's data is as old as the time since its last
// answered describe.
type freshness struct {
	Window  time.Duration
	Worst   time.Duration // the oldest any active job's data got
	P99     time.Duration // over the jobs' own worst ages
	Starved int           // active jobs not described at all in the window
	Jobs    int
}

// dataAge measures freshness over [from, to] for the jobs in active. A job
// never described before from counts as old as the time since since, when
// the exporter started.
func dataAge(calls []call, active []jobKey, since, from, to time.Time) freshness {
	times := map[jobKey][]time.Time{}
	for _, c := range calls {
		if !c.List && c.OK && !c.At.After(to) {
			k := jobKey{c.Cluster, c.Job}
			times[k] = append(times[k], c.At)
		}
	}
	f := freshness{Window: to.Sub(from), Jobs: len(active)}
	worst := make([]time.Duration, 0, len(active))
	for _, k := range active {
		last, age, inWindow := since, time.Duration(0), false
		for _, t := range times[k] {
			if t.After(from) {
				inWindow = true
				age = max(age, t.Sub(last))
			}
			last = t
		}
		age = max(age, to.Sub(last))
		if !inWindow {
			f.Starved++
		}
		worst = append(worst, age)
	}
	if len(worst) > 0 {
		slices.Sort(worst)
		f.Worst = worst[len(worst)-1]
		f.P99 = worst[min(len(worst)-1, int(float64(len(worst))*0.99))]
	}
	return f
}
