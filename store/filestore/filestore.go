// Package filestore is the embedded, durable store.Backend: a directory holding one snapshot
// file and one append-only log of CRC-framed records, using only the standard library.
//
// # Durability
//
// Commit appends the batch's record to the log and calls fsync before it returns: an
// acknowledged commit survives a crash of the process (kill -9) or of the machine. Only then
// does the batch become visible to Snapshot, Changes and Head, so nothing is ever served that a
// crash could take back. Commits are serialized: the store's throughput is bounded by the
// disk's fsync rate (see the package benchmarks).
//
// A failed write or fsync (a full disk, an I/O error) fails the Commit with store.ErrUnavailable
// and changes nothing: the log is cut back to its last good length, the store keeps serving the
// previous revision, and the next Commit, once the disk accepts writes again, succeeds.
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
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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

	mu     sync.RWMutex // guards st and closed; held only briefly, never across I/O
	st     *state.State
	closed bool
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

// parseName classifies a directory entry: kind is "snapshot", "log", "tmp" or "" for a name
// that is not the store's.
func parseName(name string) (kind string, gen uint64) {
	if name == "LOCK" {
		return "lock", 0
	}
	base, tmp := strings.CutSuffix(name, ".tmp")
	for _, k := range []string{"snapshot", "log"} {
		hexGen, ok := strings.CutPrefix(base, k+"-")
		if !ok || len(hexGen) != 16 {
			continue
		}
		g, err := strconv.ParseUint(hexGen, 16, 64)
		if err != nil {
			continue
		}
		if tmp {
			return "tmp", g
		}
		return k, g
	}
	return "", 0
}

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

