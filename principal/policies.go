package principal

import (
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/policy/system"
)

// sysPolicy is a shipped system policy as the directory uses it.
type sysPolicy struct {
	name, version, description string
	text                       string
	doc                        *policy.Document
}

var (
	sysOnce sync.Once
	sysByN  map[string]*sysPolicy
	sysList []string
)

// systemPolicy looks a system policy up by exact name. The shipped set comes
// from package policy/system and is loaded once.
func systemPolicy(name string) (*sysPolicy, bool) {
	sysOnce.Do(func() {
		sysByN = map[string]*sysPolicy{}
		for _, p := range system.All() {
			sysByN[p.Name] = &sysPolicy{name: p.Name, version: p.Version, description: p.Description,
				text: string(p.JSON), doc: p.Document}
			sysList = append(sysList, p.Name)
		}
	})
	p, ok := sysByN[name]
	return p, ok
}

func systemPolicyNames() []string {
	systemPolicy("")
	return sysList
}

// PolicyInfo describes a system or custom policy.
type PolicyInfo struct {
	Type           PolicyType
	Name           string
	Description    string
	DefaultVersion string    // such as "v3"; only this version is in force
	Created        time.Time // zero for system policies
	// AttachmentCount is the number of users, groups and roles of the
	// account the policy is attached to.
	AttachmentCount int
}

// PolicyVersion is one version of a policy.
type PolicyVersion struct {
	ID        string // "v1", "v2", ...
	IsDefault bool
	// Document is the policy document as it was given (for system policies:
	// as shipped).
	Document string
	Created  time.Time // zero for system policies
}

func (d *Directory) custom(op, uid, name string) (*account, *customPolicy, error) {
	a, err := d.account(op, uid)
	if err != nil {
		return nil, nil, err
	}
	p := a.policies[name]
	if p == nil {
		if _, ok := systemPolicy(name); ok {
			return nil, nil, errf(op, name, ErrImmutable, "system policies cannot be changed")
		}
		if e := CheckPolicyName(name); e != nil {
			return nil, nil, &Error{Op: op, Subject: name, Err: ErrInvalid, Cause: e}
		}
		return nil, nil, errf(op, name, ErrNotFound, "no such custom policy in account "+uid)
	}
	return a, p, nil
}

// parseIdentity validates a custom policy document with policy.Parse.
func parseIdentity(op, subject, text string) (*policy.Document, error) {
	doc, err := policy.Parse([]byte(text), policy.WithKind(policy.Identity))
	if err != nil {
		e := &Error{Op: op, Subject: subject, Err: ErrInvalid, Msg: "invalid policy document", Cause: err}
		if errors.Is(err, policy.ErrLimit) {
			e.Err, e.Limit = ErrLimit, LimitPolicyDocument
		}
		return nil, e
	}
	return doc, nil
}

