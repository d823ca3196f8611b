package role

// Error is an AssumeRole failure, named by the STS API's error code (spec
// §7.2). Compare with errors.Is against the sentinels below, which match any
// *Error with the same Code; Cause, when set, is the underlying error (a
// *policy.ParseError, a *principal.Error, ...) and is reachable with
// errors.As and errors.Is.
type Error struct {
	Code  string // such as "InvalidParameter.RoleArn"
	Msg   string // details for people
	Cause error  // underlying error, or nil
}

// The error codes of AssumeRole, as sentinels for errors.Is.
var (
	// ErrInvalidRoleArn: RoleArn is not acs:ram::<uid>:role/<name>.
	ErrInvalidRoleArn = &Error{Code: "InvalidParameter.RoleArn"}
	// ErrInvalidRoleSessionName: RoleSessionName is not 2 to 64 characters
	// from letters, digits, '.', '@', '-' and '_'.
	ErrInvalidRoleSessionName = &Error{Code: "InvalidParameter.RoleSessionName"}
	// ErrInvalidDurationSeconds: DurationSeconds is below 900 or above the
	// role's MaxSessionDuration.
	ErrInvalidDurationSeconds = &Error{Code: "InvalidParameter.DurationSeconds"}
	// ErrPolicyGrammar: the session Policy is not a valid session policy.
	ErrPolicyGrammar = &Error{Code: "InvalidParameter.PolicyGrammar"}
	// ErrPolicySize: the session Policy is longer than 2,048 characters.
	ErrPolicySize = &Error{Code: "InvalidParameter.PolicySize"}
	// ErrInvalidExternalID: ExternalId is not 2 to 1,224 characters from
	// letters, digits and _ + = , . @ : / -.
	ErrInvalidExternalID = &Error{Code: "InvalidParameter.ExternalId"}
	// ErrInvalidParameter: another input is missing or malformed (the
	// caller, the current time).
	ErrInvalidParameter = &Error{Code: "InvalidParameter"}
	// ErrNoPermission: the trust policy or the caller's own policies do not
	// allow the caller to assume the role (or one of them denies it
	// explicitly), or the caller is an account root, or the caller's
	// credentials do not resolve.
	ErrNoPermission = &Error{Code: "NoPermission"}
	// ErrRoleNotExist: the role does not exist.
	ErrRoleNotExist = &Error{Code: "EntityNotExist.Role"}
)

// Error formats the error as "Code: message: cause".
func (e *Error) Error() string {
	s := e.Code
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Is reports whether target is an *Error with the same Code, which makes
// the sentinels work with errors.Is.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

func fail(sentinel *Error, msg string, cause error) *Error {
	return &Error{Code: sentinel.Code, Msg: msg, Cause: cause}
}
