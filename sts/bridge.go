package sts

import (
	"errors"
	"sync"

	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/role"
	"github.com/ramauthz/ramauthz/signature"
)

// Bridge connects today's principal.Directory and role.STS to the signature
// verifier and the STS handler: it is a signature.Credentials and an
// AssumeRoler.
//
// principal.Directory keeps only SHA-256 hashes of secrets, so it cannot by
// itself give a verifier the secret to recompute a signature with. Bridge
// remembers the secrets it is shown when they are issued (RememberAccessKey
// for keys made with Directory.CreateAccessKey; sessions it creates itself
// in AssumeRole) and asks the directory, on every lookup, whether the key is
// still active or the session still live, so deactivating a key, deleting a
// user or role, or RevokeSessions take effect on the next request. A
// directory that keeps secrets sealed (issue 13) replaces it with a direct
// adapter.
//
// Bridge is safe for concurrent use.
type Bridge struct {
	dir *principal.Directory
	sts *role.STS

	mu      sync.RWMutex
	secrets map[string]string // AccessKeyId -> secret
	tokens  map[string]string // SecurityToken -> AccessKeyId
}

var (
	_ signature.Credentials = (*Bridge)(nil)
	_ AssumeRoler           = (*Bridge)(nil)
)

// NewBridge returns a Bridge over dir, assuming roles with role.New(dir).
func NewBridge(dir *principal.Directory) *Bridge {
	return &Bridge{dir: dir, sts: role.New(dir), secrets: map[string]string{}, tokens: map[string]string{}}
}

// RememberAccessKey records the secret of a key just created with
// Directory.CreateAccessKey.
func (b *Bridge) RememberAccessKey(k principal.NewAccessKey) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.secrets[k.ID] = k.Secret
}

func (b *Bridge) secret(id string) (string, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	s, ok := b.secrets[id]
	return s, ok
}

// AccessKeySecret implements signature.Credentials.
// Errors: signature.ErrKeyNotFound, signature.ErrKeyInactive, or the
// directory's error.
func (b *Bridge) AccessKeySecret(accessKeyID string) (principal.ID, string, error) {
	secret, ok := b.secret(accessKeyID)
	if !ok {
		return principal.ID{}, "", signature.ErrKeyNotFound
	}
	owner, err := b.dir.VerifyAccessKey(accessKeyID, secret)
	switch {
	case errors.Is(err, principal.ErrInactive):
		return principal.ID{}, "", errors.Join(signature.ErrKeyInactive, err)
	case errors.Is(err, principal.ErrNotFound), errors.Is(err, principal.ErrCredentials):
		return principal.ID{}, "", errors.Join(signature.ErrKeyNotFound, err)
	case err != nil:
		return principal.ID{}, "", err
	}
	return owner, secret, nil
}

// SessionCredential implements signature.Credentials. A session the
// directory no longer has (its role was deleted) is expired, so credential
// providers fetch new credentials.
// Errors: signature.ErrKeyNotFound, ErrTokenMalformed, ErrTokenMismatch,
// ErrTokenExpired, or the directory's error.
func (b *Bridge) SessionCredential(accessKeyID, securityToken string) (principal.ID, string, error) {
	b.mu.RLock()
	secret, known := b.secrets[accessKeyID]
	owner, issued := b.tokens[securityToken]
	b.mu.RUnlock()
	switch {
	case issued && owner != accessKeyID:
		return principal.ID{}, "", signature.ErrTokenMismatch
	case !known:
		return principal.ID{}, "", signature.ErrKeyNotFound
	case !issued:
		return principal.ID{}, "", signature.ErrTokenMalformed
	}
	id, err := b.dir.VerifySession(accessKeyID, secret, securityToken)
	switch {
	case errors.Is(err, principal.ErrExpired), errors.Is(err, principal.ErrNotFound):
		return principal.ID{}, "", errors.Join(signature.ErrTokenExpired, err)
	case errors.Is(err, principal.ErrCredentials):
		return principal.ID{}, "", errors.Join(signature.ErrTokenMalformed, err)
	case err != nil:
		return principal.ID{}, "", err
	}
	return id, secret, nil
}

// AssumeRole implements AssumeRoler with role.STS (spec §6.3: the trust
// policy and the caller's own policies must allow it), and remembers the
// new session's secret. The caller is named by its AccessKeyId, so a role
// session can chain into another role.
// Errors: the *role.Error of role.STS.AssumeRole.
func (b *Bridge) AssumeRole(in AssumeRoleInput) (AssumeRoleOutput, error) {
	out, err := b.sts.AssumeRole(role.AssumeRoleInput{Caller: in.Caller.AccessKeyID, RoleARN: in.RoleArn,
		RoleSessionName: in.RoleSessionName, DurationSeconds: in.DurationSeconds, Policy: in.Policy,
		ExternalID: in.ExternalID, Context: in.Context})
	if err != nil {
		return AssumeRoleOutput{}, err
	}
	c := out.Credentials
	b.mu.Lock()
	b.secrets[c.AccessKeyID] = c.AccessKeySecret
	b.tokens[c.SecurityToken] = c.AccessKeyID
	b.mu.Unlock()
	return AssumeRoleOutput{AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken,
		Expiration: c.Expiration, Arn: out.AssumedRoleUser.ARN.String(), AssumedRoleID: out.AssumedRoleUser.AssumedRoleID}, nil
}
