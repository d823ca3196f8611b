// Package evaluator decides Alibaba Cloud RAM-style authorization requests:
// may this principal perform this action on this resource in this context?
//
// Compile turns a set of parsed policy documents (package policy) into an
// immutable *Evaluator. Decide answers one Request with a Decision
// (ImplicitDeny, Allow or ExplicitDeny) following the RAM evaluation rules:
// any applicable Deny wins, otherwise any applicable Allow allows, otherwise
// the request is implicitly denied. Explain gives the same decision together
// with the statements that applied and those stopped only by a condition.
// Load parses and compiles one JSON document in a step, for a service that
// keeps no Document: it builds the same Evaluator with fewer allocations.
//
// Matching rules (see the specification, §1.3 to §4): actions are compared
// without regard to ASCII case and resources case-sensitively; '*' matches
// any run of characters, including none and including ':' and '/'; '?'
// matches one character (one UTF-8 code point); patterns match whole
// strings. Conditions support the 21 RAM operators and their IfExists forms
// (true when the key is absent), with OR over a key's values, AND across
// keys and operators, NOR for negated operators, and a third truth value,
// unknown, for request values that do not parse: an Allow needs its
// conditions to be true, a Deny applies when they are true or unknown.
// Condition key names ignore ASCII case before the first '/'
// (policy.CanonicalKey), and an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is
// compared as the IPv4 address it maps (spec §13 D22, D23, D25).
//
// Compile files every action pattern in a radix tree under its literal
// prefix (one tree per effect; patterns that match every action, "*", in a
// list beside it), so Decide only meets the statements whose action
// patterns can match the request; the rest of a pattern is matched by a
// linear-time wildcard matcher, skipped when it is a single final '*'.
// Decide allocates nothing and its cost does not grow with the number of
// statements that cannot match.
//
// A Context reads each value ahead when it is set: as an IP address, a
// date-time, a decimal number or a bool, whichever it is (a value is at
// most one of them, and its first bytes choose the parser), so Decide
// compares typed values and never parses. Filling a reused Context and
// deciding allocate nothing.
package evaluator
