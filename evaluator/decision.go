package evaluator

import (
	"strconv"

	"github.com/ramauthz/ramauthz/policy"
)

// Decision is the outcome of evaluating a request against a set of policies.
//
// The zero value is ImplicitDeny, so a Decision that was never set denies.
type Decision uint8

const (
	// ImplicitDeny: no statement allowed the request and none denied it.
	// Access is refused, but another policy set (for example a bucket
	// policy) may still grant it.
	ImplicitDeny Decision = iota
	// Allow: at least one Allow statement applied and no Deny statement
	// did.
	Allow
	// ExplicitDeny: a Deny statement applied. This overrides every Allow,
	// here and in any policy set combined with this one.
	ExplicitDeny
)

// String returns "ImplicitDeny", "Allow", "ExplicitDeny", or "Decision(N)"
// for a value outside the three.
func (d Decision) String() string {
	switch d {
	case ImplicitDeny:
		return "ImplicitDeny"
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "Decision(" + strconv.Itoa(int(d)) + ")"
}

// ParseDecision parses the names returned by Decision.String, exactly
// (case-sensitively). For any other string it returns ImplicitDeny and a
// *policy.ParseError wrapping policy.ErrInvalid.
func ParseDecision(s string) (Decision, error) {
	switch s {
	case "ImplicitDeny":
		return ImplicitDeny, nil
	case "Allow":
		return Allow, nil
	case "ExplicitDeny":
		return ExplicitDeny, nil
	}
	q := s
	if len(q) > 64 {
		q = q[:64] + "..."
	}
	return ImplicitDeny, &policy.ParseError{
		Offset: -1,
		Err:    policy.ErrInvalid,
		Msg:    "unknown decision " + strconv.Quote(q) + `; want "Allow", "ExplicitDeny" or "ImplicitDeny"`,
	}
}
