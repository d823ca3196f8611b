package match

import (
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"
)

// A mid is a chunk between two stars. Matching searches the rest of the
// string for its leftmost occurrence, which is always the right choice: it
// leaves the most room for what follows. The search must stay linear in the
// length of the string whatever the chunk, or a long request against a long
// chunk would cost their product (a 6,000-character chunk against a 1 MiB
// action took half a minute with a position-by-position search). So each
// kind of chunk gets a search that reads every byte of the string a bounded
// number of times:
//
//   - a case-sensitive literal: the standard library's substring search;
//   - a folded literal: Knuth-Morris-Pratt over folded bytes, with the
//     failure table built at compile time;
//   - a chunk with '?' of at least 65 characters whose literal runs fall
//     into at most 8 groups (a group: one run repeated at a fixed stride)
//     of at most 8 distinct runs: a segment search (segChunk), costing one
//     automaton step per distinct run and character, whatever the period
//     of the string;
//   - any other chunk with '?' of at least 17 characters: a bit-parallel
//     (shift-and) automaton over characters, costing one step per character
//     and per 64 characters of the longest partial match (see shiftAnd);
//   - shorter ones: a substring search for their longest literal run, the
//     chunk tried only where it puts the run on an occurrence
//     (anchoredFind).
type mid struct {
	text string
	kmp  []int32   // failure table, for folded literals
	qs   *shiftAnd // for chunks with '?' and many segments
	sc   *segChunk // for chunks with '?' and few segments
	slow bool      // a '?' chunk tried position by position
	// anchor is the longest literal run of a slow chunk and anchorAt the
	// characters before it in the chunk: slowFind only tries the positions
	// anchorAt characters before an occurrence of it (see anchoredFind).
	anchor   string
	anchorAt int
}

// minShiftAndUnits is the shortest '?' chunk that gets a shift-and
// automaton. Shorter ones are tried where their longest literal run occurs
// (every position for an all-'?' chunk), which costs at most that many
// comparisons a character and keeps the compiled
// form of a pattern such as "*?*" small (an automaton takes about 500
// bytes).
const minShiftAndUnits = 17

// minSegUnits is the shortest '?' chunk that may get a segment search
// (segChunk): below it a shift-and state is one word, which a step updates
// for less than a segment search's automaton steps cost.
const minSegUnits = 65

func newMid(c string, fold bool) mid {
	m := mid{text: c}
	switch {
	case strings.IndexByte(c, '?') >= 0:
		units := utf8.RuneCountInString(c)
		if units >= minSegUnits {
			if m.sc = newSegChunk(c); m.sc != nil {
				break
			}
		}
		if units >= minShiftAndUnits {
			m.qs = newShiftAnd(c)
		}
		m.slow = m.qs == nil
		if m.slow && units < minShiftAndUnits {
			m.anchor, m.anchorAt = longestRun(c)
		}
	case fold:
		m.kmp = kmpTable(c)
	}
	return m
}

// find returns the byte offset just after the leftmost match of the chunk in
// s, or -1. A match always starts and ends at character boundaries: the
// chunk is valid UTF-8, so its first byte is never a continuation byte, and
// it ends with a complete character.
func (m *mid) find(s string, fold bool) int {
	switch {
	case m.sc != nil:
		end, _ := m.sc.findEnd(s, fold)
		return end
	case m.qs != nil:
		end, _ := m.qs.findEnd(s, fold)
		return end
	case m.anchor != "":
		return anchoredFind(m.text, m.anchor, m.anchorAt, s, fold)
	case m.slow:
		return slowFind(m.text, s, fold)
	case m.kmp != nil:
		return kmpFind(m.text, m.kmp, s)
	}
	i := strings.Index(s, m.text)
	if i < 0 {
		return -1
	}
	return i + len(m.text)
}

// kmpTable returns the Knuth-Morris-Pratt failure table of c: entry k is the
// length of the longest proper prefix of c[:k+1] that is also its suffix.
func kmpTable(c string) []int32 { return appendKMP(make([]int32, 0, len(c)), c) }

// appendKMP appends the failure table of c (len(c) entries) to dst.
func appendKMP(dst []int32, c string) []int32 {
	base := len(dst)
	dst = append(dst, make([]int32, len(c))...)
	t := dst[base:]
	k := int32(0)
	for i := 1; i < len(c); i++ {
		for k > 0 && c[i] != c[k] {
			k = t[k-1]
		}
		if c[i] == c[k] {
			k++
		}
		t[i] = k
	}
	return dst
}

