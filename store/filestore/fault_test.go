package filestore

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"sync"
	"syscall"
	"testing"

	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/storetest"
)

// faultFS is the operating system with switchable failures: a full disk (writes store part of
// their bytes, then fail with ENOSPC), failing fsyncs, renames and directory fsyncs.
type faultFS struct {
	osFS
	mu                               sync.Mutex
	diskFull, syncFails, renameFails bool
	syncDirFails, truncateFails      bool
}

func (f *faultFS) set(fn func(*faultFS)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *faultFS) get(fn func(*faultFS) bool) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fn(f)
}

func (f *faultFS) OpenFile(name string, flag int, perm os.FileMode) (file, error) {
	if flag&os.O_CREATE != 0 && f.get(func(f *faultFS) bool { return f.diskFull }) {
		if _, err := os.Stat(name); errors.Is(err, os.ErrNotExist) {
			return nil, &os.PathError{Op: "open", Path: name, Err: syscall.ENOSPC}
		}
	}
	fl, err := f.osFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &faultFile{file: fl, fs: f, name: name}, nil
}

func (f *faultFS) Rename(oldpath, newpath string) error {
	if f.get(func(f *faultFS) bool { return f.renameFails }) {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: syscall.EIO}
	}
	return f.osFS.Rename(oldpath, newpath)
}

func (f *faultFS) SyncDir(name string) error {
	if f.get(func(f *faultFS) bool { return f.syncDirFails }) {
		return &os.PathError{Op: "fsync", Path: name, Err: syscall.EIO}
	}
	return f.osFS.SyncDir(name)
}

type faultFile struct {
	file
	fs   *faultFS
	name string
}

func (f *faultFile) WriteAt(p []byte, off int64) (int, error) {
	if f.fs.get(func(f *faultFS) bool { return f.diskFull }) {
		// A full disk takes part of the write, as ext4 does, and then refuses.
		n, _ := f.file.WriteAt(p[:len(p)/2], off)
		return n, &os.PathError{Op: "write", Path: f.name, Err: syscall.ENOSPC}
	}
	return f.file.WriteAt(p, off)
}

func (f *faultFile) Sync() error {
	if f.fs.get(func(f *faultFS) bool { return f.syncFails }) {
		return &os.PathError{Op: "fsync", Path: f.name, Err: syscall.EIO}
	}
	return f.file.Sync()
}

func (f *faultFile) Truncate(size int64) error {
	if f.fs.get(func(f *faultFS) bool { return f.truncateFails }) {
		return &os.PathError{Op: "truncate", Path: f.name, Err: syscall.EIO}
	}
	return f.file.Truncate(size)
}

// commitRandom commits a random batch computed from m and applies it to m.
func commitRandom(t *testing.T, s store.Backend, r *rand.Rand, m *storetest.Model, account string) error {
	t.Helper()
	return commitBatch(t, s, m, storetest.RandomBatch(r, m, account, 5, 200))
}

// commitSmall is commitRandom with at most 3 ops of at most 8 bytes: short records for the
// byte-by-byte damage tests.
func commitSmall(t testing.TB, s store.Backend, r *rand.Rand, m *storetest.Model, account string) error {
	t.Helper()
	return commitBatch(t, s, m, storetest.RandomBatch(r, m, account, 3, 8))
}

func commitBatch(t testing.TB, s store.Backend, m *storetest.Model, b store.Batch) error {
	t.Helper()
	rev, err := s.Commit(context.Background(), b)
	if err != nil {
		return err
	}
	if err := m.Apply(store.Change{Rev: rev, Batch: b}); err != nil {
		t.Fatal(err)
	}
	return nil
}

func checkModel(t *testing.T, s store.Backend, m *storetest.Model) {
	t.Helper()
	snap, err := s.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d := m.Diff(snap); d != "" {
		t.Fatalf("store differs from the model: %s", d)
	}
}

// TestFailingWrites: a full disk, a failing fsync, a failing truncate: the commit fails with
// ErrUnavailable wrapping the system error, nothing changes (in memory and after a reopen),
// and the next commit once the disk recovers succeeds at the next revision.
func TestFailingWrites(t *testing.T) {
	faults := []struct {
		name  string
		on    func(*faultFS)
		errno syscall.Errno
	}{
		{"disk full", func(f *faultFS) { f.diskFull = true }, syscall.ENOSPC},
		{"fsync fails", func(f *faultFS) { f.syncFails = true }, syscall.EIO},
		{"disk full and the cut-back fails", func(f *faultFS) { f.diskFull, f.truncateFails = true, true }, syscall.ENOSPC},
		{"fsync and the cut-back fail", func(f *faultFS) { f.syncFails, f.truncateFails = true, true }, syscall.EIO},
	}
	for _, fault := range faults {
		t.Run(fault.name, func(t *testing.T) {
			dir := t.TempDir()
			fsys := &faultFS{}
			s, err := open(dir, Options{}, fsys)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(1, 1))
			m := storetest.NewModel()
			for range 5 {
				if err := commitRandom(t, s, r, m, "a"); err != nil {
					t.Fatal(err)
				}
			}
			fsys.set(fault.on)
			for i := range 3 { // repeated failures change nothing either
				err := commitRandom(t, s, r, m, "a")
				// After a failed cut-back, later commits fail on the cut-back (EIO) first.
				if !errors.Is(err, store.ErrUnavailable) || (i == 0 && !errors.Is(err, fault.errno)) {
					t.Fatalf("commit under fault = %v, want ErrUnavailable wrapping %v", err, fault.errno)
				}
				checkModel(t, s, m)
			}
			fsys.set(clearFaults)
			if err := commitRandom(t, s, r, m, "a"); err != nil {
				t.Fatalf("commit after the disk recovered: %v", err)
			}
			if m.Rev != 6 {
				t.Fatalf("revision after recovery %d, want 6", m.Rev)
			}
			checkModel(t, s, m)
			s.Close()
			s2 := mustOpen(t, dir)
			defer s2.Close()
			checkModel(t, s2, m)
			if rec := s2.Recovery(); rec.TruncatedBytes != 0 {
				t.Fatalf("reopen truncated %d bytes: a failed write left a partial record behind", rec.TruncatedBytes)
			}
		})
	}
}

