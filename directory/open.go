package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/internal/pmap"
	"github.com/ramauthz/ramauthz/store"
)

// maxCommitAttempts bounds the retries of a mutation that keeps losing
// the race for its account to other writers.
const maxCommitAttempts = 8

// Open returns a directory kept in backend: it loads the store's snapshot,
// applies its feed, and then follows the feed in the background (on every
// notification, every Options.PollInterval, and on demand with Sync), so
// that another directory's commits to the same backend become visible
// here. Every mutation is committed to the backend, in one batch guarded
// by the account's store revision, before it becomes visible; when another
// writer changed the account first, the directory catches up and runs the
// mutation again on the fresh state (up to 8 attempts, then ErrConflict),
// so no update is lost. The writer reads its own writes: a mutation
// returns only once its revision is the directory's. Revisions are the
// store's.
//
// opts.KeyEncryptionKey is required (32 bytes): secrets and token keys are
// stored sealed under it, and a random key would make the store unreadable
// after a restart. A new, empty store gets its first token key at once.
//
// The directory does not own backend: Close stops following it, and the
// caller closes the backend after Close. Errors: ErrInvalid (options), and
// ErrUnavailable when the store cannot be read (the store's error is the
// Cause), with its Cause unwrapping to ErrSealed when the stored secrets do
// not open under opts.KeyEncryptionKey, or ErrInvalid when a stored entity
// does not decode or breaks a rule.
func Open(ctx context.Context, backend store.Backend, opts Options) (*Directory, error) {
	if backend == nil {
		return nil, errf("Open", "", ErrInvalid, "nil backend")
	}
	if opts.KeyEncryptionKey == nil {
		return nil, errf("Open", "", ErrInvalid, "a directory on a store needs Options.KeyEncryptionKey")
	}
	d, err := newDirectory("Open", opts)
	if err != nil {
		return nil, err
	}
	if d.opts.PollInterval <= 0 {
		d.opts.PollInterval = time.Second
	}
	if d.opts.CommitTimeout <= 0 {
		d.opts.CommitTimeout = 30 * time.Second
	}
	if d.opts.MaxStaleness <= 0 {
		d.opts.MaxStaleness = 30 * time.Second
	}
	if d.opts.AtLeastWait <= 0 {
		d.opts.AtLeastWait = time.Second
	}
	if d.opts.HeartbeatInterval <= 0 {
		d.opts.HeartbeatInterval = time.Second
	}
	if d.opts.ReplicaID != "" {
		if !validReplicaID(d.opts.ReplicaID) {
			return nil, errf("Open", d.opts.ReplicaID, ErrInvalid, "ReplicaID: 1 to 200 letters, digits, '.', '-' or '_'")
		}
		d.beats = make(chan struct{}, 1)
	}
	d.backend = backend
	d.cur.Store(&state{accounts: pmap.Map[*account]{}, keys: pmap.Map[keyOwner]{}, nextUID: 1})
	d.follower = store.NewFollower(backend, replica{d}, store.FollowerOptions{PollInterval: d.opts.PollInterval, Now: d.clock})
	if _, err := d.follower.Sync(ctx); err != nil {
		return nil, &Error{Op: "Open", Err: ErrUnavailable, Msg: "cannot load the store", Cause: err}
	}
	if len(d.cur.Load().tokenKeys) == 0 {
		_, err := d.commit("Open", func(t *txn) error {
			if len(t.s.tokenKeys) > 0 {
				return errNoop // another opener was first
			}
			tk, err := d.newTokenKey(&t.s, t.now)
			if err != nil {
				return err
			}
			t.s.tokenKeys = []*tokenKey{tk}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if d.beats != nil {
		// The first heartbeat before Open returns: from then on the replica
		// counts in WaitReplicated.
		if err := d.writeHeartbeat(ctx, false); err != nil {
			return nil, &Error{Op: "Open", Err: ErrUnavailable, Msg: "cannot record the first heartbeat", Cause: err}
		}
		if _, err := d.follower.Sync(ctx); err != nil {
			return nil, &Error{Op: "Open", Err: ErrUnavailable, Cause: err}
		}
	}
	runCtx, cancel := context.WithCancel(context.Background())
	d.stop, d.done = cancel, make(chan struct{})
	go func() {
		defer close(d.done)
		if !d.opts.AllowStale {
			watchDone := make(chan struct{})
			go func() { defer close(watchDone); d.watch(runCtx) }()
			defer func() { <-watchDone }()
		}
		if d.beats != nil {
			hbDone := make(chan struct{})
			go func() { defer close(hbDone); d.heartbeats(runCtx) }()
			defer func() { <-hbDone }()
		}
		_ = d.follower.Run(runCtx) // returns runCtx's error at Close
	}()
	return d, nil
}

// Close stops following the store, and stops the decision log's writer
// after it wrote the records already queued (Options.DecisionLog); a
// directory from New has only the latter to stop. When Close returns, no
// goroutine of the directory runs. The directory keeps answering from the
// last state it holds (decisions are no longer logged); mutations after
// Close fail with ErrUnavailable once the backend is closed. Close may be
// called more than once; it always returns nil.
func (d *Directory) Close() error {
	if d.stop != nil {
		d.stop()
		<-d.done
	}
	d.log.close()
	return nil
}

// Sync catches up with the store now: when it returns nil, every change
// committed to the store before the call is in the directory (read your
// writes made through another directory on the same store). It returns
// the directory's revision. A directory from New has nothing to catch up
// with and returns its revision. Errors: ErrUnavailable (the store's error
// is the Cause), or one unwrapping to ctx's error.
func (d *Directory) Sync(ctx context.Context) (Revision, error) {
	if d.follower == nil {
		return d.Revision(), nil
	}
	if _, err := d.follower.Sync(ctx); err != nil {
		return d.Revision(), &Error{Op: "Sync", Err: ErrUnavailable, Cause: err}
	}
	d.checkStale()
	return d.Revision(), nil
}

// commitStore is commit on a store; the caller holds d.mu.
func (d *Directory) commitStore(op string, fn func(t *txn) error) (Revision, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d.opts.CommitTimeout)
	defer cancel()
	var lost error
	for attempt := 0; attempt < maxCommitAttempts; attempt++ {
		base := d.cur.Load()
		t, err := d.run(op, fn, base)
		if err == errNoop {
			return base.rev, nil
		}
		if err != nil {
			return 0, err
		}
		t.fold()
		batches, err := d.batches(base, &t.s, t)
		if err != nil {
			return 0, &Error{Op: op, Err: ErrInvalid, Msg: "cannot encode the change", Cause: err}
		}
		if len(batches) == 0 {
			return base.rev, nil
		}
		if t.oneBatch && len(batches) > 1 {
			accts := make([]string, len(batches))
			for i, b := range batches {
				accts[i] = b.Account
			}
			return 0, errf(op, "", ErrNotAtomic, fmt.Sprintf("the change takes %d store batches (%s), one per account; nothing was committed (ImportOptions.PerAccount imports it one account at a time)",
				len(batches), strings.Join(accts, ", ")))
		}
		var rev Revision
		for _, b := range batches {
			if rev, err = d.backend.Commit(ctx, b); err != nil {
				break
			}
		}
		if errors.Is(err, store.ErrConflict) {
			lost = err
			if _, serr := d.follower.Sync(ctx); serr != nil {
				return 0, &Error{Op: op, Err: ErrUnavailable, Msg: "cannot catch up after a conflict", Cause: serr}
			}
			continue
		}
		if err != nil {
			return 0, &Error{Op: op, Err: ErrUnavailable, Cause: err}
		}
		if len(batches) == 1 && d.publishOwn(base, t, batches[0].Account, rev) {
			return rev, nil
		}
		// Other commits landed between base and ours: take them all from
		// the feed, ours included.
		if _, err := d.follower.Sync(ctx); err != nil || d.Revision() < rev {
			return rev, &Error{Op: op, Err: ErrUnavailable,
				Msg: fmt.Sprintf("committed at revision %d, not yet applied here", rev), Cause: err}
		}
		return rev, nil
	}
	return 0, &Error{Op: op, Err: ErrConflict, Msg: fmt.Sprintf("other writers changed the account first %d times", maxCommitAttempts), Cause: lost}
}

// publishOwn publishes the state t built as revision rev when nothing was
// published since base and rev directly follows it; otherwise it reports
// false and the caller takes the change from the feed.
func (d *Directory) publishOwn(base *state, t *txn, acct string, rev Revision) bool {
	d.pubMu.Lock()
	defer d.pubMu.Unlock()
	if cur := d.cur.Load(); cur.rev >= rev {
		return true // the follower applied it already
	} else if cur != base || rev != base.rev+1 {
		return false
	}
	t.s.rev = rev
	t.s.acctRevs = t.s.acctRevs.Set(acct, rev)
	next := t.s
	d.cur.Store(&next)
	d.beat()
	return true
}

// replica is the directory as the store's Follower sees it.
type replica struct{ d *Directory }

// Load replaces the state with a snapshot of the store.
func (r replica) Load(snap store.Snapshot) error {
	s, err := r.d.loadSnapshot(&snap)
	if err != nil {
		return err
	}
	r.d.pubMu.Lock()
	defer r.d.pubMu.Unlock()
	r.d.cur.Store(s)
	r.d.beat()
	return nil
}

// Apply applies contiguous changes; those the writer already published
// (its own commits) are skipped. All or nothing.
func (r replica) Apply(cs []store.Change) error {
	d := r.d
	d.pubMu.Lock()
	defer d.pubMu.Unlock()
	cur := d.cur.Load()
	t := &txn{d: d, op: "Sync", s: *cur}
	tok := pmap.NewToken()
	news := false
	for i := range cs {
		c := &cs[i]
		if c.Rev <= t.s.rev {
			continue
		}
		if c.Rev != t.s.rev+1 {
			return &Error{Op: "Sync", Err: ErrInvalid, Msg: fmt.Sprintf("change %d does not follow revision %d", c.Rev, t.s.rev)}
		}
		if err := d.applyBatch(t, &c.Batch, tok); err != nil {
			return err
		}
		news = news || !strings.HasPrefix(c.Batch.Account, replicaPrefix)
		t.s.rev = c.Rev
		t.s.acctRevs = t.s.acctRevs.SetIn(tok, c.Batch.Account, c.Rev)
	}
	if t.s.rev != cur.rev {
		next := t.s
		d.cur.Store(&next)
	}
	if news {
		d.beat()
	}
	return nil
}
