// Package strictjson is the one strict JSON reader of ramauthz for
// everything it reads other than policy documents (which package policy
// parses itself): case files, exported directory state, command-line
// inputs.
//
// A JSON text that two readers understand differently is a security hole:
// encoding/json keeps the last of two members with one name and matches
// member names to fields without regard to case (Unicode simple folding,
// so "policieſ" with U+017F fills the field "policies"), while gjson keeps
// the first. Unmarshal accepts only input that every reader understands
// the same way, in the spirit of I-JSON (RFC 7493):
//
//   - exactly one JSON value (RFC 8259), valid UTF-8, no byte order mark,
//     no escaped lone surrogate, nothing after the value but white space;
//   - member names match struct fields exactly;
//   - no object has two members whose names are equal under Fold (or the
//     object's own equivalence: see Keyer and Decoder.Object);
//   - members that match no field are errors, not ignored.
//
// Errors are *Error values carrying the JSON path, byte offset, line and
// column of the problem and unwrapping to a sentinel (ErrSyntax,
// ErrDuplicateMember, ...).
//
// Unmarshal is safe for concurrent use; it writes only into the value it
// is given.
package strictjson

import "strconv"

func itoa(i int) string { return strconv.Itoa(i) }
