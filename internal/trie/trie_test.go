package trie

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/ramauthz/ramauthz/internal/strhash"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type kv struct {
	key   string
	exact bool
}

// collect walks t over s and returns every value with the key length it was
// reported under.
func collect(t *Trie, s string) (vals []int32, ns []int) {
	w := t.Walk(s)
	for {
		v, n, ok := w.Next()
		if !ok {
			return vals, ns
		}
		for range v {
			ns = append(ns, n)
		}
		vals = append(vals, v...)
	}
}

// naive returns the indices of the keys that apply to s, in the order the
// trie promises: shorter keys first.
func naive(keys []kv, s string, fold bool) []int32 {
	if fold {
		s = strings.ToLower(s)
	}
	var out []int32
	for i, k := range keys {
		if k.exact && k.key == s || !k.exact && strings.HasPrefix(s, k.key) {
			out = append(out, int32(i))
		}
	}
	slices.SortStableFunc(out, func(a, b int32) int { return len(keys[a].key) - len(keys[b].key) })
	return out
}

func build(keys []kv, fold bool) *Trie {
	b := NewBuilder(fold)
	for i, k := range keys {
		b.Add(k.key, k.exact, int32(i))
	}
	return b.Build()
}

func TestWalk(t *testing.T) {
	keys := []kv{
		{"arms:get", false},
		{"arms:gettrace", true},
		{"arms:", false},
		{"", false},
		{"arms:list", false},
		{"xtrace:read", false},
		{"arms:get", true},
		{"arms:get", false},
	}
	tr := build(keys, true)
	tests := []struct {
		name  string
		input string
		want  []int32
		ns    []int
	}{
		{"prefixes and exact", "arms:GetTrace", []int32{3, 2, 0, 7, 1}, []int{0, 5, 8, 8, 13}},
		{"exact only at end", "arms:get", []int32{3, 2, 0, 7, 6}, []int{0, 5, 8, 8, 8}},
		{"branch", "arms:ListX", []int32{3, 2, 4}, []int{0, 5, 9}},
		{"partial label", "arms:ge", []int32{3, 2}, []int{0, 5}},
		{"other branch", "XTRACE:ReadAll", []int32{3, 5}, []int{0, 11}},
		{"only root", "cms:Get", []int32{3}, []int{0}},
		{"empty input", "", []int32{3}, []int{0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ns := collect(tr, tc.input)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.ns, ns)
			assert.ElementsMatch(t, naive(keys, tc.input, true), got)
		})
	}
}

func TestEmpty(t *testing.T) {
	var zero Trie
	got, _ := collect(&zero, "abc")
	assert.Empty(t, got)
	tr := NewBuilder(false).Build()
	got, _ = collect(tr, "abc")
	assert.Empty(t, got)
	assert.Zero(t, tr.Len())
}

func TestCaseSensitive(t *testing.T) {
	tr := build([]kv{{"acs:oss", false}, {"acs:OSS", false}}, false)
	got, _ := collect(tr, "acs:OSS:x")
	assert.Equal(t, []int32{1}, got)
}

func TestWideFanOut(t *testing.T) {
	// More than eight children under one node exercises the binary search.
	var keys []kv
	for c := byte(' '); c < 127; c++ {
		keys = append(keys, kv{"k" + string(c), false}, kv{"k" + string(c) + "z", true})
	}
	tr := build(keys, false)
	for i, k := range keys {
		input := k.key
		got, _ := collect(tr, input)
		require.Contains(t, got, int32(i), "input %q", input)
		assert.ElementsMatch(t, naive(keys, input, false), got, "input %q", input)
	}
}

