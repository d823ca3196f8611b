package signature

import (
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
