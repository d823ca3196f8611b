package trie

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// group is one step of a walk: the values reported together and the length
// of their key.
type group struct {
	vals []int32
	n    int
}

// walkGroups returns every group a walk of t over s reports, in order.
func walkGroups(t *Trie, s string) []group {
	var out []group
	w := t.Walk(s)
	for {
		v, n, ok := w.Next()
		if !ok {
			return out
		}
		out = append(out, group{append([]int32(nil), v...), n})
	}
}

// refGroups is the slow reference of a walk: for every prefix of the
// (folded) input, shortest first, the prefix values filed under exactly
// that key in Add order, followed, for the whole input, by its exact
// values in Add order.
func refGroups(keys []kv, byKey map[string][]int, s string, fold bool) []group {
	if fold {
		s = asciiLower(s)
	}
	var out []group
	for n := 0; n <= len(s); n++ {
		var g []int32
		for _, i := range byKey[s[:n]] {
			if !keys[i].exact {
				g = append(g, int32(i))
			}
		}
		if n == len(s) {
			for _, i := range byKey[s] {
				if keys[i].exact {
					g = append(g, int32(i))
				}
			}
		}
		if len(g) > 0 {
			out = append(out, group{g, n})
		}
	}
	return out
}

// keyIndex maps each key to the places it was added at, in order.
func keyIndex(keys []kv) map[string][]int {
	byKey := map[string][]int{}
	for i, k := range keys {
		byKey[k.key] = append(byKey[k.key], i)
	}
	return byKey
}

// refNodes is the number of nodes a radix tree of keys has: the root, each
// distinct key, and the longest common prefix of every two distinct keys
// (a key when one is a prefix of the other, else the place they part);
// none without keys.
func refNodes(keys []kv) int {
	if len(keys) == 0 {
		return 0
	}
	set := map[string]bool{"": true}
	var distinct []string
	for _, k := range keys {
		if !set[k.key] {
			distinct = append(distinct, k.key)
		}
		set[k.key] = true
	}
	for i, a := range distinct {
		for _, b := range distinct[i+1:] {
			n := 0
			for n < len(a) && n < len(b) && a[n] == b[n] {
				n++
			}
			set[a[:n]] = true
		}
	}
	return len(set)
}

// checkShape checks what a walk relies on in every node: its first byte
// and its label's first eight bytes agree with its label, its children are
// contiguous and sorted by distinct first bytes, and every node but the
// root holds a value or parts two or more children.
func checkShape(t *testing.T, tr *Trie) {
	t.Helper()
	if len(tr.nodes) == 0 {
		return
	}
	next := int32(1)
	for i, nd := range tr.nodes {
		label := tr.text[nd.lOff : nd.lOff+nd.lLen]
		if i > 0 {
			require.NotEmpty(t, label, "node %d", i)
			require.Equal(t, label[0], tr.firsts[i], "node %d", i)
			require.Equal(t, load8(label), nd.lab, "node %d", i)
			require.True(t, nd.vEnd > nd.vStart || nd.cEnd-nd.cStart >= 2, "node %d is neither a key nor a fork", i)
		}
		require.Equal(t, next, nd.cStart, "node %d: children follow breadth first", i)
		for c := nd.cStart + 1; c < nd.cEnd; c++ {
			require.Less(t, tr.firsts[c-1], tr.firsts[c], "node %d", i)
		}
		require.LessOrEqual(t, nd.vStart, nd.vWild)
		require.LessOrEqual(t, nd.vWild, nd.vEnd)
		next = nd.cEnd
	}
	require.Equal(t, int32(len(tr.nodes)), next)
}

// randomKeys returns n keys that share long prefixes (stems the walks
// of real policies meet, of every length around eight bytes), end
// inside one another, repeat, and hold zero, high and upper-case bytes
// (lower-cased when fold is set).
func randomKeys(r *rand.Rand, n int, fold bool) []kv {
	stems := []string{"", "a", "ab", "arms:", "arms:get", "arms:getx", "cms:batch", "acs:ecs:*:1234567890123456:instance/", "abcdefg", "abcdefgh", "abcdefghi"}
	keys := make([]kv, n)
	for i := range keys {
		k := []byte(stems[r.IntN(len(stems))])
		for range r.IntN(12) {
			k = append(k, "abAB:\x00\xff"[r.IntN(7)])
		}
		if fold {
			k = []byte(asciiLower(string(k)))
		}
		keys[i] = kv{string(k), r.IntN(3) == 0}
	}
	if n > 1 && r.IntN(2) == 0 {
		keys[r.IntN(n)] = keys[r.IntN(n)] // a repeated key, maybe exact
	}
	return keys
}

