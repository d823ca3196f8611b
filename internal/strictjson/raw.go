package strictjson

import (
	"reflect"
	"slices"
)

// Raw is a JSON value kept unread, together with where it stands in the
// input, so that it can be decoded later (or not at all) with errors that
// still carry the path, line and column of the whole input. Decoding into a
// Raw checks nothing but the syntax, which Unmarshal checks for the whole
// input first. It is how a reader goes on past one bad element of a list:
// decode the list as []Raw, then each element on its own.
//
// A Raw refers to the input given to Unmarshal, which must not change
// while the Raw is used. The zero Raw holds no value. Raw values are safe
// for concurrent use.
type Raw struct {
	input      []byte
	start, end int
	path       []seg
}

// UnmarshalStrictJSON records the value d holds.
func (r *Raw) UnmarshalStrictJSON(d *Decoder) error {
	if e := d.take(); e != nil {
		return e
	}
	s := d.s
	r.input, r.start = s.data, s.pos
	s.skipValue()
	r.end = s.pos
	for r.end > r.start && isSpace(s.data[r.end-1]) {
		r.end--
	}
	r.path = slices.Clone(s.path)
	return nil
}

// Bytes returns the exact bytes of the value (nil for the zero Raw). They
// belong to the input: do not modify them.
func (r Raw) Bytes() []byte {
	if r.input == nil {
		return nil
	}
	return r.input[r.start:r.end:r.end]
}

// Offset returns the byte offset of the value in the input (-1 for the zero
// Raw).
func (r Raw) Offset() int {
	if r.input == nil {
		return -1
	}
	return r.start
}

// LineColumn returns the 1-based line and byte column of the value in the
// input (0, 0 for the zero Raw).
func (r Raw) LineColumn() (line, column int) {
	if r.input == nil {
		return 0, 0
	}
	return LineColumn(r.input, r.start)
}

// At returns the byte offset in the input, and the 1-based line and byte
// column, of the byte delta bytes into the value: where a problem that a
// later reader of Bytes found at offset delta lies in the whole input. A
// delta outside the value, and the zero Raw, give -1, 0, 0.
func (r Raw) At(delta int) (offset, line, column int) {
	if r.input == nil || delta < 0 || delta > r.end-r.start {
		return -1, 0, 0
	}
	offset = r.start + delta
	line, column = LineColumn(r.input, offset)
	return offset, line, column
}

// Path returns the JSON path of the value in the input, such as $[3] (""
// for the zero Raw).
func (r Raw) Path() string {
	if r.input == nil {
		return ""
	}
	return renderPath(r.path)
}

// Kind returns the JSON type of the value (KindNull for the zero Raw).
func (r Raw) Kind() Kind {
	if r.input == nil {
		return KindNull
	}
	return (&state{data: r.input, pos: r.start}).kind()
}

// Unmarshal decodes the value into v as Unmarshal would; the positions and
// paths of its errors are those in the whole input. The zero Raw is
// ErrUnsupported.
func (r Raw) Unmarshal(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &Error{Offset: -1, Err: ErrUnsupported, Msg: "Unmarshal needs a non-nil pointer, not " + typeName(rv)}
	}
	if r.input == nil {
		return &Error{Offset: -1, Err: ErrUnsupported, Msg: "the Raw holds no value"}
	}
	s := &state{data: r.input, pos: r.start, path: slices.Clone(r.path)}
	if e := s.value(rv.Elem()); e != nil {
		return e
	}
	return nil
}
