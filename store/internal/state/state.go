// Package state is the in-memory state machine the store backends share: entities, account
// revisions and the retained feed, with the commit checks every backend makes. It is not safe
// for concurrent use; each backend guards it with its own lock.
package state

import (
	"fmt"
	"slices"

	"github.com/ramauthz/ramauthz/store"
)

type entry struct {
	value  []byte
	modRev store.Revision
}

// State is a store's state at its head revision plus the changes after its compaction point.
type State struct {
	epoch     store.Epoch
	head      store.Revision
	compacted store.Revision
	entries   map[store.Key]entry
	accounts  map[string]store.Revision
	changes   []store.Change // revisions compacted+1 .. compacted+len(changes)
}

// New returns the empty state of a new history.
func New(epoch store.Epoch) *State {
	return &State{epoch: epoch, entries: make(map[store.Key]entry), accounts: make(map[string]store.Revision)}
}

// FromSnapshot returns the state s describes, with an empty retained feed that AddHistory
// fills with the changes s.Compacted+1 .. s.Rev. It takes ownership of s's slices.
func FromSnapshot(s store.Snapshot) *State {
	st := &State{epoch: s.Epoch, head: s.Rev, compacted: s.Compacted,
		entries:  make(map[store.Key]entry, len(s.Entries)),
		accounts: make(map[string]store.Revision, len(s.Accounts))}
	for _, a := range s.Accounts {
		st.accounts[a.Account] = a.Rev
	}
	for _, e := range s.Entries {
		st.entries[e.Key] = entry{value: e.Value, modRev: e.ModRev}
	}
	return st
}

// Head returns the state's head.
func (s *State) Head() store.Head {
	return store.Head{Epoch: s.epoch, Rev: s.head, Compacted: s.compacted}
}

// Retained returns the retained changes (shared, not copied: callers must not modify them).
func (s *State) Retained() []store.Change { return s.changes }

// AccountRev returns the revision of account (0 if never written).
func (s *State) AccountRev(account string) store.Revision { return s.accounts[account] }

// Check returns the error Commit must return for b, or nil when b may be committed now:
// store.Validate's *BatchError, or a *ConflictError.
func (s *State) Check(b *store.Batch) error {
	if err := store.Validate(b); err != nil {
		return err
	}
	if got := s.accounts[b.Account]; got != b.Expected {
		return &store.ConflictError{Account: b.Account, Expected: b.Expected, Actual: got}
	}
	return nil
}

// Apply commits c, which must have passed Check. It takes ownership of c's memory, and fails
// (changing nothing) unless c.Rev == Head().Rev+1.
func (s *State) Apply(c store.Change) error {
	if c.Rev != s.head+1 {
		return fmt.Errorf("store: change of revision %d does not follow the head %d", c.Rev, s.head)
	}
	for _, op := range c.Batch.Ops {
		if op.IsDelete() {
			delete(s.entries, op.Key)
		} else {
			s.entries[op.Key] = entry{value: op.Value, modRev: c.Rev}
		}
	}
	s.accounts[c.Batch.Account] = c.Rev
	s.head = c.Rev
	s.changes = append(s.changes, c)
	return nil
}

// AddHistory appends c to the retained feed without applying it: for a backend rebuilding the
// feed of revisions its snapshot already contains. It reports false when c.Rev is not the next
// retained revision or lies beyond the head.
func (s *State) AddHistory(c store.Change) bool {
	next := s.compacted + store.Revision(len(s.changes)) + 1
	if c.Rev != next || c.Rev > s.head {
		return false
	}
	s.changes = append(s.changes, c)
	return true
}

// Complete reports whether the retained feed reaches the head.
func (s *State) Complete() bool {
	return s.compacted+store.Revision(len(s.changes)) == s.head
}

// Snapshot returns a deep copy of the state, sorted as store.Snapshot documents.
func (s *State) Snapshot() store.Snapshot {
	snap := store.Snapshot{Head: s.Head(),
		Accounts: make([]store.AccountRevision, 0, len(s.accounts)),
		Entries:  make([]store.Entry, 0, len(s.entries))}
	for a, r := range s.accounts {
		snap.Accounts = append(snap.Accounts, store.AccountRevision{Account: a, Rev: r})
	}
	slices.SortFunc(snap.Accounts, func(x, y store.AccountRevision) int {
		if x.Account < y.Account {
			return -1
		} else if x.Account > y.Account {
			return 1
		}
		return 0
	})
	n := 0
	for _, e := range s.entries {
		n += len(e.value)
	}
	buf := make([]byte, 0, n)
	for k, e := range s.entries {
		start := len(buf)
		buf = append(buf, e.value...)
		snap.Entries = append(snap.Entries, store.Entry{Key: k, Value: buf[start:len(buf):len(buf)], ModRev: e.modRev})
	}
	slices.SortFunc(snap.Entries, func(x, y store.Entry) int { return x.Key.Compare(y.Key) })
	return snap
}

// Changes implements store.Backend.Changes on the retained feed, returning deep copies.
func (s *State) Changes(after store.Revision, limit int) ([]store.Change, error) {
	if after < s.compacted {
		return nil, &store.CompactedError{After: after, Compacted: s.compacted}
	}
	if limit <= 0 {
		limit = store.DefaultChangesLimit
	}
	if after >= s.head {
		return []store.Change{}, nil
	}
	from := int(after - s.compacted)
	to := min(len(s.changes), from+limit)
	out := make([]store.Change, to-from)
	for i, c := range s.changes[from:to] {
		out[i] = store.Change{Rev: c.Rev, At: c.At, Batch: c.Batch.Clone()}
	}
	return out, nil
}

// Compact discards retained changes up to upTo; see store.Compactor.
func (s *State) Compact(upTo store.Revision) error {
	if upTo > s.head {
		return fmt.Errorf("store: compact up to revision %d beyond the head %d: %w", upTo, s.head, store.ErrInvalid)
	}
	if upTo <= s.compacted {
		return nil
	}
	drop := int(upTo - s.compacted)
	s.changes = slices.Clone(s.changes[drop:])
	s.compacted = upTo
	return nil
}
