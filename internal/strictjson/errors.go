package strictjson

import (
	"bytes"
	"errors"
	"strconv"
)

// Sentinel errors. Every error Unmarshal returns is an *Error whose Err is
// one of these.
var (
	// ErrSyntax: the input is not JSON, or is JSON this package refuses:
	// invalid UTF-8, a byte order mark, a raw control character in a
	// string, an escape of a lone UTF-16 surrogate (RFC 7493 §2.1).
	ErrSyntax = errors.New("invalid JSON")
	// ErrTrailingData: something other than white space follows the value.
	ErrTrailingData = errors.New("data after the JSON value")
	// ErrDuplicateMember: an object has two members whose names are equal,
	// or equal under the object's equivalence (by default Unicode simple
	// case folding, see Fold).
	ErrDuplicateMember = errors.New("duplicate member name")
	// ErrUnknownMember: a member name matches no field of the target
	// struct exactly (a name that differs only in case is unknown too).
	ErrUnknownMember = errors.New("unknown member")
	// ErrMissing: a member whose field is tagged "required" is absent.
	ErrMissing = errors.New("missing member")
	// ErrType: a value has the wrong JSON type for its target, a number
	// does not fit its target, or a target type's own unmarshal method
	// refused the value (the method's error is then in Error.Cause).
	ErrType = errors.New("wrong type")
	// ErrLimit: the JSON nests deeper than MaxDepth.
	ErrLimit = errors.New("limit exceeded")
	// ErrUnsupported: the target is not something this package can fill:
	// v is not a non-nil pointer, a struct has two fields for one member
	// name, a map's keys are not strings, a channel, a function, a non-empty
	// interface, or an UnmarshalStrictJSON method that did not read its
	// value. It reports a programming error, not bad input.
	ErrUnsupported = errors.New("unsupported target type")
)

// Error describes the first problem Unmarshal found.
//
// Path is the JSON path of the offending value, such as $.users[3].name or
// $.context["acs:SourceIp"]; "$" is the whole value and "" means no path is
// known (syntax errors). Offset is the byte offset in the input of the
// offending value or member name, and Line and Column are its 1-based line
// and column; columns count bytes, not characters. Offset is -1 and Line
// and Column are 0 when there is no position (ErrUnsupported for a bad
// target).
type Error struct {
	File   string // set by callers that read a file; Unmarshal leaves it empty
	Path   string // JSON path of the value, "" when unknown
	Line   int    // 1-based line of Offset, 0 when unknown
	Column int    // 1-based byte column of Offset, 0 when unknown
	Offset int    // byte offset in the input, -1 when unknown
	Err    error  // one of the sentinel errors of this package
	Msg    string // what is wrong, for people
	Cause  error  // for ErrType from a target's own method: the method's error
}

// Error formats the error as FILE:LINE:COL: PATH: sentinel: message,
// leaving out the parts that are unknown.
func (e *Error) Error() string {
	var b []byte
	if e.File != "" {
		b = append(b, e.File...)
		b = append(b, ':')
	}
	if e.Line > 0 {
		b = strconv.AppendInt(b, int64(e.Line), 10)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(e.Column), 10)
		b = append(b, ':')
	}
	if len(b) > 0 {
		b = append(b, ' ')
	}
	if e.Path != "" {
		b = append(b, e.Path...)
		b = append(b, ": "...)
	}
	if e.Err != nil {
		b = append(b, e.Err.Error()...)
	} else {
		b = append(b, "error"...)
	}
	if e.Msg != "" {
		b = append(b, ": "...)
		b = append(b, e.Msg...)
	}
	return string(b)
}

// Unwrap returns the sentinel error and, when there is one, the Cause.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}

// newError builds an error at offset (or without a position when offset
// is negative).
func newError(data []byte, path string, offset int, sentinel error, msg string) *Error {
	e := &Error{Path: path, Offset: -1, Err: sentinel, Msg: msg}
	if offset >= 0 && offset <= len(data) {
		e.Offset = offset
		e.Line, e.Column = LineColumn(data, offset)
	}
	return e
}

// LineColumn returns the 1-based line and byte column of offset in data.
// Lines end at '\n'. An offset outside data is clamped to it.
func LineColumn(data []byte, offset int) (line, column int) {
	offset = max(0, min(offset, len(data)))
	before := data[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	column = offset - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, column
}
