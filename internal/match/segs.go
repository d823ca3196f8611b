package match

import (
	"strings"
	"unicode/utf8"
)

// segChunk searches a '?' chunk made of few literal segments (the runs of
// characters between its '?' units), however long those segments are.
//
// The chunk matches at character position p when every segment t occurs
// in the string at p + off[t]. One pass over the string runs a
// Knuth-Morris-Pratt automaton per distinct segment (over characters, so
// that '?' units and invalid bytes count as one character each) and
// records where each occurrence starts in a ring of bits covering the
// last units positions. When the chunk's last segment ends at position i,
// the only candidate it completes is p = i - lastEnd, and p is tested
// with one bit per other segment. So a character costs one automaton step
// per distinct segment (amortised: each step falls back at most as far as
// it advanced) and one bit write, and a completed candidate at most one
// bit test per segment: O(n · segments) for n characters, whatever the
// length of the segments or the period of the string. That is what the
// shift-and automaton cannot promise: a chunk such as (ab)^3000 followed
// by "?c" keeps thousands of partial matches alive on a string (ab)^*,
// and shift-and pays 94 words a character for them.
type segChunk struct {
	units   int    // characters in the chunk, '?' included
	lastEnd int    // offset of the chunk's last literal character
	runes   []rune // the distinct segments' characters, concatenated
	fail    []int32
	segs    []segSpan // distinct segments: runes[lo:hi], fail[lo:hi]
	uses    []segUse  // every segment but the last, in chunk order
	final   int32     // distinct index of the last segment
	finOff  int32     // offset of the last segment in the chunk
	ring    int       // ring size in bits: a power of two >= units+64
}

type segSpan struct{ lo, hi int32 }

// segUse is one segment of the chunk: distinct segment seg at character
// offset off.
type segUse struct{ seg, off int32 }

// maxSegUses bounds the segments (with repetitions) a segChunk handles: a
// completed candidate is tested with one bit per segment, so the bound is
// the most work one position can cost on top of the automaton steps.
const maxSegUses = 8

// maxSegRingWords bounds the ring of each distinct segment (64 positions a
// word), so that the rings live on the stack: chunks up to 8,192
// characters.
const maxSegRingWords = 128

// newSegChunk returns the segment search for the folded chunk c, or nil
// when c has more than maxSegUses segments, no literal character, or more
// than maxSegRingWords*64 characters.
func newSegChunk(c string) *segChunk {
	units := utf8.RuneCountInString(c)
	// The ring holds 64 positions more than the chunk: a word is cleared
	// when the newest occurrence enters it, and what it held then must be
	// older than any candidate still to be tested.
	ring := 64
	for ring < units+64 {
		ring *= 2
	}
	if ring/64 > maxSegRingWords || strings.Count(c, "?") == len(c) {
		return nil
	}
	type piece struct {
		text string
		off  int
	}
	var pieces []piece
	off := 0
	for rest := c; rest != ""; {
		q := strings.IndexByte(rest, '?')
		if q < 0 {
			q = len(rest)
		}
		if q > 0 {
			pieces = append(pieces, piece{rest[:q], off})
			off += utf8.RuneCountInString(rest[:q])
		}
		for q < len(rest) && rest[q] == '?' {
			q++
			off++
		}
		rest = rest[q:]
		if len(pieces) > maxSegUses {
			return nil
		}
	}
	sc := &segChunk{units: units, ring: ring}
	index := map[string]int32{}
	for i, pc := range pieces {
		d, ok := index[pc.text]
		if !ok {
			d = int32(len(sc.segs))
			index[pc.text] = d
			lo := int32(len(sc.runes))
			for _, r := range pc.text {
				sc.runes = append(sc.runes, r)
			}
			sc.segs = append(sc.segs, segSpan{lo, int32(len(sc.runes))})
			sc.fail = append(sc.fail, runeFailure(sc.runes[lo:])...)
		}
		if i == len(pieces)-1 {
			sc.final, sc.finOff = d, int32(pc.off)
			sc.lastEnd = pc.off + utf8.RuneCountInString(pc.text) - 1
			continue
		}
		sc.uses = append(sc.uses, segUse{seg: d, off: int32(pc.off)})
	}
	return sc
}

// runeFailure is kmpTable over characters.
func runeFailure(c []rune) []int32 {
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

// findEnd returns the offset just after the leftmost match of the chunk
// in s, or -1, and the work done: one unit per automaton comparison, ring
// write and candidate bit test (tests assert bounds on it).
func (sc *segChunk) findEnd(s string, fold bool) (end, work int) {
	var rings [maxSegUses][maxSegRingWords]uint64
	var state [maxSegUses]int32
	if len(s) < sc.units {
		return -1, 0 // fewer bytes than the chunk has characters
	}
	mask := sc.ring - 1
	segs := sc.segs
	pos := 0 // characters read
	for i := 0; i < len(s); pos++ {
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
		done := false
		for d, sp := range segs {
			seg, fail := sc.runes[sp.lo:sp.hi], sc.fail[sp.lo:sp.hi]
			k := state[d]
			for k > 0 && seg[k] != r {
				k = fail[k-1]
				work++
			}
			work++
			if seg[k] == r {
				k++
			}
			// The occurrence that would start here, at pos-len+1: clear its
			// word when a new one begins, then set its bit if it occurred.
			x := pos - len(seg) + 1
			if x >= 0 && x&63 == 0 {
				rings[d][(x&mask)>>6] = 0
			}
			if int(k) == len(seg) {
				rings[d][(x&mask)>>6] |= 1 << (x & 63)
				k = fail[k-1]
				if int32(d) == sc.final {
					done = true
				}
			}
			state[d] = k
		}
		if !done {
			continue
		}
		// The last segment ends here: test the one candidate it completes.
		p := pos - sc.lastEnd
		if p < 0 {
			continue
		}
		ok := true
		for _, u := range sc.uses {
			work++
			x := p + int(u.off)
			if rings[u.seg][(x&mask)>>6]&(1<<(x&63)) == 0 {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		// The chunk's trailing '?' units need characters after pos.
		for n := sc.units - 1 - sc.lastEnd; n > 0; n-- {
			if i >= len(s) {
				return -1, work
			}
			if s[i] < utf8.RuneSelf {
				i++
			} else {
				_, sz := utf8.DecodeRuneInString(s[i:])
				i += sz
			}
		}
		return i, work
	}
	return -1, work
}
