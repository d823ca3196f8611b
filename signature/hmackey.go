package signature

import (
	"crypto/sha256"
	"encoding"
	"hash/maphash"
	"strings"
	"sync"
	"time"
)

// keyStates caches, per AccessKeyId, the SHA-256 states reached after
// HMAC's two padded key blocks (RFC 2104: the key XOR ipad, the key XOR
// opad), so that a V3 signature costs three SHA-256 blocks instead of five
// and no key setup. It is safe for concurrent use.
//
// The states are derived key material: with them anyone can compute V3
// signatures for the key (they do not reveal the secret). So the cache
// holds no secret, only a keyed 64-bit hash of the one the states were
// derived from (a changed secret under the same AccessKeyId gets new
// states), and it bounds what it holds:
//   - the credential source is asked on every request before the cache
//     is used, so a deleted, deactivated or expired key is refused on its
//     very next request, and that refusal drops its entry (forget);
//   - an entry lives keyStateLifetime at most: an older one is derived
//     again when its key is used, and dropped by the next store (a sweep
//     at most every half lifetime) when it is not;
//   - at most maxKeyStates entries: a store into a full cache empties it.
type keyStates struct {
	seed maphash.Seed
	// m maps an AccessKeyId to its *keyState. A sync.Map, so that looking
	// a key up writes no shared memory (the verifier's cores do not take
	// turns on a lock for it).
	m         sync.Map
	mu        sync.Mutex // serializes stores and drops; guards n and swept
	n         int        // entries in m
	swept     int64      // unix seconds of the last sweep
	lifetime  int64      // seconds
	maxStates int
}

// keyState is one AccessKeyId's HMAC-SHA256 states; it is never modified
// once stored.
type keyState struct {
	secret       uint64 // maphash of the secret the states were derived from
	expires      int64  // unix seconds
	inner, outer []byte // sha256 digest states (MarshalBinary) after key^ipad, key^opad
}

// Limits of keyStates.
const (
	keyStateLifetime = 5 * time.Minute
	maxKeyStates     = 4096
)

func newKeyStates() *keyStates {
	return &keyStates{seed: maphash.MakeSeed(), lifetime: int64(keyStateLifetime / time.Second), maxStates: maxKeyStates}
}

// mac returns HMAC-SHA256(secret, msg) for the key keyID: from its cached
// states when they were derived from secret and are live at now (unix
// seconds), else deriving and storing them; computed directly
// (hmacSHA256) if the digest's state cannot be saved or restored.
func (c *keyStates) mac(keyID, secret string, msg *[v3StringToSignLength]byte, now int64) [sha256.Size]byte {
	fp := maphash.String(c.seed, secret)
	st := c.get(keyID)
	if st == nil || st.secret != fp || now >= st.expires {
		var ok bool
		if st, ok = deriveKeyState(secret, fp, now+c.lifetime); !ok {
			return hmacSHA256(secret, msg)
		}
		c.store(keyID, st, now)
	}
	if mac, ok := macFromStates(st, msg); ok {
		return mac
	}
	return hmacSHA256(secret, msg)
}

// deriveKeyState computes the states of secret; ok is false if the
// digest's state cannot be saved (never for the standard library's).
func deriveKeyState(secret string, fp uint64, expires int64) (st *keyState, ok bool) {
	key := blockKey(secret, "", sha256.New)
	defer clear(key[:])
	var pad [hmacBlock]byte
	defer clear(pad[:])
	var states [2][]byte
	for i, p := range [2]byte{0x36, 0x5c} {
		xorPad(pad[:], &key, p)
		h := sha256.New()
		h.Write(pad[:])
		m, isMarshaler := h.(encoding.BinaryMarshaler)
		if !isMarshaler {
			return nil, false
		}
		b, err := m.MarshalBinary()
		if err != nil {
			return nil, false
		}
		states[i] = b
	}
	return &keyState{secret: fp, expires: expires, inner: states[0], outer: states[1]}, true
}

// macFromStates finishes HMAC-SHA256 of msg from the states: the inner hash
// of msg after key^ipad, the outer hash of that after key^opad. The
// digests stay on the stack (the compiler devirtualizes sha256.New). ok is
// false if a state does not restore (never for one deriveKeyState saved).
func macFromStates(st *keyState, msg *[v3StringToSignLength]byte) (mac [sha256.Size]byte, ok bool) {
	var inner [sha256.Size]byte
	h := sha256.New()
	u, isUnmarshaler := h.(encoding.BinaryUnmarshaler)
	if !isUnmarshaler || u.UnmarshalBinary(st.inner) != nil {
		return mac, false
	}
	h.Write(msg[:])
	h.Sum(inner[:0])
	h = sha256.New()
	u, isUnmarshaler = h.(encoding.BinaryUnmarshaler)
	if !isUnmarshaler || u.UnmarshalBinary(st.outer) != nil {
		return mac, false
	}
	h.Write(inner[:])
	h.Sum(mac[:0])
	return mac, true
}

// get returns keyID's states, or nil.
func (c *keyStates) get(keyID string) *keyState {
	if e, ok := c.m.Load(keyID); ok {
		return e.(*keyState)
	}
	return nil
}

// store records st for keyID: it drops the expired entries when the last
// sweep is half a lifetime old, and empties a full cache first.
func (c *keyStates) store(keyID string, st *keyState, now int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now-c.swept >= c.lifetime/2 || now < c.swept {
		c.swept = now
		c.m.Range(func(k, e any) bool {
			if now >= e.(*keyState).expires {
				c.m.Delete(k)
				c.n--
			}
			return true
		})
	}
	if c.get(keyID) == nil && c.n >= c.maxStates {
		c.m.Clear()
		c.n = 0
	}
	// A copy: keyID is a slice of the request's Authorization header,
	// which may be padded to MaxHeaderBytes and is stored before the
	// signature is checked (TestKeyStatesDoNotPinTheHeader).
	if _, loaded := c.m.Swap(strings.Clone(keyID), st); !loaded {
		c.n++
	}
}

// forget drops keyID's states (its credential lookup failed). It takes
// the lock only when there is an entry to drop, so requests naming
// unknown keys do not serialize the verifier.
func (c *keyStates) forget(keyID string) {
	if c.get(keyID) == nil {
		return
	}
	c.mu.Lock()
	if _, loaded := c.m.LoadAndDelete(keyID); loaded {
		c.n--
	}
	c.mu.Unlock()
}

// len returns the number of entries.
func (c *keyStates) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
