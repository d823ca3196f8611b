// Package policy parses, validates and prints Alibaba Cloud RAM policy
// documents.
//
// A document has a Version (always "1") and a list of statements. Each
// statement has an Effect (Allow or Deny), Action or NotAction patterns,
// Resource or NotResource patterns, an optional Principal (trust policies
// only) and an optional Condition block. Parse turns JSON into a Document;
// MarshalJSON prints it back in a canonical form.
//
// # Strictness
//
// Parse accepts exactly what RAM means and rejects everything else, because a
// document that two readers understand differently is a security hole:
//
//   - the input must be valid UTF-8 and valid JSON (RFC 7159);
//   - member names must be unique in every object (compared after JSON
//     unescaping) and spelled exactly: "effect" is not "Effect";
//   - unknown elements are errors;
//   - Version must be the string "1" and Effect exactly "Allow" or "Deny";
//   - values the language wants as strings must be JSON strings: numbers,
//     booleans and null are errors;
//   - a statement has exactly one of Action and NotAction, and (in identity
//     and session documents) exactly one of Resource and NotResource;
//   - condition operators come from a closed list of 21 names, each also in
//     its IfExists form (Condition.IfExists); the other AWS forms (Null,
//     ForAnyValue:, ForAllValues:, Arn*, Binary*) are rejected as not
//     supported by this library, so that a typo can never silently switch a
//     condition off;
//   - within one operator block, condition keys are unique under
//     CanonicalKey: "oss:Prefix" and "oss:prefix" are one key, named twice;
//   - condition values are parsed for their operator's family when the
//     document is parsed: numbers are exact decimals, dates are RFC 3339
//     date-times with a zone, booleans are "true" or "false" in any case, IP
//     values are addresses or CIDR blocks (IPv4 or IPv6);
//   - empty lists are errors; an empty Condition object is valid and imposes
//     no condition;
//   - strings may not contain control characters.
//
// Statement given as a single object instead of a list is accepted only with
// the Lenient option.
//
// # Limits
//
// Hard limits (input bytes, the document's minified length in characters,
// statements, values per element, wildcards per pattern, nesting depth) are
// checked before any expensive work; see Limits and DefaultLimits. The size
// limit is 6,144 characters for identity and trust documents and 2,048 for
// session documents, measured on the minified JSON.
//
// # Reading
//
// Parse reads a document in one pass over its bytes when it can: a valid
// document without backslash escapes is tokenized, checked and built at
// once, its strings sliced from a single copy of the input. Anything else
// (escapes, or any problem at all) is read by a second, diagnosing reader,
// built on gjson, which walks the document element by element and reports
// the first problem with its path and position. Both readers run the same
// checks, accept the same documents and build equal ones; the second is
// only slower. A document whose input is mostly white space (more than
// four times the bytes of its strings, plus 4,096) gets its strings copied
// into a block of their own, so that it does not keep the input alive.
//
// # Errors
//
// Parse reports the first problem it finds as a *ParseError carrying the JSON
// path, line, column and byte offset of the offending element and a sentinel
// error (ErrSyntax, ErrDuplicateKey, ErrUnknownElement, ErrMissing,
// ErrInvalid, ErrConflict or ErrLimit) for errors.Is. On error no document is
// returned.
package policy
