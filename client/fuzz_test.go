package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ehpc-serverless-exporter/ehpc_serverless_exporter/internal/seed"
)

// FuzzDecodeDescribe feeds arbitrary bodies and statuses to the answer
// decoder: it must never panic, and every failure must be one of the known
// classes with a bounded, single-line message. The same body is also put in
// place of one value of the middle job of a three-job describe answer (the
// published sample's job) or list page, the value chosen by status: a
// well-formed replacement never costs the other two jobs, and one that is
// refused leaves the job as if the value were absent. And wherever the
// strict decode succeeds, the lenient one agrees with it and warns of nothing.
func FuzzDecodeDescribe(f *testing.F) {
	f.Add(200, "application/json", seed.DescribeServerlessJobs)
	f.Add(200, "application/json", seed.DescribeServerlessJobs[:len(seed.DescribeServerlessJobs)/2])
	f.Add(404, "application/json", []byte(`{"RequestId":"r","Code":"ClusterNotFound","Message":"m"}`))
	f.Add(200, "application/json", []byte(`{"Code":"Throttling","Message":"m"}`))
	f.Add(502, "text/html", []byte("<!DOCTYPE html><title>502</title>"))
	f.Add(200, "application/json", []byte(`{"JobInfos":[{"Priority":"1.5e3","IsArrayJob":"1","ContainerGroups":[{"Cpu":"2","Memory":null}]}]}`))
	f.Add(200, "", []byte(`null`))
	f.Add(200, "application/json", []byte(`{"TotalCount":1e999}`))
	f.Add(201, "application/json", []byte(`{"x":[1,{"y":"z"}]}`))
	f.Add(37, "application/json", []byte(`"many"`))
	f.Add(-5, "application/json", []byte(`[true]`))
	f.Add(1234, "application/json", []byte(`1,"Extra":2`))
	f.Add(200, "application/json", []byte(`{"RequestId":"r","Jobs":[{"JobId":"1","Priority":{}},{"JobId":"2","Priority":"2"}]}`))
	sites := spliceSites(f)
	f.Fuzz(func(t *testing.T, status int, ctype string, body []byte) {
		checkAnswer(t, status, ctype, body)
		checkLenientAgrees[DescribeServerlessJobsResponse](t, body)
		checkLenientAgrees[ListServerlessJobsResponse](t, body)
		site := sites[int(uint(status)%uint(len(sites)))]
		site.check(t, body)
	})
}

func checkAnswer(t *testing.T, status int, ctype string, body []byte) {
	if status < 100 || status > 999 {
		status = 200 + (status%100+100)%100
	}
	resp := &http.Response{StatusCode: status, Header: http.Header{}}
	resp.Header.Set("Content-Type", ctype)
	var out DescribeServerlessJobsResponse
	_, err := decodeAnswer(ActionDescribeServerlessJobs, resp, body, &out, time.Unix(0, 0))
	if err == nil {
		return
	}
	code := ErrorCode(err)
	if code == CodeUnknown || code == "" {
		t.Fatalf("unclassified error %v", err)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\n\r") && !strings.Contains(string(body), "\n") {
		t.Fatalf("multi-line message %q", msg)
	}
	if len(msg) > 2400 {
		t.Fatalf("message of %d bytes", len(msg))
	}
}

// checkLenientAgrees: the lenient decoder follows encoding/json wherever
// that succeeds, and where that fails it either refuses the answer or warns.
func checkLenientAgrees[T any](t *testing.T, body []byte) {
	var strict T
	strictErr := json.Unmarshal(body, &strict)
	if strictErr == nil {
		var lenient T
		w, err := decodeLenient(body, &lenient)
		if err != nil || len(w) != 0 {
			t.Fatalf("lenient decode of an answer encoding/json takes: %v, warnings %v", err, w)
		}
		if !reflect.DeepEqual(lenient, strict) {
			t.Fatalf("lenient decode differs from encoding/json:\n%+v\n%+v", lenient, strict)
		}
	}
	var out T
	w, err := decodeJSON(body, &out)
	if err == nil && len(w) == 0 && strictErr != nil {
		t.Fatalf("taken without a warning although encoding/json refuses it: %v", strictErr)
	}
	if err == nil && strictErr == nil && !reflect.DeepEqual(out, strict) {
		t.Fatalf("decodeJSON differs from encoding/json")
	}
}

// spliceSite is one value of the middle job of a template answer, cut out:
// prefix + value + suffix is the answer again.
type spliceSite struct {
	name           string
	prefix, suffix []byte
	path           string // the value's field path, as decode warnings name it
	decode         func(doc []byte) (jobs []any, warnings map[string]int, err error)
	around         [2]any // the template's first and last job, decoded
	without        any    // the template's middle job decoded without the value
}