// recover reads the directory, checks everything, and only then repairs it (removes leftovers,
// truncates a torn tail) and opens the log for appending.
func (s *Store) recover(opts Options) error {
	entries, err := s.fs.ReadDir(s.dir)
	if err != nil {
		return unavailable("read directory", s.dir, err)
	}
	var snaps, logs, tmps []uint64
	for _, e := range entries {
		kind, gen := parseName(e.Name())
		switch kind {
		case "lock":
		case "snapshot":
			snaps = append(snaps, gen)
		case "log":
			logs = append(logs, gen)
		case "tmp":
			tmps = append(tmps, gen)
		default:
			return &CorruptError{Path: filepath.Join(s.dir, e.Name()), Offset: -1, Reason: "foreign file in the store directory"}
		}
		if kind != "lock" && !e.Type().IsRegular() {
			return &CorruptError{Path: filepath.Join(s.dir, e.Name()), Offset: -1, Reason: "not a regular file"}
		}
	}
	var remove []string // leftovers, removed once everything checked out
	for _, g := range tmps {
		if n := snapshotName(g) + ".tmp"; exists(entries, n) {
			remove = append(remove, n)
		} else {
			remove = append(remove, logName(g)+".tmp")
		}
	}
	if len(snaps) == 0 {
		// A new store, or one whose creation crashed before its snapshot was in place: then its
		// logs hold no records. A log with records but no snapshot is a store that lost its
		// snapshot: refuse rather than start over on top of it.
		for _, g := range logs {
			p := filepath.Join(s.dir, logName(g))
			b, err := s.fs.ReadFile(p)
			if err != nil {
				return unavailable("read", p, err)
			}
			if len(b) > logHeaderLen {
				return &CorruptError{Path: p, Offset: -1, Reason: "log holds records but no snapshot exists"}
			}
			remove = append(remove, logName(g))
		}
		if err := s.removeAll(remove); err != nil {
			return err
		}
		return s.create()
	}
	gen := slicesMax(snaps)
	snapPath := filepath.Join(s.dir, snapshotName(gen))
	sb, err := s.fs.ReadFile(snapPath)
	if err != nil {
		return unavailable("read", snapPath, err)
	}
	snap, sgen, reason := decodeSnapshot(sb)
	sb = nil
	if reason != "" {
		return &CorruptError{Path: snapPath, Offset: -1, Reason: reason}
	}
	if sgen != gen {
		return &CorruptError{Path: snapPath, Offset: -1, Reason: fmt.Sprintf("holds generation %d", sgen)}
	}
	logPath := filepath.Join(s.dir, logName(gen))
	lb, err := s.fs.ReadFile(logPath)
	if errors.Is(err, os.ErrNotExist) {
		return &CorruptError{Path: logPath, Offset: -1, Reason: "the snapshot's log is missing"}
	}
	if err != nil {
		return unavailable("read", logPath, err)
	}
	epoch, lgen, ok := decodeLogHeader(lb)
	switch {
	case !ok:
		return &CorruptError{Path: logPath, Offset: 0, Reason: "not a ramauthz log (bad header)"}
	case epoch != snap.Epoch:
		return &CorruptError{Path: logPath, Offset: 0, Reason: "log of epoch " + epoch.String() + ", snapshot of epoch " + snap.Epoch.String()}
	case lgen != gen:
		return &CorruptError{Path: logPath, Offset: 0, Reason: fmt.Sprintf("log header names generation %d", lgen)}
	}
	snapRev := snap.Rev
	st := state.FromSnapshot(snap)
	rec := Recovery{Generation: gen, SnapshotRev: snapRev}
	pos := int64(logHeaderLen)
	var d decoder
	for pos < int64(len(lb)) {
		payload, n, ok := frameAt(lb[pos:])
		if !ok {
			if !opts.TruncateCorrupt && intactAfter(lb[pos+1:]) {
				return &CorruptError{Path: logPath, Offset: pos, Reason: "damaged record followed by intact ones"}
			}
			break
		}
		c, err := decodeRecord(&d, payload)
		if err != nil {
			return &CorruptError{Path: logPath, Offset: pos, Reason: "record passes its CRC but does not decode: " + err.Error()}
		}
		if c.Rev <= snapRev {
			if !st.AddHistory(c) {
				return &CorruptError{Path: logPath, Offset: pos, Reason: fmt.Sprintf("record of revision %d out of order", c.Rev)}
			}
		} else {
			if err := st.Check(&c.Batch); err != nil {
				return &CorruptError{Path: logPath, Offset: pos, Reason: fmt.Sprintf("record of revision %d does not apply: %v", c.Rev, err)}
			}
			if err := st.Apply(c); err != nil {
				return &CorruptError{Path: logPath, Offset: pos, Reason: err.Error()}
			}
			rec.Replayed++
		}
		pos += int64(n)
	}
	if !st.Complete() {
		return &CorruptError{Path: logPath, Offset: pos, Reason: fmt.Sprintf("log ends before the snapshot's revision %d", snapRev)}
	}
	if pos < int64(len(lb)) {
		rec.TruncatedAt, rec.TruncatedBytes = pos, int64(len(lb))-pos
	}
	lb = nil
	// Everything checked: repair and clean up.
	for _, g := range snaps {
		if g != gen {
			remove = append(remove, snapshotName(g))
		}
	}
	for _, g := range logs {
		if g != gen {
			remove = append(remove, logName(g))
		}
	}
	f, err := s.fs.OpenFile(logPath, os.O_RDWR, 0o600)
	if err != nil {
		return unavailable("open", logPath, err)
	}
	if rec.TruncatedBytes > 0 {
		if err := f.Truncate(pos); err != nil {
			f.Close()
			return unavailable("truncate", logPath, err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return unavailable("fsync", logPath, err)
		}
	}
	if err := s.removeAll(remove); err != nil {
		f.Close()
		return err
	}
	s.log, s.logSize, s.gen, s.st, s.rec = f, pos, gen, st, rec
	return nil
}

// intactAfter reports whether b holds an intact record anywhere.
func intactAfter(b []byte) bool {
	for i := 0; i+frameHeaderLen <= len(b); i++ {
		j := indexMagic(b[i:])
		if j < 0 {
			return false
		}
		i += j
		if _, _, ok := frameAt(b[i:]); ok {
			return true
		}
	}
	return false
}

func indexMagic(b []byte) int { return bytes.Index(b, frameMagic) }

func exists(entries []os.DirEntry, name string) bool {
	for _, e := range entries {
		if e.Name() == name {
			return true
		}
	}
	return false
}

func slicesMax(v []uint64) uint64 {
	m := v[0]
	for _, x := range v[1:] {
		m = max(m, x)
	}
	return m
}

func (s *Store) removeAll(names []string) error {
	if len(names) == 0 {
		return nil
	}
	for _, n := range names {
		if err := s.fs.Remove(filepath.Join(s.dir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return unavailable("remove", filepath.Join(s.dir, n), err)
		}
	}
	if err := s.fs.SyncDir(s.dir); err != nil {
		return unavailable("fsync", s.dir, err)
	}
	return nil
}

// create writes generation 1 of a new store: the empty log, then the empty snapshot.
func (s *Store) create() error {
	st := state.New(store.NewEpoch())
	f, size, err := s.writeGeneration(1, st, 0)
	if err != nil {
		return err
	}
	s.log, s.logSize, s.gen, s.st = f, size, 1, st
	s.rec = Recovery{Generation: 1}
	return nil
}

// writeGeneration writes log-gen (header plus the retained changes after compacted) and
// snapshot-gen (st's state, with compaction point compacted), making both durable in the order
// the package documentation gives. It returns the new log open for appending and its length.
// On failure it removes what it wrote and returns an error unwrapping to store.ErrUnavailable;
// if the new snapshot was already renamed into place and cannot be removed, the next Open would
// prefer it to the log commits still go to, so the store refuses further writes (s.broken).
func (s *Store) writeGeneration(gen uint64, st *state.State, compacted store.Revision) (file, int64, error) {
	logPath := filepath.Join(s.dir, logName(gen))
	snapPath := filepath.Join(s.dir, snapshotName(gen))
	tmpPath := snapPath + ".tmp"
	fail := func(op, path string, err error, f file) (file, int64, error) {
		if f != nil {
			f.Close()
		}
		s.fs.Remove(tmpPath)
		if rerr := s.fs.Remove(snapPath); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			s.broken = fmt.Errorf("filestore: %s could not be removed after a failed compaction; reopen the store: %w: %w", snapPath, store.ErrUnavailable, rerr)
		}
		s.fs.Remove(logPath)
		s.fs.SyncDir(s.dir)
		return nil, 0, unavailable(op, path, err)
	}
	snap := st.Snapshot()
	snap.Compacted = max(compacted, snap.Compacted)
	b := encodeLogHeader(snap.Epoch, gen)
	for _, c := range st.Retained() {
		if c.Rev > snap.Compacted {
			b = appendRecord(b, &c)
		}
	}
	lf, err := s.fs.OpenFile(logPath, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, 0, unavailable("create", logPath, err)
	}
	if _, err := lf.WriteAt(b, 0); err != nil {
		return fail("write", logPath, err, lf)
	}
	if err := lf.Sync(); err != nil {
		return fail("fsync", logPath, err, lf)
	}
	sf, err := s.fs.OpenFile(tmpPath, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fail("create", tmpPath, err, lf)
	}
	if _, err := sf.WriteAt(encodeSnapshot(&snap, gen), 0); err != nil {
		sf.Close()
		return fail("write", tmpPath, err, lf)
	}
	if err := sf.Sync(); err != nil {
		sf.Close()
		return fail("fsync", tmpPath, err, lf)
	}
	if err := sf.Close(); err != nil {
		return fail("close", tmpPath, err, lf)
	}
	if err := s.fs.Rename(tmpPath, snapPath); err != nil {
		return fail("rename", tmpPath, err, lf)
	}
	if err := s.fs.SyncDir(s.dir); err != nil {
		return fail("fsync", s.dir, err, lf)
	}
	return lf, int64(len(b)), nil
}

// Recovery reports what Open found and did.
func (s *Store) Recovery() Recovery { return s.rec }

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) ready(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed {
		return store.ErrClosed
	}
	return nil
}

