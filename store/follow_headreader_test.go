package store_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/memstore"
	"github.com/ramauthz/ramauthz/store/storetest"
)

// headReading gives a backend the store.HeadReader method, built from Head and Changes
// (retried until both heads around the read agree on the epoch, and trimmed to the first
// head), so that the Follower takes its one-request path.
type headReading struct {
	store.Backend
	calls int
}

func (h *headReading) HeadChanges(ctx context.Context, after store.Revision, limit int) (store.Head, []store.Change, error) {
	h.calls++
	for {
		h1, err := h.Head(ctx)
		if err != nil {
			return store.Head{}, nil, err
		}
		cs, err := h.Changes(ctx, after, limit)
		if err != nil {
			return store.Head{}, nil, err
		}
		h2, err := h.Head(ctx)
		if err != nil {
			return store.Head{}, nil, err
		}
		if h1.Epoch != h2.Epoch {
			continue
		}
		for i, c := range cs {
			if c.Rev > h1.Rev {
				cs = cs[:i]
				break
			}
		}
		return h1, cs, nil
	}
}

// TestFollowerHeadReader: on a backend with HeadChanges the Follower loads, applies the feed
// in pages up to the head of its first read, confirms that read's start, reloads behind
// compaction and on a new epoch, refuses a gap, and reads once per round when the changes
// fit one page.
func TestFollowerHeadReader(t *testing.T) {
	ctx := context.Background()
	b := memstore.New()
	defer b.Close()
	m := storetest.NewModel()
	r := rand.New(rand.NewPCG(4, 4))
	commitN(t, b, m, r, 10, "a")
	hr := &headReading{Backend: b}
	rep := &modelReplica{}
	f := store.NewFollower(hr, rep, store.FollowerOptions{PageSize: 3})
	before := time.Now()
	st, err := f.Sync(ctx)
	if err != nil || st.Applied != 10 || st.ConfirmedAt.Before(before) || st.Reloads != 0 {
		t.Fatalf("first Sync = %+v, %v; want applied 10, confirmed after %v", st, err, before)
	}
	if hr.calls != 1 {
		t.Fatalf("%d HeadChanges calls for a round on a loaded replica at the head, want 1", hr.calls)
	}
	commitN(t, b, m, r, 7, "b")
	hr.calls = 0
	if st, err = f.Sync(ctx); err != nil || st.Applied != 17 {
		t.Fatalf("Sync = %+v, %v; want applied 17", st, err)
	}
	if hr.calls != 3 { // 7 changes in pages of 3
		t.Fatalf("%d HeadChanges calls for 7 changes in pages of 3, want 3", hr.calls)
	}
	if d := snapshotDiff(t, b, rep.model()); d != "" {
		t.Fatal(d)
	}
	commitN(t, b, m, r, 2, "a")
	hr.calls = 0
	f2 := store.NewFollower(hr, &modelReplica{}, store.FollowerOptions{})
	if _, err := f2.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	hr.calls = 0
	commitN(t, b, m, r, 2, "a")
	if st, err := f2.Sync(ctx); err != nil || st.Applied != 21 || hr.calls != 1 {
		t.Fatalf("Sync with the changes in one page = %+v, %v after %d calls; want applied 21 in one", st, err, hr.calls)
	}
	// Behind compaction: a reload.
	commitN(t, b, m, r, 3, "a")
	if err := b.Compact(ctx, 23); err != nil {
		t.Fatal(err)
	}
	if st, err = f.Sync(ctx); err != nil || st.Applied != 24 || st.Reloads != 1 {
		t.Fatalf("Sync behind compaction = %+v, %v; want applied 24 after one reload", st, err)
	}
	if d := snapshotDiff(t, b, rep.model()); d != "" {
		t.Fatal(d)
	}

	// A new epoch with a higher head: reloaded, never mixed.
	sw := &switching{cur: b}
	rep2 := &modelReplica{}
	f3 := store.NewFollower(&headReading{Backend: sw}, rep2, store.FollowerOptions{})
	if _, err := f3.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	second := memstore.New()
	defer second.Close()
	m2 := storetest.NewModel()
	commitN(t, second, m2, r, 30, "z")
	sw.mu.Lock()
	sw.cur = second
	sw.mu.Unlock()
	h2, _ := second.Head(ctx)
	if st, err := f3.Sync(ctx); err != nil || st.Epoch != h2.Epoch || st.Applied != 30 || st.Reloads != 1 {
		t.Fatalf("Sync after the epoch change = %+v, %v", st, err)
	}
	if d := snapshotDiff(t, second, rep2.model()); d != "" {
		t.Fatal(d)
	}

	// A gap: refused, nothing applied.
	g := memstore.New()
	defer g.Close()
	rep3 := &modelReplica{}
	f4 := store.NewFollower(&headReading{Backend: gappy{g}}, rep3, store.FollowerOptions{})
	if _, err := f4.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	commitN(t, g, storetest.NewModel(), r, 5, "a")
	if st, err := f4.Sync(ctx); !errors.Is(err, store.ErrCorrupt) || st.Applied != 0 {
		t.Fatalf("Sync over a gap = %+v, %v; want ErrCorrupt with nothing applied", st, err)
	}
}