// TestRandom compares walks with the naive scan on generated key sets over a
// small alphabet, where keys share many prefixes.
func TestRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	word := func(max int) string {
		n := r.IntN(max + 1)
		b := make([]byte, n)
		for i := range b {
			b[i] = "abAB:"[r.IntN(5)]
		}
		return string(b)
	}
	for round := 0; round < 200; round++ {
		fold := round%2 == 0
		keys := make([]kv, r.IntN(30))
		for i := range keys {
			k := word(6)
			if fold {
				k = strings.ToLower(k)
			}
			keys[i] = kv{k, r.IntN(3) == 0}
		}
		tr := build(keys, fold)
		require.Equal(t, len(keys), tr.Len())
		for q := 0; q < 30; q++ {
			in := word(8)
			got, _ := collect(tr, in)
			require.ElementsMatch(t, naive(keys, in, fold), got, "round %d keys %v input %q", round, keys, in)
		}
	}
}

func TestWalkNoAllocs(t *testing.T) {
	var keys []kv
	for i := 0; i < 1000; i++ {
		keys = append(keys, kv{"svc" + strings.Repeat("x", i%7) + ":verb", false})
	}
	tr := build(keys, true)
	allocs := testing.AllocsPerRun(100, func() {
		w := tr.Walk("SVCxxx:Verb123")
		n := 0
		for {
			v, _, ok := w.Next()
			if !ok {
				break
			}
			n += len(v)
		}
		if n == 0 {
			panic("expected values")
		}
	})
	assert.Zero(t, allocs)
}

// TestPrefix8Order: when two keys' prefix8 differ, they order as the keys.
func TestPrefix8Order(t *testing.T) {
	keys := []string{"", "a", "a\x00", "ab", "abcdefgh", "abcdefghi", "abcdefgg\xff", "b", "\xff", "svc10:", "svc1:", "svc2"}
	for _, x := range keys {
		for _, y := range keys {
			px, py := prefix8(x), prefix8(y)
			if px == py {
				continue
			}
			if (px < py) != (x < y) {
				t.Errorf("prefix8(%q)=%x, prefix8(%q)=%x disagree with the key order", x, px, y, py)
			}
		}
	}
}

// TestSortedAgrees checks the radix sort of Build against a stable
// comparison sort by (key, prefix before exact), on keys that share long
// prefixes, are shorter than eight bytes, hold zero bytes, and repeat.
func TestSortedAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := 0; round < 300; round++ {
		b := NewBuilder(false)
		n := 1 + r.IntN(600) // Build never sorts an empty set
		for i := 0; i < n; i++ {
			k := make([]byte, r.IntN(14))
			for j := range k {
				k[j] = "ab\x00\xff:"[r.IntN(5)]
			}
			if r.IntN(3) == 0 {
				k = append([]byte("commonprefix"), k...)
			}
			b.Add(string(k), r.IntN(2) == 0, int32(i))
		}
		want := slices.Clone(b.items)
		slices.SortStableFunc(want, func(x, y item) int {
			if c := strings.Compare(b.key(&x), b.key(&y)); c != 0 {
				return c
			}
			switch {
			case x.exact == y.exact:
				return 0
			case !x.exact:
				return -1
			}
			return 1
		})
		require.Equal(t, want, b.sorted(), "round %d", round)
	}
}

