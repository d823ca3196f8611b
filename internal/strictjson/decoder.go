package strictjson

import (
	"errors"
	"reflect"
)

// Decoder reads one JSON value for a type's UnmarshalStrictJSON method.
// The input has already passed Valid; a Decoder adds the rules of
// Unmarshal (exact names, duplicates, types) for what the method reads and
// keeps the path and position for its errors. A Decoder is valid only
// during the call it is passed to and reads exactly one value: after one
// call of Decode, Object or Array it refuses further reads. It is not safe
// for concurrent use.
type Decoder struct {
	s       *state
	start   int // offset of the value
	nameOff int // offset of the member name when the value is a member's, else -1
	used    bool
}

// Kind returns the JSON type of the value the Decoder holds.
func (d *Decoder) Kind() Kind { return d.s.kind() }

// take marks the value as read, or explains why it cannot be.
func (d *Decoder) take() *Error {
	if d.used {
		return d.s.fail(d.s.pos, ErrUnsupported, "a Decoder reads one value; it was read already")
	}
	d.used = true
	return nil
}

// Decode decodes the value into v, a non-nil pointer, as Unmarshal would.
func (d *Decoder) Decode(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return d.s.fail(d.s.pos, ErrUnsupported, "Decode needs a non-nil pointer, not "+typeName(rv))
	}
	if e := d.take(); e != nil {
		return e
	}
	if e := d.s.value(rv.Elem()); e != nil {
		return e
	}
	return nil
}

// Object reads the value as an object whose members are not known in
// advance. key gives the equivalence of member names: two members whose
// names have equal keys are duplicates (ErrDuplicateMember); nil means
// Fold. fn is called for each member in order with its name and a Decoder
// holding its value, and must read that value. A value that is not an
// object is ErrType.
func (d *Decoder) Object(key func(name string) string, fn func(name string, d *Decoder) error) error {
	if e := d.take(); e != nil {
		return e
	}
	s := d.s
	if k := s.kind(); k != KindObject {
		return s.wrongType(s.pos, k, "an object")
	}
	if e := s.members(key, func(name string, nameOff int) *Error {
		return s.callWith(func(c *Decoder) error {
			c.nameOff = nameOff
			return fn(name, c)
		})
	}); e != nil {
		return e
	}
	return nil
}

// Array reads the value as an array; fn is called for each element with
// its index and a Decoder holding it, and must read it. A value that is
// not an array is ErrType.
func (d *Decoder) Array(fn func(i int, d *Decoder) error) error {
	if e := d.take(); e != nil {
		return e
	}
	s := d.s
	if k := s.kind(); k != KindArray {
		return s.wrongType(s.pos, k, "an array")
	}
	if e := s.elements(func(i int) *Error {
		return s.callWith(func(c *Decoder) error { return fn(i, c) })
	}); e != nil {
		return e
	}
	return nil
}

// Fail returns an error about the value the Decoder holds (or held): an
// *Error with its path and position wrapping sentinel, which should be one
// of this package's sentinels (ErrType when nil).
func (d *Decoder) Fail(sentinel error, msg string) error {
	if sentinel == nil {
		sentinel = ErrType
	}
	return d.s.fail(d.start, sentinel, msg)
}

// FailName is Fail positioned at the member's name when the Decoder holds
// the value of a member handed out by Object (a problem with the name, such
// as a duplicate under the caller's own rule), else at the value.
func (d *Decoder) FailName(sentinel error, msg string) error {
	if sentinel == nil {
		sentinel = ErrType
	}
	off := d.start
	if d.nameOff >= 0 {
		off = d.nameOff
	}
	return d.s.fail(off, sentinel, msg)
}

// callHook runs a type's UnmarshalStrictJSON on the value at s.pos.
func (s *state) callHook(u Unmarshaler) *Error {
	return s.callWith(u.UnmarshalStrictJSON)
}

// callWith hands the value at s.pos to fn through a fresh Decoder and
// turns what fn returns into an *Error.
func (s *state) callWith(fn func(*Decoder) error) *Error {
	start := s.pos
	depth := len(s.path)
	d := &Decoder{s: s, start: start, nameOff: -1}
	err := fn(d)
	s.path = s.path[:depth]
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return e
		}
		s.pos = start
		s.skipValue()
		e = s.fail(start, ErrType, err.Error())
		e.Cause = err
		return e
	}
	if !d.used {
		return s.fail(start, ErrUnsupported, "an UnmarshalStrictJSON method or Object/Array callback returned without reading its value")
	}
	return nil
}
