package collector

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The helpers below append text exposition pieces to byte slices so that
// rendering a snapshot costs a handful of allocations, not one per sample.

// appendLabelValue appends v escaped as the text format requires: backslash,
// double quote and line feed. The format also requires UTF-8, and a label value
// may come from a configured job id, so invalid bytes are replaced.
func appendLabelValue(b []byte, v string) []byte {
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	start := 0
	for i := 0; i < len(v); i++ {
		var esc string
		switch v[i] {
		case '\\':
			esc = `\\`
		case '"':
			esc = `\"`
		case '\n':
			esc = `\n`
		default:
			continue
		}
		b = append(b, v[start:i]...)
		b = append(b, esc...)
		start = i + 1
	}
	return append(b, v[start:]...)
}

// escapeHelp escapes a HELP text: backslash and line feed only.
func escapeHelp(h string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(h)
}

// appendValue appends a sample value. Whole numbers are written as integers
// (4294967296, not 4.294967296e+09) so the output reads like the API's data.
func appendValue(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.AppendInt(b, int64(v), 10)
	case math.Abs(v) >= 1e-4 && math.Abs(v) < 1e15:
		return strconv.AppendFloat(b, v, 'f', -1, 64)
	default:
		return strconv.AppendFloat(b, v, 'g', -1, 64)
	}
}

// unixSeconds is t as fractional Unix seconds; ok is false for the zero time
// and anything not after the epoch, which the API uses for "not set".
func unixSeconds(t time.Time) (float64, bool) {
	if t.IsZero() || t.Unix() <= 0 {
		return 0, false
	}
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9, true
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// validLabelChar reports whether c may appear in a label name after its first
// character.
func validLabelChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// sanitizeLabelName turns an arbitrary key into the tail of a label name:
// every character outside [a-zA-Z0-9_] (each rune, not each byte) becomes '_'.
func sanitizeLabelName(key string) string {
	var sb strings.Builder
	for _, r := range key {
		if r < utf8.RuneSelf && validLabelChar(byte(r)) {
			sb.WriteRune(r)
		} else {
			sb.WriteByte('_')
		}
	}
	return sb.String()
}
