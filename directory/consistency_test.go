package directory

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/memstore"
)

// cutoff is a backend whose reads can be cut (the store unreachable) and
// whose notifications never fire (so a directory catches up only by
// polling or on demand).
type cutoff struct {
	store.Backend
	down atomic.Bool
}

func (c *cutoff) Head(ctx context.Context) (store.Head, error) {
	if c.down.Load() {
		return store.Head{}, fmt.Errorf("injected: connection refused: %w", store.ErrUnavailable)
	}
	return c.Backend.Head(ctx)
}

func (c *cutoff) Notify(ctx context.Context) <-chan store.Revision {
	ch := make(chan store.Revision)
	go func() { <-ctx.Done(); close(ch) }()
	return ch
}

func staleFixture(t *testing.T, opts Options) (*Directory, *cutoff, *clock, evaluator.Request) {
	clk := newClock(t0)
	ms := memstore.New()
	t.Cleanup(func() { _ = ms.Close() })
	cb := &cutoff{Backend: ms}
	opts.Clock, opts.KeyEncryptionKey, opts.PollInterval = clk.Now, testKEK, time.Hour
	d, err := Open(context.Background(), cb, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	f := &fixture{d: d, clk: clk}
	_, err = d.CreateAccount(uidA)
	require.NoError(t, err)
	f.user(t, uidA, "alice", doc(stmt("Allow", "ecs:*", "*")))
	return d, cb, clk, req("ecs:DescribeInstances", "acs:ecs:*:"+uidA+":instance/i-1")
}

// TestStaleDirectoryDenies: a directory that cannot confirm the store's
// head for longer than MaxStaleness denies every decision with ErrStale
// (ImplicitDeny), and decides again once it has caught up.
func TestStaleDirectoryDenies(t *testing.T) {
	d, cb, clk, r := staleFixture(t, Options{MaxStaleness: time.Minute})
	alice := userID(uidA, "alice")
	res, err := d.Authorize(alice, r)
	require.NoError(t, err)
	require.Equal(t, evaluator.Allow, res.Decision)

	cb.down.Store(true)
	_, err = d.Sync(context.Background())
	require.ErrorIs(t, err, ErrUnavailable)
	clk.Add(59 * time.Second)
	d.checkStale()
	res, err = d.Authorize(alice, r)
	require.NoError(t, err, "within MaxStaleness the last state still serves")
	require.Equal(t, evaluator.Allow, res.Decision)

	clk.Add(2 * time.Second)
	d.checkStale()
	res, err = d.Authorize(alice, r)
	require.ErrorIs(t, err, ErrStale)
	require.Equal(t, evaluator.ImplicitDeny, res.Decision)
	require.Contains(t, err.Error(), "connection refused", "the reason names the store's failure")
	_, err = d.Explain(alice, r)
	require.ErrorIs(t, err, ErrStale)
	require.Equal(t, evaluator.ImplicitDeny, res.Decision)

	cb.down.Store(false)
	_, err = d.Sync(context.Background())
	require.NoError(t, err)
	res, err = d.Authorize(alice, r)
	require.NoError(t, err)
	require.Equal(t, evaluator.Allow, res.Decision)
}

// TestAllowStaleServes: with AllowStale the same outage keeps serving.
func TestAllowStaleServes(t *testing.T) {
	d, cb, clk, r := staleFixture(t, Options{MaxStaleness: time.Minute, AllowStale: true})
	cb.down.Store(true)
	clk.Add(time.Hour)
	d.checkStale()
	res, err := d.Authorize(userID(uidA, "alice"), r)
	require.NoError(t, err)
	require.Equal(t, evaluator.Allow, res.Decision)
}

// TestStaleWatchdog: the background check marks the directory stale on
// its own (no test hook), within MaxStaleness and a tick.
func TestStaleWatchdog(t *testing.T) {
	d, cb, clk, r := staleFixture(t, Options{MaxStaleness: 100 * time.Millisecond})
	cb.down.Store(true)
	clk.Add(time.Second)
	require.Eventually(t, func() bool {
		_, err := d.Authorize(userID(uidA, "alice"), r)
		return err != nil
	}, 5*time.Second, 5*time.Millisecond)
	_, err := d.Authorize(userID(uidA, "alice"), r)
	require.ErrorIs(t, err, ErrStale)
}

// TestAuthorizeAtLeast: a replica that has not seen the writer's change
// (no notification, no poll yet) pulls it when asked for the writer's
// token and decides on it; a token it cannot reach, or of another
// history, is refused with ErrStale.
func TestAuthorizeAtLeast(t *testing.T) {
	clk := newClock(t0)
	ms := memstore.New()
	defer ms.Close()
	quiet := &cutoff{Backend: ms}
	opts := Options{Clock: clk.Now, KeyEncryptionKey: testKEK, PollInterval: time.Hour, AtLeastWait: 50 * time.Millisecond}
	writer, err := Open(context.Background(), ms, opts)
	require.NoError(t, err)
	defer writer.Close()
	replica, err := Open(context.Background(), quiet, opts)
	require.NoError(t, err)
	defer replica.Close()

	quiet.down.Store(true) // the replica cannot read the store for now
	f := &fixture{d: writer, clk: clk}
	_, err = writer.CreateAccount(uidA)
	require.NoError(t, err)
	alice := f.user(t, uidA, "alice", doc(stmt("Allow", "ecs:*", "*")))
	tok := writer.Token()
	r := req("ecs:DescribeInstances", "acs:ecs:*:"+uidA+":instance/i-1")

	res, err := replica.Authorize(alice, r)
	require.ErrorIs(t, err, ErrNotFound, "the replica has not seen alice yet")
	require.Less(t, res.Revision, tok.Revision)
	res, err = replica.AuthorizeAtLeast(context.Background(), tok, alice, r)
	require.ErrorIs(t, err, ErrStale, "it cannot reach the token's revision")
	require.Equal(t, evaluator.ImplicitDeny, res.Decision)
	require.Contains(t, err.Error(), "behind the asked")

	quiet.down.Store(false)
	res, err = replica.AuthorizeAtLeast(context.Background(), tok, alice, r)
	require.NoError(t, err)
	require.Equal(t, evaluator.Allow, res.Decision)
	require.GreaterOrEqual(t, res.Revision, tok.Revision)

	ahead := Token{Epoch: tok.Epoch, Revision: tok.Revision + 5}
	res, err = replica.AuthorizeAtLeast(context.Background(), ahead, alice, r)
	require.ErrorIs(t, err, ErrStale)
	require.Equal(t, evaluator.ImplicitDeny, res.Decision)

	other := Token{Epoch: store.NewEpoch(), Revision: 1}
	_, err = replica.AuthorizeAtLeast(context.Background(), other, alice, r)
	require.ErrorIs(t, err, ErrStale)

	parsed, err := ParseToken(tok.String())
	require.NoError(t, err)
	require.Equal(t, tok, parsed)
	_, err = ParseToken("nope:1")
	require.ErrorIs(t, err, ErrInvalid)
}
