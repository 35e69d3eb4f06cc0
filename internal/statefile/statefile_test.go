package statefile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

type payload struct {
	Jobs map[string]int `json:"jobs"`
	Note string         `json:"note"`
}

func sample() payload {
	p := payload{Jobs: map[string]int{}, Note: "finished jobs"}
	for i := range 500 {
		p.Jobs[strings.Repeat("j", 1+i%7)+string(rune('a'+i%26))] = i
	}
	return p
}

func TestWriteThenRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	want := sample()
	if err := Write(path, "test state", 3, want); err != nil {
		t.Fatal(err)
	}
	var got payload
	if err := Read(path, "test state", 3, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("read %+v, wrote %+v", got, want)
	}
	// A second write replaces the first and leaves no temporary file.
	want.Note = "second"
	if err := Write(path, "test state", 3, want); err != nil {
		t.Fatal(err)
	}
	if err := Read(path, "test state", 3, &got); err != nil || got.Note != "second" {
		t.Fatalf("after the second write: %v, note %q", err, got.Note)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("the directory holds %d entries, want only the state file", len(entries))
	}
}

func TestMissingFileIsNotExist(t *testing.T) {
	var got payload
	err := Read(filepath.Join(t.TempDir(), "none"), "test state", 1, &got)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Read of a missing file: %v, want os.ErrNotExist", err)
	}
}

// Every way a file can be unusable gives a FormatError naming the reason,
// never a panic and never a half-filled value taken as good.
func TestUnusableFilesAreRefused(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	if err := Write(good, "test state", 2, sample()); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other")
	if err := Write(other, "another program", 2, sample()); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		data    []byte
		path    string
		version int
		reason  string
	}{
		{name: "empty", data: []byte{}, reason: "not a state file"},
		{name: "text", data: []byte("jobs: 1\n"), reason: "not a state file"},
		{name: "truncated in the middle", data: whole[:len(whole)/2], reason: "unreadable"},
		{name: "truncated in the trailer", data: whole[:len(whole)-3], reason: "incomplete"},
		{name: "flipped byte", data: flip(whole, len(whole)/3), reason: ""},
		{name: "foreign kind", path: other, version: 2, reason: `holds "another program"`},
		{name: "other version", path: good, version: 3, reason: "format version 2, this build reads version 3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if path == "" {
				path = filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
				if err := os.WriteFile(path, tc.data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			version := tc.version
			if version == 0 {
				version = 2
			}
			var got payload
			err := Read(path, "test state", version, &got)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Read: %v, want a *FormatError", err)
			}
			if !strings.Contains(err.Error(), tc.reason) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q does not name the file and %q", err, tc.reason)
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0xff
	return c
}

// A process killed during a write leaves its temporary file behind and the
// previous state file whole; the next write removes the leftover.
func TestLeftoversOfAKilledWriteAreRemoved(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state")
	if err := Write(path, "test state", 1, sample()); err != nil {
		t.Fatal(err)
	}
	leftover := filepath.Join(dir, ".statefile-123.tmp")
	if err := os.WriteFile(leftover, []byte("half a file"), 0o600); err != nil {
		t.Fatal(err)
	}
	var got payload
	if err := Read(path, "test state", 1, &got); err != nil {
		t.Fatalf("the previous file is not whole: %v", err)
	}
	if err := Write(path, "test state", 1, sample()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the leftover of a killed write is still there: %v", err)
	}
}

func TestWriteIntoAMissingDirectoryFails(t *testing.T) {
	err := Write(filepath.Join(t.TempDir(), "no", "such", "dir", "state"), "test state", 1, sample())
	if err == nil || !strings.Contains(err.Error(), "state file") {
		t.Fatalf("Write into a missing directory: %v", err)
	}
}

// streamed writes the sample's JSON by hand, as a large payload would.
type streamed struct{ fail bool }

func (s streamed) WriteJSON(w io.Writer) error {
	if s.fail {
		return errors.New("cannot encode")
	}
	_, err := io.WriteString(w, `{"jobs":{"a":1},`+"\n"+`"note":"streamed"}`)
	return err
}

// A payload that streams itself reads back like any other, and one that
// fails to encode leaves the previous file in place.
func TestStreamedPayload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	if err := Write(path, "test state", 3, streamed{}); err != nil {
		t.Fatal(err)
	}
	var got payload
	if err := Read(path, "test state", 3, &got); err != nil {
		t.Fatal(err)
	}
	if got.Note != "streamed" || got.Jobs["a"] != 1 {
		t.Fatalf("read %+v", got)
	}
	if err := Write(path, "test state", 3, streamed{fail: true}); err == nil {
		t.Fatal("a payload that failed to encode was written")
	}
	if err := Read(path, "test state", 3, &got); err != nil || got.Note != "streamed" {
		t.Fatalf("after a failed write: %v, note %q", err, got.Note)
	}
}
