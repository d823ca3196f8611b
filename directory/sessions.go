package directory

import (
	"crypto/cipher"
	"sync"
	"sync/atomic"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/internal/strhash"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/principal"
)

// sessionCache keeps opened SecurityTokens and their compiled session
// policies in a fixed array of slots indexed by a hash of the AccessKeyId:
// a new entry replaces whatever held its slot, so the cache never holds
// more than its size, whatever the rate of AssumeRole calls. Lookups and
// stores are single atomic operations (no lock).
type sessionCache struct {
	seed  strhash.Seed
	slots []atomic.Pointer[sessionEntry]
}

const defaultSessionCacheSize = 1024

func newSessionCache(n int) *sessionCache {
	if n <= 0 {
		n = defaultSessionCacheSize
	}
	return &sessionCache{seed: strhash.NewSeed(), slots: make([]atomic.Pointer[sessionEntry], n)}
}

func (c *sessionCache) slot(accessKeyID string) *atomic.Pointer[sessionEntry] {
	return &c.slots[strhash.Reduce(strhash.String(c.seed, accessKeyID), len(c.slots))]
}

// sessionEntry is one opened token. Everything in it derives from the token
// alone, so it is valid in every revision that still holds its token key.
type sessionEntry struct {
	token string
	keyID uint32
	// aead is the opened token key that verified the token: a revision
	// holding another key under the same ID (an import from another
	// directory) does not accept the cached entry.
	aead    cipher.AEAD
	c       *claims
	session principal.ID
	// acct and role are the token's account and role as the revision that
	// opened the token held them, when the role still holds the token
	// (nil otherwise). Account values are immutable, so while a revision
	// holds this very account value its role is this one and needs no
	// lookup and no check: a commit anywhere else costs the session
	// nothing. Once the account changes the lookup runs every time (no
	// refresh, which would allocate) until the entry is replaced. An entry
	// keeps the account value it saw alive; the cache is bounded, and
	// account values share all but the changed parts.
	acct *account
	role *role
	mu   sync.Mutex
	pol  atomic.Pointer[compiledSet] // compiled session policy (ev nil: none)
}

