package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written as Go does (30s, 1h30m, 500ms) or as
// Prometheus does (1d, 2w).
type Duration time.Duration

// ParseDuration reads a Go or Prometheus duration. A bare 0 is accepted; any
// other number needs a unit, because "30" could mean seconds or minutes.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	if d, err := model.ParseDuration(s); err == nil {
		return time.Duration(d), nil
	}
	neg := strings.HasPrefix(s, "-")
	if d, err := model.ParseDuration(strings.TrimPrefix(s, "-")); neg && err == nil {
		return -time.Duration(d), nil
	}
	return 0, fmt.Errorf("invalid duration %s (want a number with a unit such as 500ms, 30s, 5m, 1h, 1d or 1w)", quoteValue(s))
}

// UnmarshalYAML reads a duration scalar.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("want a duration such as 30s, 1h or 1d")
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration back in the shortest form that reads the same.
func (d Duration) MarshalYAML() (any, error) {
	return d.String(), nil
}

func (d Duration) String() string {
	if time.Duration(d)%time.Millisecond != 0 {
		return time.Duration(d).String()
	}
	return model.Duration(d).String()
}

// Size is a number of bytes, written as a plain count (8388608) or with a
// unit: B, kB/KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers
// of 1024).
type Size int64

var sizeUnits = []struct {
	name string
	mult float64
}{
	// Longest names first so "MiB" is not read as "B".
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"b", 1},
}

const sizeHint = "want a byte count such as 8388608, 8MiB or 10MB"

// ParseSize reads a byte count with an optional unit.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	lower := strings.ToLower(t)
	num, mult := lower, 1.0
	for _, u := range sizeUnits {
		if strings.HasSuffix(lower, u.name) {
			num, mult = strings.TrimSpace(lower[:len(lower)-len(u.name)]), u.mult
			break
		}
	}
	if num == "" || strings.ContainsAny(num, "+-_") {
		return 0, fmt.Errorf("invalid size %s (%s)", quoteValue(t), sizeHint)
	}
	if n, err := strconv.ParseInt(num, 10, 64); err == nil && mult == 1 {
		return n, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.ContainsAny(num, "xpe") {
		return 0, fmt.Errorf("invalid size %s (%s)", quoteValue(t), sizeHint)
	}
	v := f * mult
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("size %s is too large", quoteValue(t))
	}
	return int64(v), nil
}

// UnmarshalYAML reads a size scalar.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New(sizeHint)
	}
	v, err := ParseSize(n.Value)
	if err != nil {
		return err
	}
	*s = Size(v)
	return nil
}

// MarshalYAML writes the size with the largest binary unit that divides it.
func (s Size) MarshalYAML() (any, error) {
	return s.String(), nil
}

func (s Size) String() string {
	for _, u := range []struct {
		name string
		mult int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if s != 0 && int64(s)%u.mult == 0 {
			return strconv.FormatInt(int64(s)/u.mult, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(s), 10)
}

// quoteValue quotes a user-given value for an error message, shortened so a
// pasted blob does not flood the output. A value that mentions a secret
// (access_key_secret:xyz pasted where a mapping belongs) is not shown.
func quoteValue(s string) string {
	if looksLikeSecret(s) {
		return "a value that looks like it holds a secret (not shown)"
	}
	const max = 64
	r := []rune(s)
	if len(r) > max {
		return strconv.Quote(string(r[:max])) + "..."
	}
	return strconv.Quote(s)
}
