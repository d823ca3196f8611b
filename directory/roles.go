package directory

import (
	"fmt"
	"slices"
	"time"

	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/policy/system"
	"github.com/ramauthz/ramauthz/principal"
)

// RoleSpec describes a role to create.
type RoleSpec struct {
	// TrustPolicy is the trust policy document (the RAM API's
	// AssumeRolePolicyDocument), checked by policy.Parse as a trust policy.
	TrustPolicy string
	// Description is optional: valid UTF-8, at most 1,024 characters.
	Description string
	// MaxSessionDuration in seconds: 3,600 to 43,200; 0 means 3,600.
	MaxSessionDuration int
	// ServiceLinked marks a service-linked role: its trust policy and
	// attachments are fixed at creation (spec §7.1).
	ServiceLinked bool
	// Policies are attached at creation (the only way to give a
	// service-linked role its policies); the usual limits apply.
	Policies []PolicyRef
}

// RoleUpdate holds UpdateRole's changes; zero fields keep the current
// value.
type RoleUpdate struct {
	TrustPolicy        string // new trust policy, or "" to keep it
	MaxSessionDuration int    // seconds, or 0 to keep it
	Description        string // new description, or "" to keep it
}

// RoleInfo describes a role.
type RoleInfo struct {
	ID                 principal.ID // acs:ram::<uid>:role/<name>
	RoleID             string       // 19 digits, unique for the directory's life; part of AssumedRoleId
	Description        string
	Created            time.Time
	TrustPolicy        string // as given
	MaxSessionDuration int    // seconds
	ServiceLinked      bool
	Policies           []PolicyRef
	// RevokedBefore: sessions issued strictly before it are refused (zero
	// if RevokeSessions was never called).
	RevokedBefore time.Time
	Revision      Revision
}

func putRole(a *account, r *role) { a.roles = a.roles.Set(r.id.Name(), r) }

func checkMaxSession(op, subject string, secs int) error {
	if secs < MinMaxSessionDuration || secs > MaxMaxSessionDuration {
		return &Error{Op: op, Subject: subject, Err: ErrInvalid, Limit: LimitSessionDuration,
			Msg: fmt.Sprintf("MaxSessionDuration must be 3600 to 43200 seconds, not %d", secs)}
	}
	return nil
}

func (t *txn) roleOf(op string, id principal.ID) (*account, *role, error) {
	if err := want(op, id, principal.KindRole); err != nil {
		return nil, nil, err
	}
	a, err := t.writable(id.Account())
	if err != nil {
		return nil, nil, err
	}
	r := a.role(id.Name())
	if r == nil {
		return nil, nil, errf(op, id.String(), ErrNotFound, "no such role")
	}
	return a, r, nil
}

// CreateRole creates role id. Errors: ErrInvalid (ID, trust policy,
// duration, description), ErrNotFound (account, attached policy),
// ErrExists, ErrLimit (LimitRoles, LimitPolicyDocument, attachments).
func (d *Directory) CreateRole(id principal.ID, spec RoleSpec) (Revision, error) {
	const op = "CreateRole"
	if err := want(op, id, principal.KindRole); err != nil {
		return 0, err
	}
	if spec.MaxSessionDuration == 0 {
		spec.MaxSessionDuration = DefaultMaxSessionDuration
	}
	if err := checkMaxSession(op, id.String(), spec.MaxSessionDuration); err != nil {
		return 0, err
	}
	if err := checkDescription(op, id.String(), spec.Description); err != nil {
		return 0, err
	}
	doc, err := parseDocument(op, id.String(), spec.TrustPolicy, policy.Trust)
	if err != nil {
		return 0, err
	}
	return d.commit(op, func(t *txn) error {
		a, err := t.writable(id.Account())
		if err != nil {
			return err
		}
		if a.role(id.Name()) != nil {
			return errf(op, id.String(), ErrExists, "")
		}
		if a.roles.Len() >= d.limits.RolesPerAccount {
			return limitErr(op, id.String(), LimitRoles, d.limits.RolesPerAccount)
		}
		r := &role{id: id, arn: id.String(), roleID: t.newRoleID(), description: spec.Description,
			created: t.now, trustText: spec.TrustPolicy, trust: d.trustSet(doc),
			maxSession: spec.MaxSessionDuration}
		putRole(a, r)
		for _, ref := range spec.Policies {
			if ref.Type == PolicyCustom && a.policy(ref.Name) == nil {
				return errf(op, ref.String(), ErrNotFound, "no such custom policy in account "+a.uid)
			}
			if ref.Type != PolicyCustom && ref.Type != PolicySystem {
				return errf(op, ref.Name, ErrInvalid, "policy type must be PolicySystem or PolicyCustom")
			}
			if _, ok := system.Get(ref.Name); ref.Type == PolicySystem && !ok {
				return errf(op, ref.String(), ErrNotFound, "no such system policy")
			}
			if err := t.attachRef(a, id, &a.role(id.Name()).att, ref, true); err != nil && err != errNoop {
				return err
			}
		}
		if spec.ServiceLinked {
			nr := *a.role(id.Name())
			nr.serviceLinked = true
			putRole(a, &nr)
		}
		return nil
	})
}

