package directory

import (
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strconv"
	"time"
)

// A token key seals SecurityTokens with AES-256-GCM. The keys are part of
// the state (kept sealed under the key-encryption key, like access-key
// secrets) so that every revision verifies exactly the tokens sealed under
// the keys it holds. RotateTokenKey adds a new sealing key; the previous
// keys keep verifying until RetireTokenKey removes them, and are pruned by
// RotateTokenKey once every token they sealed has expired.
type tokenKey struct {
	id      uint32
	sealed  []byte      // the 32-byte key, sealed under the KEK
	aead    cipher.AEAD // the opened key, ready to use
	created time.Time
	// rotated is when a newer key took over sealing (zero for the newest).
	rotated time.Time
}

// maxNextUID bounds the directory's ID counter (state.nextUID): token key
// IDs are its 32-bit values, so a counter past this would hand out an ID
// a live key holds. A counter is raised only by one per commit or by an
// import, which refuses larger values.
const maxNextUID = 1 << 32

func (d *Directory) newTokenKey(s *state, now time.Time) (*tokenKey, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, &Error{Op: "RotateTokenKey", Err: ErrInvalid, Msg: "random source failed", Cause: err}
	}
	if s.nextUID >= maxNextUID {
		return nil, &Error{Op: "RotateTokenKey", Err: ErrLimit, Msg: "the directory's ID counter is exhausted"}
	}
	id := uint32(s.nextUID)
	s.nextUID++
	var aad [4]byte
	binary.BigEndian.PutUint32(aad[:], id)
	sealed, err := d.seal(raw, aad[:])
	if err != nil {
		return nil, &Error{Op: "RotateTokenKey", Err: ErrInvalid, Msg: "random source failed", Cause: err}
	}
	aead, err := newAEAD(raw)
	if err != nil {
		return nil, &Error{Op: "RotateTokenKey", Err: ErrInvalid, Cause: err}
	}
	return &tokenKey{id: id, sealed: sealed, aead: aead, created: now}, nil
}

// TokenKeyInfo describes one token key (never its bytes).
type TokenKeyInfo struct {
	ID      uint32
	Created time.Time
	Rotated time.Time // zero for the key that seals new tokens
}

// TokenKeys lists the token keys, the sealing key first.
func (d *Directory) TokenKeys() []TokenKeyInfo {
	var out []TokenKeyInfo
	for _, k := range d.cur.Load().tokenKeys {
		out = append(out, TokenKeyInfo{ID: k.id, Created: k.created, Rotated: k.rotated})
	}
	return out
}

// RotateTokenKey makes a new token key the one that seals new
// SecurityTokens. The previous keys still verify the tokens they sealed;
// keys rotated out longer ago than the longest session (43,200 seconds)
// are dropped, since every token they sealed has expired.
// Errors: ErrInvalid (random source).
func (d *Directory) RotateTokenKey() (Revision, error) {
	return d.commit("RotateTokenKey", func(t *txn) error {
		k, err := d.newTokenKey(&t.s, t.now)
		if err != nil {
			return err
		}
		keys := []*tokenKey{k}
		for i, old := range t.s.tokenKeys {
			if i == 0 {
				c := *old
				c.rotated = t.now
				old = &c
			}
			if t.now.Sub(old.rotated) <= MaxMaxSessionDuration*time.Second {
				keys = append(keys, old)
			}
		}
		t.s.tokenKeys = keys
		return nil
	})
}

// RetireTokenKey removes a token key that no longer seals (one that
// RotateTokenKey replaced): every token it sealed is refused from the
// returned revision on, with ErrTokenMalformed. Retiring is a revocation
// no restore undoes: the key is tombstoned, and Import and ImportWith
// (even forced) drop it from the documents they read. Errors: ErrNotFound,
// ErrInUse (the current sealing key: rotate first).
func (d *Directory) RetireTokenKey(id uint32) (Revision, error) {
	const op = "RetireTokenKey"
	return d.commit(op, func(t *txn) error {
		for i, k := range t.s.tokenKeys {
			if k.id != id {
				continue
			}
			if i == 0 {
				return errf(op, "", ErrInUse, "the sealing key cannot be retired; call RotateTokenKey first")
			}
			t.bury(dirAccount, kindDeadTokenKey, tokenKeyTombstone(k))
			keys := make([]*tokenKey, 0, len(t.s.tokenKeys)-1)
			keys = append(keys, t.s.tokenKeys[:i]...)
			t.s.tokenKeys = append(keys, t.s.tokenKeys[i+1:]...)
			return nil
		}
		return errf(op, "", ErrNotFound, "no such token key")
	})
}

