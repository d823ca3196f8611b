package trie

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// Keys that tie on their first eight bytes (a shared eight-byte stem, then
// bytes that differ only after it, zero and 0xFF bytes among them, keys
// that are prefixes of others, empty and repeated keys), at the sort's
// size boundaries (insertion up to 32, comparison sort below 256, radix
// sort from 256), with Add and with AddRef over one text in which every
// key is followed by bytes of other keys (so that the word reads of the
// tie comparison run past a key's end into look-alike text), fold on and
// off: every walk equals the map reference and the node count refNodes.
func TestAttackTiesAtSortBoundaries(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 55))
	stems := []string{"", "abcdefgh", "abcdefg", "abcdefgh\x00", "abcdefgha", "abcdefgh\xff", "\x00\x00\x00\x00\x00\x00\x00\x00", "\xff\xff\xff\xff\xff\xff\xff\xff"}
	tail := "a\x00\xffb:"
	gen := func(fold bool) kv {
		k := []byte(stems[r.IntN(len(stems))])
		for range r.IntN(20) {
			k = append(k, tail[r.IntN(len(tail))])
		}
		if fold {
			k = []byte(asciiLower(string(k)))
		}
		return kv{string(k), r.IntN(3) == 0}
	}
	inputs := 0
	for _, n := range []int{0, 1, 2, 7, 8, 9, 31, 32, 33, 34, 64, 255, 256, 257, 258, 511, 513} {
		for rep := range 6 {
			fold := rep%2 == 0
			keys := make([]kv, n)
			for i := range keys {
				keys[i] = gen(fold)
				if i > 0 && r.IntN(6) == 0 {
					keys[i] = keys[r.IntN(i)] // a repeat, maybe with the other flag
					keys[i].exact = r.IntN(2) == 0
				}
			}
			// One text: each key, then another key's bytes, so that reads
			// past a key's end see text that continues it plausibly.
			var text []byte
			offs := make([]int32, n)
			for i, k := range keys {
				offs[i] = int32(len(text))
				text = append(text, k.key...)
				if i+1 < n && rep >= 2 {
					text = append(text, keys[(i+1)%n].key...)
				}
			}
			ob := NewBuilderOver(fold, text)
			for i, k := range keys {
				require.True(t, ob.AddRef(offs[i], int32(len(k.key)), k.exact, int32(i)))
			}
			byKey := keyIndex(keys)
			for _, tr := range []*Trie{build(keys, fold), ob.Build()} {
				require.Equal(t, n, tr.Len())
				require.Equal(t, refNodes(keys), tr.Nodes(), "%d keys %q", n, keys)
				checkShape(t, tr)
				qs := queries(r, keys, n+10)
				for _, k := range keys {
					qs = append(qs, k.key, k.key+"\x00", k.key+"a", asciiUpper(k.key))
				}
				for _, q := range qs {
					require.Equal(t, refGroups(keys, byKey, q, fold), walkGroups(tr, q), "%d keys fold %v input %q", n, fold, q)
					inputs++
				}
			}
		}
	}
	t.Logf("%d walks checked", inputs)
}
