package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
)

// The live service sends values of other types than its documentation
// promises (a list page's numbers "as strings", and then odd ones). With
// encoding/json one such value fails the whole answer, and with it every
// other job of a list page. The lenient decoder below is used only when the
// strict decode of a well-formed answer failed: it decodes the answer value
// by value, with encoding/json's own rules for every value that fits, and
// leaves a value that does not fit unset, counting it under its field path.
//
// Paths name fields by their JSON names, with "[]" for a list element and
// no index ("JobInfos[].ContainerGroups[].Containers[].RestartCount"), so
// the set of paths is bounded by the models and can serve as label values.

// strictPaths are where a wrong type still fails the answer: the job lists,
// their elements and the jobs' ids. An answer read without them would look
// like "no such job" to the describe, or like a shorter list to discovery,
// which then forgets jobs that still exist; failing keeps the last good data.
var strictPaths = map[string]bool{
	"":                 true,
	"JobInfos":         true,
	"JobInfos[]":       true,
	"JobInfos[].JobId": true,
	"Jobs":             true,
	"Jobs[]":           true,
	"Jobs[].JobId":     true,
}

// wrongTypeError is a wrong-typed value on a strict path.
type wrongTypeError struct {
	path, got, want string
}

func (e *wrongTypeError) Error() string {
	if e.path == "" {
		return "answer is " + e.got + ", not an object"
	}
	return "field " + e.path + " holds " + e.got + " where " + e.want + " was expected"
}

type lenientDecoder struct {
	warnings map[string]int
}

// decodeLenient decodes body, well-formed JSON, into out (a pointer). It
// returns the wrong-typed values it left unset by path, or an error when one
// was on a strict path.
func decodeLenient(body []byte, out any) (map[string]int, error) {
	d := &lenientDecoder{}
	if _, err := d.value(bytes.TrimSpace(body), reflect.ValueOf(out).Elem(), ""); err != nil {
		return nil, err
	}
	return d.warnings, nil
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// value decodes raw into v. ok is false when raw did not fit; v is then as
// it was, and the value is counted (or, on a strict path, an error).
func (d *lenientDecoder) value(raw []byte, v reflect.Value, path string) (ok bool, err error) {
	if len(raw) == 0 {
		return false, d.wrong(path, []byte("null"), v.Type())
	}
	isNull := string(raw) == "null"
	// As in encoding/json: an Unmarshaler gets every value, null included,
	// unless it is reached through a pointer, which null sets to nil.
	if v.Kind() != reflect.Pointer && reflect.PointerTo(v.Type()).Implements(unmarshalerType) {
		if err := v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw); err != nil {
			return false, d.wrong(path, raw, v.Type())
		}
		return true, nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull {
			v.SetZero()
			return true, nil
		}
		if !v.IsNil() {
			return d.value(raw, v.Elem(), path)
		}
		nv := reflect.New(v.Type().Elem())
		if ok, err := d.value(raw, nv.Elem(), path); !ok || err != nil {
			return ok, err
		}
		v.Set(nv)
		return true, nil
	case reflect.Struct:
		if isNull {
			return true, nil
		}
		if raw[0] != '{' {
			return false, d.wrong(path, raw, v.Type())
		}
		fields := fieldsOf(v.Type())
		err := eachMember(raw, func(key string, val []byte) error {
			f, found := fields.lookup(key)
			if !found {
				return nil
			}
			_, err := d.value(val, v.FieldByIndex(f.index), joinField(path, f.name))
			return err
		})
		return err == nil, err
	case reflect.Slice:
		if isNull {
			v.SetZero()
			return true, nil
		}
		if raw[0] != '[' {
			return false, d.wrong(path, raw, v.Type())
		}
		// Element by element the way encoding/json grows and reuses a
		// slice, except that an element that does not fit is left out.
		i := 0
		err := eachElement(raw, func(val []byte) error {
			if i >= v.Cap() {
				v.Grow(1)
			}
			if i >= v.Len() {
				v.SetLen(i + 1)
			}
			ok, err := d.value(val, v.Index(i), path+"[]")
			if ok {
				i++
			}
			return err
		})
		if err != nil {
			return false, err
		}
		if i < v.Len() {
			v.SetLen(i)
		}
		if i == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		}
		return true, nil
	default:
		// Plain Go types (none in the models today): encoding/json decides,
		// into a copy so that a refusal leaves v as it was.
		nv := reflect.New(v.Type())
		nv.Elem().Set(v)
		if err := json.Unmarshal(raw, nv.Interface()); err != nil {
			return false, d.wrong(path, raw, v.Type())
		}
		v.Set(nv.Elem())
		return true, nil
	}
}

// wrong counts a value that did not fit, or returns the error for a strict
// path.
func (d *lenientDecoder) wrong(path string, raw []byte, want reflect.Type) error {
	if strictPaths[path] {
		return &wrongTypeError{path: path, got: jsonKindOf(raw), want: wantedKind(want)}
	}
	if d.warnings == nil {
		d.warnings = map[string]int{}
	}
	d.warnings[path]++
	return nil
}

func joinField(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// jsonKindOf names the kind of a JSON value, never the value itself.
func jsonKindOf(raw []byte) string {
	switch raw[0] {
	case '{':
		return "a JSON object"
	case '[':
		return "a JSON array"
	case '"':
		return "a JSON string"
	case 't', 'f':
		return "a JSON boolean"
	case 'n':
		return "JSON null"
	}
	return "a JSON number"
}

func wantedKind(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[Text]():
		return "a string"
	case reflect.TypeFor[Int64]():
		return "an integer"
	case reflect.TypeFor[Float64]():
		return "a number"
	case reflect.TypeFor[Bool]():
		return "a boolean"
	}
	return goKind(t.Kind().String())
}

// eachMember calls f with each key and raw value of a JSON object, in order.
func eachMember(raw []byte, f func(key string, val []byte) error) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return errors.New("object key is not a string")
		}
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return err
		}
		if err := f(key, val); err != nil {
			return err
		}
	}
	return nil
}

// eachElement calls f with each raw element of a JSON array, in order.
func eachElement(raw []byte, f func(val []byte) error) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // [
		return err
	}
	for dec.More() {
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return err
		}
		if err := f(val); err != nil {
			return err
		}
	}
	return nil
}

type structField struct {
	name  string
	index []int
}

// structFields are a struct's JSON fields, found as encoding/json finds
// them: by exact name first, then case-insensitively.
type structFields struct {
	list   []structField
	byName map[string]int
}

func (s *structFields) lookup(key string) (structField, bool) {
	if i, ok := s.byName[key]; ok {
		return s.list[i], true
	}
	for _, f := range s.list {
		if strings.EqualFold(f.name, key) {
			return f, true
		}
	}
	return structField{}, false
}

var fieldCache sync.Map // reflect.Type -> *structFields

func fieldsOf(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	s := &structFields{byName: map[string]int{}}
	collectFields(t, nil, s)
	f, _ := fieldCache.LoadOrStore(t, s)
	return f.(*structFields)
}

// collectFields lists the exported fields with their JSON names, those of
// embedded structs (errorProbe's ErrorResponse) promoted; an outer field
// wins over an embedded one of the same name.
func collectFields(t reflect.Type, index []int, s *structFields) {
	var embedded []reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			embedded = append(embedded, f)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, dup := s.byName[name]; dup {
			continue
		}
		s.byName[name] = len(s.list)
		s.list = append(s.list, structField{name: name, index: append(append([]int(nil), index...), i)})
	}
	for _, f := range embedded {
		collectFields(f.Type, append(append([]int(nil), index...), f.Index...), s)
	}
}
