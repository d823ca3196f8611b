package trie

import (
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
	"sync"
	"unsafe"

	"github.com/ramauthz/ramauthz/internal/strhash"
)

// Builder collects keys and values for a Trie. The zero value is ready to
// use. A Builder is not safe for concurrent use; the Tries it builds are.
//
// The keys are copied into one block of text, and items and nodes refer to
// it by offsets: a built Trie holds no pointers but its few slices, so the
// garbage collector neither write-barriers its construction nor scans it.
type Builder struct {
	fold  bool
	keys  []byte // every key added, one after the other; never rewritten
	items []item
	recs  []sortRec // the sort's scratch, kept for another build when small
	// spare is the box of the scratch this Builder took from scratchPool,
	// which Release fills and puts back; nil when it took none.
	spare *scratch
}

// scratch is the memory a build uses only while it runs: the items and,
// for more than insertionMax keys, the sort's records and second buffer.
// Builders that Grow for at most poolMax values take it from scratchPool
// and Release gives it back, so that compiling many small policy sets
// does not allocate it each time. Nothing in it is read before it is
// written: items are appended from empty, and the sort fills its records
// (and writes each slot of its second buffer) before reading them.
type scratch struct {
	items []item
	recs  []sortRec
}

// poolMax is the most values whose scratch goes back to scratchPool: 1,024
// items (16 KiB) and 2,048 records (32 KiB), so that one large build does
// not keep a large block alive in the pool.
const poolMax = 1024

var scratchPool sync.Pool // of *scratch

