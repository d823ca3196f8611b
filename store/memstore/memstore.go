// Package memstore is the in-process store.Backend: the zero-configuration default of the
// directory and the test double of everything built on store. Its state lives in memory and is
// lost with the process.
//
// Several readers (directories, replicas) in one process may share one Store: it has one
// history, one epoch and one feed, exactly as replicas on a shared database would.
package memstore

import (
	"context"
	"time"

	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/internal/notify"
	"github.com/ramauthz/ramauthz/store/internal/state"
)

// Store is an in-memory store.Backend and store.Compactor. It retains every change until
// Compact discards it. A Store is safe for concurrent use; create it with New.
type Store struct {
	g   state.Guarded
	hub notify.Hub
	now func() time.Time
}

var (
	_ store.Backend   = (*Store)(nil)
	_ store.Compactor = (*Store)(nil)
)

// New returns an empty Store at revision 0 with a fresh random epoch.
func New() *Store {
	return &Store{g: state.Guarded{St: state.New(store.NewEpoch())}, now: time.Now}
}

// Snapshot implements store.Backend. It fails only with store.ErrClosed or ctx's error.
func (s *Store) Snapshot(ctx context.Context) (store.Snapshot, error) { return s.g.Snapshot(ctx) }

// Commit implements store.Backend. It fails with a *store.ConflictError, a *store.BatchError,
// store.ErrClosed or ctx's error, and then changes nothing. The batch is copied.
func (s *Store) Commit(ctx context.Context, b store.Batch) (store.Revision, error) {
	s.g.Mu.Lock()
	if err := s.g.Ready(ctx); err != nil {
		s.g.Mu.Unlock()
		return 0, err
	}
	if err := s.g.St.Check(&b); err != nil {
		s.g.Mu.Unlock()
		return 0, err
	}
	rev := s.g.St.Head().Rev + 1
	if err := s.g.St.Apply(store.Change{Rev: rev, At: s.now().UTC(), Batch: b.Clone()}); err != nil {
		s.g.Mu.Unlock()
		return 0, err
	}
	s.g.Mu.Unlock()
	s.hub.Publish(rev)
	return rev, nil
}

// Changes implements store.Backend. It fails with a *store.CompactedError, store.ErrClosed or
// ctx's error.
func (s *Store) Changes(ctx context.Context, after store.Revision, limit int) ([]store.Change, error) {
	return s.g.Changes(ctx, after, limit)
}

// Notify implements store.Backend.
func (s *Store) Notify(ctx context.Context) <-chan store.Revision { return s.hub.Subscribe(ctx) }

// Head implements store.Backend. It fails only with store.ErrClosed or ctx's error.
func (s *Store) Head(ctx context.Context) (store.Head, error) { return s.g.Head(ctx) }

// Compact implements store.Compactor. It fails with an error unwrapping to store.ErrInvalid
// when upTo is beyond the head, store.ErrClosed or ctx's error.
func (s *Store) Compact(ctx context.Context, upTo store.Revision) error {
	s.g.Mu.Lock()
	defer s.g.Mu.Unlock()
	if err := s.g.Ready(ctx); err != nil {
		return err
	}
	return s.g.St.Compact(upTo)
}

// Close implements store.Backend; it always returns nil.
func (s *Store) Close() error {
	s.g.Close()
	s.hub.Close()
	return nil
}
