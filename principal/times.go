package principal

import (
	"time"
	"unicode/utf8"
)

// The instants the directory accepts and produces (spec §13 D28): the years
// 0001 to 9999, the range RFC 3339 and therefore Export can write. An
// operation that would store a time outside it fails instead, so an accepted
// operation never leaves the directory in a state Export cannot write.
var (
	minTime = time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, time.December, 31, 23, 59, 59, 999999999, time.UTC)
)

// inRange reports whether t lies in the years 0001 to 9999 (UTC).
func inRange(t time.Time) bool { return !t.Before(minTime) && !t.After(maxTime) }

// timeErr is the error for a time outside the years 0001 to 9999.
func timeErr(op, subject, what string, t time.Time) *Error {
	return errf(op, subject, ErrInvalid, what+" "+t.UTC().Format("2006-01-02T15:04:05.999999999Z07:00")+
		" is outside the years 0001 to 9999 (spec D28)")
}

// stamp reads the directory clock for a time the operation will store. A
// clock outside the years 0001 to 9999 is an ErrInvalid error: nothing is
// stored. Callers hold d.mu.
func (d *Directory) stamp(op, subject string) (time.Time, error) {
	now := d.now()
	if !inRange(now) {
		return time.Time{}, timeErr(op, subject, "the directory clock reads", now)
	}
	return now, nil
}

// checkText refuses text that is not valid UTF-8: it would not survive an
// Export and Import unchanged (JSON replaces invalid bytes with U+FFFD).
func checkText(op, subject, field, s string) error {
	if !utf8.ValidString(s) {
		return errf(op, subject, ErrInvalid, field+" is not valid UTF-8")
	}
	return nil
}

// maxVersionNumber bounds the number of a policy version (v1 to
// v2147483647), so the version counter can never wrap.
const maxVersionNumber = 1<<31 - 1
