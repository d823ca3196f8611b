package directory

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error the directory returns unwraps to one of
// them; test with errors.Is.
var (
	// ErrInvalid: an argument is malformed (a name, an ID of the wrong
	// kind, a document, a duration, a time outside the years 0001–9999, an
	// import document).
	ErrInvalid = errors.New("invalid argument")
	// ErrNotFound: the named account, user, group, role, policy, version or
	// attachment does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists: an entity with that name already exists.
	ErrExists = errors.New("already exists")
	// ErrInUse: a strict delete was refused; Error.Blockers lists every
	// reason.
	ErrInUse = errors.New("in use")
	// ErrLimit: a limit of spec §5 would be exceeded; Error.Limit names it.
	ErrLimit = errors.New("limit exceeded")
	// ErrImmutable: a system policy, or a service-linked role's trust
	// policy or attachments, cannot be changed.
	ErrImmutable = errors.New("cannot be modified")
	// ErrSealed: a sealed secret could not be opened (the key-encryption
	// key does not match the one it was sealed under).
	ErrSealed = errors.New("sealed secret cannot be opened")

	// ErrKeyNotFound: no access key has this AccessKeyId.
	ErrKeyNotFound = errors.New("access key not found")
	// ErrKeyInactive: the access key exists but is KeyInactive.
	ErrKeyInactive = errors.New("access key inactive")

	// ErrTokenMalformed: the SecurityToken is not one this directory
	// issued: bad encoding, truncated, tampered with, or sealed under a
	// token key the directory does not hold (never held, or retired).
	ErrTokenMalformed = errors.New("security token malformed")
	// ErrTokenExpired: the session's expiry has passed.
	ErrTokenExpired = errors.New("security token expired")
	// ErrTokenRevoked: the session's role was deleted (or re-created), or
	// RevokeSessions cut the session off.
	ErrTokenRevoked = errors.New("security token revoked")
	// ErrTokenKeyMismatch: the SecurityToken is valid but was issued with
	// another AccessKeyId than the one presented.
	ErrTokenKeyMismatch = errors.New("security token presented with another AccessKeyId")

	// ErrNoPermission: AssumeRole was refused by the role's trust policy or
	// by the caller's identity policies (see *AssumeRoleError).
	ErrNoPermission = errors.New("no permission")

	// ErrConflict: a directory opened on a store (Open) lost the race for
	// an account to another writer on every retry; nothing changed. The
	// store's *store.ConflictError is the Cause.
	ErrConflict = errors.New("conflicting concurrent change")
	// ErrUnavailable: a directory opened on a store could not commit to
	// or read from it; the store's error (unwrapping to store.ErrUnavailable,
	// store.ErrClosed, ...) is the Cause. The previous revision keeps
	// serving.
	ErrUnavailable = errors.New("store unavailable")
	// ErrOutdated: Import was given an export taken at a revision older
	// than the state it would replace; ImportOptions.Force imports it
	// anyway (revocations still survive).
	ErrOutdated = errors.New("export older than the current state")
	// ErrNotAtomic: on a store (Open), Import was given a document of
	// scope "directory" that would change more than one account, or an
	// account and the token keys: a store commits one account per batch,
	// so the import could be left half done. Nothing changed.
	// ImportOptions.PerAccount imports it anyway, one batch per account.
	ErrNotAtomic = errors.New("import would not be atomic on the store")
	// ErrStale: a directory on a store refuses to decide because it has not
	// confirmed the store's head within Options.MaxStaleness, or because
	// it has not reached the revision AuthorizeAtLeast asked for. Every
	// such refusal comes with ImplicitDeny.
	ErrStale = errors.New("replica is stale")
)

// LimitName names a limit of spec §5 in Error.Limit.
type LimitName string

// The limits the directory enforces.
const (
	LimitUsers           LimitName = "users per account"
	LimitGroups          LimitName = "groups per account"
	LimitRoles           LimitName = "roles per account"
	LimitPolicies        LimitName = "custom policies per account"
	LimitVersions        LimitName = "versions per policy"
	LimitGroupsPerUser   LimitName = "groups per user"
	LimitAccessKeys      LimitName = "access keys per user"
	LimitSystemAttached  LimitName = "system policies per identity"
	LimitCustomAttached  LimitName = "custom policies per identity"
	LimitDescription     LimitName = "description length"
	LimitPolicyDocument  LimitName = "policy document size"
	LimitSessionDuration LimitName = "session duration"
)

// Blocker is one reason a strict delete was refused: what still depends on
// the entity.
type Blocker struct {
	// What is the kind of dependency: "attachment", "membership",
	// "member", "version" or "access key".
	What string
	// Name names it: a policy, group, user, version ID or AccessKeyId, or
	// the ARN of an identity the policy is attached to.
	Name string
}

