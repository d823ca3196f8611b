package state

import (
	"context"
	"sync"

	"github.com/ramauthz/ramauthz/store"
)

// Guarded is a State behind a read-write lock, with the closed flag of the backend that owns
// it: the read half of store.Backend, which every backend serving reads from memory shares
// (memstore, filestore). Its methods are safe for concurrent use; a backend that changes St or
// Closed holds Mu for writing.
type Guarded struct {
	Mu     sync.RWMutex // guards St and Closed
	St     *State
	Closed bool
}

// Ready returns ctx's error, or store.ErrClosed once Closed is set; the caller holds Mu.
func (g *Guarded) Ready(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if g.Closed {
		return store.ErrClosed
	}
	return nil
}

// Snapshot implements store.Backend.Snapshot: a deep copy of St. It fails only with
// store.ErrClosed or ctx's error.
func (g *Guarded) Snapshot(ctx context.Context) (store.Snapshot, error) {
	g.Mu.RLock()
	defer g.Mu.RUnlock()
	if err := g.Ready(ctx); err != nil {
		return store.Snapshot{}, err
	}
	return g.St.Snapshot(), nil
}

// Changes implements store.Backend.Changes on St's retained feed. It fails with a
// *store.CompactedError, store.ErrClosed or ctx's error.
func (g *Guarded) Changes(ctx context.Context, after store.Revision, limit int) ([]store.Change, error) {
	g.Mu.RLock()
	defer g.Mu.RUnlock()
	if err := g.Ready(ctx); err != nil {
		return nil, err
	}
	return g.St.Changes(after, limit)
}

// Head implements store.Backend.Head. It fails only with store.ErrClosed or ctx's error.
func (g *Guarded) Head(ctx context.Context) (store.Head, error) {
	g.Mu.RLock()
	defer g.Mu.RUnlock()
	if err := g.Ready(ctx); err != nil {
		return store.Head{}, err
	}
	return g.St.Head(), nil
}

// Close sets Closed and reports whether it was set already.
func (g *Guarded) Close() (already bool) {
	g.Mu.Lock()
	defer g.Mu.Unlock()
	already, g.Closed = g.Closed, true
	return already
}
