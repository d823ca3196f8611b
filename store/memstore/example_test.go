package memstore_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/memstore"
)

// A writer commits guarded by the account's revision; a stale writer gets ErrConflict; a
// reader follows the feed.
func Example() {
	ctx := context.Background()
	s := memstore.New()
	defer s.Close()

	alice := store.Key{Account: "1234567890123456", Kind: "user", Name: "alice"}
	rev, _ := s.Commit(ctx, store.Batch{Account: alice.Account, Expected: 0,
		Ops: []store.Op{{Key: alice, Value: []byte(`{"UserName":"alice"}`)}}, Actor: "admin", Reason: "onboarding"})
	fmt.Println("committed revision", rev)

	// A second writer that also read revision 0 loses the race instead of overwriting.
	_, err := s.Commit(ctx, store.Batch{Account: alice.Account, Expected: 0,
		Ops: []store.Op{{Key: alice}}})
	fmt.Println("stale writer:", errors.Is(err, store.ErrConflict))

	changes, _ := s.Changes(ctx, 0, 0)
	for _, c := range changes {
		fmt.Println(c.Rev, c.Batch.Actor, c.Batch.Reason, len(c.Batch.Ops))
	}
	// Output:
	// committed revision 1
	// stale writer: true
	// 1 admin onboarding 1
}
