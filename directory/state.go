package directory

import (
	"time"

	"github.com/ramauthz/ramauthz/internal/pmap"
	"github.com/ramauthz/ramauthz/store"

	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/principal"
)

// The committed state is a tree of immutable values. A commit copies what
// it changes (the account value, and the path of the persistent hash map
// (internal/pmap) down to the entity) and shares everything else with the previous state,
// so its cost follows the size of the change, not of the directory. Every
// value reachable from a published *state is never written again; readers
// use it without locks. The per-entity values (account, user, group, role,
// customPolicy, accessKey, tokenKey) are also the unit a storage backend
// would write.

type state struct {
	rev       Revision
	accounts  pmap.Map[*account]
	keys      pmap.Map[keyOwner] // AccessKeyId → owner, for every user key
	tokenKeys []*tokenKey        // newest first; tokenKeys[0] seals new tokens
	nextUID   uint64             // source of unique IDs (versions, token keys)
	// dead holds the tombstones of revocations that no restore may undo:
	// "k/<AccessKeyId>" for every deleted access key and "r/<RoleId>" for
	// every deleted role, each with the time of deletion. Entries are never
	// removed.
	dead pmap.Map[time.Time]
	// acctRevs is the revision of the last commit that changed each account
	// (on a store, the store's account revision: the guard of the next
	// batch). Kept after an account is deleted.
	acctRevs pmap.Map[Revision]
	// epoch is the store's history this state belongs to (zero for New).
	epoch store.Epoch
	// stale is set (to the error every decision returns) while a directory
	// on a store has not confirmed the store's head within MaxStaleness.
	stale *Error
	// replicas holds the heartbeats recorded in the store, by replica ID.
	replicas pmap.Map[Heartbeat]
}

type account struct {
	uid      string
	created  time.Time
	users    pmap.Map[*user]
	groups   pmap.Map[*group]
	roles    pmap.Map[*role]
	policies pmap.Map[*customPolicy]
}

// holder is the attachment list of a user, group or role, with the shared
// compiled set of exactly those policies at their current default versions
// (nil when nothing is attached).
type holder struct {
	system []string // names, in attachment order
	custom []string
	set    *policySet
}

func (h *holder) empty() bool { return len(h.system) == 0 && len(h.custom) == 0 }

func (h *holder) list(t PolicyType) *[]string {
	if t == PolicySystem {
		return &h.system
	}
	return &h.custom
}

func (h *holder) refs() []PolicyRef {
	out := make([]PolicyRef, 0, len(h.system)+len(h.custom))
	for _, n := range h.system {
		out = append(out, PolicyRef{PolicySystem, n})
	}
	for _, n := range h.custom {
		out = append(out, PolicyRef{PolicyCustom, n})
	}
	return out
}

type user struct {
	id      principal.ID
	arn     string
	created time.Time
	groups  []string // group names, in join order
	att     holder
	keys    []string // AccessKeyIds, in creation order
}

type group struct {
	id      principal.ID
	created time.Time
	members []string // user names, in join order
	att     holder
}

type role struct {
	id            principal.ID
	arn           string
	roleID        string // RoleId: 19 digits, unique for the directory's life
	description   string
	created       time.Time
	trustText     string
	trust         *policySet // the trust policy, compiled on first use
	maxSession    int        // seconds
	serviceLinked bool
	att           holder
	// revokedBefore: sessions issued strictly before this instant are
	// refused (zero: none).
	revokedBefore time.Time
}

type customPolicy struct {
	name        string
	description string
	created     time.Time
	versions    []*version // oldest first
	defaultV    string
	nextV       int                // number of the next version ID
	holders     pmap.Map[struct{}] // "u/<name>", "g/<name>", "r/<name>"
}

func (p *customPolicy) version(id string) *version {
	for _, v := range p.versions {
		if v.id == id {
			return v
		}
	}
	return nil
}

func (p *customPolicy) defaultVersion() *version { return p.version(p.defaultV) }

type version struct {
	id      string // "v1", "v2", ...
	uid     uint64 // unique among the versions of one state; with a fingerprint of text, names this document in set keys
	text    string
	doc     *policy.Document
	created time.Time
}

type accessKey struct {
	id      string
	user    string // owner's name, in the owning account
	sealed  []byte // the secret, sealed under the key-encryption key
	status  KeyStatus
	created time.Time
}

type keyOwner struct {
	account string
	key     *accessKey
}

func (s *state) account(uid string) *account {
	a, _ := s.accounts.Get(uid)
	return a
}

func (a *account) user(name string) *user {
	u, _ := a.users.Get(name)
	return u
}

func (a *account) group(name string) *group {
	g, _ := a.groups.Get(name)
	return g
}

func (a *account) role(name string) *role {
	r, _ := a.roles.Get(name)
	return r
}

func (a *account) policy(name string) *customPolicy {
	p, _ := a.policies.Get(name)
	return p
}
