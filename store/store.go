// Package store defines the persistence interface under the revisioned directory: a backend
// stores opaque bytes under entity keys, orders every change by a global revision, and hands the
// changes back as a feed. The RAM rules (limits, strict and cascading deletes, validation) live in
// the directory package; a backend never interprets a value, so two backends cannot disagree on
// RAM.
//
// # Model
//
// A Key names one entity: the account it belongs to, its kind ("user", "group", "policy", ...)
// and its name within that kind. The value stored under a key is a byte string the directory
// chose (canonical JSON in practice); a backend returns exactly the bytes it was given.
//
// A Revision counts committed batches. The store's revision (the head) starts at 0 for an empty
// store and grows by exactly 1 for every committed Batch, in commit order, with no gaps and no
// reuse: revision r is the state after the r-th batch. Every key's ModRev is the revision of
// the batch that last wrote it, and an account's revision is the revision of the last batch
// committed for that account (0 for an account never written), in the manner of etcd's
// mod_revision. A Batch names the account revision it was computed from (Expected); Commit
// applies it only if the account is still at that revision, else it fails with ErrConflict and
// changes nothing. That is optimistic concurrency per account: two writers that read the same
// account revision cannot both commit, so no update is lost, while writers on different
// accounts never conflict. Because an account revision is a global revision, one integer serves
// both as the If-Match guard and as a read-your-writes token.
//
// An Epoch names one history. A store keeps its epoch for its whole life; a reader that sees a
// different epoch from Head (a store re-created or restored under it) must reload from a
// Snapshot, because revisions of two histories cannot be compared.
//
// # The feed
//
// Changes(after, limit) returns the batches committed after revision after, in ascending,
// contiguous revision order starting at after+1: a reader that applies every page in order sees
// every committed batch exactly once, and sees the state of every revision it passes. A backend
// may forget old changes (Compactor); asking for changes after a revision older than the
// compaction point fails with ErrCompacted, and the reader reloads from a Snapshot.
//
// Notify is a hint, never the source of truth: notifications may be coalesced, delayed or lost.
// A reader that polls Changes on an interval converges even if no notification ever arrives.
//
// # Errors
//
// Every method reports its failures as errors that unwrap (errors.Is) to one of the sentinels
// below, or to the context's error: ErrConflict, ErrCompacted, ErrInvalid, ErrClosed,
// ErrUnavailable (the backend could not read or write; the underlying error is wrapped too),
// ErrCorrupt (stored or returned data failed a check: a damaged file, a malformed row, a feed
// with a gap), ErrLocked (another process holds the store). A batch is committed whole or not
// at all.
//
// # Following a store
//
// A Follower keeps a consumer's Replica current with a backend: it loads a Snapshot, applies
// the feed on every notification, on a poll interval and on demand (Sync, for read-your-writes),
// refuses gaps, reloads after compaction or an epoch change, backs off after errors, and
// reports in Status when it last confirmed the store's head (for fail-closed staleness).
//
// The backends are store/memstore (in process), store/filestore (a durable directory on disk)
// and the module store/pgstore (PostgreSQL); store/storetest checks that a backend keeps this
// contract.
package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Revision is a position in a store's history: the number of batches committed so far. The
// zero Revision is the empty store (and, as an account revision, an account never written).
type Revision uint64

// Epoch names one history of a store: 16 random bytes chosen when the store is created. The
// zero Epoch is not a valid epoch.
type Epoch [16]byte

// NewEpoch returns a fresh random Epoch from crypto/rand.
func NewEpoch() Epoch {
	var e Epoch
	// crypto/rand.Read never returns an error on supported platforms (Go 1.24+ crashes the
	// program instead), so there is nothing to report.
	_, _ = rand.Read(e[:])
	return e
}

// IsZero reports whether e is the zero Epoch.
func (e Epoch) IsZero() bool { return e == Epoch{} }

// String returns e as 32 lower-case hexadecimal digits.
func (e Epoch) String() string { return hex.EncodeToString(e[:]) }

