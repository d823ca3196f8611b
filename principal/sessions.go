package principal

import (
	"crypto/rand"
	"errors"
	"slices"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

// session is a role session created by AssumeRole.
type session struct {
	id         ID
	arn        string
	role       *role
	assumedID  string // <roleId>:<session name>
	caller     ID
	keyID      string   // STS.…
	secretHash [32]byte // SHA-256 of the AccessKeySecret
	tokenHash  [32]byte // SHA-256 of the SecurityToken
	policyText string
	policyDoc  *policy.Document // nil without a session policy
	sess       sessionEval
	issued     time.Time
	expires    time.Time
}

// randomDigits returns n decimal digits from crypto/rand, the first not 0.
func randomDigits(n int) (string, error) {
	b := make([]byte, 0, n)
	var buf [32]byte
	for len(b) < n {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", err
		}
		for _, c := range buf {
			if c >= 250 || len(b) == n || (len(b) == 0 && c%10 == 0) {
				continue
			}
			b = append(b, '0'+c%10)
		}
	}
	return string(b), nil
}

// loadSession validates an exported session of role r.
func loadSession(op string, r *role, es *exportSession) (*session, error) {
	bad := func(subj, msg string, cause error) error {
		return &Error{Op: op, Subject: subj, Err: ErrInvalid, Msg: msg, Cause: cause}
	}
	id, err := SessionID(r.id.account, r.id.name, es.Name)
	if err != nil {
		return nil, bad(r.arn, "", err)
	}
	subj := id.String()
	if es.AssumedRoleID != r.roleID+":"+es.Name {
		return nil, bad(subj, "assumedRoleId must be <roleId>:<session name>", nil)
	}
	caller, err := Parse(es.Caller)
	if err != nil {
		return nil, bad(subj, "bad caller", err)
	}
	if !callerKindAllowed(caller.Kind()) {
		return nil, bad(subj, callerKindMsg(caller), nil)
	}
	if !validKeyID(es.AccessKeyID, "STS.") {
		return nil, bad(es.AccessKeyID, "malformed STS access key ID", nil)
	}
	sh, ok1 := parseHash(es.SecretSHA256)
	th, ok2 := parseHash(es.TokenSHA256)
	if !ok1 || !ok2 {
		return nil, bad(subj, "secretSha256 and tokenSha256 must be 64 lower-case hex digits", nil)
	}
	if err := checkImportTime(op, subj, "issued", &es.Issued); err != nil {
		return nil, err
	}
	if err := checkImportTime(op, subj, "expires", &es.Expires); err != nil {
		return nil, err
	}
	// A lifetime AssumeRole could have given it: 900 seconds up to the
	// largest MaxSessionDuration a role can have. (Not the role's current
	// maximum: UpdateRole may have lowered it after the session was issued,
	// and such a directory must still export and import.)
	if life := es.Expires.Sub(es.Issued); life < MinSessionDuration*time.Second || life > MaxMaxSessionDuration*time.Second {
		return nil, &Error{Op: op, Subject: subj, Err: ErrInvalid, Limit: LimitSessionDuration,
			Msg: "a session must live " + itoa(MinSessionDuration) + " to " + itoa(MaxMaxSessionDuration) + " seconds"}
	}
	s := &session{id: id, arn: subj, role: r, assumedID: es.AssumedRoleID, caller: caller,
		keyID: es.AccessKeyID, secretHash: sh, tokenHash: th, policyText: es.Policy,
		issued: es.Issued, expires: es.Expires}
	if es.Policy != "" {
		doc, err := parseSessionPolicy(op, subj, es.Policy)
		if err != nil {
			return nil, err
		}
		ev, cerr := evaluator.Compile(evaluator.Policy{ID: SessionPolicyID, Document: doc})
		if cerr != nil {
			return nil, bad(subj, "invalid session policy", cerr)
		}
		s.policyDoc, s.sess.ev = doc, ev
	}
	return s, nil
}

// parseSessionPolicy validates a session policy document (at most 2,048
// characters).
func parseSessionPolicy(op, subject, text string) (*policy.Document, error) {
	doc, err := policy.Parse([]byte(text), policy.WithKind(policy.Session))
	if err != nil {
		e := &Error{Op: op, Subject: subject, Err: ErrInvalid, Msg: "invalid session policy", Cause: err}
		if errors.Is(err, policy.ErrLimit) {
			e.Err, e.Limit = ErrLimit, LimitPolicyDocument
		}
		return nil, e
	}
	return doc, nil
}

// Session duration bounds of AssumeRole's DurationSeconds (spec §7.2).
const (
	MinSessionDuration     = 900
	DefaultSessionDuration = 3600
)

