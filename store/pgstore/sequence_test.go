package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ramauthz/ramauthz/store"
)

// The sequence-vs-counter regression (issue 16, design notes §4): writers commit concurrently
// while replicas poll "rev > last applied". With revisions from a SEQUENCE, a transaction that
// drew revision 11 may commit after one that drew 12; a replica that already saw 12 never asks
// for 11 again, and the change is lost to it for good. With the counter row, revisions commit
// in order and no replica misses one.

const (
	raceWriters  = 8
	raceCommits  = 40 // per writer
	raceReplicas = 4
	raceMaxSleep = 300 * time.Microsecond // inside the transaction, widening the window
)

// pollRace runs the writers and the polling replicas and returns, per replica, how many
// committed revisions it never saw. commit returns the revision it committed; feed returns
// the revisions after last.
func pollRace(t *testing.T, commit func(ctx context.Context, w int, r *rand.Rand) (int64, error), feed func(ctx context.Context, last int64) ([]int64, error)) (committed int, missed []int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var writers sync.WaitGroup
	var mu sync.Mutex
	all := map[int64]bool{}
	for w := range raceWriters {
		writers.Add(1)
		go func() {
			defer writers.Done()
			r := rand.New(rand.NewPCG(uint64(w), 77))
			for range raceCommits {
				rev, err := commit(ctx, w, r)
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				mu.Lock()
				all[rev] = true
				mu.Unlock()
			}
		}()
	}
	done := make(chan struct{})
	missed = make([]int, raceReplicas)
	var replicas sync.WaitGroup
	for i := range raceReplicas {
		replicas.Add(1)
		go func() {
			defer replicas.Done()
			seen := map[int64]bool{}
			var last int64
			poll := func() bool {
				revs, err := feed(ctx, last)
				if err != nil {
					t.Errorf("replica %d: %v", i, err)
					return false
				}
				for _, r := range revs {
					seen[r] = true
					last = max(last, r)
				}
				return true
			}
			for {
				select {
				case <-done:
					poll() // a last catch-up after every writer finished
					mu.Lock()
					for r := range all {
						if !seen[r] {
							missed[i]++
						}
					}
					mu.Unlock()
					return
				default:
				}
				if !poll() {
					return
				}
			}
		}()
	}
	writers.Wait()
	close(done)
	replicas.Wait()
	return len(all), missed
}

func pool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	p, err := pgxpool.New(context.Background(), dsn(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// toyFeed creates a bare change table in schema and returns a feed over it.
func toyFeed(t *testing.T, p *pgxpool.Pool, schema string, extra string) func(ctx context.Context, last int64) ([]int64, error) {
	t.Helper()
	ctx := context.Background()
	for _, stmt := range []string{`CREATE SCHEMA ` + schema, `CREATE TABLE ` + schema + `.chg (rev bigint PRIMARY KEY)`, extra} {
		if _, err := p.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	return func(ctx context.Context, last int64) ([]int64, error) {
		rows, _ := p.Query(ctx, `SELECT rev FROM `+schema+`.chg WHERE rev > $1 ORDER BY rev`, last)
		return pgx.CollectRows(rows, pgx.RowTo[int64])
	}
}

// toyCommit draws a revision with draw, waits a little inside the transaction, and inserts it.
func toyCommit(p *pgxpool.Pool, schema, draw string) func(ctx context.Context, w int, r *rand.Rand) (int64, error) {
	return func(ctx context.Context, w int, r *rand.Rand) (int64, error) {
		var rev int64
		err := pgx.BeginFunc(ctx, p, func(tx pgx.Tx) error {
			if err := tx.QueryRow(ctx, draw).Scan(&rev); err != nil {
				return err
			}
			time.Sleep(time.Duration(r.Int64N(int64(raceMaxSleep))))
			_, err := tx.Exec(ctx, `INSERT INTO `+schema+`.chg VALUES ($1)`, rev)
			return err
		})
		return rev, err
	}
}

// TestSequenceWouldLoseChanges is the control: the same writers and replicas on revisions from
// a SEQUENCE lose changes. It shows that the harness detects the failure the counter row
// prevents.
func TestSequenceWouldLoseChanges(t *testing.T) {
	p := pool(t)
	schema := newSchema(t)
	feed := toyFeed(t, p, schema, `CREATE SEQUENCE `+schema+`.seq`)
	committed, missed := pollRace(t, toyCommit(p, schema, `SELECT nextval('`+schema+`.seq')`), feed)
	total := 0
	for _, m := range missed {
		total += m
	}
	t.Logf("sequence: %d commits; changes never seen per replica: %v", committed, missed)
	if total == 0 {
		t.Fatalf("no replica missed a change with a sequence (%d commits): the harness cannot tell the designs apart", committed)
	}
}

// TestCounterNeverLosesChanges: the same race on the counter row, first as a bare table, then
// through the Store's own Commit and Changes with writers sharing accounts (conflicts and
// retries included): every replica sees every committed revision.
func TestCounterNeverLosesChanges(t *testing.T) {
	p := pool(t)
	schema := newSchema(t)
	feed := toyFeed(t, p, schema, `CREATE TABLE `+schema+`.meta AS SELECT 0::bigint AS rev`)
	committed, missed := pollRace(t, toyCommit(p, schema, `UPDATE `+schema+`.meta SET rev = rev + 1 RETURNING rev`), feed)
	t.Logf("counter row: %d commits; changes never seen per replica: %v", committed, missed)
	for i, m := range missed {
		if m != 0 {
			t.Errorf("replica %d missed %d of %d changes with the counter row", i, m, committed)
		}
	}

	s := openSchema(t, newSchema(t))
	defer s.Close()
	var conflicts sync.Map
	commit := func(ctx context.Context, w int, r *rand.Rand) (int64, error) {
		account := fmt.Sprintf("acct-%d", w%3) // writers share accounts: conflicts happen
		for {
			h, err := s.Snapshot(ctx)
			if err != nil {
				return 0, err
			}
			var expected store.Revision
			for _, a := range h.Accounts {
				if a.Account == account {
					expected = a.Rev
				}
			}
			rev, err := s.Commit(ctx, store.Batch{Account: account, Expected: expected,
				Ops: []store.Op{{Key: store.Key{Account: account, Kind: "user", Name: fmt.Sprintf("u%d", r.IntN(20))}, Value: []byte("v")}}})
			if errors.Is(err, store.ErrConflict) {
				n, _ := conflicts.LoadOrStore(w, new(int))
				*n.(*int)++
				continue
			}
			return int64(rev), err
		}
	}
	storeFeed := func(ctx context.Context, last int64) ([]int64, error) {
		cs, err := s.Changes(ctx, store.Revision(last), 0)
		revs := make([]int64, len(cs))
		for i, c := range cs {
			revs[i] = int64(c.Rev)
		}
		return revs, err
	}
	committed, missed = pollRace(t, commit, storeFeed)
	n := 0
	conflicts.Range(func(_, v any) bool { n += *v.(*int); return true })
	t.Logf("Store: %d commits, %d conflict retries; changes never seen per replica: %v", committed, n, missed)
	for i, m := range missed {
		if m != 0 {
			t.Errorf("replica %d missed %d of %d changes through the Store", i, m, committed)
		}
	}
	if committed != raceWriters*raceCommits {
		t.Errorf("%d commits, want %d", committed, raceWriters*raceCommits)
	}
}