// ParseEpoch parses the 32 hexadecimal digits Epoch.String returns. The only possible returned
// error unwraps to ErrInvalid.
func ParseEpoch(s string) (Epoch, error) {
	var e Epoch
	if len(s) != 2*len(e) {
		return Epoch{}, fmt.Errorf("store: epoch %q: want %d hexadecimal digits: %w", s, 2*len(e), ErrInvalid)
	}
	if _, err := hex.Decode(e[:], []byte(s)); err != nil {
		return Epoch{}, fmt.Errorf("store: epoch %q: %v: %w", s, err, ErrInvalid)
	}
	return e, nil
}

// Key names one entity: its account (for RAM, the 16-digit account ID), its kind and its name
// within the kind. Each field is a non-empty UTF-8 string of at most MaxKeyFieldBytes bytes
// without NUL bytes.
type Key struct {
	Account, Kind, Name string
}

// Op is one write of a Batch: it stores Value under Key, or deletes Key when Value is empty
// (nil or zero length; deleting an absent key is allowed and does nothing). Value is at most
// MaxValueBytes bytes.
type Op struct {
	Key   Key
	Value []byte
}

// IsDelete reports whether o deletes its key.
func (o Op) IsDelete() bool { return len(o.Value) == 0 }

// Batch is one atomic change to one account: RAM never writes two accounts in one operation.
type Batch struct {
	// Account is the account every Op's key belongs to.
	Account string
	// Expected is the account revision the batch was computed from (0: an account never
	// written). Commit fails with ErrConflict when the account has moved on.
	Expected Revision
	// Ops are applied in order; at least one, each key at most once.
	Ops []Op
	// Actor, Reason and RequestID are stored with the change for the audit trail: who made it,
	// why, and the request that carried it. Each is optional, at most MaxAuditBytes bytes of
	// UTF-8 without NUL bytes.
	Actor, Reason, RequestID string
}

// Change is a committed Batch as the feed returns it.
type Change struct {
	// Rev is the revision the batch created; the account's revision became Rev.
	Rev Revision
	// At is the store's clock when the batch committed (UTC, at most nanosecond precision; the
	// PostgreSQL backend keeps microseconds).
	At    time.Time
	Batch Batch
}

// Entry is one stored entity in a Snapshot.
type Entry struct {
	Key   Key
	Value []byte
	// ModRev is the revision of the batch that last wrote Key.
	ModRev Revision
}

// AccountRevision is the revision of the last batch committed for Account.
type AccountRevision struct {
	Account string
	Rev     Revision
}

// Head is where a store's history stands.
type Head struct {
	Epoch Epoch
	// Rev is the revision of the last committed batch (0 for an empty store).
	Rev Revision
	// Compacted is the revision up to which the feed has been discarded: Changes(after) with
	// after < Compacted fails with ErrCompacted. 0 when nothing was discarded.
	Compacted Revision
}

// Snapshot is the whole state of a store at one revision.
type Snapshot struct {
	Head
	// Accounts lists every account ever written, with its revision, sorted by account.
	Accounts []AccountRevision
	// Entries lists every stored entity at Head.Rev, sorted by Key (Account, Kind, Name).
	Entries []Entry
}

// Backend is a store: implemented by each persistence engine and used by the directory.
// Implementations are safe for concurrent use. Values returned to the caller belong to the
// caller; values passed in are not retained or modified.
type Backend interface {
	// Snapshot returns the whole state at one revision, consistent with the feed: applying
	// Changes(s.Rev, ...) to it yields every later state. It fails with ErrUnavailable,
	// ErrCorrupt, ErrClosed or the context's error.
	Snapshot(ctx context.Context) (Snapshot, error)

	// Commit applies b atomically if b.Account is still at revision b.Expected and returns the
	// new revision, which is also the account's new revision. It fails with a *ConflictError
	// (ErrConflict) when the account moved on, a *BatchError (ErrInvalid) when b breaks the
	// rules of Batch, ErrUnavailable when the backend could not make the batch durable,
	// ErrClosed after Close, or the context's error. A batch is committed whole or not at
	// all. After ErrConflict, ErrInvalid or ErrClosed nothing changed. After ErrUnavailable or
	// a context error a remote backend may not know the outcome (the connection broke during
	// the database's COMMIT): read the feed to learn whether the batch landed. The in-process
	// backends (memstore, filestore) change nothing on any failure.
	Commit(ctx context.Context, b Batch) (Revision, error)

	// Changes returns up to limit changes with revisions after+1, after+2, ... in order (limit
	// <= 0 means DefaultChangesLimit). A page shorter than limit does not mean the end of the
	// feed (commits may land meanwhile); only an empty page says the reader is at the head
	// as of the call. It fails with a *CompactedError (ErrCompacted) when after <
	// Head.Compacted, with ErrUnavailable, ErrCorrupt, ErrClosed or the context's error.
	Changes(ctx context.Context, after Revision, limit int) ([]Change, error)

	// Notify returns a channel that receives a revision (a lower bound of the head) after new
	// commits: a hint that may be coalesced, delayed or lost, never the source of truth. The
	// channel is closed when ctx is done or the backend is closed.
	Notify(ctx context.Context) <-chan Revision

	// Head returns the store's epoch, revision and compaction point as of a moment during the
	// call (linearizable: it reflects every Commit that returned before Head was called). It
	// fails with ErrUnavailable, ErrCorrupt, ErrClosed or the context's error.
	Head(ctx context.Context) (Head, error)

	// Close releases the backend. Later calls fail with ErrClosed; Notify channels are closed.
	// Close may be called more than once.
	Close() error
}