// SessionSpec is what CreateSession records. Package role fills it after
// checking the trust policy and the caller's permissions; see role.AssumeRole.
type SessionSpec struct {
	Role     ID     // the role, acs:ram::<uid>:role/<name>
	Name     string // the RoleSessionName (CheckSessionName)
	Caller   ID     // who assumed the role (kept for audit and export)
	Policy   string // the session policy document, or "" for none
	Duration int    // seconds: 900 to the role's MaxSessionDuration
}

// callerKindAllowed reports whether an identity of kind k may hold a role
// session as its caller: what AssumeRole accepts (spec §6.3): RAM users,
// role sessions (chaining), services and identity providers. Account roots,
// groups and roles themselves cannot call AssumeRole.
func callerKindMsg(id ID) string {
	return "the caller " + id.String() + " cannot have assumed a role: only RAM users, role sessions, services and identity providers can"
}

func callerKindAllowed(k Kind) bool {
	switch k {
	case KindUser, KindSession, KindService, KindSAMLProvider, KindOIDCProvider:
		return true
	}
	return false
}

// SessionCredentials is returned once, by CreateSession: the only time the
// secret and the security token are visible. The directory keeps only
// SHA-256 hashes of them. Printing SessionCredentials (fmt with any verb,
// String, GoString, slog) shows "[REDACTED]" for both; read the fields to
// hand them over.
type SessionCredentials struct {
	ARN             ID     // acs:ram::<uid>:role/<role>/<session>
	AssumedRoleID   string // <roleId>:<session>
	AccessKeyID     string // "STS." followed by 28 letters and digits
	AccessKeySecret string
	SecurityToken   string
	Issued          time.Time
	Expiration      time.Time
}

// SessionInfo describes a live role session without its secrets.
type SessionInfo struct {
	ARN           ID
	AssumedRoleID string
	AccessKeyID   string
	Caller        ID
	Policy        string
	Issued        time.Time
	Expiration    time.Time
}

