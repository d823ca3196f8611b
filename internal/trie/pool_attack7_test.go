package trie

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// a7Poison puts into the pool a scratch as large as Release keeps
// (poolMax items, 2×poolMax records) whose every field holds junk: keys
// far past any text, values and lengths of -1 and 0x7fffffff, prefixes
// of all ones. A build that read a pooled item or record before writing
// it would walk to wrong values or panic.
func a7Poison() {
	// Drained first, so that the next Get returns the poisoned scratch,
	// not one an earlier build gave back.
	for scratchPool.Get() != nil {
	}
	items := make([]item, poolMax)
	for i := range items {
		items[i] = item{off: 1 << 30, n: 0x7fffffff, val: -1, exact: true}
	}
	recs := make([]sortRec, 2*poolMax)
	for i := range recs {
		recs[i] = sortRec{pre: ^uint64(0), ord: ^uint32(0), n: -1}
	}
	scratchPool.Put(&scratch{items: items[:0], recs: recs})
}

// Builders sized at each side of the sort's thresholds (the stack up to
// 32 keys, a comparison sort up to 255, the radix sort from 256) and the
// pool's (1,024), over a shared text as Compile's are (NewBuilderOver,
// keys that share prefixes of 1 to 20 bytes, NUL bytes among them, folded
// or not), take poisoned scratch from the pool and build into a values
// block of the caller's that holds junk (BuildIntoVals): every walk visits
// what the naive scan finds, the values past Len() are left as they were
// (Compile cuts the allow index's values and the deny index's from one
// block, side by side), and so they stay once the scratch went back and
// was taken and poisoned again by the next build.
func TestAttackPoisonedPoolBuildsIntoVals(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 70))
	const alpha = "aAbB:\x00x"
	type built struct {
		tr   *Trie
		keys []kv
		fold bool
		ins  []string
	}
	var all []built
	for _, n := range []int{1, 2, 31, 32, 33, 255, 256, 257, 1023, 1024, 1025} {
		for _, fold := range []bool{false, true} {
			// The text: runs of random bytes, and keys that are slices
			// of it.
			text := make([]byte, 40*n+64)
			for i := range text {
				text[i] = alpha[rng.IntN(len(alpha))]
				if fold {
					text[i] = lowerByte[text[i]]
				}
			}
			keys := make([]kv, n)
			refs := make([][2]int32, n)
			for i := range keys {
				off := int32(rng.IntN(40) + 40*rng.IntN(n))
				if i > 0 && rng.IntN(2) == 0 {
					off = refs[rng.IntN(i)][0] // share a start with an earlier key
				}
				ln := int32(rng.IntN(21))
				refs[i] = [2]int32{off, ln}
				keys[i] = kv{string(text[off : off+ln]), rng.IntN(3) == 0}
			}
			a7Poison()
			b := NewBuilderOver(fold, text)
			b.Grow(n, 0)
			if n <= poolMax && !raceEnabled {
				// (Under the race detector the pool drops some of what
				// it is given.)
				require.True(t, b.spare != nil && cap(b.items) == poolMax && cap(b.recs) == 2*poolMax, "%d keys: the poisoned scratch was not taken", n)
				require.Equal(t, int32(-1), b.items[:1][0].val, "%d keys: the scratch taken is not the poisoned one", n)
			}
			for i, k := range keys {
				require.True(t, b.AddRef(refs[i][0], refs[i][1], k.exact, int32(i)))
			}
			vals := make([]int32, n+3)
			for i := range vals {
				vals[i] = -7
			}
			var tr Trie
			b.BuildIntoVals(&tr, vals)
			b.Release()
			require.Equal(t, []int32{-7, -7, -7}, vals[n:], "%d keys: values past Len() were written", n)
			ins := make([]string, 12)
			for i := range ins {
				k := keys[rng.IntN(n)].key
				switch i % 3 {
				case 0:
					ins[i] = k
				case 1:
					ins[i] = k + string(alpha[rng.IntN(len(alpha))])
				default:
					ins[i] = asciiUpper(k) + "Z"
				}
			}
			for _, in := range ins {
				requireWalk(t, &tr, keys, in, fold, "%d keys fold=%v: %q", n, fold, in)
			}
			all = append(all, built{&tr, keys, fold, ins})
		}
	}
	for _, x := range all {
		for _, in := range x.ins {
			requireWalk(t, x.tr, x.keys, in, x.fold, "%d keys fold=%v, walked again: %q", len(x.keys), x.fold, in)
		}
	}
}
