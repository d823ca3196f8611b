// Package trie is a compact, immutable radix tree from string keys (the
// literal prefixes of wildcard patterns) to int32 values, built once and then
// walked along an input string to visit every value whose key is a prefix of
// the input.
//
// A Trie is flat: nodes, first bytes and values live in three slices, the
// children of a node are contiguous and sorted, and the values stored at a
// node are a contiguous run of one slice. Walking allocates nothing; the
// Walker is a small value kept on the caller's stack. A built Trie is
// immutable and safe for concurrent use.
package trie

import (
	"math"
	"math/bits"
	"slices"
	"strings"
	"unsafe"

	"github.com/ramauthz/ramauthz/internal/strhash"
)

// Builder collects keys and values for a Trie. The zero value is ready to
// use.
//
// The keys are copied into one block of text, and items and nodes refer to
// it by offsets: a built Trie holds no pointers but its few slices, so the
// garbage collector neither write-barriers its construction nor scans it.
type Builder struct {
	fold  bool
	keys  []byte // every key added, one after the other; never rewritten
	items []item
}

type item struct {
	off, n int32 // the key: keys[off:off+n]
	val    int32
	exact  bool
}

// prefix8 returns the first eight bytes of k as a big-endian number,
// padded with zero bytes: two keys whose prefixes differ compare as their
// prefixes do.
func prefix8(k string) uint64 {
	var p uint64
	for i := 0; i < 8; i++ {
		p <<= 8
		if i < len(k) {
			p |= uint64(k[i])
		}
	}
	return p
}

// NewBuilderOver returns a Builder whose keys are runs of text, added with
// AddRef, so that the Trie keeps text instead of a copy of its keys. The
// caller must not change the bytes of text afterwards. Keys added with Add
// are copied as usual.
func NewBuilderOver(fold bool, text []byte) *Builder {
	return &Builder{fold: fold, keys: text[:len(text):len(text)]}
}

// AddRef adds val under the key text[off:off+n] of the text given to
// NewBuilderOver, as Add does. It returns false, adding nothing, when that
// run is not inside the text.
func (b *Builder) AddRef(off, n int32, exact bool, val int32) bool {
	if off < 0 || n < 0 || int64(off)+int64(n) > int64(len(b.keys)) || len(b.items) >= math.MaxInt32 {
		return false
	}
	b.items = append(b.items, item{off: off, n: n, exact: exact, val: val})
	return true
}

// NewBuilder returns a Builder. With fold set, walks fold the input's ASCII
// letters to lower case before comparing; keys must then be given in lower
// case already.
func NewBuilder(fold bool) *Builder { return &Builder{fold: fold} }

// Add adds val under key. An exact value is reported only when the key equals
// the whole input; any other value is reported whenever the key is a prefix
// of the input. The key is copied. It returns false, adding nothing, when
// the keys would pass math.MaxInt32 bytes.
func (b *Builder) Add(key string, exact bool, val int32) bool {
	if len(b.keys)+len(key) > math.MaxInt32 || len(b.items) >= math.MaxInt32 {
		return false
	}
	b.items = append(b.items, item{off: int32(len(b.keys)), n: int32(len(key)), exact: exact, val: val})
	b.keys = append(b.keys, key...)
	return true
}

// Len returns the number of values added.
func (b *Builder) Len() int { return len(b.items) }

// Grow makes room for n more values whose keys add up to text bytes, so
// that as many Adds do not allocate.
func (b *Builder) Grow(n, text int) {
	b.items = slices.Grow(b.items, n)
	b.keys = slices.Grow(b.keys, text)
}

// key returns the key of it.
func (b *Builder) key(it *item) string { return view(b.keys, it.off, it.n) }

// view returns n bytes of text from off as a string without copying. The
// Builder only appends to its key block, never rewrites it, so the string
// stays valid.
func view(text []byte, off, n int32) string {
	if n == 0 {
		return ""
	}
	b := text[off : off+n]
	return unsafe.String(&b[0], len(b))
}

