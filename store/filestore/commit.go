package filestore

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/ramauthz/ramauthz/store"
)

// request is one queued Commit.
type request struct {
	batch    store.Batch
	size     int // bytes of keys and values, to bound a group's write
	rev      store.Revision
	err      error
	wake     chan struct{} // closed when the request is finished or promoted to leader
	finished bool          // written by the leader before wake is closed
	promoted bool
}

// A group carries at most maxGroup batches and, beyond its first batch, at most maxGroupBytes
// of keys and values, so that one write's buffer stays small.
const (
	maxGroup      = 256
	maxGroupBytes = 8 << 20
)

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
	for _, op := range b.Ops {
		req.size += len(op.Key.Kind) + len(op.Key.Name) + len(op.Value)
	}
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

// lead commits queued groups until own is finished, then hands the lead to the first waiting
// request, so that no caller serves others forever.
func (s *Store) lead(own *request) {
	for !own.finished {
		s.qmu.Lock()
		n, bytes := 1, s.queue[0].size
		for n < min(len(s.queue), maxGroup) && bytes+s.queue[n].size <= maxGroupBytes {
			bytes += s.queue[n].size
			n++
		}
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
	s.g.Mu.RLock()
	closed := s.g.Closed
	head := s.g.St.Head().Rev
	accounts := make(map[string]store.Revision, len(group))
	for _, r := range group {
		if _, ok := accounts[r.batch.Account]; !ok {
			accounts[r.batch.Account] = s.g.St.AccountRev(r.batch.Account)
		}
	}
	s.g.Mu.RUnlock()
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
	s.g.Mu.Lock()
	for _, c := range changes {
		if err := s.g.St.Apply(c); err != nil { // cannot happen: checked above under wmu
			s.broken = fmt.Errorf("filestore: %w: %w", store.ErrUnavailable, err)
		}
	}
	s.g.Mu.Unlock()
	s.hub.Publish(head)
}

// append writes the changes' records at the end of the log's intact prefix and fsyncs; on
// failure it cuts the log back so that a later append does not follow a partial record.
func (s *Store) append(changes []store.Change) error {
	path := filepath.Join(s.dir, logName(s.gen))
	if s.dirty {
		// A failed write left bytes past the intact prefix: cut them off durably before new
		// records take their place, so that a crash can never bring them back.
		if err := s.log.Truncate(s.logSize); err != nil {
			return unavailable("truncate", path, err)
		}
		if err := s.log.Sync(); err != nil {
			return unavailable("fsync", path, err)
		}
		s.dirty = false
	}
	s.buf = s.buf[:0]
	for i := range changes {
		s.buf = appendRecord(s.buf, &changes[i], changes[0].Rev)
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
	s.dirty = true
	if err := s.log.Truncate(s.logSize); err == nil && s.log.Sync() == nil {
		s.dirty = false
	}
}
