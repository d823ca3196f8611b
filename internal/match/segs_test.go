package match

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSearchChoice pins which search each kind of chunk gets: few
// segments and at least minSegUnits characters, the segment search; more
// segments, shift-and; short '?' chunks, the anchored search.
func TestSearchChoice(t *testing.T) {
	long := strings.Repeat("ab", 40)
	tests := []struct {
		chunk          string
		seg, sa, anchr bool
	}{
		{long + "?c", true, false, false},
		{strings.Repeat("?", 100) + "a", true, false, false},
		{strings.Repeat(long+"?", 8), true, false, false},
		{strings.Repeat(long+"?", 50) + "x", true, false, false},                     // one group
		{strings.Repeat("a?", 40), true, false, false},                               // one group
		{strings.Repeat("ab?", 30) + strings.Repeat("ab??", 20), true, false, false}, // two
		{"abcdefghi?" + strings.Repeat("jk?", 30), true, false, false},
		{"a?b?c?d?e?f?g?h?i?" + strings.Repeat("x", 60), false, true, false}, // 9 distinct
		{strings.Repeat("a?a??", 20), false, true, false},                    // strides alternate
		{"a?b", false, false, true},
		{"??", false, false, false},
		{strings.Repeat("a", 30) + "?", false, true, false},
	}
	for _, tc := range tests {
		m := newMid(tc.chunk, false)
		assert.Equal(t, tc.seg, m.sc != nil, "%q segment search", tc.chunk)
		assert.Equal(t, tc.sa, m.qs != nil, "%q shift-and", tc.chunk)
		assert.Equal(t, tc.anchr, m.anchor != "", "%q anchored", tc.chunk)
	}
}

// TestSegChunkAgreesWithReference checks the segment search against the
// reference on chunks of at most 8 segments with long, often periodic
// segments, and strings built from the same pieces (so that most
// segments occur, often overlapping, and whole matches are near), with
// multi-byte characters, invalid bytes and ASCII case.
func TestSegChunkAgreesWithReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	pieces := []string{"a", "b", "ab", "aab", "é", "日本", "A", "\xff"}
	matched := 0
	for i := range 400 {
		var segs []string
		for range 1 + rng.IntN(maxSegGroups) {
			unit := pieces[rng.IntN(len(pieces)-1)] // no invalid byte in a pattern
			if rng.IntN(2) == 0 {
				unit += pieces[rng.IntN(len(pieces)-1)]
			}
			segs = append(segs, strings.Repeat(unit, 1+rng.IntN(40)))
		}
		var c strings.Builder
		c.WriteString(strings.Repeat("?", rng.IntN(3)))
		for k, s := range segs {
			if k > 0 {
				c.WriteString(strings.Repeat("?", 1+rng.IntN(4)))
			}
			c.WriteString(s)
		}
		c.WriteString(strings.Repeat("?", 1+rng.IntN(2)))
		chunk := c.String()
		if utf8.RuneCountInString(chunk) < minSegUnits {
			chunk = strings.Repeat("a", minSegUnits) + "?" + chunk
		}
		fold := i%2 == 1
		pattern := "x*" + chunk + "*"
		p := MustCompile(pattern, fold)
		if !assert.NotNil(t, p.mids[0].sc, "%q takes the segment search", chunk) {
			continue
		}
		one := []string{"a", "b", "é", "A", "\xff"} // one character each
		fill := strings.NewReplacer("?", one[rng.IntN(len(one))]).Replace(chunk)
		var noise strings.Builder
		for range rng.IntN(300) {
			noise.WriteString(pieces[rng.IntN(len(pieces))])
		}
		broken := []rune(fill)
		broken[rng.IntN(len(broken))] = 'z'
		subjects := []string{
			"x" + noise.String() + fill + noise.String(),
			"x" + noise.String() + string(broken) + noise.String(),
			"x" + strings.Repeat(segs[0], 1+rng.IntN(20)) + fill[:len(fill)/2],
			"x" + strings.ToUpper(fill),
			"x" + noise.String(),
		}
		for _, s := range subjects {
			want := naiveMatch(pattern, s, fold)
			if want {
				matched++
			}
			require.Equal(t, want, p.Match(s), "pattern %q subject %q fold %v", pattern, s, fold)
		}
	}
	assert.GreaterOrEqual(t, matched, 400, "every filled-in chunk must match")
	assert.Less(t, matched, 1500)
}

