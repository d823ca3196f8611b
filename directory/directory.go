package directory

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ramauthz/ramauthz/internal/pmap"
	"github.com/ramauthz/ramauthz/store"
)

// Directory holds the identity state of any number of accounts (users,
// groups, access keys, custom policies and their versions, attachments,
// roles, the token keys that seal session credentials) and decides for the
// identities in it.
//
// A Directory is safe for concurrent use by multiple goroutines. Readers
// (Authorize, AuthorizeSession, AssumeRole, the Get and List calls) never
// lock the state: they load the current immutable snapshot and decide on
// it, so every answer is the answer of one Revision. Mutations are
// serialised: each validates fully against the current snapshot, builds
// the next one by copying only what it changes, and publishes it
// atomically; a failed mutation publishes nothing.
//
// Use New; the zero Directory is not usable.
type Directory struct {
	mu     sync.Mutex // serialises commits
	cur    atomic.Pointer[state]
	clock  func() time.Time
	limits Limits
	kek    cipher.AEAD
	// sets is a heap object of its own: the cleanups it registers refer
	// to it, and must not reach the directory (and through it the sets),
	// or no directory would ever be collected.
	sets  *interner
	cache *sessionCache
	// sessionPolicies shares compiled session policies between sessions.
	sessionPolicies *policyCache
	// trustSeq numbers trust-policy sets (process-local, not state).
	trustSeq atomic.Uint64
	// diagnostic derives the accounts' diagnostic-message keys (see
	// diagnostic.go); it comes from the key-encryption key.
	diagnostic [32]byte

	// On a store (Open): the backend, the follower that keeps cur current
	// with its feed, pubMu (serialises publishing between the writer and
	// the follower; taken after mu, never before), and the follower's stop.
	backend store.Backend
	// rebuildOnApply makes a replica apply every change by rebuilding the
	// whole account (the slow reference the tests check patch against).
	rebuildOnApply bool
	follower       *store.Follower
	pubMu          sync.Mutex
	stop           context.CancelFunc
	done           chan struct{}
	opts           Options
	beats          chan struct{} // heartbeat requests (nil without ReplicaID)
	log            *decisionLog  // nil: no decision log
}

// New returns an empty directory at revision 0 with one token key, held
// in memory only (it lives and dies with the process; use Open for a
// directory kept in a store). Its revisions count its own commits.
// Errors: ErrInvalid when Options.KeyEncryptionKey is not 32 bytes long,
// or when the system's random source fails.
func New(opts Options) (*Directory, error) {
	d, err := newDirectory("New", opts)
	if err != nil {
		return nil, err
	}
	s := &state{accounts: pmap.Map[*account]{}, keys: pmap.Map[keyOwner]{}, nextUID: 1}
	tk, err := d.newTokenKey(s, d.now())
	if err != nil {
		return nil, err
	}
	s.tokenKeys = []*tokenKey{tk}
	d.cur.Store(s)
	return d, nil
}

// newDirectory sets up everything but the state.
func newDirectory(op string, opts Options) (*Directory, error) {
	d := &Directory{clock: opts.Clock, limits: opts.Limits.withDefaults(), opts: opts, sets: &interner{}}
	if d.clock == nil {
		d.clock = time.Now
	}
	kek := opts.KeyEncryptionKey
	if kek == nil {
		kek = make([]byte, 32)
		if _, err := rand.Read(kek); err != nil {
			return nil, &Error{Op: op, Err: ErrInvalid, Msg: "random source failed", Cause: err}
		}
	} else if len(kek) != 32 {
		return nil, errf(op, "", ErrInvalid, "KeyEncryptionKey must be 32 bytes (AES-256)")
	}
	aead, err := newAEAD(kek)
	if err != nil {
		return nil, &Error{Op: op, Err: ErrInvalid, Cause: err}
	}
	d.kek = aead
	d.diagnostic = diagnosticRoot(kek)
	d.cache = newSessionCache(opts.SessionCacheSize)
	d.sessionPolicies = newPolicyCache(opts.SessionCacheSize)
	d.log = newDecisionLog(opts.DecisionLog, opts.ReplicaID)
	return d, nil
}

// MustNew is New that panics on error, for tests and examples.
func MustNew(opts Options) *Directory {
	d, err := New(opts)
	if err != nil {
		panic(err)
	}
	return d
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(blk)
}

// seal encrypts plain under the key-encryption key, bound to aad.
func (d *Directory) seal(plain, aad []byte) ([]byte, error) {
	nonce := make([]byte, d.kek.NonceSize(), d.kek.NonceSize()+len(plain)+d.kek.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return d.kek.Seal(nonce, nonce, plain, aad), nil
}

// unseal opens what seal produced. Errors: ErrSealed.
func (d *Directory) unseal(sealed, aad []byte) ([]byte, error) {
	n := d.kek.NonceSize()
	if len(sealed) < n {
		return nil, ErrSealed
	}
	out, err := d.kek.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, ErrSealed
	}
	return out, nil
}

// Revision returns the revision of the current state.
func (d *Directory) Revision() Revision { return d.cur.Load().rev }

