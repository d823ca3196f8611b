// Package storetest is the conformance suite every store.Backend runs: atomic batches,
// validation, optimistic concurrency under concurrent writers, a contiguous feed, compaction and
// ErrCompacted, notifications (including a reader that converges by polling when none ever
// arrives), snapshot consistency under load, copies in and out, close semantics, and, for durable
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
	"fmt"
	"math/rand/v2"
	"sync"
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

// increment is a read-modify-write loop as the directory runs it: read the account's revision
// and the counter, commit counter+1 guarded by the revision, retry on conflict.
func increment(ctx context.Context, b store.Backend, account string) (conflicts int, err error) {
	key := store.Key{Account: account, Kind: "counter", Name: "c"}
	for {
		s, err := b.Snapshot(ctx)
		if err != nil {
			return conflicts, err
		}
		var rev store.Revision
		for _, a := range s.Accounts {
			if a.Account == account {
				rev = a.Rev
			}
		}
		n := 0
		for _, e := range s.Entries {
			if e.Key == key {
				fmt.Sscanf(string(e.Value), "%d", &n)
			}
		}
		_, err = b.Commit(ctx, store.Batch{Account: account, Expected: rev, Ops: []store.Op{{Key: key, Value: fmt.Appendf(nil, "%d", n+1)}}})
		if errors.Is(err, store.ErrConflict) {
			conflicts++
			continue
		}
		return conflicts, err
	}
}

func runIncrements(t *testing.T, b store.Backend, writers, each int, accountOf func(w int) string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	conflicts := make([]int, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				n, err := increment(context.Background(), b, accountOf(w))
				conflicts[w] += n
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	m := replay(t, b, 7)
	check(t, b, m)
	want := map[string]int{}
	for w := range writers {
		want[accountOf(w)] += each
	}
	total := 0
	for account, n := range want {
		e := m.Entries[store.Key{Account: account, Kind: "counter", Name: "c"}]
		if string(e.Value) != fmt.Sprint(n) {
			t.Errorf("account %s counter = %q after %d increments: updates lost", account, e.Value, n)
		}
		total += n
	}
	if m.Rev != store.Revision(total) {
		t.Errorf("head = %d after %d successful commits", m.Rev, total)
	}
}

func testConcurrentOneAccount(t *testing.T, h Harness) {
	b := open(t, h)
	runIncrements(t, b, 8, 25, func(int) string { return "shared" })
}

func testConcurrentManyAccounts(t *testing.T, h Harness) {
	b := open(t, h)
	runIncrements(t, b, 8, 25, func(w int) string { return fmt.Sprintf("acct-%d", w%4) })
}

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

func testSnapshotUnderLoad(t *testing.T, h Harness) {
	b := open(t, h)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 9))
			for i := 0; ctx.Err() == nil && i < 150; i++ {
				// Each writer owns an account, so its own model tells it the Expected revision.
				s, err := b.Snapshot(ctx)
				if err != nil {
					return
				}
				batch := RandomBatch(r, ModelOf(s), fmt.Sprintf("w%d", w), 4, 32)
				if _, err := b.Commit(ctx, batch); err != nil && ctx.Err() == nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		}()
	}
	var snaps []store.Snapshot
	for range 30 {
		s, err := b.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		snaps = append(snaps, s)
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
	cancel()
	// Every snapshot equals the feed replayed to its revision: no torn batch, no missing write.
	m := NewModel()
	all, err := b.Changes(context.Background(), 0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	at := map[store.Revision]*Model{0: m.Clone()}
	for _, c := range all {
		if err := m.Apply(c); err != nil {
			t.Fatal(err)
		}
		at[c.Rev] = m.Clone()
	}
	for _, s := range snaps {
		want, ok := at[s.Rev]
		if !ok {
			t.Fatalf("snapshot at revision %d beyond the feed's %d", s.Rev, m.Rev)
		}
		if d := want.Diff(s); d != "" {
			t.Fatalf("snapshot at revision %d: %s", s.Rev, d)
		}
	}
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

func testNotify(t *testing.T, h Harness) {
	b := open(t, h)
	ctx, cancel := context.WithCancel(context.Background())
	ch := b.Notify(ctx)
	rev := mustCommit(t, b, store.Batch{Account: "a", Ops: []store.Op{put("a", "user", "x", "1")}})
	// A hint is best-effort, but a backend that never notifies within seconds of a commit on an
	// idle machine is broken.
	select {
	case got, ok := <-ch:
		if !ok {
			t.Fatal("notify channel closed while ctx is live")
		}
		if got > rev {
			t.Fatalf("hint %d beyond the committed head %d", got, rev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no notification within 10s of a commit")
	}
	cancel()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				goto closed
			}
		case <-deadline:
			t.Fatal("notify channel not closed after its context was canceled")
		}
	}
closed:
	// Another subscriber is closed by Close.
	ch2 := b.Notify(context.Background())
	b.Close()
	deadline = time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-ch2:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("notify channel not closed by Close")
		}
	}
}

// silent hides a backend's notifications: its Notify channel never fires.
type silent struct{ store.Backend }

func (silent) Notify(ctx context.Context) <-chan store.Revision {
	ch := make(chan store.Revision)
	context.AfterFunc(ctx, func() { close(ch) })
	return ch
}

func testSilentNotify(t *testing.T, h Harness) {
	b := open(t, h)
	reader := silent{b}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := reader.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	follower := ModelOf(s)
	done := make(chan error, 1)
	go func() { // the writer
		m := follower.Clone()
		r := rand.New(rand.NewPCG(7, 8))
		for range 40 {
			batch := RandomBatch(r, m, "a", 3, 16)
			rev, err := b.Commit(ctx, batch)
			if err != nil {
				done <- err
				return
			}
			m.Apply(store.Change{Rev: rev, Batch: batch})
		}
		done <- nil
	}()
	hints := reader.Notify(ctx)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	writerDone := false
	for {
		select {
		case <-hints:
			t.Fatal("the silenced Notify fired")
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			writerDone = true
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("reader stuck at revision %d", follower.Rev)
		}
		cs, err := reader.Changes(ctx, follower.Rev, 5)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if err := follower.Apply(c); err != nil {
				t.Fatal(err)
			}
		}
		if writerDone {
			hd, err := reader.Head(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if follower.Rev == hd.Rev {
				check(t, b, follower)
				return
			}
		}
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