// queries returns inputs for walks over keys: each key, longer, shorter,
// with one byte changed, upper-cased, and random strings.
func queries(r *rand.Rand, keys []kv, count int) []string {
	qs := []string{"", "a", "arms:getxyz", strings.Repeat("a", 20)}
	for range count {
		var s string
		if len(keys) > 0 && r.IntN(5) > 0 {
			s = keys[r.IntN(len(keys))].key
		}
		switch r.IntN(5) {
		case 0:
			s += string("abAB:\x00\xff"[r.IntN(7)]) + "ab"
		case 1:
			if len(s) > 0 {
				s = s[:r.IntN(len(s))]
			}
		case 2:
			if len(s) > 0 {
				b := []byte(s)
				b[r.IntN(len(b))] ^= 0x01
				s = string(b)
			}
		case 3:
			s = asciiUpper(s)
		}
		qs = append(qs, s)
	}
	return qs
}

// TestBuildMatchesReference builds tries of random key sets of every size
// up to 300 and of 2,000 keys, with Add and over shared text (keys at
// the very end of the text, where words cannot be read past them), and
// checks every walk, group by group, against refGroups, the node count
// against refNodes, and the shape of every node.
func TestBuildMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	sizes := []int{2000}
	for n := 0; n <= 300; n++ {
		sizes = append(sizes, n)
	}
	for round, n := range sizes {
		fold := round%2 == 0
		keys := randomKeys(r, n, fold)
		added := build(keys, fold)
		// The same keys over shared text, in reverse order, each key
		// right after the last so that the text ends with one.
		var text []byte
		offs := make([]int32, len(keys))
		for i := len(keys) - 1; i >= 0; i-- {
			offs[i] = int32(len(text))
			text = append(text, keys[i].key...)
		}
		ob := NewBuilderOver(fold, text)
		for i, k := range keys {
			require.True(t, ob.AddRef(offs[i], int32(len(k.key)), k.exact, int32(i)))
		}
		over := ob.Build()
		byKey := keyIndex(keys)
		for _, tr := range []*Trie{added, over} {
			require.Equal(t, len(keys), tr.Len())
			require.Equal(t, refNodes(keys), tr.Nodes(), "size %d keys %q", n, keys)
			checkShape(t, tr)
			for _, q := range queries(r, keys, 3*n/2+10) {
				require.Equal(t, refGroups(keys, byKey, q, fold), walkGroups(tr, q), "size %d fold %v input %q", n, fold, q)
			}
		}
	}
}

// A builder can build again after more keys are added, and its first
// trie does not change.
func TestBuildTwice(t *testing.T) {
	b := NewBuilder(false)
	b.Add("ab", false, 0)
	first := b.Build()
	b.Add("abc", true, 1)
	b.Add("a", false, 2)
	second := b.Build()
	assert.Equal(t, []group{{[]int32{0}, 2}}, walkGroups(first, "abc"))
	assert.Equal(t, []group{{[]int32{2}, 1}, {[]int32{0}, 2}, {[]int32{1}, 3}}, walkGroups(second, "abc"))
}

// TestBuildAllocs pins what a build allocates: the trie's one block for a
// few keys, and that block and one scratch block for many; a Builder that
// builds again reuses its scratch block when it is small (at most
// 2×poolMax records), and a fresh one takes it from the pool.
func TestBuildAllocs(t *testing.T) {
	for _, c := range []struct {
		keys, first, again int
	}{{1, 1, 1}, {insertionMax, 1, 1}, {insertionMax + 1, 2, 1}, {radixMin, 2, 1}, {poolMax, 2, 1}, {poolMax + 1, 2, 2}, {10000, 2, 2}} {
		b := NewBuilder(true)
		for i := range c.keys {
			k := strconv.Itoa(i)
			b.Add("svc"+k+":verb"+k, false, int32(i))
		}
		var tr Trie
		got := testing.AllocsPerRun(20, func() { b.recs = nil; b.BuildInto(&tr) })
		assert.Equal(t, float64(c.first), got, "%d keys, first build", c.keys)
		got = testing.AllocsPerRun(20, func() { b.BuildInto(&tr) })
		assert.Equal(t, float64(c.again), got, "%d keys, built again", c.keys)
	}
}

