package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Replica is the state a Follower keeps current: implemented by the consumer of a backend (the
// directory), which turns stored bytes into its own state.
type Replica interface {
	// Load replaces the whole state with s: at the start, after falling behind compaction,
	// and when the store's epoch changed.
	Load(s Snapshot) error
	// Apply applies changes, which are contiguous and follow the revision last loaded or
	// applied. It applies all of them or none: after an error the Follower offers the same
	// changes again in its next round.
	Apply(changes []Change) error
}

// HeadReader is implemented by backends that can read the head and a page of the feed in one
// request (for PostgreSQL, one statement: one round trip instead of three). A Follower uses it
// when its backend has it.
type HeadReader interface {
	// HeadChanges returns the head and the changes after revision after (up to limit, as
	// Changes) as of one moment during the call: the changes all belong to the head's epoch
	// and none is beyond the head's revision. It fails as Changes does (a *CompactedError
	// when after < Head.Compacted).
	HeadChanges(ctx context.Context, after Revision, limit int) (Head, []Change, error)
}

// FollowerOptions configures a Follower. The zero value gives the defaults.
type FollowerOptions struct {
	// PollInterval is how often Run reads the store without a notification (default 1 s):
	// the bound on how late a change is applied when every notification is lost.
	PollInterval time.Duration
	// PageSize is the limit passed to Changes (default DefaultChangesLimit).
	PageSize int
	// MaxBackoff caps the wait between failed rounds, which starts at 50 ms and doubles
	// (default 5 s).
	MaxBackoff time.Duration
	// Now is the clock for FollowerStatus.ConfirmedAt (default time.Now).
	Now func() time.Time
}

// FollowerStatus is where a Follower stands.
type FollowerStatus struct {
	Epoch   Epoch
	Applied Revision // the revision the Replica holds
	// ConfirmedAt is a time before which every committed change is in the Replica: the start
	// of the last round's head read, whose revision the Replica has since reached. Zero until
	// the first good round. A consumer that must not serve stale decisions (fail closed)
	// compares it with its clock.
	ConfirmedAt time.Time
	// Err is the last round's error (nil after a good round).
	Err error
	// Reloads counts the Snapshot loads after the first: compaction or a new epoch.
	Reloads int
}

// Follower keeps a Replica current with a Backend: it loads a snapshot, then applies the feed
// on every notification, on a poll interval and on demand (Sync), checking that the changes
// are contiguous, reloading when it fell behind compaction or the store's epoch changed, and
// backing off after errors. Sync and Run may be called from several goroutines; rounds never
// overlap. Status is safe for concurrent use and does not block.
type Follower struct {
	b    Backend
	r    Replica
	opts FollowerOptions

	mu      sync.Mutex // one round at a time; guards the fields below
	loaded  bool
	epoch   Epoch
	applied Revision
	reloads int

	status atomic.Pointer[FollowerStatus]
}

// NewFollower returns a Follower of b into r; nothing is read until Sync or Run.
func NewFollower(b Backend, r Replica, opts FollowerOptions) *Follower {
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultChangesLimit
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	f := &Follower{b: b, r: r, opts: opts}
	f.status.Store(&FollowerStatus{})
	return f
}

// Status returns where the Follower stands (one atomic load).
func (f *Follower) Status() FollowerStatus { return *f.status.Load() }

// Sync runs one round now: it reads the store's head and applies the feed up to it, so that
// the Replica holds every change committed before the call, and returns the status. It fails with the backend's errors
// (ErrUnavailable, ErrClosed, ...), the Replica's errors, an error unwrapping to ErrCorrupt
// when the backend returned changes that do not follow the applied revision, or ctx's error;
// the Replica then keeps the last state it was given.
func (f *Follower) Sync(ctx context.Context) (FollowerStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	err := f.round(ctx)
	st := f.Status()
	st.Epoch, st.Applied, st.Reloads, st.Err = f.epoch, f.applied, f.reloads, err
	f.status.Store(&st)
	return st, err
}

// round catches up; the caller holds f.mu. It reads the head at t0, applies the feed up to
// that head (never chasing later commits, so a round ends on a busy store), and then confirms
// t0: every change committed before t0 is in the Replica.
func (f *Follower) round(ctx context.Context) error {
	if !f.loaded {
		if err := f.reload(ctx); err != nil {
			return err
		}
	}
	if hr, ok := f.b.(HeadReader); ok {
		return f.roundHeadReader(ctx, hr)
	}
restart:
	for {
		t0 := f.opts.Now()
		h, err := f.b.Head(ctx)
		if err != nil {
			return err
		}
		if h.Epoch != f.epoch {
			if err := f.reload(ctx); err != nil {
				return err
			}
			continue restart
		}
		if h.Rev < f.applied {
			return fmt.Errorf("store: head %d of epoch %v is behind the applied revision %d: %w", h.Rev, h.Epoch, f.applied, ErrCorrupt)
		}
		for f.applied < h.Rev {
			cs, err := f.b.Changes(ctx, f.applied, f.opts.PageSize)
			if errors.Is(err, ErrCompacted) {
				if err := f.reload(ctx); err != nil {
					return err
				}
				continue restart
			}
			if err != nil {
				return err
			}
			// The changes were read between two heads of one epoch; epochs are never reused, so
			// the changes belong to this history.
			h2, err := f.b.Head(ctx)
			if err != nil {
				return err
			}
			if h2.Epoch != f.epoch {
				continue restart // which reloads
			}
			if len(cs) == 0 {
				return fmt.Errorf("store: feed ends at revision %d, before the head %d: %w", f.applied, h.Rev, ErrCorrupt)
			}
			for i, c := range cs {
				if c.Rev != f.applied+Revision(i)+1 {
					return fmt.Errorf("store: feed returned revision %d where %d follows %d: %w", c.Rev, f.applied+Revision(i)+1, f.applied, ErrCorrupt)
				}
			}
			if err := f.r.Apply(cs); err != nil {
				return err
			}
			f.applied = cs[len(cs)-1].Rev
			f.publish()
		}
		st := f.Status()
		st.ConfirmedAt = t0
		f.status.Store(&st)
		return nil
	}
}

// roundHeadReader is round on a HeadReader: each read brings the head with the page, so a
// round whose changes fit one page is one request. It applies the feed up to the head of its
// first read, whose start it then confirms.
func (f *Follower) roundHeadReader(ctx context.Context, hr HeadReader) error {
restart:
	for {
		t0 := f.opts.Now()
		var target Revision
		for first := true; first || f.applied < target; first = false {
			h, cs, err := hr.HeadChanges(ctx, f.applied, f.opts.PageSize)
			if errors.Is(err, ErrCompacted) {
				if err := f.reload(ctx); err != nil {
					return err
				}
				continue restart
			}
			if err != nil {
				return err
			}
			if h.Epoch != f.epoch {
				if err := f.reload(ctx); err != nil {
					return err
				}
				continue restart
			}
			if first {
				target = h.Rev
			}
			if h.Rev < f.applied {
				return fmt.Errorf("store: head %d of epoch %v is behind the applied revision %d: %w", h.Rev, h.Epoch, f.applied, ErrCorrupt)
			}
			if len(cs) == 0 {
				if f.applied < h.Rev {
					return fmt.Errorf("store: feed ends at revision %d, before the head %d: %w", f.applied, h.Rev, ErrCorrupt)
				}
				break
			}
			for i, c := range cs {
				if c.Rev != f.applied+Revision(i)+1 || c.Rev > h.Rev {
					return fmt.Errorf("store: feed returned revision %d where %d follows %d (head %d): %w", c.Rev, f.applied+Revision(i)+1, f.applied, h.Rev, ErrCorrupt)
				}
			}
			if err := f.r.Apply(cs); err != nil {
				return err
			}
			f.applied = cs[len(cs)-1].Rev
			f.publish()
		}
		st := f.Status()
		st.ConfirmedAt = t0
		f.status.Store(&st)
		return nil
	}
}

func (f *Follower) reload(ctx context.Context) error {
	s, err := f.b.Snapshot(ctx)
	if err != nil {
		return err
	}
	if err := f.r.Load(s); err != nil {
		return err
	}
	if f.loaded {
		f.reloads++
	}
	f.loaded, f.epoch, f.applied = true, s.Epoch, s.Rev
	f.publish()
	return nil
}

// publish makes the applied revision visible in Status while a round runs.
func (f *Follower) publish() {
	st := f.Status()
	if st.Epoch != f.epoch {
		st.ConfirmedAt = time.Time{} // a confirmation of another history means nothing here
	}
	st.Epoch, st.Applied, st.Reloads = f.epoch, f.applied, f.reloads
	f.status.Store(&st)
}

// Run follows the store until ctx is done: a round at once, then one on every notification
// and every PollInterval, and after a failed round a retry after a backoff (50 ms doubling to
// MaxBackoff) unless a notification comes first. It returns ctx's error.
func (f *Follower) Run(ctx context.Context) error {
	hints := f.b.Notify(ctx)
	tick := time.NewTicker(f.opts.PollInterval)
	defer tick.Stop()
	backoff := 50 * time.Millisecond
	var retry <-chan time.Time
	for {
		if _, err := f.Sync(ctx); err != nil && ctx.Err() == nil {
			retry = time.After(backoff)
			backoff = min(2*backoff, f.opts.MaxBackoff)
		} else {
			retry, backoff = nil, 50*time.Millisecond
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case _, ok := <-hints:
			if !ok {
				hints = nil // closed (backend closed): keep polling, Sync reports ErrClosed
			}
		case <-tick.C:
		case <-retry:
		}
	}
}
