// Command replicas runs two replicas of Enterprise A's directory on one
// store, revokes a permission on one, waits until every replica has the
// revocation (WaitReplicated), and shows the other refusing. It runs on an
// in-process store (memstore), and on PostgreSQL too when given a DSN:
//
//	go run ./examples/replicas                      (in store/pgstore)
//	go run ./examples/replicas -dsn postgres://user@127.0.0.1:5432/db?sslmode=disable
//	RAMAUTHZ_PG_DSN=postgres://... go run ./examples/replicas
//
// Without a DSN it says how to get one and exits 0. With one, it creates a
// schema of its own (ramauthz_example_<random>) and drops it at the end.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/memstore"
	"github.com/ramauthz/ramauthz/store/pgstore"
)

const a = "1234567890123456" // Enterprise A's account

func main() {
	dsn := flag.String("dsn", os.Getenv("RAMAUTHZ_PG_DSN"), "PostgreSQL connection string (default $RAMAUTHZ_PG_DSN)")
	flag.Parse()
	if err := run(os.Stdout, *dsn); err != nil {
		fmt.Fprintln(os.Stderr, "replicas:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, dsn string) error {
	ms := memstore.New()
	defer ms.Close()
	fmt.Fprintln(w, "== memstore (in process)")
	if err := demo(w, func() (store.Backend, error) { return ms, nil }); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if dsn == "" {
		fmt.Fprintln(w, "== PostgreSQL: skipped, no DSN. Give one with -dsn or RAMAUTHZ_PG_DSN, for example")
		fmt.Fprintln(w, "   postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable; from the repository root,")
		fmt.Fprintln(w, "   .ci/postgres.sh starts a throw-away server and sets RAMAUTHZ_TEST_PG for a command.")
		return nil
	}
	var suffix [6]byte
	_, _ = rand.Read(suffix[:])
	schema := "ramauthz_example_" + hex.EncodeToString(suffix[:])
	defer dropSchema(dsn, schema)
	fmt.Fprintln(w, "== PostgreSQL (one store, two connections)")
	return demo(w, func() (store.Backend, error) {
		return pgstore.Open(context.Background(), dsn, pgstore.Options{Schema: schema})
	})
}

func dropSchema(dsn, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if c, err := pgx.Connect(ctx, dsn); err == nil {
		_, _ = c.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
		_ = c.Close(ctx)
	}
}

// demo opens replicas "api-1" and "api-2" (each on its own backend from
// open, as separate processes would), revokes on api-1 and shows api-2.
func demo(w io.Writer, open func() (store.Backend, error)) error {
	ctx := context.Background()
	kek := make([]byte, 32) // from a KMS or secret store in a real service
	_, _ = rand.Read(kek)
	var dirs []*directory.Directory
	for _, id := range []string{"api-1", "api-2"} {
		b, err := open()
		if err != nil {
			return err
		}
		if c, ok := b.(*pgstore.Store); ok {
			defer c.Close()
		}
		d, err := directory.Open(ctx, b, directory.Options{KeyEncryptionKey: kek, ReplicaID: id,
			MaxStaleness: 2 * time.Second, HeartbeatInterval: 200 * time.Millisecond, PollInterval: 200 * time.Millisecond})
		if err != nil {
			return err
		}
		defer d.Close()
		dirs = append(dirs, d)
	}
	one, two := dirs[0], dirs[1]
	alice := principal.MustParse("acs:ram::" + a + ":user/alice")
	read := directory.PolicyRef{Type: directory.PolicyCustom, Name: "oss-read"}
	steps := []func() (directory.Revision, error){
		func() (directory.Revision, error) { return one.CreateAccount(a) },
		func() (directory.Revision, error) { return one.CreateUser(alice) },
		func() (directory.Revision, error) {
			return one.CreatePolicy(a, directory.PolicySpec{Name: "oss-read",
				Document: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:Get*","Resource":"*"}]}`})
		},
		func() (directory.Revision, error) { return one.AttachPolicy(alice, read) },
	}
	for _, s := range steps {
		if _, err := s(); err != nil {
			return err
		}
	}
	req := evaluator.Request{Action: "oss:GetObject", Resource: "acs:oss:*:" + a + ":reports/q1.csv"}

	// Read your writes on the other replica: it decides at least at the
	// writer's token.
	res, err := two.AuthorizeAtLeast(ctx, one.Token(), alice, req)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "api-2 at api-1's token: alice reads q1.csv: %s\n", res.Decision)

	rev, err := one.DetachPolicy(alice, read)
	if err != nil {
		return err
	}
	rec, err := one.WaitReplicated(ctx, rev)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "api-1 detached oss-read; WaitReplicated: applied by %v, pending %v\n", rec.Applied, rec.Pending)
	res, err = two.Authorize(alice, req)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "api-2 (no sync of its own): alice reads q1.csv: %s, at a revision >= the revocation: %v\n",
		res.Decision, res.Revision >= rev)
	return nil
}
