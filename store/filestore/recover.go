package filestore

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/internal/state"
)

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
	gen := slices.Max(snaps)
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
			if !opts.TruncateCorrupt && laterGroupAfter(lb[pos+1:], st.Head().Rev+1) {
				return &CorruptError{Path: logPath, Offset: pos, Reason: "damaged record followed by intact records of later writes"}
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
	s.log, s.logSize, s.gen, s.g.St, s.rec = f, pos, gen, st, rec
	return nil
}

// laterGroupAfter reports whether b holds an intact record of a write later than the one that
// wrote revision next (the damaged record's). Such a record proves that the damaged record's
// write had been fsynced, so the damage is not a torn tail: records are written and fsynced in
// groups, a group is written only after the previous one was fsynced, and only the last group
// can be torn by a crash, possibly with its later records intact and earlier ones not (pages
// reach the disk in any order).
func laterGroupAfter(b []byte, next store.Revision) bool {
	for i := 0; i+frameHeaderLen <= len(b); i++ {
		j := indexMagic(b[i:])
		if j < 0 {
			return false
		}
		i += j
		if p, _, ok := frameAt(b[i:]); ok {
			if _, group, ok := recordGroup(p); !ok || group > next {
				return true // an intact frame of another shape is not a torn tail either
			}
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
	s.log, s.logSize, s.gen, s.g.St = f, size, 1, st
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
			b = appendRecord(b, &c, c.Rev)
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
