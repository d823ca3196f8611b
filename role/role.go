// Package role implements RAM roles in use: AssumeRole with trust-policy
// and identity-policy checks (spec §6.3), role sessions with optional
// session policies (§6.4), and revocation.
//
// The roles themselves live in an account of a *principal.Directory, next
// to the users, groups and custom policies they share attachments, limits
// and export with: create, update (trust policy, MaxSessionDuration), delete
// and attach policies with Directory.CreateRole, UpdateRole, DeleteRole and
// AttachPolicy. This package adds the STS side on top of that directory:
//
//	sts := role.New(dir)
//	out, err := sts.AssumeRole(role.AssumeRoleInput{Caller: daveARN, RoleARN: roleARN,
//		RoleSessionName: "dave"})
//	dec, err := dir.Authorize(out.Credentials.AccessKeyID, req) // or the session ARN
//
// A session is authorized through the same Directory.Authorize call as a
// user: its session policy first (a non-Allow result there is final), then
// the role's currently attached policies. So detaching the role's policies,
// deleting the role or calling RevokeSessions ends existing sessions on the
// next decision, and changing the trust policy or the caller's own policies
// stops new ones.
package role

import (
	"errors"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/principal"
)

// ActionAssumeRole is the action both the trust policy and the caller's
// identity policies must allow on the role's ARN.
const ActionAssumeRole = "sts:AssumeRole"

// KeyExternalID is the condition key that carries AssumeRole's ExternalId
// into the trust policy's conditions.
const KeyExternalID = "sts:ExternalId"

// STS assumes roles of a directory. It holds no state of its own: sessions
// are recorded in the directory. It is safe for concurrent use.
type STS struct {
	dir *principal.Directory
}

// New returns an STS for the roles of dir.
func New(dir *principal.Directory) *STS { return &STS{dir: dir} }

// AssumeRoleInput holds AssumeRole's parameters (spec §7.2) and the input
// the real service knows by itself: who calls. The time comes from the
// directory's clock only (spec §13 D29): a caller cannot date a session.
type AssumeRoleInput struct {
	// Caller is the identity calling AssumeRole, in any form
	// Directory.Authorize accepts (user ARN or AccessKeyId, session ARN or
	// STS AccessKeyId), or a service principal such as "ecs.aliyuncs.com",
	// or a SAML/OIDC provider ARN. Verify its credentials before calling.
	Caller string
	// RoleARN is the role to assume: acs:ram::<uid>:role/<name>.
	RoleARN string
	// RoleSessionName is 2 to 64 characters from letters, digits, '.',
	// '@', '-' and '_'.
	RoleSessionName string
	// DurationSeconds is the session's lifetime: 900 to the role's
	// MaxSessionDuration; 0 means 3,600.
	DurationSeconds int
	// Policy is an optional session policy document (at most 2,048
	// characters, minified). It can only narrow the role's permissions.
	Policy string
	// ExternalID is the optional external ID; trust policies test it as
	// the condition key sts:ExternalId.
	ExternalID string
	// Context is the request context the trust policy's and the caller's
	// conditions see (acs:SourceIp and so on). AssumeRole only reads it
	// (spec §13 D27): it decides on a request-local copy in which
	// sts:ExternalId holds ExternalID alone (absent when ExternalID is
	// empty), whatever the Context says under that key in any spelling, so a
	// caller cannot smuggle an external ID in (D26). acs:PrincipalARN is the
	// resolved caller's, never the Context's. One Context may be shared by
	// concurrent calls. Nil means an empty context.
	Context *evaluator.Context
}

// AssumedRoleUser identifies the session AssumeRole created.
type AssumedRoleUser struct {
	ARN           principal.ID // acs:ram::<uid>:role/<role>/<session>
	AssumedRoleID string       // <roleId>:<session>
}

// Credentials are the session's STS credentials. The secret and the
// security token are shown only here; the directory keeps hashes.
type Credentials struct {
	AccessKeyID     string // "STS." prefix
	AccessKeySecret string
	SecurityToken   string
	Expiration      time.Time // UTC
}

// AssumeRoleOutput is AssumeRole's result.
type AssumeRoleOutput struct {
	AssumedRoleUser AssumedRoleUser
	Credentials     Credentials
}

// maxAttempts bounds the retries when the directory changes between the
// checks and the recording of the session.
const maxAttempts = 8

