package directory

import (
	"strconv"
	"time"
)

// Limits are the limits of spec §5 the directory enforces. A zero field
// means the default of DefaultLimits.
type Limits struct {
	UsersPerAccount    int // default 5,000
	GroupsPerAccount   int // default 300
	RolesPerAccount    int // default 1,000
	PoliciesPerAccount int // custom policies; default 1,500
	VersionsPerPolicy  int // default 5
	GroupsPerUser      int // default 10
	AccessKeysPerUser  int // default 2
	SystemAttached     int // system policies per user, group or role; default 20
	CustomAttached     int // custom policies per user, group or role; default 10
}

// DefaultLimits returns the limits of spec §5 (the 2025-12 values).
func DefaultLimits() Limits {
	return Limits{UsersPerAccount: 5000, GroupsPerAccount: 300, RolesPerAccount: 1000,
		PoliciesPerAccount: 1500, VersionsPerPolicy: 5, GroupsPerUser: 10, AccessKeysPerUser: 2,
		SystemAttached: 20, CustomAttached: 10}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	pick := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&l.UsersPerAccount, d.UsersPerAccount)
	pick(&l.GroupsPerAccount, d.GroupsPerAccount)
	pick(&l.RolesPerAccount, d.RolesPerAccount)
	pick(&l.PoliciesPerAccount, d.PoliciesPerAccount)
	pick(&l.VersionsPerPolicy, d.VersionsPerPolicy)
	pick(&l.GroupsPerUser, d.GroupsPerUser)
	pick(&l.AccessKeysPerUser, d.AccessKeysPerUser)
	pick(&l.SystemAttached, d.SystemAttached)
	pick(&l.CustomAttached, d.CustomAttached)
	return l
}

// Options configure a Directory. The zero value is ready to use.
type Options struct {
	// Clock is the directory's one clock (spec D29): it stamps creation
	// times and session issue times, and decides expiry and revocation.
	// Nil means time.Now. A clock reading outside the years 0001–9999
	// makes AssumeRole fail with ErrInvalid (spec D28).
	Clock func() time.Time
	// Limits override the limits of spec §5; zero fields keep the
	// defaults.
	Limits Limits
	// KeyEncryptionKey is the 32-byte AES-256 key that seals access-key
	// secrets and the directory's token keys, in memory and in exports.
	// Nil means a random key drawn when New runs: fine for a directory
	// that lives and dies with the process (the embedded case), but an
	// export made under it can be imported only by the same Directory.
	// Applications that persist exports supply their own key (from a KMS
	// or a secret store). Any other length is an error from New.
	KeyEncryptionKey []byte
	// SessionCacheSize is the number of opened SecurityTokens kept (keyed
	// by AccessKeyId) and, separately, of compiled session policies kept
	// (keyed by the policy's text, so sessions with one session policy
	// share one compiled copy); 0 means 1,024 each. Both caches are fixed
	// arrays of slots, so this bounds the memory a flood of AssumeRole
	// calls with large session policies can hold.
	SessionCacheSize int
}

// Revision numbers the committed states of a directory: 0 is the empty
// directory New returns, and every successful mutation adds 1, in commit
// order. Every mutation returns the revision it produced, and every
// authorization result carries the revision it was decided at.
type Revision uint64

// DeleteMode selects how a delete treats what still depends on the entity.
type DeleteMode uint8

const (
	// DeleteStrict refuses (ErrInUse, with every Blocker) while the entity
	// has attached policies, memberships, members or (for a policy)
	// attachments and non-default versions: the RAM API's rule (spec §8.4).
	// Access keys never block a user's delete; they go with the user.
	DeleteStrict DeleteMode = iota
	// DeleteCascade detaches, removes memberships, deletes keys and
	// versions, then deletes the entity: the console's rule.
	DeleteCascade
)

// String returns "DeleteStrict" or "DeleteCascade".
func (m DeleteMode) String() string {
	switch m {
	case DeleteStrict:
		return "DeleteStrict"
	case DeleteCascade:
		return "DeleteCascade"
	}
	return "DeleteMode(" + strconv.Itoa(int(m)) + ")"
}

// KeyStatus is the status of an access key. The zero value is not valid.
type KeyStatus uint8

const (
	// KeyActive keys authenticate requests.
	KeyActive KeyStatus = iota + 1
	// KeyInactive keys are kept but refused with ErrKeyInactive.
	KeyInactive
)

// String returns "Active" or "Inactive" (the RAM API's values).
func (s KeyStatus) String() string {
	switch s {
	case KeyActive:
		return "Active"
	case KeyInactive:
		return "Inactive"
	}
	return "KeyStatus(" + strconv.Itoa(int(s)) + ")"
}

// PolicyType says whether a policy is a shipped system policy or an
// account's custom policy. The zero value is not valid.
type PolicyType uint8

const (
	// PolicySystem policies ship with the library (package policy/system)
	// and are read-only.
	PolicySystem PolicyType = iota + 1
	// PolicyCustom policies are created and versioned by an account.
	PolicyCustom
)

// String returns "System" or "Custom" (the RAM API's PolicyType values).
func (t PolicyType) String() string {
	switch t {
	case PolicySystem:
		return "System"
	case PolicyCustom:
		return "Custom"
	}
	return "PolicyType(" + strconv.Itoa(int(t)) + ")"
}

// RotateStrategy is CreatePolicyVersion's RotateStrategy (spec §8.2).
type RotateStrategy uint8

const (
	// RotateNone fails with ErrLimit when the policy has the maximum
	// number of versions.
	RotateNone RotateStrategy = iota
	// RotateDeleteOldestNonDefault deletes the oldest non-default version
	// to make room (DeleteOldestNonDefaultVersionWhenLimitExceeded).
	RotateDeleteOldestNonDefault
)

// PolicyRef names one policy an identity can hold: its type and name.
type PolicyRef struct {
	Type PolicyType
	Name string
}

// String returns "System:<name>" or "Custom:<name>".
func (r PolicyRef) String() string { return r.Type.String() + ":" + r.Name }

// Role session duration bounds (spec §7.2), in seconds.
const (
	MinSessionDuration        = 900   // shortest session, seconds
	DefaultSessionDuration    = 3600  // session length when none is asked for, seconds
	DefaultMaxSessionDuration = 3600  // a role's MaxSessionDuration when none is given, seconds
	MinMaxSessionDuration     = 3600  // lowest MaxSessionDuration, seconds
	MaxMaxSessionDuration     = 43200 // highest MaxSessionDuration, seconds
)

// MaxDescription is the longest description of a policy or role, in
// characters (spec §5).
const MaxDescription = 1024
