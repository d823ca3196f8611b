package directory

import (
	"errors"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/principal"
)

// ActionAssumeRole is the action the trust policy and the caller's identity
// policies must both allow on the role's ARN (spec §6.3).
const ActionAssumeRole = "sts:AssumeRole"

// Condition keys the directory derives itself (spec D26): a caller's value
// of either, in any spelling, is discarded.
const (
	KeyExternalID   = "sts:ExternalId"
	KeyPrincipalARN = "acs:PrincipalARN"
)

// SessionCredentials are a role session's credentials as a caller presents
// them.
type SessionCredentials struct {
	AccessKeyID   string
	SecurityToken string
}

// AssumeRoleInput holds AssumeRole's parameters (spec §7.2) and the caller.
// AssumeRole reads it and never writes it, nor Context.
type AssumeRoleInput struct {
	// Caller is the authenticated caller: a RAM user, a service principal
	// such as ecs.aliyuncs.com, or a SAML/OIDC provider. Leave it zero when
	// the caller is a role session (role chaining) and set CallerSession.
	Caller principal.ID
	// CallerSession holds the credentials of a calling role session.
	CallerSession SessionCredentials
	// Role is the role to assume (acs:ram::<uid>:role/<name>).
	Role principal.ID
	// SessionName: 2 to 64 characters from letters, digits, '.', '@', '-'
	// and '_'.
	SessionName string
	// DurationSeconds: 900 to the role's MaxSessionDuration; 0 means 3,600.
	DurationSeconds int
	// Policy is an optional session policy (at most 2,048 characters,
	// minified); it can only narrow the role's permissions.
	Policy string
	// ExternalID is the optional external ID (2 to 1,224 characters from
	// letters, digits and _+=,.@:/-); the trust policy sees it as
	// sts:ExternalId.
	ExternalID string
	// Context is the request context both policies' conditions see (nil:
	// empty). AssumeRole decides on a copy in which sts:ExternalId is the
	// directory's (from ExternalID); acs:PrincipalARN is the caller's ARN
	// (a session caller's role ARN) whatever Context says (spec D26).
	Context *evaluator.Context
}

// Credentials are a new session's STS credentials, shown once. Secrets
// print as "[REDACTED]"; use Reveal.
type Credentials struct {
	AccessKeyID     string // "STS." and 24 letters and digits
	AccessKeySecret Secret
	SecurityToken   Secret
	Expiration      time.Time // UTC
}

// AssumeRoleOutput is AssumeRole's result.
type AssumeRoleOutput struct {
	Session       principal.ID // acs:ram::<uid>:role/<role>/<session>
	AssumedRoleID string       // <RoleId>:<session>
	Credentials   Credentials
	// Revision is the revision the call was decided at. AssumeRole writes
	// nothing: the session lives only in its SecurityToken.
	Revision Revision
}

