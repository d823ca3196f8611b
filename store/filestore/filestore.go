// Package filestore is the embedded, durable store.Backend: a directory holding one snapshot
// file and one append-only log of CRC-framed records, using only the standard library.
//
// # Durability
//
// Commit appends the batch's record to the log and calls fsync before it returns: an
// acknowledged commit survives a crash of the process (kill -9) or of the machine. Only then
// does the batch become visible to Snapshot, Changes and Head, so nothing is ever served that a
// crash could take back. Concurrent commits are grouped: one write and one fsync make every
// queued batch durable, so throughput grows with the number of writers while each batch keeps
// its own revision and conflict check (see the package benchmarks).
//
// A failed write or fsync (a full disk, an I/O error) fails the Commit with store.ErrUnavailable
// and changes nothing: the log is cut back to its last good length, the store keeps serving the
// previous revision, and the next Commit, once the disk accepts writes again, succeeds.
//
// # Memory
//
// Snapshot, Changes and Head are served from memory: the store holds the state and the retained
// feed (every change after the compaction point) there, and reads the files only in Open. The
// feed grows with every commit until Compact discards it; an application calls Compact (for
// example daily, keeping the changes its slowest reader may still need).
//
// # Files
//
// The directory (created with permission 0700) holds LOCK, snapshot-G and log-G (0600), where
// G is a generation number in 16 hexadecimal digits. The snapshot holds the state at its
// revision, the log holds the retained feed: every change after the compaction point, those the
// snapshot already contains included. Compact writes generation G+1: the new log, then the new
// snapshot to a temporary file, fsync, rename, fsync of the directory; only then are the files
// of generation G removed. A crash at any point leaves one complete generation, and no
// acknowledged commit is ever only in a file about to be removed.
//
// # Recovery
//
// Open takes the lock (flock on LOCK: one writer process; a second Open, from this process or
// another, fails with a *LockedError while the first is open; the kernel drops the lock of a
// killed process). It reads the newest snapshot, then the log: records are replayed in order up
// to the end or to the first record that is torn (cut short by a crash) or fails its CRC. If no
// intact record follows it, the damage is a torn tail: the log is truncated there and the store
// opens at the last intact revision. If an intact record does follow, the damage is inside the
// log (the media or someone else changed it), and Open refuses with a *CorruptError, because
// truncating would silently drop the acknowledged commits after it; Options.TruncateCorrupt
// chooses truncation instead. A damaged record is never applied.
//
// Open refuses with a *CorruptError (store.ErrCorrupt), and changes nothing on disk, when the
// snapshot fails its checks, a file is not the store's (a foreign name in the directory, a wrong
// magic number), the log belongs to another history (epoch) or leaves a gap.
package filestore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/internal/notify"
	"github.com/ramauthz/ramauthz/store/internal/state"
)

// Options configures Open. The zero value is the safe default.
type Options struct {
	// TruncateCorrupt makes Open truncate the log at a damaged record even when intact records
	// follow it, dropping them (and their acknowledged commits), instead of refusing to open.
	// For an operator who has a copy or accepts the loss; never the default.
	TruncateCorrupt bool

	// Now is the clock for Change.At; nil means time.Now.
	Now func() time.Time
}

// Recovery reports what Open found and did.
type Recovery struct {
	Generation  uint64         // generation of the snapshot and log opened
	SnapshotRev store.Revision // revision of the snapshot read
	Replayed    int            // log records applied on top of the snapshot
	// TruncatedAt is the log offset (bytes) where a torn or damaged tail was cut off, and
	// TruncatedBytes how many bytes were removed; both 0 when the log was intact.
	TruncatedAt, TruncatedBytes int64
}

// LockedError reports a store directory held by another open Store. It unwraps to
// store.ErrLocked.
type LockedError struct {
	Path string // the lock file
	PID  int    // the holder's process ID as it recorded it, 0 if unknown
}

func (e *LockedError) Error() string {
	holder := "another process"
	if e.PID != 0 {
		holder = "process " + strconv.Itoa(e.PID)
	}
	return fmt.Sprintf("filestore: %s is held by %s (one writer process per store): %v", e.Path, holder, store.ErrLocked)
}

func (e *LockedError) Unwrap() error { return store.ErrLocked }

// CorruptError reports stored data that failed a check; Open refused and changed nothing. It
// unwraps to store.ErrCorrupt.
type CorruptError struct {
	Path   string
	Offset int64 // byte offset of the damage in Path, -1 when it concerns the whole file
	Reason string
}

func (e *CorruptError) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("filestore: %s at byte %d: %s: %v", e.Path, e.Offset, e.Reason, store.ErrCorrupt)
	}
	return fmt.Sprintf("filestore: %s: %s: %v", e.Path, e.Reason, store.ErrCorrupt)
}

func (e *CorruptError) Unwrap() error { return store.ErrCorrupt }