// armsKeys are the literal prefixes of AliyunARMSReadOnlyAccess's actions,
// folded, as the evaluator files them.
var armsKeys = []kv{
	{"arms:doinsightsaction", true}, {"arms:describe", false}, {"arms:list", false}, {"arms:get", false},
	{"arms:search", false}, {"arms:check", false}, {"arms:query", false}, {"xtrace:read", false},
	{"xtrace:get", false}, {"xtrace:describe", false}, {"cms:get", false}, {"cms:list", false},
	{"cms:query", false}, {"cms:batchquery", false}, {"cms:describe", false}, {"cms:cursor", true},
	{"cms:batchget", true}, {"cms:batchexport", true}, {"cms:check", false},
	{"log:getagentinstanceconfig", true}, {"log:getmlserviceresults", true}, {"log:getlogstorelogs", true},
	{"log:queryprometheusmetrics", true}, {"log:querymetrics", true}, {"log:getlogstorelogs", true},
	{"log:getindex", true},
}

// builderOf returns a Builder over one text holding keys, as the evaluator
// makes them.
func builderOf(keys []kv) *Builder {
	var text []byte
	offs := make([]int32, len(keys))
	for i, k := range keys {
		offs[i] = int32(len(text))
		text = append(text, k.key...)
		text = append(text, "*,acs:svc:*:*:res/*"...) // the rest of the pattern
	}
	b := NewBuilderOver(true, text)
	b.Grow(len(keys), 0)
	for i, k := range keys {
		b.AddRef(offs[i], int32(len(k.key)), k.exact, int32(i))
	}
	return b
}

func manyKeys(n int) []kv {
	keys := make([]kv, n)
	for i := range keys {
		k := strconv.Itoa(i)
		keys[i] = kv{"svc" + k + ":verb" + k, false}
	}
	return keys
}

// BenchmarkBuild times BuildInto alone: the arms-readonly action prefixes,
// and 100, 1,000 and 10,000 keys of the statements-N workloads.
func BenchmarkBuild(b *testing.B) {
	for _, c := range []struct {
		name string
		keys []kv
	}{{"arms", armsKeys}, {"keys-100", manyKeys(100)}, {"keys-1000", manyKeys(1000)}, {"keys-10000", manyKeys(10000)}} {
		b.Run(c.name, func(b *testing.B) {
			bl := builderOf(c.keys)
			var tr Trie
			b.ReportAllocs()
			for b.Loop() {
				bl.BuildInto(&tr)
			}
		})
	}
}

// BenchmarkWalk times complete walks: a hit and a miss on the arms prefixes
// and on the 10,000 keys.
func BenchmarkWalk(b *testing.B) {
	for _, c := range []struct {
		name      string
		keys      []kv
		hit, miss string
	}{
		{"arms", armsKeys, "arms:GetTrace", "arms:CreateAlertRules"},
		{"keys-10000", manyKeys(10000), "svc9999:Verb9999List", "svc9999:Delete"},
	} {
		tr := builderOf(c.keys).Build()
		for _, q := range []struct{ name, in string }{{"hit", c.hit}, {"miss", c.miss}} {
			b.Run(c.name+"/"+q.name, func(b *testing.B) {
				for b.Loop() {
					w := tr.Walk(q.in)
					for {
						v, _, ok := w.Next()
						if !ok {
							break
						}
						sinkVals += len(v)
					}
				}
			})
		}
	}
}

var sinkVals int

// TestRadixSort checks radixSort against a stable sort by prefix on sets
// where a byte position is shared by every record but one (the pass that
// must not be skipped), by every record (the pass that is), or varies
// freely.
func TestRadixSort(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, n := range []int{1, 2, 3, 17, 256, 1000} {
		for round := range 60 {
			recs := make([]sortRec, n)
			base := r.Uint64()
			odd := r.IntN(n)
			for i := range recs {
				p := base
				switch round % 3 {
				case 0: // one record differs in one byte
					if i == odd {
						p ^= uint64(1+r.IntN(255)) << (8 * uint(r.IntN(8)))
					}
				case 1: // few values
					p ^= uint64(r.IntN(4)) << (8 * uint(r.IntN(8)))
				default:
					p = r.Uint64()
				}
				recs[i] = sortRec{pre: p, ord: uint32(i)}
			}
			want := slices.Clone(recs)
			slices.SortStableFunc(want, func(x, y sortRec) int { return cmp.Compare(x.pre, y.pre) })
			radixSort(recs, make([]sortRec, n))
			require.Equal(t, want, recs, "n=%d round %d", n, round)
		}
	}
}

