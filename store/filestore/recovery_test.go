package filestore

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/storetest"
)

// fixture is a closed store with n random commits of small values, the model at every revision, and the byte
// offsets of every record in its log.
type fixture struct {
	dir     string
	models  []*storetest.Model // models[r] = state at revision r
	offsets []int64            // offsets[i] = start of the record of revision i+1; last = log length
}

func newFixture(t testing.TB, n int) *fixture {
	t.Helper()
	f := &fixture{dir: scratchDir(t)}
	s := mustOpen(t, f.dir)
	r := rand.New(rand.NewPCG(uint64(n), 42))
	m := storetest.NewModel()
	f.models = append(f.models, m.Clone())
	f.offsets = append(f.offsets, s.logSize)
	for i := range n {
		if err := commitSmall(t, s, r, m, []string{"a", "b"}[i%2]); err != nil {
			t.Fatal(err)
		}
		f.models = append(f.models, m.Clone())
		f.offsets = append(f.offsets, s.logSize)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) logPath() string { return filepath.Join(f.dir, logName(1)) }

// files returns the contents of every file in dir but LOCK.
func files(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() == "LOCK" {
			continue
		}
		if e.IsDir() {
			out[e.Name()+"/"] = nil
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// scratchDir returns a new empty directory, on tmpfs (/dev/shm) when there is one: the
// byte-by-byte damage tests open hundreds of stores, and what they check is the recovery logic,
// not the disk's fsync, which under load costs tens of milliseconds per call.
func scratchDir(t testing.TB) string {
	t.Helper()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		dir, err := os.MkdirTemp("/dev/shm", "filestore-test-")
		if err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}

// copyWithLog copies the fixture's store into a new directory with log replaced by log.
func (f *fixture) copyWithLog(t *testing.T, log []byte) string {
	t.Helper()
	dir := scratchDir(t)
	for name, b := range files(t, f.dir) {
		if name == logName(1) {
			b = log
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestTornLogEveryOffset cuts the log at every byte offset of its records (the last one's and
// all earlier ones'): the store opens at the last record wholly before the cut, truncates the
// rest, and then commits the next revision normally and reopens without truncating again.
func TestTornLogEveryOffset(t *testing.T) {
	f := newFixture(t, 6)
	log, err := os.ReadFile(f.logPath())
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(log)) != f.offsets[len(f.offsets)-1] {
		t.Fatalf("log is %d bytes, fixture says %d", len(log), f.offsets[len(f.offsets)-1])
	}
	rev := 0
	for cut := f.offsets[0]; cut < int64(len(log)); cut++ {
		for rev+1 < len(f.offsets) && f.offsets[rev+1] <= cut {
			rev++
		}
		dir := f.copyWithLog(t, log[:cut])
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("log cut at byte %d: Open: %v", cut, err)
		}
		checkModel(t, s, f.models[rev])
		rec := s.Recovery()
		if want := cut - f.offsets[rev]; rec.TruncatedBytes != want || (want > 0 && rec.TruncatedAt != f.offsets[rev]) {
			t.Fatalf("log cut at byte %d: recovery %+v, want %d bytes truncated at %d", cut, rec, want, f.offsets[rev])
		}
		// The next commit lands at the next revision and survives a reopen.
		m := f.models[rev].Clone()
		if err := commitRandom(t, s, rand.New(rand.NewPCG(9, uint64(cut))), m, "a"); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s = mustOpen(t, dir)
		checkModel(t, s, m)
		if s.Recovery().TruncatedBytes != 0 {
			t.Fatalf("log cut at byte %d: second reopen truncated again", cut)
		}
		s.Close()
		os.RemoveAll(dir)
	}
}

// TestFlippedBitNeverApplied flips one bit in every byte of every record: the damaged record is
// never applied. Damage in the last record is a torn tail (truncated, the store opens at the
// revision before it); damage with intact records after it refuses to open and changes
// nothing, unless Options.TruncateCorrupt, which opens at the revision before the damage.
func TestFlippedBitNeverApplied(t *testing.T) {
	f := newFixture(t, 6)
	log, err := os.ReadFile(f.logPath())
	if err != nil {
		t.Fatal(err)
	}
	last := len(f.offsets) - 2 // index of the last record
	for rec := 0; rec <= last; rec++ {
		for off := f.offsets[rec]; off < f.offsets[rec+1]; off++ {
			damaged := bytes.Clone(log)
			damaged[off] ^= 1 << (off % 8)
			dir := f.copyWithLog(t, damaged)
			before := files(t, dir)
			s, err := Open(dir, Options{})
			if rec == last {
				if err != nil {
					t.Fatalf("bit flipped at byte %d of the last record: Open: %v", off, err)
				}
				checkModel(t, s, f.models[rec])
				s.Close()
			} else {
				var ce *CorruptError
				if !errors.As(err, &ce) || !errors.Is(err, store.ErrCorrupt) || ce.Offset != f.offsets[rec] {
					t.Fatalf("bit flipped at byte %d of record %d: Open = %v, want *CorruptError at offset %d", off, rec+1, err, f.offsets[rec])
				}
				if after := files(t, dir); !equalFiles(before, after) {
					t.Fatalf("bit flipped at byte %d: the refused Open changed the directory", off)
				}
				s, err = Open(dir, Options{TruncateCorrupt: true})
				if err != nil {
					t.Fatalf("bit flipped at byte %d, TruncateCorrupt: %v", off, err)
				}
				checkModel(t, s, f.models[rec])
				s.Close()
			}
			os.RemoveAll(dir)
		}
	}
}

func equalFiles(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !bytes.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// TestRefuseToOpen: a damaged snapshot or a file that is not the store's refuses to open with
// a *CorruptError and changes nothing on disk.
func TestRefuseToOpen(t *testing.T) {
	f := newFixture(t, 4)
	snap := snapshotName(1)
	cases := []struct {
		name   string
		damage func(t *testing.T, dir string)
	}{
		{"snapshot bit flipped", func(t *testing.T, dir string) { flip(t, filepath.Join(dir, snap), 40) }},
		{"snapshot truncated", func(t *testing.T, dir string) { truncate(t, filepath.Join(dir, snap), 30) }},
		{"snapshot empty", func(t *testing.T, dir string) { truncate(t, filepath.Join(dir, snap), 0) }},
		{"snapshot foreign", func(t *testing.T, dir string) { write(t, filepath.Join(dir, snap), []byte(`{"Version":"1"}`)) }},
		{"log header damaged", func(t *testing.T, dir string) { flip(t, filepath.Join(dir, logName(1)), 20) }},
		{"log foreign", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, logName(1)), bytes.Repeat([]byte("x"), 100))
		}},
		{"log missing", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, logName(1))) }},
		{"foreign file", func(t *testing.T, dir string) { write(t, filepath.Join(dir, "notes.txt"), []byte("hello")) }},
		{"foreign directory", func(t *testing.T, dir string) { os.Mkdir(filepath.Join(dir, "snapshot-00000000000000ff"), 0o700) }},
		{"log of another store", func(t *testing.T, dir string) {
			other := newFixture(t, 4)
			b, _ := os.ReadFile(other.logPath())
			write(t, filepath.Join(dir, logName(1)), b)
		}},
		{"log without snapshot", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, snap)) }},
		{"snapshot named for another generation", func(t *testing.T, dir string) {
			os.Rename(filepath.Join(dir, snap), filepath.Join(dir, snapshotName(2)))
			os.Rename(filepath.Join(dir, logName(1)), filepath.Join(dir, logName(2)))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := f.copyWithLog(t, mustRead(t, f.logPath()))
			tc.damage(t, dir)
			before := files(t, dir)
			_, err := Open(dir, Options{})
			var ce *CorruptError
			if !errors.As(err, &ce) || !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("Open = %v, want a *CorruptError", err)
			}
			if after := files(t, dir); !equalFiles(before, after) {
				t.Fatal("the refused Open changed the directory")
			}
			// Refusing released the lock.
			if _, err := Open(dir, Options{}); errors.Is(err, store.ErrLocked) {
				t.Fatal("a refused Open kept the lock")
			}
		})
	}
}