// A Builder over shared text (AddRef) builds the trie Add builds from the
// same keys, keeps the text instead of a copy, and refuses runs outside it.
func TestBuilderOver(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for round := 0; round < 100; round++ {
		text := make([]byte, 0, 4096)
		var keys []kv
		var offs []int32
		for range 1 + r.IntN(400) {
			k := make([]byte, r.IntN(10))
			for j := range k {
				k[j] = "ab:x"[r.IntN(4)]
			}
			text = append(text, "junk"...) // keys need not be adjacent
			offs = append(offs, int32(len(text)))
			text = append(text, k...)
			keys = append(keys, kv{string(k), r.IntN(2) == 0})
		}
		b := NewBuilderOver(false, text)
		for i, k := range keys {
			require.True(t, b.AddRef(offs[i], int32(len(k.key)), k.exact, int32(i)))
		}
		over, want := b.Build(), build(keys, false)
		assert.Equal(t, want.Nodes(), over.Nodes())
		if len(text) > 0 {
			assert.Same(t, &text[0], unsafe.StringData(over.text), "the trie keeps the caller's text, not a copy")
		}
		for range 50 {
			s := make([]byte, r.IntN(12))
			for j := range s {
				s[j] = "ab:x"[r.IntN(4)]
			}
			gv, gn := collect(over, string(s))
			wv, wn := collect(want, string(s))
			require.Equal(t, wv, gv, "%q", s)
			require.Equal(t, wn, gn, "%q", s)
		}
	}
	b := NewBuilderOver(false, []byte("abc"))
	assert.False(t, b.AddRef(2, 2, false, 0))
	assert.False(t, b.AddRef(-1, 1, false, 0))
	assert.False(t, b.AddRef(0, -1, false, 0))
	assert.True(t, b.AddRef(1, 2, false, 0))
	assert.Equal(t, 1, b.Len())
}

// Few keys are sorted by insertion (up to insertionMax), many by the
// standard sort or the radix sort: each agrees with a stable sort by key,
// prefix values before exact ones, around each of those sizes.
func TestSortedEverySize(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	for _, n := range []int{1, 2, 3, insertionMax - 1, insertionMax, insertionMax + 1, radixMin - 1, radixMin, radixMin + 1} {
		for round := 0; round < 40; round++ {
			b := NewBuilder(true)
			for i := 0; i < n; i++ {
				k := make([]byte, r.IntN(12))
				for j := range k {
					k[j] = "ab:\xff"[r.IntN(4)]
				}
				if r.IntN(2) == 0 {
					k = append([]byte("samefirst8"), k...) // prefix8 ties
				}
				b.Add(string(k), r.IntN(2) == 0, int32(i))
			}
			want := slices.Clone(b.items)
			slices.SortStableFunc(want, func(x, y item) int {
				if c := strings.Compare(b.key(&x), b.key(&y)); c != 0 {
					return c
				}
				if x.exact == y.exact {
					return 0
				}
				if !x.exact {
					return -1
				}
				return 1
			})
			require.Equal(t, want, b.sorted(), "n=%d round %d", n, round)
		}
	}
}

// lower64 folds each of eight bytes as a byte-by-byte fold does, whatever
// the bytes around it.
func TestLower64(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 11))
	check := func(b [8]byte) {
		var want [8]byte
		for i, c := range b {
			want[i] = lowerByte[c]
		}
		s := string(b[:])
		require.Equal(t, strhash.Load64(string(want[:])), lower64(strhash.Load64(s)), "%q", s)
	}
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 8; pos++ {
			var b [8]byte
			for i := range b {
				b[i] = byte(r.IntN(256))
			}
			b[pos] = byte(c)
			check(b)
		}
	}
	for range 100000 {
		var b [8]byte
		for i := range b {
			const alphabet = "@AZ[`az{\x00\x7f\x80\xc1\xda\xff"
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		check(b)
	}
	assert.Equal(t, uint64(0), load8(""))
	assert.Equal(t, strhash.Load64("abc\x00\x00\x00\x00\x00"), load8("abc"))
	assert.Equal(t, strhash.Load64("abcdefgh"), load8("abcdefghij"))
}