// policy returns the compiled session policy (nil when the session has
// none), compiling it on first use; sessions with the same session policy
// text share one compiled copy through the directory's policy cache.
func (e *sessionEntry) policy(d *Directory) (*evaluator.Evaluator, error) {
	if p := e.pol.Load(); p != nil {
		return p.ev, p.err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if p := e.pol.Load(); p != nil {
		return p.ev, p.err
	}
	p := &compiledSet{}
	if e.c.policy != "" {
		p = d.sessionPolicies.get(e.c.policy)
	}
	e.pol.Store(p)
	return p.ev, p.err
}

// policyCache keeps compiled session policies by their text, in a fixed
// array of slots like sessionCache: bounded, lock-free.
type policyCache struct {
	seed  strhash.Seed
	slots []atomic.Pointer[cachedPolicy]
}

type cachedPolicy struct {
	text string
	c    *compiledSet
}

func newPolicyCache(n int) *policyCache {
	if n <= 0 {
		n = defaultSessionCacheSize
	}
	return &policyCache{seed: strhash.NewSeed(), slots: make([]atomic.Pointer[cachedPolicy], n)}
}

// get returns the compiled session policy text, compiling it on a miss.
func (pc *policyCache) get(text string) *compiledSet {
	slot := &pc.slots[strhash.Reduce(strhash.String(pc.seed, text), len(pc.slots))]
	if cp := slot.Load(); cp != nil && cp.text == text {
		return cp.c
	}
	c := &compiledSet{}
	doc, err := policy.Parse([]byte(text), policy.WithKind(policy.Session))
	if err == nil {
		c.ev, c.err = evaluator.Compile(evaluator.Policy{ID: principal.SessionPolicyID, Document: doc})
	} else {
		c.err = err
	}
	slot.Store(&cachedPolicy{text: text, c: c})
	return c
}

// session verifies accessKeyID and token against s and returns the opened
// token with its role. The errors are the sentinels ErrTokenMalformed,
// ErrTokenKeyMismatch, ErrTokenRevoked and ErrTokenExpired.
func (d *Directory) session(s *state, accessKeyID, token string) (*sessionEntry, *account, *role, error) {
	slot := d.cache.slot(accessKeyID)
	e := slot.Load()
	hit := e != nil && e.token == token && e.c.accessKeyID == accessKeyID
	if hit {
		// The entry holds only while s holds the very key that opened it:
		// a retired key is gone, and an import may bring another key under
		// the same ID (or the same key reopened), so anything else reopens.
		k := s.tokenKey(e.keyID)
		hit = k != nil && k.aead == e.aead
	}
	if !hit {
		c, k, err := openToken(s, token)
		if err != nil {
			return nil, nil, nil, ErrTokenMalformed
		}
		if c.accessKeyID != accessKeyID {
			return nil, nil, nil, ErrTokenKeyMismatch
		}
		sid, err := principal.SessionID(c.account, c.roleName, c.sessionName)
		if err != nil {
			return nil, nil, nil, ErrTokenMalformed
		}
		e = &sessionEntry{token: token, keyID: k.id, aead: k.aead, c: c, session: sid}
		if a := s.account(c.account); a != nil {
			if r := a.role(c.roleName); c.heldBy(r) {
				e.acct, e.role = a, r
			}
		}
		slot.Store(e)
	}
	a := s.account(e.c.account)
	if a == nil {
		return nil, nil, nil, ErrTokenRevoked
	}
	r := e.role
	if a != e.acct { // the account changed since the token was opened: look again
		r = a.role(e.c.roleName)
		if !e.c.heldBy(r) {
			return nil, nil, nil, ErrTokenRevoked
		}
	}
	if !d.clock().Before(e.c.expires) {
		return nil, nil, nil, ErrTokenExpired
	}
	return e, a, r, nil
}

// SessionCredential verifies a session's credentials and returns the
// session's ID and its unsealed AccessKeySecret, for verifying a request
// signature. Errors: an *Error unwrapping to ErrTokenMalformed (bad
// encoding, truncated, tampered, or sealed under a key this directory does
// not hold), ErrTokenKeyMismatch (issued with another AccessKeyId),
// ErrTokenRevoked (role deleted or re-created, or RevokeSessions), or
// ErrTokenExpired.
func (d *Directory) SessionCredential(accessKeyID, securityToken string) (session principal.ID, secret string, err error) {
	e, _, _, err := d.session(d.cur.Load(), accessKeyID, securityToken)
	if err != nil {
		return principal.ID{}, "", errf("SessionCredential", accessKeyID, err, "")
	}
	return e.session, e.c.secret, nil
}

// AuthorizeSession decides req for the role session whose credentials are
// accessKeyID and securityToken (a session ARN is not a credential). The
// session policy decides first and a non-Allow there is final; then the
// role's currently attached policies decide (spec §6.2, §6.4). The account
// boundary (D24) is the role's account. Detaching the role's policies,
// deleting the role and RevokeSessions take effect on the next decision.
//
// An opened token and its compiled session policy are cached (see
// Options.SessionCacheSize); a cached decision does not allocate. Errors
// (with ImplicitDeny): those of SessionCredential, or ErrInvalid when a
// policy does not compile.
func (d *Directory) AuthorizeSession(accessKeyID, securityToken string, req evaluator.Request) (Result, error) {
	if d.log != nil {
		orig := req // the log records the request as the caller gave it
		res, err := d.authorizeSession(accessKeyID, securityToken, &req)
		if d.log.wants(res.Decision) {
			d.logSession(accessKeyID, securityToken, &orig, res, err)
		}
		return res, err
	}
	// The hot path, kept in this frame as Authorize's: an own-account
	// resource, a session policy and role policies compiled (or absent).
	// req is our own copy, resolved in place.
	s := d.cur.Load()
	if s.stale != nil {
		return Result{Revision: s.rev}, s.stale
	}
	e, a, r, err := d.session(s, accessKeyID, securityToken)
	if err != nil {
		return Result{Revision: s.rev}, errf("AuthorizeSession", accessKeyID, err, "")
	}
	if ownedBy(&req, a.uid) {
		if sp := e.pol.Load(); sp != nil && sp.err == nil && r.att.set != nil {
			if rp := r.att.set.load(); rp.err == nil {
				setRole(&req, a, r)
				dec := evaluator.Allow
				if sp.ev != nil {
					dec = sp.ev.Decide(req)
				}
				if dec == evaluator.Allow { // the session policy's non-Allow is final
					dec = rp.ev.Decide(req)
				}
				return Result{Decision: dec, Revision: s.rev}, nil
			}
		}
	}
	return d.decideSessionOn(s, e, a, r, &req)
}

// authorizeSession is AuthorizeSession without the log. It writes
// req.Principal and req.PrincipalResolved: req must be AuthorizeSession's
// own copy (D27).
func (d *Directory) authorizeSession(accessKeyID, securityToken string, req *evaluator.Request) (Result, error) {
	s := d.cur.Load()
	if s.stale != nil {
		return Result{Revision: s.rev}, s.stale
	}
	e, a, r, err := d.session(s, accessKeyID, securityToken)
	if err != nil {
		return Result{Revision: s.rev}, errf("AuthorizeSession", accessKeyID, err, "")
	}
	return d.decideSessionOn(s, e, a, r, req)
}

// decideSessionOn decides req on s for the verified session e of role r
// in account a, every case included (cross-account, policies still to
// compile or not compiling).
func (d *Directory) decideSessionOn(s *state, e *sessionEntry, a *account, r *role, req *evaluator.Request) (Result, error) {
	res := Result{Revision: s.rev}
	setRole(req, a, r)
	dec, layer, err := d.decideSession(e, r, a, req)
	if err != nil {
		return res, &Error{Op: "AuthorizeSession", Subject: e.session.String(), Err: ErrInvalid, Cause: err}
	}
	if !ownedBy(req, a.uid) {
		dec, _ = d.crossAccount(s, resourceOwner(req, a.uid), req, dec, layer)
	}
	res.Decision = dec
	return res, nil
}

// setRole resolves req's principal to role r of account a, as setUser.
func setRole(req *evaluator.Request, a *account, r *role) {
	req.Principal = evaluator.Principal{}
	req.Principal.Type = evaluator.PrincipalRole
	req.Principal.AccountID = a.uid
	req.Principal.ARN = r.arn
	req.PrincipalResolved = true
}

// decideSession decides for a session: its policy, then its role's.
func (d *Directory) decideSession(e *sessionEntry, r *role, a *account, req *evaluator.Request) (evaluator.Decision, Layer, error) {
	sp, err := e.policy(d)
	if err != nil {
		return evaluator.ImplicitDeny, LayerSessionPolicy, err
	}
	if sp != nil {
		if dec := sp.Decide(*req); dec != evaluator.Allow {
			return dec, LayerSessionPolicy, nil
		}
	}
	dec, err := decideSets(req, r.att.set, a, nil)
	return dec, LayerIdentity, err
}

// ExplainSession is AuthorizeSession with reasons: the layer that decided
// (LayerSessionPolicy, LayerIdentity, LayerAccountBoundary or
// LayerTrustPolicy) and, for the first two, the evaluator's explanation of
// that layer. It is a cold path and allocates. Errors: as
// AuthorizeSession.
func (d *Directory) ExplainSession(accessKeyID, securityToken string, req evaluator.Request) (Explanation, error) {
	s := d.cur.Load()
	x := Explanation{Result: Result{Revision: s.rev}}
	if s.stale != nil {
		return x, s.stale
	}
	e, a, r, err := d.session(s, accessKeyID, securityToken)
	if err != nil {
		return x, errf("ExplainSession", accessKeyID, err, "")
	}
	req.Principal = evaluator.Principal{Type: evaluator.PrincipalRole, AccountID: a.uid, ARN: r.arn}
	req.PrincipalResolved = true
	dec, layer, err := d.decideSession(e, r, a, &req)
	if err != nil {
		return x, &Error{Op: "ExplainSession", Subject: e.session.String(), Err: ErrInvalid, Cause: err}
	}
	if owner := resourceOwner(&req, a.uid); owner != a.uid {
		dec, layer = d.crossAccount(s, owner, &req, dec, layer)
	}
	x.Decision, x.Layer = dec, layer
	switch layer {
	case LayerSessionPolicy:
		sp, _ := e.policy(d)
		x.Detail = sp.Explain(req)
	case LayerIdentity:
		if x.Detail, err = explainSets(req, r.att.set, a, nil); err != nil {
			return x, err
		}
	}
	return x, nil
}
