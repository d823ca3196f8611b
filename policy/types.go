package policy

import (
	"net/netip"
	"time"
)

// Kind is the kind of a policy document. The kind decides which elements a
// document must or may contain and which size limit applies.
//
// The zero value is Identity.
type Kind uint8

const (
	// Identity is a policy attached to a RAM user, group or role. Every
	// statement needs Action or NotAction and Resource or NotResource; a
	// Principal element is not allowed. Size limit: 6,144 characters.
	Identity Kind = iota
	// Trust is a resource-based policy such as a role's trust policy. Every
	// statement needs a Principal; Resource and NotResource are optional.
	// Size limit: 6,144 characters.
	Trust
	// Session is the session policy passed to AssumeRole. It has the shape
	// of an identity policy. Size limit: 2,048 characters.
	Session
)

// String returns "identity", "trust" or "session".
func (k Kind) String() string {
	switch k {
	case Identity:
		return "identity"
	case Trust:
		return "trust"
	case Session:
		return "session"
	}
	return "Kind(" + itoa(int(k)) + ")"
}

// ParseKind parses the names returned by Kind.String.
func ParseKind(s string) (Kind, error) {
	switch s {
	case "identity":
		return Identity, nil
	case "trust":
		return Trust, nil
	case "session":
		return Session, nil
	}
	return 0, &ParseError{Offset: -1, Err: ErrInvalid, Msg: "unknown policy kind " + quote(s)}
}

// Effect is the effect of a statement.
//
// The zero value is not a valid effect; parsed documents only hold Allow and
// Deny.
type Effect uint8

const (
	// Allow grants the matched requests unless a Deny also matches.
	Allow Effect = 1
	// Deny refuses the matched requests, whatever any Allow says.
	Deny Effect = 2
)

// String returns "Allow", "Deny", or "Effect(N)" for an invalid value.
func (e Effect) String() string {
	switch e {
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	}
	return "Effect(" + itoa(int(e)) + ")"
}

// Valid reports whether e is Allow or Deny.
func (e Effect) Valid() bool { return e == Allow || e == Deny }

// Document is a parsed, validated RAM policy document.
//
// A Document returned by Parse is complete and valid; callers must not modify
// it while an evaluator compiled from it is in use (compiled evaluators copy
// what they need, so modifying it afterwards is safe but pointless).
type Document struct {
	// Kind is the kind the document was parsed as. UnmarshalJSON reads it
	// before parsing, so setting it selects the kind for json.Unmarshal.
	Kind Kind
	// Version is always "1".
	Version string
	// Statements holds at least one statement, in document order.
	Statements []Statement
}

// Statement is one element of a document's Statement list.
//
// Exactly one of Action and NotAction is non-nil. In identity and session
// documents exactly one of Resource and NotResource is non-nil; in trust
// documents at most one is. Patterns are kept exactly as written: actions are
// matched case-insensitively and resources case-sensitively by the evaluator.
type Statement struct {
	// Sid is the optional statement identifier ("" when absent).
	Sid string
	// Effect is Allow or Deny.
	Effect Effect
	// Action lists the action patterns, such as "ecs:Describe*" or "*".
	Action []string
	// NotAction lists action patterns the statement does not apply to.
	NotAction []string
	// Resource lists resource patterns, such as "acs:oss:*:*:mybucket/*".
	Resource []string
	// NotResource lists resource patterns the statement does not apply to.
	NotResource []string
	// Principal is the Principal element of a trust document (nil elsewhere).
	Principal *Principal
	// Condition holds one entry per (operator, key) pair, sorted by operator
	// and then by key. It is nil when the statement has no Condition element
	// and empty (non-nil) for "Condition": {}, which imposes no condition.
	Condition []Condition
}

// Principal is the Principal element of a trust (resource-based) policy.
// At least one of the lists is non-empty.
type Principal struct {
	// RAM lists account roots (acs:ram::<uid>:root), RAM users
	// (acs:ram::<uid>:user/<name>) and RAM roles (acs:ram::<uid>:role/<name>).
	RAM []string
	// Service lists trusted cloud services, such as "ecs.aliyuncs.com".
	Service []string
	// Federated lists identity providers
	// (acs:ram::<uid>:saml-provider/<name> or acs:ram::<uid>:oidc-provider/<name>).
	Federated []string
}

// Condition is one condition of a statement: an operator applied to one key
// with one or more values. The condition holds when any value matches (for
// negated operators: when none matches); all conditions of a statement must
// hold.
//
// IfExists marks the operator's IfExists form (StringEqualsIfExists,
// DateLessThanIfExists, ...; spec §13 D22): when the key is absent from the
// request the condition holds, for positive and negated operators alike;
// when the key is present it is exactly Operator. OperatorName returns the
// name as written.
type Condition struct {
	Operator Operator
	// IfExists is true for the IfExists form of Operator.
	IfExists bool
	// Key is the condition key exactly as written, such as "acs:SourceIp".
	// Two keys are the same key when CanonicalKey gives the same string
	// for both (spec §13 D23).
	Key string
	// Values holds at least one value, in document order.
	Values []Value
}

// OperatorName returns the operator as written in a policy: Operator's name,
// followed by "IfExists" when IfExists is set ("DateLessThanIfExists").
func (c Condition) OperatorName() string {
	if c.IfExists {
		return c.Operator.String() + ifExistsSuffix
	}
	return c.Operator.String()
}

// Value is one condition value, kept as written and pre-parsed for the
// operator's family. Only the field of the operator's family is set.
type Value struct {
	// Raw is the string as written in the document.
	Raw string
	// Number is set for the Numeric operators.
	Number Number
	// Time is set for the Date operators, in UTC; it is the instant Raw names.
	Time time.Time
	// Prefix is set for IpAddress and NotIpAddress. A bare address is held
	// as a /32 or /128 prefix; host bits are masked off.
	Prefix netip.Prefix
	// Bool is set for the Bool operator.
	Bool bool
}

// Clone returns a deep copy of d: no slice or pointer of the copy is shared
// with d, so either can be modified without affecting the other. Strings
// and parsed values are shared, being immutable. A nil d clones to nil.
func (d *Document) Clone() *Document {
	if d == nil {
		return nil
	}
	out := &Document{Kind: d.Kind, Version: d.Version}
	if d.Statements != nil {
		out.Statements = make([]Statement, len(d.Statements))
		for i := range d.Statements {
			out.Statements[i] = d.Statements[i].clone()
		}
	}
	return out
}

func (s *Statement) clone() Statement {
	out := *s
	out.Action = cloneStrings(s.Action)
	out.NotAction = cloneStrings(s.NotAction)
	out.Resource = cloneStrings(s.Resource)
	out.NotResource = cloneStrings(s.NotResource)
	if s.Principal != nil {
		out.Principal = &Principal{
			RAM:       cloneStrings(s.Principal.RAM),
			Service:   cloneStrings(s.Principal.Service),
			Federated: cloneStrings(s.Principal.Federated),
		}
	}
	if s.Condition != nil {
		out.Condition = make([]Condition, len(s.Condition))
		for i, c := range s.Condition {
			c.Values = append([]Value(nil), c.Values...)
			if c.Values == nil && s.Condition[i].Values != nil {
				c.Values = []Value{}
			}
			out.Condition[i] = c
		}
	}
	return out
}

// cloneStrings copies list, keeping nil and empty apart (they differ in a
// Statement: nil means the element is absent).
func cloneStrings(list []string) []string {
	if list == nil {
		return nil
	}
	return append(make([]string, 0, len(list)), list...)
}
