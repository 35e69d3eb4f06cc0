// Package statefile keeps a value on disk across restarts: written atomically
// (a temporary file in the same directory, fsync, rename, fsync of the
// directory), so a crash mid-write leaves the previous file whole, and read
// back only when it is the same kind of file at the same format version.
//
// A file is a gzip stream of one JSON object: a header naming the kind and
// the version, then the payload. Anything else (truncated, corrupt, another
// program's file, another version) is refused with a *FormatError that says
// what was wrong, so the caller can log it and start without it.
//
// The entry points are Write and Read.
package statefile

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// tempPattern names the temporary files of a write; leftovers of a process
// killed mid-write are removed by the next Write.
const tempPattern = ".statefile-*.tmp"

// header is the first part of every file.
type header struct {
	Kind    string          `json:"kind"`
	Version int             `json:"version"`
	Payload json.RawMessage `json:"payload"`
}

// StreamWriter is a payload that writes its own JSON encoding piece by
// piece. encoding/json holds a value's whole encoding in memory before it
// writes any of it; for the state of 10,000 jobs that is tens of MiB at
// once, which set the exporter's peak RSS.
type StreamWriter interface {
	WriteJSON(w io.Writer) error
}

// writeDocument writes the header with v as its payload: streamed when v
// is a StreamWriter, else encoded in place.
func writeDocument(w io.Writer, kind string, version int, v any) error {
	enc := json.NewEncoder(w)
	if _, err := io.WriteString(w, `{"kind":`); err != nil {
		return err
	}
	if err := enc.Encode(kind); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, `,"version":%d,"payload":`, version); err != nil {
		return err
	}
	if sw, ok := v.(StreamWriter); ok {
		if err := sw.WriteJSON(w); err != nil {
			return err
		}
	} else if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := io.WriteString(w, "}\n")
	return err
}

// FormatError says why a file that exists cannot be used.
type FormatError struct {
	Path   string
	Reason string
}

func (e *FormatError) Error() string { return "state file " + e.Path + ": " + e.Reason }

// Write replaces the file at path with v, marked as kind at version.
func Write(path, kind string, version int, v any) error {
	dir := filepath.Dir(path)
	removeLeftovers(dir)
	f, err := os.CreateTemp(dir, tempPattern)
	if err != nil {
		return fmt.Errorf("state file %s: %w", path, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 256<<10)
	zw, err := gzip.NewWriterLevel(bw, gzip.BestSpeed)
	if err != nil {
		return err
	}
	if err := writeDocument(zw, kind, version, v); err != nil {
		return fmt.Errorf("state file %s: encoding: %w", path, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("state file %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("state file %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("state file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("state file %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("state file %s: %w", path, err)
	}
	ok = true
	// The rename is durable only once the directory is.
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return fmt.Errorf("state file %s: syncing its directory: %w", path, err)
		}
	}
	return nil
}

func removeLeftovers(dir string) {
	matches, _ := filepath.Glob(filepath.Join(dir, tempPattern))
	for _, m := range matches {
		os.Remove(m)
	}
}

// maxSize bounds what Read decompresses, so a corrupt or hostile file cannot
// exhaust memory: far above the state of 100,000 finished jobs.
const maxSize = 4 << 30

// Read decodes the file at path into v. A missing file is an error for which
// errors.Is(err, os.ErrNotExist) holds; a file that is not a whole state file
// of this kind and version is a *FormatError.
func Read(path, kind string, version int, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return &FormatError{Path: path, Reason: "not a state file (" + reason(err) + ")"}
	}
	var h header
	dec := json.NewDecoder(io.LimitReader(zr, maxSize))
	if err := dec.Decode(&h); err != nil {
		return &FormatError{Path: path, Reason: "unreadable (" + reason(err) + ")"}
	}
	// A truncated stream can still hold a whole JSON value; only the gzip
	// trailer's checksum proves the file is complete.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return &FormatError{Path: path, Reason: "incomplete (" + reason(err) + ")"}
	}
	switch {
	case h.Kind != kind:
		return &FormatError{Path: path, Reason: fmt.Sprintf("holds %q, not %q", clip(h.Kind), kind)}
	case h.Version != version:
		return &FormatError{Path: path, Reason: fmt.Sprintf("format version %d, this build reads version %d", h.Version, version)}
	}
	if err := json.Unmarshal(h.Payload, v); err != nil {
		return &FormatError{Path: path, Reason: "payload does not decode (" + reason(err) + ")"}
	}
	return nil
}

func reason(err error) string {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "truncated"
	case errors.Is(err, gzip.ErrChecksum):
		return "checksum mismatch"
	case errors.Is(err, gzip.ErrHeader):
		return "no gzip header"
	}
	return clip(err.Error())
}

func clip(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