// Snapshot implements store.Backend from memory. It fails only with store.ErrClosed or ctx's
// error.
func (s *Store) Snapshot(ctx context.Context) (store.Snapshot, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.ready(ctx); err != nil {
		return store.Snapshot{}, err
	}
	return s.st.Snapshot(), nil
}

// Changes implements store.Backend from memory (the retained feed is kept there). It fails
// with a *store.CompactedError, store.ErrClosed or ctx's error.
func (s *Store) Changes(ctx context.Context, after store.Revision, limit int) ([]store.Change, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	return s.st.Changes(after, limit)
}

// Head implements store.Backend. It fails only with store.ErrClosed or ctx's error.
func (s *Store) Head(ctx context.Context) (store.Head, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.ready(ctx); err != nil {
		return store.Head{}, err
	}
	return s.st.Head(), nil
}

// Notify implements store.Backend: a hint after every commit.
func (s *Store) Notify(ctx context.Context) <-chan store.Revision { return s.hub.Subscribe(ctx) }

// Commit implements store.Backend: it returns once the batch's record is in the log and the
// log is fsynced. Concurrent commits are grouped: one write and one fsync make a whole group
// durable (each batch keeps its own revision and its own conflict check, in arrival order). It
// fails with a *store.ConflictError, a *store.BatchError, store.ErrClosed, ctx's error (checked
// before the batch is queued; a queued batch is not abandoned), or an error unwrapping to
// store.ErrUnavailable and the operating system's error when the write or fsync failed (every
// batch of the group then fails). Every failure leaves the store at its previous revision.
func (s *Store) Commit(ctx context.Context, b store.Batch) (store.Revision, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := store.Validate(&b); err != nil {
		return 0, err
	}
	req := &request{batch: b.Clone(), wake: make(chan struct{})}
	s.qmu.Lock()
	if s.qclosed {
		s.qmu.Unlock()
		return 0, store.ErrClosed
	}
	s.queue = append(s.queue, req)
	lead := !s.leading
	s.leading = true
	s.qmu.Unlock()
	if !lead {
		<-req.wake
		if !req.promoted {
			return req.rev, req.err
		}
	}
	s.lead(req)
	return req.rev, req.err
}

// request is one queued Commit.
type request struct {
	batch    store.Batch
	rev      store.Revision
	err      error
	wake     chan struct{} // closed when the request is finished or promoted to leader
	finished bool          // written by the leader before wake is closed
	promoted bool
}