// AssumeRole lets in.Caller assume in.RoleARN if spec §6.3 allows it and
// returns the new session's identity and credentials.
//
// The inputs are checked first, each failure an *Error with the API's code:
// ErrInvalidRoleArn, ErrInvalidRoleSessionName,
// ErrInvalidDurationSeconds (below 900, or above the role's maximum),
// ErrPolicySize, ErrPolicyGrammar, ErrInvalidExternalID, then
// ErrRoleNotExist. The decision then follows spec §6.3 and D17:
//
//   - the role's trust policy is evaluated with the caller as principal
//     (an account root entry covers that account's RAM users and role
//     sessions; user and role ARNs cover exactly that identity; services
//     and identity providers their own entries) and the context, including
//     sts:ExternalId;
//   - the caller's own policies must allow sts:AssumeRole on the role ARN
//     (for a role session: its session policy and its role's policies, so
//     roles can be chained); this step is skipped for service principals
//     and identity providers;
//   - an explicit Deny on either side refuses; otherwise both must Allow.
//
// An account root cannot assume roles. Every refusal is ErrNoPermission,
// whose message says which side refused. It works the same within one
// account and across accounts.
//
// The checks and the recording of the session happen at one state of the
// directory: if the directory changes in between, AssumeRole checks again.
func (s *STS) AssumeRole(in AssumeRoleInput) (AssumeRoleOutput, error) {
	roleID, duration, err := checkInput(in)
	if err != nil {
		return AssumeRoleOutput{}, err
	}
	roleARN := roleID.String()
	ctx := contextPool.Get().(*evaluator.Context)
	defer func() {
		ctx.Reset()
		contextPool.Put(ctx)
	}()

	for range maxAttempts {
		rt, err := s.dir.RoleTrust(roleID)
		if err != nil {
			if errors.Is(err, principal.ErrNotFound) {
				return AssumeRoleOutput{}, fail(ErrRoleNotExist, roleARN, err)
			}
			return AssumeRoleOutput{}, fail(ErrInvalidParameter, "the role's trust policy cannot be used", err)
		}
		if duration > rt.MaxSessionDuration {
			return AssumeRoleOutput{}, fail(ErrInvalidDurationSeconds,
				"DurationSeconds exceeds the role's MaxSessionDuration", nil)
		}
		caller, err := s.dir.Resolve(in.Caller)
		if err != nil {
			return AssumeRoleOutput{}, fail(ErrNoPermission, "the caller does not resolve", err)
		}
		p, checkIdentity, err := evalPrincipal(caller)
		if err != nil {
			return AssumeRoleOutput{}, err
		}
		deriveContext(ctx, in.Context, in.ExternalID, rt.ConditionKeys)
		trustDec := rt.Trust.Decide(evaluator.Request{Action: ActionAssumeRole, Resource: roleARN, Principal: p,
			PrincipalResolved: true, Context: ctx})
		idDec := evaluator.Allow
		if checkIdentity {
			idDec, err = s.dir.Authorize(in.Caller, evaluator.Request{Action: ActionAssumeRole, Resource: roleARN, Context: ctx})
			if err != nil {
				return AssumeRoleOutput{}, fail(ErrNoPermission, "the caller's policies cannot be evaluated", err)
			}
		}
		switch {
		case trustDec == evaluator.ExplicitDeny:
			return AssumeRoleOutput{}, fail(ErrNoPermission, "the role's trust policy explicitly denies "+caller.String(), nil)
		case idDec == evaluator.ExplicitDeny:
			return AssumeRoleOutput{}, fail(ErrNoPermission, "the caller's policies explicitly deny sts:AssumeRole on "+roleARN, nil)
		case trustDec != evaluator.Allow:
			return AssumeRoleOutput{}, fail(ErrNoPermission, "the role's trust policy does not allow "+caller.String(), nil)
		case idDec != evaluator.Allow:
			return AssumeRoleOutput{}, fail(ErrNoPermission, "the caller's policies do not allow sts:AssumeRole on "+roleARN, nil)
		}
		cred, err := s.dir.CreateSession(principal.SessionSpec{Role: roleID, Name: in.RoleSessionName, Caller: caller,
			Policy: in.Policy, Duration: duration}, rt.Generation)
		switch {
		case err == nil:
			return AssumeRoleOutput{
				AssumedRoleUser: AssumedRoleUser{ARN: cred.ARN, AssumedRoleID: cred.AssumedRoleID},
				Credentials: Credentials{AccessKeyID: cred.AccessKeyID, AccessKeySecret: cred.AccessKeySecret,
					SecurityToken: cred.SecurityToken, Expiration: cred.Expiration},
			}, nil
		case errors.Is(err, principal.ErrStale):
			continue // the directory changed under the checks: check again
		case errors.Is(err, principal.ErrNotFound):
			return AssumeRoleOutput{}, fail(ErrRoleNotExist, roleARN, err)
		default:
			return AssumeRoleOutput{}, fail(ErrInvalidParameter, "", err)
		}
	}
	return AssumeRoleOutput{}, fail(ErrNoPermission, "the directory kept changing; try again", principal.ErrStale)
}

