package match

import (
	"errors"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// ErrTableFull is returned by Table.Add when the table would pass
// math.MaxInt32 patterns or bytes of text.
var ErrTableFull = errors.New("pattern table is full")

// Table holds many compiled patterns in a form the garbage collector does
// not need to look into: every pattern, and every chunk between two of its
// stars, is a fixed-size record of offsets into one block of text (and,
// for a folded chunk, into one block of Knuth-Morris-Pratt tables); only a
// chunk with '?' keeps a compiled search of its own. Loading a large policy set as Patterns cost more in the
// collector (write barriers while filling pointer-holding structures,
// marking them afterwards) than in compiling; a Table is a handful of
// allocations, most of them pointer-free.
//
// Patterns are numbered in the order Add returns them, from 0. A pattern
// in a Table matches exactly what Compile's pattern of the same text and
// fold matches.
//
// The zero value is an empty table ready for Add. Add is not safe for
// concurrent use; once the last Add has returned, every other method is
// safe for concurrent use and none allocates.
type Table struct {
	// text holds every pattern once, folded when it folds, and after a
	// folded pattern that had ASCII upper-case letters a bitmap of where
	// they were (foldWords), from which String rebuilds it as given. Bytes
	// are only ever appended, never rewritten, so strings viewing them
	// stay valid.
	text []byte
	recs []rec
	mids []tmid
	kmp  []int32 // failure tables of folded literal chunks
	ext  []mid   // searches of chunks with '?'
}

// tmid is a chunk between two stars of a pattern in a Table. It is
// searched as mid searches it: a case-sensitive literal with a substring
// search, a folded literal with Knuth-Morris-Pratt, a chunk with '?' by
// its own compiled search.
type tmid struct {
	off, n int32 // the chunk's text (folded when the pattern folds)
	kmp    int32 // a folded literal: its failure table, Table.kmp[kmp:kmp+n]; else -1
	ext    int32 // a chunk with '?': Table.ext[ext]; else -1
}

// rec is one pattern of a Table: offsets into the table's text, and which
// of the common shapes it has.
type rec struct {
	src   int32 // offset of the pattern as given; with flagCaseMap, of its case bitmap
	pat   int32 // offset of the pattern as matched (folded); src if the same
	n     int32 // bytes of the pattern
	lit   int32 // end of the literal prefix, from pat
	head  int32 // end of the head (the first star), from pat
	tail  int32 // start of the tail (after the last star), from pat
	mid0  int32 // first chunk between stars, in Table.mids (in order)
	midN  int32 // number of such chunks
	tailN int32 // characters in the tail, when it has a '?'
	shape shape
	flags uint8
}

// shape is how a pattern can be matched without its general form.
type shape uint8

const (
	shapeGeneral shape = iota // anything else: matched through Pattern
	shapeExact                // no wildcard: the literal alone
	shapePrefix               // the literal prefix and one final '*'
	shapeAny                  // only stars: matches everything
)

const (
	flagStar uint8 = 1 << iota
	flagFold
	flagTailQ
	// flagOpenEnds: a star right after the literal prefix and one at the
	// end (no head, no tail), as in "acs:oss:*:*:bucket/*": only the
	// chunks between stars are left to find.
	flagOpenEnds
	// flagCaseMap: the pattern folds and had ASCII upper-case letters;
	// src is the offset of the bitmap of where they were (foldWords).
	flagCaseMap
)

// Grow makes room for patterns more patterns whose text adds up to text
// bytes and which have mids chunks between stars (the counts Need
// returns), so that adding them allocates nothing but the tables of folded
// chunks and the searches of chunks with '?'. Counts that are too small
// cost a regrowth, not correctness. The records, the chunks and the text
// that need room get it in one allocation between them (all three are
// free of pointers): compiling a small policy once spent a fifth of its
// instructions in the allocator.
func (t *Table) Grow(patterns, text, mids int) {
	nr, nm, nt := t.growth(patterns, text, mids)
	if nr+nm+nt == 0 {
		return
	}
	t.place(make([]uint64, blockWords(nr, nm, nt)), nr, nm, nt)
}

// Words returns the length of the block GrowIn needs to make room in an
// empty Table for patterns, text and mids (as for Grow): records of 40
// bytes, chunks of 16 and text bytes, rounded up to whole words.
func Words(patterns, text, mids int) int { return blockWords(patterns, mids, text) }

// GrowIn is Grow with a block the caller allocated, so that the table's
// records, chunks and text can share one allocation with other tables of
// numbers: the table cuts them from the start of blk, Words(patterns,
// text, mids) words long for an empty table. The caller must not use
// that part of blk otherwise, nor keep a pointer into it that the table's
// lifetime does not cover. When blk is too short (a table that already
// holds patterns needs room for them too), GrowIn allocates as Grow does.
func (t *Table) GrowIn(blk []uint64, patterns, text, mids int) {
	nr, nm, nt := t.growth(patterns, text, mids)
	if nr+nm+nt == 0 {
		return
	}
	if w := blockWords(nr, nm, nt); len(blk) < w {
		blk = make([]uint64, w)
	}
	t.place(blk, nr, nm, nt)
}

// growth returns the new capacities of the records, chunks and text that
// lack the room asked for, and 0 for those that have it.
func (t *Table) growth(patterns, text, mids int) (nr, nm, nt int) {
	if cap(t.recs)-len(t.recs) < patterns {
		nr = len(t.recs) + patterns
	}
	if cap(t.mids)-len(t.mids) < mids {
		nm = len(t.mids) + mids
	}
	if cap(t.text)-len(t.text) < text {
		nt = len(t.text) + text
	}
	return nr, nm, nt
}

const recSize, midSize = int(unsafe.Sizeof(rec{})), int(unsafe.Sizeof(tmid{}))

// blockWords is the words of a block for nr records, nm chunks and nt
// bytes of text.
func blockWords(nr, nm, nt int) int { return (nr*recSize + nm*midSize + nt + 7) / 8 }

// place moves the records, chunks and text with new capacities nr, nm and
// nt (0: left where they are) to blk, at least blockWords(nr, nm, nt)
// long. The records come first, then the chunks, then the text: the first
// two are of int32 fields (4-byte aligned, sizes multiples of 4) and the
// block is 8-byte aligned.
func (t *Table) place(blk []uint64, nr, nm, nt int) {
	base := unsafe.Pointer(unsafe.SliceData(blk))
	// (A part is cut only when it has room, so no pointer is made past
	// the block's end.)
	if nr > 0 {
		t.recs = append(unsafe.Slice((*rec)(base), nr)[:0], t.recs...)
	}
	if nm > 0 {
		t.mids = append(unsafe.Slice((*tmid)(unsafe.Add(base, nr*recSize)), nm)[:0], t.mids...)
	}
	if nt > 0 {
		t.text = append(unsafe.Slice((*byte)(unsafe.Add(base, nr*recSize+nm*midSize)), nt)[:0], t.text...)
	}
}

// Need returns the room that adding every pattern of list with the fold
// given takes in a Table, for Grow: a bound on the bytes of text (each
// pattern's length and, when it folds, an eighth of it more, rounded up:
// Add keeps a bitmap of a folded pattern's ASCII upper-case letters, as
// action names have, so a folding pattern without one, such as "oss:*",
// leaves that room unused) and a bound on the chunks between stars (at
// least Mids of each pattern). It costs one strings.IndexByte for a pattern whose only star
// is its last byte, and a strings.Count more for one with a star before
// that.
func Need(list []string, fold bool) (text, mids int) {
	maps := 0
	for _, s := range list {
		text += len(s)
		maps += caseMapLen(len(s))
		if i := strings.IndexByte(s, '*'); i >= 0 && i < len(s)-1 {
			mids += strings.Count(s[i+1:], "*")
		}
	}
	if fold {
		text += maps
	}
	return text, mids
}

// Mids returns the number of non-empty chunks between the first and the
// last star of pattern, the count Grow takes.
func Mids(pattern string) int {
	var l layout
	l.of(pattern)
	return l.mids
}

// Add compiles pattern as Compile does, copies its text into the table, and
// returns its number. The table keeps no reference to pattern. The only
// possible error is ErrBadPattern; a table of more than math.MaxInt32
// bytes of text or patterns reports ErrTableFull. A pattern that fails
// leaves the table as it was.
//
// Add finds the pattern's wildcards with strings.IndexByte and copies it
// into the table's text with copy, or, for a folding pattern, writes it
// folded eight bytes at a time, checking on the way that it is ASCII
// (followed by its case bitmap when folding changed it); only a pattern
// with other bytes is checked by utf8.ValidString.
func (t *Table) Add(pattern string, fold bool) (int32, error) {
	n := len(pattern)
	if len(t.recs) >= math.MaxInt32 || len(t.text)+2*n > math.MaxInt32 || len(t.mids)+n > math.MaxInt32 {
		return -1, ErrTableFull
	}
	// The pattern is written past the end of the text, into room no
	// string views, and kept only once it proves valid: as given, or
	// folded and, if that changed it, followed by its case bitmap. (Need
	// counts the room for both.)
	src, room := len(t.text), n
	if fold {
		room += caseMapLen(n)
	}
	if cap(t.text)-src < room {
		t.text = slices.Grow(t.text, room)
	}
	upper := false
	if fold {
		var ascii bool
		// The bitmap goes after the folded pattern, kept only if
		// there is an upper-case letter.
		upper, ascii = foldWords(t.text[src:src+n], t.text[src+n:src+room], pattern)
		if !ascii && !utf8.ValidString(pattern) {
			return -1, ErrBadPattern
		}
	} else {
		copy(t.text[src:src+n], pattern)
		if !isASCII(pattern) && !utf8.ValidString(pattern) {
			return -1, ErrBadPattern
		}
	}
	var l layout
	l.wildcards(pattern)
	r := rec{src: int32(src), pat: int32(src), n: int32(n),
		lit: int32(l.lit), head: int32(l.head), tail: int32(l.tail), tailN: int32(l.tailN)}
	end := src + n
	if fold {
		r.flags = flagFold
		if upper {
			r.flags |= flagCaseMap
			r.src, end = int32(end), end+caseMapLen(n)
		}
	}
	t.text = t.text[:end]
	if l.tailQ {
		r.flags |= flagTailQ
	}
	switch {
	case !l.star:
		if l.head == l.lit {
			r.shape = shapeExact
		}
	case l.head == l.lit && l.tail == n:
		r.flags |= flagOpenEnds
		if l.mids == 0 {
			if l.lit == 0 {
				r.shape = shapeAny
			} else if l.head == n-1 {
				r.shape = shapePrefix
			}
		}
	}
	if l.star {
		r.flags |= flagStar
		r.mid0 = int32(len(t.mids))
		if l.mids > 0 {
			text := t.str(r.pat, r.n)
			end := max(l.head+1, l.tail-1)
			for pos := l.head + 1; pos < end; {
				k := strings.IndexByte(text[pos:end], '*')
				if k < 0 {
					k = end - pos
				}
				if k > 0 {
					t.addMid(r.pat+int32(pos), text[pos:pos+k], fold)
				}
				pos += k + 1
			}
			r.midN = int32(len(t.mids)) - r.mid0
		}
	}
	t.recs = append(t.recs, r)
	return int32(len(t.recs) - 1), nil
}

// addMid adds the chunk c, which is the table's text from off.
func (t *Table) addMid(off int32, c string, fold bool) {
	m := tmid{off: off, n: int32(len(c)), kmp: -1, ext: -1}
	switch {
	case strings.IndexByte(c, '?') >= 0:
		m.ext = int32(len(t.ext))
		t.ext = append(t.ext, newMid(c, fold))
	case fold:
		m.kmp = int32(len(t.kmp))
		t.kmp = appendKMP(t.kmp, c)
	}
	t.mids = append(t.mids, m)
}

// find returns the byte offset just after the leftmost match of chunk m in
// s, or -1, as mid.find.
func (t *Table) find(m *tmid, s string, fold bool) int {
	if m.ext >= 0 {
		return t.ext[m.ext].find(s, fold)
	}
	c := t.str(m.off, m.n)
	if m.kmp >= 0 {
		return kmpFind(c, t.kmp[m.kmp:m.kmp+m.n], s)
	}
	i := strings.Index(s, c)
	if i < 0 {
		return -1
	}
	return i + len(c)
}

// str views n bytes of the text from off. The bytes are never rewritten
// (see Table.text), so the string stays valid however the table grows.
func (t *Table) str(off, n int32) string {
	if n == 0 {
		return ""
	}
	b := t.text[off : off+n]
	return unsafe.String(&b[0], len(b))
}

// Len returns the number of patterns in the table.
func (t *Table) Len() int { return len(t.recs) }

// String returns pattern i as it was given to Add. For a folding pattern
// that had ASCII upper-case letters it is rebuilt from the folded text and
// the letters' bitmap, and allocates; nothing on a decision's path calls
// it.
func (t *Table) String(i int32) string { return t.given(&t.recs[i]) }

// given returns pattern r as it was given to Add (String).
func (t *Table) given(r *rec) string {
	if r.flags&flagCaseMap == 0 {
		return t.str(r.src, r.n)
	}
	b := []byte(t.str(r.pat, r.n))
	m := t.text[r.src : r.src+int32(caseMapLen(len(b)))]
	for k := range b {
		if m[k>>3]>>(k&7)&1 != 0 {
			b[k] -= 'a' - 'A'
		}
	}
	return string(b)
}

// Literal returns the literal prefix of pattern i, as Pattern.Literal.
func (t *Table) Literal(i int32) string {
	r := &t.recs[i]
	return t.str(r.pat, r.lit)
}

// Text returns the table's block of text, in which LiteralAt places each
// pattern's literal prefix, so that an index over the literals can share
// it. The caller must not change it. Adding patterns later may move the
// table to a new block; the bytes returned stay as they are.
func (t *Table) Text() []byte { return t.text[:len(t.text):len(t.text)] }

// LiteralAt returns where the literal prefix of pattern i (Literal(i)) lies
// in Text(): Text()[off:off+n].
func (t *Table) LiteralAt(i int32) (off, n int32) {
	r := &t.recs[i]
	return r.pat, r.lit
}

// IndexKey returns in one look-up what an index over the patterns'
// literal prefixes needs of pattern i: LiteralAt(i), Exact(i), Any(i) and
// RestAny(i).
func (t *Table) IndexKey(i int32) (off, n int32, exact, any, restAny bool) {
	r := &t.recs[i]
	sh := r.shape
	return r.pat, r.lit, sh == shapeExact, sh == shapeAny, sh == shapePrefix || sh == shapeAny
}

// Exact reports whether pattern i has no wildcard, as Pattern.Exact.
func (t *Table) Exact(i int32) bool { return t.recs[i].shape == shapeExact }

// Any reports whether pattern i matches every string, as Pattern.Any.
func (t *Table) Any(i int32) bool { return t.recs[i].shape == shapeAny }

// RestAny reports whether pattern i is its literal prefix followed by a
// single '*', or only stars, so that MatchRest holds for every rest.
// (A prefix followed by several stars, "a**", is matched the general way.)
func (t *Table) RestAny(i int32) bool {
	sh := t.recs[i].shape
	return sh == shapePrefix || sh == shapeAny
}

// Match reports whether pattern i matches all of s, as Pattern.Match.
func (t *Table) Match(i int32, s string) bool {
	r := &t.recs[i]
	switch r.shape {
	case shapeAny:
		return true
	case shapeExact:
		return equal(s, t.str(r.pat, r.n), r.flags&flagFold != 0)
	case shapePrefix:
		return len(s) >= int(r.lit) && equal(s[:r.lit], t.str(r.pat, r.lit), r.flags&flagFold != 0)
	}
	if len(s) < int(r.lit) || !equal(s[:r.lit], t.str(r.pat, r.lit), r.flags&flagFold != 0) {
		return false
	}
	return t.matchRest(r, s[r.lit:])
}

// MatchRest reports whether pattern i matches Literal(i)+s, as
// Pattern.MatchRest.
func (t *Table) MatchRest(i int32, s string) bool {
	r := &t.recs[i]
	switch r.shape {
	case shapeAny, shapePrefix:
		return true
	case shapeExact:
		return s == ""
	}
	return t.matchRest(r, s)
}

// matchRest is Pattern.MatchRest for pattern r.
func (t *Table) matchRest(r *rec, s string) bool {
	fold := r.flags&flagFold != 0
	if r.flags&flagOpenEnds == 0 {
		text := t.str(r.pat, r.n)
		var tail string
		if r.flags&flagStar != 0 {
			tail = text[r.tail:]
		}
		var ok bool
		if s, ok = ends(text[r.lit:r.head], tail, r.flags&flagStar != 0, fold, r.flags&flagTailQ != 0, int(r.tailN), s); !ok {
			return false
		}
	}
	for i := r.mid0; i < r.mid0+r.midN; i++ {
		m := &t.mids[i]
		var end int
		if m.kmp < 0 && m.ext < 0 {
			// A case-sensitive literal (the common chunk, inline).
			c := t.str(m.off, m.n)
			if end = strings.Index(s, c); end < 0 {
				return false
			}
			end += len(c)
		} else if end = t.find(m, s, fold); end < 0 {
			return false
		}
		s = s[end:]
	}
	return true
}
