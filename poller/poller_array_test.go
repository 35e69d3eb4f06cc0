package poller

import (
	"fmt"
	"testing"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/client"
	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/collector"
)

func arrayJob(id, state string, start, end, step int64) client.JobInfo {
	info := fakeJob(id, state)
	info.IsArrayJob = true
	info.ArrayProperties = &client.ArrayProperties{IndexStart: client.Int64(start), IndexEnd: client.Int64(end), IndexStep: client.Int64(step)}
	return info
}

func TestArrayExpansionFromAnAnswer(t *testing.T) {
	api := newFakeAPI()
	for i := 1; i <= 4; i++ {
		api.setJob(arrayJob(fmt.Sprintf("7_%d", i), "Running", 1, 4, 1))
	}
	spec := staticSpec(api, "7_2")
	spec.ExpandArray = true
	pt := newPollTest(t, Options{}, spec)

	// New siblings are new jobs: described at once, in the same interval,
	// each once.
	pt.cycle()
	wantIDs(t, pt.ids("c1"), "7_1", "7_2", "7_3", "7_4")
	for i := 1; i <= 4; i++ {
		id := fmt.Sprintf("7_%d", i)
		if s := pt.snap("c1", id); s.Info == nil || s.Source != collector.SourceStatic || s.Class != collector.ClassActive {
			t.Errorf("sibling %s: %+v, want described, static and active", id, s)
		}
	}
	if n := api.totalDescribes(); n != 4 {
		t.Fatalf("the first interval made %d describes, want 4 (one per sub-task)", n)
	}

	t.Run("steps and bounds", func(t *testing.T) {
		api := newFakeAPI()
		api.setJob(arrayJob("8_0", "Running", 0, 9, 3))
		spec := staticSpec(api, "8_0")
		spec.ExpandArray = true
		pt := newPollTest(t, Options{}, spec)
		pt.cycle()
		wantIDs(t, pt.ids("c1"), "8_0", "8_3", "8_6", "8_9")
	})
	t.Run("off unless asked for", func(t *testing.T) {
		api := newFakeAPI()
		api.setJob(arrayJob("7_2", "Running", 1, 4, 1))
		pt := newPollTest(t, Options{}, staticSpec(api, "7_2"))
		pt.cycle()
		pt.cycle()
		wantIDs(t, pt.ids("c1"), "7_2")
	})
	t.Run("a nonsense range adds nothing", func(t *testing.T) {
		api := newFakeAPI()
		api.setJob(arrayJob("9_5", "Running", 9, 2, 1))
		spec := staticSpec(api, "9_5")
		spec.ExpandArray = true
		pt := newPollTest(t, Options{}, spec)
		pt.cycle()
		pt.cycle()
		wantIDs(t, pt.ids("c1"), "9_5")
		if n := api.totalDescribes(); n != 2 {
			t.Fatalf("%d describes, want 2 (no probing after a bad range)", n)
		}
	})
	t.Run("turning expansion off drops the siblings", func(t *testing.T) {
		spec := staticSpec(api, "7_2")
		if err := pt.p.Update([]ClusterSpec{spec}); err != nil {
			t.Fatal(err)
		}
		wantIDs(t, pt.ids("c1"), "7_2")
	})
}

func TestArrayExpansionFromAListedParent(t *testing.T) {
	api := newFakeAPI()
	parent := fakeSummary("9", "Running")
	parent.IsArrayJob = true
	api.setListed(parent)
	for i := 0; i <= 2; i++ {
		api.setJob(arrayJob(fmt.Sprintf("9_%d", i), "Running", 0, 2, 1))
	}
	spec := discoverySpec(api)
	spec.ExpandArray = true
	pt := newPollTest(t, Options{}, spec)

	pt.cycle()
	wantIDs(t, pt.ids("c1"), "9", "9_0", "9_1", "9_2")
	p := pt.snap("c1", "9")
	if p.Info == nil || p.Info.JobID != "9" || len(p.Info.ContainerGroups) != 0 || !bool(p.Info.IsArrayJob) {
		t.Fatalf("parent snapshot is not built from the list summary: %+v", p.Info)
	}
	if ap := p.Info.ArrayProperties; ap == nil || ap.IndexStart != 0 || ap.IndexEnd != 2 || ap.IndexStep != 1 {
		t.Fatalf("parent snapshot does not carry the learned range: %+v", ap)
	}
	if p.Source != collector.SourceDiscovered || p.Class != collector.ClassActive || !p.LastSuccess.Equal(pt.clock.Now()) {
		t.Fatalf("parent: source %q class %q LastSuccess %v", p.Source, p.Class, p.LastSuccess)
	}
	if s := pt.snap("c1", "9_2"); s.Source != collector.SourceDiscovered {
		t.Fatalf("sibling of a listed parent has source %q, want discovered", s.Source)
	}

	pt.cycle()
	if n := api.calls("9"); n != 0 {
		t.Fatalf("the parent id was described %d times; the service only describes sub-tasks", n)
	}
	for i := 0; i <= 2; i++ {
		if pt.snap("c1", fmt.Sprintf("9_%d", i)).Info == nil {
			t.Errorf("sibling 9_%d not described", i)
		}
	}

	t.Run("a finished parent freezes", func(t *testing.T) {
		parent.State = "Succeeded"
		api.setListed(parent)
		pt.cycle()
		if c := pt.snap("c1", "9").Class; c != collector.ClassFrozen {
			t.Fatalf("parent class %q, want frozen", c)
		}
	})
	t.Run("the parent leaving the listing takes its sub-tasks", func(t *testing.T) {
		api.setListed()
		pt.cycle()
		wantIDs(t, pt.ids("c1"))
	})
}

