package match

import (
	"encoding/binary"
	"strings"
	"unicode/utf8"

	"github.com/ramauthz/ramauthz/internal/strhash"
)

// layout is where the parts of a pattern lie: pattern[:lit] is the literal
// prefix, pattern[lit:head] the head (up to the first star),
// pattern[tail:] the tail (after the last star, when star), and the text
// between the first and the last star holds mids non-empty chunks. Folding
// moves nothing, so the layout of a pattern is that of its folded form.
type layout struct {
	lit, head, tail int
	mids            int
	tailN           int  // characters in the tail, when tailQ
	star, tailQ     bool //
	upper           bool // the pattern has an ASCII upper-case letter
	ascii           bool // every byte of the pattern is ASCII
}

// The word-at-a-time helpers below treat a uint64 as eight bytes of text
// read little-endian (strhash.Load64), byte k of the text in bits 8k to
// 8k+7. None of them lets a carry or borrow cross from one byte into the
// next, so each byte's answer is exact, whatever its neighbours. The ones
// named ASCII take a word whose eight bytes are all below 0x80 (the common
// case, tested with x&high == 0) and are shorter.

const (
	ones = 0x0101010101010101 // 1 in every byte
	high = 0x80 * ones        // bit 7 of every byte
	low7 = 0x7f * ones        // bits 0 to 6 of every byte
)

// upper64 has bit 7 set in each byte of x that is an ASCII upper-case
// letter, and no other bit.
func upper64(x uint64) uint64 {
	return upperASCII(x&low7) &^ x // below 0x80 each, then not the bytes that were not
}

// upperASCII is upper64 for an ASCII word.
func upperASCII(x uint64) uint64 {
	return (x + (0x80-'A')*ones) &^ (x + (0x80-'Z'-1)*ones) & high // bit 7 where x >= 'A', and not where x > 'Z'
}

// of sets l to where the parts of pattern lie and what bytes it has. (It
// fills l in place: returning the struct cost as much as reading a short
// pattern.)
func (l *layout) of(pattern string) {
	l.wildcards(pattern)
	l.upper, l.ascii = foldWords(nil, nil, pattern)
}

// wildcards sets where the parts of pattern lie (every field of l but
// upper and ascii, which it clears). It finds the wildcards with
// strings.IndexByte, which reads many bytes an instruction: most patterns
// have one star, at the end, and no '?', and cost two searches, the second
// only up to the star.
func (l *layout) wildcards(pattern string) {
	n := len(pattern)
	*l = layout{lit: n, head: n, tail: n}
	star := strings.IndexByte(pattern, '*')
	if star < 0 {
		if q := strings.IndexByte(pattern, '?'); q >= 0 {
			l.lit = q
		}
		return
	}
	// A '?' matters here only before the first star (the literal prefix
	// ends there) and after the last (the tail): between them it belongs
	// to a chunk, which Table.Add and Compile look at on their own.
	l.star, l.head, l.lit = true, star, star
	if q := strings.IndexByte(pattern[:star], '?'); q >= 0 {
		l.lit = q
	}
	last := star
	for from := star + 1; from < n; {
		k := strings.IndexByte(pattern[from:], '*')
		if k < 0 {
			break
		}
		if k > 0 {
			l.mids++ // the chunk since the previous star is not empty
		}
		last = from + k
		from = last + 1
	}
	l.tail = last + 1
	if l.tail < n && strings.IndexByte(pattern[l.tail:], '?') >= 0 {
		l.tailQ = true
		l.tailN = utf8.RuneCountInString(pattern[l.tail:])
	}
}

// foldWords writes s folded (lower) into fold when fold is not nil (at
// least len(s) long), eight bytes at a time (the last eight again,
// overlapping, when the length is not a multiple of eight; bytes written
// twice get the same value), and, when caseMap is not nil (at least
// caseMapLen(len(s)) long), the bitmap of s's ASCII upper-case letters:
// bit k&7 of caseMap[k>>3] for byte k. It reports whether s has an ASCII
// upper-case letter and whether all its bytes are ASCII.
//
// A word's bitmap byte is its upper-case marks (bit 7 of each byte),
// moved to bit 0 of each byte and gathered into the top byte by one
// multiplication: byte j's bit lands in bit 56+j, no two products
// overlapping.
func foldWords(fold, caseMap []byte, s string) (upper, ascii bool) {
	var all, up uint64 // every byte ORed; every upper-case mark ORed
	n := len(s)
	if n < 8 {
		var m byte
		for i := 0; i < n; i++ {
			c := s[i]
			all |= uint64(c)
			if c >= 'A' && c <= 'Z' {
				up, c = 1, c+('a'-'A')
				m |= 1 << i
			}
			if fold != nil {
				fold[i] = c
			}
		}
		if caseMap != nil && n > 0 {
			caseMap[0] = m
		}
		return up != 0, all&high == 0
	}
	// Whole words, then, when the length is not a multiple of eight, the
	// last eight bytes again: word folds one and returns its upper-case
	// marks.
	word := func(i int) uint64 {
		x := strhash.Load64(s[i:])
		all |= x
		var u uint64
		if x&high == 0 {
			u = upperASCII(x)
		} else {
			u = upper64(x)
		}
		up |= u
		if fold != nil {
			binary.LittleEndian.PutUint64(fold[i:], x|u>>2)
		}
		return u
	}
	i := 0
	for ; i <= n-8; i += 8 {
		u := word(i)
		if caseMap != nil {
			caseMap[i>>3] = byte((u >> 7) * 0x0102040810204080 >> 56)
		}
	}
	if i < n {
		u := word(n - 8)
		if caseMap != nil {
			// Bytes n-8 to n-1: the ones from i on, the top n-i bits,
			// are new.
			caseMap[i>>3] = byte((u>>7)*0x0102040810204080>>56) >> (8 - uint(n-i))
		}
	}
	return up != 0, all&high == 0
}

// caseMapLen is the bytes of the case bitmap of an n-byte pattern: one bit
// a byte.
func caseMapLen(n int) int { return (n + 7) / 8 }

// isASCII reports whether every byte of s is below 0x80, reading eight
// bytes at a time (the last eight again when the length is not a multiple
// of eight), as a first check of a pattern's UTF-8: most patterns are
// ASCII, and utf8.ValidString costs several times more.
func isASCII(s string) bool {
	var all uint64
	n := len(s)
	if n < 8 {
		for i := 0; i < n; i++ {
			all |= uint64(s[i])
		}
		return all&high == 0
	}
	last := strhash.Load64(s[n-8:])
	for len(s) >= 8 {
		all |= strhash.Load64(s)
		s = s[8:]
	}
	return (all|last)&high == 0
}
