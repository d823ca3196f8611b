package directory

import (
	"errors"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/ramauthz/ramauthz/internal/pmap"

	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/policy/system"
	"github.com/ramauthz/ramauthz/principal"
)

// PolicySpec describes a custom policy to create.
type PolicySpec struct {
	// Name: 1 to 128 characters from letters, digits and '-' (spec §5); not
	// the name of a system policy.
	Name string
	// Description is optional: valid UTF-8, at most 1,024 characters.
	Description string
	// Document is the policy document, an identity policy of at most 6,144
	// characters (minified), checked by policy.Parse in strict mode.
	Document string
}

// VersionSpec describes a new version of a custom policy.
type VersionSpec struct {
	Document     string         // as PolicySpec.Document
	SetAsDefault bool           // make the new version the one in force
	Rotate       RotateStrategy // what to do when the policy has the maximum number of versions
}

// PolicyInfo describes a system or custom policy.
type PolicyInfo struct {
	Type           PolicyType
	Name           string
	Description    string
	DefaultVersion string    // such as "v3"; only this version is in force
	Created        time.Time // zero for system policies
	// AttachedTo lists the users, groups and roles of the account that hold
	// a custom policy, sorted (empty for system policies).
	AttachedTo []principal.ID
	Revision   Revision
}

// PolicyVersion is one version of a policy.
type PolicyVersion struct {
	ID        string // "v1", "v2", ...
	IsDefault bool
	Document  string    // as given (system policies: as shipped)
	Created   time.Time // zero for system policies
}

func checkDescription(op, subject, s string) error {
	if !utf8.ValidString(s) {
		return errf(op, subject, ErrInvalid, "the description is not valid UTF-8")
	}
	if utf8.RuneCountInString(s) > MaxDescription {
		return limitErr(op, subject, LimitDescription, MaxDescription)
	}
	return nil
}

func parseDocument(op, subject, text string, kind policy.Kind) (*policy.Document, error) {
	doc, err := policy.Parse([]byte(text), policy.WithKind(kind))
	if err != nil {
		e := &Error{Op: op, Subject: subject, Err: ErrInvalid, Msg: "invalid " + kind.String() + " policy document", Cause: err}
		if errors.Is(err, policy.ErrLimit) {
			e.Err, e.Limit = ErrLimit, LimitPolicyDocument
		}
		return nil, e
	}
	return doc, nil
}

// CreatePolicy creates custom policy spec.Name in account uid with
// spec.Document as its default version v1. A rejected document is an
// *Error whose Cause is the *policy.ParseError.
// Errors: ErrInvalid, ErrNotFound (account), ErrExists (also for a system
// policy's name), ErrLimit (LimitPolicies, LimitDescription,
// LimitPolicyDocument).
func (d *Directory) CreatePolicy(uid string, spec PolicySpec) (Revision, error) {
	const op = "CreatePolicy"
	if err := principal.CheckPolicyName(spec.Name); err != nil {
		return 0, &Error{Op: op, Subject: spec.Name, Err: ErrInvalid, Cause: err}
	}
	if err := checkDescription(op, spec.Name, spec.Description); err != nil {
		return 0, err
	}
	doc, err := parseDocument(op, spec.Name, spec.Document, policy.Identity)
	if err != nil {
		return 0, err
	}
	return d.commit(op, func(t *txn) error {
		a, err := t.writable(uid)
		if err != nil {
			return err
		}
		if _, sys := system.Get(spec.Name); sys || a.policy(spec.Name) != nil {
			return errf(op, spec.Name, ErrExists, "")
		}
		if a.policies.Len() >= d.limits.PoliciesPerAccount {
			return limitErr(op, spec.Name, LimitPolicies, d.limits.PoliciesPerAccount)
		}
		p := &customPolicy{name: spec.Name, description: spec.Description, created: t.now, defaultV: "v1", nextV: 2,
			versions: []*version{{id: "v1", uid: t.uid(), text: spec.Document, doc: doc, created: t.now}},
			holders:  pmap.Map[struct{}]{}}
		a.policies = a.policies.Set(p.name, p)
		return nil
	})
}

func (t *txn) customOf(uid, name string) (*account, *customPolicy, error) {
	a, err := t.writable(uid)
	if err != nil {
		return nil, nil, err
	}
	p := a.policy(name)
	if p == nil {
		if _, sys := system.Get(name); sys {
			return nil, nil, errf(t.op, name, ErrImmutable, "system policies cannot be changed")
		}
		return nil, nil, errf(t.op, name, ErrNotFound, "no such custom policy in account "+uid)
	}
	return a, p, nil
}

