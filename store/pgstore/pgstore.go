// Package pgstore is the PostgreSQL store.Backend, for several replicas (processes, hosts)
// sharing one history. It is a module of its own so that the main module keeps its dependency
// policy; it uses github.com/jackc/pgx/v5.
//
// # Schema
//
// Open creates, in the schema Options.Schema names (default "public"), four tables:
// ramauthz_meta (one row: epoch, revision counter, compaction point), ramauthz_account (each
// account's revision), ramauthz_entity (the state: key, value, mod_rev) and ramauthz_change (the
// feed: one row per committed batch with its audit fields and commit time), and the PL/pgSQL
// function ramauthz_check, which Commit uses to refuse a batch whose account moved on.
//
// # Commits
//
// Commit is one transaction: it increments the single counter row of ramauthz_meta, which holds
// the row lock until the transaction ends, checks the account's revision, writes the entities,
// the account row and the change row, sends a notification and commits. Its statements go to
// the server in one pipeline ending in one Sync, which PostgreSQL runs as one implicit
// transaction: one round trip, and a failed account check (SQLSTATE RZ409, raised by the
// function ramauthz_check) rolls back everything. The counter row makes
// revision order equal commit order and revisions gap-free (a rollback undoes the increment):
// a reader that has applied revision r and asks for rev > r never misses a change. A SEQUENCE
// would not: its values are handed out in call order but transactions commit in another, so a
// reader could see revision 12 before 11 commits and then skip 11 for good (measured: 3.6-5.2 %
// of changes lost to polling replicas; TestSequenceWouldLoseChanges shows the effect).
//
// # Notifications
//
// LISTEN/NOTIFY carries revision hints on the channel "ramauthz_" + schema: one dedicated
// connection listens, reconnecting with backoff, and after each (re)connection publishes the
// head so that a reader catches up on anything sent while it was away. NOTIFY is a hint only
// (PostgreSQL delivers it at commit, never to absent listeners); readers poll Changes too.
//
// # Reading the feed
//
// Changes and HeadChanges (store.HeadReader) are one statement each: the head, the compaction
// point and the page of changes come from one snapshot in one round trip, so a store.Follower
// catches up after a notification with a single request.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/internal/notify"
)

// Options configures Open. The zero value uses the schema "public".
type Options struct {
	// Schema is the PostgreSQL schema holding the tables: a lower-case identifier
	// ([a-z_][a-z0-9_]*, at most 40 bytes), created if missing. Default "public".
	Schema string
}