// maxGroup bounds the batches one write carries.
const maxGroup = 256

// lead commits queued groups until own is finished, then hands the lead to the first waiting
// request, so that no caller serves others forever.
func (s *Store) lead(own *request) {
	for !own.finished {
		s.qmu.Lock()
		n := min(len(s.queue), maxGroup)
		group := slices.Clone(s.queue[:n])
		s.queue = slices.Delete(s.queue, 0, n)
		s.qmu.Unlock()
		s.commitGroup(group)
		for _, r := range group {
			r.finished = true
			if r != own {
				close(r.wake)
			}
		}
	}
	s.qmu.Lock()
	if len(s.queue) > 0 {
		next := s.queue[0]
		next.promoted = true
		close(next.wake)
	} else {
		s.leading = false
	}
	s.qmu.Unlock()
}

// commitGroup checks each request in order against the state and the group's earlier
// requests, writes the records of those that pass in one write, fsyncs, and applies them.
func (s *Store) commitGroup(group []*request) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.RLock()
	closed := s.closed
	head := s.st.Head().Rev
	accounts := make(map[string]store.Revision, len(group))
	for _, r := range group {
		if _, ok := accounts[r.batch.Account]; !ok {
			accounts[r.batch.Account] = s.st.AccountRev(r.batch.Account)
		}
	}
	s.mu.RUnlock()
	var changes []store.Change
	var accepted []*request
	at := s.now().UTC().Round(0)
	for _, r := range group {
		switch got := accounts[r.batch.Account]; {
		case closed:
			r.err = store.ErrClosed
		case s.broken != nil:
			r.err = s.broken
		case got != r.batch.Expected:
			r.err = &store.ConflictError{Account: r.batch.Account, Expected: r.batch.Expected, Actual: got}
		default:
			head++
			accounts[r.batch.Account] = head
			r.rev = head
			changes = append(changes, store.Change{Rev: head, At: at, Batch: r.batch})
			accepted = append(accepted, r)
		}
	}
	if len(changes) == 0 {
		return
	}
	if err := s.append(changes); err != nil {
		for _, r := range accepted {
			r.rev, r.err = 0, err
		}
		return
	}
	s.mu.Lock()
	for _, c := range changes {
		if err := s.st.Apply(c); err != nil { // cannot happen: checked above under wmu
			s.broken = fmt.Errorf("filestore: %w: %w", store.ErrUnavailable, err)
		}
	}
	s.mu.Unlock()
	s.hub.Publish(head)
}

// append writes the changes' records at the end of the log's intact prefix and fsyncs; on
// failure it cuts the log back so that a later append does not follow a partial record.
func (s *Store) append(changes []store.Change) error {
	path := filepath.Join(s.dir, logName(s.gen))
	if s.dirty {
		if err := s.log.Truncate(s.logSize); err != nil {
			return unavailable("truncate", path, err)
		}
		s.dirty = false
	}
	s.buf = s.buf[:0]
	for i := range changes {
		s.buf = appendRecord(s.buf, &changes[i])
	}
	if _, err := s.log.WriteAt(s.buf, s.logSize); err != nil {
		s.cutBack()
		return unavailable("write", path, err)
	}
	if err := s.log.Sync(); err != nil {
		// After a failed fsync the kernel may have dropped the pages: the records are neither
		// acknowledged nor trusted. Cut them off; the next fsync makes the cut durable.
		s.cutBack()
		return unavailable("fsync", path, err)
	}
	s.logSize += int64(len(s.buf))
	if cap(s.buf) > 1<<20 {
		s.buf = nil // do not pin a large group's buffer
	}
	return nil
}

func (s *Store) cutBack() {
	if err := s.log.Truncate(s.logSize); err != nil {
		s.dirty = true
	}
}

// Compact implements store.Compactor: it writes a new generation whose snapshot holds the
// current state and whose log keeps the changes after upTo, then removes the old generation.
// Commits wait while it runs. It fails with an error unwrapping to store.ErrInvalid when upTo
// is beyond the head, store.ErrUnavailable when the new generation could not be written (the
// old one stays in force), store.ErrClosed or ctx's error.
func (s *Store) Compact(ctx context.Context, upTo store.Revision) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.RLock()
	err := s.ready(ctx)
	head := s.st.Head()
	s.mu.RUnlock()
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
	f, size, err := s.writeGeneration(s.gen+1, s.st, upTo)
	if err != nil {
		return err
	}
	old := s.gen
	s.log.Close()
	s.log, s.logSize, s.dirty, s.gen = f, size, false, s.gen+1
	s.mu.Lock()
	err = s.st.Compact(upTo)
	s.mu.Unlock()
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
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
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