// kmpFind searches s, folded byte by byte, for the folded literal c and
// returns the offset after the first match, or -1. Each byte of s is read
// once and the pattern position only falls back as far as it advanced, so
// the cost is linear in len(s).
func kmpFind(c string, t []int32, s string) int {
	k := int32(0)
	for i := 0; i < len(s); i++ {
		b := lower(s[i])
		for k > 0 && c[k] != b {
			k = t[k-1]
		}
		if c[k] == b {
			k++
			if int(k) == len(c) {
				return i + 1
			}
		}
	}
	return -1
}

// maxShiftAndWords bounds the chunk length a shift-and automaton handles
// (64 characters a word); its state lives on the stack. Longer chunks than
// 8,192 characters with '?' are only possible with raised parser limits and
// fall back to the position-by-position search.
const maxShiftAndWords = 128

// heavyOccurrences caps the number of occurrences above which a character
// of a '?' chunk gets a dense mask (one bit per unit): a character is heavy
// when it occurs more than min(heavyOccurrences, words) times. Characters
// that occur less often keep only the list of their positions, so the
// automaton's size is linear in the chunk: at most units/min(64, words)
// characters are heavy, and their masks take at most 8 bytes a unit (and
// at most units*words/8 bytes). A light step reads at most as many positions
// as a dense step reads words, and at most heavyOccurrences.
const heavyOccurrences = 64

// shiftAnd is a bit-parallel automaton for one chunk with '?'. Bit j of the
// state is set when the last j+1 characters read match the chunk's first j+1
// units; a unit is '?' (any one character) or a literal character.
//
// Reading a character c computes state' = (state<<1 | 1) & accept(c), where
// accept(c) has the bits of the '?' units and of the units that are c. The
// '?' bits are one dense mask (any). A character that occurs often in the
// chunk (a heavy one) has its accept mask precomputed; every other one is
// applied from its list of positions, so memory stays linear in the chunk
// whatever its alphabet (a chunk of 6,000 distinct characters used to take
// 6,000 masks of 94 words each: 4.5 MB).
//
// Time: a step touches only the words up to the highest set bit of the
// state (the longest partial match so far), plus the positions of a light
// character: at most words + heavyOccurrences operations, and usually a
// handful, because a long partial match needs the request to repeat the
// chunk.
type shiftAnd struct {
	units int
	words int
	text  string
	// any holds the bits of the '?' units: what a character that appears
	// nowhere else in the chunk is accepted by.
	any []uint64
	// ascii maps an ASCII byte to its entry in chars (-1: only the '?'
	// units accept it); other maps the non-ASCII characters, sorted by
	// character, for binary search.
	ascii [utf8.RuneSelf]int16
	other []runeChar
	chars []charUnits
	pos   []int32    // unit positions of the light characters, grouped by character
	masks [][]uint64 // accept masks of the heavy characters ('?' bits included)
	// unit holds each unit's character (unitAny for '?'), for the steps
	// of a state with few bits.
	unit []rune
}

// indexFirst returns the offset in s of the first character at or after
// from that the chunk's first unit accepts, or -1. The offset is a
// character boundary: a literal is valid UTF-8, and its encoding cannot
// start inside another character. f caches the searches of a folded
// letter (see foldFinder).
func (sa *shiftAnd) indexFirst(s string, from int, fold bool, f *foldFinder) int {
	r := sa.unit[0]
	var k int
	switch {
	case r == unitAny:
		if from >= len(s) {
			return -1
		}
		return from
	case fold && r >= 'a' && r <= 'z':
		return f.next(s, from)
	case r < utf8.RuneSelf:
		k = strings.IndexByte(s[from:], byte(r))
	default:
		k = strings.IndexRune(s[from:], r)
	}
	if k < 0 {
		return -1
	}
	return from + k
}

// foldFinder finds, left to right, the bytes of one string that fold to
// the lower-case letter b. Searching for both cases from every position
// would reread the string up to the next byte of the rarer case each time
// (quadratic on a string with many of one case and none of the other), so
// it remembers where the next byte of each case is: each case's searches
// read disjoint stretches of the string, linear in all.
type foldFinder struct {
	b      byte
	lo, up int // next position of each case at or after the last search; -1: none left; -2: not searched
}