// CreateSession records a new session of spec.Role and returns its
// credentials. The session is issued at the directory clock's current time
// (the only clock, spec §13 D29) and expires spec.Duration seconds later.
// It checks the session itself (role exists, name, caller of a kind that may
// assume roles, duration within the role's maximum, session policy valid and
// at most 2,048 characters, expiry within the year 9999) but not whether the
// caller may assume the role: that is
// package role's AssumeRole, which calls CreateSession only after the trust
// and identity checks of spec §6.3.
//
// generation must be the directory generation at which those checks were
// made (see Generation and RoleTrust); if anything changed since,
// CreateSession records nothing and fails with ErrStale, so a session is
// never granted on a state that no longer exists.
//
// Errors: ErrInvalid (also for a clock reading or an expiry outside the
// years 0001 to 9999, spec §13 D28), ErrNotFound, ErrLimit
// (LimitPolicyDocument), ErrStale.
func (d *Directory) CreateSession(spec SessionSpec, generation uint64) (SessionCredentials, error) {
	const op = "CreateSession"
	id, err := SessionID(spec.Role.account, spec.Role.name, spec.Name)
	if err != nil || spec.Role.kind != KindRole {
		return SessionCredentials{}, &Error{Op: op, Subject: spec.Role.String(), Err: ErrInvalid, Msg: "bad role or session name", Cause: err}
	}
	subj := id.String()
	if !spec.Caller.IsValid() {
		return SessionCredentials{}, errf(op, subj, ErrInvalid, "the caller is required")
	}
	if !callerKindAllowed(spec.Caller.Kind()) {
		return SessionCredentials{}, errf(op, subj, ErrInvalid, callerKindMsg(spec.Caller))
	}
	var sess sessionEval
	var doc *policy.Document
	if spec.Policy != "" {
		if doc, err = parseSessionPolicy(op, subj, spec.Policy); err != nil {
			return SessionCredentials{}, err
		}
		ev, cerr := evaluator.Compile(evaluator.Policy{ID: SessionPolicyID, Document: doc})
		if cerr != nil {
			return SessionCredentials{}, &Error{Op: op, Subject: subj, Err: ErrInvalid, Msg: "invalid session policy", Cause: cerr}
		}
		sess.ev = ev
	}
	keyID, err1 := randomString("STS.", 28)
	secret, err2 := randomString("", 30)
	token, err3 := randomString("CAIS", 200)
	if err := errors.Join(err1, err2, err3); err != nil {
		return SessionCredentials{}, &Error{Op: op, Subject: subj, Err: ErrInvalid, Msg: "random source failed", Cause: err}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.gen != generation {
		return SessionCredentials{}, errf(op, subj, ErrStale, "the directory changed since the checks")
	}
	r, err := d.roleByID(op, spec.Role)
	if err != nil {
		return SessionCredentials{}, err
	}
	if spec.Duration < MinSessionDuration || spec.Duration > r.maxSession {
		return SessionCredentials{}, &Error{Op: op, Subject: subj, Err: ErrInvalid, Limit: LimitSessionDuration,
			Msg: "DurationSeconds must be " + itoa(MinSessionDuration) + " to " + itoa(r.maxSession)}
	}
	for d.keys[keyID] != nil || d.sessKeys[keyID] != nil {
		if keyID, err = randomString("STS.", 28); err != nil {
			return SessionCredentials{}, &Error{Op: op, Subject: subj, Err: ErrInvalid, Msg: "random source failed", Cause: err}
		}
	}
	issued, err := d.stamp(op, subj)
	if err != nil {
		return SessionCredentials{}, err
	}
	expires := issued.Add(time.Duration(spec.Duration) * time.Second)
	if !inRange(expires) {
		return SessionCredentials{}, timeErr(op, subj, "the session would expire at", expires)
	}
	s := &session{id: id, arn: subj, role: r, assumedID: r.roleID + ":" + spec.Name, caller: spec.Caller,
		keyID: keyID, secretHash: hashSecret(secret), tokenHash: hashSecret(token), policyText: spec.Policy,
		policyDoc: doc, sess: sess, issued: issued, expires: expires}
	r.sessions = append(r.sessions, s)
	d.sessKeys[keyID] = s
	d.sessARNs[subj] = s
	// A new session changes no existing decision, so the generation stays.
	return SessionCredentials{ARN: id, AssumedRoleID: s.assumedID, AccessKeyID: keyID, AccessKeySecret: secret,
		SecurityToken: token, Issued: s.issued, Expiration: s.expires}, nil
}

// SessionPolicyID is the policy ID under which explanations cite a
// session policy.
const SessionPolicyID = "session-policy"

func (s *session) info() SessionInfo {
	return SessionInfo{ARN: s.id, AssumedRoleID: s.assumedID, AccessKeyID: s.keyID, Caller: s.caller,
		Policy: s.policyText, Issued: s.issued, Expiration: s.expires}
}

// checkLive returns nil when s is live by the directory clock, ErrExpired
// when it expired or was revoked, and ErrInvalid when the clock reads a
// time outside the years 0001 to 9999 (which decides nothing).
func (d *Directory) checkLive(op string, s *session) error {
	now := d.clock()
	if !inRange(now) {
		return timeErr(op, s.arn, "the directory clock reads", now)
	}
	if !s.live(now) {
		return errf(op, s.arn, ErrExpired, "")
	}
	return nil
}

// live reports whether s is neither expired nor revoked at now.
func (s *session) live(now time.Time) bool {
	return now.Before(s.expires) && !s.issued.Before(s.role.revokedBefore)
}

// ListSessions returns the recorded sessions of a role, oldest first,
// including expired and revoked ones not yet purged.
// Errors: ErrInvalid, ErrNotFound.
func (d *Directory) ListSessions(roleID ID) ([]SessionInfo, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	r, err := d.roleByID("ListSessions", roleID)
	if err != nil {
		return nil, err
	}
	out := make([]SessionInfo, 0, len(r.sessions))
	for _, s := range r.sessions {
		out = append(out, s.info())
	}
	return out, nil
}

// VerifySession checks STS credentials, comparing the secret and the
// security token in constant time, and returns the session's ID.
// Errors: ErrNotFound, ErrCredentials, ErrExpired (expired or revoked, by
// the directory's clock).
func (d *Directory) VerifySession(accessKeyID, secret, securityToken string) (ID, error) {
	const op = "VerifySession"
	d.mu.RLock()
	defer d.mu.RUnlock()
	s := d.sessKeys[accessKeyID]
	if s == nil {
		return ID{}, errf(op, accessKeyID, ErrNotFound, "no such session")
	}
	okSecret := hashEqual(s.secretHash, secret)
	okToken := hashEqual(s.tokenHash, securityToken)
	if !okSecret || !okToken {
		return ID{}, errf(op, accessKeyID, ErrCredentials, "")
	}
	if err := d.checkLive(op, s); err != nil {
		return ID{}, err
	}
	return s.id, nil
}

// RevokeSessions ends, from the next decision on, every session of a role
// issued before issuedBefore (spec: tokens cannot be revoked one by one,
// but a role's older sessions can be cut off at once). The cut-off only
// moves forward: an earlier issuedBefore than the current one is a no-op.
// Errors: ErrInvalid (also for a cut-off outside the years 0001 to 9999,
// spec §13 D28), ErrNotFound.
func (d *Directory) RevokeSessions(roleID ID, issuedBefore time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, err := d.roleByID("RevokeSessions", roleID)
	if err != nil {
		return err
	}
	if !inRange(issuedBefore) {
		return timeErr("RevokeSessions", r.arn, "the cut-off", issuedBefore)
	}
	t := issuedBefore.UTC().Round(0)
	if t.After(r.revokedBefore) {
		r.revokedBefore = t
		d.changed()
	}
	return nil
}

// PurgeSessions forgets every session that is expired or revoked at the
// directory clock's current time and returns how many it removed. Such
// sessions are denied either way; purging only frees their memory (and
// turns their ErrExpired into ErrNotFound).
func (d *Directory) PurgeSessions() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.clock()
	if !inRange(now) {
		return 0 // a clock outside the years 0001 to 9999 decides nothing
	}
	n := 0
	for _, r := range d.roles {
		kept := r.sessions[:0]
		var dead []*session
		for _, s := range r.sessions {
			if s.live(now) {
				kept = append(kept, s)
			} else {
				dead = append(dead, s)
			}
		}
		r.sessions = kept
		for _, s := range dead {
			d.unindexSession(s)
			n++
		}
	}
	return n
}

