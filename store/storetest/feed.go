package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ramauthz/ramauthz/store"
)

func testFeedContiguous(t *testing.T, h Harness) {
	b := open(t, h)
	m := NewModel()
	r := rand.New(rand.NewPCG(3, 4))
	accounts := []string{"a", "b", "c"}
	var states []*Model // states[i] = model at revision i
	states = append(states, m.Clone())
	for range 60 {
		batch := RandomBatch(r, m, accounts[r.IntN(len(accounts))], 5, 40)
		rev := mustCommit(t, b, batch)
		if rev != m.Rev+1 {
			t.Fatalf("commit returned %d after %d", rev, m.Rev)
		}
		if err := m.Apply(store.Change{Rev: rev, Batch: batch}); err != nil {
			t.Fatal(err)
		}
		states = append(states, m.Clone())
	}
	check(t, b, m)
	for _, limit := range []int{0, 1, 2, 7, 1000} {
		got := replay(t, b, limit)
		if d := got.Diff(mustSnapshot(t, b)); d != "" {
			t.Fatalf("replay with limit %d: %s", limit, d)
		}
	}
	// From every revision, the first page starts right after it and leads to the same state.
	for after := range states {
		cs, err := b.Changes(context.Background(), store.Revision(after), 3)
		if err != nil {
			t.Fatal(err)
		}
		mm := states[after].Clone()
		for _, c := range cs {
			if err := mm.Apply(c); err != nil {
				t.Fatalf("Changes(%d): %v", after, err)
			}
		}
		if want := min(after+3, len(states)-1); int(mm.Rev) != want {
			t.Fatalf("Changes(%d, 3) reached revision %d, want %d", after, mm.Rev, want)
		}
		if d := states[mm.Rev].Diff(snapshotOf(mm)); d != "" {
			t.Fatalf("Changes(%d, 3): %s", after, d)
		}
	}
}

// snapshotOf renders a model as the snapshot a backend would return.
func snapshotOf(m *Model) store.Snapshot {
	s := store.Snapshot{Head: store.Head{Rev: m.Rev}}
	for a, r := range m.Accounts {
		s.Accounts = append(s.Accounts, store.AccountRevision{Account: a, Rev: r})
	}
	for _, e := range m.Entries {
		s.Entries = append(s.Entries, e)
	}
	sortSnapshot(&s)
	return s
}

