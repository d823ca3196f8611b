package principal

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error returned by this package unwraps to one of
// them, so callers can test the kind of failure with errors.Is.
var (
	// ErrInvalid: an argument is malformed (a bad name, identifier,
	// document, option or import file).
	ErrInvalid = errors.New("invalid argument")
	// ErrNotFound: the named account, user, group, role, session, access
	// key, policy, version or attachment does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists: an entity with that name already exists.
	ErrExists = errors.New("already exists")
	// ErrInUse: a delete was refused because something still depends on
	// the entity: attachments, members or memberships (strict deletes), or
	// it is the default version of its policy.
	ErrInUse = errors.New("in use")
	// ErrLimit: a limit of spec §5 would be exceeded. The *Error carries the
	// name of the limit in its Limit field.
	ErrLimit = errors.New("limit exceeded")
	// ErrImmutable: the entity cannot be changed: a system policy, or a
	// service-linked role's trust policy and attachments.
	ErrImmutable = errors.New("cannot be modified")
	// ErrInactive: an access key exists but is Inactive.
	ErrInactive = errors.New("access key inactive")
	// ErrExpired: a role session has expired or was revoked.
	ErrExpired = errors.New("session expired or revoked")
	// ErrStale: CreateSession was given a generation that is no longer
	// current; repeat the checks and try again.
	ErrStale = errors.New("directory changed")
	// ErrCredentials: a secret or security token does not match.
	ErrCredentials = errors.New("credentials do not match")
)

// The names of the limits reported in Error.Limit.
const (
	LimitUsers           = "users per account"
	LimitGroups          = "groups per account"
	LimitRoles           = "roles per account"
	LimitPolicies        = "custom policies per account"
	LimitVersions        = "versions per policy"
	LimitGroupsPerUser   = "groups per user"
	LimitAccessKeys      = "access keys per user"
	LimitSystemAttached  = "system policies per identity"
	LimitCustomAttached  = "custom policies per identity"
	LimitDescription     = "description length"
	LimitPolicyDocument  = "policy document size"
	LimitSessionDuration = "session duration"
)

// Error is the error returned by the directory's operations. It says which
// operation failed (Op), on what (Subject, usually an ARN or name), what kind
// of failure it is (Err, one of the sentinels), and, for ErrLimit, which limit
// (Limit). Cause holds an underlying error when there is one, such as the
// *policy.ParseError of a rejected document; errors.As reaches it.
type Error struct {
	Op      string // the operation, such as "CreateUser"
	Subject string // the entity concerned, such as "acs:ram::1234567890123456:user/alice"
	Err     error  // a sentinel of this package
	Limit   string // for ErrLimit: which limit (one of the Limit constants)
	Msg     string // details for people
	Cause   error  // an underlying error, or nil
}

// Error formats the error as "Op Subject: sentinel: message: cause".
func (e *Error) Error() string {
	s := e.Op
	if e.Subject != "" {
		if s != "" {
			s += " "
		}
		s += e.Subject
	}
	if s != "" {
		s += ": "
	}
	if e.Err != nil {
		s += e.Err.Error()
	}
	if e.Limit != "" {
		s += " (" + e.Limit + ")"
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the sentinel and, when present, the cause.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}

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

func errf(op, subject string, sentinel error, msg string) *Error {
	return &Error{Op: op, Subject: subject, Err: sentinel, Msg: msg}
}

func limitErr(op, subject, limit string, max int) *Error {
	return &Error{Op: op, Subject: subject, Err: ErrLimit, Limit: limit,
		Msg: "at most " + itoa(max) + " allowed"}
}

func itoa(i int) string { return strconv.Itoa(i) }

func quote(s string) string {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return strconv.Quote(s)
}
