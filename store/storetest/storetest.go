// Package storetest is the conformance suite every store.Backend runs: atomic batches,
// validation, optimistic concurrency under concurrent writers, a contiguous feed, compaction and
// ErrCompacted, notifications (including a reader that converges by polling when none ever
// arrives), several readers following one backend to the same state, snapshot consistency under load, copies in and out, close semantics, and, for durable
// backends, a reopen that changes nothing.
//
// A backend's tests call Run with a Harness:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Harness{New: func(t *testing.T) store.Backend { return memstore.New() }})
//	}
package storetest

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/store"
)

// Harness tells Run how to make the backend under test.
type Harness struct {
	// New returns a new, empty backend. Run closes it at the end of each subtest (Close must be
	// idempotent).
	New func(t *testing.T) store.Backend
	// Reopen, if set, closes b and returns the same store opened again, as a restarted process
	// would (durable backends). Run then checks that nothing changed across the reopen.
	Reopen func(t *testing.T, b store.Backend) store.Backend
}

// Run runs the conformance suite as subtests of t.
func Run(t *testing.T, h Harness) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"Empty", testEmpty},
		{"CommitAndRead", testCommitAndRead},
		{"AtomicBatch", testAtomicBatch},
		{"Validation", testValidation},
		{"Conflict", testConflict},
		{"ConcurrentWritersOneAccount", testConcurrentOneAccount},
		{"ConcurrentWritersManyAccounts", testConcurrentManyAccounts},
		{"FeedContiguous", testFeedContiguous},
		{"SnapshotConsistentUnderLoad", testSnapshotUnderLoad},
		{"Compaction", testCompaction},
		{"Notify", testNotify},
		{"SilentNotifyPollingConverges", testSilentNotify},
		{"FollowersConverge", testFollowersConverge},
		{"Follower", testFollower},
		{"Copies", testCopies},
		{"CanceledContext", testCanceled},
		{"Close", testClose},
		{"Reopen", testReopen},
	}
	for _, tc := range tests {
		if tc.name == "Reopen" && h.Reopen == nil {
			t.Log("storetest: Reopen not run: the backend is not durable (Harness.Reopen unset)")
			continue
		}
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, h) })
	}
}

func open(t *testing.T, h Harness) store.Backend {
	t.Helper()
	b := h.New(t)
	t.Cleanup(func() { b.Close() })
	return b
}

func put(account, kind, name, value string) store.Op {
	return store.Op{Key: store.Key{Account: account, Kind: kind, Name: name}, Value: []byte(value)}
}

func del(account, kind, name string) store.Op {
	return store.Op{Key: store.Key{Account: account, Kind: kind, Name: name}}
}

func mustCommit(t *testing.T, b store.Backend, batch store.Batch) store.Revision {
	t.Helper()
	rev, err := b.Commit(context.Background(), batch)
	if err != nil {
		t.Fatalf("Commit(%+v): %v", batch, err)
	}
	return rev
}

// check compares the backend's snapshot, head and whole feed with the model.
func check(t *testing.T, b store.Backend, m *Model) {
	t.Helper()
	ctx := context.Background()
	s, err := b.Snapshot(ctx)
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	if d := m.Diff(s); d != "" {
		t.Fatalf("snapshot differs from the model: %s", d)
	}
	h, err := b.Head(ctx)
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	if h != s.Head {
		t.Fatalf("Head() = %+v, snapshot head %+v", h, s.Head)
	}
}

// replay builds a model from the feed after 0 (the store must not be compacted), checking
// contiguity, paging with the given limit.
func replay(t *testing.T, b store.Backend, limit int) *Model {
	t.Helper()
	m := NewModel()
	for {
		cs, err := b.Changes(context.Background(), m.Rev, limit)
		if err != nil {
			t.Fatalf("Changes(%d, %d): %v", m.Rev, limit, err)
		}
		if len(cs) == 0 {
			return m
		}
		if limit > 0 && len(cs) > limit {
			t.Fatalf("Changes(%d, %d) returned %d changes", m.Rev, limit, len(cs))
		}
		for _, c := range cs {
			if err := m.Apply(c); err != nil {
				t.Fatalf("feed: %v", err)
			}
		}
	}
}

