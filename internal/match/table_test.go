package match

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var tablePatterns = []string{
	"", "*", "**", "?", "ecs:Describe*", "ECS:Describe*", "arms:Get**", "ARMS:GetTrace", "ECS:*Instance*Attr?",
	"acs:oss:*:*:bucket/*/obj-??-*", "a*b*c*d", "*?*", "x**y", "Ab" + strings.Repeat("?", 20) + "*C*" + strings.Repeat("Z", 300),
	"é*ß?*Ω", strings.Repeat("Q", 20000) + "*q*", "acs:svc7:*:1234567890123456:res/7/*", "a?c", "*x?z", "AB*",
}

var tableInputs = []string{"", "a", "ab", "abc", "ecs:DescribeInstances", "ECS:describe", "arms:GetTrace", "ARMS:gettrace",
	"acs:oss:r:1:bucket/x/obj-12-z", "abcd", "xy", "é-ß-Ω", "acs:svc7:cn:1234567890123456:res/7/x", "aéc", "yyxéz", "ab-anything"}

// A Table holds each pattern as Compile builds it: Pattern returns the same
// value (up to where its text lives), Match and MatchRest agree with it on
// every input, and the accessors agree with Pattern's.
func TestTableAgreesWithCompile(t *testing.T) {
	var tb Table
	type added struct {
		s    string
		fold bool
		i    int32
	}
	var all []added
	for _, fold := range []bool{false, true} {
		for _, s := range tablePatterns {
			i, err := tb.Add(s, fold)
			require.NoError(t, err, s)
			all = append(all, added{s, fold, i})
		}
	}
	require.Equal(t, len(all), tb.Len())
	for k, a := range all {
		require.Equal(t, int32(k), a.i, "patterns are numbered in order")
		want := MustCompile(a.s, a.fold)
		r := &tb.recs[a.i]
		got := tb.view(r)
		got.mids = want.mids
		assert.True(t, reflect.DeepEqual(want, got), "%q fold=%v:\n%#v\n%#v", a.s, a.fold, want, got)
		require.Len(t, tb.mids[r.mid0:r.mid0+r.midN], len(want.mids), a.s)
		for k, m := range tb.mids[r.mid0 : r.mid0+r.midN] {
			wm := want.mids[k]
			assert.Equal(t, wm.text, tb.str(m.off, m.n), "%q chunk %d", a.s, k)
			assert.Equal(t, wm.kmp != nil, m.kmp >= 0, "%q chunk %d", a.s, k)
			if m.kmp >= 0 {
				assert.Equal(t, wm.kmp, tb.kmp[m.kmp:m.kmp+m.n], "%q chunk %d", a.s, k)
			}
			if m.ext >= 0 {
				assert.True(t, reflect.DeepEqual(wm, tb.ext[m.ext]), "%q chunk %d", a.s, k)
			} else {
				assert.True(t, wm.qs == nil && wm.sc == nil && !wm.slow, "%q chunk %d", a.s, k)
			}
		}
		assert.Equal(t, a.s, tb.String(a.i))
		assert.Equal(t, want.Literal(), tb.Literal(a.i), a.s)
		off, n := tb.LiteralAt(a.i)
		assert.Equal(t, want.Literal(), string(tb.Text()[off:off+n]), a.s)
		assert.Equal(t, want.Exact(), tb.Exact(a.i), a.s)
		assert.Equal(t, want.Any(), tb.Any(a.i), a.s)
		restAny := strings.IndexAny(a.s, "*?") == len(a.s)-1 && strings.HasSuffix(a.s, "*") ||
			a.s != "" && strings.Trim(a.s, "*") == ""
		assert.Equal(t, restAny, tb.RestAny(a.i), a.s)
		kOff, kN, kExact, kAny, kRestAny := tb.IndexKey(a.i)
		assert.Equal(t, []any{off, n, want.Exact(), want.Any(), restAny}, []any{kOff, kN, kExact, kAny, kRestAny}, "IndexKey(%q)", a.s)
		for _, in := range tableInputs {
			assert.Equal(t, want.Match(in), tb.Match(a.i, in), "%q fold=%v ~ %q", a.s, a.fold, in)
			assert.Equal(t, naiveMatch(a.s, in, a.fold), tb.Match(a.i, in), "%q fold=%v ~ %q (reference)", a.s, a.fold, in)
			if lit := want.Literal(); strings.HasPrefix(in, lit) {
				assert.Equal(t, want.MatchRest(in[len(lit):]), tb.MatchRest(a.i, in[len(lit):]), "%q rest %q", a.s, in)
			}
		}
	}
}

