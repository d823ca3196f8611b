package directory

import (
	"slices"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

// AccessKey describes an access key without its secret.
type AccessKey struct {
	ID      string // the AccessKeyId: "LTAI" and 20 letters and digits
	User    principal.ID
	Status  KeyStatus
	Created time.Time
}

// NewAccessKey is what CreateAccessKey returns: the only time the secret
// is shown. The directory keeps the secret sealed under the key-encryption
// key. Secret prints as "[REDACTED]"; use Secret.Reveal.
type NewAccessKey struct {
	AccessKey
	Secret Secret
}

func (k *accessKey) info(owner principal.ID) AccessKey {
	return AccessKey{ID: k.id, User: owner, Status: k.status, Created: k.created}
}

// CreateAccessKey creates a KeyActive access key for user id and returns it
// with its secret (30 letters and digits from crypto/rand).
// Errors: ErrInvalid (not a user ID, or the random source failed),
// ErrNotFound, ErrLimit (LimitAccessKeys).
func (d *Directory) CreateAccessKey(id principal.ID) (NewAccessKey, Revision, error) {
	const op = "CreateAccessKey"
	var out NewAccessKey
	rev, err := d.commit(op, func(t *txn) error {
		a, u, err := t.userOf(op, id)
		if err != nil {
			return err
		}
		if len(u.keys) >= d.limits.AccessKeysPerUser {
			return limitErr(op, u.arn, LimitAccessKeys, d.limits.AccessKeysPerUser)
		}
		var kid string
		for {
			if kid, err = randomString("LTAI", 20); err != nil {
				return &Error{Op: op, Subject: u.arn, Err: ErrInvalid, Msg: "random source failed", Cause: err}
			}
			if _, taken := t.s.keys.Get(kid); !taken {
				break
			}
		}
		secret, err := randomString("", 30)
		if err != nil {
			return &Error{Op: op, Subject: u.arn, Err: ErrInvalid, Msg: "random source failed", Cause: err}
		}
		sealed, err := d.seal([]byte(secret), []byte(kid))
		if err != nil {
			return &Error{Op: op, Subject: u.arn, Err: ErrInvalid, Msg: "random source failed", Cause: err}
		}
		k := &accessKey{id: kid, user: u.id.Name(), sealed: sealed, status: KeyActive, created: t.now}
		nu := *u
		nu.keys = append(slices.Clip(u.keys), kid)
		putUser(a, &nu)
		t.s.keys = t.s.keys.Set(kid, keyOwner{account: a.uid, key: k})
		out = NewAccessKey{AccessKey: k.info(u.id), Secret: Secret{secret}}
		return nil
	})
	if err != nil {
		return NewAccessKey{}, 0, err
	}
	return out, rev, nil
}

// UpdateAccessKey sets the status of the access key keyID. Setting the
// status it already has is nothing to do (no commit).
// Errors: ErrInvalid (status), ErrKeyNotFound.
func (d *Directory) UpdateAccessKey(keyID string, status KeyStatus) (Revision, error) {
	const op = "UpdateAccessKey"
	if status != KeyActive && status != KeyInactive {
		return 0, errf(op, keyID, ErrInvalid, "status must be KeyActive or KeyInactive")
	}
	return d.commit(op, func(t *txn) error {
		o, ok := t.s.keys.Get(keyID)
		if !ok {
			return errf(op, keyID, ErrKeyNotFound, "")
		}
		if o.key.status == status {
			return errNoop
		}
		nk := *o.key
		nk.status = status
		t.s.keys = t.s.keys.Set(keyID, keyOwner{account: o.account, key: &nk})
		return nil
	})
}

// DeleteAccessKey deletes the access key keyID. Errors: ErrKeyNotFound.
func (d *Directory) DeleteAccessKey(keyID string) (Revision, error) {
	const op = "DeleteAccessKey"
	return d.commit(op, func(t *txn) error {
		o, ok := t.s.keys.Get(keyID)
		if !ok {
			return errf(op, keyID, ErrKeyNotFound, "")
		}
		a, err := t.writable(o.account)
		if err != nil {
			return err
		}
		if u := a.user(o.key.user); u != nil {
			nu := *u
			nu.keys = remove(u.keys, keyID)
			putUser(a, &nu)
		}
		t.s.keys = t.s.keys.Delete(keyID)
		return nil
	})
}

// activeKey finds an active access key and its owner in s.
func activeKey(s *state, keyID string) (*account, *user, *accessKey, error) {
	o, ok := s.keys.Get(keyID)
	if !ok {
		return nil, nil, nil, ErrKeyNotFound
	}
	a := s.account(o.account)
	if a == nil {
		return nil, nil, nil, ErrKeyNotFound
	}
	u := a.user(o.key.user)
	if u == nil {
		return nil, nil, nil, ErrKeyNotFound
	}
	if o.key.status != KeyActive {
		return nil, nil, nil, ErrKeyInactive
	}
	return a, u, o.key, nil
}

// AccessKeySecret returns the owner and the unsealed secret of the active
// access key id, for verifying a request signature.
// Errors: *Error unwrapping to ErrKeyNotFound, ErrKeyInactive, or ErrSealed
// (the key-encryption key does not open the secret).
func (d *Directory) AccessKeySecret(id string) (owner principal.ID, secret string, err error) {
	const op = "AccessKeySecret"
	_, u, k, err := activeKey(d.cur.Load(), id)
	if err != nil {
		return principal.ID{}, "", errf(op, id, err, "")
	}
	plain, err := d.unseal(k.sealed, []byte(k.id))
	if err != nil {
		return principal.ID{}, "", errf(op, id, err, "")
	}
	return u.id, string(plain), nil
}

// AuthorizeAccessKey is Authorize for the user owning the active access
// key keyID. It checks no signature: verify the request first (with
// AccessKeySecret). Errors (with ImplicitDeny): ErrKeyNotFound,
// ErrKeyInactive, or those of Authorize.
func (d *Directory) AuthorizeAccessKey(keyID string, req evaluator.Request) (Result, error) {
	s := d.cur.Load()
	a, u, _, err := activeKey(s, keyID)
	if err != nil {
		return Result{Revision: s.rev}, errf("AuthorizeAccessKey", keyID, err, "")
	}
	res, _, err := d.decideUser(s, a, u, &req)
	return res, err
}
