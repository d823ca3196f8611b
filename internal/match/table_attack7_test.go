package match

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// a7Lengths are pattern lengths around the steps of foldWords and
// isASCII (eight bytes a word, the last word overlapping) and the case
// bitmap (a byte per eight pattern bytes).
var a7Lengths = []int{1, 2, 7, 8, 9, 15, 16, 17, 23, 24, 25, 63, 64, 65, 127, 128, 129}

// a7Patterns returns, for every length of a7Lengths and every position
// in it (for lengths past 25, the positions at word edges and ends),
// patterns with a mark there: an upper-case letter among lower
// ones, a lower-case letter among upper ones, '*' and '?' in a mixed-case
// text, and a two-byte character whose second byte is a letter plus 0x80
// (Á = C3 81) in an upper-case text; and with "*" appended or prepended.
func a7Patterns() []string {
	var out []string
	for _, n := range a7Lengths {
		for i := range n {
			if n > 25 && i%8 != 0 && i%8 != 7 && i > 2 && i < n-3 {
				continue // long patterns: marks at the word edges and the ends
			}
			lower := []byte(strings.Repeat("x", n))
			upper := []byte(strings.Repeat("X", n))
			mixed := []byte(strings.Repeat("aZ", n)[:n])
			lower[i], upper[i] = 'Q', 'q'
			star, q := append([]byte(nil), mixed...), append([]byte(nil), mixed...)
			star[i], q[i] = '*', '?'
			out = append(out, string(lower), string(upper), string(star), string(q), "*"+string(upper), string(lower)+"*")
			if i+2 <= n {
				out = append(out, string(upper[:i])+"Á"+string(upper[i+2:]))
			}
		}
	}
	return out
}

// GrowIn's block comes from its caller, who may reuse memory that held
// anything: a table cut from a block full of 0xFF bytes (every bit of a
// case bitmap set, every record and chunk field -1) keeps and matches
// exactly what one grown by Grow keeps and matches. Add writes every byte
// it later reads (each bitmap byte is stored whole, not ORed into what
// was there), for folding and case-sensitive patterns of every length
// around the word steps with marks at every position. The words past the
// table's part of the block are not written.
func TestAttackTableGrowInDirtyBlock(t *testing.T) {
	pats := a7Patterns()
	for _, fold := range []bool{true, false} {
		text, mids := Need(pats, fold)
		w := Words(len(pats), text, mids)
		blk := make([]uint64, w+2)
		for i := range blk {
			blk[i] = ^uint64(0)
		}
		var tb, ref Table
		tb.GrowIn(blk[:w], len(pats), text, mids)
		ref.Grow(len(pats), text, mids)
		for _, p := range pats {
			k, err := tb.Add(p, fold)
			require.NoError(t, err, "%q", p)
			_, err = ref.Add(p, fold)
			require.NoError(t, err)
			require.Equal(t, p, tb.String(k), "fold=%v: pattern %d as given", fold, k)
		}
		base := uintptr(unsafe.Pointer(&blk[0]))
		require.True(t, uintptr(unsafe.Pointer(&tb.text[0])) >= base && uintptr(unsafe.Pointer(&tb.text[0])) < base+uintptr(8*w),
			"fold=%v: the text left the block: the test checks nothing of it", fold)
		require.Equal(t, [2]uint64{^uint64(0), ^uint64(0)}, [2]uint64{blk[w], blk[w+1]}, "fold=%v: words past the table's part were written", fold)
		for i, p := range pats {
			k := int32(i)
			require.Equal(t, p, tb.String(k), "fold=%v: pattern %d after every Add", fold, k)
			require.Equal(t, ref.Literal(k), tb.Literal(k), "%q", p)
			require.Equal(t, ref.Exact(k), tb.Exact(k), "%q", p)
			require.Equal(t, ref.Any(k), tb.Any(k), "%q", p)
			lit := strings.NewReplacer("*", "", "?", "é").Replace(p)
			for _, s := range []string{p, lit, strings.ToUpper(lit), strings.ToLower(lit), lit[:len(lit)/2], lit + "x", "x" + lit} {
				want := naiveMatch(p, s, fold)
				require.Equal(t, want, tb.Match(k, s), "fold=%v: %q ~ %q", fold, p, s)
				require.Equal(t, want, ref.Match(k, s), "fold=%v: %q ~ %q (Grow)", fold, p, s)
			}
		}
	}
}

// A folding pattern takes its length in text and, when it has an
// upper-case ASCII letter, a bitmap of ⌈n/8⌉ bytes, at every length
// around the word steps: Need's bound (n + ⌈n/8⌉ a pattern) covers it
// exactly when every pattern has a capital, and a pattern without one
// leaves the bitmap's room unused. String gives each back as given.
func TestAttackCaseBitmapSizeAtWordSteps(t *testing.T) {
	for _, n := range a7Lengths {
		for i := range n {
			b := []byte(strings.Repeat("x", n))
			b[i] = 'K'
			withCap, without := string(b), strings.Repeat("x", n)
			var tb Table
			k, err := tb.Add(withCap, true)
			require.NoError(t, err)
			require.Equal(t, n+(n+7)/8, len(tb.Text()), "%q", withCap)
			text, _ := Need([]string{withCap}, true)
			require.Equal(t, text, len(tb.Text()), "Need(%q)", withCap)
			k2, err := tb.Add(without, true)
			require.NoError(t, err)
			require.Equal(t, 2*n+(n+7)/8, len(tb.Text()), "%q keeps no bitmap", without)
			require.Equal(t, withCap, tb.String(k))
			require.Equal(t, without, tb.String(k2))
			require.True(t, tb.Match(k, strings.ToLower(withCap)) && tb.Match(k2, strings.ToUpper(without)))
		}
	}
}