// Random patterns and inputs over a small alphabet: the table's fast
// shapes and its general path agree with the reference matcher.
func TestTableRandomAgreesWithReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 12))
	word := func(alpha string, n int) string {
		b := make([]byte, rng.IntN(n))
		for i := range b {
			b[i] = alpha[rng.IntN(len(alpha))]
		}
		return string(b)
	}
	var tb Table
	for range 3000 {
		p, fold := word("aAb*?:", 8), rng.IntN(2) == 0
		i, err := tb.Add(p, fold)
		require.NoError(t, err)
		for range 8 {
			s := word("aAb:", 10)
			require.Equal(t, naiveMatch(p, s, fold), tb.Match(i, s), "%q fold=%v ~ %q", p, fold, s)
		}
	}
}

// The table copies the text it is given: no pattern views the caller's
// string.
func TestTableKeepsNoCallerText(t *testing.T) {
	var tb Table
	for _, s := range tablePatterns {
		if s == "" {
			continue
		}
		i, err := tb.Add(s, true)
		require.NoError(t, err)
		start := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		r := &tb.recs[i]
		p := tb.view(r)
		parts := []string{p.src, p.lit, p.head, p.tail}
		for _, m := range tb.mids[r.mid0 : r.mid0+r.midN] {
			parts = append(parts, tb.str(m.off, m.n))
		}
		for _, part := range parts {
			if part == "" {
				continue
			}
			q := uintptr(unsafe.Pointer(unsafe.StringData(part)))
			assert.False(t, q >= start && q < start+uintptr(len(s)), "%q: the table keeps the caller's string", s)
		}
	}
}

func TestTableBadPattern(t *testing.T) {
	var tb Table
	i, err := tb.Add("a\xff\xfe*", false)
	assert.ErrorIs(t, err, ErrBadPattern)
	assert.Equal(t, int32(-1), i)
	i, err = tb.Add("abc\xe2", true)
	assert.ErrorIs(t, err, ErrBadPattern)
	assert.Equal(t, int32(-1), i)
	assert.Equal(t, 0, tb.Len(), "a rejected pattern is not added")
}

// Once grown to size, adding patterns allocates nothing (a folded chunk's
// KMP table goes to a shared block), and matching never allocates.
func TestTableAllocations(t *testing.T) {
	var tb Table
	const n = 1000
	tb.Grow(2*n, n*(len("acs:Svc:*:1234567890123456:Res/7/*")+2*len("Svc7:Verb7*")), n*Mids("acs:Svc:*:1234567890123456:Res/7/*"))
	allocs := testing.AllocsPerRun(n-1, func() {
		if _, err := tb.Add("acs:Svc:*:1234567890123456:Res/7/*", false); err != nil {
			t.Fatal(err)
		}
		if _, err := tb.Add("Svc7:Verb7*", true); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
	var folded Table
	allocs = testing.AllocsPerRun(1000, func() {
		if _, err := folded.Add("Svc7:*Verb*Thing*", true); err != nil {
			t.Fatal(err)
		}
	})
	assert.Less(t, allocs, 0.1, "folded chunks' tables are carved from a growing block")
	allocs = testing.AllocsPerRun(100, func() {
		for i := range int32(tb.Len()) {
			tb.Match(i, "acs:Svc:cn:1234567890123456:Res/7/x")
			tb.MatchRest(i, "x")
		}
	})
	assert.Zero(t, allocs)
}

// view returns pattern r as a Pattern without its chunks between stars
// (Table.mids has them), viewing the table's memory: what the table's
// records say, in the form Compile builds, for comparing the two.
func (t *Table) view(r *rec) Pattern {
	text := t.str(r.pat, r.n)
	p := Pattern{
		lit:   text[:r.lit],
		head:  text[r.lit:r.head],
		star:  r.flags&flagStar != 0,
		fold:  r.flags&flagFold != 0,
		tailQ: r.flags&flagTailQ != 0,
		tailN: int(r.tailN),
		src:   t.given(r),
	}
	if p.star {
		p.tail = text[r.tail:]
	}
	return p
}

// layout.of, which reads eight bytes at a time, agrees with a plain
// byte-by-byte reading of the pattern, for patterns whose wildcards,
// upper-case letters and non-ASCII bytes fall anywhere around the
// eight-byte boundaries.
func TestLayoutAgreesWithByteByByte(t *testing.T) {
	slow := func(p string) layout {
		l := layout{lit: -1, head: -1, ascii: true}
		lastStar, lastQ := -1, -1
		for i := 0; i < len(p); i++ {
			switch c := p[i]; {
			case c == '*':
				if l.head < 0 {
					l.head = i
				} else if p[i-1] != '*' {
					l.mids++
				}
				if l.lit < 0 {
					l.lit = i
				}
				lastStar = i
			case c == '?':
				if l.lit < 0 {
					l.lit = i
				}
				lastQ = i
			case c >= 'A' && c <= 'Z':
				l.upper = true
			case c >= 0x80:
				l.ascii = false
			}
		}
		if l.lit < 0 {
			l.lit = len(p)
		}
		if l.head < 0 {
			l.head, l.tail = len(p), len(p)
			return l
		}
		l.star, l.tail = true, lastStar+1
		if lastQ > lastStar {
			l.tailQ, l.tailN = true, utf8.RuneCountInString(p[l.tail:])
		}
		return l
	}
	rng := rand.New(rand.NewPCG(21, 22))
	const alphabet = "ab:/*?AZ@[`{\x7f\x80\xc3\xa9\xff"
	for range 200000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = 'a'
			if rng.IntN(4) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			}
		}
		var got layout
		got.of(string(b))
		require.Equal(t, slow(string(b)), got, "%q", b)
	}
}

