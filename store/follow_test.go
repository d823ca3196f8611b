package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/memstore"
	"github.com/ramauthz/ramauthz/store/storetest"
)

// modelReplica is a Replica holding a storetest.Model, checking what it is given.
type modelReplica struct {
	mu    sync.Mutex
	m     *storetest.Model
	loads int
}

func (r *modelReplica) Load(s store.Snapshot) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m = storetest.ModelOf(s)
	r.loads++
	return nil
}

func (r *modelReplica) Apply(cs []store.Change) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	next := r.m.Clone()
	for _, c := range cs {
		if err := next.Apply(c); err != nil {
			return err
		}
	}
	r.m = next
	return nil
}

func (r *modelReplica) model() *storetest.Model {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m.Clone()
}

func commitN(t *testing.T, b store.Backend, m *storetest.Model, r *rand.Rand, n int, account string) {
	t.Helper()
	for range n {
		batch := storetest.RandomBatch(r, m, account, 4, 16)
		rev, err := b.Commit(context.Background(), batch)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Apply(store.Change{Rev: rev, Batch: batch}); err != nil {
			t.Fatal(err)
		}
	}
}

func snapshotDiff(t *testing.T, b store.Backend, m *storetest.Model) string {
	t.Helper()
	s, err := b.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return m.Diff(s)
}

// TestFollowerSync: Sync loads, applies the feed in pages, confirms the head, and reloads when
// it fell behind compaction.
func TestFollowerSync(t *testing.T) {
	ctx := context.Background()
	b := memstore.New()
	defer b.Close()
	m := storetest.NewModel()
	r := rand.New(rand.NewPCG(1, 1))
	commitN(t, b, m, r, 10, "a")
	rep := &modelReplica{}
	f := store.NewFollower(b, rep, store.FollowerOptions{PageSize: 3})
	if st := f.Status(); st.Applied != 0 || !st.ConfirmedAt.IsZero() {
		t.Fatalf("status before the first round: %+v", st)
	}
	before := time.Now()
	st, err := f.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Applied != 10 || st.ConfirmedAt.Before(before) || st.Reloads != 0 || st.Err != nil {
		t.Fatalf("status after Sync: %+v, want applied 10, confirmed after %v", st, before)
	}
	commitN(t, b, m, r, 7, "b")
	if st, err = f.Sync(ctx); err != nil || st.Applied != 17 {
		t.Fatalf("Sync = %+v, %v; want applied 17", st, err)
	}
	if d := snapshotDiff(t, b, rep.model()); d != "" {
		t.Fatal(d)
	}
	if rep.loads != 1 {
		t.Fatalf("%d loads, want 1 (the feed was available)", rep.loads)
	}
	// Fall behind compaction: the next round reloads.
	commitN(t, b, m, r, 5, "a")
	if err := b.Compact(ctx, 20); err != nil {
		t.Fatal(err)
	}
	if st, err = f.Sync(ctx); err != nil || st.Applied != 22 || st.Reloads != 1 {
		t.Fatalf("Sync behind compaction = %+v, %v; want applied 22 after one reload", st, err)
	}
	if d := snapshotDiff(t, b, rep.model()); d != "" {
		t.Fatal(d)
	}
}

// switching is a backend whose store can be replaced under the reader (a database re-created
// or restored: a new epoch) and which can be made to fail.
type switching struct {
	mu      sync.Mutex
	cur     *memstore.Store
	failing atomic.Bool
}

