package principal

import (
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ramauthz/ramauthz/policy"
)

// Limits are the per-account and per-identity limits of spec §5 that the
// directory enforces. A zero field means the default of DefaultLimits.
type Limits struct {
	UsersPerAccount    int // default 5,000
	GroupsPerAccount   int // default 300
	RolesPerAccount    int // default 1,000
	PoliciesPerAccount int // custom policies; default 1,500
	VersionsPerPolicy  int // default 5
	GroupsPerUser      int // default 10
	AccessKeysPerUser  int // default 2
	SystemAttached     int // system policies attached to one user, group or role; default 20
	CustomAttached     int // custom policies attached to one user, group or role; default 10
}

// DefaultLimits returns the limits of spec §5 (the 2025-12 values).
func DefaultLimits() Limits {
	return Limits{
		UsersPerAccount:    5000,
		GroupsPerAccount:   300,
		RolesPerAccount:    1000,
		PoliciesPerAccount: 1500,
		VersionsPerPolicy:  5,
		GroupsPerUser:      10,
		AccessKeysPerUser:  2,
		SystemAttached:     20,
		CustomAttached:     10,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	pick := func(v, def int) int {
		if v > 0 {
			return v
		}
		return def
	}
	return Limits{
		UsersPerAccount:    pick(l.UsersPerAccount, d.UsersPerAccount),
		GroupsPerAccount:   pick(l.GroupsPerAccount, d.GroupsPerAccount),
		RolesPerAccount:    pick(l.RolesPerAccount, d.RolesPerAccount),
		PoliciesPerAccount: pick(l.PoliciesPerAccount, d.PoliciesPerAccount),
		VersionsPerPolicy:  pick(l.VersionsPerPolicy, d.VersionsPerPolicy),
		GroupsPerUser:      pick(l.GroupsPerUser, d.GroupsPerUser),
		AccessKeysPerUser:  pick(l.AccessKeysPerUser, d.AccessKeysPerUser),
		SystemAttached:     pick(l.SystemAttached, d.SystemAttached),
		CustomAttached:     pick(l.CustomAttached, d.CustomAttached),
	}
}

// Config configures a Directory.
type Config struct {
	// Clock returns the current time. The directory reads it, and only it
	// (spec §13 D29), to stamp creation times, to issue role sessions and
	// to decide whether a session has expired or was revoked. Nil means
	// time.Now; tests and replays inject their own.
	//
	// A reading outside the years 0001 to 9999 (spec §13 D28) is refused:
	// an operation that would store it fails with ErrInvalid and changes
	// nothing, and a decision for a role session is ImplicitDeny with
	// ErrInvalid.
	Clock func() time.Time
	// Limits overrides the limits of spec §5; zero fields keep the defaults.
	Limits Limits
}

// DeleteMode selects how DeleteUser, DeleteGroup and DeleteRole treat what
// still depends on the entity.
type DeleteMode uint8

const (
	// Strict refuses to delete (ErrInUse) while the entity has attached
	// policies, group memberships or members, like the RAM API. Access keys
	// and role sessions never block a delete; they go with the entity.
	Strict DeleteMode = iota
	// Cascade detaches every policy, removes every membership and deletes
	// access keys and sessions, then deletes the entity, like the console.
	Cascade
)

// PolicyType says whether a policy is a shipped system policy or an
// account's custom policy.
//
// The zero value is not a valid policy type.
type PolicyType uint8

const (
	// System policies are shipped with the library and read-only.
	System PolicyType = 1
	// Custom policies are created and versioned by an account.
	Custom PolicyType = 2
)

// String returns "System" or "Custom" (the RAM API's PolicyType values).
func (t PolicyType) String() string {
	switch t {
	case System:
		return "System"
	case Custom:
		return "Custom"
	}
	return "PolicyType(" + itoa(int(t)) + ")"
}

// ParsePolicyType parses "System" or "Custom".
func ParsePolicyType(s string) (PolicyType, error) {
	switch s {
	case "System":
		return System, nil
	case "Custom":
		return Custom, nil
	}
	return 0, errf("ParsePolicyType", s, ErrInvalid, `policy type must be "System" or "Custom"`)
}

// RotateStrategy is the RotateStrategy parameter of CreatePolicyVersion.
type RotateStrategy uint8

const (
	// RotateNone fails with ErrLimit when the policy already has the
	// maximum number of versions.
	RotateNone RotateStrategy = iota
	// DeleteOldestNonDefault deletes the oldest non-default version to make
	// room (the API's DeleteOldestNonDefaultVersionWhenLimitExceeded).
	DeleteOldestNonDefault
)

// Attachment names one policy attached to a user, group or role.
type Attachment struct {
	Type PolicyType
	Name string
}

// Directory is an in-memory store of accounts and their RAM users, groups,
// roles, access keys, custom policies, attachments and role sessions, with an
// authorizer that sees every change on the next decision.
//
// A Directory is safe for concurrent use by multiple goroutines. Every
// mutation takes a write lock, validates fully and only then applies, so a
// failed mutation leaves the directory exactly as it was. Authorize takes a
// read lock only long enough to find (or build) the compiled evaluator of the
// principal and then decides without any lock, so a decision in flight
// finishes on the snapshot it started with.
//
// Use New to create one; the zero Directory is not usable.
type Directory struct {
	mu     sync.RWMutex
	gen    uint64 // bumped by every mutation that can change a decision; guarded by mu
	clock  func() time.Time
	limits Limits

	accounts map[string]*account
	users    map[string]*user      // canonical user ARN → user
	keys     map[string]*accessKey // AccessKeyId → key (user keys)
	roles    map[string]*role      // canonical role ARN → role
	sessKeys map[string]*session   // STS AccessKeyId → session
	sessARNs map[string]*session   // canonical session ARN → newest session with that ARN
}

// New returns an empty directory.
func New(cfg Config) *Directory {
	d := &Directory{clock: cfg.Clock, limits: cfg.Limits.withDefaults()}
	if d.clock == nil {
		d.clock = time.Now
	}
	d.reset()
	return d
}

func (d *Directory) reset() {
	d.accounts = map[string]*account{}
	d.users = map[string]*user{}
	d.keys = map[string]*accessKey{}
	d.roles = map[string]*role{}
	d.sessKeys = map[string]*session{}
	d.sessARNs = map[string]*session{}
}

func (d *Directory) now() time.Time { return d.clock().UTC().Round(0) }

// changed records a mutation that can change decisions: every cached
// evaluator becomes stale. Callers hold the write lock.
func (d *Directory) changed() { d.gen++ }

// Generation returns a counter that grows with every mutation that can
// change a decision. Two equal readings mean nothing relevant changed in
// between.
func (d *Directory) Generation() uint64 {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.gen
}

type account struct {
	id       string
	root     ID
	users    map[string]*user
	groups   map[string]*group
	roles    map[string]*role
	policies map[string]*customPolicy
}

type attachSet struct {
	system []string // names, in attachment order
	custom []string
}

func (a *attachSet) list(t PolicyType) *[]string {
	if t == System {
		return &a.system
	}
	return &a.custom
}

func (a *attachSet) has(t PolicyType, name string) bool {
	return slices.Contains(*a.list(t), name)
}

func (a *attachSet) empty() bool { return len(a.system) == 0 && len(a.custom) == 0 }

func (a *attachSet) attachments() []Attachment {
	out := make([]Attachment, 0, len(a.system)+len(a.custom))
	for _, n := range a.system {
		out = append(out, Attachment{System, n})
	}
	for _, n := range a.custom {
		out = append(out, Attachment{Custom, n})
	}
	return out
}

// subject is what Authorize evaluates: a user or a role. Its compiled
// evaluator is cached and rebuilt when the directory generation moves on.
type subject struct {
	cache atomic.Pointer[compiled]
}

type user struct {
	subject
	acct    *account
	id      ID
	arn     string
	created time.Time
	groups  []string // group names, in join order
	att     attachSet
	keys    []*accessKey
}

type group struct {
	acct    *account
	id      ID
	created time.Time
	members []string // user names, in join order
	att     attachSet
}

type customPolicy struct {
	name        string
	description string
	created     time.Time
	versions    []*policyVersion // oldest first
	defaultV    string
	nextV       int // number of the next version ID
}

func (p *customPolicy) version(id string) *policyVersion {
	for _, v := range p.versions {
		if v.id == id {
			return v
		}
	}
	return nil
}

func (p *customPolicy) defaultDoc() *policyVersion { return p.version(p.defaultV) }

type policyVersion struct {
	id      string
	text    string
	doc     *policy.Document
	created time.Time
}

// KeyStatus is the status of an access key.
//
// The zero value is not a valid status.
type KeyStatus uint8

const (
	// Active keys authenticate requests.
	Active KeyStatus = 1
	// Inactive keys are kept but resolve to ErrInactive.
	Inactive KeyStatus = 2
)

// String returns "Active" or "Inactive".
func (s KeyStatus) String() string {
	switch s {
	case Active:
		return "Active"
	case Inactive:
		return "Inactive"
	}
	return "KeyStatus(" + itoa(int(s)) + ")"
}

// ParseKeyStatus parses "Active" or "Inactive".
func ParseKeyStatus(s string) (KeyStatus, error) {
	switch s {
	case "Active":
		return Active, nil
	case "Inactive":
		return Inactive, nil
	}
	return 0, errf("ParseKeyStatus", s, ErrInvalid, `status must be "Active" or "Inactive"`)
}

type accessKey struct {
	id      string
	hash    [32]byte // SHA-256 of the secret
	status  KeyStatus
	created time.Time
	owner   *user
}

// ---- accounts ----

// CreateAccount adds an empty account with the given 16-digit ID.
// Errors: ErrInvalid, ErrExists.
func (d *Directory) CreateAccount(uid string) error {
	const op = "CreateAccount"
	if !isAccountID(uid) {
		return errf(op, uid, ErrInvalid, "the account ID must be 16 digits")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.accounts[uid] != nil {
		return errf(op, uid, ErrExists, "")
	}
	d.accounts[uid] = newAccount(uid)
	d.changed()
	return nil
}

func newAccount(uid string) *account {
	return &account{
		id:       uid,
		root:     ID{kind: KindAccount, account: uid},
		users:    map[string]*user{},
		groups:   map[string]*group{},
		roles:    map[string]*role{},
		policies: map[string]*customPolicy{},
	}
}

// DeleteAccount removes an account with everything it owns: users, access
// keys, groups, custom policies, roles and their sessions. Errors:
// ErrNotFound.
func (d *Directory) DeleteAccount(uid string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	a := d.accounts[uid]
	if a == nil {
		return errf("DeleteAccount", uid, ErrNotFound, "no such account")
	}
	for _, u := range a.users {
		d.dropUser(u)
	}
	for _, r := range a.roles {
		d.dropRole(r)
	}
	delete(d.accounts, uid)
	d.changed()
	return nil
}

// Accounts returns the IDs of all accounts, sorted.
func (d *Directory) Accounts() []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]string, 0, len(d.accounts))
	for id := range d.accounts {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func (d *Directory) account(op, uid string) (*account, error) {
	a := d.accounts[uid]
	if a == nil {
		if !isAccountID(uid) {
			return nil, errf(op, uid, ErrInvalid, "the account ID must be 16 digits")
		}
		return nil, errf(op, uid, ErrNotFound, "no such account")
	}
	return a, nil
}

// ---- users ----

// UserInfo describes a RAM user.
type UserInfo struct {
	ID          ID           // acs:ram::<uid>:user/<name>
	Created     time.Time    // from the directory's clock, UTC
	Groups      []string     // group names, in join order
	Attachments []Attachment // directly attached policies (system first)
	AccessKeys  []AccessKey  // metadata only; secrets are never kept
}

// AccessKey describes an access key without its secret.
type AccessKey struct {
	ID      string // the AccessKeyId, such as "LTAI..."
	User    ID
	Status  KeyStatus
	Created time.Time
}

// NewAccessKey is returned once, by CreateAccessKey: the only time the
// secret is visible. The directory keeps only its SHA-256 hash. Printing a
// NewAccessKey (fmt with any verb, String, GoString, slog) shows the
// metadata and "[REDACTED]" for the secret; read the Secret field to hand it
// over.
type NewAccessKey struct {
	AccessKey
	Secret string
}

func (d *Directory) user(op, uid, name string) (*user, error) {
	a, err := d.account(op, uid)
	if err != nil {
		return nil, err
	}
	u := a.users[name]
	if u == nil {
		if e := CheckUserName(name); e != nil {
			return nil, &Error{Op: op, Subject: name, Err: ErrInvalid, Cause: e}
		}
		return nil, errf(op, "acs:ram::"+uid+":user/"+name, ErrNotFound, "no such user")
	}
	return u, nil
}

// CreateUser creates RAM user name in account uid.
// Errors: ErrInvalid (bad name), ErrNotFound (account), ErrExists,
// ErrLimit (LimitUsers).
func (d *Directory) CreateUser(uid, name string) (UserInfo, error) {
	const op = "CreateUser"
	id, err := UserID(uid, name)
	if err != nil {
		return UserInfo{}, &Error{Op: op, Subject: name, Err: ErrInvalid, Cause: err}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	a, err := d.account(op, uid)
	if err != nil {
		return UserInfo{}, err
	}
	if a.users[name] != nil {
		return UserInfo{}, errf(op, id.String(), ErrExists, "")
	}
	if len(a.users) >= d.limits.UsersPerAccount {
		return UserInfo{}, limitErr(op, id.String(), LimitUsers, d.limits.UsersPerAccount)
	}
	created, err := d.stamp(op, id.String())
	if err != nil {
		return UserInfo{}, err
	}
	u := &user{acct: a, id: id, arn: id.String(), created: created}
	a.users[name] = u
	d.users[u.arn] = u
	d.changed()
	return u.info(), nil
}

func (u *user) info() UserInfo {
	inf := UserInfo{ID: u.id, Created: u.created, Groups: slices.Clone(u.groups), Attachments: u.att.attachments()}
	for _, k := range u.keys {
		inf.AccessKeys = append(inf.AccessKeys, k.info())
	}
	return inf
}

func (k *accessKey) info() AccessKey {
	return AccessKey{ID: k.id, User: k.owner.id, Status: k.status, Created: k.created}
}

// GetUser returns user name of account uid. Errors: ErrInvalid, ErrNotFound.
func (d *Directory) GetUser(uid, name string) (UserInfo, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	u, err := d.user("GetUser", uid, name)
	if err != nil {
		return UserInfo{}, err
	}
	return u.info(), nil
}

// ListUsers returns the users of account uid, sorted by name.
// Errors: ErrInvalid, ErrNotFound.
func (d *Directory) ListUsers(uid string) ([]UserInfo, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	a, err := d.account("ListUsers", uid)
	if err != nil {
		return nil, err
	}
	out := make([]UserInfo, 0, len(a.users))
	for _, name := range sortedKeys(a.users) {
		out = append(out, a.users[name].info())
	}
	return out, nil
}

// DeleteUser deletes user name of account uid. In Strict mode it fails with
// ErrInUse while the user has attached policies or belongs to a group; in
// Cascade mode it first detaches every policy and leaves every group. Either
// way the user's access keys are deleted with it, and from the next decision
// on the user and its keys resolve to ErrNotFound.
// Errors: ErrInvalid, ErrNotFound, ErrInUse.
func (d *Directory) DeleteUser(uid, name string, mode DeleteMode) error {
	const op = "DeleteUser"
	d.mu.Lock()
	defer d.mu.Unlock()
	u, err := d.user(op, uid, name)
	if err != nil {
		return err
	}
	if mode != Cascade {
		if !u.att.empty() {
			return errf(op, u.arn, ErrInUse, "the user has attached policies")
		}
		if len(u.groups) > 0 {
			return errf(op, u.arn, ErrInUse, "the user belongs to groups")
		}
	}
	d.dropUser(u)
	delete(u.acct.users, u.id.name)
	d.changed()
	return nil
}

// dropUser removes u's keys, memberships and index entries (not its entry in
// the account's map).
func (d *Directory) dropUser(u *user) {
	for _, g := range u.groups {
		if grp := u.acct.groups[g]; grp != nil {
			grp.members = remove(grp.members, u.id.name)
		}
	}
	for _, k := range u.keys {
		delete(d.keys, k.id)
	}
	u.keys, u.groups = nil, nil
	u.att = attachSet{}
	delete(d.users, u.arn)
}

// ---- helpers ----

func remove(s []string, v string) []string {
	return slices.DeleteFunc(s, func(x string) bool { return x == v })
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
