package directory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/store"
)

// Heartbeats lie in the store under a pseudo-account per replica, so that
// replicas never race for one account revision:
//
//	Account             Kind       Name   Value
//	replica:<ReplicaID> heartbeat  <ID>   Heartbeat as JSON
const (
	replicaPrefix = "replica:"
	kindHeartbeat = "heartbeat"
)

// Heartbeat is what a replica (a directory opened with Options.ReplicaID)
// last recorded in the store.
type Heartbeat struct {
	Replica string `json:"Replica,required"`
	// Applied is the revision the replica held.
	Applied Revision `json:"Applied,required"`
	// ConfirmedAt is when the replica last confirmed the store's head
	// (every change committed before it was applied; zero: never).
	ConfirmedAt time.Time `json:"ConfirmedAt,required"`
	// At is when the heartbeat was written, by the replica's clock.
	At time.Time `json:"At,required"`
}

// Receipt is WaitReplicated's answer about one revision.
type Receipt struct {
	Revision Revision
	// Applied lists the live replicas that hold Revision; Pending those
	// that did not when WaitReplicated returned (they deny every request
	// once MaxStaleness has passed without catching up). Gone lists the
	// replicas whose last heartbeat is older than MaxStaleness: stopped,
	// or cut off and denying. Each list is sorted by replica ID.
	Applied, Pending []string
	Gone             []string
	// Heartbeats are the heartbeats the receipt was computed from.
	Heartbeats []Heartbeat
}

func isConflict(err error) bool { return errors.Is(err, store.ErrConflict) }

func validReplicaID(id string) bool {
	if id == "" || len(id) > 200 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// applyHeartbeat records a heartbeat batch in t.s.
func applyHeartbeat(t *txn, b *store.Batch) error {
	for _, op := range b.Ops {
		if op.Key.Kind != kindHeartbeat {
			return errf("Sync", b.Account+"/"+op.Key.Kind, ErrInvalid, "unknown kind of stored entity")
		}
		if op.IsDelete() {
			t.s.replicas = t.s.replicas.Delete(op.Key.Name)
			continue
		}
		var hb Heartbeat
		if err := decodeStored(op.Value, &hb); err != nil {
			return storedError(b.Account, err)
		}
		t.s.replicas = t.s.replicas.Set(op.Key.Name, hb)
	}
	return nil
}

// beat asks the heartbeat loop for a heartbeat soon (never blocks).
func (d *Directory) beat() {
	if d.beats != nil {
		select {
		case d.beats <- struct{}{}:
		default:
		}
	}
}

// heartbeats records a heartbeat every HeartbeatInterval and after every
// beat, until ctx ends; then it removes the replica's heartbeat (a clean
// stop is not a lagging replica).
func (d *Directory) heartbeats(ctx context.Context) {
	tick := time.NewTicker(d.opts.HeartbeatInterval)
	defer tick.Stop()
	last := Revision(0)
	for {
		select {
		case <-ctx.Done():
			cctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_ = d.writeHeartbeat(cctx, true)
			cancel()
			return
		case <-tick.C:
		case <-d.beats:
			if d.Revision() == last {
				continue
			}
		}
		last = d.Revision()
		_ = d.writeHeartbeat(ctx, false) // a failure is retried at the next tick
	}
}

func (d *Directory) writeHeartbeat(ctx context.Context, remove bool) error {
	id := d.opts.ReplicaID
	acct := replicaPrefix + id
	for attempt := 0; attempt < 2; attempt++ {
		s := d.cur.Load()
		st := d.follower.Status()
		var val []byte
		if !remove {
			var err error
			if val, err = json.Marshal(Heartbeat{Replica: id, Applied: s.rev, ConfirmedAt: st.ConfirmedAt, At: d.now()}); err != nil {
				return err
			}
		}
		exp, _ := s.acctRevs.Get(acct)
		_, err := d.backend.Commit(ctx, store.Batch{Account: acct, Expected: exp, Actor: d.opts.Actor, Reason: "heartbeat",
			Ops: []store.Op{{Key: store.Key{Account: acct, Kind: kindHeartbeat, Name: id}, Value: val}}})
		if err == nil || !isConflict(err) {
			return err
		}
		if _, err := d.follower.Sync(ctx); err != nil {
			return err
		}
	}
	return nil
}

// WaitReplicated waits until every live replica of the store (a directory
// opened with Options.ReplicaID whose last heartbeat is within
// MaxStaleness) has applied rev, and returns the receipt. A replica whose
// heartbeat ages past MaxStaleness while the call waits stops counting as
// live and is named in Receipt.Gone: it can no longer write to the store,
// and unless it was opened with AllowStale it either still follows the
// feed (and applies rev) or has gone MaxStaleness without confirming the
// store's head and denies every request. So the call returns at the latest
// about MaxStaleness after the slowest replica's last heartbeat. When ctx
// ends first, or after MaxStaleness plus one HeartbeatInterval, it returns
// the receipt naming the replicas still pending with an *Error unwrapping
// to ErrStale (and to ctx's error when ctx ended).
//
// The bound this gives: after a revoking commit at store time T, no
// replica decides on the state before it later than T + MaxStaleness (+
// the staleness check's tick, MaxStaleness/10, and clock skew between
// replicas).
//
// A directory from New has no replicas: the receipt is empty.
func (d *Directory) WaitReplicated(ctx context.Context, rev Revision) (Receipt, error) {
	if d.follower == nil {
		return Receipt{Revision: rev}, nil
	}
	limit := time.NewTimer(d.opts.MaxStaleness + max(d.opts.HeartbeatInterval, time.Second))
	defer limit.Stop()
	// The heartbeats arrive through the feed, which the background follower
	// applies on every notification: between reads of the store (one at
	// once, then one every waitSyncEvery, in case notifications are lost)
	// the state is checked every waitCheckEvery, an atomic load.
	var synced time.Time
	for {
		if time.Since(synced) >= waitSyncEvery {
			_, _ = d.Sync(ctx)
			synced = time.Now()
		}
		r := d.receipt(rev)
		if len(r.Pending) == 0 {
			return r, nil
		}
		select {
		case <-ctx.Done():
			return r, &Error{Op: "WaitReplicated", Err: ErrStale, Msg: pendingMsg(r), Cause: ctx.Err()}
		case <-limit.C:
			return r, errf("WaitReplicated", "", ErrStale, pendingMsg(r))
		case <-time.After(waitCheckEvery):
		}
	}
}

// How often WaitReplicated reads the store, and checks the state between
// reads.
const (
	waitSyncEvery  = 50 * time.Millisecond
	waitCheckEvery = 200 * time.Microsecond
)

func pendingMsg(r Receipt) string {
	return fmt.Sprintf("replicas %s have not applied revision %d", strings.Join(r.Pending, ", "), r.Revision)
}

func (d *Directory) receipt(rev Revision) Receipt {
	s := d.cur.Load()
	now := d.clock()
	r := Receipt{Revision: rev}
	for id, hb := range s.replicas.Sorted {
		r.Heartbeats = append(r.Heartbeats, hb)
		switch {
		case now.Sub(hb.At) > d.opts.MaxStaleness:
			r.Gone = append(r.Gone, id)
		case hb.Applied >= rev:
			r.Applied = append(r.Applied, id)
		default:
			r.Pending = append(r.Pending, id)
		}
	}
	slices.Sort(r.Applied)
	return r
}