func newFoldFinder(b byte) foldFinder {
	if b < 'a' || b > 'z' {
		return foldFinder{b: b, lo: -2, up: -1} // no other case
	}
	return foldFinder{b: b, lo: -2, up: -2}
}

// next returns the first position at or after from whose byte folds to b,
// or -1. Successive calls must not decrease from.
func (f *foldFinder) next(s string, from int) int {
	f.lo = nextByte(s, from, f.b, f.lo)
	f.up = nextByte(s, from, f.b-('a'-'A'), f.up)
	if f.lo < 0 || f.up >= 0 && f.up < f.lo {
		return f.up
	}
	return f.lo
}

// nextByte returns the first position at or after from holding c, given
// the answer of the previous search (cached: -1 none, -2 none yet).
func nextByte(s string, from int, c byte, cached int) int {
	if cached == -1 || cached >= from {
		return cached
	}
	if from >= len(s) {
		return -1
	}
	k := strings.IndexByte(s[from:], c)
	if k < 0 {
		return -1
	}
	return from + k
}

// unitAny stands for a '?' unit in shiftAnd.unit. An invalid byte of the
// string is read as -1, which no literal unit equals.
const unitAny rune = -2

type runeChar struct {
	r    rune
	char int32 // index into chars
}

// charUnits says where the units of one literal character are: a dense
// mask (mask >= 0, an index into masks) or pos[lo:hi].
type charUnits struct {
	mask   int32
	lo, hi int32
}

func newShiftAnd(c string) *shiftAnd {
	units := utf8.RuneCountInString(c)
	sa := &shiftAnd{units: units, words: (units + 63) / 64, text: c}
	if sa.words > maxShiftAndWords {
		return nil
	}
	sa.any = make([]uint64, sa.words)
	sa.unit = make([]rune, 0, units)
	for i := range sa.ascii {
		sa.ascii[i] = -1
	}
	// Count each character's units: ASCII first, so that the ascii table's
	// entries fit an int16, then the others in character order.
	var asciiCount [utf8.RuneSelf]int32
	var others []rune
	j := 0
	for _, r := range c {
		if r == '?' {
			sa.unit = append(sa.unit, unitAny)
		} else {
			sa.unit = append(sa.unit, r)
		}
		switch {
		case r == '?':
			sa.any[j/64] |= 1 << (j % 64)
		case r < utf8.RuneSelf:
			asciiCount[r]++
		default:
			others = append(others, r)
		}
		j++
	}
	slices.Sort(others)
	counts := make([]int32, 0, 16)
	for r, n := range asciiCount {
		if n > 0 {
			sa.ascii[r] = int16(len(counts))
			counts = append(counts, n)
		}
	}
	for k := 0; k < len(others); {
		e := k + 1
		for e < len(others) && others[e] == others[k] {
			e++
		}
		sa.other = append(sa.other, runeChar{r: others[k], char: int32(len(counts))})
		counts = append(counts, int32(e-k))
		k = e
	}
	// Lay out the position lists and the heavy masks.
	sa.chars = make([]charUnits, len(counts))
	light := 0
	heavy := int32(min(heavyOccurrences, sa.words))
	for i, n := range counts {
		if n > heavy {
			m := make([]uint64, sa.words)
			copy(m, sa.any)
			sa.chars[i] = charUnits{mask: int32(len(sa.masks))}
			sa.masks = append(sa.masks, m)
			continue
		}
		sa.chars[i] = charUnits{mask: -1, lo: int32(light), hi: int32(light)}
		light += int(n)
	}
	sa.pos = make([]int32, light)
	j = 0
	for _, r := range c {
		if r != '?' {
			ch := &sa.chars[sa.charOf(r)]
			if ch.mask >= 0 {
				sa.masks[ch.mask][j/64] |= 1 << (j % 64)
			} else {
				sa.pos[ch.hi] = int32(j)
				ch.hi++
			}
		}
		j++
	}
	return sa
}

// charOf returns the entry in chars of the literal character r, or -1 when
// r is no literal unit of the chunk.
func (sa *shiftAnd) charOf(r rune) int {
	if r < 0 {
		return -1
	}
	if r < utf8.RuneSelf {
		return int(sa.ascii[r])
	}
	i, found := slices.BinarySearchFunc(sa.other, r, func(m runeChar, r rune) int { return int(m.r - r) })
	if !found {
		return -1
	}
	return int(sa.other[i].char)
}

// maxSparse is the most set state bits findEnd keeps as a list of bits
// instead of a bitmap. For a chunk of few words the list pays off only
// while it is shorter than twice the words (sparseLimit).
const maxSparse = 64