func testEmpty(t *testing.T, h Harness) {
	b := open(t, h)
	ctx := context.Background()
	hd, err := b.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if hd.Rev != 0 || hd.Compacted != 0 || hd.Epoch.IsZero() {
		t.Fatalf("empty store head = %+v, want revision 0, compacted 0, a non-zero epoch", hd)
	}
	check(t, b, NewModel())
	cs, err := b.Changes(ctx, 0, 0)
	if err != nil || len(cs) != 0 {
		t.Fatalf("Changes(0) on an empty store = %v, %v; want none", cs, err)
	}
	cs, err = b.Changes(ctx, 5, 0)
	if err != nil || len(cs) != 0 {
		t.Fatalf("Changes(5) beyond the head = %v, %v; want none", cs, err)
	}
}

func testCommitAndRead(t *testing.T, h Harness) {
	b := open(t, h)
	ctx := context.Background()
	before := time.Now().Add(-time.Second)
	batch := store.Batch{Account: "1234567890123456", Ops: []store.Op{
		put("1234567890123456", "user", "alice", `{"name":"alice"}`),
		put("1234567890123456", "group", "ops", `{"name":"ops"}`),
	}, Actor: "admin@1234567890123456", Reason: "onboarding", RequestID: "req-1"}
	rev := mustCommit(t, b, batch)
	if rev != 1 {
		t.Fatalf("first commit revision = %d, want 1", rev)
	}
	m := NewModel()
	cs, err := b.Changes(ctx, 0, 0)
	if err != nil || len(cs) != 1 {
		t.Fatalf("Changes(0) = %v, %v; want one change", cs, err)
	}
	c := cs[0]
	if c.Rev != 1 || c.Batch.Actor != batch.Actor || c.Batch.Reason != batch.Reason || c.Batch.RequestID != batch.RequestID ||
		c.Batch.Account != batch.Account || c.Batch.Expected != 0 || len(c.Batch.Ops) != 2 {
		t.Fatalf("change = %+v, want the committed batch at revision 1 with its audit fields", c)
	}
	if c.At.Before(before) || c.At.After(time.Now().Add(time.Second)) {
		t.Fatalf("change time %v not around now", c.At)
	}
	if err := m.Apply(c); err != nil {
		t.Fatal(err)
	}
	check(t, b, m)

	// An update and a delete of a key, and a delete of an absent key, at revision 2.
	rev = mustCommit(t, b, store.Batch{Account: "1234567890123456", Expected: 1, Ops: []store.Op{
		put("1234567890123456", "user", "alice", `{"name":"alice","v":2}`),
		del("1234567890123456", "group", "ops"),
		del("1234567890123456", "group", "never"),
	}})
	if rev != 2 {
		t.Fatalf("second commit revision = %d, want 2", rev)
	}
	cs, err = b.Changes(ctx, 1, 0)
	if err != nil || len(cs) != 1 || cs[0].Rev != 2 {
		t.Fatalf("Changes(1) = %v, %v; want revision 2", cs, err)
	}
	if err := m.Apply(cs[0]); err != nil {
		t.Fatal(err)
	}
	check(t, b, m)
	if d := replay(t, b, 1).Diff(mustSnapshot(t, b)); d != "" {
		t.Fatalf("feed replay differs from the snapshot: %s", d)
	}
}

func mustSnapshot(t *testing.T, b store.Backend) store.Snapshot {
	t.Helper()
	s, err := b.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testAtomicBatch(t *testing.T, h Harness) {
	b := open(t, h)
	m := NewModel()
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		batch := RandomBatch(r, m, "acct", 8, 64)
		rev := mustCommit(t, b, batch)
		cs, err := b.Changes(context.Background(), rev-1, 1)
		if err != nil || len(cs) != 1 {
			t.Fatalf("Changes(%d) = %v, %v", rev-1, cs, err)
		}
		if err := m.Apply(cs[0]); err != nil {
			t.Fatal(err)
		}
	}
	check(t, b, m)
	// A batch whose last op is invalid must leave no trace of its valid first ops.
	bad := store.Batch{Account: "acct", Expected: m.Accounts["acct"], Ops: []store.Op{
		put("acct", "user", "n1", "new value"),
		del("acct", "group", "n2"),
		put("acct", "user", "", "empty name"),
	}}
	if _, err := b.Commit(context.Background(), bad); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Commit(batch with an invalid last op) = %v, want ErrInvalid", err)
	}
	check(t, b, m)
	// So must a batch refused for a conflict.
	bad.Ops = bad.Ops[:2]
	bad.Expected = m.Accounts["acct"] - 1
	if _, err := b.Commit(context.Background(), bad); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Commit(stale batch) = %v, want ErrConflict", err)
	}
	check(t, b, m)
}

