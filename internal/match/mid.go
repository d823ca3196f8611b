package match

import (
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
//   - a chunk with '?': a bit-parallel (shift-and) automaton over
//     characters, costing one step per character and per 64 characters of
//     the chunk.
type mid struct {
	text string
	kmp  []int32   // failure table, for folded literals
	qs   *shiftAnd // for chunks with '?'
	slow bool      // a '?' chunk too long for shiftAnd
}

func newMid(c string, fold bool) mid {
	m := mid{text: c}
	switch {
	case strings.IndexByte(c, '?') >= 0:
		m.qs = newShiftAnd(c)
		m.slow = m.qs == nil
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
	case m.qs != nil:
		return m.qs.findEnd(s, fold)
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
func kmpTable(c string) []int32 {
	t := make([]int32, len(c))
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
	return t
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

// shiftAnd is a bit-parallel automaton for one chunk with '?'. Bit j of the
// state is set when the last j+1 characters read match the chunk's first j+1
// units; a unit is '?' (any one character) or a literal character.
type shiftAnd struct {
	units int
	words int
	text  string
	// any holds the bits of the '?' units: the mask of a character that
	// appears nowhere else in the chunk.
	any []uint64
	// ascii maps an ASCII byte to its mask in masks (-1: only the '?' units
	// accept it); other holds the masks of non-ASCII characters, sorted by
	// character, for binary search.
	ascii [utf8.RuneSelf]int16
	other []runeMask
	masks [][]uint64
}

type runeMask struct {
	r    rune
	mask int
}

func newShiftAnd(c string) *shiftAnd {
	units := utf8.RuneCountInString(c)
	sa := &shiftAnd{units: units, words: (units + 63) / 64, text: c}
	if sa.words > maxShiftAndWords {
		return nil
	}
	sa.any = make([]uint64, sa.words)
	for i := range sa.ascii {
		sa.ascii[i] = -1
	}
	maskOf := func(r rune) []uint64 {
		if r < utf8.RuneSelf {
			if k := sa.ascii[r]; k >= 0 {
				return sa.masks[k]
			}
			sa.ascii[r] = int16(len(sa.masks))
		} else {
			i, found := slices.BinarySearchFunc(sa.other, r, func(m runeMask, r rune) int { return int(m.r - r) })
			if found {
				return sa.masks[sa.other[i].mask]
			}
			sa.other = slices.Insert(sa.other, i, runeMask{r: r, mask: len(sa.masks)})
		}
		sa.masks = append(sa.masks, make([]uint64, sa.words))
		return sa.masks[len(sa.masks)-1]
	}
	j := 0
	for _, r := range c {
		if r == '?' {
			sa.any[j/64] |= 1 << (j % 64)
		} else {
			maskOf(r)[j/64] |= 1 << (j % 64)
		}
		j++
	}
	// Every character is accepted by the '?' units too.
	for _, m := range sa.masks {
		for w := range m {
			m[w] |= sa.any[w]
		}
	}
	return sa
}

// mask returns the mask of the character r read as size bytes. A byte that
// is not valid UTF-8 (RuneError of size 1) is a character of its own that
// only '?' accepts.
func (sa *shiftAnd) mask(r rune, size int) []uint64 {
	if r < utf8.RuneSelf {
		if k := sa.ascii[r]; k >= 0 {
			return sa.masks[k]
		}
		return sa.any
	}
	if r == utf8.RuneError && size == 1 {
		return sa.any
	}
	i, found := slices.BinarySearchFunc(sa.other, r, func(m runeMask, r rune) int { return int(m.r - r) })
	if found {
		return sa.masks[sa.other[i].mask]
	}
	return sa.any
}

// findEnd returns the offset just after the leftmost match in s, or -1.
// With fold set, ASCII letters of s are folded (the chunk is folded
// already).
func (sa *shiftAnd) findEnd(s string, fold bool) int {
	var state [maxShiftAndWords]uint64
	d := state[:sa.words]
	last := sa.units - 1
	lastWord, lastBit := last/64, uint64(1)<<(last%64)
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		} else if fold {
			r = rune(lower(byte(r)))
		}
		m := sa.mask(r, size)
		carry := uint64(1) // a match may start at this character
		for w := range d {
			next := d[w]<<1 | carry
			carry = d[w] >> 63
			d[w] = next & m[w]
		}
		i += size
		if d[lastWord]&lastBit != 0 {
			return i
		}
	}
	return -1
}

// slowFind tries the chunk c at every character boundary of s. It is used
// only for chunks with '?' longer than the shift-and automaton handles.
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
