package signature

import (
	"crypto/subtle"
	"errors"
	"sync"
	"time"

	"github.com/ramauthz/ramauthz/principal"
)

// Credentials is where a Verifier looks up the secret a request was signed
// with. The two lookups are the ones a RAM directory offers: a RAM user's
// AccessKey, and an STS session's AccessKey with its security token.
//
// Errors must wrap ErrKeyNotFound, ErrKeyInactive (AccessKeySecret), or
// ErrKeyNotFound, ErrTokenMalformed, ErrTokenExpired (also for a revoked
// session), ErrTokenMismatch (SessionCredential); any other error refuses
// the request with ErrUnavailable. An adapter over a directory maps that
// directory's errors to these sentinels.
//
// Implementations must be safe for concurrent use.
type Credentials interface {
	// AccessKeySecret returns the owner (a RAM user, acs:ram::<uid>:user/<name>)
	// and the secret of an active AccessKey.
	AccessKeySecret(accessKeyID string) (owner principal.ID, secret string, err error)
	// SessionCredential returns the role session
	// (acs:ram::<uid>:role/<role>/<session>) and the secret of a live
	// session whose AccessKeyId is accessKeyID and whose token is
	// securityToken.
	SessionCredential(accessKeyID, securityToken string) (session principal.ID, secret string, err error)
}

// MemoryCredentials is an in-memory Credentials for tests, examples and
// small services. The zero value is empty and ready to use; it is safe for
// concurrent use. Its clock for session expiry is Clock, or time.Now when
// Clock is nil (set it before first use).
type MemoryCredentials struct {
	Clock func() time.Time

	mu       sync.RWMutex
	keys     map[string]*memoryKey
	sessions map[string]*memorySession
	tokens   map[string]string // token -> AccessKeyId
}

type memoryKey struct {
	owner    principal.ID
	secret   string
	inactive bool
}

type memorySession struct {
	id      principal.ID
	secret  string
	token   string
	expires time.Time
	revoked bool
}

var _ Credentials = (*MemoryCredentials)(nil)

// AddAccessKey records an active AccessKey of owner, replacing any key with
// the same ID.
func (m *MemoryCredentials) AddAccessKey(accessKeyID, secret string, owner principal.ID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.keys == nil {
		m.keys = map[string]*memoryKey{}
	}
	m.keys[accessKeyID] = &memoryKey{owner: owner, secret: secret}
}

// SetActive enables or disables an AccessKey. It reports whether the key
// exists.
func (m *MemoryCredentials) SetActive(accessKeyID string, active bool) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := m.keys[accessKeyID]
	if k != nil {
		k.inactive = !active
	}
	return k != nil
}

// DeleteAccessKey forgets an AccessKey.
func (m *MemoryCredentials) DeleteAccessKey(accessKeyID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.keys, accessKeyID)
}

// AddSession records an STS session's credentials, valid until expires.
func (m *MemoryCredentials) AddSession(accessKeyID, secret, securityToken string, session principal.ID, expires time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sessions == nil {
		m.sessions, m.tokens = map[string]*memorySession{}, map[string]string{}
	}
	if old := m.sessions[accessKeyID]; old != nil && m.tokens[old.token] == accessKeyID {
		delete(m.tokens, old.token) // the replaced token was never issued for another key
	}
	m.sessions[accessKeyID] = &memorySession{id: session, secret: secret, token: securityToken, expires: expires}
	m.tokens[securityToken] = accessKeyID
}

// RevokeSession ends a session: its next request is refused with
// ErrTokenExpired. It reports whether the session exists.
func (m *MemoryCredentials) RevokeSession(accessKeyID string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.sessions[accessKeyID]
	if s != nil {
		s.revoked = true
	}
	return s != nil
}

// AccessKeySecret implements Credentials.
// Errors: ErrKeyNotFound, ErrKeyInactive.
func (m *MemoryCredentials) AccessKeySecret(accessKeyID string) (principal.ID, string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	k := m.keys[accessKeyID]
	switch {
	case k == nil:
		return principal.ID{}, "", ErrKeyNotFound
	case k.inactive:
		return principal.ID{}, "", ErrKeyInactive
	}
	return k.owner, k.secret, nil
}

// SessionCredential implements Credentials. A token issued to another
// session is ErrTokenMismatch; a token never issued is ErrTokenMalformed.
// Errors: ErrKeyNotFound, ErrTokenMalformed, ErrTokenMismatch, ErrTokenExpired.
func (m *MemoryCredentials) SessionCredential(accessKeyID, securityToken string) (principal.ID, string, error) {
	now := time.Now
	if m.Clock != nil {
		now = m.Clock
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	s := m.sessions[accessKeyID]
	if s == nil {
		if _, ok := m.tokens[securityToken]; ok {
			return principal.ID{}, "", ErrTokenMismatch
		}
		return principal.ID{}, "", ErrKeyNotFound
	}
	if subtle.ConstantTimeCompare([]byte(s.token), []byte(securityToken)) != 1 {
		if _, ok := m.tokens[securityToken]; ok {
			return principal.ID{}, "", ErrTokenMismatch
		}
		return principal.ID{}, "", ErrTokenMalformed
	}
	if s.revoked || !now().Before(s.expires) {
		return principal.ID{}, "", ErrTokenExpired
	}
	return s.id, s.secret, nil
}

// sourceError turns a credential source's error into a refusal.
func sourceError(err error) *Error {
	for _, s := range []error{ErrKeyNotFound, ErrKeyInactive, ErrTokenMalformed, ErrTokenExpired, ErrTokenMismatch} {
		if errors.Is(err, s) {
			e := refuse(s, "")
			if err != s {
				e.Cause = err
			}
			return e
		}
	}
	e := refuse(ErrUnavailable, "")
	e.Cause = err
	return e
}
