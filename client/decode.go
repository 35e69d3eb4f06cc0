package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// readBody reads at most limit+1 bytes, so an oversized answer is detected
// without reading it all.
func readBody(action string, body io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, newError(action, CodeResponseTooLarge, "answer is larger than the %d byte limit", limit)
	}
	return b, nil
}

// errorProbe finds an error answer's fields, and whether the data an action
// expects is present at all (a 2xx answer with a Code and no data is an error).
type errorProbe struct {
	ErrorResponse
	JobInfos json.RawMessage `json:"JobInfos"`
	Jobs     json.RawMessage `json:"Jobs"`
}

func (p *errorProbe) hasData() bool {
	return len(p.JobInfos) > 0 || len(p.Jobs) > 0
}

// decodeAnswer turns one HTTP answer into out or an error. now feeds the
// Retry-After date form. warnings counts the values of a decoded answer
// that were left unset because of their type (see lenient.go).
func decodeAnswer(action string, resp *http.Response, body []byte, out any, now time.Time) (warnings map[string]int, err error) {
	ctype := contentType(resp.Header)
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	var probe errorProbe
	probeErr := decodeProbe(body, &probe)
	if !ok {
		ae := &APIError{Action: action, StatusCode: resp.StatusCode, RetryAfter: throttleWait(resp.Header, now)}
		if probeErr == nil && validCode(probe.Code.String()) {
			fillAPIError(ae, &probe.ErrorResponse)
		} else {
			// Not a JSON error answer (a proxy's HTML page, an empty body):
			// the status is all there is to go by.
			ae.Code = "HTTP" + strconv.Itoa(resp.StatusCode)
			ae.Message = "answer without an error code" + describeBody(ctype, body)
			if probeErr == nil {
				ae.RequestID = probe.RequestID.String()
			}
		}
		return nil, ae
	}
	if probeErr == nil && validCode(probe.Code.String()) && !probe.hasData() {
		ae := &APIError{Action: action, StatusCode: resp.StatusCode, RetryAfter: throttleWait(resp.Header, now)}
		fillAPIError(ae, &probe.ErrorResponse)
		return nil, ae
	}
	warnings, err = decodeJSON(body, out)
	if err != nil {
		return nil, newError(action, CodeDecodeError, "%s%s", err, describeBody(ctype, body))
	}
	return warnings, nil
}

// decodeProbe reads an answer's error fields, leniently: an error answer
// whose RequestId is of an odd type is still an error answer.
func decodeProbe(body []byte, p *errorProbe) error {
	err := json.Unmarshal(body, p)
	var syn *json.SyntaxError
	if err == nil || errors.As(err, &syn) {
		return err
	}
	*p = errorProbe{}
	_, err = decodeLenient(body, p)
	return err
}

// validCode accepts what service codes look like ("Throttling.User",
// "InvalidAccessKeyId.NotFound"); anything else is not trusted as a code,
// since codes become metric label values.
func validCode(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func fillAPIError(ae *APIError, r *ErrorResponse) {
	ae.Code = r.Code.String()
	ae.Message = clip(r.Message.String(), 1024)
	ae.RequestID = clip(r.RequestID.String(), 128)
	ae.HostID = clip(r.HostID.String(), 256)
	ae.Recommend = clip(r.Recommend.String(), 512)
}

// decodeJSON decodes one JSON value into out, with a short message naming
// what went wrong and never quoting the body. A well-formed answer with
// values of the wrong type is decoded value by value (decodeLenient): those
// values are left unset and counted in warnings.
func decodeJSON(body []byte, out any) (warnings map[string]int, err error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errors.New("empty answer")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	err = dec.Decode(out)
	var syn *json.SyntaxError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return nil, errors.New("truncated JSON")
	case errors.As(err, &syn):
		return nil, fmt.Errorf("malformed JSON at byte %d", syn.Offset)
	}
	// The decoder reads the whole value before it fills out, so any other
	// error is about types, and the value has been read to its end.
	if _, terr := dec.Token(); terr != io.EOF {
		return nil, errors.New("malformed JSON: data after the answer")
	}
	if err == nil {
		return nil, nil
	}
	// The strict decode stopped half way: start again from a zero value.
	rv := reflect.ValueOf(out).Elem()
	rv.SetZero()
	warnings, err = decodeLenient(body, out)
	if err != nil {
		rv.SetZero()
		return nil, err
	}
	return warnings, nil
}

func goKind(k string) string {
	switch k {
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	}
	return "a number"
}

func contentType(h http.Header) string {
	ct := h.Get("Content-Type")
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return "unparsable"
	}
	// A media type is a short token; anything longer is noise (or an echo)
	// that must not blow up the error message.
	return clip(mt, 64)
}

// describeBody names the content type and the first few characters of an
// unexpected body ("<!DOCTYPE"), enough to recognise a proxy's page without
// repeating what it says.
func describeBody(ctype string, body []byte) string {
	var parts []string
	if ctype != "" {
		parts = append(parts, "content type "+ctype)
	}
	parts = append(parts, strconv.Itoa(len(body))+" bytes")
	if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] != '{' && trimmed[0] != '[' {
		if lead := safeLead(trimmed, 9); lead != "" {
			parts = append(parts, "starting "+strconv.Quote(lead))
		}
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// safeLead returns up to n leading characters of b when they are markup or
// JSON punctuation and letters, nothing else.
func safeLead(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	var out []byte
	for _, c := range b {
		if len(out) == n {
			break
		}
		if !(c == '<' || c == '>' || c == '!' || c == '{' || c == '}' || c == '[' || c == ']' || c == '"' || c == '?' ||
			('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')) {
			break
		}
		out = append(out, c)
	}
	return string(out)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
