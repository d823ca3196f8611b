// Package lint checks RAM policy documents for mistakes that the parser
// accepts: conditions that never fire, grants wider than they look, values
// that mean something other than what they seem to say, and statements that
// can never take effect. It runs offline, in CI, before a policy is applied.
//
// Check parses a document with the strict parser of package policy and
// returns findings, each with a stable code, a severity, a message, the JSON
// path of the element it is about and that element's line:column span in the
// input. A document the parser rejects yields exactly one finding of severity
// Error whose code names the parser's error class (PARSE_SYNTAX,
// PARSE_INVALID_VALUE, ...), so a linter run is also a validation run.
//
// The severities follow the four classes that Alibaba Cloud's console and
// AWS IAM Access Analyzer use for policy validation: Error (the document is
// rejected, or a part of it can never work), SecurityWarning (the document
// grants more than it appears to), Warning (a likely mistake) and Suggestion
// (a simpler or clearer way to write the same thing). docs/lint.md has a bad
// and a good example for every code.
//
// Findings are sorted by position, then code, and are deterministic: the same
// input and options always give the same findings. Check never panics and is
// safe for concurrent use.
package lint

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

// Severity is the class of a finding. Lower values are more serious.
//
// The zero value is not a valid severity.
type Severity uint8

// The four severities, most serious first.
const (
	// Error: the document is rejected by RAM, or a part of it can never
	// take effect as written.
	Error Severity = iota + 1
	// SecurityWarning: the document grants more access than it appears to.
	SecurityWarning
	// Warning: a likely mistake that changes what the policy means.
	Warning
	// Suggestion: the same meaning can be written more simply or clearly.
	Suggestion
)

// String returns "ERROR", "SECURITY_WARNING", "WARNING" or "SUGGESTION",
// the names Alibaba Cloud and IAM Access Analyzer use for these classes.
func (s Severity) String() string {
	switch s {
	case Error:
		return "ERROR"
	case SecurityWarning:
		return "SECURITY_WARNING"
	case Warning:
		return "WARNING"
	case Suggestion:
		return "SUGGESTION"
	}
	return "Severity(" + strconv.Itoa(int(s)) + ")"
}

// ParseSeverity parses the names returned by Severity.String, and also
// accepts them in lower case with '-' for '_' ("security-warning"), the
// spelling the CLI's flags use. It reports false for anything else.
func ParseSeverity(s string) (Severity, bool) {
	for sev := Error; sev <= Suggestion; sev++ {
		name := sev.String()
		if s == name || s == lowerDash(name) {
			return sev, true
		}
	}
	return 0, false
}

func lowerDash(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		case c == '_':
			b[i] = '-'
		}
	}
	return string(b)
}

// Pos is a position in the input: Offset is the 0-based byte offset, Line
// and Column are 1-based, and Column counts bytes from the start of the line
// (as the parser's errors do).
type Pos struct {
	Line, Column, Offset int
}

// Span is the extent of one JSON element in the input: Start is its first
// byte and End the position just after its last byte.
type Span struct {
	Start, End Pos
}

// Location says which element of the document a finding is about.
type Location struct {
	// Path is the element's JSON path in the parser's notation, for example
	// Statement[1].Condition.StringEquals."acs:SourceVpc"[0]. It is "" for
	// the document as a whole.
	Path string
	// Span is the element's extent in the input. For a finding about a
	// whole document that did not parse, Start is where the parser stopped
	// and End equals Start.
	Span Span
}

// Finding is one problem found in a document.
type Finding struct {
	// Code identifies the check; it is stable across releases. See Codes
	// and docs/lint.md.
	Code Code
	// Severity is the code's class (see Codes), except where a code's
	// documentation says that the effect of the statement changes it.
	Severity Severity
	// Message says what is wrong and what to write instead, in one or two
	// sentences.
	Message string
	// Location is the element the finding is about.
	Location Location
	// Witness, when not nil, is a request that shows the finding: for
	// example, a request a grant allows although the author probably did
	// not mean it to. Every witness has been decided by evaluator.Decide
	// against the document and behaves as the message says.
	Witness *evaluator.Request
}

// Options configure Check. The zero value lints an identity policy with
// every check on, no action catalogue, and no notion of the current time.
type Options struct {
	// Kind is the kind of document (policy.Identity, policy.Trust or
	// policy.Session). It selects the parser's rules and the checks that
	// apply: the trust checks run only on trust policies.
	Kind policy.Kind
	// Account is the 16-digit ID of the account the policy belongs to. The
	// trust checks use it to tell the account's own principals from
	// external ones; when it is empty every named account is external.
	Account string
	// Actions is an action catalogue ("service:Action" names, any case).
	// With one, action names and patterns are checked against it
	// (UNKNOWN_ACTION, PATTERN_MATCHES_NOTHING). Without one, those checks
	// do not run.
	Actions []string
	// Now, when not zero, is the current time: date conditions on
	// acs:CurrentTime that can no longer hold are reported
	// (DATE_CONDITION_EXPIRED).
	Now time.Time
	// Sensitive lists action patterns that should require MFA
	// (MISSING_MFA_FOR_SENSITIVE_ACTION). Nil means DefaultSensitive; an
	// empty non-nil list turns that check off.
	Sensitive []string
	// Disable lists codes not to report.
	Disable []Code
}

// DefaultSensitive is the list of sensitive action patterns used when
// Options.Sensitive is nil: every RAM action, every delete, and the KMS key
// management actions that destroy or disable keys.
var DefaultSensitive = []string{"ram:*", "*:Delete*", "kms:ScheduleKeyDeletion", "kms:DisableKey"}

// Check lints one JSON policy document and returns its findings, sorted by
// position (start offset), then by severity, then by code, then by message.
// A document the parser rejects yields one finding for the parser's error.
func Check(data []byte, opts Options) []Finding {
	doc, err := policy.Parse(data, policy.WithKind(opts.Kind))
	if err != nil {
		return filter([]Finding{parseFinding(data, err)}, opts.Disable)
	}
	c := newChecker(data, doc, opts)
	c.run()
	return filter(sorted(c.findings), opts.Disable)
}

func filter(fs []Finding, disable []Code) []Finding {
	if len(disable) == 0 {
		return fs
	}
	return slices.DeleteFunc(fs, func(f Finding) bool { return slices.Contains(disable, f.Code) })
}

func sorted(fs []Finding) []Finding {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Location.Span.Start.Offset, b.Location.Span.Start.Offset),
			cmp.Compare(a.Severity, b.Severity),
			cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Location.Path, b.Location.Path),
			cmp.Compare(a.Message, b.Message),
		)
	})
	return slices.CompactFunc(fs, func(a, b Finding) bool {
		return a.Code == b.Code && a.Location == b.Location && a.Message == b.Message
	})
}
