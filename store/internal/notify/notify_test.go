package notify

import (
	"context"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/store"
)

// A subscriber that never reads does not block Publish, and keeps only the newest hint.
func TestPublishNeverBlocksAndCoalesces(t *testing.T) {
	var h Hub
	ch := h.Subscribe(context.Background())
	done := make(chan struct{})
	go func() {
		for r := range store.Revision(1000) {
			h.Publish(r + 1)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Publish blocked on a subscriber that does not read")
	}
	if got := <-ch; got != 1000 {
		t.Fatalf("hint %d, want the newest (1000)", got)
	}
	select {
	case r := <-ch:
		t.Fatalf("a second, stale hint %d was kept", r)
	default:
	}
}

func TestSubscriptionEnds(t *testing.T) {
	var h Hub
	ctx, cancel := context.WithCancel(context.Background())
	a := h.Subscribe(ctx)
	b := h.Subscribe(context.Background())
	cancel()
	waitClosed(t, a, "after its context was canceled")
	h.Publish(5) // only b remains
	if r := <-b; r != 5 {
		t.Fatalf("hint %d, want 5", r)
	}
	h.Close()
	waitClosed(t, b, "after Close")
	waitClosed(t, h.Subscribe(context.Background()), "when subscribing after Close")
	h.Publish(6) // no subscribers, no panic on closed channels
}

func waitClosed(t *testing.T, ch <-chan store.Revision, when string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatalf("channel not closed %s", when)
		}
	}
}