func testCompaction(t *testing.T, h Harness) {
	b := open(t, h)
	c, ok := b.(store.Compactor)
	if !ok {
		// Compactor is optional; such a backend's feed never fails with ErrCompacted.
		t.Log("storetest: the backend does not implement store.Compactor")
		return
	}
	ctx := context.Background()
	m := NewModel()
	r := rand.New(rand.NewPCG(5, 6))
	for range 30 {
		batch := RandomBatch(r, m, "a", 4, 32)
		rev := mustCommit(t, b, batch)
		m.Apply(store.Change{Rev: rev, Batch: batch})
	}
	if err := c.Compact(ctx, 31); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Compact beyond the head = %v, want ErrInvalid", err)
	}
	if err := c.Compact(ctx, 10); err != nil {
		t.Fatalf("Compact(10): %v", err)
	}
	check(t, b, m)
	if hd, _ := b.Head(ctx); hd.Compacted != 10 || hd.Rev != 30 {
		t.Fatalf("head after Compact(10) = %+v, want compacted 10, revision 30", hd)
	}
	_, err := b.Changes(ctx, 9, 0)
	var ce *store.CompactedError
	if !errors.As(err, &ce) || !errors.Is(err, store.ErrCompacted) || ce.After != 9 || ce.Compacted != 10 {
		t.Fatalf("Changes(9) after Compact(10) = %v, want *CompactedError{9, 10}", err)
	}
	cs, err := b.Changes(ctx, 10, 0)
	if err != nil || len(cs) != 20 || cs[0].Rev != 11 || cs[19].Rev != 30 {
		t.Fatalf("Changes(10) after Compact(10) = %d changes, %v; want revisions 11..30", len(cs), err)
	}
	// Compacting below the point does nothing; the feed still starts at 11.
	if err := c.Compact(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if hd, _ := b.Head(ctx); hd.Compacted != 10 {
		t.Fatalf("Compact(3) moved the compaction point to %d", hd.Compacted)
	}
	// Commits continue after compaction; compacting to the head leaves an empty, valid feed.
	batch := RandomBatch(r, m, "a", 4, 32)
	rev := mustCommit(t, b, batch)
	m.Apply(store.Change{Rev: rev, Batch: batch})
	if err := c.Compact(ctx, rev); err != nil {
		t.Fatal(err)
	}
	check(t, b, m)
	if cs, err := b.Changes(ctx, rev, 0); err != nil || len(cs) != 0 {
		t.Fatalf("Changes(head) after compacting to the head = %v, %v", cs, err)
	}
	if _, err := b.Changes(ctx, rev-1, 0); !errors.Is(err, store.ErrCompacted) {
		t.Fatalf("Changes(head-1) after compacting to the head = %v, want ErrCompacted", err)
	}
	// A reader behind compaction reloads from a snapshot and follows the feed from there.
	s := mustSnapshot(t, b)
	if s.Compacted != rev {
		t.Fatalf("snapshot compaction point %d, want %d", s.Compacted, rev)
	}
	follower := ModelOf(s)
	batch = RandomBatch(r, m, "b", 4, 32)
	mustCommit(t, b, batch)
	cs, err = b.Changes(ctx, s.Rev, 0)
	if err != nil || len(cs) != 1 {
		t.Fatalf("Changes(%d) = %v, %v", s.Rev, cs, err)
	}
	if err := follower.Apply(cs[0]); err != nil {
		t.Fatal(err)
	}
	check(t, b, follower)
}

func testReopen(t *testing.T, h Harness) {
	b := h.New(t)
	ctx := context.Background()
	m := NewModel()
	r := rand.New(rand.NewPCG(11, 12))
	for i := range 25 {
		batch := RandomBatch(r, m, fmt.Sprintf("a%d", i%3), 5, 100)
		rev := mustCommit(t, b, batch)
		cs, _ := b.Changes(ctx, rev-1, 1)
		m.Apply(cs[0])
	}
	before, _ := b.Head(ctx)
	feed, _ := b.Changes(ctx, 0, 0)
	b = h.Reopen(t, b)
	t.Cleanup(func() { b.Close() })
	after, err := b.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Fatalf("head after reopen %+v, before %+v", after, before)
	}
	check(t, b, m)
	feed2, err := b.Changes(ctx, 0, 0)
	if err != nil || len(feed2) != len(feed) {
		t.Fatalf("feed after reopen: %d changes, %v; before %d", len(feed2), err, len(feed))
	}
	for i := range feed {
		if !feed[i].At.Equal(feed2[i].At) || feed[i].Batch.RequestID != feed2[i].Batch.RequestID || feed[i].Rev != feed2[i].Rev {
			t.Fatalf("change %d differs after reopen: %+v vs %+v", i, feed[i], feed2[i])
		}
	}
	// Commits continue from the recovered head; compaction survives a reopen too.
	batch := RandomBatch(r, m, "a0", 3, 10)
	rev := mustCommit(t, b, batch)
	m.Apply(store.Change{Rev: rev, Batch: batch})
	if c, ok := b.(store.Compactor); ok {
		if err := c.Compact(ctx, rev-5); err != nil {
			t.Fatal(err)
		}
		b = h.Reopen(t, b)
		t.Cleanup(func() { b.Close() })
		if hd, _ := b.Head(ctx); hd.Compacted != rev-5 || hd.Rev != rev {
			t.Fatalf("head after compaction and reopen = %+v, want compacted %d, revision %d", hd, rev-5, rev)
		}
		if cs, err := b.Changes(ctx, rev-5, 0); err != nil || len(cs) != 5 {
			t.Fatalf("feed after compaction and reopen: %d changes, %v", len(cs), err)
		}
	}
	check(t, b, m)
}
