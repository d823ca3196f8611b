package signature

// nonceSet is a set of 64-bit nonce hashes: an open-addressing table with
// linear probing, indexed by the hash's low bits (the hashes are keyed with
// the cache's random seed, so nobody can aim entries at one slot). It
// replaces a map[uint64]struct{}: with it nonceCache.record took about a
// third less time in BenchmarkNonceCacheFlood (one key).
// 0 marks an empty slot, so the hash 0 is held by a flag instead. The
// table is at most half full; it doubles when it would be fuller and
// halves when it is less than an eighth full, so its size stays within 16
// times the entries (plus 8 slots) and it gives memory back when a key's
// entries expire. Deletion shifts the following entries back instead of
// leaving tombstones, so lookups never slow down with churn. Not safe for
// concurrent use (nonceCache holds its lock).
type nonceSet struct {
	slots   []uint64
	n       int  // entries in slots
	hasZero bool // whether the hash 0 is in the set
}

const nonceSetMinSlots = 8

// len returns the number of hashes in the set.
func (s *nonceSet) len() int {
	if s.hasZero {
		return s.n + 1
	}
	return s.n
}

// add inserts h and reports whether it was absent.
func (s *nonceSet) add(h uint64) bool {
	if h == 0 {
		added := !s.hasZero
		s.hasZero = true
		return added
	}
	if 2*(s.n+1) > len(s.slots) {
		s.resize(max(nonceSetMinSlots, 2*len(s.slots)))
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return false
		case 0:
			s.slots[i] = h
			s.n++
			return true
		}
	}
}

// remove deletes h if present.
func (s *nonceSet) remove(h uint64) {
	if h == 0 {
		s.hasZero = false
		return
	}
	if s.n == 0 {
		return
	}
	mask := uint64(len(s.slots) - 1)
	i := h & mask
	for s.slots[i] != h {
		if s.slots[i] == 0 {
			return // absent
		}
		i = (i + 1) & mask
	}
	// Shift back every following entry of the run that may sit in the
	// emptied slot: one whose home slot is not cyclically in (i, j].
	for j := i; ; {
		j = (j + 1) & mask
		e := s.slots[j]
		if e == 0 {
			break
		}
		if home := e & mask; (j-home)&mask < (j-i)&mask {
			continue // its home is after i: it must stay at or after its home
		}
		s.slots[i] = e
		i = j
	}
	s.slots[i] = 0
	s.n--
	if len(s.slots) > nonceSetMinSlots && 8*s.n < len(s.slots) {
		s.resize(len(s.slots) / 2)
	}
}

// resize rebuilds the table with size slots (a power of two).
func (s *nonceSet) resize(size int) {
	old := s.slots
	s.slots = make([]uint64, size)
	mask := uint64(size - 1)
	for _, h := range old {
		if h == 0 {
			continue
		}
		i := h & mask
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = h
	}
}