func (s *spliceSite) check(t *testing.T, value []byte) {
	doc := make([]byte, 0, len(s.prefix)+len(value)+len(s.suffix))
	doc = append(append(append(doc, s.prefix...), value...), s.suffix...)
	jobs, warnings, err := s.decode(doc)
	if !json.Valid(doc) {
		if err == nil {
			t.Fatalf("%s: malformed answer taken", s.name)
		}
		return
	}
	if !json.Valid(value) {
		return // the value spliced in more than one value: nothing to compare
	}
	if err != nil {
		if strictPaths[s.path] {
			return
		}
		t.Fatalf("%s: one value made the answer fail: %v", s.name, err)
	}
	if len(jobs) != 3 {
		t.Fatalf("%s: %d jobs, want 3", s.name, len(jobs))
	}
	if !reflect.DeepEqual(jobs[0], s.around[0]) || !reflect.DeepEqual(jobs[2], s.around[1]) {
		t.Fatalf("%s: one value of the middle job changed the others", s.name)
	}
	if reflect.DeepEqual(warnings, map[string]int{s.path: 1}) && !reflect.DeepEqual(jobs[1], s.without) {
		t.Fatalf("%s: refused value did not leave the job as without it:\n%+v\n%+v", s.name, jobs[1], s.without)
	}
}

const spliceMark = "@@splice@@"

// spliceSites cuts every value out of the middle job of two templates: the
// published sample's job three times over, and a list page of three jobs.
func spliceSites(tb testing.TB) []*spliceSite {
	var describe map[string]any
	mustUnmarshal(tb, seed.DescribeServerlessJobs, &describe)
	job := describe["JobInfos"].([]any)[0]
	var jobs []any
	for _, id := range []string{"5", "6", "7"} {
		j := deepCopy(tb, job).(map[string]any)
		j["JobId"] = id
		jobs = append(jobs, j)
	}
	describe["JobInfos"] = jobs
	var list map[string]any
	mustUnmarshal(tb, []byte(listPage(3, -1, "", "")), &list)

	var sites []*spliceSite
	sites = append(sites, templateSites(tb, "describe", describe, "JobInfos", func(doc []byte) ([]any, map[string]int, error) {
		var out DescribeServerlessJobsResponse
		w, err := decodeJSON(doc, &out)
		var js []any
		for _, j := range out.JobInfos {
			js = append(js, j)
		}
		return js, w, err
	})...)
	sites = append(sites, templateSites(tb, "list", list, "Jobs", func(doc []byte) ([]any, map[string]int, error) {
		var out ListServerlessJobsResponse
		w, err := decodeJSON(doc, &out)
		var js []any
		for _, j := range out.Jobs {
			js = append(js, j)
		}
		return js, w, err
	})...)
	return sites
}

// step is one move into a JSON tree: a member key, or an element index.
type step struct {
	key   string
	index int // -1 for a key
}

func templateSites(tb testing.TB, name string, tree map[string]any, listKey string,
	decode func([]byte) ([]any, map[string]int, error)) []*spliceSite {
	whole := mustMarshal(tb, tree)
	all, _, err := decode(whole)
	if err != nil || len(all) != 3 {
		tb.Fatalf("%s template: %v", name, err)
	}
	var sites []*spliceSite
	var walk func(v any, at []step, path string)
	walk = func(v any, at []step, path string) {
		switch x := v.(type) {
		case map[string]any:
			// In order, so that a status picks the same value every run.
			for _, k := range slices.Sorted(maps.Keys(x)) {
				walk(x[k], append(at[:len(at):len(at)], step{key: k, index: -1}), path+"."+k)
			}
		case []any:
			for i, e := range x {
				walk(e, append(at[:len(at):len(at)], step{index: i}), path+"[]")
			}
		}
		if len(at) == 2 {
			return // the middle job itself
		}
		marked := deepCopy(tb, tree)
		setAt(marked, at, spliceMark)
		text := mustMarshal(tb, marked)
		prefix, suffix, ok := bytes.Cut(text, []byte(`"`+spliceMark+`"`))
		if !ok {
			tb.Fatalf("no mark in %s", text)
		}
		cut := deepCopy(tb, tree)
		setAt(cut, at, nil, true)
		without, _, err := decode(mustMarshal(tb, cut))
		if err != nil {
			tb.Fatalf("%s without %s: %v", name, path, err)
		}
		sites = append(sites, &spliceSite{
			name:   fmt.Sprintf("%s %s", name, path),
			prefix: prefix, suffix: suffix,
			path:    path,
			decode:  decode,
			around:  [2]any{all[0], all[2]},
			without: without[1],
		})
	}
	walk(tree[listKey].([]any)[1], []step{{key: listKey, index: -1}, {index: 1}}, listKey+"[]")
	return sites
}

// setAt replaces the value at a path of steps, or with remove deletes it.
func setAt(tree any, at []step, v any, remove ...bool) {
	parent := tree
	for _, s := range at[:len(at)-1] {
		if s.index < 0 {
			parent = parent.(map[string]any)[s.key]
		} else {
			parent = parent.([]any)[s.index]
		}
	}
	last := at[len(at)-1]
	del := len(remove) > 0 && remove[0]
	if last.index < 0 {
		if del {
			delete(parent.(map[string]any), last.key)
		} else {
			parent.(map[string]any)[last.key] = v
		}
		return
	}
	list := parent.([]any)
	if !del {
		list[last.index] = v
		return
	}
	// The list is reached through its parent; replace it there.
	shorter := append(append([]any{}, list[:last.index]...), list[last.index+1:]...)
	setAt(tree, at[:len(at)-1], shorter)
}

func deepCopy(tb testing.TB, v any) any {
	var out any
	mustUnmarshal(tb, mustMarshal(tb, v), &out)
	return out
}

func mustMarshal(tb testing.TB, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func mustUnmarshal(tb testing.TB, b []byte, v any) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		tb.Fatal(err)
	}
}
