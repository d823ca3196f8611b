package storetest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/ramauthz/ramauthz/store"
)

// Model is the slow, obviously correct reference a backend is checked against: a map of
// entities and account revisions that applies changes one by one. The zero Model is the empty
// store. A Model is not safe for concurrent use.
type Model struct {
	Rev      store.Revision
	Entries  map[store.Key]store.Entry
	Accounts map[string]store.Revision
}

// NewModel returns the empty store's model.
func NewModel() *Model {
	return &Model{Entries: map[store.Key]store.Entry{}, Accounts: map[string]store.Revision{}}
}

// ModelOf returns the model of a snapshot.
func ModelOf(s store.Snapshot) *Model {
	m := NewModel()
	m.Rev = s.Rev
	for _, a := range s.Accounts {
		m.Accounts[a.Account] = a.Rev
	}
	for _, e := range s.Entries {
		m.Entries[e.Key] = store.Entry{Key: e.Key, Value: bytes.Clone(e.Value), ModRev: e.ModRev}
	}
	return m
}

// Clone returns a deep copy of m.
func (m *Model) Clone() *Model {
	c := NewModel()
	c.Rev = m.Rev
	for k, v := range m.Accounts {
		c.Accounts[k] = v
	}
	for k, e := range m.Entries {
		c.Entries[k] = store.Entry{Key: k, Value: bytes.Clone(e.Value), ModRev: e.ModRev}
	}
	return c
}

// Apply applies c, checking what a backend must guarantee of the feed: c follows m's revision
// and was computed from the account's current revision.
func (m *Model) Apply(c store.Change) error {
	if c.Rev != m.Rev+1 {
		return fmt.Errorf("change of revision %d after revision %d: feed not contiguous", c.Rev, m.Rev)
	}
	if got := m.Accounts[c.Batch.Account]; got != c.Batch.Expected {
		return fmt.Errorf("change %d for account %q expected revision %d, account was at %d: a lost update", c.Rev, c.Batch.Account, c.Batch.Expected, got)
	}
	for _, op := range c.Batch.Ops {
		if op.IsDelete() {
			delete(m.Entries, op.Key)
		} else {
			m.Entries[op.Key] = store.Entry{Key: op.Key, Value: bytes.Clone(op.Value), ModRev: c.Rev}
		}
	}
	m.Accounts[c.Batch.Account] = c.Rev
	m.Rev = c.Rev
	return nil
}

// Diff describes the first difference between m and s, or returns "" when s holds exactly m's
// state (revision, account revisions, entries with values and ModRevs) in the documented order.
func (m *Model) Diff(s store.Snapshot) string {
	if s.Rev != m.Rev {
		return fmt.Sprintf("snapshot at revision %d, model at %d", s.Rev, m.Rev)
	}
	if !slices.IsSortedFunc(s.Entries, func(a, b store.Entry) int { return a.Key.Compare(b.Key) }) {
		return "snapshot entries not sorted by key"
	}
	if !slices.IsSortedFunc(s.Accounts, func(a, b store.AccountRevision) int { return cmpString(a.Account, b.Account) }) {
		return "snapshot accounts not sorted"
	}
	if len(s.Accounts) != len(m.Accounts) {
		return fmt.Sprintf("snapshot has %d accounts, model %d", len(s.Accounts), len(m.Accounts))
	}
	for _, a := range s.Accounts {
		if r, ok := m.Accounts[a.Account]; !ok || r != a.Rev {
			return fmt.Sprintf("account %q at revision %d in the snapshot, %d (present %v) in the model", a.Account, a.Rev, r, ok)
		}
	}
	if len(s.Entries) != len(m.Entries) {
		return fmt.Sprintf("snapshot has %d entries, model %d", len(s.Entries), len(m.Entries))
	}
	for _, e := range s.Entries {
		want, ok := m.Entries[e.Key]
		switch {
		case !ok:
			return fmt.Sprintf("snapshot has %v, the model does not", e.Key)
		case !bytes.Equal(want.Value, e.Value):
			return fmt.Sprintf("%v = %q in the snapshot, %q in the model", e.Key, e.Value, want.Value)
		case want.ModRev != e.ModRev:
			return fmt.Sprintf("%v ModRev %d in the snapshot, %d in the model", e.Key, e.ModRev, want.ModRev)
		}
	}
	return ""
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// RandomBatch returns a batch for account computed from m's state: between 1 and maxOps puts
// and deletes over a small key space (so deletes often hit), values of 1 to maxValue bytes.
// Audit fields are filled so their round trip is checked too.
func RandomBatch(r *rand.Rand, m *Model, account string, maxOps, maxValue int) store.Batch {
	b := store.Batch{Account: account, Expected: m.Accounts[account],
		Actor: fmt.Sprintf("actor-%d", r.IntN(5)), Reason: "random batch", RequestID: fmt.Sprintf("req-%016x", r.Uint64())}
	n := 1 + r.IntN(maxOps)
	seen := map[store.Key]bool{}
	kinds := [...]string{"user", "group", "policy", "attachment"}
	for len(b.Ops) < n {
		k := store.Key{Account: account, Kind: kinds[r.IntN(len(kinds))], Name: fmt.Sprintf("n%d", r.IntN(12))}
		if seen[k] {
			continue
		}
		seen[k] = true
		var v []byte
		if r.IntN(4) != 0 { // three puts for one delete
			v = make([]byte, 1+r.IntN(maxValue))
			for i := range v {
				v[i] = byte(r.Uint32())
			}
		}
		b.Ops = append(b.Ops, store.Op{Key: k, Value: v})
	}
	return b
}

func sortSnapshot(s *store.Snapshot) {
	slices.SortFunc(s.Accounts, func(a, b store.AccountRevision) int { return cmpString(a.Account, b.Account) })
	slices.SortFunc(s.Entries, func(a, b store.Entry) int { return a.Key.Compare(b.Key) })
}
