package signature

import (
	"container/heap"
	"hash/maphash"
	"strings"
	"sync"
	"time"
)

// nonceCache remembers the (AccessKeyId, nonce) pairs of accepted requests
// for as long as a request with that timestamp could still be accepted, and
// never more than max of them.
//
// When it is full, it forgets the oldest entry of the AccessKeyId that holds
// the most entries, and raises that key's floor to the forgotten entry's
// timestamp: from then on a request of that key whose timestamp is at or
// below its floor is refused as a possible replay. A forgotten nonce is
// therefore never accepted twice, and the price of a flood is paid by the
// key that floods: one AccessKey signing many requests (even with
// timestamps up to the window's edge in the future) cannot make the cache
// refuse another key's requests. Memory stays bounded by max entries, plus
// one small record per AccessKeyId whose floor still matters, whatever the
// request rate; when more than max keys would need a record, the records
// are folded into one floor for every key.
//
// A nonce is remembered by a 64-bit hash keyed with the cache's random
// seed, not by its text: an entry then holds no pointer (the collector
// neither scans the entries nor pays write barriers for them) and costs
// the same whatever the nonce's length. Two nonces of one key with the
// same hash make the later request refused as a replay, never a replay
// accepted; with a key's entries bounded by max (65,536 by default) that
// happens to a fresh nonce with probability below 2^-48, and nobody can
// aim for it without the seed.
type nonceCache struct {
	seed    maphash.Seed
	mu      sync.Mutex
	max     int
	total   int                   // entries over all keys
	keys    map[string]*keyNonces // by AccessKeyId
	byCount countHeap             // keys with at least one entry, the most entries first
	floor   int64                 // unix seconds; requests of any key at or below it are refused
}

// keyNonces is one AccessKeyId's remembered nonces.
type keyNonces struct {
	id    string
	seen  nonceSet  // the nonces' hashes
	order nonceHeap // oldest first
	floor int64     // unix seconds; this key's requests at or below it are refused
	index int       // position in byCount, -1 when absent
	held  bool      // whether keys holds it
}

type nonceEntry struct {
	nonce uint64 // the nonce's hash
	ts    int64  // the request's timestamp, unix seconds
}

// nonceHeap is a min-heap of entries by timestamp. It has its own push and
// pop instead of container/heap's, whose interface{} arguments would
// allocate for every entry recorded.
type nonceHeap []nonceEntry

func (h *nonceHeap) push(e nonceEntry) {
	s := append(*h, e)
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if s[p].ts <= s[i].ts {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
	*h = s
}

// pop removes and returns the oldest entry; h must not be empty.
func (h *nonceHeap) pop() nonceEntry {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < len(s) && s[l].ts < s[m].ts {
			m = l
		}
		if r := l + 1; r < len(s) && s[r].ts < s[m].ts {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}

// countHeap orders keys by their number of entries, the largest first.
type countHeap []*keyNonces

func (h countHeap) Len() int           { return len(h) }
func (h countHeap) Less(i, j int) bool { return len(h[i].order) > len(h[j].order) }
func (h countHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *countHeap) Push(x any) {
	k := x.(*keyNonces)
	k.index = len(*h)
	*h = append(*h, k)
}
func (h *countHeap) Pop() any {
	old := *h
	k := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	k.index = -1
	return k
}

const minFloor = -1 << 62

func newNonceCache(max int) *nonceCache {
	return &nonceCache{seed: maphash.MakeSeed(), max: max, keys: make(map[string]*keyNonces), floor: minFloor}
}

// record reports whether the pair is new, and remembers it. ts is the
// request's timestamp; expiry is the oldest timestamp any request can still
// have (now minus the window): entries older than that are dropped first.
func (c *nonceCache) record(accessKeyID, nonceText string, ts time.Time, expiry time.Time) bool {
	t, exp := ts.Unix(), expiry.Unix()
	nonce := maphash.String(c.seed, nonceText)
	c.mu.Lock()
	defer c.mu.Unlock()
	if t <= c.floor {
		return false
	}
	k := c.keys[accessKeyID]
	if k != nil {
		c.expire(k, exp)
		if t <= k.floor {
			return false
		}
	} else {
		k = &keyNonces{id: accessKeyID, floor: minFloor, index: -1}
	}
	// One probe both checks and inserts; the nonce is taken out again if
	// the request is refused below. It is not in k.order yet, so the
	// evictions cannot remove it.
	if !k.seen.add(nonce) {
		return false // already seen
	}
	for c.total >= c.max {
		big := c.byCount[0]
		if c.expire(big, exp) {
			continue
		}
		e := big.order.pop()
		big.seen.remove(e.nonce)
		c.total--
		big.floor = max(big.floor, e.ts)
		c.changed(big)
		if big == k && t <= k.floor {
			k.seen.remove(nonce)
			return false
		}
	}
	if !k.held { // new, or changed dropped it while it was empty
		// A copy: the ID may be a slice of a much larger request header.
		c.keys[strings.Clone(accessKeyID)], k.held = k, true
	}
	k.order.push(nonceEntry{nonce: nonce, ts: t})
	c.total++
	c.changed(k)
	if len(c.keys) > c.max {
		c.fold(exp)
	}
	return true
}

// expire drops k's entries older than exp and reports whether it dropped
// any.
func (c *nonceCache) expire(k *keyNonces, exp int64) bool {
	n := len(k.order)
	for len(k.order) > 0 && k.order[0].ts < exp {
		e := k.order.pop()
		k.seen.remove(e.nonce)
		c.total--
	}
	if len(k.order) == n {
		return false
	}
	c.changed(k)
	return true
}

// changed restores byCount after k's entries changed in number.
func (c *nonceCache) changed(k *keyNonces) {
	switch {
	case len(k.order) == 0 && k.index >= 0:
		heap.Remove(&c.byCount, k.index)
	case len(k.order) > 0 && k.index < 0:
		heap.Push(&c.byCount, k)
	case k.index >= 0:
		heap.Fix(&c.byCount, k.index)
	}
	if len(k.order) == 0 && k.floor == minFloor {
		delete(c.keys, k.id)
		k.held = false
	}
}

// fold bounds the per-key records: it forgets the keys without entries,
// first those whose floor no request can reach any more (below exp), and,
// if that is not enough, the others after raising the shared floor to
// theirs.
func (c *nonceCache) fold(exp int64) {
	for id, k := range c.keys {
		if len(k.order) == 0 && k.floor < exp {
			delete(c.keys, id)
			k.held = false
		}
	}
	if len(c.keys) <= c.max {
		return
	}
	for id, k := range c.keys {
		if len(k.order) == 0 {
			c.floor = max(c.floor, k.floor)
			delete(c.keys, id)
			k.held = false
		}
	}
}

// len returns the number of remembered pairs.
func (c *nonceCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}