// TestAnchoredFindBoundaries: the anchored search steps back from the
// anchor over multi-byte characters and invalid bytes exactly as reading
// forward splits them.
func TestAnchoredFindBoundaries(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*??ab*", "é\xffab", true},
		{"*??ab*", "\xffab", false},
		{"*???ab*", "\xe2\x82ab", false}, // a truncated sequence is two characters
		{"*??ab*", "\xe2\x82ab", true},
		{"*?ab*", "€ab", true},
		{"*??ab*", "€ab", false},
		{"*?é?*", "xéy", true},
		{"*?é?*", "éy", false},
		{"*a?B*", "xxAzb", true}, // folded below
	}
	for _, tc := range tests {
		fold := strings.ContainsAny(tc.pattern, "B")
		p := MustCompile(tc.pattern, fold)
		require.NotEmpty(t, p.mids[0].anchor, tc.pattern)
		assert.Equal(t, naiveMatch(tc.pattern, tc.s, fold), tc.want, "reference, %q %q", tc.pattern, tc.s)
		assert.Equal(t, tc.want, p.Match(tc.s), "%q %q", tc.pattern, tc.s)
	}
}

// TestFoldFinder checks the cached search for a folded letter against a
// byte-by-byte scan, on strings with many of one case and none or few of
// the other (where searching both cases from every position was
// quadratic).
func TestFoldFinder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 200 {
		alpha := []string{"ac", "Ac", "aC", "xyz", "aA"}[i%5]
		b := make([]byte, rng.IntN(300))
		for k := range b {
			b[k] = alpha[rng.IntN(len(alpha))]
		}
		s := string(b)
		for _, c := range []byte{'a', 'c', 'x', '1'} {
			f := newFoldFinder(c)
			for from := 0; from <= len(s); from += 1 + rng.IntN(3) {
				want := -1
				for k := from; k < len(s); k++ {
					if lower(s[k]) == c {
						want = k
						break
					}
				}
				require.Equal(t, want, f.next(s, from), "%q from %d byte %c", s, from, c)
			}
		}
	}
}

// TestWorstShapesWork asserts the work of each adversarial shape (one
// unit per automaton comparison, ring write, candidate bit test or state
// word), not its time: the segment search stays within 2 comparisons per
// character and distinct segment plus one bit test per segment for each
// completed candidate; shift-and within words + 65 a character. Before the
// segment search, period-2 took shift-and's 94 words a character.
func TestWorstShapesWork(t *testing.T) {
	for _, w := range worstShapes() {
		t.Run(w.name, func(t *testing.T) {
			p := MustCompile("*"+w.chunk+"*", false)
			require.Len(t, p.mids, 1)
			m := &p.mids[0]
			n := utf8.RuneCountInString(w.text)
			var end, work int
			switch {
			case m.sc != nil:
				end, work = m.sc.findEnd(w.text, false)
				bound := n * (3*len(m.sc.segs) + len(m.sc.runs) + len(m.sc.groups))
				t.Logf("segment search: %d distinct segments, %d groups, work %d = %.1f a character (bound %d)",
					len(m.sc.segs), len(m.sc.groups), work, float64(work)/float64(n), bound)
				assert.LessOrEqual(t, work, bound)
				assert.LessOrEqual(t, work, 12*n, "at most 12 units of work a character for these shapes")
			case m.qs != nil:
				end, work = m.qs.findEnd(w.text, false)
				t.Logf("shift-and: %d words, work %d = %.1f a character", m.qs.words, work, float64(work)/float64(n))
				assert.LessOrEqual(t, work, n*(m.qs.words+heavyOccurrences+1))
			default:
				t.Fatalf("%s: no bounded search", w.name)
			}
			assert.Equal(t, -1, end)
			assert.False(t, naiveMatch("*"+w.chunk+"*", w.text[:min(len(w.text), 3000)], false))
		})
	}
}

