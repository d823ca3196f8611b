package directory

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ramauthz/ramauthz/internal/pmap"
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
	sets   interner
	cache  *sessionCache
	// sessionPolicies shares compiled session policies between sessions.
	sessionPolicies *policyCache
	// trustSeq numbers trust-policy sets (process-local, not state).
	trustSeq atomic.Uint64
	// diagnostic derives the accounts' diagnostic-message keys (see
	// diagnostic.go); it comes from the key-encryption key.
	diagnostic [32]byte
}

// New returns an empty directory at revision 0 with one token key.
// Errors: ErrInvalid when Options.KeyEncryptionKey is not 32 bytes long,
// or when the system's random source fails.
func New(opts Options) (*Directory, error) {
	d := &Directory{clock: opts.Clock, limits: opts.Limits.withDefaults()}
	if d.clock == nil {
		d.clock = time.Now
	}
	kek := opts.KeyEncryptionKey
	if kek == nil {
		kek = make([]byte, 32)
		if _, err := rand.Read(kek); err != nil {
			return nil, &Error{Op: "New", Err: ErrInvalid, Msg: "random source failed", Cause: err}
		}
	} else if len(kek) != 32 {
		return nil, errf("New", "", ErrInvalid, "KeyEncryptionKey must be 32 bytes (AES-256)")
	}
	aead, err := newAEAD(kek)
	if err != nil {
		return nil, &Error{Op: "New", Err: ErrInvalid, Cause: err}
	}
	d.kek = aead
	d.diagnostic = diagnosticRoot(kek)
	d.cache = newSessionCache(opts.SessionCacheSize)
	d.sessionPolicies = newPolicyCache(opts.SessionCacheSize)
	s := &state{accounts: pmap.Map[*account]{}, keys: pmap.Map[keyOwner]{}, nextUID: 1}
	tk, err := d.newTokenKey(s, d.now())
	if err != nil {
		return nil, err
	}
	s.tokenKeys = []*tokenKey{tk}
	d.cur.Store(s)
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
}

// commit runs fn on a copy of the current state and publishes the result
// as the next revision, or publishes nothing when fn fails.
func (d *Directory) commit(op string, fn func(t *txn) error) (Revision, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := &txn{d: d, op: op, now: d.now(), s: *d.cur.Load()}
	if !inRange(t.now) {
		return 0, errf(op, "", ErrInvalid, "the directory's clock reads "+t.now.String()+", outside the years 0001-9999")
	}
	if err := fn(t); err != nil {
		if err == errNoop {
			return t.s.rev, nil
		}
		return 0, err
	}
	for uid, a := range t.accts {
		if a == nil {
			t.s.accounts = t.s.accounts.Delete(uid)
			continue
		}
		t.s.accounts = t.s.accounts.Set(uid, a)
	}
	t.s.rev++
	next := t.s
	d.cur.Store(&next)
	return next.rev, nil
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
