package filestore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/filestore"
)

// A service commits to a store in a directory, stops, and finds everything again when it
// reopens the directory.
func Example() {
	tmp, err := os.MkdirTemp("", "ramauthz-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "store")
	ctx := context.Background()

	s, err := filestore.Open(dir, filestore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	alice := store.Key{Account: "1234567890123456", Kind: "user", Name: "alice"}
	rev, err := s.Commit(ctx, store.Batch{Account: alice.Account, Expected: 0,
		Ops: []store.Op{{Key: alice, Value: []byte(`{"UserName":"alice"}`)}}, Actor: "admin", Reason: "onboarding"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("committed and fsynced revision", rev)
	s.Close() // or a crash: an acknowledged commit is on disk either way

	s, err = filestore.Open(dir, filestore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	snap, err := s.Snapshot(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range snap.Entries {
		fmt.Printf("revision %d: %s/%s = %s\n", e.ModRev, e.Key.Kind, e.Key.Name, e.Value)
	}
	// Output:
	// committed and fsynced revision 1
	// revision 1: user/alice = {"UserName":"alice"}
}