func testValidation(t *testing.T, h Harness) {
	b := open(t, h)
	long := string(bytes.Repeat([]byte("x"), store.MaxKeyFieldBytes+1))
	cases := []struct {
		name  string
		batch store.Batch
		op    int
		field string
	}{
		{"no account", store.Batch{Ops: []store.Op{put("", "user", "a", "v")}}, -1, "Account"},
		{"no ops", store.Batch{Account: "a"}, -1, "Ops"},
		{"other account", store.Batch{Account: "a", Ops: []store.Op{put("a", "user", "x", "v"), put("b", "user", "x", "v")}}, 1, "Key.Account"},
		{"empty kind", store.Batch{Account: "a", Ops: []store.Op{put("a", "", "x", "v")}}, 0, "Key.Kind"},
		{"empty name", store.Batch{Account: "a", Ops: []store.Op{put("a", "user", "", "v")}}, 0, "Key.Name"},
		{"long name", store.Batch{Account: "a", Ops: []store.Op{put("a", "user", long, "v")}}, 0, "Key.Name"},
		{"NUL in name", store.Batch{Account: "a", Ops: []store.Op{put("a", "user", "x\x00y", "v")}}, 0, "Key.Name"},
		{"invalid UTF-8 kind", store.Batch{Account: "a", Ops: []store.Op{put("a", "us\xffer", "x", "v")}}, 0, "Key.Kind"},
		{"duplicate key", store.Batch{Account: "a", Ops: []store.Op{put("a", "user", "x", "v"), del("a", "user", "x")}}, 1, "Key"},
		{"long value", store.Batch{Account: "a", Ops: []store.Op{{Key: store.Key{Account: "a", Kind: "user", Name: "x"}, Value: make([]byte, store.MaxValueBytes+1)}}}, 0, "Value"},
		{"NUL in actor", store.Batch{Account: "a", Actor: "x\x00", Ops: []store.Op{put("a", "user", "x", "v")}}, -1, "Actor"},
		{"long reason", store.Batch{Account: "a", Reason: string(make([]byte, store.MaxAuditBytes+1)), Ops: []store.Op{put("a", "user", "x", "v")}}, -1, "Reason"},
		{"invalid UTF-8 request id", store.Batch{Account: "a", RequestID: "\xc3", Ops: []store.Op{put("a", "user", "x", "v")}}, -1, "RequestID"},
	}
	for _, tc := range cases {
		_, err := b.Commit(context.Background(), tc.batch)
		var be *store.BatchError
		if !errors.As(err, &be) || !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: Commit = %v, want a *store.BatchError unwrapping to ErrInvalid", tc.name, err)
			continue
		}
		if be.Op != tc.op || be.Field != tc.field {
			t.Errorf("%s: BatchError{Op: %d, Field: %q}, want {Op: %d, Field: %q}", tc.name, be.Op, be.Field, tc.op, tc.field)
		}
	}
	check(t, b, NewModel())
	// The largest valid value round-trips.
	big := bytes.Repeat([]byte{0xff, 0x00, '"'}, store.MaxValueBytes/3)
	mustCommit(t, b, store.Batch{Account: "a", Ops: []store.Op{{Key: store.Key{Account: "a", Kind: "policy", Name: "big"}, Value: big}}})
	s := mustSnapshot(t, b)
	if len(s.Entries) != 1 || !bytes.Equal(s.Entries[0].Value, big) {
		t.Fatalf("a %d-byte binary value did not round-trip", len(big))
	}
}