// UpdateRole changes a role's trust policy, maximum session duration or
// description. Existing sessions keep their expiry.
// Errors: ErrInvalid, ErrNotFound, ErrImmutable (a service-linked role's
// trust policy), ErrLimit.
func (d *Directory) UpdateRole(id principal.ID, u RoleUpdate) (Revision, error) {
	const op = "UpdateRole"
	var doc *policy.Document
	if u.TrustPolicy != "" {
		var err error
		if doc, err = parseDocument(op, id.String(), u.TrustPolicy, policy.Trust); err != nil {
			return 0, err
		}
	}
	if u.MaxSessionDuration != 0 {
		if err := checkMaxSession(op, id.String(), u.MaxSessionDuration); err != nil {
			return 0, err
		}
	}
	if err := checkDescription(op, id.String(), u.Description); err != nil {
		return 0, err
	}
	return d.commit(op, func(t *txn) error {
		a, r, err := t.roleOf(op, id)
		if err != nil {
			return err
		}
		nr := *r
		if doc != nil {
			if r.serviceLinked {
				return errf(op, id.String(), ErrImmutable, "a service-linked role's trust policy is fixed")
			}
			nr.trustText, nr.trust = u.TrustPolicy, d.trustSet(doc)
		}
		if u.MaxSessionDuration != 0 {
			nr.maxSession = u.MaxSessionDuration
		}
		if u.Description != "" {
			nr.description = u.Description
		}
		putRole(a, &nr)
		return nil
	})
}

// DeleteRole deletes role id; its sessions are refused from the next
// decision on (ErrTokenRevoked), and a role re-created under the same name
// gets a new RoleId, so they never revive. DeleteStrict refuses with
// ErrInUse while policies are attached (each a Blocker); DeleteCascade
// detaches them first. Errors: ErrInvalid, ErrNotFound, ErrInUse.
func (d *Directory) DeleteRole(id principal.ID, mode DeleteMode) (Revision, error) {
	const op = "DeleteRole"
	return d.commit(op, func(t *txn) error {
		a, r, err := t.roleOf(op, id)
		if err != nil {
			return err
		}
		if mode != DeleteCascade && !r.att.empty() {
			var bl []Blocker
			for _, ref := range r.att.refs() {
				bl = append(bl, Blocker{"attachment", ref.String()})
			}
			return &Error{Op: op, Subject: id.String(), Err: ErrInUse, Blockers: bl}
		}
		for _, pn := range r.att.custom {
			t.unhold(a, pn, "r/"+r.id.Name())
		}
		a.roles = a.roles.Delete(r.id.Name())
		t.bury(a.uid, kindDeadRole, r.roleID)
		return nil
	})
}