// AssumeRole lets the caller assume in.Role when spec §6.3 allows it, all
// decided on one revision: the role's trust policy must allow
// sts:AssumeRole for the caller (Decision B) and, for a user or a session
// caller, the caller's identity policies must allow sts:AssumeRole on the
// role's ARN (Decision A; skipped for service and federated callers). An
// explicit Deny on either side refuses. The account boundary (D24) is
// crossed only with the trust policy's consent, which this is. An account
// root cannot assume roles.
//
// The session is stamped by the directory's clock (D29) and lives only in
// the returned SecurityToken, sealed with AES-256-GCM under the current
// token key; AssumeRole commits nothing.
//
// Errors are *AssumeRoleError values with the STS error code:
// InvalidParameter.RoleArn, .RoleSessionName, .DurationSeconds,
// .PolicyGrammar, .PolicySize, .ExternalId and InvalidParameter (a caller
// of no usable kind, the clock outside 0001–9999) unwrap to ErrInvalid;
// EntityNotExist.Role to ErrNotFound; NoPermission to ErrNoPermission,
// with Side and Explicit saying who refused (Side 0 when the caller does
// not resolve; Cause then says why). The input's own rules are checked
// first; DurationSeconds against the role's MaxSessionDuration only after
// both sides allowed, so a caller that is refused gets NoPermission
// whatever the duration and cannot probe the role's maximum.
func (d *Directory) AssumeRole(in AssumeRoleInput) (AssumeRoleOutput, error) {
	fail := func(code, msg string, cause error) (AssumeRoleOutput, error) {
		return AssumeRoleOutput{}, &AssumeRoleError{Code: code, Msg: msg, Cause: cause}
	}
	c, err := d.prepareAssume(in)
	if err != nil {
		return AssumeRoleOutput{}, err
	}
	s, a, r := c.s, c.a, c.r
	tev, err := r.trust.evaluator()
	if err != nil {
		return fail(CodeNoPermission, "the role's trust policy does not compile", err)
	}
	trust := tev.Decide(c.req)
	idDec := evaluator.Allow
	if c.identity != nil {
		if idDec, err = c.identity(c.req); err != nil {
			return fail(CodeNoPermission, "the caller's policies do not compile", err)
		}
	}
	refuse := func(side Side, explicit bool) (AssumeRoleOutput, error) {
		return AssumeRoleOutput{}, &AssumeRoleError{Code: CodeNoPermission, Side: side, Explicit: explicit,
			Msg: "caller " + c.callerID + ", role " + r.arn}
	}
	switch {
	case trust == evaluator.ExplicitDeny:
		return refuse(SideTrust, true)
	case idDec == evaluator.ExplicitDeny:
		return refuse(SideIdentity, true)
	case trust != evaluator.Allow:
		return refuse(SideTrust, false)
	case idDec != evaluator.Allow:
		return refuse(SideIdentity, false)
	}
	expires, err := c.checkDuration()
	if err != nil {
		return AssumeRoleOutput{}, err
	}

	kid, err := randomString("STS.", 24)
	if err != nil {
		return fail(CodeInvalidParameter, "random source failed", err)
	}
	secret, err := randomString("", 32)
	if err != nil {
		return fail(CodeInvalidParameter, "random source failed", err)
	}
	cl := &claims{accessKeyID: kid, account: a.uid, roleName: r.id.Name(), roleID: r.roleID, sessionName: in.SessionName,
		caller: c.callerID, issued: c.now, expires: expires, policy: in.Policy, secret: secret}
	token, err := sealToken(s.tokenKeys[0], cl)
	if err != nil {
		return fail(CodeInvalidParameter, "random source failed", err)
	}
	sid, _ := principal.SessionID(a.uid, r.id.Name(), in.SessionName)
	return AssumeRoleOutput{Session: sid, AssumedRoleID: r.roleID + ":" + in.SessionName, Revision: s.rev,
		Credentials: Credentials{AccessKeyID: kid, AccessKeySecret: Secret{secret}, SecurityToken: Secret{token}, Expiration: expires}}, nil
}

// checkDuration checks the requested duration against the role's
// MaxSessionDuration and returns the session's expiry. It runs only after
// both sides allowed: an untrusted (or unentitled) caller gets its
// NoPermission whatever the duration, and cannot probe the role's maximum.
// Errors: InvalidParameter.DurationSeconds (what STS answers a caller it
// trusts for a duration above the maximum), InvalidParameter (the expiry
// falls outside the years 0001-9999).
func (c *assumeCall) checkDuration() (time.Time, error) {
	if c.duration > c.r.maxSession {
		return time.Time{}, &AssumeRoleError{Code: CodeInvalidDuration,
			Msg: "DurationSeconds exceeds the role's MaxSessionDuration (" + strconv.Itoa(c.r.maxSession) + " seconds)"}
	}
	expires := c.now.Add(time.Duration(c.duration) * time.Second)
	if !inRange(expires) {
		return time.Time{}, &AssumeRoleError{Code: CodeInvalidParameter, Msg: "the directory's clock is outside the years 0001-9999"}
	}
	return expires, nil
}

// assumeCall is one AssumeRole decision being made, on snapshot s.
type assumeCall struct {
	s               *state
	a               *account
	r               *role
	now             time.Time
	duration        int // seconds, at least MinSessionDuration; not yet checked against the role's maximum
	callerID        string
	req             evaluator.Request
	identity        func(evaluator.Request) (evaluator.Decision, error)    // nil: not consulted
	explainIdentity func(evaluator.Request) (evaluator.Explanation, error) // nil: not consulted
}

