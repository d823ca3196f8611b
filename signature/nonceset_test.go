package signature

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNonceSetMatchesMap runs random adds and removes on a nonceSet and on
// a map (the reference) and compares every answer and, after each step,
// the whole contents. The hashes are drawn from a small range and shifted
// so that many share low bits (long probe runs that wrap around the table
// and deletions in their middle), and include 0.
func TestNonceSetMatchesMap(t *testing.T) {
	for _, spread := range []uint64{4, 40, 400} {
		rng := rand.New(rand.NewPCG(1, spread))
		var s nonceSet
		ref := map[uint64]struct{}{}
		draw := func() uint64 {
			v := rng.Uint64N(spread)
			switch rng.IntN(3) {
			case 0:
				return v // small: 0 and neighbouring home slots
			case 1:
				return v << 40 // the same home slot for every table size
			}
			return v<<40 | v // collide on high and low bits
		}
		for step := range 20000 {
			h := draw()
			_, had := ref[h]
			// Grow for a while, then shrink, then mix.
			if rng.IntN(100) < []int{80, 20, 50}[step*3/20000] {
				require.Equal(t, !had, s.add(h), "add %#x at step %d", h, step)
				ref[h] = struct{}{}
			} else {
				s.remove(h)
				delete(ref, h)
			}
			require.Equal(t, len(ref), s.len(), "step %d", step)
			if step%97 == 0 {
				for k := range ref {
					require.False(t, s.add(k), "%#x must be present at step %d", k, step)
				}
				assert.LessOrEqual(t, 2*s.n, len(s.slots), "at most half full")
				assert.True(t, len(s.slots) <= nonceSetMinSlots || 8*s.n >= len(s.slots)/2,
					"%d slots for %d entries: it must shrink", len(s.slots), s.n)
			}
		}
		for k := range ref {
			s.remove(k)
		}
		assert.Zero(t, s.len())
		assert.LessOrEqual(t, len(s.slots), nonceSetMinSlots, "an emptied set gives its memory back")
	}
}

// TestNonceSetAddNoAlloc: adding to a set with room allocates nothing.
func TestNonceSetAddNoAlloc(t *testing.T) {
	var s nonceSet
	for i := range uint64(1000) {
		s.add(i * 0x9e3779b97f4a7c15)
	}
	i := uint64(0)
	allocs := testing.AllocsPerRun(100, func() {
		s.remove(i * 0x9e3779b97f4a7c15)
		s.add(i * 0x9e3779b97f4a7c15)
		i++
	})
	assert.Zero(t, allocs)
}
