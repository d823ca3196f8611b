package match

import (
	"strings"
	"unicode/utf8"
)

// segChunk searches a '?' chunk whose literal segments (the runs of
// characters between its '?' units) fall into few groups, however long
// the segments and however many '?' there are.
//
// The chunk matches at character position p when every segment occurs in
// the string at p plus its offset in the chunk. One pass over the string
// runs a Knuth-Morris-Pratt automaton per distinct segment (over
// characters, so that '?' units and invalid bytes count as one character
// each) and records in a ring of bits where each occurrence starts. When
// the chunk's last segment ends at position i, the only candidate it
// completes is p = i - lastEnd, and p is tested once per group of the
// other segments. A group is one segment at offsets in arithmetic
// progression (off, off+stride, ...: the repeated segment of (ab?)^2000c
// is one group); for each distinct (segment, stride) of a group of more
// than one, a ring of counters holds how many occurrences end a run at
// that stride, so a group costs one test whatever its length.
//
// So a character costs one automaton step per distinct segment
// (amortised: each step falls back at most as far as it advanced), a bit
// write per distinct segment and a counter write per run ring, and a
// completed candidate at most one test per group: O(n · (segments +
// groups)) for n characters, whatever the period of the string. That is
// what shift-and cannot promise: a chunk such as (ab)^3000 followed by
// "?c" keeps thousands of partial matches alive on a string (ab)^*, and
// shift-and paid 94 words a character for them.
type segChunk struct {
	units   int    // characters in the chunk, '?' included
	lastEnd int    // offset of the chunk's last literal character
	runes   []rune // the distinct segments' characters, concatenated
	fail    []int32
	segs    []segSpan  // distinct segments: runes[lo:hi], fail[lo:hi]
	groups  []segGroup // the segments before the last, grouped
	runs    []segRun   // the run rings
	final   int32      // distinct index of the last segment
	ring    int        // ring size in positions: a power of two >= units+64
}

type segSpan struct{ lo, hi int32 }

// segGroup is count occurrences of distinct segment seg at offsets off,
// off+stride, ...; run is the run ring of (seg, stride) when count > 1.
type segGroup struct{ seg, off, stride, count, run int32 }

// segRun is a ring of counters for segment seg: entry x is the number of
// consecutive occurrences at x, x-stride, x-2*stride, ...
type segRun struct{ seg, stride int32 }

// maxSegGroups bounds the groups a segChunk tests per candidate, and
// maxSegDistinct the distinct segments (one automaton step each per
// character): together they bound the work per character.
const (
	maxSegGroups   = 8
	maxSegDistinct = 8
	maxSegRuns     = 2
)

// maxSegRingWords bounds the ring of each distinct segment (64 positions a
// word), so that the rings live on the stack: chunks up to 8,128
// characters.
const maxSegRingWords = 128

