package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/store"
)

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

// testFollowersConverge: several readers share one backend, as replicas (or directories in one
// process) would: each loads a snapshot, then follows the feed on every hint and on a poll
// tick; revisions never go backwards on a reader, and every reader ends at the head with the
// writer's state.
func testFollowersConverge(t *testing.T, h Harness) {
	b := open(t, h)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const followers = 4
	writersDone := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 31))
			m := NewModel() // this writer's account only: its revision is all Expected needs
			for range 30 {
				batch := RandomBatch(r, m, fmt.Sprintf("acct-%d", w), 4, 24)
				rev, err := b.Commit(ctx, batch)
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
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
	results := make([]*Model, followers)
	var fg sync.WaitGroup
	for f := range followers {
		fg.Add(1)
		go func() {
			defer fg.Done()
			hints, done := b.Notify(ctx), writersDone
			s, err := b.Snapshot(ctx)
			if err != nil {
				t.Errorf("follower %d: %v", f, err)
				return
			}
			m := ModelOf(s)
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			finishing := false
			for {
				select {
				case <-hints:
				case <-tick.C:
				case <-done:
					finishing, done = true, nil
				case <-ctx.Done():
					t.Errorf("follower %d stuck at revision %d", f, m.Rev)
					return
				}
				for {
					cs, err := b.Changes(ctx, m.Rev, 7)
					if err != nil {
						t.Errorf("follower %d: %v", f, err)
						return
					}
					if len(cs) == 0 {
						break
					}
					for _, c := range cs {
						if err := m.Apply(c); err != nil { // also: revisions only move forward
							t.Errorf("follower %d: %v", f, err)
							return
						}
					}
				}
				if finishing {
					hd, err := b.Head(ctx)
					if err != nil {
						t.Errorf("follower %d: %v", f, err)
						return
					}
					if m.Rev == hd.Rev {
						results[f] = m
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(writersDone)
	fg.Wait()
	if t.Failed() {
		return
	}
	for f, m := range results {
		if m.Rev != 90 {
			t.Fatalf("follower %d ended at revision %d, want 90", f, m.Rev)
		}
		check(t, b, m)
	}
}

// modelReplica is a store.Replica over a Model.
type modelReplica struct {
	mu sync.Mutex
	m  *Model
}

func (r *modelReplica) Load(s store.Snapshot) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m = ModelOf(s)
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

// testFollower: store.Follower's Run keeps replicas of the backend current under concurrent
// writers (notifications and a short poll), and each ends confirmed at the head with the
// writers' state.
func testFollower(t *testing.T, h Harness) {
	b := open(t, h)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var reps []*modelReplica
	var fs []*store.Follower
	runs := make(chan error, 3)
	for range 3 {
		rep := &modelReplica{}
		f := store.NewFollower(b, rep, store.FollowerOptions{PollInterval: 50 * time.Millisecond})
		reps, fs = append(reps, rep), append(fs, f)
		go func() { runs <- f.Run(ctx) }()
	}
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 41))
			m := NewModel()
			for range 20 {
				batch := RandomBatch(r, m, fmt.Sprintf("f%d", w), 3, 16)
				rev, err := b.Commit(ctx, batch)
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				m.Accounts[batch.Account] = rev
			}
		}()
	}
	wg.Wait()
	hd, err := b.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range fs {
		for st := f.Status(); st.Applied != hd.Rev || st.ConfirmedAt.IsZero(); st = f.Status() {
			select {
			case <-ctx.Done():
				t.Fatalf("follower %d: %+v, head %d", i, st, hd.Rev)
			case <-time.After(2 * time.Millisecond):
			}
		}
		reps[i].mu.Lock()
		m := reps[i].m.Clone()
		reps[i].mu.Unlock()
		check(t, b, m)
	}
	cancel()
	for range fs {
		<-runs
	}
}
