// Package notify fans best-effort revision hints out to subscribers, for the store backends.
package notify

import (
	"context"
	"sync"

	"github.com/ramauthz/ramauthz/store"
)

// Hub delivers revision hints to subscribers without ever blocking the publisher: each
// subscriber has a one-slot channel that holds the newest revision not yet received. The zero
// Hub is ready to use; a Hub is safe for concurrent use.
type Hub struct {
	mu     sync.Mutex
	subs   map[chan store.Revision]struct{}
	closed bool
}

// Subscribe returns a channel of hints, closed when ctx is done or the Hub is closed.
func (h *Hub) Subscribe(ctx context.Context) <-chan store.Revision {
	ch := make(chan store.Revision, 1)
	h.mu.Lock()
	if h.closed || ctx.Err() != nil {
		h.mu.Unlock()
		close(ch)
		return ch
	}
	if h.subs == nil {
		h.subs = make(map[chan store.Revision]struct{})
	}
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	if ctx.Done() != nil {
		context.AfterFunc(ctx, func() { h.drop(ch) })
	}
	return ch
}

func (h *Hub) drop(ch chan store.Revision) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[ch]; ok {
		delete(h.subs, ch)
		close(ch)
	}
}

// Publish tells every subscriber that the head reached rev, replacing an older hint still
// waiting in its channel. It never blocks.
func (h *Hub) Publish(rev store.Revision) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		for {
			select {
			case ch <- rev:
			default:
				// Full: drop the stale hint and try again (only Publish sends, under mu).
				select {
				case <-ch:
				default:
				}
				continue
			}
			break
		}
	}
}

// Close closes every subscriber's channel; later subscriptions get a closed channel.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for ch := range h.subs {
		delete(h.subs, ch)
		close(ch)
	}
}
