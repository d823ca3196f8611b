package principal

import (
	"errors"
	"slices"
	"sync/atomic"
	"time"

	"github.com/ramauthz/ramauthz/policy"
)

// Role session duration bounds (spec §7.2), in seconds.
const (
	// DefaultMaxSessionDuration is a role's MaxSessionDuration when none is
	// given.
	DefaultMaxSessionDuration = 3600
	// MinMaxSessionDuration and MaxMaxSessionDuration bound a role's
	// MaxSessionDuration.
	MinMaxSessionDuration = 3600
	MaxMaxSessionDuration = 43200
)

type role struct {
	subject
	acct          *account
	id            ID
	arn           string
	roleID        string // the RoleId, a 19-digit number
	description   string
	created       time.Time
	trustText     string
	trust         *policy.Document
	maxSession    int // seconds
	serviceLinked bool
	att           attachSet
	trustCache    atomic.Pointer[compiled] // compiled trust policy
	revokedBefore time.Time                // sessions issued before this instant are revoked
	sessions      []*session               // live sessions, oldest first
}

// RoleSpec describes a role to create.
type RoleSpec struct {
	// Name is the role name (CheckRoleName).
	Name string
	// TrustPolicy is the trust policy document (the RAM API's
	// AssumeRolePolicyDocument), validated with policy.Parse as a trust
	// document.
	TrustPolicy string
	// Description is optional, at most 1,024 characters.
	Description string
	// MaxSessionDuration is in seconds: 3,600 to 43,200; 0 means 3,600.
	MaxSessionDuration int
	// ServiceLinked marks a service-linked role: its trust policy and its
	// attachments are fixed at creation (Policies) and cannot change.
	ServiceLinked bool
	// Policies are attached at creation (the only way to give a
	// service-linked role its predefined policies). The usual limits apply.
	Policies []Attachment
}

// RoleUpdate holds the changes UpdateRole applies; zero fields keep the
// current value.
type RoleUpdate struct {
	TrustPolicy        string // new trust policy document, or "" to keep it
	MaxSessionDuration int    // new maximum in seconds, or 0 to keep it
	Description        string // new description, or "" to keep it
}

// RoleInfo describes a role.
type RoleInfo struct {
	ID                 ID     // acs:ram::<uid>:role/<name>
	RoleID             string // a 19-digit number, part of session AssumedRoleIds
	Description        string
	Created            time.Time
	TrustPolicy        string // as given
	MaxSessionDuration int    // seconds
	ServiceLinked      bool
	Attachments        []Attachment
	// RevokedBefore is the cut-off set by RevokeSessions (zero if never):
	// sessions issued before it are denied.
	RevokedBefore time.Time
}

// TrustDocument returns the parsed trust policy currently in force for the
// role roleARN. The document is the caller's own copy: changing it does not
// change the role (spec §13 D27 in the other direction).
// Errors: ErrInvalid, ErrNotFound.
func (d *Directory) TrustDocument(roleARN ID) (*policy.Document, error) {
	d.mu.RLock()
	r, err := d.roleByID("TrustDocument", roleARN)
	var text string
	if err == nil {
		text = r.trustText
	}
	d.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	return parseTrust("TrustDocument", roleARN.String(), text)
}

func (r *role) info() RoleInfo {
	return RoleInfo{ID: r.id, RoleID: r.roleID, Description: r.description, Created: r.created,
		TrustPolicy: r.trustText, MaxSessionDuration: r.maxSession, ServiceLinked: r.serviceLinked,
		Attachments: r.att.attachments(), RevokedBefore: r.revokedBefore}
}

func parseTrust(op, subject, text string) (*policy.Document, error) {
	doc, err := policy.Parse([]byte(text), policy.WithKind(policy.Trust))
	if err != nil {
		e := &Error{Op: op, Subject: subject, Err: ErrInvalid, Msg: "invalid trust policy", Cause: err}
		if errors.Is(err, policy.ErrLimit) {
			e.Err, e.Limit = ErrLimit, LimitPolicyDocument
		}
		return nil, e
	}
	return doc, nil
}