func testConflict(t *testing.T, h Harness) {
	b := open(t, h)
	ctx := context.Background()
	mustCommit(t, b, store.Batch{Account: "a", Ops: []store.Op{put("a", "user", "x", "1")}})
	mustCommit(t, b, store.Batch{Account: "b", Ops: []store.Op{put("b", "user", "x", "1")}})
	// Account a is at revision 1, b at 2. A batch for a computed at 0 conflicts.
	_, err := b.Commit(ctx, store.Batch{Account: "a", Expected: 0, Ops: []store.Op{put("a", "user", "x", "lost")}})
	var ce *store.ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, store.ErrConflict) || ce.Account != "a" || ce.Expected != 0 || ce.Actual != 1 {
		t.Fatalf("stale commit = %v, want *ConflictError{a, expected 0, actual 1}", err)
	}
	// Expecting the global head (2) for account a is wrong too: a's revision is 1.
	if _, err := b.Commit(ctx, store.Batch{Account: "a", Expected: 2, Ops: []store.Op{put("a", "user", "x", "lost")}}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("commit expecting the global head = %v, want ErrConflict", err)
	}
	// A new account must be expected at 0.
	if _, err := b.Commit(ctx, store.Batch{Account: "c", Expected: 1, Ops: []store.Op{put("c", "user", "x", "lost")}}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("commit expecting revision 1 of a new account = %v, want ErrConflict", err)
	}
	// Account b's writes do not disturb a's revision: a's writer at 1 succeeds.
	if rev := mustCommit(t, b, store.Batch{Account: "a", Expected: 1, Ops: []store.Op{put("a", "user", "x", "2")}}); rev != 3 {
		t.Fatalf("revision = %d, want 3", rev)
	}
	check(t, b, replay(t, b, 0))
	s := mustSnapshot(t, b)
	if len(s.Accounts) != 2 || s.Accounts[0] != (store.AccountRevision{Account: "a", Rev: 3}) || s.Accounts[1] != (store.AccountRevision{Account: "b", Rev: 2}) {
		t.Fatalf("accounts = %+v, want a@3, b@2", s.Accounts)
	}
}

func testCopies(t *testing.T, h Harness) {
	b := open(t, h)
	value := []byte("original")
	batch := store.Batch{Account: "a", Ops: []store.Op{{Key: store.Key{Account: "a", Kind: "user", Name: "x"}, Value: value}}}
	mustCommit(t, b, batch)
	value[0] = 'X' // the caller reuses its buffer
	batch.Ops[0].Key.Name = "changed"
	s := mustSnapshot(t, b)
	if len(s.Entries) != 1 || string(s.Entries[0].Value) != "original" || s.Entries[0].Key.Name != "x" {
		t.Fatalf("store changed by the caller's buffer: %+v", s.Entries)
	}
	s.Entries[0].Value[0] = 'Y' // the caller writes into what it got
	cs, _ := b.Changes(context.Background(), 0, 0)
	cs[0].Batch.Ops[0].Value[1] = 'Z'
	s2 := mustSnapshot(t, b)
	cs2, _ := b.Changes(context.Background(), 0, 0)
	if string(s2.Entries[0].Value) != "original" || string(cs2[0].Batch.Ops[0].Value) != "original" {
		t.Fatalf("store changed through returned values: %q, %q", s2.Entries[0].Value, cs2[0].Batch.Ops[0].Value)
	}
}

func testCanceled(t *testing.T, h Harness) {
	b := open(t, h)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Commit(ctx, store.Batch{Account: "a", Ops: []store.Op{put("a", "user", "x", "1")}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Commit with a canceled context = %v, want context.Canceled", err)
	}
	check(t, b, NewModel())
	if _, err := b.Snapshot(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Snapshot with a canceled context = %v", err)
	}
	if _, err := b.Changes(ctx, 0, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("Changes with a canceled context = %v", err)
	}
	if _, err := b.Head(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Head with a canceled context = %v", err)
	}
	ch := b.Notify(ctx)
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("Notify with a canceled context delivered a hint")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Notify with a canceled context returned an open channel")
	}
}

func testClose(t *testing.T, h Harness) {
	b := h.New(t)
	mustCommit(t, b, store.Batch{Account: "a", Ops: []store.Op{put("a", "user", "x", "1")}})
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	ctx := context.Background()
	if _, err := b.Commit(ctx, store.Batch{Account: "a", Expected: 1, Ops: []store.Op{put("a", "user", "x", "2")}}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Commit after Close = %v, want ErrClosed", err)
	}
	if _, err := b.Snapshot(ctx); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Snapshot after Close = %v, want ErrClosed", err)
	}
	if _, err := b.Changes(ctx, 0, 0); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Changes after Close = %v, want ErrClosed", err)
	}
	if _, err := b.Head(ctx); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Head after Close = %v, want ErrClosed", err)
	}
	if c, ok := b.(store.Compactor); ok {
		if err := c.Compact(ctx, 1); !errors.Is(err, store.ErrClosed) {
			t.Errorf("Compact after Close = %v, want ErrClosed", err)
		}
	}
	select {
	case _, ok := <-b.Notify(ctx):
		if ok {
			t.Error("Notify after Close delivered a hint")
		}
	case <-time.After(10 * time.Second):
		t.Error("Notify after Close returned an open channel")
	}
}
