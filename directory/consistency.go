package directory

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/store"
)

// Token names one point of one store history: the store's epoch and a
// revision in it. A writer hands Token() to its clients after a mutation;
// AuthorizeAtLeast on any directory of the same store then decides on a
// state that includes the mutation (read your writes across replicas). A
// directory from New has the zero epoch.
type Token struct {
	Epoch    store.Epoch
	Revision Revision
}

// String returns "<epoch>:<revision>": 32 hexadecimal digits, a colon and
// the revision in decimal.
func (t Token) String() string {
	return t.Epoch.String() + ":" + strconv.FormatUint(uint64(t.Revision), 10)
}

// ParseToken parses what Token.String returns. Errors: ErrInvalid.
func ParseToken(s string) (Token, error) {
	es, rs, ok := strings.Cut(s, ":")
	e, err := store.ParseEpoch(es)
	if !ok || err != nil {
		return Token{}, errf("ParseToken", s, ErrInvalid, "want <32 hexadecimal digits>:<revision>")
	}
	r, err := strconv.ParseUint(rs, 10, 64)
	if err != nil {
		return Token{}, errf("ParseToken", s, ErrInvalid, "want <32 hexadecimal digits>:<revision>")
	}
	return Token{Epoch: e, Revision: Revision(r)}, nil
}

// Token returns the point the directory's current state stands at.
func (d *Directory) Token() Token {
	s := d.cur.Load()
	return Token{Epoch: s.epoch, Revision: s.rev}
}

// AuthorizeAtLeast is Authorize on a state that includes tok: when the
// directory is behind tok.Revision it catches up with the store at once
// (waiting at most Options.AtLeastWait, or until ctx ends), and when it
// still has not reached tok (or tok names another history) it refuses with
// ImplicitDeny and an *Error unwrapping to ErrStale that says where it
// stands. Errors: those of Authorize, and ErrStale.
func (d *Directory) AuthorizeAtLeast(ctx context.Context, tok Token, id principal.ID, req evaluator.Request) (Result, error) {
	s := d.cur.Load()
	if (s.rev < tok.Revision || s.epoch != tok.Epoch) && d.follower != nil {
		wctx, cancel := context.WithTimeout(ctx, d.opts.AtLeastWait)
		_, _ = d.Sync(wctx) // a failure shows below as a revision not reached
		cancel()
		s = d.cur.Load()
	}
	if s.epoch != tok.Epoch {
		return Result{Revision: s.rev}, errf("AuthorizeAtLeast", tok.String(), ErrStale,
			"the token belongs to another store history; this directory follows epoch "+s.epoch.String())
	}
	if s.rev < tok.Revision {
		return Result{Revision: s.rev}, errf("AuthorizeAtLeast", tok.String(), ErrStale,
			fmt.Sprintf("this directory is at revision %d, behind the asked %d", s.rev, tok.Revision))
	}
	return d.Authorize(id, req)
}

// watch runs checkStale every MaxStaleness/10 (10 ms to 1 s) until ctx
// ends.
func (d *Directory) watch(ctx context.Context) {
	every := min(max(d.opts.MaxStaleness/10, 10*time.Millisecond), time.Second)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			d.checkStale()
		}
	}
}

// checkStale publishes the current state marked stale when the follower
// has not confirmed the store's head within MaxStaleness, and unmarked
// once it has again. Decisions read the mark with the state (one atomic
// load).
func (d *Directory) checkStale() {
	if d.follower == nil || d.opts.AllowStale {
		return
	}
	// The status and the clock are read under pubMu, so that a tick that
	// read an old status cannot publish its verdict after a Sync that
	// confirmed the head has published its own (a fresh replica would stay
	// marked stale until the next tick).
	d.pubMu.Lock()
	defer d.pubMu.Unlock()
	st := d.follower.Status()
	now := d.clock()
	stale := st.ConfirmedAt.IsZero() || now.Sub(st.ConfirmedAt) > d.opts.MaxStaleness
	cur := d.cur.Load()
	if stale == (cur.stale != nil) {
		return
	}
	next := *cur
	next.stale = nil
	if stale {
		why := "never confirmed the store's head"
		if !st.ConfirmedAt.IsZero() {
			why = "last confirmed the store's head at " + st.ConfirmedAt.UTC().Format(time.RFC3339Nano) +
				", more than MaxStaleness (" + d.opts.MaxStaleness.String() + ") ago"
		}
		if st.Err != nil {
			why += " (last error: " + st.Err.Error() + ")"
		}
		next.stale = &Error{Op: "decide", Subject: "revision " + strconv.FormatUint(uint64(cur.rev), 10), Err: ErrStale,
			Msg: "this directory " + why + "; it denies until it catches up"}
	}
	d.cur.Store(&next)
}
