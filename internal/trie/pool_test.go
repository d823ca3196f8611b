package trie

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A Builder that grows for a small set takes the scratch an earlier one
// released: after the first, building allocates only the trie's block,
// for few keys (items) and for more than insertionMax (items and the
// sort's records). Under the race detector the pool drops some of what it
// is given, so there the count is only bounded.
func TestReleaseReusesScratch(t *testing.T) {
	for _, n := range []int{1, insertionMax, insertionMax + 1, radixMin, poolMax} {
		keys := make([]string, n)
		for i := range keys {
			keys[i] = "svc" + strconv.Itoa(i) + ":verb"
		}
		var tr Trie
		run := func() {
			b := NewBuilder(true)
			b.Grow(n, 0)
			for i, k := range keys {
				b.Add(k, false, int32(i))
			}
			b.BuildInto(&tr)
			b.Release()
		}
		run()
		got := testing.AllocsPerRun(20, run)
		// One allocation is the trie's block; Add copies the keys into
		// the Builder's text, which Grow was not asked to size.
		var text Builder
		for _, k := range keys {
			text.keys = append(text.keys, k...)
		}
		want := 1 + testing.AllocsPerRun(20, func() {
			var b []byte
			for _, k := range keys {
				b = append(b, k...)
			}
			text.keys = b
		})
		if raceEnabled {
			assert.LessOrEqual(t, got, want+3, "%d keys", n)
		} else {
			assert.Equal(t, want, got, "%d keys", n)
		}
		require.Equal(t, n, tr.Len())
	}
}

// Release keeps out of the pool what is larger than poolMax values (items)
// or 2×poolMax records, so one large build does not keep its scratch
// alive; what it does give back is emptied of values.
func TestReleaseCapsPool(t *testing.T) {
	drain := func() {
		for scratchPool.Get() != nil {
		}
	}
	drain()
	b := NewBuilder(false)
	b.Grow(poolMax+1, 0)
	for i := range poolMax + 1 {
		b.Add(strconv.Itoa(i), false, int32(i))
	}
	b.Build()
	require.Greater(t, cap(b.items), poolMax)
	b.Release()
	assert.Zero(t, b.Len(), "Release empties the Builder")
	assert.Nil(t, scratchPool.Get(), "a large build's scratch went to the pool")

	b = NewBuilder(false)
	b.Grow(poolMax, 0)
	for i := range poolMax {
		b.Add(strconv.Itoa(i), false, int32(i))
	}
	b.Build()
	b.Release()
	for {
		x := scratchPool.Get()
		if x == nil {
			break
		}
		s := x.(*scratch)
		assert.LessOrEqual(t, cap(s.items), poolMax)
		assert.LessOrEqual(t, cap(s.recs), 2*poolMax)
		assert.Zero(t, len(s.items), "pooled items hold no values")
	}
	// A Builder used after Release starts empty and builds what it is
	// given since.
	b.Add("x", true, 0)
	requireWalk(t, b.Build(), []kv{{"x", true}}, "x", false)
}

// Builds running at once through the pool, of sizes that change from one
// build to the next (so a small build reuses a large one's scratch, with
// its stale records past the new length), give the tries the naive scan
// predicts, both right after building and once every other build is
// done: no trie shares memory with the scratch another build reuses.
func TestPooledBuildsConcurrent(t *testing.T) {
	type built struct {
		tr   *Trie
		keys []kv
		fold bool
		ins  []string
	}
	const workers, rounds = 4, 150
	out := make([][]built, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 77))
			word := func(max int) string {
				b := make([]byte, r.IntN(max+1))
				for i := range b {
					b[i] = "abAB:x"[r.IntN(6)]
				}
				return string(b)
			}
			for round := range rounds {
				fold := round%2 == 0
				n := []int{0, 3, insertionMax, 40, 300, 700}[r.IntN(6)]
				n = r.IntN(n + 1)
				keys := make([]kv, n)
				b := NewBuilder(fold)
				b.Grow(n, 0)
				for i := range keys {
					k := word(10)
					if fold {
						k = asciiLower(k)
					}
					keys[i] = kv{k, r.IntN(3) == 0}
					b.Add(k, keys[i].exact, int32(i))
				}
				tr := b.Build()
				b.Release()
				ins := make([]string, 8)
				for i := range ins {
					ins[i] = word(12)
					if n > 0 && i%2 == 0 {
						ins[i] = keys[r.IntN(n)].key + word(2)
					}
				}
				for _, in := range ins {
					if !sameWalk(tr, keys, in, fold) {
						t.Errorf("worker %d round %d: walk of %q differs from the naive scan", w, round, in)
						return
					}
				}
				out[w] = append(out[w], built{tr, keys, fold, ins})
			}
		}()
	}
	wg.Wait()
	for w := range out {
		for i, x := range out[w] {
			for _, in := range x.ins {
				requireWalk(t, x.tr, x.keys, in, x.fold, "worker %d build %d, checked again: %q", w, i, in)
			}
		}
	}
}

// sameWalk reports whether walking tr along in visits the values the naive
// scan finds (requireWalk, for goroutines other than the test's).
func sameWalk(tr *Trie, keys []kv, in string, fold bool) bool {
	got, _ := collect(tr, in)
	if fold {
		in = asciiLower(in)
	}
	want := naive(keys, in, false)
	slices.Sort(got)
	slices.Sort(want)
	return slices.Equal(got, want) || len(got) == 0 && len(want) == 0
}