// Compactor is implemented by backends that can discard old changes from the feed.
type Compactor interface {
	// Compact discards the changes with revisions <= upTo from the feed (the state is kept).
	// upTo must lie in [0, Head.Rev]; compacting below the current compaction point does
	// nothing. It fails with an error unwrapping to ErrInvalid for upTo > Head.Rev, with
	// ErrUnavailable, ErrClosed or the context's error; a failed Compact changes nothing.
	Compact(ctx context.Context, upTo Revision) error
}

// Limits every backend enforces on a Batch.
const (
	MaxKeyFieldBytes = 1024     // bytes in each of Key.Account, Key.Kind, Key.Name
	MaxValueBytes    = 1 << 20  // bytes in one Op.Value (1 MiB)
	MaxAuditBytes    = 4096     // bytes in each of Batch.Actor, Reason, RequestID
	MaxBatchBytes    = 64 << 20 // bytes in all keys and values of one Batch (64 MiB)

	// DefaultChangesLimit is the page size Changes uses when asked for limit <= 0.
	DefaultChangesLimit = 1000
)

// Sentinel errors; see the package documentation.
var (
	ErrConflict    = errors.New("store: account revision conflict")
	ErrCompacted   = errors.New("store: revision compacted")
	ErrInvalid     = errors.New("store: invalid argument")
	ErrClosed      = errors.New("store: closed")
	ErrUnavailable = errors.New("store: unavailable")
	ErrCorrupt     = errors.New("store: corrupt data")
	ErrLocked      = errors.New("store: locked by another process")
)

// ConflictError reports a Commit refused because the account moved on. It unwraps to
// ErrConflict.
type ConflictError struct {
	Account  string
	Expected Revision // the batch's Expected
	Actual   Revision // the account's revision at commit time
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("store: account %q is at revision %d, batch expected %d: %v", e.Account, e.Actual, e.Expected, ErrConflict)
}

func (e *ConflictError) Unwrap() error { return ErrConflict }

// CompactedError reports a feed request older than the compaction point. It unwraps to
// ErrCompacted.
type CompactedError struct {
	After     Revision // the revision asked for
	Compacted Revision // the store's compaction point
}

func (e *CompactedError) Error() string {
	return fmt.Sprintf("store: changes after revision %d were compacted up to %d: %v", e.After, e.Compacted, ErrCompacted)
}

func (e *CompactedError) Unwrap() error { return ErrCompacted }

// BatchError reports a Batch that breaks the rules of Batch, Op or Key. It unwraps to
// ErrInvalid.
type BatchError struct {
	// Op is the index of the offending Op, or -1 when the batch itself is at fault.
	Op int
	// Field names what is wrong ("Account", "Ops", "Key.Name", "Value", "Actor", ...).
	Field  string
	Reason string
}

func (e *BatchError) Error() string {
	if e.Op < 0 {
		return fmt.Sprintf("store: batch %s: %s: %v", e.Field, e.Reason, ErrInvalid)
	}
	return fmt.Sprintf("store: batch op %d %s: %s: %v", e.Op, e.Field, e.Reason, ErrInvalid)
}

func (e *BatchError) Unwrap() error { return ErrInvalid }
