package principal

import (
	"strings"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

// Authorizer decides requests for principals named by string. Directory
// implements it; another store (a database-backed directory, a remote
// service, a test double) can stand in wherever code depends only on this
// interface.
type Authorizer interface {
	// Authorize decides req for principal (see Directory.Authorize).
	Authorize(principal string, req evaluator.Request) (evaluator.Decision, error)
}

var _ Authorizer = (*Directory)(nil)

// compiled is a cached evaluator, valid while the directory generation
// equals gen.
type compiled struct {
	gen uint64
	ev  *evaluator.Evaluator
	err error
}

// sessionEval is the compiled session policy of a role session (ev is nil
// when the session has none).
type sessionEval struct {
	ev *evaluator.Evaluator
}

// grant is what one decision needs, collected under the read lock.
type grant struct {
	rootOf  string               // account ID when the principal is an account root
	session *evaluator.Evaluator // session policy, evaluated first (may be nil)
	ev      *evaluator.Evaluator // identity policies
	p       evaluator.Principal  // p.AccountID is the principal's own account
}

// actionAssumeRole is the one action for which the directory holds a
// resource-based policy: a role's trust policy.
const actionAssumeRole = "sts:AssumeRole"

// Authorize decides whether principal may perform req.Action on
// req.Resource in req.Context. principal is one of:
//
//   - a RAM user ARN, acs:ram::<uid>:user/<name> (the region may also be
//     written "*");
//   - an AccessKeyId of a RAM user (an Inactive key gives ErrInactive);
//   - a role session ARN, acs:ram::<uid>:role/<role>/<session> or one of
//     its aliases (the newest session with that ARN), or a session's STS
//     AccessKeyId;
//   - an account root, acs:ram::<uid>:root.
//
// Authorize checks no secret: verify request signatures first (for example
// with VerifyAccessKey or VerifySession).
//
// A user is judged by the union of the default versions of the policies
// attached to it and to every group it belongs to (spec §6.2): an explicit
// Deny anywhere wins, then any Allow, else ImplicitDeny. A role session is
// judged first by its session policy, if it has one, whose non-Allow result
// is final, and then by the role's attached policies; a session past its
// expiry or issued before the role's RevokeSessions cut-off is denied with
// ErrExpired.
//
// Account boundary (spec §13 D24): identity policies act only on resources
// of the principal's own account (a user's account; for a session, its
// role's account). The resource's owner is req.ResourceOwner when it is set
// (compared exactly: anything but the principal's account ID is another
// account); otherwise the account field of req.Resource
// (acs:<service>:<region>:<account>:...); a resource that names no account
// (the field is "*" or empty, or the resource is not an acs: ARN, such as
// "*") belongs to the principal's own account. Any other account field,
// including a pattern such as "1111*", is another account. Services that
// act on resources whose ARNs carry no account should set ResourceOwner. A request on
// another account's resource is allowed only when the identity policies and
// a resource-based policy of the owner both allow it; the directory holds one
// kind, a role's trust policy, which consents to sts:AssumeRole on that role.
// An explicit Deny on either side is ExplicitDeny; anything else is
// ImplicitDeny, which Explain attributes to LayerAccountBoundary (or to the
// side that refused). The trust policy reads req.Context as given,
// sts:ExternalId included: a service that maps an AssumeRole call onto
// Authorize must set that key from the call's ExternalId parameter only, as
// role.AssumeRole does.
//
// An account root is allowed every action on resources of its own account,
// named by req.ResourceOwner or else by the ARN's account field, and
// nothing else (not even resources that name no account):
// the library models the account as not subject to RAM policies (spec §6.2),
// and resource policies are outside the directory.
//
// req.Principal is set by Authorize to the principal as the evaluator sees
// it (for a session, the role's ARN), with req.PrincipalResolved: conditions
// on acs:PrincipalARN read that ARN, and a value of acs:PrincipalARN in
// req.Context (any spelling) is ignored, so a caller cannot claim another
// identity (spec §13 D26). req.Context is only read, never written (spec
// §13 D27), and may be nil; one Context may be shared by concurrent calls.
//
// Unknown and deleted principals get ImplicitDeny and an error wrapping
// ErrNotFound; a role ARN (roles act only through sessions) gets ErrInvalid.
// Whenever the error is non-nil the decision is ImplicitDeny.
//
// Every mutation of the directory is seen by the next call. The compiled
// evaluator of each identity is cached and rebuilt only after a change;
// on a cache hit, for a resource of the principal's own account, Authorize
// does not allocate.
func (d *Directory) Authorize(principal string, req evaluator.Request) (evaluator.Decision, error) {
	g, err := d.grantFor(principal)
	if err != nil {
		return evaluator.ImplicitDeny, err
	}
	if g.rootOf != "" {
		return g.rootDecision(req), nil
	}
	req.Principal, req.PrincipalResolved = g.p, true
	if g.session != nil {
		if dec := g.session.Decide(req); dec != evaluator.Allow {
			return dec, nil
		}
	}
	dec := g.ev.Decide(req)
	owner := resourceOwner(req, g.p.AccountID)
	if owner == g.p.AccountID || dec == evaluator.ExplicitDeny {
		return dec, nil
	}
	trust, _ := d.consent(req, owner)
	if trust == nil {
		return evaluator.ImplicitDeny, nil
	}
	switch tdec := trust.Decide(req); {
	case tdec == evaluator.ExplicitDeny:
		return evaluator.ExplicitDeny, nil
	case tdec == evaluator.Allow && dec == evaluator.Allow:
		return evaluator.Allow, nil
	}
	return evaluator.ImplicitDeny, nil
}

// rootDecision applies the account root's rule: everything on resources
// that name its account, nothing else.
func (g *grant) rootDecision(req evaluator.Request) evaluator.Decision {
	owner := req.ResourceOwner
	if owner == "" {
		owner = resourceAccount(req.Resource)
	}
	if owner == g.rootOf {
		return evaluator.Allow
	}
	return evaluator.ImplicitDeny
}

// resourceOwner returns the account that owns req's resource (spec §13
// D24): req.ResourceOwner when set, else the ARN's account field, else own
// when the resource names no account.
func resourceOwner(req evaluator.Request, own string) string {
	if req.ResourceOwner != "" {
		return req.ResourceOwner
	}
	switch a := resourceAccount(req.Resource); a {
	case "", "*":
		return own
	default:
		return a
	}
}

// consent returns the resource-based policy of owner that can consent to
// req: the trust policy of the role req.Resource names, when req.Action is
// sts:AssumeRole and the role belongs to owner. It returns nil when there is
// none. The trust document is returned for explanations.
func (d *Directory) consent(req evaluator.Request, owner string) (*evaluator.Evaluator, *policy.Document) {
	if !strings.EqualFold(req.Action, actionAssumeRole) {
		return nil, nil
	}
	id, err := Parse(req.Resource)
	if err != nil || id.kind != KindRole || id.account != owner {
		return nil, nil
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	r := d.roles[id.String()]
	if r == nil {
		return nil, nil
	}
	c := d.trustCompiled(r)
	if c.err != nil {
		return nil, nil
	}
	return c.ev, r.trust
}

// Explain is Authorize with reasons. It returns the layer that decided
// (Explanation.Layer) and the statements of that layer's policy set:
//
//   - LayerAccountRoot for an account root (no statements);
//   - LayerSession when a session's session policy does not allow the
//     request (its statements; policy ID "session-policy");
//   - LayerIdentity when the identity policies decided (the user's and its
//     groups' policies, or the role's), also across accounts when they do
//     not allow or explicitly deny;
//   - LayerAccountBoundary when the resource belongs to another account and
//     no resource-based policy of the owner can consent (the identity
//     policies' statements, which alone would not suffice);
//   - LayerTrust when the owner's trust policy decided a cross-account
//     sts:AssumeRole (its statements, policy ID "trust-policy"; a statement
//     that would apply but for its Principal is a near miss naming the
//     principal).
//
// Explanation.Decision always equals Authorize's decision. The errors are
// Authorize's, with a zero Explanation. Explain is a cold path and
// allocates.
func (d *Directory) Explain(principal string, req evaluator.Request) (Explanation, error) {
	g, err := d.grantFor(principal)
	if err != nil {
		return Explanation{}, err
	}
	if g.rootOf != "" {
		dec := g.rootDecision(req)
		reason := "an account root may do anything on resources of its own account " + g.rootOf
		if dec != evaluator.Allow {
			reason = "the resource does not name the root's account " + g.rootOf + "; an account root acts only on its own account's resources"
		}
		return Explanation{Explanation: evaluator.Explanation{Decision: dec}, Layer: LayerAccountRoot, Reason: reason}, nil
	}
	req.Principal, req.PrincipalResolved = g.p, true
	if g.session != nil {
		if x := g.session.Explain(req); x.Decision != evaluator.Allow {
			return Explanation{Explanation: x, Layer: LayerSession,
				Reason: "the session policy does not allow the request, and its result is final"}, nil
		}
	}
	x := g.ev.Explain(req)
	owner := resourceOwner(req, g.p.AccountID)
	if owner == g.p.AccountID {
		return Explanation{Explanation: x, Layer: LayerIdentity}, nil
	}
	cross := "the resource belongs to account " + owner + ", not to the principal's account " + g.p.AccountID
	if x.Decision == evaluator.ExplicitDeny {
		return Explanation{Explanation: x, Layer: LayerIdentity, Reason: cross + "; the identity policies deny it"}, nil
	}
	trust, doc := d.consent(req, owner)
	if trust == nil {
		x.Decision = evaluator.ImplicitDeny
		return Explanation{Explanation: x, Layer: LayerAccountBoundary,
			Reason: cross + ", and no resource-based policy of that account allows the request"}, nil
	}
	tx := explainTrust(doc, trust, req)
	switch {
	case tx.Decision == evaluator.ExplicitDeny:
		return Explanation{Explanation: tx, Layer: LayerTrust, Reason: cross + "; the owner's trust policy denies it"}, nil
	case tx.Decision != evaluator.Allow:
		return Explanation{Explanation: tx, Layer: LayerTrust, Reason: cross + "; the owner's trust policy does not allow it"}, nil
	case x.Decision == evaluator.Allow:
		return Explanation{Explanation: tx, Layer: LayerTrust,
			Reason: cross + "; the identity policies and the owner's trust policy both allow it"}, nil
	}
	return Explanation{Explanation: x, Layer: LayerIdentity,
		Reason: cross + "; the owner's trust policy allows it, but the identity policies do not"}, nil
}

// resourceAccount returns the account field of an ARN
// (acs:<service>:<region>:<account>:<relative-id>), or "". It is on every
// decision's path, so it scans the bytes once instead of searching.
func resourceAccount(arn string) string {
	if len(arn) < 4 || arn[:4] != "acs:" {
		return ""
	}
	colons, start := 1, 0
	for i := 4; i < len(arn); i++ {
		if arn[i] != ':' {
			continue
		}
		colons++
		if colons == 3 {
			start = i + 1
		} else if colons == 4 {
			return arn[start:i]
		}
	}
	return ""
}

// grantFor resolves principal and returns what deciding for it needs,
// building the compiled evaluator if the cached one is stale.
func (d *Directory) grantFor(principal string) (grant, error) {
	d.mu.RLock()
	g, err, found := d.lookupLocked(principal)
	if found {
		d.mu.RUnlock()
		return g, err
	}
	defer d.mu.RUnlock()
	// Not in canonical form? Parse and try once more with the canonical
	// string (this path allocates; canonical input never takes it).
	if id, perr := Parse(principal); perr == nil {
		if c := id.String(); c != principal {
			if g, err, found := d.lookupLocked(c); found {
				return g, err
			}
		}
		if id.kind == KindRole && d.roles[id.String()] != nil {
			return grant{}, errf("Authorize", principal, ErrInvalid, "a role acts only through its sessions")
		}
	}
	return grant{}, errf("Authorize", principal, ErrNotFound, "unknown principal")
}

// lookupLocked finds principal among users, access keys, sessions and
// account roots. found is false when nothing matched. Callers hold d.mu.
func (d *Directory) lookupLocked(principal string) (g grant, err error, found bool) {
	// Dispatch on the form first so that each call does one or two map
	// lookups: ARNs start with "acs:", STS keys with "STS.", and anything
	// else can only be a user's AccessKeyId.
	switch {
	case strings.HasPrefix(principal, "acs:"):
		if u := d.users[principal]; u != nil {
			return d.userGrant(u)
		}
		if s := d.sessARNs[principal]; s != nil {
			return d.sessionGrant(s)
		}
		if uid, ok := rootAccount(principal); ok {
			if a := d.accounts[uid]; a != nil {
				return grant{rootOf: a.id}, nil, true
			}
		}
	case strings.HasPrefix(principal, "STS."):
		if s := d.sessKeys[principal]; s != nil {
			return d.sessionGrant(s)
		}
	default:
		if k := d.keys[principal]; k != nil {
			if k.status != Active {
				return grant{}, errf("Authorize", principal, ErrInactive, ""), true
			}
			return d.userGrant(k.owner)
		}
	}
	return grant{}, nil, false
}

// rootAccount extracts <uid> from a canonical acs:ram::<uid>:root.
func rootAccount(s string) (string, bool) {
	const pre, suf = "acs:ram::", ":root"
	if len(s) != len(pre)+16+len(suf) || !strings.HasPrefix(s, pre) || !strings.HasSuffix(s, suf) {
		return "", false
	}
	uid := s[len(pre) : len(pre)+16]
	return uid, isAccountID(uid)
}

func (d *Directory) userGrant(u *user) (grant, error, bool) {
	c := u.cache.Load()
	if c == nil || c.gen != d.gen {
		c = d.compileUser(u)
		u.cache.Store(c)
	}
	if c.err != nil {
		return grant{}, c.err, true
	}
	return grant{ev: c.ev, p: evaluator.Principal{Type: evaluator.PrincipalUser, AccountID: u.acct.id, ARN: u.arn}}, nil, true
}

// policyRefs appends the evaluator inputs for the attachments of set,
// skipping policies already in seen.
func (d *Directory) policyRefs(out []evaluator.Policy, a *account, set *attachSet, seen map[Attachment]bool) []evaluator.Policy {
	for _, n := range set.system {
		if seen[Attachment{System, n}] {
			continue
		}
		seen[Attachment{System, n}] = true
		if sp, ok := systemPolicy(n); ok {
			out = append(out, evaluator.Policy{ID: n, Document: sp.doc})
		}
	}
	for _, n := range set.custom {
		if seen[Attachment{Custom, n}] {
			continue
		}
		seen[Attachment{Custom, n}] = true
		if p := a.policies[n]; p != nil {
			out = append(out, evaluator.Policy{ID: n, Document: p.defaultDoc().doc})
		}
	}
	return out
}

func (d *Directory) compileUser(u *user) *compiled {
	seen := map[Attachment]bool{}
	ps := d.policyRefs(nil, u.acct, &u.att, seen)
	for _, gn := range u.groups {
		if g := u.acct.groups[gn]; g != nil {
			ps = d.policyRefs(ps, u.acct, &g.att, seen)
		}
	}
	return d.compile(u.arn, ps)
}

func (d *Directory) compile(subject string, ps []evaluator.Policy) *compiled {
	ev, err := evaluator.Compile(ps...)
	if err != nil {
		return &compiled{gen: d.gen, err: &Error{Op: "Authorize", Subject: subject, Err: ErrInvalid,
			Msg: "the attached policies do not compile", Cause: err}}
	}
	return &compiled{gen: d.gen, ev: ev}
}

func (d *Directory) roleCompiled(r *role) *compiled {
	c := r.cache.Load()
	if c == nil || c.gen != d.gen {
		c = d.compile(r.arn, d.policyRefs(nil, r.acct, &r.att, map[Attachment]bool{}))
		r.cache.Store(c)
	}
	return c
}

func (d *Directory) sessionGrant(s *session) (grant, error, bool) {
	if err := d.checkLive("Authorize", s); err != nil {
		return grant{}, err, true
	}
	c := d.roleCompiled(s.role)
	if c.err != nil {
		return grant{}, c.err, true
	}
	return grant{session: s.sess.ev, ev: c.ev,
		p: evaluator.Principal{Type: evaluator.PrincipalRole, AccountID: s.role.acct.id, ARN: s.role.arn}}, nil, true
}