// The word reads of fill and BuildInto give what prefix8 and load8 give
// for every key length at every offset, the last eight bytes of the text
// (where they fall back to those) included.
func TestWordReads(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	text := make([]byte, 40)
	for i := range text {
		text[i] = byte(r.IntN(256))
	}
	b := NewBuilderOver(false, text)
	for off := range len(text) + 1 {
		for n := 0; off+n <= len(text); n++ {
			b.items = b.items[:0]
			b.AddRef(int32(off), int32(n), false, 0)
			var rec [1]sortRec
			b.fill(rec[:])
			key := view(text, int32(off), int32(n))
			require.Equal(t, prefix8(key), rec[0].pre, "off %d n %d", off, n)
			if x, ok := wordAt(text, int32(off)); ok {
				require.Equal(t, load8(key), x&lowBytes(int32(n)), "off %d n %d", off, n)
			} else {
				require.Greater(t, off+8, len(text))
			}
		}
	}
}

// FuzzBuild builds a trie of the keys in data (split at '|', '!' ending a
// key marks it exact; the first byte chooses folding) and checks walks
// over every key, each key with a byte more, and the last key upper-cased
// against refGroups, and the node count against refNodes.
func FuzzBuild(f *testing.F) {
	f.Add([]byte("\x00arms:get|arms:get!|arms:|a|ab|abcdefghij|abcdefghik"))
	f.Add([]byte("\x01svc1:verb1|svc10:verb10|svc1:verb1!||\xff\x00|x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || len(data) > 4096 {
			return
		}
		fold := data[0]&1 == 1
		var keys []kv
		for _, k := range strings.Split(string(data[1:]), "|") {
			exact := strings.HasSuffix(k, "!")
			k = strings.TrimSuffix(k, "!")
			if fold {
				k = asciiLower(k)
			}
			keys = append(keys, kv{k, exact})
		}
		tr := build(keys, fold)
		require.Equal(t, refNodes(keys), tr.Nodes())
		checkShape(t, tr)
		byKey := keyIndex(keys)
		inputs := []string{asciiUpper(keys[len(keys)-1].key)}
		for _, k := range keys {
			inputs = append(inputs, k.key, k.key+"a")
		}
		for _, in := range inputs {
			require.Equal(t, refGroups(keys, byKey, in, fold), walkGroups(tr, in), "input %q", in)
		}
	})
}

// BuildIntoVals builds the trie BuildInto builds, with its values in the
// caller's slice (which the trie's own block then leaves out); a slice
// too short is not used.
func TestBuildIntoVals(t *testing.T) {
	for _, n := range []int{1, 5, insertionMax, insertionMax + 1, radixMin + 3} {
		var keys []kv
		b := NewBuilder(true)
		for i := range n {
			k := "svc" + strconv.Itoa(i%7) + ":verb" + strconv.Itoa(i)
			keys = append(keys, kv{k, i%3 == 0})
			b.Add(k, i%3 == 0, int32(i))
		}
		var own, plain Trie
		vals := make([]int32, n+2)
		vals[n], vals[n+1] = -7, -8
		b.BuildIntoVals(&own, vals)
		b.BuildInto(&plain)
		require.Equal(t, n, own.Len())
		assert.Same(t, &vals[0], &own.vals[0], "%d keys: the values are in the caller's slice", n)
		assert.Equal(t, plain.vals, own.vals)
		assert.Equal(t, n, cap(own.vals), "a walk's groups cannot be appended past the values")
		assert.Equal(t, []int32{-7, -8}, vals[n:], "nothing written past Len")
		for i := range n {
			in := keys[i].key
			requireWalk(t, &own, keys, in, true, "%d keys %q", n, in)
			requireWalk(t, &own, keys, asciiUpper(in)+"x", true, "%d keys %q", n, in)
		}
		var short Trie
		b.BuildIntoVals(&short, vals[:n-1])
		assert.Equal(t, plain.vals, short.vals)
		assert.NotSame(t, &vals[0], &short.vals[0], "%d keys: a slice too short is not used", n)
	}
}