// tokenKeyTombstone names token key k in a tombstone: its ID and a
// fingerprint of its sealed bytes (public: exports hold them), so that a
// retired key is recognised in a restored document while another
// directory's key that happens to share the ID is not.
func tokenKeyTombstone(k *tokenKey) string {
	sum := sha256.Sum256(k.sealed)
	return strconv.FormatUint(uint64(k.id), 10) + "-" + hex.EncodeToString(sum[:16])
}

func (s *state) tokenKey(id uint32) *tokenKey {
	for _, k := range s.tokenKeys {
		if k.id == id {
			return k
		}
	}
	return nil
}

// claims is what a SecurityToken carries.
type claims struct {
	accessKeyID string
	account     string // the role's account
	roleName    string
	roleID      string // the role's RoleId at issue: a re-created role has another
	sessionName string
	caller      string // canonical ID of the caller
	issued      time.Time
	expires     time.Time
	policy      string // session policy document, or ""
	secret      string // the session's AccessKeySecret
}

// heldBy reports whether role r (nil: absent) still holds the session c
// describes: the same RoleId (a deleted and re-created role has another),
// and c issued at or after r's RevokeSessions cut-off.
func (c *claims) heldBy(r *role) bool {
	return r != nil && r.roleID == c.roleID && !c.issued.Before(r.revokedBefore)
}

const tokenFormat = 1

var errMalformed = errors.New("malformed")

func tokenAAD(keyID uint32) []byte {
	aad := []byte("ramauthz-security-token\x00\x00\x00\x00\x00")
	aad[len(aad)-5] = tokenFormat
	binary.BigEndian.PutUint32(aad[len(aad)-4:], keyID)
	return aad
}

// sealToken seals c under key k: base64url(format | key ID | nonce |
// AES-GCM ciphertext of the claims).
func sealToken(k *tokenKey, c *claims) (string, error) {
	var body []byte
	for _, f := range []string{c.accessKeyID, c.account, c.roleName, c.roleID, c.sessionName, c.caller, c.policy, c.secret} {
		body = binary.AppendUvarint(body, uint64(len(f)))
		body = append(body, f...)
	}
	for _, t := range []time.Time{c.issued, c.expires} {
		// Seconds and nanoseconds: UnixNano cannot hold the years 0001–9999.
		body = binary.BigEndian.AppendUint64(body, uint64(t.Unix()))
		body = binary.BigEndian.AppendUint32(body, uint32(t.Nanosecond()))
	}
	head := make([]byte, 5+k.aead.NonceSize(), 5+k.aead.NonceSize()+len(body)+k.aead.Overhead())
	head[0] = tokenFormat
	binary.BigEndian.PutUint32(head[1:5], k.id)
	if _, err := rand.Read(head[5:]); err != nil {
		return "", err
	}
	out := k.aead.Seal(head, head[5:], body, tokenAAD(k.id))
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// openToken verifies and decodes a SecurityToken against the token keys of
// s and returns its claims and the key that opened it. Any failure is
// errMalformed: the caller learns nothing more.
func openToken(s *state, token string) (*claims, *tokenKey, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) < 5 || raw[0] != tokenFormat {
		return nil, nil, errMalformed
	}
	id := binary.BigEndian.Uint32(raw[1:5])
	k := s.tokenKey(id)
	if k == nil || len(raw) < 5+k.aead.NonceSize() {
		return nil, nil, errMalformed
	}
	n := k.aead.NonceSize()
	body, err := k.aead.Open(nil, raw[5:5+n], raw[5+n:], tokenAAD(id))
	if err != nil {
		return nil, nil, errMalformed
	}
	c := &claims{}
	fields := []*string{&c.accessKeyID, &c.account, &c.roleName, &c.roleID, &c.sessionName, &c.caller, &c.policy, &c.secret}
	for _, f := range fields {
		l, w := binary.Uvarint(body)
		if w <= 0 || l > uint64(len(body)-w) {
			return nil, nil, errMalformed
		}
		*f = string(body[w : w+int(l)])
		body = body[w+int(l):]
	}
	if len(body) != 24 {
		return nil, nil, errMalformed
	}
	c.issued = time.Unix(int64(binary.BigEndian.Uint64(body)), int64(binary.BigEndian.Uint32(body[8:]))).UTC()
	c.expires = time.Unix(int64(binary.BigEndian.Uint64(body[12:])), int64(binary.BigEndian.Uint32(body[20:]))).UTC()
	return c, k, nil
}