// foldWords, which folds eight bytes at a time (the last eight
// overlapping), agrees with a byte-by-byte lower, for strings of
// every length up to 24 bytes with an upper-case letter, a non-ASCII byte,
// '*' or '?' at every position, and with every byte of the alphabet
// around the letter range.
func TestFoldWordsAgreesWithByteByByte(t *testing.T) {
	check := func(s string) {
		t.Helper()
		fold := make([]byte, len(s)+8)
		for i := range fold {
			fold[i] = '#'
		}
		upper, ascii := foldWords(fold[:len(s)], nil, s)
		want := []byte(s)
		wantUpper, wantASCII := false, true
		for i := range want {
			if c := want[i]; c >= 'A' && c <= 'Z' {
				wantUpper = true
			} else if c >= 0x80 {
				wantASCII = false
			}
			want[i] = lower(want[i])
		}
		require.Equal(t, string(want), string(fold[:len(s)]), "fold of %q", s)
		require.Equal(t, strings.Repeat("#", 8), string(fold[len(s):]), "fold of %q writes past its end", s)
		require.Equal(t, wantUpper, upper, "upper of %q", s)
		require.Equal(t, wantASCII, ascii, "ascii of %q", s)
		require.Equal(t, wantASCII, isASCII(s), "isASCII(%q)", s)
		u2, a2 := foldWords(nil, nil, s)
		require.Equal(t, [2]bool{upper, ascii}, [2]bool{u2, a2}, "%q without a destination", s)
	}
	for n := range 25 {
		for _, c := range []byte{'A', 'Z', 'M', '@', '[', '`', '{', 'a', 'z', '*', '?', 0x7f, 0x80, 0xc3, 0xff, 0} {
			for i := range n {
				b := []byte(strings.Repeat("x", n))
				b[i] = c
				check(string(b))
				if i > 0 {
					b[0] = 'Q' // a second mark in the first word
					check(string(b))
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(31, 32))
	for range 20000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		check(string(b))
	}
}

// Patterns of every length up to 24 bytes with '*', '?', an upper-case
// letter or a non-ASCII character at every position (and a star at both
// ends of the words around it) are added to a Table as Compile compiles
// them, and match what the reference matcher matches.
func TestTableWordEdges(t *testing.T) {
	var tb Table
	inputs := func(p string) []string {
		// The pattern's text itself, with wildcards replaced, and a few
		// strings that differ from it in case, length or one byte.
		lit := strings.NewReplacer("*", "", "?", "q").Replace(p)
		return []string{"", lit, strings.ToUpper(lit), strings.ToLower(lit), lit + "x", "x" + lit,
			strings.Replace(lit, "x", "xé", 1), strings.Replace(lit, "x", "", 1)}
	}
	for n := 1; n <= 24; n++ {
		for _, mark := range []string{"*", "?", "B", "é", "\xff"} {
			for i := 0; i+len(mark) <= n; i++ {
				base := strings.Repeat("x", i) + mark + strings.Repeat("x", n-i-len(mark))
				for _, p := range []string{base, base[:min(8, len(base))] + "*" + base[min(8, len(base)):], "*" + base, base + "*"} {
					for _, fold := range []bool{false, true} {
						want, err := Compile(p, fold)
						k, terr := tb.Add(p, fold)
						if err != nil {
							require.ErrorIs(t, terr, ErrBadPattern, "%q", p)
							continue
						}
						require.NoError(t, terr, "%q", p)
						r := &tb.recs[k]
						got := tb.view(r)
						got.mids = want.mids
						require.True(t, reflect.DeepEqual(want, got), "%q fold=%v:\n%#v\n%#v", p, fold, want, got)
						require.Equal(t, len(want.mids), int(r.midN), "%q", p)
						require.Equal(t, p, tb.String(k))
						for _, in := range inputs(p) {
							require.Equal(t, naiveMatch(p, in, fold), tb.Match(k, in), "%q fold=%v ~ %q", p, fold, in)
						}
					}
				}
			}
		}
	}
}

// Need's counts cover what adding the patterns takes: after Grow with
// them, adding allocates nothing (no pattern here has a chunk with '?' or
// a folded chunk, which have blocks of their own).
func TestNeedCoversAdd(t *testing.T) {
	for _, set := range loadSets() {
		var tb Table
		np, text, mids := set.need()
		tb.Grow(np, text, mids)
		allocs := testing.AllocsPerRun(1, func() {
			tb.text, tb.recs, tb.mids = tb.text[:0], tb.recs[:0], tb.mids[:0]
			set.addTo(t, &tb)
		})
		assert.Zero(t, allocs, set.name)
		assert.Equal(t, text, len(tb.text), "%s: the text bound is exact for patterns that all have capitals or do not fold", set.name)
	}
}

// Grow moves the records, chunks and text of a table that already holds
// patterns into one new block without changing what any pattern is or
// matches, and the room it makes takes the Adds it was sized for without
// allocating; growing only one part leaves the others where they are.
func TestTableGrowKeepsPatterns(t *testing.T) {
	pats := []string{"Ecs:Describe*", "acs:oss:*:*:bucket/*/Key*", "a?c*d*E", "*", "exact"}
	var tb Table
	for i, p := range pats {
		_, err := tb.Add(p, i%2 == 0)
		require.NoError(t, err)
	}
	inputs := []string{"ecs:DescribeX", "acs:oss:cn:1:bucket/b/KeyZ", "abcxdE", "abcxde", "exact", "Exact", ""}
	want := make([][]bool, len(pats))
	for i := range pats {
		for _, s := range inputs {
			want[i] = append(want[i], tb.Match(int32(i), s))
		}
	}
	// AllocsPerRun runs the function twice; case-sensitive chunks need
	// no table of their own.
	text, mids := Need(pats, false)
	tb.Grow(2*len(pats), 2*text, 2*mids)
	require.GreaterOrEqual(t, cap(tb.recs)-len(tb.recs), 2*len(pats))
	require.GreaterOrEqual(t, cap(tb.mids)-len(tb.mids), 2*mids)
	require.GreaterOrEqual(t, cap(tb.text)-len(tb.text), 2*text)
	check := func() {
		t.Helper()
		for i, p := range pats {
			require.Equal(t, p, tb.String(int32(i)))
			for k, s := range inputs {
				require.Equal(t, want[i][k], tb.Match(int32(i), s), "%q on %q", p, s)
			}
		}
	}
	check()
	allocs := testing.AllocsPerRun(1, func() {
		for _, p := range pats {
			if _, err := tb.Add(p, false); err != nil {
				t.Fatal(err)
			}
		}
	})
	require.Zero(t, allocs)
	check()
	recs := &tb.recs[0]
	tb.Grow(0, 1<<10, 0)
	require.Same(t, recs, &tb.recs[0], "growing the text alone moves no record")
	check()
}

// GrowIn cuts an empty table's records, chunks and text from the caller's
// block, Words long, leaving the words after them alone: adding what the
// counts cover keeps every part in that block and writes nothing past
// it. A
// block too short for a table that already holds patterns is not used;
// the table grows as Grow makes it, keeping its patterns.
func TestTableGrowIn(t *testing.T) {
	for _, set := range loadSets() {
		np, text, mids := set.need()
		w := Words(np, text, mids)
		blk := make([]uint64, w+4)
		for i := range blk[w:] {
			blk[w+i] = 0x5a5a5a5a5a5a5a5a
		}
		var tb, want Table
		tb.GrowIn(blk, np, text, mids)
		set.addTo(t, &tb)
		// Every part is still in the block: nothing regrew.
		base := uintptr(unsafe.Pointer(&blk[0]))
		for _, p := range []unsafe.Pointer{unsafe.Pointer(&tb.recs[0]), unsafe.Pointer(&tb.text[0])} {
			require.True(t, uintptr(p) >= base && uintptr(p) < base+uintptr(8*w), "%s: a part of the table left the block", set.name)
		}
		set.addTo(t, &want)
		for i := range blk[w:] {
			require.Equal(t, uint64(0x5a5a5a5a5a5a5a5a), blk[w+i], "%s: word %d past the table's part was written", set.name, w+i)
		}
		require.Equal(t, want.Len(), tb.Len())
		for i := range int32(want.Len()) {
			require.Equal(t, want.String(i), tb.String(i))
			require.Equal(t, want.Literal(i), tb.Literal(i))
			for _, s := range []string{want.String(i), strings.ToUpper(want.String(i)), want.Literal(i) + "x"} {
				require.Equal(t, want.Match(i, s), tb.Match(i, s), "%s: %q on %q", set.name, want.String(i), s)
			}
		}
	}

	var tb Table
	_, err := tb.Add("Ecs:Describe*", true)
	require.NoError(t, err)
	short := make([]uint64, Words(1, 4, 0))
	tb.GrowIn(short, 1, 4, 0) // room for the new pattern only: too short
	_, err = tb.Add("ecs:List*", true)
	require.NoError(t, err)
	assert.Equal(t, "Ecs:Describe*", tb.String(0))
	assert.Equal(t, "ecs:List*", tb.String(1))
	assert.True(t, tb.Match(0, "ECS:DescribeX"))
	assert.Equal(t, make([]uint64, len(short)), short, "a block too short is not written")
}

// A folding pattern is kept once, folded, with a bitmap of its ASCII
// upper-case letters when it has any: String gives it back as given, for
// every length around the eight-byte steps of foldWords, letters anywhere,
// and non-ASCII bytes (which folding leaves alone) among them; the text
// takes the pattern's length and, with capitals, the bitmap's, no more.
func TestTableKeepsCaseOnce(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 40))
	for round := range 3000 {
		n := 1 + round%40
		b := make([]byte, 0, n+1)
		for len(b) < n {
			switch k := r.IntN(10); {
			case k < 4:
				b = append(b, byte('a'+r.IntN(26)))
			case k < 7:
				b = append(b, byte('A'+r.IntN(26)))
			case k == 7:
				b = append(b, "é"...)
			case k == 8:
				b = append(b, "*:/?["[r.IntN(5)])
			default:
				b = append(b, byte('@'+r.IntN(2)*27)) // '@' and '[', beside the letters
			}
		}
		p := string(b)
		var tb Table
		i, err := tb.Add(p, true)
		require.NoError(t, err, "%q", p)
		require.Equal(t, p, tb.String(i))
		want := len(p)
		if strings.ToLower(p) != p {
			want += (len(p) + 7) / 8
		}
		require.Equal(t, want, len(tb.Text()), "%q", p)
		require.True(t, tb.Match(i, p), "%q", p)
		j, err := tb.Add(p, false)
		require.NoError(t, err)
		require.Equal(t, p, tb.String(j))
		require.Equal(t, p, tb.String(i), "adding after it leaves it as it was")
	}
}

// foldWords' case bitmap agrees with a byte-by-byte reading of s's ASCII
// upper-case letters, for every length around the eight-byte steps, and
// leaves the bits past the end clear.
func TestCaseMapByteByByte(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 50))
	for round := range 2000 {
		n := round % 33
		s := make([]byte, n)
		for i := range s {
			if r.IntN(2) == 0 {
				s[i] = byte('A' + r.IntN(26))
			} else {
				s[i] = byte(r.IntN(256))
			}
		}
		m := make([]byte, caseMapLen(n))
		foldWords(nil, m, string(s))
		for k := range n {
			want := s[k] >= 'A' && s[k] <= 'Z'
			require.Equal(t, want, m[k>>3]>>(k&7)&1 != 0, "%q byte %d", s, k)
		}
		if n%8 != 0 {
			require.Zero(t, m[len(m)-1]>>(n%8), "%q: bits past the end", s)
		}
	}
}
