package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKeyStatesMatchHMAC: a signature from the cached key states equals
// crypto/hmac's, for keys shorter than, as long as and longer than a block
// (hashed first), both when the states are derived and when they are
// reused; and a secret changed under the same AccessKeyId gets new states.
func TestKeyStatesMatchHMAC(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	c := newKeyStates()
	for keyLen := 0; keyLen <= 3*hmacBlock; keyLen++ {
		secret := make([]byte, keyLen)
		for i := range secret {
			secret[i] = byte(rng.UintN(256))
		}
		for round := range 3 {
			var msg [v3StringToSignLength]byte
			for i := range msg {
				msg[i] = byte(rng.UintN(256))
			}
			ref := hmac.New(sha256.New, secret)
			ref.Write(msg[:])
			got := c.mac("k", string(secret), &msg, 100)
			require.Equal(t, ref.Sum(nil), got[:], "key of %d bytes, round %d", keyLen, round)
		}
	}
	assert.Equal(t, 1, c.len(), "one AccessKeyId, its states replaced as its secret changed")
}

// TestKeyStatesLifetimeAndBound: an entry is derived again after its
// lifetime and dropped by a later store when unused; a store into a full
// cache empties it; forget drops an entry.
func TestKeyStatesLifetimeAndBound(t *testing.T) {
	var msg [v3StringToSignLength]byte
	c := newKeyStates()
	life := int64(keyStateLifetime / time.Second)
	c.mac("old", "s1", &msg, 1000)
	first := c.get("old")
	c.mac("old", "s1", &msg, 1000+life-1)
	assert.Same(t, first, c.get("old"), "reused within its lifetime")
	c.mac("old", "s1", &msg, 1000+life)
	assert.NotSame(t, first, c.get("old"), "derived again after it")

	c.mac("idle", "s2", &msg, 5000)
	c.mac("other", "s3", &msg, 5000+life) // sweeps: idle expired, unused
	assert.Nil(t, c.get("idle"))
	assert.NotNil(t, c.get("other"))

	c.forget("other")
	assert.Nil(t, c.get("other"))
	c.forget("never-there")

	c = newKeyStates()
	c.maxStates = 8
	for i := range 100 {
		c.mac("k"+strconv.Itoa(i), "s", &msg, 10)
		require.LessOrEqual(t, c.len(), 8)
		require.Equal(t, countKeyStates(c), c.len())
	}
}

// countKeyStates counts the entries one by one.
func countKeyStates(c *keyStates) int {
	n := 0
	c.m.Range(func(any, any) bool { n++; return true })
	return n
}

// TestKeyStatesConcurrent: goroutines computing, replacing (two secrets
// per key), forgetting and evicting (8 entries for 20 keys) at once, with
// the clock moving, always get crypto/hmac's signature, and the count
// stays exact (run with -race).
func TestKeyStatesConcurrent(t *testing.T) {
	c := newKeyStates()
	c.maxStates = 8
	done := make(chan struct{})
	for g := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			rng := rand.New(rand.NewPCG(uint64(g), 11))
			for i := range 2000 {
				var msg [v3StringToSignLength]byte
				msg[0], msg[1] = byte(g), byte(i)
				key := "k" + strconv.Itoa(rng.IntN(20))
				secret := key + "-secret-" + strconv.Itoa(rng.IntN(2))
				if rng.IntN(10) == 0 {
					c.forget(key)
				}
				got := c.mac(key, secret, &msg, int64(i/10)*60)
				if want := hmacSHA256(secret, &msg); got != want {
					t.Errorf("%s with %s: %x, want %x", key, secret, got, want)
					return
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
	assert.LessOrEqual(t, c.len(), 8)
	assert.Equal(t, countKeyStates(c), c.len())
}

// TestKeyStatesNeverOutliveTheKey: with the key states warm, a deleted or
// deactivated AccessKey and a revoked session are refused on the very next
// request, which drops their states; a secret replaced under the same
// AccessKeyId is not served from the old states: a request signed with
// the old secret is refused, one with the new accepted.
func TestKeyStatesNeverOutliveTheKey(t *testing.T) {
	v, creds, _ := newTestVerifier(t, Config{})
	warm := func(k Key) {
		t.Helper()
		_, err := v.Verify(v3Request(t, k, t0, "Page=1"))
		require.NoError(t, err)
		require.NotNil(t, v.keys.get(k.AccessKeyID), "the states are cached")
	}

	warm(aliceKey)
	creds.DeleteAccessKey(aliceKey.AccessKeyID)
	_, err := v.Verify(v3Request(t, aliceKey, t0, "Page=1"))
	assertCode(t, err, ErrKeyNotFound, "InvalidAccessKeyId.NotFound")
	assert.Nil(t, v.keys.get(aliceKey.AccessKeyID), "dropped with the refusal")

	creds.AddAccessKey(aliceKey.AccessKeyID, aliceKey.AccessKeySecret, alice)
	warm(aliceKey)
	creds.SetActive(aliceKey.AccessKeyID, false)
	_, err = v.Verify(v3Request(t, aliceKey, t0, "Page=1"))
	assertCode(t, err, ErrKeyInactive, "InvalidAccessKeyId.Inactive")
	assert.Nil(t, v.keys.get(aliceKey.AccessKeyID))

	warm(stsKey)
	creds.RevokeSession(stsKey.AccessKeyID)
	_, err = v.Verify(v3Request(t, stsKey, t0, "Page=1"))
	assertCode(t, err, ErrTokenExpired, "InvalidSecurityToken.Expired")
	assert.Nil(t, v.keys.get(stsKey.AccessKeyID))

	creds.SetActive(aliceKey.AccessKeyID, true)
	warm(aliceKey)
	rotated := aliceKey
	rotated.AccessKeySecret = "alice-new-secret"
	creds.AddAccessKey(aliceKey.AccessKeyID, rotated.AccessKeySecret, alice)
	_, err = v.Verify(v3Request(t, aliceKey, t0, "Page=1"))
	assertCode(t, err, ErrSignatureMismatch, "SignatureDoesNotMatch")
	_, err = v.Verify(v3Request(t, rotated, t0, "Page=1"))
	require.NoError(t, err)
	_, err = v.Verify(v3Request(t, aliceKey, t0, "Page=1"))
	assertCode(t, err, ErrSignatureMismatch, "SignatureDoesNotMatch")
}
