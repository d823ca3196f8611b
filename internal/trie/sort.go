package trie

import (
	"cmp"
	"math/bits"
	"slices"
)

// insertionMax is the most items sorted by insertion (in arrays on the
// stack: BuildInto allocates no scratch for them).
const insertionMax = 32

// radixMin is the fewest items sorted by radixSort: below it, the
// histograms cost more than comparisons.
const radixMin = 256

// sortRec is an item's place in the sort: its key's first eight bytes
// (prefix8), its position in Add order with exactBit set for an exact
// value (so that, for equal keys, ord alone gives the order: prefix
// values first, then Add order), and its key's length.
type sortRec struct {
	pre uint64
	ord uint32
	n   int32
}

// exactBit marks an exact value in sortRec.ord. Add and AddRef keep the
// number of items below math.MaxInt32, so positions never reach it.
const exactBit = 1 << 31

// seq returns the record's position in Add order.
func (r *sortRec) seq() int32 { return int32(r.ord &^ exactBit) }

// sorted returns the items sorted as BuildInto sorts them (sortRecs).
func (b *Builder) sorted() []item {
	n := len(b.items)
	recs := make([]sortRec, 2*n)
	b.sortRecs(recs[:n], recs[n:])
	items := make([]item, n)
	for i := range recs[:n] {
		items[i] = b.items[recs[i].seq()]
	}
	return items
}

// fill sets recs[i] to the record of item i.
func (b *Builder) fill(recs []sortRec) {
	text := b.keys
	items := b.items[:len(recs)]
	for i := range items {
		it := &items[i]
		var pre uint64
		if x, ok := wordAt(text, it.off); ok {
			pre = bits.ReverseBytes64(x & lowBytes(it.n))
		} else {
			pre = prefix8(view(text, it.off, it.n)) // the last bytes of text
		}
		ord := uint32(i)
		if it.exact {
			ord |= exactBit
		}
		recs[i] = sortRec{pre: pre, ord: ord, n: it.n}
	}
}

// sortRecs fills recs (len(b.items) long) with the records of the items
// and sorts them by key, prefix values before exact ones, then in the
// order of Add. tmp, as long as recs, is scratch for the radix sort; it
// may be nil when there are fewer than radixMin items.
//
// The first eight bytes of each key, as a big-endian number, settle most
// comparisons without reading the keys: records of 16 pointer-free bytes
// are sorted by them (a radix sort for many), and only runs of equal
// prefixes are then sorted by the whole key. (A comparison sort of the
// items themselves, 40-byte records holding a string, once took two
// fifths of compiling a 10,000-statement policy set, much of it in the
// write barriers of moving the strings.) A few records are sorted by
// insertion.
func (b *Builder) sortRecs(recs, tmp []sortRec) {
	n := len(recs)
	switch {
	case n <= insertionMax:
		b.fill(recs)
		for i := 1; i < n; i++ {
			// x's place among the sorted records before it, found by
			// binary search, mostly by prefix alone (x comes after
			// each of them in Add order, so equal ones stay before
			// it); the records after that place move up at once.
			x := recs[i]
			lo, hi := 0, i
			for lo < hi {
				m := int(uint(lo+hi) >> 1)
				if y := &recs[m]; y.pre < x.pre || y.pre == x.pre && b.cmpTie(y, &x) < 0 {
					lo = m + 1
				} else {
					hi = m
				}
			}
			if lo < i {
				copy(recs[lo+1:i+1], recs[lo:i])
				recs[lo] = x
			}
		}
	case n < radixMin:
		b.fill(recs)
		slices.SortFunc(recs, b.cmp)
	default:
		b.fill(recs)
		radixSort(recs, tmp[:n])
		for lo := 0; lo < n; {
			hi := lo + 1
			for hi < n && recs[hi].pre == recs[lo].pre {
				hi++
			}
			if hi-lo > 1 {
				slices.SortFunc(recs[lo:hi], b.cmp)
			}
			lo = hi
		}
	}
}

// cmp orders two records as sortRecs does.
func (b *Builder) cmp(x, y sortRec) int {
	if x.pre != y.pre {
		if x.pre < y.pre {
			return -1
		}
		return 1
	}
	return b.cmpTie(&x, &y)
}

// cmpTie orders two records whose prefixes are equal: by the whole key,
// then prefix values before exact ones, then in the order of Add (ord).
// Equal prefixes mean the keys agree on their first min(8, lengths)
// bytes; the rest is compared a word at a time.
func (b *Builder) cmpTie(x, y *sortRec) int {
	m := min(x.n, y.n)
	s := min(m, 8)
	ox, oy := b.items[x.seq()].off, b.items[y.seq()].off
	if l := s + commonPrefixAt(b.keys, ox+s, oy+s, m-s); l < m {
		return cmp.Compare(b.keys[ox+l], b.keys[oy+l])
	}
	if x.n != y.n {
		return cmp.Compare(x.n, y.n)
	}
	return cmp.Compare(x.ord, y.ord)
}

// radixSort sorts recs by pre, stably (least significant byte first),
// using tmp (as long as recs) as scratch. One pass counts all eight bytes;
// a byte that is the same in every record then costs no pass at all.
func radixSort(recs, tmp []sortRec) {
	if len(recs) == 0 {
		return
	}
	var count [8][256]int32
	for i := range recs {
		p := recs[i].pre
		count[0][byte(p)]++
		count[1][byte(p>>8)]++
		count[2][byte(p>>16)]++
		count[3][byte(p>>24)]++
		count[4][byte(p>>32)]++
		count[5][byte(p>>40)]++
		count[6][byte(p>>48)]++
		count[7][byte(p>>56)]++
	}
	src, dst := recs, tmp[:len(recs)]
	for pass := range count {
		c := &count[pass]
		shift := 8 * uint(pass)
		if c[byte(src[0].pre>>shift)] == int32(len(src)) {
			continue
		}
		pos := int32(0)
		for d := range c {
			k := c[d]
			c[d] = pos
			pos += k
		}
		for i := range src {
			d := byte(src[i].pre >> shift)
			dst[c[d]] = src[i]
			c[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &recs[0] {
		copy(recs, src)
	}
}
