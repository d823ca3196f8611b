package match

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Chunks longer than one 64-bit word exercise the carries of the shift-and
// automaton, which FuzzMatch's short patterns never reach.
func TestLongChunksAgreeWithReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "b", "A", "é", "?", "\xff"}
	// pick returns n characters; patterns (forPattern) may hold '?' but
	// must be valid UTF-8, subjects may hold invalid bytes but no '?'.
	pick := func(n int, forPattern, withQ bool) string {
		var b strings.Builder
		for range n {
			c := alphabet[rng.IntN(len(alphabet))]
			if c == "?" && !withQ {
				c = "a"
			}
			if c == "\xff" && forPattern {
				c = "b"
			}
			b.WriteString(c)
		}
		return b.String()
	}
	matched := 0
	for i := range 300 {
		units := 40 + rng.IntN(200)
		chunk := pick(units, true, i%3 != 0) // every third chunk is a plain literal
		pattern := "x*" + chunk + "*"
		fold := i%2 == 0
		p, err := Compile(pattern, fold)
		require.NoError(t, err)
		// Strings that contain the chunk with '?' filled in, and strings
		// that almost do.
		fill := strings.NewReplacer("?", "é").Replace(chunk)
		subjects := []string{
			"x" + strings.Repeat("a", rng.IntN(300)) + fill + "zz",
			"x" + fill[:len(fill)/2] + strings.Repeat("ab", 100),
			"x" + pick(600, false, false),
			"x" + strings.ToUpper(fill),
		}
		for _, s := range subjects {
			want := naiveMatch(pattern, s, fold)
			if want {
				matched++
			}
			assert.Equal(t, want, p.Match(s), "pattern %q subject %q fold %v", pattern, s, fold)
		}
	}
	// Both answers must be well represented, or the test proves little.
	assert.GreaterOrEqual(t, matched, 300, "every filled-in chunk must match")
	assert.Less(t, matched, 1000)
}

func TestShiftAndLimitFallsBack(t *testing.T) {
	chunk := strings.Repeat("a?", maxShiftAndWords*64/2+1)
	p, err := Compile("*"+chunk+"*", false)
	require.NoError(t, err)
	require.Nil(t, p.mids[0].qs)
	assert.True(t, p.mids[0].slow)
	s := strings.Repeat("ab", len(chunk)) + "c"
	assert.True(t, p.Match(s))
	assert.False(t, p.Match("b"+s[:len(chunk)-2]))
}

func TestKMPTable(t *testing.T) {
	assert.Equal(t, []int32{0, 0, 1, 2, 0, 1, 2, 3, 4}, kmpTable("ababcabab"))
	assert.Equal(t, []int32{0, 1, 2, 3}, kmpTable("aaaa"))
}