// TestFailingWritesThenCrash: the process dies while the disk is still full (the
// failed record's half may still be in the log when the cut-back failed): the reopened store
// holds exactly the acknowledged commits.
func TestFailingWritesThenCrash(t *testing.T) {
	dir := t.TempDir()
	fsys := &faultFS{}
	s, err := open(dir, Options{}, fsys)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(2, 2))
	m := storetest.NewModel()
	for range 4 {
		if err := commitRandom(t, s, r, m, "a"); err != nil {
			t.Fatal(err)
		}
	}
	fsys.set(func(f *faultFS) { f.diskFull, f.truncateFails = true, true })
	if err := commitRandom(t, s, r, m, "a"); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("commit on a full disk = %v", err)
	}
	// Simulate the crash: drop the store without Close (releasing only the lock).
	s.lock.Close()
	s2 := mustOpen(t, dir)
	defer s2.Close()
	checkModel(t, s2, m)
	if s2.Recovery().TruncatedBytes == 0 {
		t.Fatal("the half-written record was not truncated on recovery")
	}
}

// TestFailingCompaction: compaction failing at each step leaves the old generation in force;
// commits continue; a reopen finds every acknowledged commit.
func TestFailingCompaction(t *testing.T) {
	steps := []struct {
		name string
		on   func(*faultFS)
	}{
		{"disk full", func(f *faultFS) { f.diskFull = true }},
		{"fsync", func(f *faultFS) { f.syncFails = true }},
		{"rename", func(f *faultFS) { f.renameFails = true }},
		{"directory fsync", func(f *faultFS) { f.syncDirFails = true }},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			dir := t.TempDir()
			fsys := &faultFS{}
			s, err := open(dir, Options{}, fsys)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(3, 3))
			m := storetest.NewModel()
			for range 10 {
				if err := commitRandom(t, s, r, m, "a"); err != nil {
					t.Fatal(err)
				}
			}
			fsys.set(step.on)
			if err := s.Compact(context.Background(), 5); !errors.Is(err, store.ErrUnavailable) {
				t.Fatalf("Compact under fault = %v, want ErrUnavailable", err)
			}
			fsys.set(clearFaults)
			if h, _ := s.Head(context.Background()); h.Compacted != 0 || s.gen != 1 {
				t.Fatalf("failed compaction moved the store: head %+v, generation %d", h, s.gen)
			}
			for range 3 {
				if err := commitRandom(t, s, r, m, "b"); err != nil {
					t.Fatalf("commit after a failed compaction: %v", err)
				}
			}
			checkModel(t, s, m)
			s.Close()
			s2 := mustOpen(t, dir)
			checkModel(t, s2, m)
			if err := s2.Compact(context.Background(), 5); err != nil {
				t.Fatalf("Compact after recovery: %v", err)
			}
			s2.Close()
			s3 := mustOpen(t, dir)
			defer s3.Close()
			checkModel(t, s3, m)
			if h, _ := s3.Head(context.Background()); h.Compacted != 5 || s3.Recovery().Generation != 2 {
				t.Fatalf("after compaction and reopen: head %+v, generation %d", h, s3.Recovery().Generation)
			}
		})
	}
}

func clearFaults(f *faultFS) {
	f.diskFull, f.syncFails, f.renameFails, f.syncDirFails, f.truncateFails = false, false, false, false, false
}

// TestFailingGroupCommit: concurrent commits grouped into one write all fail together on a full
// disk, none is visible, and all succeed once the disk recovers.
func TestFailingGroupCommit(t *testing.T) {
	dir := t.TempDir()
	fsys := &faultFS{}
	s, err := open(dir, Options{}, fsys)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	commitAll := func() []error {
		errs := make([]error, 16)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				acct := "acct-" + string(rune('a'+i))
				_, errs[i] = s.Commit(ctx, store.Batch{Account: acct, Ops: []store.Op{{Key: store.Key{Account: acct, Kind: "user", Name: "u"}, Value: []byte("v")}}})
			}()
		}
		wg.Wait()
		return errs
	}
	fsys.set(func(f *faultFS) { f.diskFull = true })
	for i, err := range commitAll() {
		if !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("commit %d on a full disk = %v, want ErrUnavailable", i, err)
		}
	}
	checkModel(t, s, storetest.NewModel())
	fsys.set(clearFaults)
	for i, err := range commitAll() {
		if err != nil {
			t.Fatalf("commit %d after the disk recovered: %v", i, err)
		}
	}
	if h, _ := s.Head(ctx); h.Rev != 16 {
		t.Fatalf("head %d after 16 commits", h.Rev)
	}
}