// Store is a durable store.Backend and store.Compactor on a directory. It is safe for
// concurrent use; commits are serialized.
type Store struct {
	dir  string
	fs   fileSystem
	now  func() time.Time
	lock *os.File
	hub  notify.Hub
	rec  Recovery

	qmu     sync.Mutex // guards the commit queue
	queue   []*request
	leading bool // a goroutine is committing the queue
	qclosed bool

	wmu     sync.Mutex // serializes log writes, Compact and Close; guards the fields below
	log     file
	logSize int64  // length of the log's intact prefix
	dirty   bool   // the log may hold bytes past logSize from a failed write
	gen     uint64 // current generation
	broken  error  // set when a failed compaction could not be undone: writes refused
	buf     []byte // record encoding buffer

	// g holds the state and the closed flag; its lock is held only briefly, never across I/O.
	g state.Guarded
}

var (
	_ store.Backend   = (*Store)(nil)
	_ store.Compactor = (*Store)(nil)
)

// Open opens the store in directory dir, creating the directory (0700) and an empty store when
// dir does not exist or is empty, and recovers it as the package documentation describes. It
// fails with a *LockedError (store.ErrLocked) while another Store holds dir, a *CorruptError
// (store.ErrCorrupt) for damaged or foreign files, or an error unwrapping to
// store.ErrUnavailable (and the operating system's error) when the files cannot be read or
// written. On failure nothing on disk has changed and no lock is held.
func Open(dir string, opts Options) (*Store, error) {
	return open(dir, opts, osFS{})
}

func unavailable(op, path string, err error) error {
	return fmt.Errorf("filestore: %s %s: %w: %w", op, path, store.ErrUnavailable, err)
}

func snapshotName(gen uint64) string { return fmt.Sprintf("snapshot-%016x", gen) }
func logName(gen uint64) string      { return fmt.Sprintf("log-%016x", gen) }

func open(dir string, opts Options, fsys fileSystem) (*Store, error) {
	if err := fsys.MkdirAll(dir, 0o700); err != nil {
		return nil, unavailable("create directory", dir, err)
	}
	lock, err := lockDir(filepath.Join(dir, "LOCK"))
	if err != nil {
		return nil, err
	}
	s := &Store{dir: dir, fs: fsys, now: opts.Now, lock: lock}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.recover(opts); err != nil {
		lock.Close()
		return nil, err
	}
	return s, nil
}

// Recovery reports what Open found and did.
func (s *Store) Recovery() Recovery { return s.rec }

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

// Snapshot implements store.Backend from memory. It fails only with store.ErrClosed or ctx's
// error.
func (s *Store) Snapshot(ctx context.Context) (store.Snapshot, error) { return s.g.Snapshot(ctx) }

// Changes implements store.Backend from memory (the retained feed is kept there). It fails
// with a *store.CompactedError, store.ErrClosed or ctx's error.
func (s *Store) Changes(ctx context.Context, after store.Revision, limit int) ([]store.Change, error) {
	return s.g.Changes(ctx, after, limit)
}

// Head implements store.Backend. It fails only with store.ErrClosed or ctx's error.
func (s *Store) Head(ctx context.Context) (store.Head, error) { return s.g.Head(ctx) }

// Notify implements store.Backend: a hint after every commit.
func (s *Store) Notify(ctx context.Context) <-chan store.Revision { return s.hub.Subscribe(ctx) }

// Compact implements store.Compactor: it writes a new generation whose snapshot holds the
// current state and whose log keeps the changes after upTo, then removes the old generation.
// Commits wait while it runs. It fails with an error unwrapping to store.ErrInvalid when upTo
// is beyond the head, store.ErrUnavailable when the new generation could not be written (the
// old one stays in force), store.ErrClosed or ctx's error.
func (s *Store) Compact(ctx context.Context, upTo store.Revision) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.g.Mu.RLock()
	err := s.g.Ready(ctx)
	head := s.g.St.Head()
	s.g.Mu.RUnlock()
	if err != nil {
		return err
	}
	if upTo > head.Rev {
		return fmt.Errorf("filestore: compact up to revision %d beyond the head %d: %w", upTo, head.Rev, store.ErrInvalid)
	}
	if s.broken != nil {
		return s.broken
	}
	upTo = max(upTo, head.Compacted)
	// Readers keep reading while the files are written: only this goroutine changes st.
	f, size, err := s.writeGeneration(s.gen+1, s.g.St, upTo)
	if err != nil {
		return err
	}
	old := s.gen
	s.log.Close()
	s.log, s.logSize, s.dirty, s.gen = f, size, false, s.gen+1
	s.g.Mu.Lock()
	err = s.g.St.Compact(upTo)
	s.g.Mu.Unlock()
	if err != nil { // cannot happen: upTo was checked against the head under wmu
		return err
	}
	// The old generation is obsolete; if removing it fails, the next Open does it.
	s.removeAll([]string{snapshotName(old), logName(old)})
	return nil
}

// Close implements store.Backend: it closes the log and releases the lock. Calls after the
// first return nil.
func (s *Store) Close() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.g.Close() {
		return nil
	}
	s.qmu.Lock()
	s.qclosed = true
	s.qmu.Unlock()
	s.hub.Close()
	err := s.log.Close()
	if lerr := s.lock.Close(); err == nil {
		err = lerr
	}
	if err != nil {
		return unavailable("close", s.dir, err)
	}
	return nil
}
