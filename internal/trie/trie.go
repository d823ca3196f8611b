// Package trie is a compact, immutable radix tree from string keys (the
// literal prefixes of wildcard patterns) to int32 values, built once and then
// walked along an input string to visit every value whose key is a prefix of
// the input.
//
// A Trie is flat: nodes, first bytes and values live in three slices cut
// from one pointer-free block, the children of a node are contiguous and
// sorted, and the values stored at a node are a contiguous run of one
// slice. Building allocates that block and, for more than 32 keys, one
// scratch block, which a Builder of at most 1,024 values takes from memory
// earlier Builders gave back (Builder.Release) when there is some. Walking allocates nothing; the
// Walker is a small value kept on the caller's stack. A built Trie is
// immutable and safe for concurrent use.
package trie

import "github.com/ramauthz/ramauthz/internal/strhash"

// Trie is an immutable radix tree built by Builder.Build. The zero value is
// an empty trie.
type Trie struct {
	fold bool
	// text and firsts are strings, never changed, rather than byte
	// slices: 8 bytes less each, read the same way (an Evaluator holds
	// two Tries, and its size class is what a compile allocates).
	text   string // the keys, which the labels are slices of
	nodes  []node
	firsts string // firsts[i] is the first byte of nodes[i].label
	vals   []int32
}

type node struct {
	// lab is the label's first eight bytes, little-endian, zero-padded:
	// a walk compares them with eight input bytes at once.
	lab           uint64
	lOff, lLen    int32 // edge label from the parent: text[lOff:lOff+lLen] (empty for the root)
	cStart, cEnd  int32 // children: nodes[cStart:cEnd], sorted by first byte
	vStart, vWild int32 // prefix values: vals[vStart:vWild]
	vEnd          int32 // exact values: vals[vWild:vEnd]
}

// Len returns the number of values in the trie.
func (t *Trie) Len() int { return len(t.vals) }

// Nodes returns the number of nodes in the trie (for tests and sizing).
func (t *Trie) Nodes() int { return len(t.nodes) }

// Walker visits the values of a trie whose keys are prefixes of one input,
// shortest key first. Get one from Trie.Walk and call Next until it reports
// false.
type Walker struct {
	t    *Trie
	s    string
	pos  int
	node int32
	done bool
}

// Walk returns a Walker over the values whose keys are prefixes of s (and,
// for exact values, equal to s).
func (t *Trie) Walk(s string) Walker {
	return Walker{t: t, s: s, done: len(t.nodes) == 0}
}

// Next returns the next non-empty group of values and the length of their
// key, so that s[n:] is the part of the input after the key. It reports false
// when there are no more.
func (w *Walker) Next() (vals []int32, n int, ok bool) {
	t := w.t
	for !w.done {
		nd := &t.nodes[w.node]
		pos := w.pos
		// The bounds of the group, not the slice, live across advance:
		// two numbers to keep instead of a slice header.
		lo, hi := nd.vStart, nd.vWild
		switch {
		case pos == len(w.s):
			w.done = true
			hi = nd.vEnd
		case nd.cStart == nd.cEnd:
			w.done = true // a leaf: nothing further to walk into
		default:
			w.advance(nd)
		}
		if hi > lo {
			return t.vals[lo:hi], pos, true
		}
	}
	return nil, 0, false
}

// advance moves to the child of nd that continues the input, or ends the
// walk.
func (w *Walker) advance(nd *node) {
	t := w.t
	c := w.s[w.pos]
	if t.fold && c-'A' < 26 {
		c += 'a' - 'A'
	}
	lo, hi := nd.cStart, nd.cEnd
	child := int32(-1)
	if hi-lo <= 8 {
		for i := lo; i < hi; i++ {
			if t.firsts[i] == c {
				child = i
				break
			}
		}
	} else {
		// Many children: their first bytes are distinct and sorted, so
		// the child for c is at most c-firsts[lo] places in, and exactly
		// there when the bytes before it run without a gap (digits, the
		// letters of a name): one comparison instead of a search.
		if d := int32(c) - int32(t.firsts[lo]); d >= 0 && d < hi-lo {
			if t.firsts[lo+d] == c {
				child = lo + d
				goto found
			}
			hi = lo + d
		}
		for lo < hi {
			m := int32(uint32(lo+hi) >> 1)
			if t.firsts[m] < c {
				lo = m + 1
			} else {
				hi = m
			}
		}
		if lo < nd.cEnd && t.firsts[lo] == c {
			child = lo
		}
	}
found:
	if child < 0 {
		w.done = true
		return
	}
	// The label's first byte matched; compare the rest of it: eight
	// bytes at once when the label is that short and the input that long.
	nc := &t.nodes[child]
	n := int(nc.lLen)
	if n > len(w.s)-w.pos {
		w.done = true
		return
	}
	switch {
	case n == 1: // the first byte was the label
	case n <= 8 && len(w.s)-w.pos >= 8:
		x := strhash.Load64(w.s[w.pos:])
		if t.fold {
			x = lower64(x)
		}
		if x&(^uint64(0)>>(64-8*n)) != nc.lab {
			w.done = true
			return
		}
	default:
		// The input is folded through a table (no branch per byte).
		tab := &sameByte
		if t.fold {
			tab = &lowerByte
		}
		rest := w.s[w.pos : w.pos+n]
		label := t.text[nc.lOff:]
		label = label[:len(rest)]
		for i := 1; i < len(rest); i++ {
			if tab[rest[i]] != label[i] {
				w.done = true
				return
			}
		}
	}
	w.node = child
	w.pos += n
}

// lower64 folds the ASCII upper-case letters among the eight bytes of x
// to lower case, leaving every other byte alone (bytes 0x80 and above
// included), without a branch.
func lower64(x uint64) uint64 {
	const ones = 0x0101010101010101
	h := x & (0x7f * ones)              // each byte below 0x80: the sums below cannot carry into the next byte
	ge := h + (0x80-'A')*ones           // bit 7 set where h >= 'A'
	gt := h + (0x80-'Z'-1)*ones         // bit 7 set where h > 'Z'
	up := ge &^ gt &^ x & (0x80 * ones) // 'A'..'Z', and not a byte >= 0x80
	return x | up>>2                    // bit 7 to bit 5: +0x20
}

// sameByte maps every byte to itself and lowerByte folds ASCII upper-case
// letters to lower case, for comparing input with labels.
var sameByte, lowerByte = func() (same, lower [256]byte) {
	for i := range same {
		same[i], lower[i] = byte(i), byte(i)
	}
	for c := 'A'; c <= 'Z'; c++ {
		lower[c] = byte(c) + 'a' - 'A'
	}
	return same, lower
}()