// sparseLimit returns how many set bits the list form holds for this
// chunk: a step costs about one operation per listed bit in that form and
// one per word in the bitmap form.
func (sa *shiftAnd) sparseLimit() int { return min(maxSparse, 2*sa.words) }

// findEnd returns the offset just after the leftmost match in s, or -1.
// With fold set, ASCII letters of s are folded (the chunk is folded
// already).
//
// While no partial match is alive, findEnd jumps to the next character
// the first unit accepts with a substring search. The state is kept in one
// of two forms. While at most sparseLimit bits are set (few partial matches, the usual case even for a request built to
// repeat the chunk), it is a list of those bits and a step costs one unit
// comparison per bit. Otherwise it is a bitmap over the words that can be
// non-zero, and a step costs one operation per such word plus the
// positions of a light character; a step that changes nothing (a run of
// one character that has reached a fixed point) is skipped for every
// further repetition of that character.
//
// work counts the unit comparisons and word operations (tests assert
// bounds on it): at most words + heavyOccurrences + 1 a character.
func (sa *shiftAnd) findEnd(s string, fold bool) (end, work int) {
	var state [maxShiftAndWords]uint64
	var hits [heavyOccurrences]int32
	var bufA, bufB [maxSparse + 1]int32
	limit := sa.sparseLimit()
	ff := newFoldFinder(byte(max(sa.unit[0], 0)))
	list, next := bufA[:], bufB[:]
	d := state[:sa.words]
	nl := 0          // sparse form: the set bits are list[:nl]
	dense := false   // the bitmap form is in use
	top := 0         // bitmap form: d[top:] is zero
	still := false   // bitmap form: the last step changed nothing
	prev := rune(-3) // the character of the last step
	steps := 0       // bitmap steps taken
	last := int32(sa.units - 1)
	lastWord, lastBit := last/64, uint64(1)<<(last%64)
	for i := 0; i < len(s); {
		if !dense && nl == 0 {
			// No partial match is alive: jump to the next character the
			// first unit accepts (a substring search), or give up.
			k := sa.indexFirst(s, i, fold, &ff)
			if k < 0 {
				return -1, work
			}
			i = k
		}
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				r = -1 // an invalid byte: a character only '?' accepts
			}
		} else if fold {
			r = rune(lower(byte(r)))
		}
		i += size
		if !dense {
			// Bit j+1 follows bit j (or starts a match at 0) when unit
			// j+1 accepts r.
			nn := 0
			work += nl + 1
			if u := sa.unit[0]; u == r || u == unitAny {
				next[0] = 0
				nn = 1
			}
			for _, q := range list[:nl] {
				if q == last {
					continue
				}
				if u := sa.unit[q+1]; u == r || u == unitAny {
					next[nn] = q + 1
					nn++
				}
			}
			list, next, nl = next, list, nn
			if nl > 0 && list[nl-1] == last {
				return i, work
			}
			if nl <= limit {
				continue
			}
			// Too many partial matches: switch to the bitmap.
			dense, still, prev = true, false, -3
			top = 0
			for _, q := range list[:nl] {
				d[q>>6] |= 1 << (q & 63)
				top = max(top, int(q>>6)+1)
			}
			continue
		}
		if still && r == prev {
			continue // the same step again: the state stays as it is
		}
		// The mask to apply densely, and the light positions to add.
		m, nh := sa.any, 0
		if k := sa.charOf(r); k >= 0 {
			ch := &sa.chars[k]
			if ch.mask >= 0 {
				m = sa.masks[ch.mask]
			} else {
				// Unit q accepts r; it continues a partial match when
				// unit q-1 was reached by the previous character (or
				// starts one at q = 0). Read the old state first.
				work += int(ch.hi - ch.lo)
				for _, q := range sa.pos[ch.lo:ch.hi] {
					if q == 0 || d[(q-1)>>6]&(1<<((q-1)&63)) != 0 {
						hits[nh] = q
						nh++
					}
				}
			}
		}
		// state = (state<<1 | 1) & m over the words that can be non-zero.
		// Changes are tracked only for a repeated character (what a skip
		// needs), and the bits counted every 16th step (what a return to
		// the list form needs), to keep the loop lean for requests that
		// change character at every step.
		n := min(top+1, len(d))
		work += n
		track := r == prev
		var changed uint64
		// Bottom up with the carry in a register: one load of the state and
		// one of the mask a word, bounds checks hoisted.
		dn, mn := d[:n], m[:n]
		carry := uint64(1)
		if track {
			for w, old := range dn {
				x := (old<<1 | carry) & mn[w]
				carry = old >> 63
				changed |= old ^ x
				dn[w] = x
			}
		} else {
			for w, old := range dn {
				dn[w] = (old<<1 | carry) & mn[w]
				carry = old >> 63
			}
		}
		top = n
		for _, q := range hits[:nh] {
			w, b := q>>6, uint64(1)<<(q&63)
			changed |= ^d[w] & b
			d[w] |= b
			top = max(top, int(w)+1)
		}
		for top > 0 && d[top-1] == 0 {
			top--
		}
		if d[lastWord]&lastBit != 0 {
			return i, work
		}
		still, prev = track && changed == 0, r
		if steps++; steps%16 != 0 {
			continue
		}
		ones := 0
		work += top
		for _, x := range d[:top] {
			ones += bits.OnesCount64(x)
		}
		// Back to the list form when few bits are left.
		if ones <= limit/2 {
			nl = 0
			for w, x := range d[:top] {
				for x != 0 {
					list[nl] = int32(w*64 + bits.TrailingZeros64(x))
					nl++
					x &= x - 1
				}
				d[w] = 0
			}
			dense = false
		}
	}
	return -1, work
}

