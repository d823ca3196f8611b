package directory

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/store/memstore"
)

// TestImportOnStoreIsAtomic: on a store, a directory document that would
// change two accounts is refused with ErrNotAtomic and changes nothing (in
// the directory and in the store), because the store commits one account
// per batch and a failure between the batches left half an import (before,
// it was committed account by account). With PerAccount it is imported;
// a directory document that changes one account is one batch and needs
// nothing; a directory from New imports anything at once.
func TestImportOnStoreIsAtomic(t *testing.T) {
	ctx := context.Background()
	ms := memstore.New()
	defer ms.Close()
	d := openOn(t, ms, nil)
	for _, a := range []string{uidA, uidB} {
		_, err := d.CreateAccount(a)
		require.NoError(t, err)
	}
	_, err := d.CreateUser(userID(uidA, "alice"))
	require.NoError(t, err)
	_, err = d.CreateUser(userID(uidB, "bob"))
	require.NoError(t, err)
	both, err := d.Export() // alice and bob
	require.NoError(t, err)
	_, err = d.DeleteUser(userID(uidA, "alice"), DeleteStrict)
	require.NoError(t, err)
	oneAccount, err := d.Export() // bob only: differs from both in account A
	require.NoError(t, err)
	_, err = d.DeleteUser(userID(uidB, "bob"), DeleteStrict)
	require.NoError(t, err)

	// Now neither user exists: "both" would change accounts A and B.
	before, err := ms.Head(ctx)
	require.NoError(t, err)
	rev := d.Revision()
	_, err = d.ImportWith(both, ImportOptions{Force: true})
	require.ErrorIs(t, err, ErrNotAtomic)
	require.Equal(t, rev, d.Revision(), "nothing published")
	after, err := ms.Head(ctx)
	require.NoError(t, err)
	require.Equal(t, before.Rev, after.Rev, "nothing committed to the store")
	_, err = d.GetUser(userID(uidA, "alice"))
	require.ErrorIs(t, err, ErrNotFound)

	// One account changed (bob back in B): one batch, atomic.
	_, err = d.ImportWith(oneAccount, ImportOptions{Force: true})
	require.NoError(t, err)
	after2, err := ms.Head(ctx)
	require.NoError(t, err)
	require.Equal(t, after.Rev+1, after2.Rev, "one batch")
	_, err = d.GetUser(userID(uidB, "bob"))
	require.NoError(t, err)

	// PerAccount: the caller accepts one batch per account.
	_, err = d.DeleteUser(userID(uidB, "bob"), DeleteStrict)
	require.NoError(t, err)
	_, err = d.ImportWith(both, ImportOptions{Force: true, PerAccount: true})
	require.NoError(t, err)
	for _, u := range []string{"alice", "bob"} {
		acct := uidA
		if u == "bob" {
			acct = uidB
		}
		_, err = d.GetUser(userID(acct, u))
		require.NoError(t, err, u)
	}
	// A second directory on the store agrees.
	r := openOn(t, ms, nil)
	_, err = r.GetUser(userID(uidA, "alice"))
	require.NoError(t, err)

	// In memory every import is atomic: no refusal.
	m := MustNew(Options{KeyEncryptionKey: testKEK})
	_, err = m.ImportWith(both, ImportOptions{})
	require.NoError(t, err)
}