// Store is a store.Backend and store.Compactor on PostgreSQL. It is safe for concurrent use.
type Store struct {
	pool    *pgxpool.Pool
	schema  string
	channel string
	q       queries
	hub     notify.Hub
	closed  atomic.Bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

var (
	_ store.Backend    = (*Store)(nil)
	_ store.Compactor  = (*Store)(nil)
	_ store.HeadReader = (*Store)(nil)
)

var schemaRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,39}$`)

// Open connects to the database connString names (a PostgreSQL URL or key=value string, as
// pgx accepts), creates the schema, tables and the checking function if they do not exist (a new store gets a fresh
// random epoch), and starts the notification listener. It fails with an error unwrapping to
// store.ErrInvalid for a bad schema name or connection string, store.ErrCorrupt when the meta
// row is malformed, store.ErrUnavailable when the database cannot be reached or the tables
// created, or ctx's error.
func Open(ctx context.Context, connString string, opts Options) (*Store, error) {
	schema := opts.Schema
	if schema == "" {
		schema = "public"
	}
	if !schemaRE.MatchString(schema) {
		return nil, fmt.Errorf("pgstore: schema %q: want [a-z_][a-z0-9_]{0,39}: %w", schema, store.ErrInvalid)
	}
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("pgstore: connection string: %w: %w", store.ErrInvalid, err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, unavailable(ctx, "connect", err)
	}
	s := &Store{pool: pool, schema: schema, channel: "ramauthz_" + schema, q: newQueries(schema)}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	lctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(1)
	lcfg := cfg.ConnConfig.Copy()
	lcfg.RuntimeParams["application_name"] = "ramauthz-listen-" + schema
	go s.listen(lctx, lcfg)
	return s, nil
}

func unavailable(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	return fmt.Errorf("pgstore: %s: %w: %w", op, store.ErrUnavailable, err)
}

// migrate creates the tables under an advisory lock, so that replicas opening at once do not
// race on CREATE TABLE.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return unavailable(ctx, "begin", err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "ramauthz:"+s.schema); err != nil {
		return unavailable(ctx, "lock schema", err)
	}
	for _, stmt := range s.q.schema {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return unavailable(ctx, "create tables", err)
		}
	}
	epoch := store.NewEpoch()
	if _, err := tx.Exec(ctx, s.q.initMeta, epoch[:]); err != nil {
		return unavailable(ctx, "create meta row", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return unavailable(ctx, "commit", err)
	}
	_, err = s.Head(ctx)
	return err
}

func (s *Store) ready(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return store.ErrClosed
	}
	return nil
}

func (s *Store) fail(ctx context.Context, op string, err error) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrCompacted) ||
		errors.Is(err, store.ErrCorrupt) || errors.Is(err, store.ErrInvalid) {
		return err // our own verdicts, returned from inside a transaction
	}
	return unavailable(ctx, op, err)
}

func scanHead(row pgx.Row) (store.Head, error) {
	var epoch []byte
	var rev, compacted int64
	if err := row.Scan(&epoch, &rev, &compacted); err != nil {
		return store.Head{}, err
	}
	var h store.Head
	if len(epoch) != len(h.Epoch) || rev < 0 || compacted < 0 || compacted > rev {
		return store.Head{}, fmt.Errorf("pgstore: malformed meta row (epoch of %d bytes, revision %d, compacted %d): %w", len(epoch), rev, compacted, store.ErrCorrupt)
	}
	copy(h.Epoch[:], epoch)
	h.Rev, h.Compacted = store.Revision(rev), store.Revision(compacted)
	return h, nil
}

// Head implements store.Backend with one query. It fails with store.ErrUnavailable,
// store.ErrCorrupt, store.ErrClosed or ctx's error.
func (s *Store) Head(ctx context.Context) (store.Head, error) {
	if err := s.ready(ctx); err != nil {
		return store.Head{}, err
	}
	h, err := scanHead(s.pool.QueryRow(ctx, s.q.head))
	if err != nil {
		return store.Head{}, s.fail(ctx, "read head", err)
	}
	return h, nil
}

// Snapshot implements store.Backend in one REPEATABLE READ transaction. It fails with
// store.ErrUnavailable, store.ErrCorrupt, store.ErrClosed or ctx's error.
func (s *Store) Snapshot(ctx context.Context) (store.Snapshot, error) {
	if err := s.ready(ctx); err != nil {
		return store.Snapshot{}, err
	}
	var snap store.Snapshot
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		h, err := scanHead(tx.QueryRow(ctx, s.q.head))
		if err != nil {
			return err
		}
		snap.Head = h
		rows, _ := tx.Query(ctx, s.q.accounts)
		var a store.AccountRevision
		var rev int64
		snap.Accounts, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.AccountRevision, error) {
			err := r.Scan(&a.Account, &rev)
			a.Rev = store.Revision(rev)
			return a, err
		})
		if err != nil {
			return err
		}
		rows, _ = tx.Query(ctx, s.q.entities)
		snap.Entries, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Entry, error) {
			var e store.Entry
			err := r.Scan(&e.Key.Account, &e.Key.Kind, &e.Key.Name, &e.Value, &rev)
			e.ModRev = store.Revision(rev)
			return e, err
		})
		return err
	})
	if err != nil {
		return store.Snapshot{}, s.fail(ctx, "snapshot", err)
	}
	return snap, nil
}

// Commit implements store.Backend in one transaction and one round trip, as the package
// documentation describes.
// It fails with a *store.ConflictError, a *store.BatchError, store.ErrUnavailable (the
// database could not be reached or refused the transaction; when the failure hit COMMIT itself
// the batch may have landed: read Head or the feed), store.ErrClosed or ctx's error.
func (s *Store) Commit(ctx context.Context, b store.Batch) (store.Revision, error) {
	if err := s.ready(ctx); err != nil {
		return 0, err
	}
	if err := store.Validate(&b); err != nil {
		return 0, err
	}
	kinds := make([]string, 0, len(b.Ops))
	names := make([]string, 0, len(b.Ops))
	vals := make([][]byte, 0, len(b.Ops))
	var delKinds, delNames, putKinds, putNames []string
	var putVals [][]byte
	for _, op := range b.Ops {
		kinds = append(kinds, op.Key.Kind)
		names = append(names, op.Key.Name)
		if op.IsDelete() {
			vals = append(vals, []byte{})
			delKinds = append(delKinds, op.Key.Kind)
			delNames = append(delNames, op.Key.Name)
		} else {
			vals = append(vals, op.Value)
			putKinds = append(putKinds, op.Key.Kind)
			putNames = append(putNames, op.Key.Name)
			putVals = append(putVals, op.Value)
		}
	}
	// One round trip: the statements go in one pipeline ending in one Sync, which PostgreSQL
	// runs as one implicit transaction, committed at the Sync, or rolled back whole when a
	// statement fails (the account check raises RZ409). The counter row first: its lock, held
	// to the end of the transaction, serializes commits, and every later statement (each with
	// a fresh READ COMMITTED snapshot) sees every earlier commit. The account row is then
	// checked and moved in one upsert, which works on the row's latest version.
	batch := &pgx.Batch{}
	batch.Queue(s.q.bump)
	batch.Queue(s.q.setAccount, b.Account, int64(b.Expected))
	if len(delKinds) > 0 {
		batch.Queue(s.q.deleteEntities, b.Account, delKinds, delNames)
	}
	if len(putKinds) > 0 {
		batch.Queue(s.q.putEntities, b.Account, putKinds, putNames, putVals)
	}
	batch.Queue(s.q.insertChange, b.Account, int64(b.Expected), b.Actor, b.Reason, b.RequestID, kinds, names, vals)
	batch.Queue(s.q.notify, s.channel)
	res := s.pool.SendBatch(ctx, batch)
	var r int64
	err := res.QueryRow().Scan(&r)
	if err == nil {
		var ok bool
		err = res.QueryRow().Scan(&ok)
	}
	if cerr := res.Close(); err == nil {
		err = cerr
	}
	if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code == "RZ409" {
		var actual int64
		if err := s.pool.QueryRow(ctx, s.q.accountRev, b.Account).Scan(&actual); err != nil {
			return 0, s.fail(ctx, "commit", err)
		}
		return 0, &store.ConflictError{Account: b.Account, Expected: b.Expected, Actual: store.Revision(actual)}
	}
	if err != nil {
		return 0, s.fail(ctx, "commit", err)
	}
	return store.Revision(r), nil
}

// Changes implements store.Backend with HeadChanges. It fails with a *store.CompactedError,
// store.ErrUnavailable, store.ErrCorrupt, store.ErrClosed or ctx's error.
func (s *Store) Changes(ctx context.Context, after store.Revision, limit int) ([]store.Change, error) {
	_, cs, err := s.HeadChanges(ctx, after, limit)
	return cs, err
}

// HeadChanges implements store.HeadReader in one statement (one round trip; the head, the
// compaction point and the rows come from one snapshot), so that a store.Follower's round
// costs one round trip. It returns the contiguous prefix of what it read, and fails with a
// *store.CompactedError, store.ErrUnavailable, store.ErrCorrupt, store.ErrClosed or ctx's
// error.
func (s *Store) HeadChanges(ctx context.Context, after store.Revision, limit int) (store.Head, []store.Change, error) {
	if err := s.ready(ctx); err != nil {
		return store.Head{}, nil, err
	}
	if limit <= 0 {
		limit = store.DefaultChangesLimit
	}
	var h store.Head
	seen := false
	rows, _ := s.pool.Query(ctx, s.q.changes, int64(after), limit)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Change, error) {
		c, rh, err := scanChange(r)
		h, seen = rh, true
		return c, err
	})
	if err == nil && !seen {
		err = fmt.Errorf("pgstore: no meta row: %w", store.ErrCorrupt)
	}
	if err == nil && after < h.Compacted {
		err = &store.CompactedError{After: after, Compacted: h.Compacted}
	}
	if err != nil {
		return store.Head{}, nil, s.fail(ctx, "read changes", err)
	}
	if len(out) == 1 && out[0].Rev == 0 { // the meta row alone: nothing after
		out = out[:0]
	}
	for i := range out {
		if out[i].Rev != after+store.Revision(i)+1 || out[i].Rev > h.Rev {
			// Cannot happen with the counter row; never hand out a gap.
			out = out[:i]
			break
		}
	}
	if out == nil {
		out = []store.Change{}
	}
	return h, out, nil
}

// scanChange reads one row of the changes query: the head and the change (a zero Change when
// the row carries none).
func scanChange(r pgx.CollectableRow) (store.Change, store.Head, error) {
	var c store.Change
	var epoch []byte
	var head, compacted int64
	var rev, expected *int64
	var account, actor, reason, requestID *string
	var at *time.Time
	var kinds, names []string
	var vals [][]byte
	if err := r.Scan(&epoch, &head, &compacted, &rev, &account, &expected, &actor, &reason, &requestID, &kinds, &names, &vals, &at); err != nil {
		return c, store.Head{}, err
	}
	var h store.Head
	if len(epoch) != len(h.Epoch) || head < 0 || compacted < 0 || compacted > head {
		return c, h, fmt.Errorf("pgstore: malformed meta row (epoch of %d bytes, revision %d, compacted %d): %w", len(epoch), head, compacted, store.ErrCorrupt)
	}
	copy(h.Epoch[:], epoch)
	h.Rev, h.Compacted = store.Revision(head), store.Revision(compacted)
	if rev == nil {
		return c, h, nil
	}
	if expected == nil || account == nil || actor == nil || reason == nil || requestID == nil || at == nil {
		return c, h, fmt.Errorf("pgstore: change %d has NULL columns: %w", *rev, store.ErrCorrupt)
	}
	if len(kinds) != len(names) || len(kinds) != len(vals) {
		return c, h, fmt.Errorf("pgstore: change %d has %d kinds, %d names, %d values: %w", *rev, len(kinds), len(names), len(vals), store.ErrCorrupt)
	}
	c.Rev, c.Batch.Expected, c.At = store.Revision(*rev), store.Revision(*expected), at.UTC()
	c.Batch.Account, c.Batch.Actor, c.Batch.Reason, c.Batch.RequestID = *account, *actor, *reason, *requestID
	c.Batch.Ops = make([]store.Op, len(kinds))
	for i := range kinds {
		c.Batch.Ops[i] = store.Op{Key: store.Key{Account: c.Batch.Account, Kind: kinds[i], Name: names[i]}}
		if len(vals[i]) > 0 {
			c.Batch.Ops[i].Value = vals[i]
		}
	}
	return c, h, nil
}

// Compact implements store.Compactor: it deletes the change rows up to upTo and moves the
// compaction point, holding the counter row's lock. It fails with an error unwrapping to
// store.ErrInvalid when upTo is beyond the head, store.ErrUnavailable, store.ErrClosed or ctx's
// error.
func (s *Store) Compact(ctx context.Context, upTo store.Revision) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		h, err := scanHead(tx.QueryRow(ctx, s.q.headForUpdate))
		if err != nil {
			return err
		}
		if upTo > h.Rev {
			return fmt.Errorf("pgstore: compact up to revision %d beyond the head %d: %w", upTo, h.Rev, store.ErrInvalid)
		}
		if upTo <= h.Compacted {
			return nil
		}
		if _, err := tx.Exec(ctx, s.q.compact, int64(upTo)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, s.q.setCompacted, int64(upTo))
		return err
	})
	if err != nil {
		return s.fail(ctx, "compact", err)
	}
	return nil
}

// Notify implements store.Backend: hints from LISTEN/NOTIFY.
func (s *Store) Notify(ctx context.Context) <-chan store.Revision { return s.hub.Subscribe(ctx) }

// listen keeps a LISTEN connection, publishing every notification's revision, and the head
// after every (re)connection; it reconnects with exponential backoff (50 ms to 5 s).
func (s *Store) listen(ctx context.Context, cfg *pgx.ConnConfig) {
	defer s.wg.Done()
	backoff := 50 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, cfg, func() { backoff = 50 * time.Millisecond })
		if ctx.Err() != nil {
			return
		}
		_ = err // the next attempt reports nothing either: hints are best effort, readers poll
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (s *Store) listenOnce(ctx context.Context, cfg *pgx.ConnConfig, connected func()) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		return err
	}
	connected()
	// Anything committed while no one listened: hint at the head now.
	if h, err := scanHead(conn.QueryRow(ctx, s.q.head)); err == nil && h.Rev > 0 {
		s.hub.Publish(h.Rev)
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if rev, err := strconv.ParseUint(n.Payload, 10, 64); err == nil {
			s.hub.Publish(store.Revision(rev))
		}
	}
}

// Close implements store.Backend: it stops the listener and closes the pool. Calls after the
// first return nil.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.cancel()
	s.wg.Wait()
	s.hub.Close()
	s.pool.Close()
	return nil
}