func (s *switching) get() (*memstore.Store, error) {
	if s.failing.Load() {
		return nil, fmt.Errorf("test: %w", store.ErrUnavailable)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur, nil
}

func (s *switching) Snapshot(ctx context.Context) (store.Snapshot, error) {
	b, err := s.get()
	if err != nil {
		return store.Snapshot{}, err
	}
	return b.Snapshot(ctx)
}
func (s *switching) Commit(ctx context.Context, x store.Batch) (store.Revision, error) {
	b, err := s.get()
	if err != nil {
		return 0, err
	}
	return b.Commit(ctx, x)
}
func (s *switching) Changes(ctx context.Context, after store.Revision, limit int) ([]store.Change, error) {
	b, err := s.get()
	if err != nil {
		return nil, err
	}
	return b.Changes(ctx, after, limit)
}
func (s *switching) Head(ctx context.Context) (store.Head, error) {
	b, err := s.get()
	if err != nil {
		return store.Head{}, err
	}
	return b.Head(ctx)
}
func (s *switching) Notify(ctx context.Context) <-chan store.Revision {
	ch := make(chan store.Revision) // never fires: the follower must poll
	context.AfterFunc(ctx, func() { close(ch) })
	return ch
}
func (s *switching) Close() error { return nil }

// TestFollowerNewEpochAndFailures: a store replaced by another history (with a higher head,
// so revisions alone would not tell) is reloaded, never mixed; while the backend fails, Status
// reports the error and the confirmation does not advance; Run converges by polling alone.
func TestFollowerNewEpochAndFailures(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	first := memstore.New()
	sw := &switching{cur: first}
	m1 := storetest.NewModel()
	r := rand.New(rand.NewPCG(2, 2))
	commitN(t, first, m1, r, 5, "a")
	rep := &modelReplica{}
	f := store.NewFollower(sw, rep, store.FollowerOptions{PollInterval: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	waitFor := func(what string, ok func(store.FollowerStatus) bool) store.FollowerStatus {
		t.Helper()
		for {
			st := f.Status()
			if ok(st) {
				return st
			}
			select {
			case <-ctx.Done():
				t.Fatalf("timed out waiting for %s; status %+v", what, st)
			case <-time.After(2 * time.Millisecond):
			}
		}
	}
	h1, _ := first.Head(ctx)
	waitFor("the first store", func(st store.FollowerStatus) bool {
		return st.Applied == 5 && st.Epoch == h1.Epoch && !st.ConfirmedAt.IsZero()
	})

	// Failures: the error shows, the confirmation stops.
	sw.failing.Store(true)
	st := waitFor("an error", func(st store.FollowerStatus) bool { return st.Err != nil })
	if !errors.Is(st.Err, store.ErrUnavailable) {
		t.Fatalf("status error %v, want ErrUnavailable", st.Err)
	}
	confirmed := st.ConfirmedAt
	time.Sleep(30 * time.Millisecond)
	if st := f.Status(); !st.ConfirmedAt.Equal(confirmed) {
		t.Fatalf("confirmation moved from %v to %v while the backend failed", confirmed, st.ConfirmedAt)
	}
	sw.failing.Store(false)
	waitFor("recovery", func(st store.FollowerStatus) bool { return st.Err == nil && st.ConfirmedAt.After(confirmed) })

	// Another history with more revisions replaces the store.
	second := memstore.New()
	m2 := storetest.NewModel()
	commitN(t, second, m2, r, 9, "z")
	sw.mu.Lock()
	sw.cur = second
	sw.mu.Unlock()
	h2, _ := second.Head(ctx)
	waitFor("the second store", func(st store.FollowerStatus) bool { return st.Epoch == h2.Epoch && st.Applied == 9 && st.Reloads == 1 })
	if d := snapshotDiff(t, second, rep.model()); d != "" {
		t.Fatalf("after the epoch change: %s", d)
	}
	commitN(t, second, m2, r, 4, "z")
	waitFor("new commits", func(st store.FollowerStatus) bool { return st.Applied == 13 })
	if d := snapshotDiff(t, second, rep.model()); d != "" {
		t.Fatal(d)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
}

// gappy returns a feed with a revision missing: the follower must refuse it.
type gappy struct{ *memstore.Store }

func (g gappy) Changes(ctx context.Context, after store.Revision, limit int) ([]store.Change, error) {
	cs, err := g.Store.Changes(ctx, after, limit)
	if len(cs) > 2 {
		cs = append(cs[:1], cs[2:]...)
	}
	return cs, err
}

func TestFollowerRefusesAGap(t *testing.T) {
	b := memstore.New()
	rep := &modelReplica{}
	f := store.NewFollower(gappy{b}, rep, store.FollowerOptions{})
	if _, err := f.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	m := storetest.NewModel()
	commitN(t, b, m, rand.New(rand.NewPCG(3, 3)), 5, "a")
	st, err := f.Sync(context.Background())
	if !errors.Is(err, store.ErrCorrupt) || st.Applied != 0 || !errors.Is(st.Err, store.ErrCorrupt) {
		t.Fatalf("Sync over a gap = %+v, %v; want ErrCorrupt with nothing applied", st, err)
	}
	if rep.model().Rev != 0 {
		t.Fatalf("replica moved to %d over a gap", rep.model().Rev)
	}
}

// TestFollowersShareOneStore: followers on one memstore, driven by Run with notifications,
// under concurrent writers, all end at the writers' state.
func TestFollowersShareOneStore(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b := memstore.New()
	var reps []*modelReplica
	var fs []*store.Follower
	runs := make(chan error, 4)
	for range 4 {
		rep := &modelReplica{}
		f := store.NewFollower(b, rep, store.FollowerOptions{PollInterval: time.Hour}) // hints only
		reps, fs = append(reps, rep), append(fs, f)
		go func() { runs <- f.Run(ctx) }()
	}
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := storetest.NewModel()
			r := rand.New(rand.NewPCG(uint64(w), 4))
			for range 40 {
				batch := storetest.RandomBatch(r, m, fmt.Sprint("acct-", w), 3, 8)
				rev, err := b.Commit(ctx, batch)
				if err != nil {
					t.Error(err)
					return
				}
				m.Accounts[batch.Account] = rev
				for _, op := range batch.Ops {
					if op.IsDelete() {
						delete(m.Entries, op.Key)
					} else {
						m.Entries[op.Key] = store.Entry{Key: op.Key, Value: op.Value, ModRev: rev}
					}
				}
			}
		}()
	}
	wg.Wait()
	for i, f := range fs {
		for f.Status().Applied != 120 {
			select {
			case <-ctx.Done():
				t.Fatalf("follower %d stuck at %d", i, f.Status().Applied)
			case <-time.After(time.Millisecond):
			}
		}
		if d := snapshotDiff(t, b, reps[i].model()); d != "" {
			t.Fatalf("follower %d: %s", i, d)
		}
	}
	cancel()
	for range fs {
		<-runs
	}
}