// GetRole describes role id. Errors: ErrInvalid, ErrNotFound.
func (d *Directory) GetRole(id principal.ID) (RoleInfo, error) {
	const op = "GetRole"
	if err := want(op, id, principal.KindRole); err != nil {
		return RoleInfo{}, err
	}
	s := d.cur.Load()
	a := s.account(id.Account())
	if a == nil {
		return RoleInfo{}, errf(op, id.Account(), ErrNotFound, "no such account")
	}
	r := a.role(id.Name())
	if r == nil {
		return RoleInfo{}, errf(op, id.String(), ErrNotFound, "no such role")
	}
	return RoleInfo{ID: r.id, RoleID: r.roleID, Description: r.description, Created: r.created,
		TrustPolicy: r.trustText, MaxSessionDuration: r.maxSession, ServiceLinked: r.serviceLinked,
		Policies: r.att.refs(), RevokedBefore: r.revokedBefore, Revision: s.rev}, nil
}

// RevokeSessions refuses, from the returned revision on, every session of
// role id issued strictly before issuedBefore (exclusive: a session issued
// at exactly issuedBefore survives). The cut-off only moves forward: an
// earlier cut-off than the recorded one is nothing to do. Sessions issued
// later are not affected; to end every session issued up to now, use
// RevokeAllSessions. Chained sessions (issued to a session of this role
// for another role) belong to the other role and are not affected.
// Errors: ErrInvalid (not a role ID, or a time outside the years
// 0001–9999), ErrNotFound.
func (d *Directory) RevokeSessions(id principal.ID, issuedBefore time.Time) (Revision, error) {
	const op = "RevokeSessions"
	if !inRange(issuedBefore) {
		return 0, errf(op, id.String(), ErrInvalid, "issuedBefore must lie in the years 0001-9999")
	}
	return d.revoke(op, id, func(time.Time) time.Time { return issuedBefore.UTC().Round(0) })
}

// RevokeAllSessions refuses every session of role id issued up to and
// including the directory clock's current reading (the cut-off is that
// reading plus one nanosecond, held at the last instant of the year 9999
// so that the state stays exportable, spec D28: no session can be issued
// at that instant, since its expiry would lie past 9999).
// Errors: ErrInvalid, ErrNotFound.
func (d *Directory) RevokeAllSessions(id principal.ID) (Revision, error) {
	return d.revoke("RevokeAllSessions", id, cutAfter)
}

// cutAfter is the RevokeSessions cut-off that refuses every session issued
// up to and including the instant t: t plus one nanosecond, held at the
// last instant of the year 9999 (spec D28).
func cutAfter(t time.Time) time.Time {
	if c := t.Add(time.Nanosecond); inRange(c) {
		return c
	}
	return maxTime
}

func (d *Directory) revoke(op string, id principal.ID, cut func(now time.Time) time.Time) (Revision, error) {
	return d.commit(op, func(t *txn) error {
		a, r, err := t.roleOf(op, id)
		if err != nil {
			return err
		}
		c := cut(t.now)
		if !c.After(r.revokedBefore) {
			return errNoop
		}
		nr := *r
		nr.revokedBefore = c
		putRole(a, &nr)
		return nil
	})
}

// ListRoles describes the roles of account uid, sorted by name.
// Errors: ErrNotFound.
func (d *Directory) ListRoles(uid string) ([]RoleInfo, error) {
	s := d.cur.Load()
	a := s.account(uid)
	if a == nil {
		return nil, errf("ListRoles", uid, ErrNotFound, "no such account")
	}
	var out []RoleInfo
	for _, r := range a.roles.Sorted {
		out = append(out, RoleInfo{ID: r.id, RoleID: r.roleID, Description: r.description, Created: r.created,
			TrustPolicy: r.trustText, MaxSessionDuration: r.maxSession, ServiceLinked: r.serviceLinked,
			Policies: r.att.refs(), RevokedBefore: r.revokedBefore, Revision: s.rev})
	}
	return slices.Clip(out), nil
}
