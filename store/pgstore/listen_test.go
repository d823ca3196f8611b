package pgstore

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/store"
)

// TestListenerReconnects: the LISTEN connection killed by pg_terminate_backend comes back on
// its own and hints flow again, for a commit made while it was away and one made after.
func TestListenerReconnects(t *testing.T) {
	schema := newSchema(t)
	s := openSchema(t, schema)
	defer s.Close()
	ctx := context.Background()
	hints := s.Notify(ctx)
	p := pool(t)
	commit := func(exp store.Revision) store.Revision {
		rev, err := s.Commit(ctx, store.Batch{Account: "a", Expected: exp, Ops: []store.Op{{Key: store.Key{Account: "a", Kind: "user", Name: "x"}, Value: []byte{byte(exp + 1)}}}})
		if err != nil {
			t.Fatal(err)
		}
		return rev
	}
	waitHint := func(min store.Revision) {
		t.Helper()
		deadline := time.After(20 * time.Second)
		for {
			select {
			case r := <-hints:
				if r >= min {
					return
				}
			case <-deadline:
				t.Fatalf("no hint of revision %d within 20s", min)
			}
		}
	}
	rev := commit(0)
	waitHint(rev)
	for round := range 3 {
		var killed int
		if err := p.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, "ramauthz-listen-"+schema).Scan(&killed); err != nil {
			t.Fatal(err)
		}
		if killed != 1 {
			t.Fatalf("round %d: terminated %d listener connections, want 1 (is it reconnecting?)", round, killed)
		}
		rev = commit(rev) // made while the listener may be away
		waitHint(rev)
		// Wait until the listener is back before the next round kills it again.
		for deadline := time.Now().Add(20 * time.Second); ; {
			var n int
			p.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle'`, "ramauthz-listen-"+schema).Scan(&n)
			if n == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the listener did not reconnect within 20s", round)
			}
			time.Sleep(10 * time.Millisecond)
		}
		rev = commit(rev)
		waitHint(rev)
	}
}

// TestOpenConcurrently: replicas opening one new schema at once all succeed and share one
// epoch (the advisory lock serializes table creation).
func TestOpenConcurrently(t *testing.T) {
	schema := newSchema(t)
	var wg sync.WaitGroup
	heads := make([]store.Head, 6)
	for i := range heads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(context.Background(), dsn(t), Options{Schema: schema})
			if err != nil {
				t.Errorf("Open %d: %v", i, err)
				return
			}
			defer s.Close()
			heads[i], err = s.Head(context.Background())
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for i, h := range heads {
		if h.Epoch != heads[0].Epoch || h.Epoch.IsZero() {
			t.Fatalf("replica %d epoch %v, replica 0 %v", i, h.Epoch, heads[0].Epoch)
		}
	}
}

func TestOpenRejectsBadInput(t *testing.T) {
	d := dsn(t)
	for _, schema := range []string{"Public", "a-b", "1abc", `x"; DROP TABLE y; --`, "a234567890123456789012345678901234567890x"} {
		if _, err := Open(context.Background(), d, Options{Schema: schema}); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Open(schema %q) = %v, want ErrInvalid", schema, err)
		}
	}
	if _, err := Open(context.Background(), "postgres://x:y@127.0.0.1:1/db?connect_timeout=nonsense", Options{}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Open(bad connection string) = %v, want ErrInvalid", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := Open(ctx, "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2", Options{}); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open(nothing listening) = %v, want ErrUnavailable", err)
	}
}

// TestRecreatedDatabaseIsANewEpoch: a schema dropped and created again is another history: a
// reader comparing epochs from Head knows its revisions mean nothing there and reloads.
func TestRecreatedDatabaseIsANewEpoch(t *testing.T) {
	schema := newSchema(t)
	ctx := context.Background()
	s := openSchema(t, schema)
	if _, err := s.Commit(ctx, store.Batch{Account: "a", Ops: []store.Op{{Key: store.Key{Account: "a", Kind: "user", Name: "x"}, Value: []byte("v")}}}); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Head(ctx)
	s.Close()
	if _, err := pool(t).Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
		t.Fatal(err)
	}
	s = openSchema(t, schema)
	defer s.Close()
	after, err := s.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.Epoch == before.Epoch || after.Rev != 0 {
		t.Fatalf("re-created store: head %+v, before %+v; want a new epoch at revision 0", after, before)
	}
}