// prepareAssume checks in and resolves the role and the caller on the
// current snapshot. Errors: as AssumeRole, except the refusals.
func (d *Directory) prepareAssume(in AssumeRoleInput) (*assumeCall, error) {
	fail := func(code, msg string, cause error) (*assumeCall, error) {
		return nil, &AssumeRoleError{Code: code, Msg: msg, Cause: cause}
	}
	if in.Role.Kind() != principal.KindRole {
		return fail(CodeInvalidRoleArn, "the role must be acs:ram::<uid>:role/<name>", nil)
	}
	if err := principal.CheckSessionName(in.SessionName); err != nil {
		return fail(CodeInvalidSessionName, "", err)
	}
	duration := in.DurationSeconds
	if duration == 0 {
		duration = DefaultSessionDuration
	}
	if duration < MinSessionDuration {
		return fail(CodeInvalidDuration, "DurationSeconds must be at least 900", nil)
	}
	if in.Policy != "" {
		if _, err := policy.Parse([]byte(in.Policy), policy.WithKind(policy.Session)); err != nil {
			if errors.Is(err, policy.ErrLimit) {
				return fail(CodeInvalidPolicySize, "the session policy exceeds 2,048 characters", err)
			}
			return fail(CodeInvalidPolicyGrammar, "", err)
		}
	}
	if in.ExternalID != "" && !validExternalID(in.ExternalID) {
		return fail(CodeInvalidExternalID, "ExternalId must be 2 to 1,224 characters from letters, digits and _+=,.@:/-", nil)
	}

	s := d.cur.Load()
	if s.stale != nil {
		return nil, s.stale
	}
	now := d.now()
	a := s.account(in.Role.Account())
	var r *role
	if a != nil {
		r = a.role(in.Role.Name())
	}
	if r == nil {
		return fail(CodeRoleNotExist, in.Role.String(), nil)
	}
	if !inRange(now) {
		return fail(CodeInvalidParameter, "the directory's clock is outside the years 0001-9999", nil)
	}
	// The role's MaxSessionDuration is checked only once both sides allow
	// (see checkDuration): a caller the role does not trust must not learn
	// it by trying durations.

	// The caller, as the trust policy sees it, and how to decide its
	// identity side.
	c := &assumeCall{s: s, a: a, r: r, now: now, duration: duration}
	var p evaluator.Principal
	switch {
	case in.CallerSession.AccessKeyID != "" || in.CallerSession.SecurityToken != "":
		if in.Caller.IsValid() {
			return fail(CodeInvalidParameter, "set Caller or CallerSession, not both", nil)
		}
		e, ca, cr, err := d.session(s, in.CallerSession.AccessKeyID, in.CallerSession.SecurityToken)
		if err != nil {
			return fail(CodeNoPermission, "the calling session's credentials are not valid", err)
		}
		p = evaluator.Principal{Type: evaluator.PrincipalRole, AccountID: ca.uid, ARN: cr.arn}
		c.callerID = e.session.String()
		c.identity = func(req evaluator.Request) (evaluator.Decision, error) {
			dec, _, err := d.decideSession(e, cr, ca, &req)
			return dec, err
		}
		c.explainIdentity = func(req evaluator.Request) (evaluator.Explanation, error) {
			if sp, err := e.policy(d); err != nil {
				return evaluator.Explanation{}, err
			} else if sp != nil {
				if x := sp.Explain(req); x.Decision != evaluator.Allow {
					return x, nil
				}
			}
			return explainSets(req, cr.att.set, ca, nil)
		}
	case in.Caller.Kind() == principal.KindUser:
		ca := s.account(in.Caller.Account())
		var u *user
		if ca != nil {
			u = ca.user(in.Caller.Name())
		}
		if u == nil {
			return fail(CodeNoPermission, "the caller does not exist", errf("AssumeRole", in.Caller.String(), ErrNotFound, "no such user"))
		}
		p = evaluator.Principal{Type: evaluator.PrincipalUser, AccountID: ca.uid, ARN: u.arn}
		c.callerID = u.arn
		c.identity = func(req evaluator.Request) (evaluator.Decision, error) {
			return decideSets(&req, u.att.set, ca, u.groups)
		}
		c.explainIdentity = func(req evaluator.Request) (evaluator.Explanation, error) {
			return explainSets(req, u.att.set, ca, u.groups)
		}
	case in.Caller.Kind() == principal.KindService:
		p = evaluator.Principal{Type: evaluator.PrincipalService, ARN: in.Caller.String()}
		c.callerID = p.ARN
	case in.Caller.Kind() == principal.KindSAMLProvider || in.Caller.Kind() == principal.KindOIDCProvider:
		p = evaluator.Principal{Type: evaluator.PrincipalFederated, AccountID: in.Caller.Account(), ARN: in.Caller.String()}
		c.callerID = p.ARN
	case in.Caller.Kind() == principal.KindAccount:
		return fail(CodeNoPermission, "an account root cannot assume roles; use a RAM user or role", nil)
	default:
		return fail(CodeInvalidParameter, "the caller must be a user, a role session's credentials, a service or an identity provider, not a "+in.Caller.Kind().String(), nil)
	}

	ctx := deriveContext(in.Context, in.ExternalID)
	c.req = evaluator.Request{Action: ActionAssumeRole, Resource: r.arn, Principal: p, Context: ctx, PrincipalResolved: true}
	return c, nil
}