func putPolicy(a *account, p *customPolicy) { a.policies = a.policies.Set(p.name, p) }

// CreatePolicyVersion adds a version to custom policy name of account uid
// and returns its ID. With spec.SetAsDefault it is in force from this
// revision on (every holder's compiled set is rebuilt; nobody else's).
// Errors: ErrInvalid, ErrNotFound, ErrImmutable (system policy), ErrLimit
// (LimitVersions with RotateNone, LimitPolicyDocument).
func (d *Directory) CreatePolicyVersion(uid, name string, spec VersionSpec) (string, Revision, error) {
	const op = "CreatePolicyVersion"
	doc, err := parseDocument(op, name, spec.Document, policy.Identity)
	if err != nil {
		return "", 0, err
	}
	var vid string
	rev, err := d.commit(op, func(t *txn) error {
		a, p, err := t.customOf(uid, name)
		if err != nil {
			return err
		}
		np := *p
		np.versions = slices.Clone(p.versions)
		if len(np.versions) >= d.limits.VersionsPerPolicy {
			if spec.Rotate != RotateDeleteOldestNonDefault {
				return limitErr(op, name, LimitVersions, d.limits.VersionsPerPolicy)
			}
			i := slices.IndexFunc(np.versions, func(v *version) bool { return v.id != np.defaultV })
			np.versions = slices.Delete(np.versions, i, i+1)
		}
		if np.nextV >= 1<<31 {
			return limitErr(op, name, LimitVersions, 1<<31)
		}
		vid = "v" + strconv.Itoa(np.nextV)
		np.nextV++
		np.versions = append(np.versions, &version{id: vid, uid: t.uid(), text: spec.Document, doc: doc, created: t.now})
		if spec.SetAsDefault {
			np.defaultV = vid
		}
		putPolicy(a, &np)
		if spec.SetAsDefault {
			t.refreshHolders(a, &np)
		}
		return nil
	})
	if err != nil {
		return "", 0, err
	}
	return vid, rev, nil
}

// SetDefaultPolicyVersion puts version vid of custom policy name in force.
// Setting the current default is nothing to do.
// Errors: ErrNotFound, ErrImmutable.
func (d *Directory) SetDefaultPolicyVersion(uid, name, vid string) (Revision, error) {
	const op = "SetDefaultPolicyVersion"
	return d.commit(op, func(t *txn) error {
		a, p, err := t.customOf(uid, name)
		if err != nil {
			return err
		}
		if p.version(vid) == nil {
			return errf(op, name+"@"+vid, ErrNotFound, "no such version")
		}
		if p.defaultV == vid {
			return errNoop
		}
		np := *p
		np.defaultV = vid
		putPolicy(a, &np)
		t.refreshHolders(a, &np)
		return nil
	})
}

// DeletePolicyVersion deletes a non-default version.
// Errors: ErrNotFound, ErrImmutable, ErrInUse (the default version).
func (d *Directory) DeletePolicyVersion(uid, name, vid string) (Revision, error) {
	const op = "DeletePolicyVersion"
	return d.commit(op, func(t *txn) error {
		a, p, err := t.customOf(uid, name)
		if err != nil {
			return err
		}
		if p.version(vid) == nil {
			return errf(op, name+"@"+vid, ErrNotFound, "no such version")
		}
		if p.defaultV == vid {
			return &Error{Op: op, Subject: name + "@" + vid, Err: ErrInUse, Msg: "the default version cannot be deleted"}
		}
		np := *p
		np.versions = slices.DeleteFunc(slices.Clone(p.versions), func(v *version) bool { return v.id == vid })
		putPolicy(a, &np)
		return nil
	})
}

// DeletePolicy deletes custom policy name. DeleteStrict is RAM's rule: it
// refuses with ErrInUse while the policy is attached anywhere or has
// versions besides the default, listing every attachment and every such
// version in Error.Blockers. DeleteCascade detaches it everywhere and
// deletes all its versions.
// Errors: ErrNotFound, ErrImmutable, ErrInUse.
func (d *Directory) DeletePolicy(uid, name string, mode DeleteMode) (Revision, error) {
	const op = "DeletePolicy"
	return d.commit(op, func(t *txn) error {
		a, p, err := t.customOf(uid, name)
		if err != nil {
			return err
		}
		holders := holderIDs(a, p)
		if mode != DeleteCascade {
			var bl []Blocker
			for _, h := range holders {
				bl = append(bl, Blocker{"attachment", h.String()})
			}
			for _, v := range p.versions {
				if v.id != p.defaultV {
					bl = append(bl, Blocker{"version", v.id})
				}
			}
			if len(bl) > 0 {
				return &Error{Op: op, Subject: name, Err: ErrInUse, Blockers: bl}
			}
		}
		a.policies = a.policies.Delete(name)
		for _, h := range holders {
			t.editHolder(a, h, func(hd *holder) { *hd.list(PolicyCustom) = remove(hd.custom, name) })
		}
		return nil
	})
}

