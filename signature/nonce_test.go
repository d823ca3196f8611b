package signature

import (
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNonceCacheMemoryBounded floods the cache with 50 times its capacity of
// longest-allowed nonces and keys within one window: the live heap it holds
// stays under 1 KiB per entry of capacity, however long the flood.
func TestNonceCacheMemoryBounded(t *testing.T) {
	const max = 4096
	live := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := live()
	c := newNonceCache(max)
	key := strings.Repeat("K", MaxKeyIDLength)
	pad := strings.Repeat("n", MaxNonceLength-12)
	start := t0
	for i := range 50 * max {
		ts := start.Add(time.Duration(i/max) * time.Second)
		c.record(key, pad+strconv.Itoa(1e11+i), ts, start.Add(-time.Hour))
	}
	require.Equal(t, max, c.len())
	after := live()
	grown := int64(after) - int64(before)
	t.Logf("%d entries hold %d bytes (%.0f per entry)", c.len(), grown, float64(grown)/max)
	assert.Less(t, grown, int64(max*1024))
	runtime.KeepAlive(c)
}

// TestNonceCacheFloor: after an eviction, requests signed at or before the
// forgotten entry's second are refused, later ones accepted.
func TestNonceCacheFloor(t *testing.T) {
	c := newNonceCache(2)
	exp := t0.Add(-time.Hour)
	require.True(t, c.record("k", "a", t0, exp))
	require.True(t, c.record("k", "b", t0.Add(time.Second), exp))
	require.True(t, c.record("k", "c", t0.Add(2*time.Second), exp)) // forgets "a", floor = t0
	assert.False(t, c.record("k", "a", t0, exp), "a forgotten nonce is not accepted again")
	assert.False(t, c.record("k", "fresh", t0, exp), "nothing at or below the floor")
	assert.False(t, c.record("k", "b", t0.Add(time.Second), exp), "still remembered")
	assert.True(t, c.record("k", "d", t0.Add(3*time.Second), exp))
}

// TestNonceFloodIsolatedPerKey: one AccessKey filling the cache with
// requests dated at the far edge of the window (15 minutes ahead) used to
// raise one floor shared by every key to that future second, so every other
// key's requests were refused as replays for 15 minutes. The price of a
// flood is now paid by the flooding key alone, and none of its forgotten
// nonces is accepted again.
func TestNonceFloodIsolatedPerKey(t *testing.T) {
	const max = 64
	c := newNonceCache(max)
	now := t0
	exp := func() time.Time { return now.Add(-15 * time.Minute) }
	future := now.Add(15 * time.Minute)
	for i := range 3 * max {
		c.record("attacker", "f"+strconv.Itoa(i), future, exp())
	}
	require.GreaterOrEqual(t, c.len(), max-1)
	for i := range 100 {
		now = now.Add(time.Second)
		// Several requests of the victim in the same second are all accepted.
		for j := range 3 {
			require.True(t, c.record("victim", strconv.Itoa(i)+"-"+strconv.Itoa(j), now, exp()), "victim request %d-%d", i, j)
		}
		require.LessOrEqual(t, c.len(), max)
	}
	for i := range 3 * max {
		assert.False(t, c.record("attacker", "f"+strconv.Itoa(i), future, exp()), "attacker nonce %d replayed", i)
	}
}

// TestNonceCacheNeverAcceptsTwice drives the cache with random keys, nonces,
// timestamps and clock steps, and checks it against the simple reference:
// every signed request (key, nonce, timestamp) accepted is remembered for
// ever. A request may be refused although new (the bounded cache's price)
// but is never accepted twice while its timestamp is inside the window.
func TestNonceCacheNeverAcceptsTwice(t *testing.T) {
	for _, max := range []int{1, 2, 5, 16} {
		c := newNonceCache(max)
		r := rand.New(rand.NewPCG(uint64(max), 1))
		accepted := map[string]int64{}
		now := t0
		const window = 60 * time.Second
		for range 20000 {
			if r.IntN(4) == 0 {
				now = now.Add(time.Duration(r.IntN(5)) * time.Second)
			}
			key := "k" + strconv.Itoa(r.IntN(2*max+1))
			nonce := "n" + strconv.Itoa(r.IntN(40))
			ts := now.Add(time.Duration(r.IntN(121)-60) * time.Second)
			got := c.record(key, nonce, ts, now.Add(-window))
			pair := key + "\x00" + nonce + "\x00" + strconv.FormatInt(ts.Unix(), 10)
			if prev, seen := accepted[pair]; got && seen {
				require.Less(t, prev, now.Add(-window).Unix(), "%s accepted twice (first at %d) with max %d", pair, prev, max)
			}
			if got {
				accepted[pair] = ts.Unix()
			}
			require.LessOrEqual(t, c.len(), max)
			require.LessOrEqual(t, len(c.keys), max)
		}
	}
}

// TestNonceCacheFoldsKeyRecords: when more AccessKeyIds than MaxNonces need
// a floor, the records of keys without entries fold into one floor shared
// by every key: a forgotten request still is not accepted again, and the
// key records stay bounded.
func TestNonceCacheFoldsKeyRecords(t *testing.T) {
	c := newNonceCache(2)
	exp := t0.Add(-time.Hour)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	require.True(t, c.record("k1", "n", at(1), exp))
	require.True(t, c.record("k2", "n", at(2), exp))
	require.True(t, c.record("k3", "n", at(3), exp)) // forgets one of k1, k2; three key records fold
	assert.LessOrEqual(t, len(c.keys), 2)
	assert.False(t, c.record("k1", "n", at(1), exp), "forgotten, not accepted again")
	assert.False(t, c.record("k2", "n", at(2), exp), "remembered or forgotten, not accepted again")
	assert.False(t, c.record("k9", "x", at(1), exp), "the shared floor's price")
	assert.True(t, c.record("k9", "x", at(4), exp))

	// Records whose floor no request inside the window can reach are
	// dropped first, without raising the shared floor.
	c = newNonceCache(2)
	empty := func(id string, floor int) *keyNonces {
		return &keyNonces{id: id, floor: at(floor).Unix(), index: -1}
	}
	c.keys = map[string]*keyNonces{"old": empty("old", 1), "b": empty("b", 20), "c": empty("c", 30)}
	c.fold(at(10).Unix())
	assert.Len(t, c.keys, 2)
	assert.NotContains(t, c.keys, "old")
	assert.Equal(t, int64(minFloor), c.floor)
}
