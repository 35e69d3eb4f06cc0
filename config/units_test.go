package config

import (
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"0", 0},
		{"30s", 30 * time.Second},
		{"500ms", 500 * time.Millisecond},
		{"1h30m", 90 * time.Minute},
		{"1.5h", 90 * time.Minute},
		{"1d", 24 * time.Hour},
		{"2w", 14 * 24 * time.Hour},
		{"1d12h", 36 * time.Hour},
		{"-1s", -time.Second},
		{"-1d", -24 * time.Hour},
	} {
		got, err := ParseDuration(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "30", "30 seconds", "1x", "s", "1h1d", "99999999999999d", "--1s"} {
		if got, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, got)
		}
	}
}

func TestDurationString(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                       "0s",
		30 * time.Second:        "30s",
		24 * time.Hour:          "1d",
		90 * time.Minute:        "1h30m",
		1500 * time.Microsecond: "1.5ms",
	} {
		if got := Duration(d).String(); got != want {
			t.Errorf("Duration(%v).String() = %q, want %q", d, got, want)
		}
		back, err := ParseDuration(Duration(d).String())
		if err != nil || back != d {
			t.Errorf("%v does not round-trip: %v, %v", d, back, err)
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"0", 0},
		{"8388608", 8 << 20},
		{"8MiB", 8 << 20},
		{"8mib", 8 << 20},
		{"10MB", 10_000_000},
		{"1.5KiB", 1536},
		{"2 GiB", 2 << 30},
		{"1kB", 1000},
		{"512B", 512},
		{"1TiB", 1 << 40},
	} {
		got, err := ParseSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "MiB", "-1", "-1MiB", "+5", "8 megs", "1e3", "0x10", "inf", "NaN", "1_000", "99999999999TiB", "1..5MB"} {
		if got, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, got)
		}
	}
}

func TestSizeString(t *testing.T) {
	for s, want := range map[Size]string{0: "0", 8 << 20: "8MiB", 10_000_000: "10000000", 1536: "1536", 3 << 40: "3TiB"} {
		if got := s.String(); got != want {
			t.Errorf("Size(%d).String() = %q, want %q", int64(s), got, want)
		}
	}
}

func TestUnitsRejectNonScalars(t *testing.T) {
	n := &yaml.Node{Kind: yaml.SequenceNode}
	var d Duration
	var s Size
	if d.UnmarshalYAML(n) == nil || s.UnmarshalYAML(n) == nil {
		t.Error("a list was accepted as a duration or size")
	}
}
