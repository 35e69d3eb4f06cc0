package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// badGatewayPage is what a load balancer in front of the service answers.
const badGatewayPage = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>Tengine</center>
</body>
</html>
`

// faultBefore handles the faults that replace the answer. It returns the code
// recorded for the call and whether the request was answered.
func faultBefore(ctx context.Context, w http.ResponseWriter, host, requestID string, f *Fault) (code string, done bool) {
	switch f.Kind {
	case FaultSlow:
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
			return "", false
		case <-ctx.Done():
			return "Canceled", true
		}
	case FaultConnectionReset:
		resetConnection(w)
		return "ConnectionReset", true
	case FaultBadGateway:
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", fmt.Sprint(len(badGatewayPage)))
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte(badGatewayPage))
		return "HTTP502", true
	case FaultThrottling:
		e := errCode("Throttling.User")
		if f.Status != 0 {
			e.status = f.Status
		}
		left := f.TimeLeft
		if left == 0 {
			left = time.Second
		}
		e.header = http.Header{"X-Ratelimit-User-Api": {fmt.Sprintf("Limit:100,Remain:0,TimeLeft:%d,Reset:%d", left.Milliseconds(), left.Milliseconds())}}
		writeError(w, host, requestID, e)
		return e.code, true
	case FaultServiceUnavailable, FaultUnknownError:
		e := errCode(string(f.Kind))
		writeError(w, host, requestID, e)
		return e.code, true
	case FaultError:
		e := errCode(f.Code)
		if e.message == "" {
			e.message = "Injected error " + f.Code + "."
		}
		if f.Status != 0 {
			e.status = f.Status
		}
		writeError(w, host, requestID, e)
		return e.code, true
	case FaultClusterGone:
		writeError(w, host, requestID, errCode("ClusterNotFound"))
		return "ClusterNotFound", true
	case FaultPermissionLoss:
		writeError(w, host, requestID, errCode("NotAuthorized"))
		return "NotAuthorized", true
	case FaultOversized:
		writeOversized(ctx, w, requestID, f.Size)
		return "OK", true
	}
	return "", false
}

// resetConnection closes the connection under the handler, with SO_LINGER 0
// so the peer sees a reset rather than an orderly close.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// writeOversized streams a well-formed JSON answer of size bytes in small
// chunks, stopping as soon as the caller goes away.
func writeOversized(ctx context.Context, w http.ResponseWriter, requestID string, size int64) {
	if size == 0 {
		size = defaultOversize
	}
	head := []byte(`{"RequestId":"` + requestID + `","TotalCount":0,"JobInfos":[],"Padding":"`)
	tail := []byte(`"}`)
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Header().Set("x-acs-request-id", requestID)
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(head); err != nil {
		return
	}
	chunk := bytes.Repeat([]byte("x"), 32<<10)
	left := size - int64(len(head)) - int64(len(tail))
	for left > 0 {
		if ctx.Err() != nil {
			return
		}
		n := min(left, int64(len(chunk)))
		if _, err := w.Write(chunk[:n]); err != nil {
			return
		}
		left -= n
	}
	_, _ = w.Write(tail)
}

// faultAfter rewrites a successful answer body; ok is false for faults that
// do not touch the body.
func faultAfter(f *Fault, body []byte) (out []byte, ok bool) {
	switch f.Kind {
	case FaultTruncatedJSON:
		return body[:len(body)/2], true
	case FaultMalformedJSON:
		return []byte(`{"RequestId": "` + "MALFORMED" + `", "TotalCount": 1, "JobInfos": [{"JobId": "5",, }`), true
	case FaultStrayWhitespace, FaultStringNumbers, FaultWrongTypes, FaultMissingFields:
	default:
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return body, true
	}
	switch f.Kind {
	case FaultStrayWhitespace:
		v = mapScalars(v, func(s any) any {
			if str, ok := s.(string); ok {
				return "  " + str + "\n"
			}
			return s
		})
	case FaultStringNumbers:
		v = mapScalars(v, func(s any) any {
			switch x := s.(type) {
			case json.Number:
				return x.String()
			case bool:
				return fmt.Sprint(x)
			}
			return s
		})
	case FaultWrongTypes:
		forEachJob(v, func(job map[string]any) {
			job["State"] = map[string]any{"Value": job["State"]}
		})
	case FaultMissingFields:
		if top, ok := v.(map[string]any); ok {
			delete(top, "TotalCount")
		}
		forEachJob(v, func(job map[string]any) {
			for _, k := range []string{"State", "SubmitTime", "LastModifyTime", "ContainerGroups"} {
				delete(job, k)
			}
		})
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body, true
	}
	return out, true
}

func mapScalars(v any, fn func(any) any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = mapScalars(e, fn)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = mapScalars(e, fn)
		}
		return x
	default:
		return fn(v)
	}
}

// forEachJob visits each job object of a Describe (JobInfos) or List (Jobs)
// answer.
func forEachJob(v any, fn func(map[string]any)) {
	top, ok := v.(map[string]any)
	if !ok {
		return
	}
	for key, list := range top {
		if !strings.EqualFold(key, "JobInfos") && !strings.EqualFold(key, "Jobs") {
			continue
		}
		items, _ := list.([]any)
		for _, it := range items {
			if job, ok := it.(map[string]any); ok {
				fn(job)
			}
		}
	}
}