func checkMaxSession(op, subject string, secs int) error {
	if secs < MinMaxSessionDuration || secs > MaxMaxSessionDuration {
		return &Error{Op: op, Subject: subject, Err: ErrInvalid, Limit: LimitSessionDuration,
			Msg: "MaxSessionDuration must be 3600 to 43200 seconds, not " + itoa(secs)}
	}
	return nil
}

func (d *Directory) roleByID(op string, id ID) (*role, error) {
	if id.kind != KindRole {
		return nil, errf(op, id.String(), ErrInvalid, "not a role ARN")
	}
	a, err := d.account(op, id.account)
	if err != nil {
		return nil, err
	}
	r := a.roles[id.name]
	if r == nil {
		return nil, errf(op, id.String(), ErrNotFound, "no such role")
	}
	return r, nil
}

// CreateRole creates a role in account uid.
// Errors: ErrInvalid (name, trust policy, duration, attachments), ErrNotFound
// (account or attached policy), ErrExists, ErrLimit (LimitRoles,
// LimitDescription, LimitPolicyDocument, attachment limits).
func (d *Directory) CreateRole(uid string, spec RoleSpec) (RoleInfo, error) {
	const op = "CreateRole"
	id, err := RoleID(uid, spec.Name)
	if err != nil {
		return RoleInfo{}, &Error{Op: op, Subject: spec.Name, Err: ErrInvalid, Cause: err}
	}
	subj := id.String()
	if err := checkText(op, subj, "the description", spec.Description); err != nil {
		return RoleInfo{}, err
	}
	if len([]rune(spec.Description)) > 1024 {
		return RoleInfo{}, limitErr(op, subj, LimitDescription, 1024)
	}
	if spec.MaxSessionDuration == 0 {
		spec.MaxSessionDuration = DefaultMaxSessionDuration
	}
	if err := checkMaxSession(op, subj, spec.MaxSessionDuration); err != nil {
		return RoleInfo{}, err
	}
	trust, err := parseTrust(op, subj, spec.TrustPolicy)
	if err != nil {
		return RoleInfo{}, err
	}
	roleNum, err := randomDigits(19)
	if err != nil {
		return RoleInfo{}, &Error{Op: op, Subject: subj, Err: ErrInvalid, Msg: "random source failed", Cause: err}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	a, err := d.account(op, uid)
	if err != nil {
		return RoleInfo{}, err
	}
	if a.roles[spec.Name] != nil {
		return RoleInfo{}, errf(op, subj, ErrExists, "")
	}
	if len(a.roles) >= d.limits.RolesPerAccount {
		return RoleInfo{}, limitErr(op, subj, LimitRoles, d.limits.RolesPerAccount)
	}
	var att attachSet
	for _, p := range spec.Policies {
		if err := checkPolicyRef(op, a, p.Type, p.Name); err != nil {
			return RoleInfo{}, err
		}
		if att.has(p.Type, p.Name) {
			continue
		}
		l := att.list(p.Type)
		if p.Type == System && len(*l) >= d.limits.SystemAttached {
			return RoleInfo{}, limitErr(op, subj, LimitSystemAttached, d.limits.SystemAttached)
		}
		if p.Type == Custom && len(*l) >= d.limits.CustomAttached {
			return RoleInfo{}, limitErr(op, subj, LimitCustomAttached, d.limits.CustomAttached)
		}
		*l = append(*l, p.Name)
	}
	created, err := d.stamp(op, subj)
	if err != nil {
		return RoleInfo{}, err
	}
	r := &role{acct: a, id: id, arn: subj, roleID: roleNum, description: spec.Description,
		created: created, trustText: spec.TrustPolicy, trust: trust, maxSession: spec.MaxSessionDuration,
		serviceLinked: spec.ServiceLinked, att: att}
	a.roles[spec.Name] = r
	d.roles[r.arn] = r
	d.changed()
	return r.info(), nil
}

// GetRole returns role name of account uid. Errors: ErrInvalid, ErrNotFound.
func (d *Directory) GetRole(uid, name string) (RoleInfo, error) {
	id, err := RoleID(uid, name)
	if err != nil {
		return RoleInfo{}, &Error{Op: "GetRole", Subject: name, Err: ErrInvalid, Cause: err}
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	r, err := d.roleByID("GetRole", id)
	if err != nil {
		return RoleInfo{}, err
	}
	return r.info(), nil
}

// ListRoles returns the roles of account uid, sorted by name.
// Errors: ErrInvalid, ErrNotFound.
func (d *Directory) ListRoles(uid string) ([]RoleInfo, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	a, err := d.account("ListRoles", uid)
	if err != nil {
		return nil, err
	}
	out := make([]RoleInfo, 0, len(a.roles))
	for _, n := range sortedKeys(a.roles) {
		out = append(out, a.roles[n].info())
	}
	return out, nil
}

// UpdateRole changes a role's trust policy, maximum session duration or
// description. A new trust policy governs the next AssumeRole at once;
// existing sessions are not affected by it (use RevokeSessions for that).
// A service-linked role's trust policy cannot change (ErrImmutable).
// Errors: ErrInvalid, ErrNotFound, ErrImmutable, ErrLimit.
func (d *Directory) UpdateRole(uid, name string, u RoleUpdate) (RoleInfo, error) {
	const op = "UpdateRole"
	id, err := RoleID(uid, name)
	if err != nil {
		return RoleInfo{}, &Error{Op: op, Subject: name, Err: ErrInvalid, Cause: err}
	}
	subj := id.String()
	var trust *policy.Document
	if u.TrustPolicy != "" {
		if trust, err = parseTrust(op, subj, u.TrustPolicy); err != nil {
			return RoleInfo{}, err
		}
	}
	if u.MaxSessionDuration != 0 {
		if err := checkMaxSession(op, subj, u.MaxSessionDuration); err != nil {
			return RoleInfo{}, err
		}
	}
	if err := checkText(op, subj, "the description", u.Description); err != nil {
		return RoleInfo{}, err
	}
	if len([]rune(u.Description)) > 1024 {
		return RoleInfo{}, limitErr(op, subj, LimitDescription, 1024)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	r, err := d.roleByID(op, id)
	if err != nil {
		return RoleInfo{}, err
	}
	if trust != nil && r.serviceLinked {
		return RoleInfo{}, errf(op, subj, ErrImmutable, "a service-linked role's trust policy cannot change")
	}
	if trust != nil {
		r.trust, r.trustText = trust, u.TrustPolicy
	}
	if u.MaxSessionDuration != 0 {
		r.maxSession = u.MaxSessionDuration
	}
	if u.Description != "" {
		r.description = u.Description
	}
	d.changed()
	return r.info(), nil
}

// DeleteRole deletes role name. Strict mode fails with ErrInUse while
// policies are attached (the RAM rule: detach first); Cascade detaches them.
// Either way the role's sessions end with it: from the next decision on they
// resolve to ErrNotFound.
// Errors: ErrInvalid, ErrNotFound, ErrInUse.
func (d *Directory) DeleteRole(uid, name string, mode DeleteMode) error {
	const op = "DeleteRole"
	id, err := RoleID(uid, name)
	if err != nil {
		return &Error{Op: op, Subject: name, Err: ErrInvalid, Cause: err}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	r, err := d.roleByID(op, id)
	if err != nil {
		return err
	}
	if mode != Cascade && !r.att.empty() {
		return errf(op, r.arn, ErrInUse, "the role has attached policies")
	}
	d.dropRole(r)
	delete(r.acct.roles, name)
	d.changed()
	return nil
}

// dropRole removes r's sessions and index entry (not its entry in the
// account's map).
func (d *Directory) dropRole(r *role) {
	for _, s := range r.sessions {
		d.unindexSession(s)
	}
	r.sessions = nil
	r.att = attachSet{}
	delete(d.roles, r.arn)
}

func (d *Directory) unindexSession(s *session) {
	delete(d.sessKeys, s.keyID)
	if d.sessARNs[s.arn] == s {
		delete(d.sessARNs, s.arn)
		// Fall back to the newest other live session with the same ARN.
		for _, o := range slices.Backward(s.role.sessions) {
			if o != s && o.arn == s.arn && d.sessKeys[o.keyID] == o {
				d.sessARNs[s.arn] = o
				break
			}
		}
	}
}
