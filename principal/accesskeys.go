package principal

import "slices"

// ---- access keys ----

// CreateAccessKey creates an Active access key for user name of account uid
// and returns it with its secret. The secret is generated with crypto/rand
// and shown only here; the directory keeps its SHA-256 hash.
// Errors: ErrInvalid, ErrNotFound, ErrLimit (LimitAccessKeys), or an error
// from the system's random source.
func (d *Directory) CreateAccessKey(uid, name string) (NewAccessKey, error) {
	const op = "CreateAccessKey"
	d.mu.Lock()
	defer d.mu.Unlock()
	u, err := d.user(op, uid, name)
	if err != nil {
		return NewAccessKey{}, err
	}
	if len(u.keys) >= d.limits.AccessKeysPerUser {
		return NewAccessKey{}, limitErr(op, u.arn, LimitAccessKeys, d.limits.AccessKeysPerUser)
	}
	var id string
	for {
		id, err = randomString("LTAI", 20)
		if err != nil {
			return NewAccessKey{}, &Error{Op: op, Subject: u.arn, Err: ErrInvalid, Msg: "random source failed", Cause: err}
		}
		if d.keys[id] == nil && d.sessKeys[id] == nil {
			break
		}
	}
	secret, err := randomString("", 30)
	if err != nil {
		return NewAccessKey{}, &Error{Op: op, Subject: u.arn, Err: ErrInvalid, Msg: "random source failed", Cause: err}
	}
	created, err := d.stamp(op, u.arn)
	if err != nil {
		return NewAccessKey{}, err
	}
	k := &accessKey{id: id, hash: hashSecret(secret), status: Active, created: created, owner: u}
	u.keys = append(u.keys, k)
	d.keys[id] = k
	d.changed()
	return NewAccessKey{AccessKey: k.info(), Secret: secret}, nil
}

func (d *Directory) userKey(op, uid, name, keyID string) (*user, *accessKey, error) {
	u, err := d.user(op, uid, name)
	if err != nil {
		return nil, nil, err
	}
	for _, k := range u.keys {
		if k.id == keyID {
			return u, k, nil
		}
	}
	return nil, nil, errf(op, keyID, ErrNotFound, "no such access key for "+u.arn)
}

// UpdateAccessKey sets the status of an access key of user name.
// Errors: ErrInvalid, ErrNotFound.
func (d *Directory) UpdateAccessKey(uid, name, keyID string, status KeyStatus) error {
	const op = "UpdateAccessKey"
	if status != Active && status != Inactive {
		return errf(op, keyID, ErrInvalid, "status must be Active or Inactive")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	_, k, err := d.userKey(op, uid, name, keyID)
	if err != nil {
		return err
	}
	if k.status != status {
		k.status = status
		d.changed()
	}
	return nil
}

// DeleteAccessKey deletes an access key of user name.
// Errors: ErrInvalid, ErrNotFound.
func (d *Directory) DeleteAccessKey(uid, name, keyID string) error {
	const op = "DeleteAccessKey"
	d.mu.Lock()
	defer d.mu.Unlock()
	u, k, err := d.userKey(op, uid, name, keyID)
	if err != nil {
		return err
	}
	u.keys = slices.DeleteFunc(u.keys, func(x *accessKey) bool { return x == k })
	delete(d.keys, keyID)
	d.changed()
	return nil
}

// ResolveAccessKey returns the user that owns an Active access key.
// Errors: ErrNotFound (no such key, or its user was deleted), ErrInactive.
func (d *Directory) ResolveAccessKey(keyID string) (ID, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	k := d.keys[keyID]
	if k == nil {
		return ID{}, errf("ResolveAccessKey", keyID, ErrNotFound, "no such access key")
	}
	if k.status != Active {
		return ID{}, errf("ResolveAccessKey", keyID, ErrInactive, "")
	}
	return k.owner.id, nil
}

// VerifyAccessKey is ResolveAccessKey that also checks the secret, in
// constant time. Errors: ErrNotFound, ErrInactive, ErrCredentials.
func (d *Directory) VerifyAccessKey(keyID, secret string) (ID, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	k := d.keys[keyID]
	if k == nil {
		return ID{}, errf("VerifyAccessKey", keyID, ErrNotFound, "no such access key")
	}
	if !hashEqual(k.hash, secret) {
		return ID{}, errf("VerifyAccessKey", keyID, ErrCredentials, "")
	}
	if k.status != Active {
		return ID{}, errf("VerifyAccessKey", keyID, ErrInactive, "")
	}
	return k.owner.id, nil
}
