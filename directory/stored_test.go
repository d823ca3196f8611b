package directory

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/memstore"
)

// shuffled serves its backend's snapshots with the entities in reverse
// order, breaking store.Snapshot's promise.
type shuffled struct{ store.Backend }

func (s shuffled) Snapshot(ctx context.Context) (store.Snapshot, error) {
	snap, err := s.Backend.Snapshot(ctx)
	slices.Reverse(snap.Entries)
	return snap, err
}

// TestOpenRefusesDamagedEntities: a stored user whose value names another
// user, an entity of a kind this package never writes, and a snapshot
// whose entities are out of order each make Open fail with ErrUnavailable
// caused by ErrInvalid, naming the entity, instead of loading something
// else than what was stored.
func TestOpenRefusesDamagedEntities(t *testing.T) {
	setup := func(t *testing.T) *memstore.Store {
		ms := memstore.New()
		t.Cleanup(func() { ms.Close() })
		d := openOn(t, ms, nil)
		must(d.CreateAccount(uidA))
		must(d.CreateUser(userID(uidA, "alice")))
		must(d.CreateUser(userID(uidA, "bob")))
		return ms
	}
	write := func(t *testing.T, ms *memstore.Store, kind, name string, value []byte) {
		h, err := ms.Head(context.Background())
		require.NoError(t, err)
		snap, err := ms.Snapshot(context.Background())
		require.NoError(t, err)
		var exp store.Revision
		for _, a := range snap.Accounts {
			if a.Account == uidA {
				exp = a.Rev
			}
		}
		_, err = ms.Commit(context.Background(), store.Batch{Account: uidA, Expected: exp,
			Ops: []store.Op{{Key: store.Key{Account: uidA, Kind: kind, Name: name}, Value: value}}})
		require.NoError(t, err, "head %d", h.Rev)
	}
	value := func(t *testing.T, ms *memstore.Store, kind, name string) []byte {
		snap, err := ms.Snapshot(context.Background())
		require.NoError(t, err)
		for _, e := range snap.Entries {
			if e.Key == (store.Key{Account: uidA, Kind: kind, Name: name}) {
				return e.Value
			}
		}
		t.Fatalf("no %s %s stored", kind, name)
		return nil
	}
	open := func(b store.Backend) error {
		d, err := Open(context.Background(), b, Options{KeyEncryptionKey: testKEK})
		if err == nil {
			d.Close()
		}
		return err
	}

	t.Run("intact", func(t *testing.T) {
		require.NoError(t, open(setup(t)))
	})
	t.Run("misnamed", func(t *testing.T) {
		ms := setup(t)
		write(t, ms, kindUser, "bob", value(t, ms, kindUser, "alice"))
		err := open(ms)
		e := requireErr(t, err, ErrUnavailable)
		require.ErrorIs(t, err, ErrInvalid)
		require.Contains(t, e.Error(), uidA+"/user/bob")
	})
	t.Run("unknown kind", func(t *testing.T) {
		ms := setup(t)
		write(t, ms, "gadget", "x", []byte(`{}`))
		err := open(ms)
		e := requireErr(t, err, ErrUnavailable)
		require.ErrorIs(t, err, ErrInvalid)
		require.Contains(t, e.Error(), uidA+"/gadget/x")
	})
	t.Run("out of order", func(t *testing.T) {
		err := open(shuffled{setup(t)})
		requireErr(t, err, ErrUnavailable)
		require.ErrorIs(t, err, ErrInvalid)
		require.Contains(t, err.Error(), "not in order")
	})
}
