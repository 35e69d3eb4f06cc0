package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The service's answers are not uniform: the published sample carries trailing
// newlines inside values ("Terminated\n"), ListServerlessJobs documents numbers
// as strings while DescribeServerlessJobs sends JSON numbers, and null appears
// where a value is unset. These types absorb all of that at the decoding edge so
// that nothing downstream has to care. They encode back to the canonical JSON
// form (plain strings, plain numbers), which is what the simulator sends.
// A value they cannot take is an error of their UnmarshalJSON; the answer
// decoder then leaves that one field unset and counts it (lenient.go).

// Text is a string value with surrounding white space removed. A JSON number or
// boolean is accepted and kept as its literal text; null is the empty string.
type Text string

// Int64 is an integer accepted as a JSON number or a string holding one
// (" 42 ", "42.0"); null and "" are 0.
type Int64 int64

// Float64 is a number accepted as a JSON number or a string holding one;
// null and "" are 0.
type Float64 float64

// Bool is a boolean accepted as true/false, "true"/"false", or 0/1 (number or
// string); null and "" are false.
type Bool bool

// String returns the trimmed value.
func (t Text) String() string { return string(t) }

// Time parses the value as an RFC 3339 timestamp, the form the service uses for
// container and container group times. ok is false for an empty or unparsable
// value, which callers treat as "not set".
func (t Text) Time() (ts time.Time, ok bool) {
	if t == "" {
		return time.Time{}, false
	}
	ts, err := time.Parse(time.RFC3339, string(t))
	if err != nil || ts.IsZero() {
		return time.Time{}, false
	}
	return ts, true
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		*t = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Text(strings.TrimSpace(s))
	case b[0] == '{' || b[0] == '[':
		return fmt.Errorf("want a string, got %s", jsonKind(b))
	default:
		// Numbers and booleans: keep their literal text.
		*t = Text(b)
	}
	return nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *Int64) UnmarshalJSON(b []byte) error {
	s, err := scalarText(b)
	if err != nil {
		return fmt.Errorf("want an integer: %w", err)
	}
	if s == "" {
		*n = 0
		return nil
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		*n = Int64(v)
		return nil
	}
	// "42.0", "1.663831441e+12": accept whole numbers in any notation.
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<62 {
		return fmt.Errorf("want an integer, got %q", truncate(s))
	}
	*n = Int64(f)
	return nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *Float64) UnmarshalJSON(b []byte) error {
	s, err := scalarText(b)
	if err != nil {
		return fmt.Errorf("want a number: %w", err)
	}
	if s == "" {
		*f = 0
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("want a number, got %q", truncate(s))
	}
	*f = Float64(v)
	return nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *Bool) UnmarshalJSON(b []byte) error {
	s, err := scalarText(b)
	if err != nil {
		return fmt.Errorf("want a boolean: %w", err)
	}
	switch strings.ToLower(s) {
	case "", "false", "0":
		*v = false
	case "true", "1":
		*v = true
	default:
		return fmt.Errorf("want a boolean, got %q", truncate(s))
	}
	return nil
}

// scalarText returns the text of a JSON scalar: a string's trimmed contents, or
// a number's or boolean's literal. null is "". Objects and arrays are errors.
func scalarText(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		return "", nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return "", err
		}
		return strings.TrimSpace(s), nil
	case b[0] == '{' || b[0] == '[':
		return "", fmt.Errorf("got %s", jsonKind(b))
	default:
		return string(b), nil
	}
}

func jsonKind(b []byte) string {
	if b[0] == '{' {
		return "an object"
	}
	return "an array"
}

func truncate(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
