package client

import "testing"

func TestSplitSubTaskID(t *testing.T) {
	cases := map[string]struct {
		array, index string
		ok           bool
	}{
		"10_3":  {"10", "3", true},
		"a_b_7": {"a_b", "7", true},
		"12_1":  {"12", "1", true},
		// The index is kept as written: labels show the id the user knows.
		"10_007":                  {"10", "007", true},
		"10_99999999999999999999": {"10", "99999999999999999999", true},
		"10":                      {"", "", false},
		"_3":                      {"", "", false},
		"_4":                      {"", "", false},
		"10_":                     {"", "", false},
		"10_x":                    {"", "", false},
		"10_-1":                   {"", "", false},
		"10_+1":                   {"", "", false},
		"10_3a":                   {"", "", false},
		"my_job":                  {"", "", false},
		"":                        {"", "", false},
	}
	for id, want := range cases {
		a, i, ok := SplitSubTaskID(id)
		if a != want.array || i != want.index || ok != want.ok {
			t.Errorf("SplitSubTaskID(%q) = %q, %q, %v; want %q, %q, %v", id, a, i, ok, want.array, want.index, want.ok)
		}
	}
}

func TestSubTaskIDRoundTrips(t *testing.T) {
	for _, tc := range []struct {
		array string
		index int64
		want  string
	}{{"10", 3, "10_3"}, {"10", 0, "10_0"}, {"a_b", 1<<63 - 1, "a_b_9223372036854775807"}} {
		id := SubTaskID(tc.array, tc.index)
		if id != tc.want {
			t.Errorf("SubTaskID(%q, %d) = %q, want %q", tc.array, tc.index, id, tc.want)
		}
		if a, _, ok := SplitSubTaskID(id); !ok || a != tc.array {
			t.Errorf("SplitSubTaskID(%q) = %q, %v; want %q", id, a, ok, tc.array)
		}
	}
}

func TestArrayTaskCount(t *testing.T) {
	for _, tc := range []struct {
		start, end, step int64
		n                int64
		ok               bool
	}{
		{1, 5, 2, 3, true},
		{0, 99, 1, 100, true},
		{0, 10, 5, 3, true},
		{3, 3, 100, 1, true},
		{1, 1<<63 - 1, 1 << 62, 2, true},
		{1, 5, 0, 0, false}, // a missing step: the caller decides what it means
		{1, 5, -2, 0, false},
		{5, 4, 1, 0, false},
		{-1 << 63, 1<<63 - 1, 1, 0, false}, // the span does not fit
	} {
		n, ok := ArrayTaskCount(tc.start, tc.end, tc.step)
		if n != tc.n || ok != tc.ok {
			t.Errorf("ArrayTaskCount(%d, %d, %d) = %d, %v; want %d, %v", tc.start, tc.end, tc.step, n, ok, tc.n, tc.ok)
		}
		p := &ArrayProperties{IndexStart: Int64(tc.start), IndexEnd: Int64(tc.end), IndexStep: Int64(tc.step)}
		if n, ok := p.Tasks(); n != tc.n || ok != tc.ok {
			t.Errorf("%+v.Tasks() = %d, %v; want %d, %v", *p, n, ok, tc.n, tc.ok)
		}
	}
	if n, ok := (*ArrayProperties)(nil).Tasks(); n != 0 || ok {
		t.Errorf("nil properties count %d, %v", n, ok)
	}
}
