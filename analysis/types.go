package analysis

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

// Sentinel errors carried by Unknown results. Test them with errors.Is.
var (
	// ErrBudget: a deterministic budget (Limits) ran out; the error is a
	// *BudgetError.
	ErrBudget = errors.New("analysis: budget exhausted")
	// ErrUnsupported: the question uses a construct the analysis does not
	// decide yet; the error is a *MixedKeyTypeError or an
	// *UnsupportedError.
	ErrUnsupported = errors.New("analysis: construct not supported")
	// ErrInternal: a witness was not confirmed by evaluator.Decide, or the
	// automata and the matcher disagreed. This is a bug in the analysis;
	// the answer fails closed to Unknown. The error is an *InternalError.
	ErrInternal = errors.New("analysis: internal error")
)

// BudgetError reports which budget ran out and where.
type BudgetError struct {
	// Budget is "states" (automaton states and atom combinations) or
	// "decisions" (search decisions).
	Budget string
	// Limit is the budget that was spent.
	Limit int
	// Variable is the request variable being explored ("action",
	// "resource", "principal" or a condition key), empty during the search.
	Variable string
	// Statement is the statement concerned: the one with the most complex
	// pattern of Variable, or the statement whose box was being searched.
	Statement StatementRef
}

func (e *BudgetError) Error() string {
	var b strings.Builder
	b.WriteString("analysis: ")
	b.WriteString(e.Budget)
	b.WriteString(" budget of ")
	b.WriteString(strconv.Itoa(e.Limit))
	b.WriteString(" exhausted")
	if e.Variable != "" {
		b.WriteString(" exploring ")
		b.WriteString(e.Variable)
	}
	if e.Statement.Valid() {
		b.WriteString(" at ")
		b.WriteString(e.Statement.String())
	}
	return b.String()
}

// Unwrap returns ErrBudget.
func (e *BudgetError) Unwrap() error { return ErrBudget }

// MixedKeyTypeError reports a condition key compared with operators of two
// or more families (StringEquals and NumericLessThan on one key, say). Such
// keys are not analysed in this version.
type MixedKeyTypeError struct {
	Key      string
	Families []policy.Family
}

func (e *MixedKeyTypeError) Error() string {
	fs := make([]string, len(e.Families))
	for i, f := range e.Families {
		fs[i] = f.String()
	}
	return "analysis: condition key " + strconv.Quote(e.Key) + " is compared as " + strings.Join(fs, " and ") + "; keys of mixed type are not analysed"
}

// Unwrap returns ErrUnsupported.
func (e *MixedKeyTypeError) Unwrap() error { return ErrUnsupported }

// UnsupportedError reports another construct the analysis does not decide.
type UnsupportedError struct{ Msg string }

func (e *UnsupportedError) Error() string { return "analysis: not supported: " + e.Msg }

// Unwrap returns ErrUnsupported.
func (e *UnsupportedError) Unwrap() error { return ErrUnsupported }

// InternalError reports a disagreement between the analysis and the
// evaluator (a bug). Witness is the request concerned, if any.
type InternalError struct {
	Msg     string
	Witness evaluator.Request
}

func (e *InternalError) Error() string { return "analysis: internal error: " + e.Msg }

// Unwrap returns ErrInternal.
func (e *InternalError) Unwrap() error { return ErrInternal }

// Universe narrows which requests a question ranges over. The zero value
// means every request Decide accepts: any action and resource string, any
// principal, and every condition key absent, single-valued or multi-valued
// with any values.
//
// Narrowing makes answers more precise (a Fails can no longer name an
// action that does not exist) but only as true as the Universe itself.
type Universe struct {
	// Actions, when non-empty, is the action catalogue: requests name one
	// of these actions (compared as Decide compares actions, without
	// regard to ASCII case). Witnesses are then real action names.
	Actions []string
	// ARNShape restricts resources to strings of the ARN shape
	// acs:<service>:<region>:<account>:<relative> with a non-empty service
	// (spec §3.1); the other fields may be empty, as in acs:ram::<uid>:root.
	ARNShape bool
	// Keys describes condition keys, by name (matched as the evaluator's
	// Context matches key names). Keys not listed are unconstrained.
	Keys map[string]KeySpec
	// Now, when non-zero, fixes acs:CurrentTime to this instant (unless
	// Keys pins that key itself).
	Now time.Time
}

// KeySpec describes one condition key of a Universe.
type KeySpec struct {
	// SingleValued: requests carry at most one value for the key. By
	// default a key may carry a list (spec §4.8), which can allow requests
	// no single value would.
	SingleValued bool
	// Fixed pins the key: every request carries exactly Values (an empty
	// Values means the key is always absent).
	Fixed  bool
	Values []string
}

// Limits are the deterministic budgets of one question. Zero fields take
// the defaults.
type Limits struct {
	// States bounds automaton states explored plus atom combinations
	// formed, summed over all variables (default 1<<20).
	States int
	// Decisions bounds box-splitting decisions of the search (default
	// 1<<16).
	Decisions int
}

// Default budgets.
const (
	DefaultStates    = 1 << 20
	DefaultDecisions = 1 << 16
)

