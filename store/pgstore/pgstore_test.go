package pgstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/storetest"
)

// dsn returns the test database's connection string from RAMAUTHZ_TEST_PG (.ci/postgres.sh
// starts a server and sets it). Without it the tests fail under CI=true, where a silent skip
// would hide the whole backend, and skip with instructions elsewhere.
func dsn(t testing.TB) string {
	t.Helper()
	d := os.Getenv("RAMAUTHZ_TEST_PG")
	if d == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("RAMAUTHZ_TEST_PG is not set under CI=true: the PostgreSQL tests must run (see .ci/postgres.sh)")
		}
		t.Skip("RAMAUTHZ_TEST_PG not set: run .ci/postgres.sh (starts a throw-away PostgreSQL and runs these tests)")
	}
	return d
}

// newSchema returns a fresh schema name, dropped when the test ends.
func newSchema(t testing.TB) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	d := dsn(t)
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), d)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), `DROP SCHEMA IF EXISTS `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

func openSchema(t testing.TB, schema string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn(t), Options{Schema: schema})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) store.Backend { return openSchema(t, newSchema(t)) },
		Reopen: func(t *testing.T, b store.Backend) store.Backend {
			s := b.(*Store)
			s.Close()
			return openSchema(t, s.schema)
		},
	})
}