// FuzzSegmentChunk checks the segment search on chunks the fuzzer builds
// from a few repeated units (periodic segments) separated by runs of '?',
// against strings made of the same units with the fuzzer's picks, so that
// segments occur everywhere and candidates keep almost completing.
func FuzzSegmentChunk(f *testing.F) {
	f.Add("ab", "c", 3000/2, 1, []byte{0, 0, 0, 1, 2, 0}, false)
	f.Add("a", "b", 100, 2, []byte{0, 0, 0, 0, 3, 0, 0, 0}, true)
	f.Add("日本", "é", 40, 3, []byte{0, 1, 0, 1, 1, 2}, false)
	f.Add("aab", "ab", 30, 4, []byte{1, 0, 1, 0, 0, 2, 3, 1}, true)
	f.Add("a", "b", 100, -1, []byte{0, 3, 0, 3, 0, 3, 0, 4, 0, 1}, false)
	f.Add("ab", "c", 60, -2, []byte{0, 0, 0, 0, 0, 1, 0}, true)
	f.Fuzz(func(t *testing.T, u1, u2 string, reps, gaps int, picks []byte, fold bool) {
		for _, u := range []string{u1, u2} {
			if u == "" || len(u) > 8 || !utf8.ValidString(u) || strings.ContainsAny(u, "*?") {
				return
			}
		}
		if len(picks) > 3000 {
			return
		}
		reps = 1 + min(max(reps, 0), 2000)/max(1, len(u1))
		var c strings.Builder
		if gaps < 0 {
			// Regular: (u1 ?^g)^r u2, one group with a run ring, the
			// shape of (ab?)^2000c.
			g := 1 + (-gaps)%5
			for range min(reps, 300) {
				c.WriteString(u1 + strings.Repeat("?", g))
			}
			c.WriteString(u2)
			reps = 1
		} else {
			gaps = 1 + min(gaps, 6)
			for g := range gaps + 1 {
				if g > 0 {
					c.WriteString(strings.Repeat("?", g))
				}
				if g%2 == 0 {
					c.WriteString(strings.Repeat(u1, reps))
				} else {
					c.WriteString(u2)
				}
			}
		}
		chunk := c.String()
		if utf8.RuneCountInString(chunk) < minSegUnits {
			chunk += strings.Repeat("?", minSegUnits) + u2
		}
		pattern := "*" + chunk + "*"
		p := MustCompile(pattern, fold)
		alphabet := []string{u1, u2, "?", "Z", "\xff", strings.ToUpper(u1)}
		var b strings.Builder
		for _, k := range picks {
			a := alphabet[int(k)%len(alphabet)]
			if a == "?" {
				b.WriteString(strings.Repeat(u1, reps))
				continue
			}
			b.WriteString(a)
		}
		s := b.String()
		if utf8.RuneCountInString(s)*utf8.RuneCountInString(pattern) > 4<<20 {
			return // keep the reference's table small
		}
		if got, want := p.Match(s), naiveMatch(pattern, s, fold); got != want {
			t.Fatalf("Match(%q, %q, fold=%v) = %v, reference says %v", pattern, s, fold, got, want)
		}
	})
}

// TestSearchesDoNotAllocate: the segment search keeps its rings on the
// stack, and the anchored search and the folded shift-and need no scratch.
func TestSearchesDoNotAllocate(t *testing.T) {
	for _, w := range worstShapes() {
		p := MustCompile("*"+w.chunk+"*", false)
		assert.Zero(t, testing.AllocsPerRun(3, func() { p.Match(w.text) }), w.name)
	}
	for _, pat := range []string{"*a?b*", "*ab?" + strings.Repeat("x", 20) + "*", "*A?b*"} {
		p := MustCompile(pat, true)
		s := strings.Repeat("ac", 1000)
		assert.Zero(t, testing.AllocsPerRun(10, func() { p.Match(s) }), pat)
	}
}

// TestSegChunkSkips: where no segment can start the search jumps ahead,
// counting the characters passed and clearing what the rings held for
// them; strings with long gaps (multi-byte and invalid ones included)
// wrap the rings many times between occurrences.
func TestSegChunkSkips(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	gaps := []string{"z", "é", "\xff", "日"}
	for i := range 300 {
		segs := []string{"q" + strings.Repeat("a", rng.IntN(40)), "rb", "q" + strings.Repeat("a", rng.IntN(3))}
		var c strings.Builder
		for k := range 1 + rng.IntN(3) {
			if k > 0 {
				c.WriteString(strings.Repeat("?", 1+rng.IntN(30)))
			}
			c.WriteString(segs[rng.IntN(len(segs))])
		}
		c.WriteString(strings.Repeat("?", 1+rng.IntN(40)))
		chunk := c.String()
		for utf8.RuneCountInString(chunk) < minSegUnits {
			chunk = "q?" + chunk
		}
		fold := i%3 == 0
		pattern := "*" + chunk + "*"
		p := MustCompile(pattern, fold)
		require.NotNil(t, p.mids[0].sc, chunk)
		var b strings.Builder
		for range 1 + rng.IntN(12) {
			b.WriteString(strings.Repeat(gaps[rng.IntN(len(gaps))], rng.IntN(400)))
			switch rng.IntN(3) {
			case 0:
				b.WriteString(segs[rng.IntN(len(segs))])
			case 1:
				b.WriteString(strings.NewReplacer("?", "z").Replace(chunk))
			default:
				b.WriteString(strings.ToUpper(segs[0]))
			}
		}
		s := b.String()
		require.Equal(t, naiveMatch(pattern, s, fold), p.Match(s), "pattern %q subject %q fold %v", pattern, s, fold)
	}
}