// holderIDs lists the identities holding p, sorted by kind and name.
func holderIDs(a *account, p *customPolicy) []principal.ID {
	var out []principal.ID
	for k, _ := range p.holders.Sorted {
		name := string(k[2:])
		var id principal.ID
		switch k[0] {
		case 'u':
			id, _ = principal.UserID(a.uid, name)
		case 'g':
			id, _ = principal.GroupID(a.uid, name)
		case 'r':
			id, _ = principal.RoleID(a.uid, name)
		}
		out = append(out, id)
	}
	return out
}

func holderKey(id principal.ID) string {
	switch id.Kind() {
	case principal.KindUser:
		return "u/" + id.Name()
	case principal.KindGroup:
		return "g/" + id.Name()
	}
	return "r/" + id.Name()
}

func (t *txn) hold(a *account, pn, hk string) {
	if p := a.policy(pn); p != nil {
		np := *p
		np.holders = p.holders.Set(hk, struct{}{})
		putPolicy(a, &np)
	}
}

func (t *txn) unhold(a *account, pn, hk string) {
	if p := a.policy(pn); p != nil {
		np := *p
		np.holders = p.holders.Delete(hk)
		putPolicy(a, &np)
	}
}

// editHolder applies edit to the attachments of identity id in a and
// rebuilds its compiled set. It reports false when id does not exist.
func (t *txn) editHolder(a *account, id principal.ID, edit func(*holder)) bool {
	switch id.Kind() {
	case principal.KindUser:
		u := a.user(id.Name())
		if u == nil {
			return false
		}
		nu := *u
		edit(&nu.att)
		nu.att.set = t.d.identitySet(a, &nu.att)
		putUser(a, &nu)
	case principal.KindGroup:
		g := a.group(id.Name())
		if g == nil {
			return false
		}
		ng := *g
		edit(&ng.att)
		ng.att.set = t.d.identitySet(a, &ng.att)
		putGroup(a, &ng)
	case principal.KindRole:
		r := a.role(id.Name())
		if r == nil {
			return false
		}
		nr := *r
		edit(&nr.att)
		nr.att.set = t.d.identitySet(a, &nr.att)
		putRole(a, &nr)
	default:
		return false
	}
	return true
}

// refreshHolders rebuilds the compiled sets of p's holders (and only
// theirs) after p's default version changed.
func (t *txn) refreshHolders(a *account, p *customPolicy) {
	for _, h := range holderIDs(a, p) {
		t.editHolder(a, h, func(*holder) {})
	}
}

// attachments returns the holder of identity id in a (nil if absent).
func attachmentsOf(a *account, id principal.ID) (*holder, bool, string) {
	switch id.Kind() {
	case principal.KindUser:
		if u := a.user(id.Name()); u != nil {
			return &u.att, false, ""
		}
	case principal.KindGroup:
		if g := a.group(id.Name()); g != nil {
			return &g.att, false, ""
		}
	case principal.KindRole:
		if r := a.role(id.Name()); r != nil {
			return &r.att, r.serviceLinked, ""
		}
	default:
		return nil, false, "policies attach to users, groups and roles, not to a " + id.Kind().String()
	}
	return nil, false, "no such " + id.Kind().String()
}

// AttachPolicy attaches policy ref to the user, group or role id. A policy
// already attached is nothing to do (no commit, nil error).
// Errors: ErrInvalid, ErrNotFound (identity or policy), ErrImmutable
// (service-linked role), ErrLimit (LimitSystemAttached,
// LimitCustomAttached).
func (d *Directory) AttachPolicy(id principal.ID, ref PolicyRef) (Revision, error) {
	return d.attach("AttachPolicy", id, ref, true)
}

// DetachPolicy detaches policy ref from id. A policy not attached is
// nothing to do (no commit, nil error).
// Errors: ErrInvalid, ErrNotFound (identity or policy), ErrImmutable.
func (d *Directory) DetachPolicy(id principal.ID, ref PolicyRef) (Revision, error) {
	return d.attach("DetachPolicy", id, ref, false)
}

