package match

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"

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

// TestQuestionChunksManyCharacters covers the light path of the shift-and
// automaton (characters kept as position lists) and the border between
// light and heavy characters, with chunks over alphabets of up to 3,000
// distinct characters, against the table-based reference.
func TestQuestionChunksManyCharacters(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 120 {
		distinct := []int{1, 2, 8, 300, 3000}[i%5]
		units := 1 + rng.IntN(700)
		char := func() string {
			k := rng.IntN(distinct)
			if k%7 == 3 {
				return string(rune('a' + k%26)) // some ASCII, folded or not
			}
			return string(rune(0x4e00 + k))
		}
		var b strings.Builder
		for range units {
			if rng.IntN(20) == 0 {
				b.WriteByte('?')
			} else {
				b.WriteString(char())
			}
		}
		chunk := b.String()
		if !strings.Contains(chunk, "?") {
			chunk += "?"
		}
		fold := i%2 == 0
		pattern := "*" + chunk + "*"
		p := MustCompile(pattern, fold)
		fill := strings.NewReplacer("?", "\xff").Replace(chunk)
		var noise strings.Builder
		for range rng.IntN(400) {
			noise.WriteString(char())
		}
		subjects := []string{
			noise.String() + fill + noise.String(),
			noise.String() + fill[:len(fill)/2],
			strings.ToUpper(fill),
			fill[:len(fill)-1],
			noise.String(),
		}
		for _, s := range subjects {
			assert.Equal(t, naiveMatch(pattern, s, fold), p.Match(s), "pattern %q subject %q fold %v", pattern, s, fold)
		}
		assert.True(t, p.Match(fill), "the filled-in chunk matches")
	}
}

// TestShiftAndSizeIsLinear: the automaton of a '?' chunk takes memory
// linear in the chunk whatever its alphabet (issue 11 item 6: 6,000
// distinct characters took 6,000 masks of 94 words, 4.5 MB). The bound
// counts every slice the automaton keeps.
func TestShiftAndSizeIsLinear(t *testing.T) {
	for _, tc := range []struct {
		name  string
		chunk string
	}{
		{"6000 distinct CJK", func() string {
			var b strings.Builder
			for i := range 6000 {
				b.WriteRune(rune(0x4e00 + i))
			}
			return b.String() + "?"
		}()},
		{"one repeated character", strings.Repeat("a", 6000) + "?"},
		{"65 occurrences each (all heavy)", func() string {
			var b strings.Builder
			for i := range 6000 {
				b.WriteRune(rune(0x4e00 + i%92))
			}
			return b.String() + "?"
		}()},
		{"64 occurrences each (all light)", func() string {
			var b strings.Builder
			for i := range 6000 {
				b.WriteRune(rune(0x4e00 + i%94))
			}
			return b.String() + "?"
		}()},
		{"question marks", strings.Repeat("a?", 3000)},
	} {
		sa := newShiftAnd(tc.chunk)
		require.NotNil(t, sa)
		size := sa.size()
		t.Logf("%s: %d bytes of chunk, %d bytes of automaton", tc.name, len(tc.chunk), size)
		// 32 bytes a unit for the unit list, position lists and character
		// tables, plus the heavy masks: at most units/64 characters of
		// words*8 bytes each.
		bound := 32*sa.units + (sa.units/heavyOccurrences+1)*sa.words*8 + 1024
		assert.LessOrEqual(t, size, bound, tc.name)
		assert.LessOrEqual(t, size, 16*len(tc.chunk)+1024, tc.name, "per byte of the chunk")
	}
}

// size returns the bytes the automaton keeps: its struct and every slice
// it owns (not the chunk text, which belongs to the pattern).
func (sa *shiftAnd) size() int {
	n := int(unsafe.Sizeof(*sa))
	n += 8 * len(sa.any)
	n += int(unsafe.Sizeof(runeChar{})) * cap(sa.other)
	n += int(unsafe.Sizeof(charUnits{})) * cap(sa.chars)
	n += 4 * cap(sa.pos)
	n += 4 * cap(sa.unit)
	n += int(unsafe.Sizeof([]uint64(nil))) * cap(sa.masks)
	for _, m := range sa.masks {
		n += 8 * cap(m)
	}
	return n
}

// FuzzQuestionChunk checks the shift-and automaton of multi-word '?'
// chunks (which FuzzMatch's 64-byte patterns never reach) against the
// reference: the chunk is the fuzzer's unit string repeated to at least 130
// units, and the subject is drawn from the chunk's own characters (plus one
// it lacks and an invalid byte), so that partial matches pile up and the
// state moves between its list and bitmap forms.
func FuzzQuestionChunk(f *testing.F) {
	f.Add("ab?", []byte{0, 1, 0, 1, 0, 1, 2, 3}, 40, false)
	f.Add("a?a", []byte{0, 0, 0, 0, 0, 0, 0, 0, 1, 0}, 200, true)
	f.Add("日本?語", []byte{3, 1, 2, 0, 4, 5}, 90, false)
	f.Fuzz(func(t *testing.T, unit string, picks []byte, reps int, fold bool) {
		if !utf8.ValidString(unit) || unit == "" || strings.ContainsRune(unit, '*') || len(unit) > 16 || len(picks) > 2000 {
			return
		}
		if !strings.Contains(unit, "?") {
			unit += "?"
		}
		n := utf8.RuneCountInString(unit)
		count := max(130/n+1, min(max(reps, 0), 600/n))
		chunk := strings.Repeat(unit, count)
		var alphabet []string
		for _, r := range unit {
			if r != '?' {
				alphabet = append(alphabet, string(r))
			}
		}
		alphabet = append(alphabet, "Z", "\xff")
		var b strings.Builder
		for _, p := range picks {
			b.WriteString(alphabet[int(p)%len(alphabet)])
		}
		pattern := "*" + chunk + "*"
		p, err := Compile(pattern, fold)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{b.String(), b.String() + strings.ReplaceAll(chunk, "?", "Z")} {
			if got, want := p.Match(s), naiveMatch(pattern, s, fold); got != want {
				t.Fatalf("Match(%q, %q, fold=%v) = %v, reference says %v", pattern, s, fold, got, want)
			}
		}
	})
}