// Error is the error of a directory operation: which operation (Op), on
// what (Subject: an ARN or a name), what kind of failure (Err, a sentinel),
// which limit for ErrLimit, every blocker for ErrInUse, and an underlying
// Cause (such as a *policy.ParseError) when there is one.
type Error struct {
	Op       string
	Subject  string
	Err      error
	Limit    LimitName
	Blockers []Blocker
	Msg      string
	Cause    error
}

// Error formats the error as "Op Subject: sentinel (limit): message: cause".
func (e *Error) Error() string {
	s := e.Op
	if e.Subject != "" {
		s += " " + e.Subject
	}
	s += ": " + e.Err.Error()
	if e.Limit != "" {
		s += " (" + string(e.Limit) + ")"
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	for i, b := range e.Blockers {
		if i == 0 {
			s += ": "
		} else {
			s += ", "
		}
		s += b.What + " " + b.Name
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

func errf(op, subject string, sentinel error, msg string) *Error {
	return &Error{Op: op, Subject: subject, Err: sentinel, Msg: msg}
}

func limitErr(op, subject string, limit LimitName, max int) *Error {
	return &Error{Op: op, Subject: subject, Err: ErrLimit, Limit: limit,
		Msg: "at most " + strconv.Itoa(max) + " allowed"}
}

// Side says which side of a role assumption refused it (spec §6.3).
type Side uint8

const (
	// SideTrust is the role's trust policy (Decision B).
	SideTrust Side = iota + 1
	// SideIdentity is the caller's identity policies (Decision A), for a
	// session caller including its session policy.
	SideIdentity
)

// String returns "trust policy" or "identity policies".
func (s Side) String() string {
	switch s {
	case SideTrust:
		return "trust policy"
	case SideIdentity:
		return "identity policies"
	}
	return "Side(" + strconv.Itoa(int(s)) + ")"
}

// AssumeRoleError is AssumeRole's refusal: the STS error code (spec §7.2),
// and for NoPermission which side refused and whether explicitly. It
// unwraps to ErrNoPermission, ErrNotFound (EntityNotExist.Role), ErrInvalid
// (InvalidParameter.*) and to the cause, when there is one.
type AssumeRoleError struct {
	// Code is the STS error code, such as "NoPermission" or
	// "InvalidParameter.RoleSessionName".
	Code string
	// Side is the side that refused (NoPermission only; 0 otherwise). When
	// both refuse, an explicit Deny is reported before an implicit one, and
	// the trust policy before the identity policies.
	Side Side
	// Explicit reports whether the refusing side has an explicit Deny.
	Explicit bool
	// Msg gives details for people.
	Msg string
	// Cause is an underlying error (a *policy.ParseError, a caller
	// credential error) or nil.
	Cause error
}

// STS error codes of AssumeRole (spec §7.2).
const (
	CodeNoPermission         = "NoPermission"
	CodeRoleNotExist         = "EntityNotExist.Role"
	CodeInvalidParameter     = "InvalidParameter"
	CodeInvalidRoleArn       = "InvalidParameter.RoleArn"
	CodeInvalidSessionName   = "InvalidParameter.RoleSessionName"
	CodeInvalidDuration      = "InvalidParameter.DurationSeconds"
	CodeInvalidPolicyGrammar = "InvalidParameter.PolicyGrammar"
	CodeInvalidPolicySize    = "InvalidParameter.PolicySize"
	CodeInvalidExternalID    = "InvalidParameter.ExternalId"
)

// Error formats the error as "Code: who refused: message: cause".
func (e *AssumeRoleError) Error() string {
	s := e.Code
	switch {
	case e.Side == SideTrust && e.Explicit:
		s += ": the role's trust policy explicitly denies the call"
	case e.Side == SideTrust:
		s += ": the role's trust policy does not allow the call"
	case e.Side == SideIdentity && e.Explicit:
		s += ": the caller's identity policies explicitly deny sts:AssumeRole on the role"
	case e.Side == SideIdentity:
		s += ": the caller's identity policies do not allow sts:AssumeRole on the role"
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the sentinel for Code and the cause.
func (e *AssumeRoleError) Unwrap() []error {
	var sentinel error
	switch e.Code {
	case CodeNoPermission:
		sentinel = ErrNoPermission
	case CodeRoleNotExist:
		sentinel = ErrNotFound
	default:
		sentinel = ErrInvalid
	}
	if e.Cause != nil {
		return []error{sentinel, e.Cause}
	}
	return []error{sentinel}
}
