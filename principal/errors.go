package principal

import (
	"errors"
	"strconv"
)

// ErrInvalid: an identifier or a name is malformed. Every error this
// package returns (*IDError from Parse and the ID constructors, the
// errors of the Check*Name functions) unwraps to it.
var ErrInvalid = errors.New("invalid argument")

// IDError reports an identifier or name that Parse or a constructor
// rejected. It unwraps to ErrInvalid.
type IDError struct {
	Input string // the rejected input
	Msg   string // what is wrong
}

// Error formats the error.
func (e *IDError) Error() string {
	return "invalid identifier " + quote(e.Input) + ": " + e.Msg
}

// Unwrap returns ErrInvalid.
func (e *IDError) Unwrap() error { return ErrInvalid }

func idError(s, msg string) error { return &IDError{Input: s, Msg: msg} }

// nameError is returned by the Check*Name functions.
type nameError struct{ msg string }

func (e *nameError) Error() string { return e.msg }
func (e *nameError) Unwrap() error { return ErrInvalid }

func itoa(i int) string { return strconv.Itoa(i) }

func quote(s string) string {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return strconv.Quote(s)
}