// TestInterruptedCompactionAndCreation: the leftovers of a crash in the middle of Compact (a
// temporary snapshot, the next generation's log, or both generations whole) or of creating a
// new store open to the last complete generation and are cleaned up.
func TestInterruptedCompaction(t *testing.T) {
	f := newFixture(t, 6)
	ctx := context.Background()
	// Make generation 2 for real in a scratch copy, to plant its files.
	scratch := f.copyWithLog(t, mustRead(t, f.logPath()))
	s := mustOpen(t, scratch)
	if err := s.Compact(ctx, 3); err != nil {
		t.Fatal(err)
	}
	s.Close()
	gen2 := files(t, scratch)
	cases := []struct {
		name    string
		plant   []string // generation 2's files to add to generation 1's
		tmpSnap bool     // add generation 2's snapshot as a .tmp
		wantGen uint64
	}{
		{"temporary snapshot only", nil, true, 1},
		{"next log only", []string{logName(2)}, false, 1},
		{"next log and temporary snapshot", []string{logName(2)}, true, 1},
		{"both generations complete", []string{logName(2), snapshotName(2)}, false, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := f.copyWithLog(t, mustRead(t, f.logPath()))
			for _, n := range tc.plant {
				write(t, filepath.Join(dir, n), gen2[n])
			}
			if tc.tmpSnap {
				write(t, filepath.Join(dir, snapshotName(2)+".tmp"), gen2[snapshotName(2)][:50])
			}
			s := mustOpen(t, dir)
			defer s.Close()
			checkModel(t, s, f.models[6])
			if s.Recovery().Generation != tc.wantGen {
				t.Fatalf("opened generation %d, want %d", s.Recovery().Generation, tc.wantGen)
			}
			left := files(t, dir)
			if len(left) != 2 {
				t.Fatalf("files left after recovery: %d, want one snapshot and one log", len(left))
			}
			cs, err := s.Changes(ctx, 3, 0)
			if err != nil || len(cs) != 3 {
				t.Fatalf("feed after recovery: %d changes, %v", len(cs), err)
			}
		})
	}
	t.Run("creation crashed before the snapshot", func(t *testing.T) {
		dir := t.TempDir()
		write(t, filepath.Join(dir, logName(1)), encodeLogHeader(store.NewEpoch(), 1))
		s := mustOpen(t, dir)
		defer s.Close()
		checkModel(t, s, storetest.NewModel())
	})
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func flip(t *testing.T, path string, off int) {
	t.Helper()
	b := mustRead(t, path)
	b[off] ^= 0x10
	write(t, path, b)
}

