package client

import (
	"encoding/json"
	"testing"
	"time"
)

func TestFlexibleScalars(t *testing.T) {
	type all struct {
		T Text
		I Int64
		F Float64
		B Bool
	}
	ok := []struct {
		in   string
		want all
	}{
		{`{"T":" Running\n","I":42,"F":2.5,"B":true}`, all{"Running", 42, 2.5, true}},
		{`{"T":42,"I":"42","F":"2.5","B":"true"}`, all{"42", 42, 2.5, true}},
		{`{"T":true,"I":" 7 ","F":" 4 ","B":"TRUE"}`, all{"true", 7, 4, true}},
		{`{"T":null,"I":null,"F":null,"B":null}`, all{}},
		{`{"T":"","I":"","F":"","B":""}`, all{}},
		{`{"I":"42.0","F":1e3,"B":1}`, all{I: 42, F: 1000, B: true}},
		{`{"I":1.663831441e+12,"B":"0"}`, all{I: 1663831441000}},
		{`{"I":"-5","F":"-0.5","B":false}`, all{I: -5, F: -0.5}},
		{`{"I":9223372036854775807}`, all{I: 9223372036854775807}},
	}
	for _, tc := range ok {
		var got all
		if err := json.Unmarshal([]byte(tc.in), &got); err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.in, got, tc.want)
		}
	}
	bad := []string{
		`{"T":{"a":1}}`, `{"T":[1]}`,
		`{"I":"abc"}`, `{"I":1.5}`, `{"I":"1e30"}`, `{"I":true}`, `{"I":{}}`,
		`{"F":"NaN"}`, `{"F":"Infinity"}`, `{"F":"1e999"}`, `{"F":"x"}`, `{"F":[]}`,
		`{"B":"yes"}`, `{"B":2}`, `{"B":{}}`,
	}
	for _, in := range bad {
		var got all
		if err := json.Unmarshal([]byte(in), &got); err == nil {
			t.Errorf("%s: accepted as %+v", in, got)
		}
	}
}

func TestFlexibleScalarsEncodeCanonically(t *testing.T) {
	b, err := json.Marshal(struct {
		T Text
		I Int64
		F Float64
		B Bool
	}{"Running", 42, 2.5, true})
	if err != nil || string(b) != `{"T":"Running","I":42,"F":2.5,"B":true}` {
		t.Errorf("got %s, %v", b, err)
	}
}

func TestTextTime(t *testing.T) {
	if ts, ok := Text("2019-12-19T12:05:02Z").Time(); !ok || !ts.Equal(time.Date(2019, 12, 19, 12, 5, 2, 0, time.UTC)) {
		t.Errorf("got %v %v", ts, ok)
	}
	for _, in := range []Text{"", "yesterday", "0001-01-01T00:00:00Z"} {
		if _, ok := in.Time(); ok {
			t.Errorf("%q parsed as a time", in)
		}
	}
}