func (l Limits) withDefaults() Limits {
	if l.States <= 0 {
		l.States = DefaultStates
	}
	if l.Decisions <= 0 {
		l.Decisions = DefaultDecisions
	}
	return l
}

// Verdict is the answer to a question.
//
// The zero value is VerdictUnknown, the safe one.
type Verdict uint8

const (
	// VerdictUnknown: not decided; Result.Err says why.
	VerdictUnknown Verdict = iota
	// VerdictHolds: the property is proved over the Universe.
	VerdictHolds
	// VerdictFails: the property is refuted; Result.Reasons hold confirmed
	// witnesses.
	VerdictFails
)

// String returns "Unknown", "Holds" or "Fails".
func (v Verdict) String() string {
	switch v {
	case VerdictUnknown:
		return "Unknown"
	case VerdictHolds:
		return "Holds"
	case VerdictFails:
		return "Fails"
	}
	return "Verdict(" + strconv.Itoa(int(v)) + ")"
}

// StatementRef names one statement of a Set.
type StatementRef struct {
	// Layer is the index of the statement's layer in the Set (0 for a Set
	// compiled from identity policies only).
	Layer int
	// Policy is the ID of the policy, as given to Compile, and PolicyIndex
	// its position in the layer.
	Policy      string
	PolicyIndex int
	// Index is the statement's position in its document (from 0); -1 when
	// no statement is responsible (an implicit deny).
	Index int
	// Sid is the statement's Sid, "" when it has none.
	Sid string
	// Effect is the statement's effect.
	Effect policy.Effect
}

// Valid reports whether r names a statement.
func (r StatementRef) Valid() bool { return r.Index >= 0 && r.Effect != 0 }

// Path returns the JSON path of the statement in its document, such as
// "Statement[3]", or "" when r names no statement.
func (r StatementRef) Path() string {
	if !r.Valid() {
		return ""
	}
	return "Statement[" + strconv.Itoa(r.Index) + "]"
}

// String formats r as `policy "ID" Statement[N] (Sid "S")`.
func (r StatementRef) String() string {
	if !r.Valid() {
		return "no statement"
	}
	s := "policy " + strconv.Quote(r.Policy) + " " + r.Path()
	if r.Sid != "" {
		s += " (Sid " + strconv.Quote(r.Sid) + ")"
	}
	return s
}

// KeyValues is one condition key of a witness request and its values.
type KeyValues struct {
	Key    string
	Values []string
}

// Reason is one refutation: a statement responsible and a witness request.
type Reason struct {
	// Statement is the statement responsible: for NoNewAccess and
	// AccessNotGranted the Allow statement of the left-hand set that grants
	// the witness; for AlwaysAllows the Deny statement that refuses it, or
	// no statement (Index -1) when nothing allows it.
	Statement StatementRef
	// Witness is a request Decide has confirmed: Left is its decision by
	// the left-hand set and Right by the right-hand set (ImplicitDeny when
	// the question has no right-hand set).
	Witness evaluator.Request
	// Context lists the witness's condition keys in a stable order (the
	// same data as Witness.Context, for printing).
	Context []KeyValues
	Left    evaluator.Decision
	Right   evaluator.Decision
	// DeniedBy is, when Right is ExplicitDeny, the first Deny statement of
	// the right-hand set that applies to the witness; otherwise Index is
	// -1.
	DeniedBy StatementRef
}

// VariableStats reports the atoms found for one request variable.
type VariableStats struct {
	Variable string
	Atoms    int
}

// Stats describes the work of one question. Identical inputs give
// identical Stats.
type Stats struct {
	States    int
	Decisions int
	Variables []VariableStats
}

// Result is the answer to one question.
type Result struct {
	Verdict Verdict
	// Reasons holds one Reason per responsible statement when Verdict is
	// VerdictFails, in statement order.
	Reasons []Reason
	// Err says why the Verdict is VerdictUnknown: it wraps ErrBudget,
	// ErrUnsupported, ErrInternal, or is the context's error.
	Err   error
	Stats Stats
}

// Relation is the outcome of Compare.
//
// The zero value is RelationUnknown.
type Relation uint8

const (
	// RelationUnknown: at least one direction was not decided.
	RelationUnknown Relation = iota
	// RelationEquivalent: both sets allow exactly the same requests.
	RelationEquivalent
	// RelationLessPermissive: a allows a strict subset of what b allows.
	RelationLessPermissive
	// RelationMorePermissive: a allows a strict superset of what b allows.
	RelationMorePermissive
	// RelationIncomparable: each allows something the other does not.
	RelationIncomparable
)

// String returns "Unknown", "Equivalent", "LessPermissive",
// "MorePermissive" or "Incomparable".
func (r Relation) String() string {
	switch r {
	case RelationUnknown:
		return "Unknown"
	case RelationEquivalent:
		return "Equivalent"
	case RelationLessPermissive:
		return "LessPermissive"
	case RelationMorePermissive:
		return "MorePermissive"
	case RelationIncomparable:
		return "Incomparable"
	}
	return "Relation(" + strconv.Itoa(int(r)) + ")"
}