// now reads the one clock (D29), in UTC without a monotonic reading.
func (d *Directory) now() time.Time { return d.clock().UTC().Round(0) }

var (
	minTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// inRange reports whether t lies in the years 0001–9999 (spec D28).
func inRange(t time.Time) bool { return !t.Before(minTime) && !t.After(maxTime) }

// errNoop ends a commit that has nothing to do: nothing is published and
// the caller gets the current revision and a nil error.
var errNoop = errors.New("nothing to do")

// txn is one commit being built: a copy of the current state whose
// accounts are copied on first touch.
type txn struct {
	d     *Directory
	op    string
	now   time.Time
	s     state
	accts map[string]*account // accounts copied by this commit
	// all says the commit may have replaced any account (a directory-wide
	// Import): the store diff then compares every account.
	all bool
	// buried lists the tombstones this commit added, for the store.
	buried []burial
	// oneBatch refuses (ErrNotAtomic) a commit that would take more than
	// one store batch (an atomic directory-wide Import).
	oneBatch bool
}

// burial is one tombstone added by a commit: the account it is stored
// under, its kind (kindDeadKey or kindDeadRole) and the ID.
type burial struct {
	account, kind, id string
}

// commit runs fn on a copy of the current state and publishes the result
// as the next revision, or publishes nothing when fn fails. On a store
// (Open) the change is committed to the store before it is published.
func (d *Directory) commit(op string, fn func(t *txn) error) (Revision, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.backend != nil {
		return d.commitStore(op, fn)
	}
	t, err := d.run(op, fn, d.cur.Load())
	if err != nil {
		if err == errNoop {
			return t.s.rev, nil
		}
		return 0, err
	}
	t.fold()
	t.s.rev++
	t.stamp(t.s.rev)
	next := t.s
	d.cur.Store(&next)
	return next.rev, nil
}

// run runs fn on a copy of base.
func (d *Directory) run(op string, fn func(t *txn) error, base *state) (*txn, error) {
	t := &txn{d: d, op: op, now: d.now(), s: *base}
	if !inRange(t.now) {
		return t, errf(op, "", ErrInvalid, "the directory's clock reads "+t.now.String()+", outside the years 0001-9999")
	}
	return t, fn(t)
}

// fold puts the accounts the commit copied into its state.
func (t *txn) fold() {
	for uid, a := range t.accts {
		if a == nil {
			t.s.accounts = t.s.accounts.Delete(uid)
			continue
		}
		t.s.accounts = t.s.accounts.Set(uid, a)
	}
}

// stamp records rev as the revision of every account the commit touched.
func (t *txn) stamp(rev Revision) {
	for uid := range t.accts {
		t.s.acctRevs = t.s.acctRevs.Set(uid, rev)
	}
}

// bury records a tombstone: id (an AccessKeyId for kindDeadKey, a RoleId
// for kindDeadRole) of account uid was deleted now.
func (t *txn) bury(uid, kind, id string) {
	k := deadKey(kind, id)
	if _, ok := t.s.dead.Get(k); ok {
		return
	}
	t.s.dead = t.s.dead.Set(k, t.now)
	t.buried = append(t.buried, burial{uid, kind, id})
}

// newRoleID draws a RoleId: "3" and 18 random digits, not used by a role
// this directory holds or held. Random (not a counter) so that writers on
// different accounts of one store cannot hand out the same RoleId.
func (t *txn) newRoleID() string {
	for {
		var b [8]byte
		_, _ = rand.Read(b[:]) // never fails on supported platforms (Go 1.24+)
		id := fmt.Sprintf("3%018d", binary.BigEndian.Uint64(b[:])%1_000_000_000_000_000_000)
		if _, dead := t.s.dead.Get(deadKey(kindDeadRole, id)); !dead && !t.roleIDUsed(id) {
			return id
		}
	}
}

func (t *txn) roleIDUsed(id string) bool {
	for _, a := range t.s.accounts.All {
		for _, r := range a.roles.All {
			if r.roleID == id {
				return true
			}
		}
	}
	for _, a := range t.accts {
		if a == nil {
			continue
		}
		for _, r := range a.roles.All {
			if r.roleID == id {
				return true
			}
		}
	}
	return false
}

// account returns account uid as this commit sees it (nil if absent).
func (t *txn) account(uid string) *account {
	if a, ok := t.accts[uid]; ok {
		return a
	}
	return t.s.account(uid)
}

// writable returns a copy of account uid that this commit may change, or
// an error naming the account when it does not exist.
func (t *txn) writable(uid string) (*account, error) {
	if a, ok := t.accts[uid]; ok && a != nil {
		return a, nil
	}
	a := t.account(uid)
	if a == nil {
		return nil, errf(t.op, uid, ErrNotFound, "no such account")
	}
	c := *a
	if t.accts == nil {
		t.accts = map[string]*account{}
	}
	t.accts[uid] = &c
	return &c, nil
}

func (t *txn) uid() uint64 {
	u := t.s.nextUID
	t.s.nextUID++
	return u
}
