// Package pmap is a persistent (immutable) hash map from strings to values:
// a hash array mapped trie with 32-way nodes. Set and Delete return a new
// map that shares all but the O(log32 n) nodes on the changed path with the
// old one, which stays valid and unchanged, so readers can use any version
// without locks while a writer builds the next.
//
// Get does not allocate. A Map is safe for concurrent use: nothing in it is
// ever written after it is returned. The zero Map is empty and ready to
// use; all versions derived from one map share its hash seed.
package pmap

import (
	"github.com/ramauthz/ramauthz/internal/strhash"
	"math/bits"
	"slices"
	"strings"
)

// Map is an immutable map from string keys to values of type V.
type Map[V any] struct {
	root *node[V]
	n    int
	seed *strhash.Seed // shared by every version
}

// node is an inner node: bitmap marks which of the 32 slots are used and
// entries holds them in slot order. Below the last level (hash bits
// exhausted) a node is a collision bucket: bitmap 0, entries unordered.
type node[V any] struct {
	bitmap  uint32
	entries []entry[V]
	edit    *Token // the builder that created this node (SetIn), or nil
}

type entry[V any] struct {
	key   string
	hash  uint64
	val   V
	child *node[V] // non-nil: this slot is a sub-node and key/val are unused
}

const maxShift = 60 // the 13th level uses the last 4 bits; deeper is a collision bucket

func (m Map[V]) hash(key string) uint64 { return strhash.String(*m.seed, key) }

// Len returns the number of keys.
func (m Map[V]) Len() int { return m.n }

// Get returns the value of key and whether it is present. It does not
// allocate.
func (m Map[V]) Get(key string) (V, bool) {
	var zero V
	n := m.root
	if n == nil {
		return zero, false
	}
	h := m.hash(key)
	for shift := uint(0); ; shift += 5 {
		if shift > maxShift {
			for i := range n.entries {
				if n.entries[i].key == key {
					return n.entries[i].val, true
				}
			}
			return zero, false
		}
		bit := uint32(1) << ((h >> shift) & 31)
		if n.bitmap&bit == 0 {
			return zero, false
		}
		e := &n.entries[bits.OnesCount32(n.bitmap&(bit-1))]
		if e.child != nil {
			n = e.child
			continue
		}
		if e.hash == h && e.key == key {
			return e.val, true
		}
		return zero, false
	}
}

// Set returns a map in which key has value v.
func (m Map[V]) Set(key string, v V) Map[V] {
	if m.seed == nil {
		s := strhash.NewSeed()
		m.seed = &s
	}
	h := m.hash(key)
	root, added := set(m.root, 0, entry[V]{key: key, hash: h, val: v})
	m.root = root
	if added {
		m.n++
	}
	return m
}

func set[V any](n *node[V], shift uint, e entry[V]) (*node[V], bool) {
	if n == nil {
		n = &node[V]{}
	}
	if shift > maxShift {
		c := &node[V]{entries: slices.Clone(n.entries)}
		for i := range c.entries {
			if c.entries[i].key == e.key {
				c.entries[i] = e
				return c, false
			}
		}
		c.entries = append(c.entries, e)
		return c, true
	}
	bit := uint32(1) << ((e.hash >> shift) & 31)
	idx := bits.OnesCount32(n.bitmap & (bit - 1))
	c := &node[V]{bitmap: n.bitmap}
	if n.bitmap&bit == 0 {
		c.bitmap |= bit
		c.entries = make([]entry[V], 0, len(n.entries)+1)
		c.entries = append(c.entries, n.entries[:idx]...)
		c.entries = append(c.entries, e)
		c.entries = append(c.entries, n.entries[idx:]...)
		return c, true
	}
	c.entries = slices.Clone(n.entries)
	old := &c.entries[idx]
	switch {
	case old.child != nil:
		child, added := set(old.child, shift+5, e)
		old.child = child
		return c, added
	case old.key == e.key:
		*old = e
		return c, false
	default: // two keys in one slot: push both one level down
		child, _ := set[V](nil, shift+5, *old)
		child, _ = set(child, shift+5, e)
		*old = entry[V]{child: child}
		return c, true
	}
}

// Token names one bulk build of a map (SetIn). Make one with NewToken.
type Token struct{ _ byte }

// NewToken returns a Token for one build.
func NewToken() *Token { return new(Token) }