// checkInput checks AssumeRole's parameters in the order of the API's error
// codes and returns the role and the session duration in seconds.
func checkInput(in AssumeRoleInput) (principal.ID, int, error) {
	roleID, err := principal.Parse(in.RoleARN)
	if err != nil || roleID.Kind() != principal.KindRole {
		return principal.ID{}, 0, fail(ErrInvalidRoleArn, "RoleArn must be acs:ram::<uid>:role/<name>", err)
	}
	if err := principal.CheckSessionName(in.RoleSessionName); err != nil {
		return principal.ID{}, 0, fail(ErrInvalidRoleSessionName, "", err)
	}
	duration := in.DurationSeconds
	if duration == 0 {
		duration = principal.DefaultSessionDuration
	}
	if duration < principal.MinSessionDuration {
		return principal.ID{}, 0, fail(ErrInvalidDurationSeconds, "DurationSeconds must be at least 900", nil)
	}
	if in.Policy != "" {
		if _, err := policy.Parse([]byte(in.Policy), policy.WithKind(policy.Session)); err != nil {
			if errors.Is(err, policy.ErrLimit) {
				return principal.ID{}, 0, fail(ErrPolicySize, "the session policy exceeds 2048 characters", err)
			}
			return principal.ID{}, 0, fail(ErrPolicyGrammar, "", err)
		}
	}
	if in.ExternalID != "" && !validExternalID(in.ExternalID) {
		return principal.ID{}, 0, fail(ErrInvalidExternalID,
			"ExternalId must be 2 to 1224 characters from letters, digits and _+=,.@:/-", nil)
	}
	return roleID, duration, nil
}

// contextPool holds request-local contexts, so that deriving one from the
// caller's context reuses memory instead of allocating per call.
var contextPool = sync.Pool{New: func() any { return new(evaluator.Context) }}

// deriveContext makes ctx the request-local context of one AssumeRole
// check: a copy of base (which is only read), in which sts:ExternalId holds
// externalID alone, or is absent when externalID is empty (spec §13 D26).
// Every spelling of the key among the trust policy's condition keys is set
// the same way, so a caller's value under another spelling is never what
// the policy reads.
func deriveContext(ctx, base *evaluator.Context, externalID string, trustKeys []string) {
	ctx.CopyFrom(base)
	set := func(key string) {
		ctx.Delete(key)
		if externalID != "" {
			ctx.Set(key, externalID)
		}
	}
	set(KeyExternalID)
	for _, k := range trustKeys {
		if k != KeyExternalID && strings.EqualFold(k, KeyExternalID) {
			set(k)
		}
	}
}

// evalPrincipal maps a resolved caller to the principal trust policies see,
// and reports whether the caller's own identity policies must also allow.
func evalPrincipal(id principal.ID) (evaluator.Principal, bool, error) {
	switch id.Kind() {
	case principal.KindUser:
		return evaluator.Principal{Type: evaluator.PrincipalUser, AccountID: id.Account(), ARN: id.String()}, true, nil
	case principal.KindSession:
		// A session acts as its role: trust policies name the role ARN.
		return evaluator.Principal{Type: evaluator.PrincipalRole, AccountID: id.Account(), ARN: id.Role().String()}, true, nil
	case principal.KindService:
		return evaluator.Principal{Type: evaluator.PrincipalService, ARN: id.String()}, false, nil
	case principal.KindSAMLProvider, principal.KindOIDCProvider:
		return evaluator.Principal{Type: evaluator.PrincipalFederated, AccountID: id.Account(), ARN: id.String()}, false, nil
	case principal.KindAccount:
		return evaluator.Principal{}, false, fail(ErrNoPermission, "an account root cannot assume roles; use a RAM user or role", nil)
	}
	return evaluator.Principal{}, false, fail(ErrNoPermission, "a "+id.Kind().String()+" cannot call AssumeRole", nil)
}

// validExternalID checks AssumeRole's ExternalId: 2 to 1,224 characters
// matching [\w+=,.@:\/-].
func validExternalID(s string) bool {
	if n := utf8.RuneCountInString(s); n < 2 || n > 1224 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '_' || c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == ':' || c == '/' || c == '-':
		default:
			return false
		}
	}
	return true
}

// RevokeSessions ends every session of the role roleARN issued before
// issuedBefore, from the next decision on (see Directory.RevokeSessions).
// Errors: ErrInvalidRoleArn, ErrRoleNotExist, ErrInvalidParameter (a
// cut-off outside the years 0001 to 9999, spec §13 D28; the cause unwraps
// to principal.ErrInvalid).
func (s *STS) RevokeSessions(roleARN string, issuedBefore time.Time) error {
	id, err := principal.Parse(roleARN)
	if err != nil || id.Kind() != principal.KindRole {
		return fail(ErrInvalidRoleArn, "RoleArn must be acs:ram::<uid>:role/<name>", err)
	}
	if err := s.dir.RevokeSessions(id, issuedBefore); err != nil {
		if errors.Is(err, principal.ErrNotFound) {
			return fail(ErrRoleNotExist, roleARN, err)
		}
		return fail(ErrInvalidParameter, "", err)
	}
	return nil
}