// AssumeRoleExplanation is ExplainAssumeRole's answer: the decision
// AssumeRole makes for the same input, the refusing side, and each side's
// own explanation.
type AssumeRoleExplanation struct {
	Result
	// Side and Explicit are as in *AssumeRoleError (Side 0 on Allow).
	Side     Side
	Explicit bool
	// Trust explains the role's trust policy for the caller.
	Trust evaluator.Explanation
	// Identity explains the caller's identity policies (for a session
	// caller: its session policy when that did not allow, else its role's
	// policies); IdentityConsulted is false for service and federated
	// callers, which have none (spec §6.3).
	Identity          evaluator.Explanation
	IdentityConsulted bool
}

// ExplainAssumeRole decides in as AssumeRole does, on one revision, and
// explains both sides; it issues no credentials. It is a cold path and
// allocates. Errors: AssumeRole's, except that its refusals come back as
// the explanation (Decision, Side, Explicit) with a nil error; an allowed
// call whose DurationSeconds exceeds the role's maximum comes back with
// the explanation and AssumeRole's InvalidParameter.DurationSeconds.
func (d *Directory) ExplainAssumeRole(in AssumeRoleInput) (AssumeRoleExplanation, error) {
	c, err := d.prepareAssume(in)
	if err != nil {
		return AssumeRoleExplanation{}, err
	}
	x := AssumeRoleExplanation{Result: Result{Revision: c.s.rev}}
	tev, err := c.r.trust.evaluator()
	if err != nil {
		return x, &AssumeRoleError{Code: CodeNoPermission, Msg: "the role's trust policy does not compile", Cause: err}
	}
	x.Trust = tev.Explain(c.req)
	x.Identity.Decision = evaluator.Allow
	if c.explainIdentity != nil {
		x.IdentityConsulted = true
		if x.Identity, err = c.explainIdentity(c.req); err != nil {
			return x, &AssumeRoleError{Code: CodeNoPermission, Msg: "the caller's policies do not compile", Cause: err}
		}
	}
	t, i := x.Trust.Decision, x.Identity.Decision
	switch {
	case t == evaluator.ExplicitDeny:
		x.Decision, x.Side, x.Explicit = evaluator.ExplicitDeny, SideTrust, true
	case i == evaluator.ExplicitDeny:
		x.Decision, x.Side, x.Explicit = evaluator.ExplicitDeny, SideIdentity, true
	case t != evaluator.Allow:
		x.Decision, x.Side = evaluator.ImplicitDeny, SideTrust
	case i != evaluator.Allow:
		x.Decision, x.Side = evaluator.ImplicitDeny, SideIdentity
	default:
		x.Decision = evaluator.Allow
		if _, err := c.checkDuration(); err != nil {
			return x, err
		}
	}
	return x, nil
}

// validExternalID checks AssumeRole's ExternalId: 2 to 1,224 characters
// matching [\w+=,.@:\/-] (spec §7.1).
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