// CreatePolicy creates custom policy name in account uid with document as
// its version v1, which becomes the default. The document is validated with
// policy.Parse as an identity policy (strict mode, 6,144 characters at most);
// a rejected document comes back as an *Error with Err ErrInvalid (or ErrLimit
// for the size) whose Cause is the *policy.ParseError. The description is
// optional and at most 1,024 characters. A custom policy cannot take the name
// of a system policy.
// Errors: ErrInvalid, ErrNotFound (account), ErrExists, ErrLimit
// (LimitPolicies, LimitDescription, LimitPolicyDocument).
func (d *Directory) CreatePolicy(uid, name, description, document string) (PolicyInfo, error) {
	const op = "CreatePolicy"
	if err := CheckPolicyName(name); err != nil {
		return PolicyInfo{}, &Error{Op: op, Subject: name, Err: ErrInvalid, Cause: err}
	}
	if err := checkText(op, name, "the description", description); err != nil {
		return PolicyInfo{}, err
	}
	if len([]rune(description)) > 1024 {
		return PolicyInfo{}, limitErr(op, name, LimitDescription, 1024)
	}
	doc, err := parseIdentity(op, name, document)
	if err != nil {
		return PolicyInfo{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	a, err := d.account(op, uid)
	if err != nil {
		return PolicyInfo{}, err
	}
	if _, ok := systemPolicy(name); ok || a.policies[name] != nil {
		return PolicyInfo{}, errf(op, name, ErrExists, "")
	}
	if len(a.policies) >= d.limits.PoliciesPerAccount {
		return PolicyInfo{}, limitErr(op, name, LimitPolicies, d.limits.PoliciesPerAccount)
	}
	now, err := d.stamp(op, name)
	if err != nil {
		return PolicyInfo{}, err
	}
	p := &customPolicy{name: name, description: description, created: now, defaultV: "v1", nextV: 2,
		versions: []*policyVersion{{id: "v1", text: document, doc: doc, created: now}}}
	a.policies[name] = p
	d.changed()
	return d.customInfo(a, p), nil
}

func (d *Directory) customInfo(a *account, p *customPolicy) PolicyInfo {
	return PolicyInfo{Type: Custom, Name: p.name, Description: p.description, DefaultVersion: p.defaultV,
		Created: p.created, AttachmentCount: attachCount(a, Custom, p.name)}
}

func attachCount(a *account, t PolicyType, name string) int {
	n := 0
	for _, u := range a.users {
		if u.att.has(t, name) {
			n++
		}
	}
	for _, g := range a.groups {
		if g.att.has(t, name) {
			n++
		}
	}
	for _, r := range a.roles {
		if r.att.has(t, name) {
			n++
		}
	}
	return n
}

// GetPolicy returns a system policy or a custom policy of account uid.
// Errors: ErrInvalid, ErrNotFound.
func (d *Directory) GetPolicy(uid string, t PolicyType, name string) (PolicyInfo, error) {
	const op = "GetPolicy"
	d.mu.RLock()
	defer d.mu.RUnlock()
	a, err := d.account(op, uid)
	if err != nil {
		return PolicyInfo{}, err
	}
	switch t {
	case System:
		sp, ok := systemPolicy(name)
		if !ok {
			return PolicyInfo{}, errf(op, name, ErrNotFound, "no such system policy")
		}
		return PolicyInfo{Type: System, Name: sp.name, Description: sp.description, DefaultVersion: sp.version,
			AttachmentCount: attachCount(a, System, name)}, nil
	case Custom:
		_, p, err := d.custom(op, uid, name)
		if err != nil {
			return PolicyInfo{}, err
		}
		return d.customInfo(a, p), nil
	}
	return PolicyInfo{}, errf(op, name, ErrInvalid, "policy type must be System or Custom")
}

// ListPolicies returns the system policies followed by the custom policies
// of account uid, each sorted by name. Errors: ErrInvalid, ErrNotFound.
func (d *Directory) ListPolicies(uid string) ([]PolicyInfo, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	a, err := d.account("ListPolicies", uid)
	if err != nil {
		return nil, err
	}
	var out []PolicyInfo
	for _, n := range systemPolicyNames() {
		sp, _ := systemPolicy(n)
		out = append(out, PolicyInfo{Type: System, Name: sp.name, Description: sp.description,
			DefaultVersion: sp.version, AttachmentCount: attachCount(a, System, n)})
	}
	for _, n := range sortedKeys(a.policies) {
		out = append(out, d.customInfo(a, a.policies[n]))
	}
	return out, nil
}

// DeletePolicy deletes custom policy name with all its versions. It fails
// with ErrInUse while the policy is attached to any user, group or role, and
// with ErrImmutable for a system policy.
// Errors: ErrInvalid, ErrNotFound, ErrInUse, ErrImmutable.
func (d *Directory) DeletePolicy(uid, name string) error {
	const op = "DeletePolicy"
	d.mu.Lock()
	defer d.mu.Unlock()
	a, p, err := d.custom(op, uid, name)
	if err != nil {
		return err
	}
	if n := attachCount(a, Custom, name); n > 0 {
		return errf(op, name, ErrInUse, "attached to "+itoa(n)+" identities")
	}
	delete(a.policies, p.name)
	d.changed()
	return nil
}

// CreatePolicyVersion adds a version to custom policy name. With setDefault
// the new version becomes the default (and so the one in force) at once.
// When the policy already has the maximum number of versions (5), RotateNone
// fails with ErrLimit (LimitVersions) and DeleteOldestNonDefault deletes the
// oldest version that is not the default first. Version IDs are never
// reused: they count up from v1.
// Errors: ErrInvalid, ErrNotFound, ErrImmutable (system policy), ErrLimit.
func (d *Directory) CreatePolicyVersion(uid, name, document string, setDefault bool, rotate RotateStrategy) (PolicyVersion, error) {
	const op = "CreatePolicyVersion"
	if rotate != RotateNone && rotate != DeleteOldestNonDefault {
		return PolicyVersion{}, errf(op, name, ErrInvalid, "unknown rotate strategy")
	}
	doc, err := parseIdentity(op, name, document)
	if err != nil {
		return PolicyVersion{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	_, p, err := d.custom(op, uid, name)
	if err != nil {
		return PolicyVersion{}, err
	}
	drop := -1
	if len(p.versions) >= d.limits.VersionsPerPolicy {
		if rotate != DeleteOldestNonDefault {
			return PolicyVersion{}, limitErr(op, name, LimitVersions, d.limits.VersionsPerPolicy)
		}
		for i, v := range p.versions {
			if v.id != p.defaultV {
				drop = i
				break
			}
		}
		if drop < 0 {
			return PolicyVersion{}, limitErr(op, name, LimitVersions, d.limits.VersionsPerPolicy)
		}
	}
	if p.nextV > maxVersionNumber {
		return PolicyVersion{}, &Error{Op: op, Subject: name, Err: ErrLimit, Limit: LimitVersions,
			Msg: "version numbers are used up (the last is v" + itoa(maxVersionNumber) + ")"}
	}
	created, err := d.stamp(op, name)
	if err != nil {
		return PolicyVersion{}, err
	}
	if drop >= 0 {
		p.versions = append(p.versions[:drop:drop], p.versions[drop+1:]...)
	}
	v := &policyVersion{id: "v" + strconv.Itoa(p.nextV), text: document, doc: doc, created: created}
	p.nextV++
	p.versions = append(p.versions, v)
	if setDefault {
		p.defaultV = v.id
	}
	d.changed()
	return p.versionInfo(v), nil
}

func (p *customPolicy) versionInfo(v *policyVersion) PolicyVersion {
	return PolicyVersion{ID: v.id, IsDefault: v.id == p.defaultV, Document: v.text, Created: v.created}
}

// GetPolicyVersion returns one version of a system or custom policy. A
// system policy has exactly one version, its shipped one.
// Errors: ErrInvalid, ErrNotFound.
func (d *Directory) GetPolicyVersion(uid string, t PolicyType, name, versionID string) (PolicyVersion, error) {
	vs, err := d.ListPolicyVersions(uid, t, name)
	if err != nil {
		return PolicyVersion{}, err
	}
	for _, v := range vs {
		if v.ID == versionID {
			return v, nil
		}
	}
	return PolicyVersion{}, errf("GetPolicyVersion", name+" "+versionID, ErrNotFound, "no such version")
}

// ListPolicyVersions returns the versions of a policy, oldest first.
// Errors: ErrInvalid, ErrNotFound.
func (d *Directory) ListPolicyVersions(uid string, t PolicyType, name string) ([]PolicyVersion, error) {
	const op = "ListPolicyVersions"
	d.mu.RLock()
	defer d.mu.RUnlock()
	if _, err := d.account(op, uid); err != nil {
		return nil, err
	}
	switch t {
	case System:
		sp, ok := systemPolicy(name)
		if !ok {
			return nil, errf(op, name, ErrNotFound, "no such system policy")
		}
		return []PolicyVersion{{ID: sp.version, IsDefault: true, Document: sp.text}}, nil
	case Custom:
		_, p, err := d.custom(op, uid, name)
		if err != nil {
			return nil, err
		}
		out := make([]PolicyVersion, 0, len(p.versions))
		for _, v := range p.versions {
			out = append(out, p.versionInfo(v))
		}
		return out, nil
	}
	return nil, errf(op, name, ErrInvalid, "policy type must be System or Custom")
}

// SetDefaultPolicyVersion makes versionID the default (and only effective)
// version of custom policy name. From the next decision on, every identity
// the policy is attached to is judged by that version.
// Errors: ErrInvalid, ErrNotFound, ErrImmutable (system policy).
func (d *Directory) SetDefaultPolicyVersion(uid, name, versionID string) error {
	const op = "SetDefaultPolicyVersion"
	d.mu.Lock()
	defer d.mu.Unlock()
	_, p, err := d.custom(op, uid, name)
	if err != nil {
		return err
	}
	if p.version(versionID) == nil {
		return errf(op, name+" "+versionID, ErrNotFound, "no such version")
	}
	if p.defaultV != versionID {
		p.defaultV = versionID
		d.changed()
	}
	return nil
}

// DeletePolicyVersion deletes a non-default version of custom policy name.
// Deleting the default version fails with ErrInUse.
// Errors: ErrInvalid, ErrNotFound, ErrInUse, ErrImmutable (system policy).
func (d *Directory) DeletePolicyVersion(uid, name, versionID string) error {
	const op = "DeletePolicyVersion"
	d.mu.Lock()
	defer d.mu.Unlock()
	_, p, err := d.custom(op, uid, name)
	if err != nil {
		return err
	}
	v := p.version(versionID)
	if v == nil {
		return errf(op, name+" "+versionID, ErrNotFound, "no such version")
	}
	if v.id == p.defaultV {
		return errf(op, name+" "+versionID, ErrInUse, "the default version cannot be deleted")
	}
	p.versions = removeVersion(p.versions, v)
	d.changed()
	return nil
}

func removeVersion(vs []*policyVersion, v *policyVersion) []*policyVersion {
	out := vs[:0:0]
	for _, x := range vs {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// ---- attachments ----

// attachTarget finds the attachment set of a user, group or role.
func (d *Directory) attachTarget(op string, target ID) (*account, *attachSet, *role, error) {
	a, err := d.account(op, target.account)
	if err != nil {
		return nil, nil, nil, err
	}
	switch target.kind {
	case KindUser:
		if u := a.users[target.name]; u != nil {
			return a, &u.att, nil, nil
		}
	case KindGroup:
		if g := a.groups[target.name]; g != nil {
			return a, &g.att, nil, nil
		}
	case KindRole:
		if r := a.roles[target.name]; r != nil {
			return a, &r.att, r, nil
		}
	default:
		return nil, nil, nil, errf(op, target.String(), ErrInvalid, "policies attach to users, groups and roles")
	}
	return nil, nil, nil, errf(op, target.String(), ErrNotFound, "no such "+target.kind.String())
}

// AttachPolicy attaches a system policy or a custom policy of the target's
// account to a user, group or role (target is its ID). Attaching a policy
// that is already attached is a no-op that succeeds; the limits of 20 system
// and 10 custom policies per identity apply (ErrLimit with
// LimitSystemAttached or LimitCustomAttached). A service-linked role's
// attachments cannot change (ErrImmutable). The next decision of every
// affected identity sees the attachment.
// Errors: ErrInvalid, ErrNotFound, ErrLimit, ErrImmutable.
func (d *Directory) AttachPolicy(target ID, t PolicyType, policyName string) error {
	const op = "AttachPolicy"
	d.mu.Lock()
	defer d.mu.Unlock()
	a, set, r, err := d.attachTarget(op, target)
	if err != nil {
		return err
	}
	if err := checkPolicyRef(op, a, t, policyName); err != nil {
		return err
	}
	if r != nil && r.serviceLinked {
		return errf(op, target.String(), ErrImmutable, "a service-linked role's policies cannot change")
	}
	if set.has(t, policyName) {
		return nil
	}
	list := set.list(t)
	if t == System && len(*list) >= d.limits.SystemAttached {
		return limitErr(op, target.String(), LimitSystemAttached, d.limits.SystemAttached)
	}
	if t == Custom && len(*list) >= d.limits.CustomAttached {
		return limitErr(op, target.String(), LimitCustomAttached, d.limits.CustomAttached)
	}
	*list = append(*list, policyName)
	d.changed()
	return nil
}

func checkPolicyRef(op string, a *account, t PolicyType, name string) error {
	switch t {
	case System:
		if _, ok := systemPolicy(name); !ok {
			return errf(op, name, ErrNotFound, "no such system policy")
		}
	case Custom:
		if a.policies[name] == nil {
			return errf(op, name, ErrNotFound, "no such custom policy in account "+a.id)
		}
	default:
		return errf(op, name, ErrInvalid, "policy type must be System or Custom")
	}
	return nil
}

// DetachPolicy detaches a policy from a user, group or role. Detaching a
// policy that is not attached fails with ErrNotFound. The next decision of
// every affected identity no longer sees the policy.
// Errors: ErrInvalid, ErrNotFound, ErrImmutable (service-linked role).
func (d *Directory) DetachPolicy(target ID, t PolicyType, policyName string) error {
	const op = "DetachPolicy"
	d.mu.Lock()
	defer d.mu.Unlock()
	_, set, r, err := d.attachTarget(op, target)
	if err != nil {
		return err
	}
	if t != System && t != Custom {
		return errf(op, policyName, ErrInvalid, "policy type must be System or Custom")
	}
	if r != nil && r.serviceLinked {
		return errf(op, target.String(), ErrImmutable, "a service-linked role's policies cannot change")
	}
	if !set.has(t, policyName) {
		return errf(op, target.String(), ErrNotFound, t.String()+" policy "+policyName+" is not attached")
	}
	list := set.list(t)
	*list = remove(*list, policyName)
	d.changed()
	return nil
}

// Attachments returns the policies attached directly to a user, group or
// role (system policies first, each in attachment order).
// Errors: ErrInvalid, ErrNotFound.
func (d *Directory) Attachments(target ID) ([]Attachment, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	_, set, _, err := d.attachTarget("Attachments", target)
	if err != nil {
		return nil, err
	}
	return set.attachments(), nil
}