// SetIn is Set for building a map with many keys: the nodes that SetIn
// created under tok are updated in place instead of copied again, so n
// SetIns cost O(n) nodes instead of O(n log32 n). Nodes made by Set, or
// under another token, are copied as Set does, so m and every map derived
// from it before the build stay unchanged. The intermediate results of
// SetIn with one tok share their nodes: keep only the last one, and stop
// using tok before the map is handed to readers (one goroutine per tok).
func (m Map[V]) SetIn(tok *Token, key string, v V) Map[V] {
	if m.seed == nil {
		s := strhash.NewSeed()
		m.seed = &s
	}
	root, added := setIn(m.root, 0, entry[V]{key: key, hash: m.hash(key), val: v}, tok)
	m.root = root
	if added {
		m.n++
	}
	return m
}

func setIn[V any](n *node[V], shift uint, e entry[V], tok *Token) (*node[V], bool) {
	switch {
	case n == nil:
		n = &node[V]{edit: tok}
	case n.edit != tok:
		n = &node[V]{bitmap: n.bitmap, entries: slices.Clone(n.entries), edit: tok}
	}
	if shift > maxShift {
		for i := range n.entries {
			if n.entries[i].key == e.key {
				n.entries[i] = e
				return n, false
			}
		}
		n.entries = append(n.entries, e)
		return n, true
	}
	bit := uint32(1) << ((e.hash >> shift) & 31)
	idx := bits.OnesCount32(n.bitmap & (bit - 1))
	if n.bitmap&bit == 0 {
		n.bitmap |= bit
		n.entries = slices.Insert(n.entries, idx, e)
		return n, true
	}
	old := &n.entries[idx]
	switch {
	case old.child != nil:
		child, added := setIn(old.child, shift+5, e, tok)
		old.child = child
		return n, added
	case old.key == e.key:
		*old = e
		return n, false
	default:
		child, _ := setIn[V](nil, shift+5, *old, tok)
		child, _ = setIn(child, shift+5, e, tok)
		*old = entry[V]{child: child}
		return n, true
	}
}

// Delete returns a map without key (the same map when key is absent).
func (m Map[V]) Delete(key string) Map[V] {
	if m.root == nil {
		return m
	}
	root, removed := del(m.root, 0, key, m.hash(key))
	if !removed {
		return m
	}
	m.root = root
	m.n--
	return m
}

func del[V any](n *node[V], shift uint, key string, h uint64) (*node[V], bool) {
	if shift > maxShift {
		i := slices.IndexFunc(n.entries, func(e entry[V]) bool { return e.key == key })
		if i < 0 {
			return n, false
		}
		c := &node[V]{entries: slices.Delete(slices.Clone(n.entries), i, i+1)}
		return c, true
	}
	bit := uint32(1) << ((h >> shift) & 31)
	if n.bitmap&bit == 0 {
		return n, false
	}
	idx := bits.OnesCount32(n.bitmap & (bit - 1))
	e := n.entries[idx]
	if e.child != nil {
		child, removed := del(e.child, shift+5, key, h)
		if !removed {
			return n, false
		}
		c := &node[V]{bitmap: n.bitmap, entries: slices.Clone(n.entries)}
		if len(child.entries) == 0 {
			c.bitmap &^= bit
			c.entries = slices.Delete(c.entries, idx, idx+1)
		} else if len(child.entries) == 1 && child.entries[0].child == nil {
			c.entries[idx] = child.entries[0] // pull a lone leaf up
		} else {
			c.entries[idx].child = child
		}
		return c, true
	}
	if e.key != key {
		return n, false
	}
	c := &node[V]{bitmap: n.bitmap &^ bit, entries: slices.Delete(slices.Clone(n.entries), idx, idx+1)}
	return c, true
}

// All calls yield for every key and value, in no particular order, until
// yield returns false. Use Keys for sorted keys.
func (m Map[V]) All(yield func(string, V) bool) {
	walk(m.root, yield)
}

func walk[V any](n *node[V], yield func(string, V) bool) bool {
	if n == nil {
		return true
	}
	for i := range n.entries {
		e := &n.entries[i]
		if e.child != nil {
			if !walk(e.child, yield) {
				return false
			}
		} else if !yield(e.key, e.val) {
			return false
		}
	}
	return true
}

// Keys returns the keys in ascending order.
func (m Map[V]) Keys() []string {
	out := make([]string, 0, m.n)
	for k := range m.All {
		out = append(out, k)
	}
	slices.SortFunc(out, strings.Compare)
	return out
}

// Sorted calls yield for every key and value in ascending key order.
func (m Map[V]) Sorted(yield func(string, V) bool) {
	for _, k := range m.Keys() {
		v, _ := m.Get(k)
		if !yield(k, v) {
			return
		}
	}
}