// RoleTrust is what AssumeRole needs to know about a role, read at one
// generation of the directory.
type RoleTrust struct {
	Role               ID
	RoleID             string
	MaxSessionDuration int
	ServiceLinked      bool
	// Trust is the compiled trust policy (policy ID "trust-policy").
	Trust *evaluator.Evaluator
	// ConditionKeys lists the condition keys of the trust policy, as
	// written, each once (a fresh slice of the caller's). AssumeRole uses
	// it to set sts:ExternalId under every spelling the policy reads.
	ConditionKeys []string
	// Generation is the directory generation this was read at; pass it to
	// CreateSession.
	Generation uint64
}

// TrustPolicyID is the policy ID under which explanations cite a trust
// policy.
const TrustPolicyID = "trust-policy"

// RoleTrust returns the role's trust data with its compiled trust policy
// (cached until the next change of the directory).
// Errors: ErrInvalid, ErrNotFound.
func (d *Directory) RoleTrust(roleID ID) (RoleTrust, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	r, err := d.roleByID("RoleTrust", roleID)
	if err != nil {
		return RoleTrust{}, err
	}
	c := d.trustCompiled(r)
	if c.err != nil {
		return RoleTrust{}, c.err
	}
	return RoleTrust{Role: r.id, RoleID: r.roleID, MaxSessionDuration: r.maxSession,
		ServiceLinked: r.serviceLinked, Trust: c.ev, ConditionKeys: conditionKeys(r.trust), Generation: d.gen}, nil
}

// conditionKeys returns the distinct condition keys of doc, as written.
func conditionKeys(doc *policy.Document) []string {
	var out []string
	for _, st := range doc.Statements {
		for _, c := range st.Condition {
			if !slices.Contains(out, c.Key) {
				out = append(out, c.Key)
			}
		}
	}
	return out
}

// trustCompiled returns r's compiled trust policy, compiling it if the
// cached one is stale. Callers hold d.mu (read or write).
func (d *Directory) trustCompiled(r *role) *compiled {
	c := r.trustCache.Load()
	if c == nil || c.gen != d.gen {
		c = d.compile(r.arn, []evaluator.Policy{{ID: TrustPolicyID, Document: r.trust}})
		r.trustCache.Store(c)
	}
	return c
}

// Resolve returns the identity principal names, resolving access keys and
// session credentials, with the errors Authorize would give: ErrNotFound,
// ErrInactive (user access key), ErrExpired (session). A service principal
// such as "ecs.aliyuncs.com" and an identity provider ARN resolve to
// themselves without lookup; a role ARN resolves to the role if it exists.
func (d *Directory) Resolve(principal string) (ID, error) {
	const op = "Resolve"
	d.mu.RLock()
	defer d.mu.RUnlock()
	try := func(p string) (ID, error, bool) {
		if u := d.users[p]; u != nil {
			return u.id, nil, true
		}
		if k := d.keys[p]; k != nil {
			if k.status != Active {
				return ID{}, errf(op, p, ErrInactive, ""), true
			}
			return k.owner.id, nil, true
		}
		s := d.sessKeys[p]
		if s == nil {
			s = d.sessARNs[p]
		}
		if s != nil {
			if err := d.checkLive(op, s); err != nil {
				return ID{}, err, true
			}
			return s.id, nil, true
		}
		if r := d.roles[p]; r != nil {
			return r.id, nil, true
		}
		if uid, ok := rootAccount(p); ok && d.accounts[uid] != nil {
			return d.accounts[uid].root, nil, true
		}
		return ID{}, nil, false
	}
	if id, err, ok := try(principal); ok {
		return id, err
	}
	if id, err := Parse(principal); err == nil {
		switch id.kind {
		case KindService, KindSAMLProvider, KindOIDCProvider:
			return id, nil
		}
		if id.String() != principal {
			if id, err, ok := try(id.String()); ok {
				return id, err
			}
		}
	}
	return ID{}, errf(op, principal, ErrNotFound, "unknown principal")
}
