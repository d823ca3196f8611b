package store_test

import (
	"context"
	"fmt"

	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/memstore"
)

// printReplica is the consumer's state: here it only reports what it is given.
type printReplica struct{}

func (printReplica) Load(s store.Snapshot) error {
	fmt.Printf("load revision %d (%d entries)\n", s.Rev, len(s.Entries))
	return nil
}

func (printReplica) Apply(cs []store.Change) error {
	for _, c := range cs {
		fmt.Printf("apply revision %d by %s: %s\n", c.Rev, c.Batch.Actor, c.Batch.Reason)
	}
	return nil
}

// A Follower keeps a replica current: a snapshot first, then the feed. Run does the same on
// every notification and poll tick; Sync is one round on demand (read-your-writes).
func ExampleFollower() {
	ctx := context.Background()
	b := memstore.New()
	defer b.Close()
	f := store.NewFollower(b, printReplica{}, store.FollowerOptions{})
	f.Sync(ctx)

	acct := "1234567890123456"
	rev, _ := b.Commit(ctx, store.Batch{Account: acct, Actor: "admin", Reason: "create alice",
		Ops: []store.Op{{Key: store.Key{Account: acct, Kind: "user", Name: "alice"}, Value: []byte(`{}`)}}})
	b.Commit(ctx, store.Batch{Account: acct, Expected: rev, Actor: "admin", Reason: "delete alice",
		Ops: []store.Op{{Key: store.Key{Account: acct, Kind: "user", Name: "alice"}}}})

	st, err := f.Sync(ctx)
	fmt.Println("applied", st.Applied, "confirmed", !st.ConfirmedAt.IsZero(), err)
	// Output:
	// load revision 0 (0 entries)
	// apply revision 1 by admin: create alice
	// apply revision 2 by admin: delete alice
	// applied 2 confirmed true <nil>
}