func TestArrayProbeFallsBackAndGivesUp(t *testing.T) {
	api := newFakeAPI()
	parent := fakeSummary("5", "Pending")
	parent.IsArrayJob = true
	api.setListed(parent)
	spec := discoverySpec(api)
	spec.ExpandArray = true
	pt := newPollTest(t, Options{}, spec)

	pt.cycle()
	if api.calls("5_1") != 1 || api.calls("5_0") != 1 {
		t.Fatalf("probes: 5_1 %d, 5_0 %d; want one each", api.calls("5_1"), api.calls("5_0"))
	}
	wantIDs(t, pt.ids("c1"), "5")
	pt.cycle()
	if n := api.totalDescribes(); n != 2 {
		t.Fatalf("probing went on after every candidate was missing: %d describes", n)
	}

	// The sub-tasks start: the listing shows it, the range is asked for again.
	parent.State = "Running"
	api.setListed(parent)
	for i := 1; i <= 3; i++ {
		api.setJob(arrayJob(fmt.Sprintf("5_%d", i), "Running", 1, 3, 1))
	}
	pt.cycle()
	wantIDs(t, pt.ids("c1"), "5", "5_1", "5_2", "5_3")

	t.Run("numbered from 0", func(t *testing.T) {
		api := newFakeAPI()
		parent := fakeSummary("6", "Running")
		parent.IsArrayJob = true
		api.setListed(parent)
		api.setJob(arrayJob("6_0", "Running", 0, 0, 1))
		spec := spec
		spec.API = api
		pt := newPollTest(t, Options{}, spec)
		pt.cycle()
		wantIDs(t, pt.ids("c1"), "6", "6_0")
		if api.calls("6_1") != 1 || api.calls("6_0") != 1 {
			t.Fatalf("probes: 6_1 %d, 6_0 %d; want one each", api.calls("6_1"), api.calls("6_0"))
		}
	})
}

func TestArrayRangeSiblingsAreBounded(t *testing.T) {
	cases := []struct {
		r         arrayRange
		first     string
		last      string
		n         int
		truncated bool
	}{
		{arrayRange{1, 4, 1}, "a_1", "a_4", 4, false},
		{arrayRange{0, 10, 5}, "a_0", "a_10", 3, false},
		{arrayRange{0, 0, 1}, "a_0", "a_0", 1, false},
		{arrayRange{0, 1 << 62, 1}, "a_0", "a_99999", maxArraySiblings, true},
		{arrayRange{1, 1<<63 - 1, 1 << 62}, "a_1", "a_4611686018427387905", 2, false},
	}
	for _, tc := range cases {
		var ids []string
		truncated := tc.r.siblings("a", func(id string) { ids = append(ids, id) })
		if len(ids) != tc.n || ids[0] != tc.first || ids[len(ids)-1] != tc.last || truncated != tc.truncated {
			t.Errorf("%+v: %d ids %s..%s truncated %v; want %d %s..%s %v", tc.r, len(ids), ids[0], ids[len(ids)-1], truncated,
				tc.n, tc.first, tc.last, tc.truncated)
		}
	}
	for _, bad := range []arrayRange{{-1, 3, 1}, {5, 4, 1}, {1, 4, -2}} {
		if _, err := bad.validate(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
	if r, err := (arrayRange{1, 3, 0}).validate(); err != nil || r.step != 1 {
		t.Errorf("a missing step must mean 1: %+v, %v", r, err)
	}
}