// TestRandomLong compares walks with the naive scan where labels run past
// eight bytes and inputs are long enough for the eight-byte comparison,
// near their end as well, with upper-case and non-ASCII bytes.
func TestRandomLong(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 13))
	word := func(max int) string {
		n := r.IntN(max + 1)
		b := make([]byte, n)
		for i := range b {
			b[i] = "aAbB:\xc1\xe1"[r.IntN(7)]
		}
		return string(b)
	}
	for round := 0; round < 300; round++ {
		fold := round%2 == 0
		keys := make([]kv, 1+r.IntN(40))
		for i := range keys {
			k := word(20)
			if fold {
				k = asciiLower(k)
			}
			keys[i] = kv{k, r.IntN(3) == 0}
		}
		tr := build(keys, fold)
		for q := 0; q < 40; q++ {
			in := word(24)
			if q%2 == 0 {
				k := keys[r.IntN(len(keys))].key
				in = k + word(10) // a key and more: walks go deep
				if fold && r.IntN(2) == 0 {
					in = asciiUpper(in)
				}
			}
			requireWalk(t, tr, keys, in, fold, "round %d keys %q input %q", round, keys, in)
		}
	}
}

// requireWalk checks that walking tr along in visits exactly the values
// the naive scan of keys finds. With fold, the reference gets the input
// folded byte by byte (strings.ToLower would turn invalid bytes into
// U+FFFD).
func requireWalk(t *testing.T, tr *Trie, keys []kv, in string, fold bool, msg ...any) {
	t.Helper()
	got, _ := collect(tr, in)
	if fold {
		in = asciiLower(in)
	}
	require.ElementsMatch(t, naive(keys, in, false), got, msg...)
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lowerByte[c]
	}
	return string(b)
}

func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// TestChildGaps checks the child lookup on fan-outs whose first bytes have
// gaps (where the one-comparison guess misses and narrows the search) and
// runs (where it hits), of every width up to 256, with labels longer than
// eight bytes after them: every possible next byte is walked and compared
// with the naive scan.
func TestChildGaps(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for round := 0; round < 120; round++ {
		fold := round%2 == 0
		width := 1 + r.IntN(256)
		if round%5 == 0 {
			width = 1 + r.IntN(12)
		}
		var keys []kv
		for _, c := range r.Perm(256)[:width] {
			b := byte(c)
			if fold {
				b = lowerByte[b]
			}
			tail := make([]byte, r.IntN(20))
			for i := range tail {
				tail[i] = "abc"[r.IntN(3)]
			}
			keys = append(keys, kv{"p" + string(b) + string(tail), r.IntN(4) == 0}, kv{"p" + string(b), false})
		}
		tr := build(keys, fold)
		for c := 0; c < 256; c++ {
			for _, tail := range []string{"", "aaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb", "AAAAAAAAAAAAAAAAAAAA", "aaaaaaaaab"} {
				in := "p" + string(byte(c)) + tail
				if fold && r.IntN(2) == 0 {
					in = asciiUpper(in)
				}
				requireWalk(t, tr, keys, in, fold, "round %d input %q", round, in)
			}
		}
		// Each key with one byte changed, at every position: a label
		// compared a word at a time must see a difference anywhere.
		for _, k := range keys {
			for j := range len(k.key) {
				for _, extra := range []string{"", "zzzzzzzz"} {
					b := []byte(k.key + extra)
					b[j] ^= 0x04
					in := string(b)
					requireWalk(t, tr, keys, in, fold, "round %d input %q", round, in)
				}
			}
		}
	}
}

// TestCommonPrefix checks the word-at-a-time common prefix against a
// byte-by-byte count, for a difference at every position of strings of
// every length up to 40 (the mismatch in every byte of a word, and none).
func TestCommonPrefix(t *testing.T) {
	base := "abcdefghijklmnopqrstuvwxyz0123456789ABCD"
	for n := 0; n <= len(base); n++ {
		a := base[:n]
		for m := 0; m <= len(base); m++ {
			for j := 0; j <= max(n, m); j++ {
				b := []byte(base[:m])
				if j < m {
					b[j] ^= 0x40
				}
				want := 0
				for want < len(a) && want < len(b) && a[want] == b[want] {
					want++
				}
				if got := commonPrefix(a, string(b)); int(got) != want {
					t.Fatalf("commonPrefix(%q, %q) = %d, want %d", a, b, got, want)
				}
			}
		}
	}
}
