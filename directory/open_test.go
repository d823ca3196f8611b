package directory

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/filestore"
	"github.com/ramauthz/ramauthz/store/memstore"
)

func openOn(t testing.TB, b store.Backend, clock func() time.Time) *Directory {
	t.Helper()
	d, err := Open(context.Background(), b, Options{Clock: clock, KeyEncryptionKey: testKEK, PollInterval: 20 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// TestOpenReopenMatchesModel runs the random model of model_test.go on a
// directory kept in a file store, and every 40 steps stops it (closing
// the store) and reopens it, as a restarted service would: the reopened
// directory decides exactly as the model says (users, keys and their
// status, attachments, memberships, policy versions, sessions and their
// revocation), at the store's revision.
func TestOpenReopenMatchesModel(t *testing.T) {
	for seed := uint64(1); seed <= 2; seed++ {
		t.Run("seed"+strconv.FormatUint(seed, 10), func(t *testing.T) {
			clk := newClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
			clock := clk.Now
			path := t.TempDir()
			fs, err := filestore.Open(path, filestore.Options{})
			require.NoError(t, err)
			dir, m := seedModel(t, openOn(t, fs, clock), clock)
			rng := rand.New(rand.NewPCG(seed, 7))
			for i := 0; i < 240; i++ {
				desc := step(t, rng, dir, m, advanceSynced(t, clk, &dir))
				m.check(t, dir, strconv.Itoa(i)+": "+desc)
				if i%40 == 39 {
					rev := dir.Revision()
					before, err := dir.Export()
					require.NoError(t, err)
					require.NoError(t, dir.Close())
					require.NoError(t, fs.Close())
					fs, err = filestore.Open(path, filestore.Options{})
					require.NoError(t, err)
					dir = openOn(t, fs, clock)
					require.Equal(t, rev, dir.Revision(), "the reopened directory is at the store's revision")
					m.check(t, dir, strconv.Itoa(i)+": after reopen")
					after, err := dir.Export()
					require.NoError(t, err)
					require.JSONEq(t, string(before), string(after), "the reopened state exports as before")
				}
			}
			require.NoError(t, dir.Close())
			require.NoError(t, fs.Close())
		})
	}
}

// TestReplicaFollowsWriter: a second directory on the same backend
// catches up from the feed (Sync) and then decides as the model says, at
// the writer's revision.
func TestReplicaFollowsWriter(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ms := memstore.New()
	defer ms.Close()
	writer, m := seedModel(t, openOn(t, ms, clock), clock)
	replica := openOn(t, ms, clock)
	rng := rand.New(rand.NewPCG(3, 7))
	for i := 0; i < 200; i++ {
		desc := step(t, rng, writer, m, func(d time.Duration) {
			mu.Lock()
			now = now.Add(d)
			mu.Unlock()
			_, err := writer.Sync(context.Background()) // as in advanceSynced
			require.NoError(t, err)
		})
		rev, err := replica.Sync(context.Background())
		require.NoError(t, err)
		require.Equal(t, writer.Revision(), rev)
		m.check(t, replica, strconv.Itoa(i)+": replica after "+desc)
	}
	// Without Sync the background follower converges too.
	_, err := writer.CreateUser(userID(acct, "late"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return replica.Revision() == writer.Revision() }, 5*time.Second, 5*time.Millisecond)
	_, err = replica.GetUser(userID(acct, "late"))
	require.NoError(t, err)
}

// flaky is a backend whose commits fail while fail is set.
type flaky struct {
	store.Backend
	fail      atomic.Bool
	calls     atomic.Int64
	conflicts atomic.Int64      // commits the backend refused with ErrConflict
	gate      func(store.Batch) // when set, called before each commit
}

func (f *flaky) Commit(ctx context.Context, b store.Batch) (store.Revision, error) {
	f.calls.Add(1)
	if f.gate != nil {
		f.gate(b)
	}
	if f.fail.Load() {
		return 0, fmt.Errorf("injected write failure: %w", store.ErrUnavailable)
	}
	r, err := f.Backend.Commit(ctx, b)
	if errors.Is(err, store.ErrConflict) {
		f.conflicts.Add(1)
	}
	return r, err
}

// TestOpenFailingCommitChangesNothing: a commit the store refuses returns
// ErrUnavailable (wrapping the store's error), publishes nothing, and the
// previous revision keeps serving the same decisions; once the store
// works again the next commit succeeds.
func TestOpenFailingCommitChangesNothing(t *testing.T) {
	ms := memstore.New()
	defer ms.Close()
	fb := &flaky{Backend: ms}
	d := openOn(t, fb, nil)
	_, err := d.CreateAccount(uidA)
	require.NoError(t, err)
	alice := userID(uidA, "alice")
	_, err = d.CreateUser(alice)
	require.NoError(t, err)
	_, err = d.CreatePolicy(uidA, PolicySpec{Name: "ecs-read", Document: doc(stmt("Allow", "ecs:Describe*", "*"))})
	require.NoError(t, err)
	_, err = d.AttachPolicy(alice, custom("ecs-read"))
	require.NoError(t, err)
	req := evaluator.Request{Action: "ecs:DescribeInstances", Resource: "acs:ecs:cn-hangzhou:" + uidA + ":instance/i-1"}
	res, err := d.Authorize(alice, req)
	require.NoError(t, err)
	require.Equal(t, evaluator.Allow, res.Decision)
	rev := d.Revision()
	head, err := ms.Head(context.Background())
	require.NoError(t, err)

	fb.fail.Store(true)
	calls := fb.calls.Load()
	_, err = d.DetachPolicy(alice, custom("ecs-read"))
	require.ErrorIs(t, err, ErrUnavailable)
	require.ErrorIs(t, err, store.ErrUnavailable)
	require.Greater(t, fb.calls.Load(), calls, "the commit reached the backend")
	_, err = d.CreateUser(userID(uidA, "bob"))
	require.ErrorIs(t, err, ErrUnavailable)
	require.Equal(t, rev, d.Revision())
	res, err = d.Authorize(alice, req)
	require.NoError(t, err)
	require.Equal(t, evaluator.Allow, res.Decision, "the previous revision keeps serving")
	require.Equal(t, rev, res.Revision)
	_, err = d.GetUser(userID(uidA, "bob"))
	require.ErrorIs(t, err, ErrNotFound)
	h2, err := ms.Head(context.Background())
	require.NoError(t, err)
	require.Equal(t, head, h2, "nothing reached the store")

	fb.fail.Store(false)
	r2, err := d.DetachPolicy(alice, custom("ecs-read"))
	require.NoError(t, err)
	require.Equal(t, rev+1, r2)
	res, err = d.Authorize(alice, req)
	require.NoError(t, err)
	require.Equal(t, evaluator.ImplicitDeny, res.Decision)
}

// TestConcurrentWritersOneAccount: two directories on one store write the
// same account at once (users created and attached to one group, the
// group's member list being the contended entity). Every mutation that
// returned success is in the final state on both, and every one that
// failed (ErrConflict after its retries) is not: no update is lost.
func TestConcurrentWritersOneAccount(t *testing.T) {
	ms := memstore.New()
	defer ms.Close()
	// The first CreateUser of each writer waits inside Commit for the
	// other's: both batches are computed from the same account revision,
	// so one of them loses the race whatever the timing (replicas that
	// apply a change in microseconds could otherwise catch up between the
	// other's commits and never race).
	var both sync.WaitGroup
	both.Add(2)
	var first [2]sync.Once
	fb := &flaky{Backend: ms, gate: func(b store.Batch) {
		for _, op := range b.Ops {
			for w := range 2 {
				if op.Key.Kind == kindUser && op.Key.Name == fmt.Sprintf("w%d-u0", w) {
					first[w].Do(func() { both.Done(); both.Wait() })
				}
			}
		}
	}}
	d1 := openOn(t, fb, nil)
	d2 := openOn(t, fb, nil)
	_, err := d1.CreateAccount(uidA)
	require.NoError(t, err)
	_, err = d1.CreateGroup(groupID(uidA, "all"))
	require.NoError(t, err)
	_, err = d2.Sync(context.Background())
	require.NoError(t, err)
	const n = 40
	var wg sync.WaitGroup
	ok := make([][]bool, 2)
	for w, d := range []*Directory{d1, d2} {
		ok[w] = make([]bool, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				u := userID(uidA, fmt.Sprintf("w%d-u%d", w, i))
				if _, err := d.CreateUser(u); err != nil {
					require.ErrorIs(t, err, ErrConflict)
					continue
				}
				_, err := d.AddUserToGroup(u, groupID(uidA, "all"))
				if err != nil {
					require.ErrorIs(t, err, ErrConflict)
					continue
				}
				ok[w][i] = true
			}
		}()
	}
	wg.Wait()
	for _, d := range []*Directory{d1, d2} {
		_, err := d.Sync(context.Background())
		require.NoError(t, err)
	}
	require.Equal(t, d1.Revision(), d2.Revision())
	g, err := d1.GetGroup(groupID(uidA, "all"))
	require.NoError(t, err)
	members := map[string]bool{}
	for _, m := range g.Members {
		members[m] = true
	}
	succeeded := 0
	for w := range 2 {
		for i := range n {
			name := fmt.Sprintf("w%d-u%d", w, i)
			require.Equal(t, ok[w][i], members[name], "%s: success %v, member %v", name, ok[w][i], members[name])
			if ok[w][i] {
				succeeded++
			}
		}
	}
	require.Greater(t, succeeded, n, "most writes succeed after retries")
	require.Positive(t, fb.conflicts.Load(), "the writers did race for the account: %d succeeded, %d calls, rev %d", succeeded, fb.calls.Load(), d1.Revision())
	t.Logf("%d of %d writes succeeded; %d commits lost a race and were retried", succeeded, 2*n, fb.conflicts.Load())
	e1, err := d1.Export()
	require.NoError(t, err)
	e2, err := d2.Export()
	require.NoError(t, err)
	require.JSONEq(t, string(e1), string(e2))
}

// TestOpenWrongKey: a store written under one key-encryption key does not
// open under another (ErrSealed), and Open refuses to run without one.
func TestOpenWrongKey(t *testing.T) {
	ms := memstore.New()
	defer ms.Close()
	d := openOn(t, ms, nil)
	_, err := d.CreateAccount(uidA)
	require.NoError(t, err)
	other := []byte("ffffffffffffffffffffffffffffffff")
	_, err = Open(context.Background(), ms, Options{KeyEncryptionKey: other})
	require.ErrorIs(t, err, ErrUnavailable)
	require.ErrorIs(t, err, ErrSealed)
	_, err = Open(context.Background(), ms, Options{})
	require.ErrorIs(t, err, ErrInvalid)
}

// TestOpenWritesOnlyWhatChanged: a commit's batch holds the entities it
// changed, under the account's key, and nothing else.
func TestOpenWritesOnlyWhatChanged(t *testing.T) {
	ms := memstore.New()
	defer ms.Close()
	d := openOn(t, ms, nil)
	_, err := d.CreateAccount(uidA)
	require.NoError(t, err)
	for i := range 20 {
		_, err := d.CreateUser(userID(uidA, "u"+strconv.Itoa(i)))
		require.NoError(t, err)
	}
	_, err = d.CreatePolicy(uidA, PolicySpec{Name: "P", Document: doc(stmt("Allow", "ecs:*", "*"))})
	require.NoError(t, err)
	rev, err := d.AttachPolicy(userID(uidA, "u3"), custom("P"))
	require.NoError(t, err)
	cs, err := ms.Changes(context.Background(), rev-1, 10)
	require.NoError(t, err)
	require.Len(t, cs, 1)
	require.Equal(t, uidA, cs[0].Batch.Account)
	require.Equal(t, rev-1-0, cs[0].Batch.Expected, "guarded by the account's previous revision")
	require.Len(t, cs[0].Batch.Ops, 1, "only the user is written: the policy's stored form did not change")
	require.Equal(t, store.Key{Account: uidA, Kind: kindUser, Name: "u3"}, cs[0].Batch.Ops[0].Key)
	require.Equal(t, "AttachPolicy", cs[0].Batch.Reason)
}

// TestImportNeverUndoesRevocation is the repro: an account export
// taken before a key was deleted and the role's sessions were revoked,
// imported back, must neither revive the key nor undo the cut-off (both
// were Allow before the fix). Without Force the outdated export is
// refused. Checked on a directory from New and on one kept in a store.
func TestImportNeverUndoesRevocation(t *testing.T) {
	for _, kind := range []string{"memory", "store"} {
		t.Run(kind, func(t *testing.T) {
			clk := newClock(t0)
			var d *Directory
			if kind == "memory" {
				d = MustNew(Options{Clock: clk.Now})
			} else {
				ms := memstore.New()
				defer ms.Close()
				d = openOn(t, ms, clk.Now)
			}
			f := &fixture{d: d, clk: clk}
			_, err := d.CreateAccount(uidA)
			require.NoError(t, err)
			alice := f.user(t, uidA, "alice", doc(stmt("Allow", "*", "*")))
			nk, _, err := d.CreateAccessKey(alice)
			require.NoError(t, err)
			ops := roleID(uidA, "ops")
			_, err = d.CreateRole(ops, RoleSpec{TrustPolicy: doc(trustRAM("Allow", rootARN(uidA)))})
			require.NoError(t, err)
			_, err = d.AttachPolicy(ops, custom("alice-p0"))
			require.NoError(t, err)
			out, err := d.AssumeRole(AssumeRoleInput{Caller: alice, Role: ops, SessionName: "s1"})
			require.NoError(t, err)
			req := evaluator.Request{Action: "ecs:DescribeInstances", Resource: "acs:ecs:cn-hangzhou:" + uidA + ":instance/i-1"}
			res, err := d.AuthorizeSession(out.Credentials.AccessKeyID, out.Credentials.SecurityToken.Reveal(), req)
			require.NoError(t, err)
			require.Equal(t, evaluator.Allow, res.Decision)
			res, err = d.AuthorizeAccessKey(nk.ID, req)
			require.NoError(t, err)
			require.Equal(t, evaluator.Allow, res.Decision)

			old, err := d.ExportAccount(uidA)
			require.NoError(t, err)
			clk.Add(time.Minute)
			_, err = d.DeleteAccessKey(nk.ID)
			require.NoError(t, err)
			_, err = d.RevokeAllSessions(ops)
			require.NoError(t, err)

			_, err = d.Import(old)
			require.ErrorIs(t, err, ErrOutdated)
			_, err = d.ImportWith(old, ImportOptions{Force: true})
			require.NoError(t, err)
			_, err = d.AuthorizeAccessKey(nk.ID, req)
			require.ErrorIs(t, err, ErrKeyNotFound, "the deleted key stays deleted")
			u, err := d.GetUser(alice)
			require.NoError(t, err)
			require.Empty(t, u.AccessKeys)
			_, err = d.AuthorizeSession(out.Credentials.AccessKeyID, out.Credentials.SecurityToken.Reveal(), req)
			require.ErrorIs(t, err, ErrTokenRevoked, "the cut-off survives")

			// A role deleted since the export comes back refusing every
			// session issued before its deletion.
			old, err = d.ExportAccount(uidA)
			require.NoError(t, err)
			clk.Add(time.Minute)
			out, err = d.AssumeRole(AssumeRoleInput{Caller: alice, Role: ops, SessionName: "s2"})
			require.NoError(t, err)
			clk.Add(time.Minute)
			_, err = d.DeleteRole(ops, DeleteCascade)
			require.NoError(t, err)
			_, err = d.ImportWith(old, ImportOptions{Force: true})
			require.NoError(t, err)
			_, err = d.AuthorizeSession(out.Credentials.AccessKeyID, out.Credentials.SecurityToken.Reveal(), req)
			require.ErrorIs(t, err, ErrTokenRevoked)
			_, err = d.GetRole(ops)
			require.NoError(t, err)
		})
	}
}

// TestImportCurrentExportIsAccepted: an export as new as the account
// imports without Force.
func TestImportCurrentExportIsAccepted(t *testing.T) {
	f := newFixture(t)
	f.user(t, uidA, "alice")
	e, err := f.d.ExportAccount(uidA)
	require.NoError(t, err)
	_, err = f.d.CreateUser(userID(uidB, "bob")) // another account moves on
	require.NoError(t, err)
	_, err = f.d.Import(e)
	require.NoError(t, err)
	require.False(t, errors.Is(err, ErrOutdated))
}
