package directory

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/memstore"
)

// TestWaitReplicatedRevocation: after a revoking commit, WaitReplicated
// returns a receipt naming every live replica as applied, and then no
// replica allows what was revoked, without any Sync of its own. A replica
// cut off from the store's feed is named as pending, and by the time the
// receipt comes back it denies (fail closed).
func TestWaitReplicatedRevocation(t *testing.T) {
	ms := memstore.New()
	defer ms.Close()
	open := func(b store.Backend, id string) *Directory {
		d, err := Open(context.Background(), b, Options{KeyEncryptionKey: testKEK, ReplicaID: id,
			MaxStaleness: 400 * time.Millisecond, HeartbeatInterval: 20 * time.Millisecond, PollInterval: 50 * time.Millisecond})
		require.NoError(t, err)
		t.Cleanup(func() { _ = d.Close() })
		return d
	}
	w := open(ms, "writer")
	r1, r2 := open(ms, "r1"), open(ms, "r2")
	f := &fixture{d: w}
	_, err := w.CreateAccount(uidA)
	require.NoError(t, err)
	alice := f.user(t, uidA, "alice", doc(stmt("Allow", "ecs:*", "*")))
	rq := req("ecs:DescribeInstances", "acs:ecs:*:"+uidA+":instance/i-1")
	rec, err := w.WaitReplicated(context.Background(), w.Revision())
	require.NoError(t, err)
	require.Equal(t, []string{"r1", "r2", "writer"}, rec.Applied)
	for _, d := range []*Directory{r1, r2} {
		res, err := d.Authorize(alice, rq)
		require.NoError(t, err)
		require.Equal(t, evaluator.Allow, res.Decision)
	}

	// r3 stops seeing the feed (its heartbeats still get through).
	cb := &cutoff{Backend: ms}
	r3 := open(cb, "r3")
	rec, err = w.WaitReplicated(context.Background(), w.Revision())
	require.NoError(t, err)
	require.Contains(t, rec.Applied, "r3")
	cb.down.Store(true)

	rev, err := w.DetachPolicy(alice, custom("alice-p0"))
	require.NoError(t, err)
	// Asked with a short deadline, the receipt names r3 as pending.
	short, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	rec, err = w.WaitReplicated(short, rev)
	cancel()
	require.ErrorIs(t, err, ErrStale)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, []string{"r3"}, rec.Pending)
	require.Equal(t, []string{"r1", "r2", "writer"}, rec.Applied)
	// Waiting longer, r3's last heartbeat ages past MaxStaleness: it is
	// named as gone, and it is denying.
	start := time.Now()
	rec, err = w.WaitReplicated(context.Background(), rev)
	require.NoError(t, err)
	require.Empty(t, rec.Pending)
	require.Equal(t, []string{"r3"}, rec.Gone)
	t.Logf("receipt after %v: applied %v, gone %v", time.Since(start), rec.Applied, rec.Gone)
	require.Eventually(t, func() bool {
		_, err := r3.Authorize(alice, rq)
		return errors.Is(err, ErrStale)
	}, 200*time.Millisecond, time.Millisecond, "the lagging replica denies within a staleness tick of being named gone")
	for _, d := range []*Directory{r1, r2, w} {
		res, err := d.Authorize(alice, rq)
		require.NoError(t, err)
		require.Equal(t, evaluator.ImplicitDeny, res.Decision, "revoked on every replica that applied it")
		require.GreaterOrEqual(t, res.Revision, rev)
	}
	res, err := r3.Authorize(alice, rq)
	require.ErrorIs(t, err, ErrStale)
	require.Equal(t, evaluator.ImplicitDeny, res.Decision)

	// A cleanly closed replica removes its heartbeat.
	require.NoError(t, r2.Close())
	rec, err = w.WaitReplicated(context.Background(), rev)
	require.NoError(t, err)
	require.Equal(t, []string{"r1", "writer"}, rec.Applied)
}