// newSegChunk returns the segment search for the folded chunk c, or nil
// when c has no literal character, more than 8,128 characters, or its
// segments need more than maxSegGroups groups, maxSegDistinct automata or
// maxSegRuns run rings.
func newSegChunk(c string) *segChunk {
	units := utf8.RuneCountInString(c)
	// The ring holds 64 positions more than the chunk (each position is
	// rewritten one turn later, before any candidate could read it).
	ring := 64
	for ring < units+64 {
		ring *= 2
	}
	if ring/64 > maxSegRingWords || strings.Count(c, "?") == len(c) {
		return nil
	}
	type piece struct {
		seg int32
		off int
	}
	sc := &segChunk{units: units, ring: ring}
	index := map[string]int32{}
	var pieces []piece
	off := 0
	for rest := c; rest != ""; {
		q := strings.IndexByte(rest, '?')
		if q < 0 {
			q = len(rest)
		}
		if q > 0 {
			text := rest[:q]
			d, ok := index[text]
			if !ok {
				if len(sc.segs) == maxSegDistinct {
					return nil
				}
				d = int32(len(sc.segs))
				index[text] = d
				lo := int32(len(sc.runes))
				for _, r := range text {
					sc.runes = append(sc.runes, r)
				}
				sc.segs = append(sc.segs, segSpan{lo, int32(len(sc.runes))})
				sc.fail = append(sc.fail, runeFailure(sc.runes[lo:])...)
			}
			pieces = append(pieces, piece{d, off})
			off += utf8.RuneCountInString(text)
		}
		for q < len(rest) && rest[q] == '?' {
			q++
			off++
		}
		rest = rest[q:]
	}
	last := pieces[len(pieces)-1]
	sp := sc.segs[last.seg]
	sc.final, sc.lastEnd = last.seg, last.off+int(sp.hi-sp.lo)-1
	// Group the other pieces of each segment into arithmetic progressions
	// of offsets, greedily in chunk order.
	for d := range sc.segs {
		var offs []int
		for _, pc := range pieces[:len(pieces)-1] {
			if pc.seg == int32(d) {
				offs = append(offs, pc.off)
			}
		}
		for k := 0; k < len(offs); {
			g := segGroup{seg: int32(d), off: int32(offs[k]), count: 1, run: -1}
			if k+1 < len(offs) {
				g.stride = int32(offs[k+1] - offs[k])
				for k+int(g.count) < len(offs) && offs[k+int(g.count)]-offs[k+int(g.count)-1] == int(g.stride) {
					g.count++
				}
			}
			if g.count > 1 {
				g.run = -1
				for i, r := range sc.runs {
					if r == (segRun{g.seg, g.stride}) {
						g.run = int32(i)
					}
				}
				if g.run < 0 {
					if len(sc.runs) == maxSegRuns {
						return nil
					}
					g.run = int32(len(sc.runs))
					sc.runs = append(sc.runs, segRun{g.seg, g.stride})
				}
			}
			sc.groups = append(sc.groups, g)
			if len(sc.groups) > maxSegGroups {
				return nil
			}
			k += int(g.count)
		}
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
// write and candidate test (tests assert bounds on it).
func (sc *segChunk) findEnd(s string, fold bool) (end, work int) {
	if len(s) < sc.units {
		return -1, 0 // fewer bytes than the chunk has characters
	}
	if len(sc.runs) == 0 {
		return sc.scan(s, fold, nil)
	}
	var runs [maxSegRuns][maxSegRingWords * 64]uint16
	return sc.scan(s, fold, &runs)
}

// scan is findEnd with the run rings (nil when the chunk has none: they
// take 32 KB of stack to clear).
func (sc *segChunk) scan(s string, fold bool, runs *[maxSegRuns][maxSegRingWords * 64]uint16) (end, work int) {
	var rings [maxSegDistinct][maxSegRingWords]uint64
	var all [maxSegDistinct]segState
	var firsts [maxSegDistinct]firstFinder
	act := all[:len(sc.segs)]
	for d, sp := range sc.segs {
		act[d] = segState{seg: sc.runes[sp.lo:sp.hi], fail: sc.fail[sp.lo:sp.hi]}
		firsts[d] = newFirstFinder(sc.runes[sp.lo], fold)
	}
	fin := &act[sc.final]
	mask := sc.ring - 1
	live := 0        // automata with a partial occurrence
	pos := 0         // characters read
	prev := rune(-3) // the previous character
	for i := 0; i < len(s); pos++ {
		if live == 0 {
			// No occurrence is under way: none can start before the next
			// first character of a segment. Jump there when it is far,
			// counting the characters passed and clearing what the rings
			// would have recorded for them (no occurrence).
			to := -1
			for d := range act {
				if k := firsts[d].next(s, i); k >= 0 && (to < 0 || k < to) {
					to = k
				}
			}
			if to < 0 {
				return -1, work
			}
			if to-i >= minSkip {
				n := utf8.RuneCountInString(s[i:to])
				work += (to - i) / 8
				sc.clear(&rings, runs, pos, pos+n)
				pos += n
				i = to
				prev = -3
			}
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
		live = 0
		fixed := r == prev // the step repeats the previous one exactly
		for d := range act {
			a := &act[d]
			seg, k := a.seg, a.k
			for k > 0 && seg[k] != r {
				k = a.fail[k-1]
				work++
			}
			work++
			if seg[k] == r {
				k++
			}
			// Record whether an occurrence starts at pos-len+1 (clearing
			// what the ring held for the position one turn earlier).
			occ := int(k) == len(seg)
			if x := pos - len(seg) + 1; x >= 0 {
				w, b := &rings[d][(x&mask)>>6], uint64(1)<<(x&63)
				if occ {
					*w |= b
				} else {
					*w &^= b
				}
			}
			if occ {
				k = a.fail[k-1]
			}
			fixed = fixed && k == a.k && occ == a.occ
			a.k, a.occ = k, occ
			if k > 0 {
				live++
			}
		}
		prev = r
		for j, rn := range sc.runs {
			// Entry x counts the run of occurrences at stride ending at x.
			work++
			a := &act[rn.seg]
			x := pos - len(a.seg) + 1
			if x < 0 {
				continue
			}
			var n uint16
			if a.occ {
				n = 1
				if y := x - int(rn.stride); y >= 0 {
					n = min(runs[j][y&mask]+1, 1<<16-1)
				}
			}
			runs[j][x&mask] = n
		}
		if !fin.occ {
			if fixed && r >= 0 && r < utf8.RuneSelf {
				// A repeated character that left every automaton as it
				// was: the rest of its run repeats this step, so record
				// its occurrences for the whole run at once.
				j := i
				for j < len(s) && (s[j] == byte(r) || fold && lower(s[j]) == byte(r)) {
					j++
				}
				if n := j - i; n > 0 {
					work += n/64 + 1
					for d := range act {
						a := &act[d]
						l := len(a.seg)
						fillRing(&rings[d], mask, max(pos+1-l+1, 0), max(pos+n-l+2, 0), a.occ)
					}
					for j, rn := range sc.runs {
						a := &act[rn.seg]
						l := len(a.seg)
						work += n
						for x := max(pos+1-l+1, 0); x < max(pos+n-l+2, 0); x++ {
							var c uint16
							if a.occ {
								c = 1
								if y := x - int(rn.stride); y >= 0 {
									c = min(runs[j][y&mask]+1, 1<<16-1)
								}
							}
							runs[j][x&mask] = c
						}
					}
					pos += n
					i = j
				}
			}
			continue
		}
		// The last segment ends here: test the one candidate it completes.
		p := pos - sc.lastEnd
		if p < 0 {
			continue
		}
		ok := true
		for _, g := range sc.groups {
			work++
			x := p + int(g.off)
			if g.count == 1 {
				ok = rings[g.seg][(x&mask)>>6]&(1<<(x&63)) != 0
			} else {
				x += int(g.stride) * int(g.count-1)
				ok = int(runs[g.run][x&mask]) >= int(g.count)
			}
			if !ok {
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

// segState is one distinct segment's automaton during a search.
type segState struct {
	seg  []rune
	fail []int32
	k    int32 // characters of the segment matched so far
	occ  bool  // the last step completed an occurrence
}

// fillRing sets (or clears) the bits of positions lo to hi (exclusive).
func fillRing(ring *[maxSegRingWords]uint64, mask, lo, hi int, set bool) {
	if hi-lo > mask {
		var v uint64
		if set {
			v = ^v
		}
		for w := range ring[:(mask+1)/64] {
			ring[w] = v
		}
		return
	}
	for x := lo; x < hi; x++ {
		if set {
			ring[(x&mask)>>6] |= 1 << (x & 63)
		} else {
			ring[(x&mask)>>6] &^= 1 << (x & 63)
		}
	}
}

// minSkip is the shortest jump (in bytes) findEnd takes over a stretch
// where no segment can start; shorter ones are stepped through.
const minSkip = 64

// clear records "no occurrence" for the positions whose status the steps
// for characters from to to (exclusive) would have written: for a segment
// of length l, the occurrences starting at from-l+2 ... to-l+1.
func (sc *segChunk) clear(rings *[maxSegDistinct][maxSegRingWords]uint64, runs *[maxSegRuns][maxSegRingWords * 64]uint16, from, to int) {
	mask := sc.ring - 1
	for d, sp := range sc.segs {
		l := int(sp.hi - sp.lo)
		lo, hi := max(from-l+1, 0), max(to-l+1, 0)
		if hi-lo >= sc.ring {
			clear(rings[d][:sc.ring/64])
		} else {
			for x := lo; x < hi; x++ {
				rings[d][(x&mask)>>6] &^= 1 << (x & 63)
			}
		}
		for j, rn := range sc.runs {
			if int(rn.seg) != d {
				continue
			}
			if hi-lo >= sc.ring {
				clear(runs[j][:sc.ring])
				continue
			}
			for x := lo; x < hi; x++ {
				runs[j][x&mask] = 0
			}
		}
	}
}

// firstFinder finds, left to right, the next occurrence of a segment's
// first character (either case of a folded ASCII letter), remembering the
// answer so that the string is read once however often it is asked.
type firstFinder struct {
	r      rune
	folded bool
	ff     foldFinder
	at     int // next occurrence at or after the last search; -1 none; -2 not searched
}

func newFirstFinder(r rune, fold bool) firstFinder {
	f := firstFinder{r: r, at: -2}
	if r < utf8.RuneSelf {
		f.folded = true
		if fold {
			f.ff = newFoldFinder(byte(r))
		} else {
			f.ff = foldFinder{b: byte(r), lo: -2, up: -1}
		}
	}
	return f
}

// next returns the first position at or after from where the character
// starts, or -1; from must not decrease between calls.
func (f *firstFinder) next(s string, from int) int {
	if f.folded {
		return f.ff.next(s, from)
	}
	if f.at == -1 || f.at >= from {
		return f.at
	}
	k := strings.IndexRune(s[from:], f.r)
	if k < 0 {
		f.at = -1
	} else {
		f.at = from + k
	}
	return f.at
}