// slowFind tries the chunk c at every character boundary of s. It is used
// for chunks with '?' shorter than minShiftAndUnits, where it costs at most
// 16 comparisons a character, and for chunks longer than the shift-and
// automaton handles (only possible with raised parser limits), where it
// costs the product of the lengths.
func slowFind(c, s string, fold bool) int {
	for i := 0; i < len(s); {
		if n, ok := chunk(c, s[i:], fold); ok {
			return i + n
		}
		if s[i] < utf8.RuneSelf {
			i++
		} else {
			_, sz := utf8.DecodeRuneInString(s[i:])
			i += sz
		}
	}
	return -1
}

// longestRun returns the longest run of literal characters in the chunk c
// (the first of equal length) and the number of characters before it, or
// "" when c is all '?'.
func longestRun(c string) (run string, at int) {
	chars := 0
	for rest := c; rest != ""; {
		q := strings.IndexByte(rest, '?')
		if q < 0 {
			q = len(rest)
		}
		if q > len(run) {
			run, at = rest[:q], chars
		}
		chars += utf8.RuneCountInString(rest[:q])
		for q < len(rest) && rest[q] == '?' {
			q++
			chars++
		}
		rest = rest[q:]
	}
	return run, at
}

// anchoredFind is slowFind for a short chunk c whose longest literal run
// is anchor, at characters before it in c: it looks for the anchor with a
// substring search (two byte searches for a folded anchor that starts
// with a letter) and tries c only where it would put the anchor on that
// occurrence. Stepping back from the occurrence character by character
// lands on the boundaries reading forward gives: UTF-8 decoding backward
// and forward agree, invalid bytes included, and the anchor, valid UTF-8,
// only occurs at a character boundary. The cost is the substring search,
// plus, per occurrence, at most len(c) comparisons.
func anchoredFind(c, anchor string, at int, s string, fold bool) int {
	folded := fold && hasLetter(anchor)
	ff := newFoldFinder(anchor[0])
	for from := 0; from < len(s); {
		var q int
		if folded {
			q = ff.next(s, from)
		} else if q = strings.Index(s[from:], anchor); q >= 0 {
			q += from
		}
		if q < 0 {
			return -1
		}
		from = q + 1
		start := backSteps(s[:q], at)
		if start < 0 {
			continue // fewer than at characters before the occurrence
		}
		if n, ok := chunk(c, s[start:], fold); ok {
			return start + n
		}
	}
	return -1
}

// backSteps returns the byte offset in s of the start of its last n
// characters, or -1 when s has fewer.
func backSteps(s string, n int) int {
	i := len(s)
	for ; n > 0; n-- {
		if i == 0 {
			return -1
		}
		if s[i-1] < utf8.RuneSelf {
			i--
			continue
		}
		_, sz := utf8.DecodeLastRuneInString(s[:i])
		i -= sz
	}
	return i
}

// hasLetter reports whether s has an ASCII letter.
func hasLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := lower(s[i]); c >= 'a' && c <= 'z' {
			return true
		}
	}
	return false
}