func truncate(t *testing.T, path string, n int64) {
	t.Helper()
	if err := os.Truncate(path, n); err != nil {
		t.Fatal(err)
	}
}

// TestTornGroup: records written and fsynced together (group commit) can be torn in any order
// by a crash: a damaged record followed only by intact records of its own write is a torn tail
// and is truncated; followed by a record of a later write, it is damage to fsynced data and
// Open refuses.
func TestTornGroup(t *testing.T) {
	f := newFixture(t, 4)
	log := mustRead(t, f.logPath())
	m := f.models[4].Clone()
	r := rand.New(rand.NewPCG(5, 5))
	var group, later []byte
	var offsets []int // record starts within group
	models := []*storetest.Model{m.Clone()}
	for rev := store.Revision(5); rev <= 8; rev++ {
		b := storetest.RandomBatch(r, m, "a", 3, 8)
		c := store.Change{Rev: rev, Batch: b}
		if err := m.Apply(c); err != nil {
			t.Fatal(err)
		}
		models = append(models, m.Clone())
		if rev < 8 {
			offsets = append(offsets, len(group))
			group = appendRecord(group, &c, 5) // revisions 5-7: one write
		} else {
			later = appendRecord(later, &c, 8) // revision 8: the next write
		}
	}
	for i, off := range offsets {
		damaged := bytes.Clone(group)
		damaged[off+frameHeaderLen+2] ^= 0x40 // inside record 5+i's payload
		// Only the group on disk: a torn tail, opened at the revision before the damage.
		dir := f.copyWithLog(t, slices.Concat(log, damaged))
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("damaged record %d of the last write: Open: %v", 5+i, err)
		}
		checkModel(t, s, models[i])
		s.Close()
		// A later write after the group: the group had been fsynced, the damage is real.
		dir = f.copyWithLog(t, slices.Concat(log, damaged, later))
		before := files(t, dir)
		if _, err := Open(dir, Options{}); !errors.Is(err, store.ErrCorrupt) {
			t.Fatalf("damaged record %d followed by a later write: Open = %v, want ErrCorrupt", 5+i, err)
		}
		if !equalFiles(before, files(t, dir)) {
			t.Fatal("the refused Open changed the directory")
		}
	}
	// Undamaged, everything applies.
	dir := f.copyWithLog(t, slices.Concat(log, group, later))
	s := mustOpen(t, dir)
	defer s.Close()
	checkModel(t, s, models[4])
}
