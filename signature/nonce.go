package signature

import (
	"container/heap"
	"sync"
	"time"
)

// nonceCache remembers the (AccessKeyId, nonce) pairs of accepted requests
// for as long as a request with that timestamp could still be accepted, and
// never more than max of them.
//
// When it is full, it forgets the entry with the oldest request timestamp
// and raises a floor to that timestamp: from then on a request whose
// timestamp is at or below the floor is refused as a possible replay. A
// forgotten nonce is therefore never accepted twice; the price of a flood
// is that requests signed in the same second as forgotten ones, or earlier,
// must be signed again. Memory stays bounded by max entries whatever the
// request rate.
type nonceCache struct {
	mu    sync.Mutex
	max   int
	seen  map[string]struct{}
	order nonceHeap
	floor int64 // unix seconds; requests at or below it are refused
}

type nonceEntry struct {
	key string
	ts  int64 // the request's timestamp, unix seconds
}

type nonceHeap []nonceEntry

func (h nonceHeap) Len() int           { return len(h) }
func (h nonceHeap) Less(i, j int) bool { return h[i].ts < h[j].ts }
func (h nonceHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *nonceHeap) Push(x any)        { *h = append(*h, x.(nonceEntry)) }
func (h *nonceHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

func newNonceCache(max int) *nonceCache {
	return &nonceCache{max: max, seen: make(map[string]struct{}), floor: -1 << 62}
}

// record reports whether the pair is new, and remembers it. ts is the
// request's timestamp; expiry is the oldest timestamp any request can still
// have (now minus the window): entries older than that are dropped first.
func (c *nonceCache) record(accessKeyID, nonce string, ts time.Time, expiry time.Time) bool {
	key := accessKeyID + "\x00" + nonce
	t := ts.Unix()
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.order) > 0 && c.order[0].ts < expiry.Unix() {
		e := heap.Pop(&c.order).(nonceEntry)
		delete(c.seen, e.key)
	}
	if t <= c.floor {
		return false
	}
	if _, dup := c.seen[key]; dup {
		return false
	}
	for len(c.order) >= c.max {
		e := heap.Pop(&c.order).(nonceEntry)
		delete(c.seen, e.key)
		if e.ts > c.floor {
			c.floor = e.ts
		}
		if t <= c.floor {
			return false
		}
	}
	c.seen[key] = struct{}{}
	heap.Push(&c.order, nonceEntry{key: key, ts: t})
	return true
}

// len returns the number of remembered pairs.
func (c *nonceCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}
