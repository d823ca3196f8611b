package directory

import (
	"strconv"
	"strings"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

// Result is the answer to one authorization question: the decision and the
// revision of the state it was decided at. It is a small value; returning
// it does not allocate.
type Result struct {
	Decision evaluator.Decision
	Revision Revision
}

// Allowed reports whether the decision is Allow.
func (r Result) Allowed() bool { return r.Decision == evaluator.Allow }

// String returns "<decision>@<revision>", such as "Allow@42".
func (r Result) String() string {
	return r.Decision.String() + "@" + strconv.FormatUint(uint64(r.Revision), 10)
}

// Authorize decides whether identity id may perform req.Action on
// req.Resource in req.Context, on the current revision. id is a RAM user
// (acs:ram::<uid>:user/<name>) or an account root (acs:ram::<uid>:root).
// A role session is authorized by its credentials, with AuthorizeSession;
// a user by AccessKeyId with AuthorizeAccessKey. Authorize checks no
// signature: authenticate the request first.
//
// A user is judged by the default versions of the policies attached to it
// and to every group it belongs to, as one pool (spec §6.2): any explicit
// Deny wins, then any Allow, else ImplicitDeny. An account root is allowed
// everything in its own account and nothing elsewhere (spec §6.2, the
// library's decision).
//
// The account boundary (spec D24): the resource's owner is
// req.ResourceOwner when set, else the account field of req.Resource (read
// also from a resource cut after that field, "acs:ecs:cn-hangzhou:<uid>",
// or with "acs:" in another case), else (the ARN names none: "*", empty, or
// no ARN) the principal's own account.
// On another account's resource the identity policies alone never allow:
// the owner must consent through a resource-based policy, and the only one
// the directory holds is a role's trust policy, for sts:AssumeRole on that
// role. An explicit Deny of either side wins; without consent the answer
// is ImplicitDeny, which Explain attributes to LayerAccountBoundary.
//
// req.Principal is set by Authorize, with PrincipalResolved, so
// acs:PrincipalARN is the user's ARN whatever req.Context says (spec D26);
// req and req.Context are not written (D27). Errors (always with
// ImplicitDeny): an *Error unwrapping to ErrInvalid (not a user or account
// ID; a session ID) or ErrNotFound (unknown account or user), or
// ErrInvalid when the attached policies do not compile. A warm decision
// does not allocate.
func (d *Directory) Authorize(id principal.ID, req evaluator.Request) (Result, error) {
	if d.log != nil {
		orig := req // the log records the request as the caller gave it
		res, err := d.authorize(id, &req)
		if d.log.wants(res.Decision) {
			d.logAuthorize(id, &orig, res, err)
		}
		return res, err
	}
	// The hot path, kept in this frame: req is our own copy, resolved in
	// place.
	s := d.cur.Load()
	if s.stale == nil && id.Kind() == principal.KindUser {
		if a := s.account(id.Account()); a != nil {
			if u := a.user(id.Name()); u != nil && ownedBy(&req, a.uid) {
				setUser(&req, a, u)
				if len(u.groups) == 0 && u.att.set != nil {
					if c := u.att.set.load(); c.err == nil {
						return Result{Decision: c.ev.Decide(req), Revision: s.rev}, nil
					}
				}
				dec, err := decideSets(&req, u.att.set, a, u.groups)
				if err != nil {
					return Result{Revision: s.rev}, u.compileError(err)
				}
				return Result{Decision: dec, Revision: s.rev}, nil
			}
		}
	}
	return d.authorizeState(s, id, &req)
}

// setUser resolves req's principal to user u of account a (spec D26).
// It sets the fields one by one: a composite literal would be built on
// the stack and copied, and that copy reads back stores still in flight,
// which stalls (about 10 ns a decision).
func setUser(req *evaluator.Request, a *account, u *user) {
	req.Principal = evaluator.Principal{} // whatever fields it may gain
	req.Principal.Type = evaluator.PrincipalUser
	req.Principal.AccountID = a.uid
	req.Principal.ARN = u.arn
	req.PrincipalResolved = true
}

// authorize is Authorize without the log. It writes req.Principal and
// req.PrincipalResolved: req must be Authorize's own copy (D27).
func (d *Directory) authorize(id principal.ID, req *evaluator.Request) (Result, error) {
	return d.authorizeState(d.cur.Load(), id, req)
}

// authorizeState is authorize on s.
func (d *Directory) authorizeState(s *state, id principal.ID, req *evaluator.Request) (Result, error) {
	if s.stale != nil {
		return Result{Revision: s.rev}, s.stale
	}
	res, _, err := d.authorizeOn(s, id, req)
	return res, err
}

// compileError is the error of a decision for u whose attached policies
// do not compile.
func (u *user) compileError(err error) error {
	return &Error{Op: "Authorize", Subject: u.arn, Err: ErrInvalid, Msg: "the attached policies do not compile", Cause: err}
}

// authorizeOn decides on s and says which layer decided.
func (d *Directory) authorizeOn(s *state, id principal.ID, req *evaluator.Request) (Result, Layer, error) {
	res := Result{Revision: s.rev}
	switch id.Kind() {
	case principal.KindUser:
		a := s.account(id.Account())
		if a == nil {
			return res, 0, errf("Authorize", id.String(), ErrNotFound, "no such account")
		}
		u := a.user(id.Name())
		if u == nil {
			return res, 0, errf("Authorize", id.String(), ErrNotFound, "no such user")
		}
		return d.decideUser(s, a, u, req)
	case principal.KindAccount:
		if s.account(id.Account()) == nil {
			return res, 0, errf("Authorize", id.String(), ErrNotFound, "no such account")
		}
		if resourceOwner(req, id.Account()) != id.Account() {
			return res, LayerAccountBoundary, nil
		}
		res.Decision = evaluator.Allow
		return res, LayerAccountRoot, nil
	case principal.KindSession:
		return res, 0, errf("Authorize", id.String(), ErrInvalid,
			"a session ARN is not a credential: use AuthorizeSession with its AccessKeyId and SecurityToken")
	}
	return res, 0, errf("Authorize", id.String(), ErrInvalid, "a "+id.Kind().String()+" is not authorized directly")
}

// resourceOwner returns the account that owns req's resource (spec D24):
// req.ResourceOwner when set, else the account field of the resource ARN,
// else own.
func resourceOwner(req *evaluator.Request, own string) string {
	if req.ResourceOwner != "" {
		return req.ResourceOwner
	}
	if acct := accountField(req.Resource); acct != "" && acct != "*" {
		return acct
	}
	return own
}

// accountField returns the account field of a resource: the field
// principal.ARNAccount reads from a well-formed ARN, and also the fourth
// field of a resource that starts with "acs:" in another case or ends
// after its account field ("acs:ecs:cn-hangzhou:<uid>"). Those are not
// well-formed ARNs, but they name an account; reading them as naming none
// made them the principal's own (spec D24), an Allow across the boundary.
// It does not allocate.
func accountField(resource string) string {
	if acct := principal.ARNAccount(resource); acct != "" {
		return acct
	}
	if len(resource) < 4 || !strings.EqualFold(resource[:4], "acs:") {
		return ""
	}
	rest := resource[4:]
	for range 2 { // service, region
		i := strings.IndexByte(rest, ':')
		if i < 0 {
			return ""
		}
		rest = rest[i+1:]
	}
	if i := strings.IndexByte(rest, ':'); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// ownedBy reports whether req's resource belongs to account uid (spec
// D24, as resourceOwner).
func ownedBy(req *evaluator.Request, uid string) bool {
	if req.ResourceOwner != "" {
		return req.ResourceOwner == uid
	}
	r := req.Resource
	if len(r) > 4 && r[:4] == "acs:" {
		i := 4
		for i < len(r) && r[i] != ':' {
			i++
		}
		i++
		for i < len(r) && r[i] != ':' {
			i++
		}
		i++
		if i+len(uid) < len(r) && r[i+len(uid)] == ':' && r[i:i+len(uid)] == uid {
			return true
		}
	}
	acct := accountField(req.Resource)
	return acct == "" || acct == "*" || acct == uid
}

// decideUser decides req for user u of account a in state s.
func (d *Directory) decideUser(s *state, a *account, u *user, req *evaluator.Request) (Result, Layer, error) {
	req.Principal = evaluator.Principal{Type: evaluator.PrincipalUser, AccountID: a.uid, ARN: u.arn}
	req.PrincipalResolved = true
	if owner := resourceOwner(req, a.uid); owner != a.uid {
		return d.decideUserCross(s, a, u, owner, req)
	}
	dec, err := decideSets(req, u.att.set, a, u.groups)
	if err != nil {
		return Result{Revision: s.rev}, 0, u.compileError(err)
	}
	return Result{Decision: dec, Revision: s.rev}, LayerIdentity, nil
}

// decideUserCross is decideUser for another account's resource.
func (d *Directory) decideUserCross(s *state, a *account, u *user, owner string, req *evaluator.Request) (Result, Layer, error) {
	dec, err := decideSets(req, u.att.set, a, u.groups)
	if err != nil {
		return Result{Revision: s.rev}, 0, u.compileError(err)
	}
	dec, layer := d.crossAccount(s, owner, req, dec, LayerIdentity)
	return Result{Decision: dec, Revision: s.rev}, layer, nil
}

// crossAccount combines the identity decision dec (made by layer) of a
// request on owner's resource with owner's consent (spec D24): an explicit
// Deny on either side wins, an Allow needs both, anything else is the
// account boundary's ImplicitDeny.
func (d *Directory) crossAccount(s *state, owner string, req *evaluator.Request, dec evaluator.Decision, layer Layer) (evaluator.Decision, Layer) {
	if dec == evaluator.ExplicitDeny {
		return dec, layer
	}
	consent := resourceConsent(s, owner, req)
	switch {
	case consent == evaluator.ExplicitDeny:
		return evaluator.ExplicitDeny, LayerTrustPolicy
	case consent == evaluator.Allow && dec == evaluator.Allow:
		return evaluator.Allow, layer
	}
	return evaluator.ImplicitDeny, LayerAccountBoundary
}

// resourceConsent is the decision of owner's resource-based policy on req:
// the trust policy of owner's role for sts:AssumeRole on that role, and
// ImplicitDeny for everything else (no other resource policies are held).
// It runs only for cross-account requests and may allocate.
func resourceConsent(s *state, owner string, req *evaluator.Request) evaluator.Decision {
	if !strings.EqualFold(req.Action, ActionAssumeRole) {
		return evaluator.ImplicitDeny
	}
	id, err := principal.Parse(req.Resource)
	if err != nil || id.Kind() != principal.KindRole || id.Account() != owner {
		return evaluator.ImplicitDeny
	}
	a := s.account(owner)
	if a == nil {
		return evaluator.ImplicitDeny
	}
	r := a.role(id.Name())
	if r == nil {
		return evaluator.ImplicitDeny
	}
	ev, err := r.trust.evaluator()
	if err != nil {
		return evaluator.ImplicitDeny
	}
	return ev.Decide(*req)
}

// decideSets combines the decisions of own and of the sets of groups: any
// ExplicitDeny wins, then any Allow. Deciding each set apart is the same as
// deciding their union, because statements never interact.
func decideSets(req *evaluator.Request, own *policySet, a *account, groups []string) (evaluator.Decision, error) {
	dec := evaluator.ImplicitDeny
	if own != nil {
		c := own.load()
		if c.err != nil {
			return evaluator.ImplicitDeny, c.err
		}
		switch c.ev.Decide(*req) {
		case evaluator.ExplicitDeny:
			return evaluator.ExplicitDeny, nil
		case evaluator.Allow:
			dec = evaluator.Allow
		}
	}
	for _, gn := range groups {
		g := a.group(gn)
		if g == nil || g.att.set == nil {
			continue
		}
		c := g.att.set.load()
		if c.err != nil {
			return evaluator.ImplicitDeny, c.err
		}
		switch c.ev.Decide(*req) {
		case evaluator.ExplicitDeny:
			return evaluator.ExplicitDeny, nil
		case evaluator.Allow:
			dec = evaluator.Allow
		}
	}
	return dec, nil
}

// Layer says which part of the evaluation decided a request.
type Layer uint8

const (
	// LayerIdentity: the identity policies (a user's and its groups', or a
	// session's role's).
	LayerIdentity Layer = iota + 1
	// LayerSessionPolicy: a session's session policy did not allow (its
	// non-Allow is final, spec §6.2).
	LayerSessionPolicy
	// LayerAccountRoot: the account root's own-account rule.
	LayerAccountRoot
	// LayerAccountBoundary: the resource belongs to another account whose
	// resource-based policies do not consent (D24).
	LayerAccountBoundary
	// LayerTrustPolicy: a role's trust policy (the owner's consent to a
	// cross-account sts:AssumeRole) denied explicitly.
	LayerTrustPolicy
)

// String names the layer.
func (l Layer) String() string {
	switch l {
	case LayerIdentity:
		return "identity policies"
	case LayerSessionPolicy:
		return "session policy"
	case LayerAccountRoot:
		return "account root"
	case LayerAccountBoundary:
		return "account boundary"
	case LayerTrustPolicy:
		return "trust policy"
	}
	return "Layer(" + strconv.Itoa(int(l)) + ")"
}

// Explanation is Explain's answer: the result, the layer that decided and,
// for the policy layers, the evaluator's explanation of that layer.
type Explanation struct {
	Result
	Layer  Layer
	Detail evaluator.Explanation
}

// Explain is Authorize with reasons: the result, the layer that decided
// and, for LayerIdentity, the evaluator's explanation of the user's pool of
// policies. It is a cold path and allocates. Errors: as Authorize.
func (d *Directory) Explain(id principal.ID, req evaluator.Request) (Explanation, error) {
	s := d.cur.Load()
	if s.stale != nil {
		return Explanation{Result: Result{Revision: s.rev}}, s.stale
	}
	res, layer, err := d.authorizeOn(s, id, &req)
	x := Explanation{Result: res, Layer: layer}
	if err != nil || layer != LayerIdentity {
		return x, err
	}
	a := s.account(id.Account())
	u := a.user(id.Name())
	x.Detail, err = explainSets(req, u.att.set, a, u.groups)
	return x, err
}

// explainSets compiles the union of own and the groups' sets (cold path)
// and explains req against it.
func explainSets(req evaluator.Request, own *policySet, a *account, groups []string) (evaluator.Explanation, error) {
	var ps []evaluator.Policy
	if own != nil {
		ps = append(ps, own.policies...)
	}
	for _, gn := range groups {
		if g := a.group(gn); g != nil && g.att.set != nil {
			ps = append(ps, g.att.set.policies...)
		}
	}
	ev, err := evaluator.Compile(ps...)
	if err != nil {
		return evaluator.Explanation{}, &Error{Op: "Explain", Subject: req.Principal.ARN, Err: ErrInvalid, Cause: err}
	}
	return ev.Explain(req), nil
}

// String renders the explanation for people: the evaluator's explanation of
// the deciding policy layer (when a policy layer decided), then the line
// "decided by: <layer>".
func (x Explanation) String() string {
	var s string
	switch x.Layer {
	case LayerIdentity, LayerSessionPolicy:
		s = strings.TrimRight(x.Detail.String(), "\n") + "\n"
	default:
		s = x.Decision.String() + "\n"
	}
	if x.Layer != 0 {
		s += "  decided by: " + x.Layer.String() + "\n"
	}
	return s
}