func (d *Directory) attach(op string, id principal.ID, ref PolicyRef, add bool) (Revision, error) {
	if ref.Type != PolicySystem && ref.Type != PolicyCustom {
		return 0, errf(op, ref.Name, ErrInvalid, "policy type must be PolicySystem or PolicyCustom")
	}
	return d.commit(op, func(t *txn) error {
		a, err := t.writable(id.Account())
		if err != nil {
			return err
		}
		h, slr, msg := attachmentsOf(a, id)
		if h == nil {
			sentinel := ErrNotFound
			if !id.IsValid() || id.Kind() != principal.KindUser && id.Kind() != principal.KindGroup && id.Kind() != principal.KindRole {
				sentinel = ErrInvalid
			}
			return errf(op, id.String(), sentinel, msg)
		}
		if slr {
			return errf(op, id.String(), ErrImmutable, "a service-linked role's policies are fixed")
		}
		if ref.Type == PolicySystem {
			if _, ok := system.Get(ref.Name); !ok {
				return errf(op, ref.String(), ErrNotFound, "no such system policy")
			}
		} else if a.policy(ref.Name) == nil {
			return errf(op, ref.String(), ErrNotFound, "no such custom policy in account "+a.uid)
		}
		return t.attachRef(a, id, h, ref, add)
	})
}

// attachRef attaches or detaches ref on identity id whose attachments are h.
func (t *txn) attachRef(a *account, id principal.ID, h *holder, ref PolicyRef, add bool) error {
	list := *h.list(ref.Type)
	if slices.Contains(list, ref.Name) == add {
		return errNoop
	}
	if add {
		limit, name := t.d.limits.SystemAttached, LimitSystemAttached
		if ref.Type == PolicyCustom {
			limit, name = t.d.limits.CustomAttached, LimitCustomAttached
		}
		if len(list) >= limit {
			return limitErr(t.op, id.String(), name, limit)
		}
	}
	if ref.Type == PolicyCustom {
		if add {
			t.hold(a, ref.Name, holderKey(id))
		} else {
			t.unhold(a, ref.Name, holderKey(id))
		}
	}
	t.editHolder(a, id, func(hd *holder) {
		if add {
			*hd.list(ref.Type) = append(slices.Clip(*hd.list(ref.Type)), ref.Name)
		} else {
			*hd.list(ref.Type) = remove(*hd.list(ref.Type), ref.Name)
		}
	})
	return nil
}

// GetPolicy describes policy ref as seen from account uid (system policies
// are the same in every account). Errors: ErrNotFound.
func (d *Directory) GetPolicy(uid string, ref PolicyRef) (PolicyInfo, error) {
	const op = "GetPolicy"
	s := d.cur.Load()
	if ref.Type == PolicySystem {
		sp, ok := system.Get(ref.Name)
		if !ok {
			return PolicyInfo{}, errf(op, ref.String(), ErrNotFound, "no such system policy")
		}
		return PolicyInfo{Type: PolicySystem, Name: sp.Name, Description: sp.Description, DefaultVersion: sp.Version, Revision: s.rev}, nil
	}
	a := s.account(uid)
	if a == nil {
		return PolicyInfo{}, errf(op, uid, ErrNotFound, "no such account")
	}
	p := a.policy(ref.Name)
	if p == nil {
		return PolicyInfo{}, errf(op, ref.String(), ErrNotFound, "no such custom policy in account "+uid)
	}
	return PolicyInfo{Type: PolicyCustom, Name: p.name, Description: p.description, DefaultVersion: p.defaultV,
		Created: p.created, AttachedTo: holderIDs(a, p), Revision: s.rev}, nil
}

// ListPolicyVersions lists the versions of policy ref, oldest first.
// Errors: ErrNotFound.
func (d *Directory) ListPolicyVersions(uid string, ref PolicyRef) ([]PolicyVersion, error) {
	const op = "ListPolicyVersions"
	if ref.Type == PolicySystem {
		sp, ok := system.Get(ref.Name)
		if !ok {
			return nil, errf(op, ref.String(), ErrNotFound, "no such system policy")
		}
		return []PolicyVersion{{ID: sp.Version, IsDefault: true, Document: string(sp.JSON)}}, nil
	}
	a := d.cur.Load().account(uid)
	if a == nil {
		return nil, errf(op, uid, ErrNotFound, "no such account")
	}
	p := a.policy(ref.Name)
	if p == nil {
		return nil, errf(op, ref.String(), ErrNotFound, "no such custom policy in account "+uid)
	}
	out := make([]PolicyVersion, 0, len(p.versions))
	for _, v := range p.versions {
		out = append(out, PolicyVersion{ID: v.id, IsDefault: v.id == p.defaultV, Document: v.text, Created: v.created})
	}
	return out, nil
}