// TestSegChunkRingTurns: a position's bit is read one ring turn after the
// same slot recorded a real occurrence, once after a jump (the jump must
// clear it) and once after steps (each step must rewrite it).
func TestSegChunkRingTurns(t *testing.T) {
	const k = 70
	chunk := "q" + strings.Repeat("?", k) + "rb"
	p := MustCompile("*"+chunk+"*", false)
	require.NotNil(t, p.mids[0].sc)
	ring := p.mids[0].sc.ring
	steps := strings.Repeat("rz", ring)[:ring-40]
	for _, gap := range []string{
		strings.Repeat("z", ring+k),           // one long jump
		strings.Repeat("rz", ring+k)[:ring+k], // steps only
		steps + strings.Repeat("z", 40+k),     // steps, then a jump shorter than the ring
	} {
		filler := gap[:2]
		s := "q" + gap + "rb" // 'q' at 0, "rb" where a 'q' at ring would need it
		require.False(t, naiveMatch("*"+chunk+"*", s, false))
		assert.False(t, p.Match(s), "filler %q", filler)
		assert.True(t, p.Match("q"+gap[:k]+"rb"), "filler %q: the real match", filler)
	}
}

// TestSegChunkRunRingTurns is TestSegChunkRingTurns for a run ring: a run
// of 35 'q' at stride 2 is counted at the start, and a candidate one ring
// turn later reads the same slot.
func TestSegChunkRunRingTurns(t *testing.T) {
	chunk := strings.Repeat("q?", 35) + "rb"
	p := MustCompile("*"+chunk+"*", false)
	sc := p.mids[0].sc
	require.NotNil(t, sc)
	require.Len(t, sc.runs, 1)
	ring := sc.ring
	head := strings.Repeat("qz", 35)
	for _, gap := range []string{
		strings.Repeat("z", ring),
		strings.Repeat("rz", ring)[:ring],
		strings.Repeat("rz", ring)[:ring-100] + strings.Repeat("z", 100),
	} {
		s := head + gap + "rb"
		require.False(t, naiveMatch("*"+chunk+"*", s, false))
		assert.False(t, p.Match(s), "gap %q...", gap[:4])
		assert.True(t, p.Match(head+"rb"), "the real match")
	}
}

// TestSegChunkLongRuns: a run of one character that leaves every automaton
// as it was is recorded at once, longer and shorter than the ring, folded
// or not.
func TestSegChunkLongRuns(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		fold       bool
	}{
		{"*" + strings.Repeat("a", 100) + "?b*", strings.Repeat("a", 5000) + "xb", false},
		{"*" + strings.Repeat("a", 100) + "?b*", strings.Repeat("a", 5000) + "b", false},
		{"*" + strings.Repeat("a", 100) + "?b*", strings.Repeat("a", 99) + "c" + strings.Repeat("a", 99) + "b", false},
		{"*" + strings.Repeat("a", 100) + "?b*", strings.Repeat("aA", 2000) + "ab", true},
		{"*" + strings.Repeat("a", 100) + "?b*", strings.Repeat("A", 150) + "xB", true},
		{"*b" + strings.Repeat("?", 70) + "b*", "b" + strings.Repeat("z", 69) + "b" + strings.Repeat("b", 300), false},
		{"*ab?" + strings.Repeat("a", 80) + "??c*", "ab" + strings.Repeat("a", 3000) + "c", false},
		{"*ab?" + strings.Repeat("a", 80) + "??c*", "abx" + strings.Repeat("a", 80) + "xyc", false},
		// run rings: 'a' at stride 2 counted over a run longer than the ring
		{"*" + strings.Repeat("a?", 40) + "b*", strings.Repeat("a", 5000) + "b", false},
		{"*" + strings.Repeat("a?", 40) + "b*", strings.Repeat("a", 5000) + "cb", false},
		{"*" + strings.Repeat("a?", 40) + "b*", strings.Repeat("a", 78) + "c" + strings.Repeat("a", 100) + "b", false},
		{"*" + strings.Repeat("a?", 40) + "b*", "b" + strings.Repeat("A", 300) + "zB", true},
	} {
		p := MustCompile(tc.pattern, tc.fold)
		require.NotNil(t, p.mids[0].sc, tc.pattern)
		assert.Equal(t, naiveMatch(tc.pattern, tc.s, tc.fold), p.Match(tc.s), "%q %q", tc.pattern, tc.s)
	}
}
