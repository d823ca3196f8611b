package directory

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/memstore"
)

// refEntities is the slow reference for what a commit must write: every
// stored entity (account meta, user, group, role, policy) of every
// account, in its stored form, compared between the states before and
// after by value. It reads every entity of every account.
func refEntities(s *state) map[store.Key]string {
	out := map[store.Key]string{}
	put := func(k store.Key, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		out[k] = string(b)
	}
	for uid, a := range s.accounts.All {
		put(store.Key{Account: uid, Kind: kindMeta, Name: metaName}, storedMeta{Created: a.created})
		for n, u := range a.users.All {
			put(store.Key{Account: uid, Kind: kindUser, Name: n}, exportUserOf(s, u))
		}
		for n, g := range a.groups.All {
			put(store.Key{Account: uid, Kind: kindGroup, Name: n}, exportGroupOf(g))
		}
		for n, r := range a.roles.All {
			put(store.Key{Account: uid, Kind: kindRole, Name: n}, exportRoleOf(r))
		}
		for n, p := range a.policies.All {
			put(store.Key{Account: uid, Kind: kindPolicy, Name: n}, exportPolicyOf(p))
		}
	}
	return out
}

// TestCommitWritesWhatChanged runs the random model on a directory kept in
// a memstore and checks every commit's entity ops against the reference:
// each entity whose stored form changed is written with its new value (or
// deleted), and each entity written holds its new stored form. It covers
// the writer's diff (pmap.Diff over the account's maps and the AccessKeys),
// which skips everything the commit did not touch.
func TestCommitWritesWhatChanged(t *testing.T) {
	ms := memstore.New()
	defer ms.Close()
	clk := newClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	dir, m := seedModel(t, openOn(t, ms, clk.Now), clk.Now)
	rng := rand.New(rand.NewPCG(11, 3))
	checked := 0
	for i := range 400 {
		base := dir.cur.Load()
		desc := step(t, rng, dir, m, advanceSynced(t, clk, &dir))
		next := dir.cur.Load()
		before, after := refEntities(base), refEntities(next)
		where := strconv.Itoa(i) + ": " + desc
		m.check(t, dir, where) // a mutation whose diff came out empty was lost
		if next.rev == base.rev {
			require.Equal(t, before, after, where+": the state changed without a commit")
			continue
		}
		cs, err := ms.Changes(context.Background(), base.rev, 100)
		require.NoError(t, err)
		written := map[store.Key]string{}
		for _, c := range cs {
			if c.Rev > next.rev {
				break
			}
			for _, op := range c.Batch.Ops {
				switch op.Key.Kind {
				case kindMeta, kindUser, kindGroup, kindRole, kindPolicy:
					written[op.Key] = string(op.Value)
				}
			}
		}
		for k, v := range after {
			if before[k] != v {
				require.Contains(t, written, k, where+": changed entity not written")
			}
		}
		for k := range before {
			if _, ok := after[k]; !ok {
				require.Contains(t, written, k, where+": removed entity not deleted")
			}
		}
		for k, v := range written {
			if want, ok := after[k]; ok {
				require.JSONEq(t, want, v, where+": %v written with another value", k)
			} else {
				require.Empty(t, v, where+": %v written but absent after the commit", k)
			}
		}
		checked++
	}
	require.Greater(t, checked, 150)
}

// BenchmarkCommitLargeAccount times one mutation on a directory kept in a
// memstore whose account has 5,000 users with a policy and an AccessKey
// each: a membership (one user and one group written), a status change of
// one AccessKey (one user written), and an attachment (one user). The
// writer's diff follows the change, so the cost does not grow with the
// account.
func BenchmarkCommitLargeAccount(b *testing.B) {
	ms := memstore.New()
	defer ms.Close()
	d, err := Open(context.Background(), ms, Options{KeyEncryptionKey: testKEK, PollInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	mem := MustNew(Options{KeyEncryptionKey: testKEK})
	must(mem.CreateAccount(uidA))
	must(mem.CreatePolicy(uidA, PolicySpec{Name: "P", Document: benchCustom}))
	must(mem.CreatePolicy(uidA, PolicySpec{Name: "Q", Document: benchCustom}))
	must(mem.CreateGroup(groupID(uidA, "g")))
	var keyID string
	for u := range 5000 {
		id := userID(uidA, "u"+strconv.Itoa(u))
		must(mem.CreateUser(id))
		must(mem.AttachPolicy(id, custom("P")))
		k, _, err := mem.CreateAccessKey(id)
		if err != nil {
			b.Fatal(err)
		}
		if u == 1 {
			keyID = k.ID
		}
	}
	must(d.ImportWith(must(mem.Export()), ImportOptions{PerAccount: true}))
	alice := userID(uidA, "u1")
	for _, c := range []struct {
		name string
		do   func(i int) (Revision, error)
	}{
		{"membership", func(i int) (Revision, error) {
			if i%2 == 0 {
				return d.AddUserToGroup(alice, groupID(uidA, "g"))
			}
			return d.RemoveUserFromGroup(alice, groupID(uidA, "g"))
		}},
		{"key-status", func(i int) (Revision, error) {
			return d.UpdateAccessKey(keyID, KeyInactive-KeyStatus(i%2))
		}},
		{"attach", func(i int) (Revision, error) {
			if i%2 == 0 {
				return d.AttachPolicy(alice, custom("Q"))
			}
			return d.DetachPolicy(alice, custom("Q"))
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := c.do(i); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