type item struct {
	off, n int32 // the key: keys[off:off+n]
	val    int32
	exact  bool
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
// that as many Adds do not allocate. A Builder that holds no values and
// grows for at most 1,024 takes the room from memory other Builders
// gave back (Release).
func (b *Builder) Grow(n, text int) {
	if n > 0 && len(b.items) == 0 && n <= poolMax && b.spare == nil {
		if s, _ := scratchPool.Get().(*scratch); s != nil {
			b.spare = s
			if cap(s.items) >= n {
				b.items = s.items[:0]
			}
			if cap(b.recs) < cap(s.recs) {
				b.recs = s.recs
			}
			s.items, s.recs = nil, nil
		}
	}
	b.items = slices.Grow(b.items, n)
	b.keys = slices.Grow(b.keys, text)
}

// Release gives b's scratch memory (the values' records and the sort's)
// back for other Builders to reuse, when it is small (at most 1,024
// values), and empties b of values. Tries built from b are unaffected:
// they share none of it. Release is optional; a Builder that is
// dropped without it leaves its memory to the garbage collector. After
// Release, b may be used again as if new, keeping the keys' text it had.
func (b *Builder) Release() {
	s, items, recs := b.spare, b.items, b.recs
	b.spare, b.items, b.recs = nil, nil, nil
	if cap(items) > poolMax {
		items = nil
	}
	if cap(recs) > 2*poolMax {
		recs = nil
	}
	if cap(items) == 0 && cap(recs) == 0 {
		return
	}
	if s == nil {
		s = new(scratch)
	}
	s.items, s.recs = items[:0], recs
	scratchPool.Put(s)
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

// Build returns the trie of the values added so far.
func (b *Builder) Build() *Trie {
	t := new(Trie)
	b.BuildInto(t)
	return t
}

// BuildInto makes *t the trie of the values added so far, as Build does,
// for a caller that keeps the Trie inside a structure of its own.
//
// The build sorts the keys (sortRecs), measures the longest common prefix
// of each key with the one before it in that order and counts the nodes
// from those lengths (measure), and lays the nodes out breadth first in one
// block sized exactly: one allocation for the whole Trie (nodes, first
// bytes and values), plus one scratch block when there are more than
// insertionMax keys (kept for the next build, and reused from the pool,
// when there are at most 2×poolMax records). Building touches the key text once per key and once
// per node, not once per key per level.
func (b *Builder) BuildInto(t *Trie) { b.buildInto(t, nil) }

// BuildIntoVals is BuildInto with room for the trie's values given by the
// caller: the first Len() int32s of vals, which the Trie keeps (so the
// caller must not change them) and the build's block then leaves out. A
// caller that allocates a block of numbers of its own can so hold them
// there. With vals shorter than Len(), it is BuildInto.
func (b *Builder) BuildIntoVals(t *Trie, vals []int32) {
	if len(vals) < len(b.items) {
		vals = nil
	}
	b.buildInto(t, vals)
}

// buildInto is BuildInto, with the values in own when it is not nil.
func (b *Builder) buildInto(t *Trie, own []int32) {
	text := b.keys[:len(b.keys):len(b.keys)]
	n := len(b.items)
	if n == 0 {
		*t = Trie{fold: b.fold, text: asString(text)}
		return
	}
	// A few keys (a system policy's) are sorted and measured in arrays
	// on the stack; more take one scratch block: the records, the radix
	// sort's second buffer, and then, in that buffer's place, the common
	// prefixes and the stack of measure.
	var (
		smallRecs  [insertionMax]sortRec
		smallLCP   [insertionMax]int32
		smallStack [2*insertionMax + 1]int32
		recs       []sortRec
		lcp, stack []int32
	)
	if n <= insertionMax {
		recs, lcp, stack = smallRecs[:n], smallLCP[:n], smallStack[:2*n+1]
		b.sortRecs(recs, nil)
	} else {
		scratch := b.recScratch(2 * n)
		recs = scratch[:n]
		b.sortRecs(recs, scratch[n:])
		// sortRec is 16 bytes: the second half holds 4n int32s, n for
		// the common prefixes and 2n+1 for the stack.
		ints := unsafe.Slice((*int32)(unsafe.Pointer(&scratch[n])), 4*n)
		lcp, stack = ints[:n:n], ints[n:3*n+1]
	}
	count := b.measure(recs, lcp, stack)
	var nodes []node
	var firsts []byte
	var vals []int32
	if own != nil {
		nodes, firsts, _ = carve(count, 0)
		vals = own[:n:n]
	} else {
		nodes, firsts, vals = carve(count, n)
	}

	// Nodes are made breadth first, so the nodes slice is its own work
	// queue: until node qi is reached, its vStart and vEnd hold the run of
	// sorted keys below it and its cStart the length of its key (its
	// depth).
	nodes[0].vEnd = int32(n)
	next := int32(1)
	for qi := int32(0); qi < next; qi++ {
		nd := &nodes[qi]
		lo, hi, depth := nd.vStart, nd.vEnd, nd.cStart
		// Keys that end here come first in sorted order; among them,
		// prefix (non-exact) values sort before exact ones.
		k := lo
		for k < hi && recs[k].n == depth {
			k++
		}
		w := lo
		for w < k && recs[w].ord&exactBit == 0 {
			w++
		}
		nd.vStart, nd.vWild, nd.vEnd = lo, w, k
		nd.cStart = next
		// One child per run of keys that agree on the byte at depth:
		// neighbours whose common prefix runs past depth. The child's
		// label runs to the shortest of those common prefixes (the
		// common prefix of the run's first and last keys), or to the
		// end of the key for a run of one.
		for g := k; g < hi; {
			end := recs[g].n
			e := g + 1
			for e < hi && lcp[e] > depth {
				end = min(end, lcp[e])
				e++
			}
			off := b.items[recs[g].seq()].off + depth
			lab, ok := wordAt(text, off)
			if !ok {
				lab = load8(view(text, off, end-depth))
			}
			lab &= lowBytes(end - depth)
			// The block comes zeroed: set only the fields that are not.
			c := &nodes[next]
			c.lab, c.lOff, c.lLen, c.vStart, c.vEnd, c.cStart = lab, off, end-depth, g, e, end
			firsts[next] = byte(lab)
			next++
			g = e
		}
		nd.cEnd = next
	}
	vals = vals[:len(recs)]
	for i := range recs {
		vals[i] = b.items[recs[i].seq()].val
	}
	// Filled in locals and stored once: t usually lives in the heap.
	*t = Trie{fold: b.fold, text: asString(text), nodes: nodes, firsts: asString(firsts), vals: vals}
}

// recScratch returns n records of scratch for the sort: those b keeps,
// when they are enough, else new ones, which b keeps for another build
// (and Release) when n is at most 2×poolMax.
func (b *Builder) recScratch(n int) []sortRec {
	if cap(b.recs) >= n {
		return b.recs[:n]
	}
	recs := make([]sortRec, n)
	if n <= 2*poolMax {
		b.recs = recs
	}
	return recs
}

// asString views b as a string. The Builder's key text is only appended
// to, never rewritten, and a trie's first bytes are written only before
// it is stored, so the strings never change.
func asString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// carve returns nodes, their first bytes and n values, all three cut from
// one pointer-free block: one allocation, which the garbage collector never
// scans.
func carve(count, n int) (nodes []node, firsts []byte, vals []int32) {
	const nodeSize = int(unsafe.Sizeof(node{}))
	rest := 4*n + count // the values, then the first bytes
	blk := make([]node, count+(rest+nodeSize-1)/nodeSize)
	tail := unsafe.Pointer(&blk[count])
	return blk[:count:count],
		unsafe.Slice((*byte)(unsafe.Add(tail, 4*n)), count),
		unsafe.Slice((*int32)(tail), n)
}

// measure sets lcp[i] to the length of the longest common prefix of the
// keys of recs[i-1] and recs[i] (sorted), and lcp[0] to 0, and returns the
// number of nodes of the trie of those keys, using stack (at least
// 2×len(recs)+1 long) as scratch.
//
// Where two keys' first eight bytes differ, their prefixes give the
// common prefix without reading the keys. The nodes are the root, every
// distinct key, and every place where two neighbouring keys part with both
// going on. Walking the keys in order, the stack holds the depths of the
// nodes on the path to the last key: the next key shares the nodes down to
// their common prefix, may add one where it parts from the last key, and
// adds its own unless it is already there (an empty or repeated key).
func (b *Builder) measure(recs []sortRec, lcp, stack []int32) int {
	lcp = lcp[:len(recs)]
	stack = stack[:2*len(recs)+1]
	count, top := 1, 0
	stack[0] = 0
	var prev *sortRec
	for i := range recs {
		r := &recs[i]
		h := int32(0)
		if i > 0 {
			m := min(prev.n, r.n)
			if d := prev.pre ^ r.pre; d != 0 {
				// The first differing byte, unless a key ends before it
				// (the prefixes are zero-padded).
				h = min(int32(bits.LeadingZeros64(d)/8), m)
			} else if h = m; m > 8 {
				h = 8 + commonPrefixAt(b.keys, b.items[prev.seq()].off+8, b.items[r.seq()].off+8, m-8)
			}
		}
		lcp[i] = h
		for stack[top] > h {
			top--
		}
		if stack[top] < h {
			top++
			stack[top] = h
			count++
		}
		if stack[top] < r.n {
			top++
			stack[top] = r.n
			count++
		}
		prev = r
	}
	return count
}

// wordAt returns the eight bytes of text from off, little-endian, and
// whether there are eight. It reads through encoding/binary, which the
// compiler turns into one load, rather than strhash.Load64 (the project's
// read of a string): a wrapper around that one costs the inliner 87, past
// its budget, and callgrind counted the calls (≈15 instructions each, two
// per key and one per node).
func wordAt(text []byte, off int32) (uint64, bool) {
	if int(off)+8 > len(text) {
		return 0, false
	}
	return binary.LittleEndian.Uint64(text[off:]), true
}

// lowBytes returns the mask of the low min(n, 8) bytes of a word (n >= 0).
func lowBytes(n int32) uint64 {
	if n >= 8 {
		return ^uint64(0)
	}
	return 1<<(8*(uint(n)&7)) - 1 // the &7 spares the check for a shift of 64 or more
}

// commonPrefixAt returns the length of the longest common prefix of
// text[a:a+n] and text[b:b+n], comparing a word at a time as long as the
// text goes on, and past the n bytes (the result is capped at n).
func commonPrefixAt(text []byte, a, b, n int32) int32 {
	i := int32(0)
	for i < n {
		if int(max(a, b)+i)+8 > len(text) {
			return i + commonPrefix(view(text, a+i, n-i), view(text, b+i, n-i))
		}
		if x := binary.LittleEndian.Uint64(text[a+i:]) ^ binary.LittleEndian.Uint64(text[b+i:]); x != 0 {
			return min(i+int32(bits.TrailingZeros64(x)/8), n)
		}
		i += 8
	}
	return n
}

// commonPrefix returns the length of the longest common prefix of a and
// b, comparing eight bytes at a time.
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

// load8 returns up to the first eight bytes of s as a little-endian
// number, zero-padded.
func load8(s string) uint64 {
	var x uint64
	for i := min(len(s), 8) - 1; i >= 0; i-- {
		x = x<<8 | uint64(s[i])
	}
	return x
}
