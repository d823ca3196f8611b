package policy

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error returned by Parse is a *ParseError whose Err
// is one of these, so callers can ask what went wrong with errors.Is and
// where with errors.As.
var (
	// ErrSyntax: the input is not valid JSON (or not valid UTF-8).
	ErrSyntax = errors.New("invalid JSON")
	// ErrDuplicateKey: an object has two members with the same name, or an
	// operator block of a Condition names one key twice under
	// CanonicalKey ("oss:Prefix" and "oss:prefix"; spec §13 D23).
	ErrDuplicateKey = errors.New("duplicate member name")
	// ErrUnknownElement: an element name is not part of the language, or
	// differs from a known name only in case.
	ErrUnknownElement = errors.New("unknown element")
	// ErrMissing: a required element is absent or an element is empty.
	ErrMissing = errors.New("missing element")
	// ErrInvalid: an element has the wrong JSON type or a value the
	// language does not allow.
	ErrInvalid = errors.New("invalid value")
	// ErrConflict: two elements that exclude each other are both present
	// (Action with NotAction, Resource with NotResource).
	ErrConflict = errors.New("conflicting elements")
	// ErrLimit: a hard limit was exceeded (size, statements, values,
	// wildcards, nesting depth).
	ErrLimit = errors.New("limit exceeded")
)

// ParseError describes the first problem found in a policy document.
//
// Path is the JSON path of the offending element, for example
// Statement[2].Condition.IpAddress."acs:SourceIp"[0]; it is empty for a
// problem with the document as a whole. Offset is the byte offset of that
// element in the input (-1 when there is no input position, as for documents
// built in code), and Line and Column are the 1-based line and column
// (in bytes) of Offset (0 when Offset is -1).
type ParseError struct {
	File   string // the file name, when parsed through ParseFile or WithFile
	Path   string // JSON path of the element
	Line   int    // 1-based line of Offset, 0 if unknown
	Column int    // 1-based byte column of Offset, 0 if unknown
	Offset int    // byte offset in the input, -1 if unknown
	Err    error  // one of the sentinel errors of this package
	Msg    string // what is wrong, for people
}

// Error formats the error as FILE:LINE:COL: PATH: sentinel: message, leaving
// out the parts that are unknown.
func (e *ParseError) Error() string {
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

// Unwrap returns the sentinel error.
func (e *ParseError) Unwrap() error { return e.Err }

func itoa(i int) string { return strconv.Itoa(i) }

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return strconv.Quote(s)
}
