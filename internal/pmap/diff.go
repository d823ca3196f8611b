package pmap

import "math/bits"

// Diff calls yield for every key whose value differs between a and b (by
// ==), or that is in only one of them, in no particular order, until
// yield returns false: av and inA are the key's value in a and whether it
// is there, bv and inB the same for b.
//
// When b was derived from a by Set, SetIn and Delete (or a from b), the
// two share every subtree the changes did not touch, and Diff skips those
// by pointer: its cost follows the number of changed keys (times log32 of
// the size), not the size of the maps. Unrelated maps (another hash seed)
// are compared key by key, in time proportional to both sizes.
func Diff[V comparable](a, b Map[V], yield func(key string, av V, inA bool, bv V, inB bool) bool) {
	var zero V
	switch {
	case a.root == b.root:
		return
	case a.seed == b.seed || a.root == nil || b.root == nil:
		// One hash function (an empty map's root is nil whatever its seed):
		// walk both tries in step.
		diffNodes(a.root, b.root, 0, yield)
	default:
		for k, bv := range b.All {
			if av, ok := a.Get(k); !ok || av != bv {
				if !yield(k, av, ok, bv, true) {
					return
				}
			}
		}
		for k, av := range a.All {
			if _, ok := b.Get(k); !ok {
				if !yield(k, av, true, zero, false) {
					return
				}
			}
		}
	}
}

// diffNodes compares two nodes at one depth (both may be nil).
func diffNodes[V comparable](a, b *node[V], shift uint, yield func(string, V, bool, V, bool) bool) bool {
	var zero V
	if a == b {
		return true
	}
	if a == nil || b == nil {
		n, inA := a, true
		if a == nil {
			n, inA = b, false
		}
		return walk(n, func(k string, v V) bool {
			if inA {
				return yield(k, v, true, zero, false)
			}
			return yield(k, zero, false, v, true)
		})
	}
	if shift > maxShift { // collision buckets: few entries, compared by key
		for _, eb := range b.entries {
			found := false
			for _, ea := range a.entries {
				if ea.key == eb.key {
					found = true
					if ea.val != eb.val && !yield(eb.key, ea.val, true, eb.val, true) {
						return false
					}
					break
				}
			}
			if !found && !yield(eb.key, zero, false, eb.val, true) {
				return false
			}
		}
		for _, ea := range a.entries {
			found := false
			for _, eb := range b.entries {
				if ea.key == eb.key {
					found = true
					break
				}
			}
			if !found && !yield(ea.key, ea.val, true, zero, false) {
				return false
			}
		}
		return true
	}
	for used := a.bitmap | b.bitmap; used != 0; used &= used - 1 {
		bit := used & -used
		var ea, eb *entry[V]
		if a.bitmap&bit != 0 {
			ea = &a.entries[bits.OnesCount32(a.bitmap&(bit-1))]
		}
		if b.bitmap&bit != 0 {
			eb = &b.entries[bits.OnesCount32(b.bitmap&(bit-1))]
		}
		if !diffEntries(ea, eb, shift, yield) {
			return false
		}
	}
	return true
}

// diffEntries compares the slot contents ea and eb (either may be nil: the
// slot is empty on that side) of two nodes at depth shift.
func diffEntries[V comparable](ea, eb *entry[V], shift uint, yield func(string, V, bool, V, bool) bool) bool {
	var zero V
	// sub turns a slot into the node it stands for one level down: its
	// child, or a one-entry node holding its leaf.
	sub := func(e *entry[V]) *node[V] {
		switch {
		case e == nil:
			return nil
		case e.child != nil:
			return e.child
		}
		n, _ := set[V](nil, shift+5, *e)
		return n
	}
	switch {
	case ea != nil && eb != nil && ea.child == nil && eb.child == nil:
		if ea.key == eb.key {
			if ea.val != eb.val {
				return yield(eb.key, ea.val, true, eb.val, true)
			}
			return true
		}
		return yield(ea.key, ea.val, true, zero, false) && yield(eb.key, zero, false, eb.val, true)
	case ea != nil && eb == nil && ea.child == nil:
		return yield(ea.key, ea.val, true, zero, false)
	case ea == nil && eb != nil && eb.child == nil:
		return yield(eb.key, zero, false, eb.val, true)
	}
	return diffNodes(sub(ea), sub(eb), shift+5, yield)
}