// Trie is an immutable radix tree built by Builder.Build. The zero value is
// an empty trie.
type Trie struct {
	fold   bool
	text   []byte // the keys, which the labels are slices of
	nodes  []node
	firsts []byte // firsts[i] is the first byte of nodes[i].label
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

// Build returns the trie of the values added so far.
func (b *Builder) Build() *Trie {
	t := new(Trie)
	b.BuildInto(t)
	return t
}

// BuildInto makes *t the trie of the values added so far, as Build does,
// for a caller that keeps the Trie inside a structure of its own.
func (b *Builder) BuildInto(t *Trie) {
	*t = Trie{fold: b.fold, text: b.keys[:len(b.keys):len(b.keys)]}
	if len(b.items) == 0 {
		return
	}
	order := b.order()
	// The items in sorted order, copied once (small pointer-free records):
	// the loops below then read them without going through order.
	its := make([]item, len(order))
	for i, k := range order {
		its[i] = b.items[k]
	}
	keys := b.keys
	// Every node but the root holds a value or has two or more children
	// (labels run to the longest common prefix), so there are at most
	// 2×len(items) nodes; the estimate below avoids most regrowth without
	// keeping much spare capacity for large, prefix-sharing sets.
	est := len(order) + len(order)/2 + 1
	// Built in locals and stored once: appending to t's fields would write
	// to the heap on every node.
	nodes := make([]node, 1, est)
	firsts := make([]byte, 1, est)
	// Nodes are made breadth first, so the nodes slice is its own work
	// queue: until node qi is reached, its vStart and vEnd hold the run of
	// sorted items below it, and its depth (the length of its key) is where
	// its label ends in its first item's key.
	nodes[0].vEnd = int32(len(order))
	for qi := 0; qi < len(nodes); qi++ {
		n := &nodes[qi]
		lo, hi := n.vStart, n.vEnd
		depth := int32(0)
		if qi > 0 {
			depth = n.lOff + n.lLen - its[lo].off
		}
		// Items whose key ends here come first in sorted order; within
		// them, prefix (non-exact) values sort before exact ones.
		k := lo
		for k < hi && its[k].n == depth {
			k++
		}
		w := lo
		for w < k && !its[w].exact {
			w++
		}
		n.vStart, n.vWild, n.vEnd = lo, w, k
		n.cStart = int32(len(nodes))
		for g := k; g < hi; {
			a := b.key(&its[g])
			c := a[depth]
			e := g + 1
			for e < hi && keys[its[e].off+depth] == c {
				e++
			}
			z := b.key(&its[e-1])
			l := depth + 1 + commonPrefix(a[depth+1:], z[depth+1:])
			nodes = append(nodes, node{lab: load8(a[depth:l]), lOff: its[g].off + depth, lLen: l - depth, vStart: g, vEnd: e})
			firsts = append(firsts, c)
			g = e
		}
		nodes[qi].cEnd = int32(len(nodes))
	}
	t.nodes, t.firsts = nodes, firsts
	// The order is not needed any more: it becomes the values.
	for i := range its {
		order[i] = its[i].val
	}
	t.vals = order
}

// sorted returns the items sorted by key, prefix values before exact ones,
// then in the order of Add.
//
// The first eight bytes of each key, as a big-endian number (prefix8),
// settle most comparisons: a stable radix sort on them, over small
// pointer-free records, orders the items, and only runs of equal prefixes
// are then sorted by the whole key. (A comparison sort of the items
// themselves, 40-byte records holding a string, took two fifths of
// compiling a 10,000-statement policy set, much of it in the write
// barriers of moving the strings.)
func (b *Builder) sorted() []item {
	order := b.order()
	items := make([]item, len(order))
	for i, k := range order {
		items[i] = b.items[k]
	}
	return items
}

// order returns the places of the items in the order sorted describes.
func (b *Builder) order() []int32 {
	n := len(b.items)
	ord := make([]int32, n)
	cmp := func(x, y int32) int {
		a, c := &b.items[x], &b.items[y]
		if d := strings.Compare(b.key(a), b.key(c)); d != 0 {
			return d
		}
		if a.exact != c.exact {
			if !a.exact {
				return -1
			}
			return 1
		}
		return int(x - y)
	}
	if n <= insertionMax {
		// A few keys (a system policy's): insertion sort, most
		// comparisons settled by the keys' first eight bytes, kept on
		// the stack.
		var pre [insertionMax]uint64
		for i := range n {
			pre[i] = prefix8(b.key(&b.items[i]))
			x, j := int32(i), i
			for ; j > 0; j-- {
				y := ord[j-1]
				if pre[x] > pre[y] || pre[x] == pre[y] && cmp(x, y) > 0 {
					break
				}
				ord[j] = y
			}
			ord[j] = x
		}
		return ord
	}
	if n < radixMin {
		for i := range ord {
			ord[i] = int32(i)
		}
		slices.SortFunc(ord, cmp)
		return ord
	}
	recs := make([]sortRec, n)
	for i := range b.items {
		recs[i] = sortRec{pre: prefix8(b.key(&b.items[i])), seq: int32(i)}
	}
	radixSort(recs, make([]sortRec, n))
	for i := range recs {
		ord[i] = recs[i].seq
	}
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && recs[hi].pre == recs[lo].pre {
			hi++
		}
		if hi-lo > 1 {
			slices.SortFunc(ord[lo:hi], cmp)
		}
		lo = hi
	}
	return ord
}

// insertionMax is the most items sorted by insertion.
const insertionMax = 32

// radixMin is the fewest items sorted by radixSort: below it, the
// histograms cost more than comparisons.
const radixMin = 256

// sortRec is an item's place in the sort: its key's first eight bytes
// and its position in Add order.
type sortRec struct {
	pre uint64
	seq int32
}

// radixSort sorts recs by pre, stably (least significant byte first),
// using tmp (as long as recs) as scratch. A byte that is the same in every
// record costs one counting pass and no move.
func radixSort(recs, tmp []sortRec) {
	if len(recs) == 0 {
		return
	}
	src, dst := recs, tmp
	for shift := uint(0); shift < 64; shift += 8 {
		var count [256]int
		for i := range src {
			count[byte(src[i].pre>>shift)]++
		}
		if count[byte(src[0].pre>>shift)] == len(src) {
			continue
		}
		pos := 0
		for d := range count {
			c := count[d]
			count[d] = pos
			pos += c
		}
		for i := range src {
			d := byte(src[i].pre >> shift)
			dst[count[d]] = src[i]
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &recs[0] {
		copy(recs, src)
	}
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

// commonPrefix returns the length of the longest common prefix of a and
// b, comparing eight bytes at a time (keys under one node share long runs:
// "acs:ecs:*:1234567890123456:instance/").
func commonPrefix(a, b string) int32 {
	n := min(len(a), len(b))
	i := 0
	for ; i+8 <= n; i += 8 {
		if x := strhash.Load64(a[i:]) ^ strhash.Load64(b[i:]); x != 0 {
			return int32(i + bits.TrailingZeros64(x)/8)
		}
	}
	for ; i < n && a[i] == b[i]; i++ {
	}
	return int32(i)
}

// load8 returns up to the first eight bytes of s as a little-endian
// number, zero-padded.
func load8(s string) uint64 {
	var x uint64
	for i := min(len(s), 8) - 1; i >= 0; i-- {
		x = x<<8 | uint64(s[i])
	}
	return x
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
