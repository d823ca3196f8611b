package directory

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/internal/pmap"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/memstore"
)

// digest writes everything a state decides with, in a fixed order: every
// entity's fields, the holder index of every policy, the key of every
// identity's compiled set (which names the exact documents it holds), the
// AccessKey index, token keys, tombstones and account revisions. Two states
// with equal digests decide alike. nextUID is left out: a replica that saw
// a deleted version has a larger one than a fresh load, harmlessly.
func digest(s *state) string {
	var b strings.Builder
	set := func(ps *policySet) string {
		if ps == nil {
			return "-"
		}
		return strings.ReplaceAll(ps.key, "\x00", "|")
	}
	att := func(h *holder) string {
		return fmt.Sprintf("sys=%v custom=%v set=%s", h.system, h.custom, set(h.set))
	}
	fmt.Fprintf(&b, "rev=%d epoch=%v\n", s.rev, s.epoch)
	for uid, a := range s.accounts.Sorted {
		fmt.Fprintf(&b, "account %s created=%s\n", uid, a.created)
		for n, p := range a.policies.Sorted {
			fmt.Fprintf(&b, " policy %s desc=%q created=%s default=%s next=%d holders=%v\n", n, p.description, p.created, p.defaultV, p.nextV, slices.Sorted(keysOf(p.holders)))
			for _, v := range p.versions {
				fmt.Fprintf(&b, "  version %s uid=%d created=%s doc=%q parsed=%v\n", v.id, v.uid, v.created, v.text, v.doc != nil)
			}
		}
		for n, u := range a.users.Sorted {
			fmt.Fprintf(&b, " user %s id=%s arn=%s created=%s groups=%v keys=%v %s\n", n, u.id, u.arn, u.created, u.groups, u.keys, att(&u.att))
		}
		for n, g := range a.groups.Sorted {
			fmt.Fprintf(&b, " group %s id=%s created=%s members=%v %s\n", n, g.id, g.created, g.members, att(&g.att))
		}
		for n, r := range a.roles.Sorted {
			fmt.Fprintf(&b, " role %s id=%s arn=%s roleId=%s desc=%q created=%s trust=%q compiled=%v max=%d linked=%v revoked=%s %s\n",
				n, r.id, r.arn, r.roleID, r.description, r.created, r.trustText, r.trust != nil, r.maxSession, r.serviceLinked, r.revokedBefore, att(&r.att))
		}
	}
	for id, ko := range s.keys.Sorted {
		k := ko.key
		fmt.Fprintf(&b, "key %s account=%s id=%s user=%s status=%v created=%s sealed=%x\n", id, ko.account, k.id, k.user, k.status, k.created, k.sealed)
	}
	for _, k := range s.tokenKeys {
		fmt.Fprintf(&b, "tokenkey %d created=%s rotated=%s sealed=%x\n", k.id, k.created, k.rotated, k.sealed)
	}
	for k, at := range s.dead.Sorted {
		fmt.Fprintf(&b, "dead %s %s\n", k, at)
	}
	for k, r := range s.acctRevs.Sorted {
		fmt.Fprintf(&b, "acctrev %s %d\n", k, r)
	}
	return b.String()
}

func keysOf[V any](m pmap.Map[V]) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m.All {
			if !yield(k) {
				return
			}
		}
	}
}

var (
	cUsers    = []string{"x0", "x1", "x2"}
	cGroups   = []string{"h0", "h1"}
	cRoles    = []string{"s0", "s1"}
	cPolicies = []string{"Q0", "Q1"}
	cDocs     = []string{
		doc(stmt("Allow", "oss:Get*", "*")),
		doc(stmt("Allow", "ecs:*", "*"), stmt("Deny", "ecs:Delete*", "*")),
		doc(stmt("Deny", "oss:GetObject", "acs:oss:*:*:b/secret/*"), stmt("Allow", "oss:*", "*")),
	}
	cRequests = []evaluator.Request{req("oss:GetObject", "acs:oss:*:"+uidC+":b/secret/x"), req("oss:PutObject", "acs:oss:*:"+uidC+":b/x"), req("ecs:DeleteInstance", "*"), req("ecs:StartInstance", "*"), req("arms:GetTrace", "*")}
)

// churn makes one random change to account uidC through dir; changes the
// directory refuses (a name already taken, a policy still attached) are
// part of the mix and change nothing.
func churn(rng *rand.Rand, dir *Directory) string {
	u, g, r, p := userID(uidC, pick(rng, cUsers)), groupID(uidC, pick(rng, cGroups)), roleID(uidC, pick(rng, cRoles)), pick(rng, cPolicies)
	var err error
	var what string
	switch rng.IntN(16) {
	case 0:
		what = "create policy " + p
		_, err = dir.CreatePolicy(uidC, PolicySpec{Name: p, Document: pick(rng, cDocs)})
	case 1:
		what = "delete policy " + p + " (cascade)"
		_, err = dir.DeletePolicy(uidC, p, DeleteCascade)
	case 2:
		what = "new default version of " + p
		_, _, err = dir.CreatePolicyVersion(uidC, p, VersionSpec{Document: pick(rng, cDocs), SetAsDefault: true})
	case 3:
		what = "default v1 of " + p
		_, err = dir.SetDefaultPolicyVersion(uidC, p, "v1")
	case 4, 5:
		target := pick(rng, []PolicyRef{custom(p), custom(p), sys("AliyunARMSReadOnlyAccess")})
		who := pick(rng, []principal.ID{u, g, r})
		what = "attach " + target.Name + " to " + who.String()
		_, err = dir.AttachPolicy(who, target)
	case 6:
		who := pick(rng, []principal.ID{u, g, r})
		what = "detach " + p + " from " + who.String()
		_, err = dir.DetachPolicy(who, custom(p))
	case 7:
		what = "create user " + u.String()
		_, err = dir.CreateUser(u)
	case 8:
		what = "delete user " + u.String() + " (cascade)"
		_, err = dir.DeleteUser(u, DeleteCascade)
	case 9:
		what = "add " + u.String() + " to " + g.String()
		_, err = dir.AddUserToGroup(u, g)
	case 10:
		what = "remove " + u.String() + " from " + g.String()
		_, err = dir.RemoveUserFromGroup(u, g)
	case 11:
		what = "create or delete group " + g.String()
		if _, err = dir.CreateGroup(g); err != nil {
			_, err = dir.DeleteGroup(g, DeleteCascade)
		}
	case 12:
		what = "create or update role " + r.String()
		if _, err = dir.CreateRole(r, RoleSpec{TrustPolicy: trustRoot}); err != nil {
			_, err = dir.UpdateRole(r, RoleUpdate{TrustPolicy: trustRAM(pick(rng, []string{"Allow", "Deny"}), rootARN(uidB)), MaxSessionDuration: 900 + rng.IntN(3000)})
		}
	case 13:
		what = "delete role " + r.String() + " (cascade)"
		_, err = dir.DeleteRole(r, DeleteCascade)
	case 14:
		what = "new access key for " + u.String()
		_, _, err = dir.CreateAccessKey(u)
	default:
		if rng.IntN(10) == 0 {
			what = "delete account " + uidC
			_, err = dir.DeleteAccount(uidC)
		} else {
			what = "create account " + uidC
			_, err = dir.CreateAccount(uidC)
		}
	}
	if err != nil {
		return what + " (refused)"
	}
	return what
}

// TestReplicaPatchMatchesRebuild applies random changes through a writer
// and, at every revision, compares a replica that follows the feed (each
// change patched into its state) with a directory loaded from the store
// from scratch: the two states are equal entity by entity (holder indexes
// and compiled-set keys included), both replicas decide as the model says
// for account uidA, and both decide alike for account uidC, which the
// changes reshape freely (policies deleted with their attachments, default
// versions switched, accounts deleted and recreated, roles updated).
func TestReplicaPatchMatchesRebuild(t *testing.T) {
	// uidC is the account changed freely; the model covers uidA.
	for seed := uint64(1); seed <= 2; seed++ {
		t.Run("seed"+strconv.FormatUint(seed, 10), func(t *testing.T) {
			clk := newClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
			ms := memstore.New()
			defer ms.Close()
			writer, m := seedModel(t, openOn(t, ms, clk.Now), clk.Now)
			_, err := writer.CreateAccount(uidC)
			require.NoError(t, err)
			replica := openOn(t, ms, clk.Now)
			rng := rand.New(rand.NewPCG(seed, 11))
			patched := 0
			for i := 0; i < 400; i++ {
				var desc string
				if rng.IntN(2) == 0 {
					desc = step(t, rng, writer, m, advanceSynced(t, clk, &writer))
				} else {
					desc = churn(rng, writer)
				}
				rev, err := replica.Sync(context.Background())
				require.NoError(t, err)
				require.Equal(t, writer.Revision(), rev)
				fresh := openOn(t, ms, clk.Now)
				where := strconv.Itoa(i) + ": " + desc
				require.Equal(t, digest(fresh.cur.Load()), digest(replica.cur.Load()), where)
				m.check(t, replica, where+" (replica)")
				for _, n := range cUsers {
					for _, r := range cRequests {
						want, werr := fresh.Authorize(userID(uidC, n), r)
						got, gerr := replica.Authorize(userID(uidC, n), r)
						require.Equal(t, werr == nil, gerr == nil, "%s: %s %s", where, n, r.Action)
						require.Equal(t, want.Decision, got.Decision, "%s: %s %s", where, n, r.Action)
					}
				}
				require.NoError(t, fresh.Close())
				if !strings.HasSuffix(desc, "(refused)") && desc != "skip" {
					patched++
				}

			}
			require.Greater(t, patched, 200, "most steps change the state")
		})
	}
}

// TestReplicaUnrelatedChangeKeepsSets: a change applied from the feed
// leaves every identity it does not touch with the same compiled set (the
// same value, still compiled), and gives the touched one a set with its
// new policies.
func TestReplicaUnrelatedChangeKeepsSets(t *testing.T) {
	ms := memstore.New()
	defer ms.Close()
	clk := newClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	w := openOn(t, ms, clk.Now)
	_, err := w.CreateAccount(uidA)
	require.NoError(t, err)
	_, err = w.CreatePolicy(uidA, PolicySpec{Name: "P", Document: benchCustom})
	require.NoError(t, err)
	for _, n := range []string{"a", "b"} {
		_, err = w.CreateUser(userID(uidA, n))
		require.NoError(t, err)
		_, err = w.AttachPolicy(userID(uidA, n), custom("P"))
		require.NoError(t, err)
	}
	r := openOn(t, ms, clk.Now)
	r0 := must(r.Authorize(userID(uidA, "b"), req("oss:GetObject", "acs:oss:*:*:b/x")))
	require.Equal(t, evaluator.Allow, r0.Decision)
	before := r.cur.Load().account(uidA).user("b").att.set
	require.True(t, before.compiled())

	_, err = w.AttachPolicy(userID(uidA, "a"), sys("AliyunARMSFullAccess"))
	require.NoError(t, err)
	_, err = r.Sync(context.Background())
	require.NoError(t, err)
	a := r.cur.Load().account(uidA)
	require.Same(t, before, a.user("b").att.set, "an unrelated change keeps b's compiled set")
	require.True(t, a.user("b").att.set.compiled())
	require.NotSame(t, before, a.user("a").att.set, "a holds another set now")
	got := must(r.Authorize(userID(uidA, "a"), req("arms:CreateAlert", "*")))
	require.Equal(t, evaluator.Allow, got.Decision)
}

// commitRaw writes ops to account uidA of ms as another writer would,
// guarded by the account's revision in d.
func commitRaw(t *testing.T, ms store.Backend, d *Directory, ops ...store.Op) {
	t.Helper()
	exp, _ := d.cur.Load().acctRevs.Get(uidA)
	_, err := ms.Commit(context.Background(), store.Batch{Account: uidA, Expected: exp, Ops: ops})
	require.NoError(t, err)
}

// TestReplicaPatchPolicyOnly: a batch that writes only a policy (a new
// default version), without rewriting its holders, still gives every
// holder a set with the new document; the replica then equals a fresh
// load. A batch that breaks a rule between entities (a user listing a
// group that does not list it) is refused with ErrInvalid and leaves the
// replica at its previous revision.
func TestReplicaPatchPolicyOnly(t *testing.T) {
	ms := memstore.New()
	defer ms.Close()
	clk := newClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	w := openOn(t, ms, clk.Now)
	must(w.CreateAccount(uidA))
	must(w.CreatePolicy(uidA, PolicySpec{Name: "P", Document: doc(stmt("Allow", "oss:Get*", "*"))}))
	must(w.CreateGroup(groupID(uidA, "g")))
	for _, n := range []string{"a", "b"} {
		must(w.CreateUser(userID(uidA, n)))
		must(w.AttachPolicy(userID(uidA, n), custom("P")))
	}
	must(w.AttachPolicy(groupID(uidA, "g"), custom("P")))
	must(w.AddUserToGroup(userID(uidA, "b"), groupID(uidA, "g")))
	r := openOn(t, ms, clk.Now)
	get, put := req("oss:GetObject", "*"), req("oss:PutObject", "*")
	require.Equal(t, evaluator.Allow, must(r.Authorize(userID(uidA, "a"), get)).Decision)
	require.Equal(t, evaluator.ImplicitDeny, must(r.Authorize(userID(uidA, "a"), put)).Decision)

	ep := exportPolicyOf(r.cur.Load().account(uidA).policy("P"))
	ep.Versions = append(ep.Versions, exportVersion{ID: "v2", UID: 1 << 30, Document: doc(stmt("Allow", "oss:Put*", "*")), Created: clk.Now()})
	ep.DefaultVersion, ep.NextVersion = "v2", 3
	commitRaw(t, ms, r, store.Op{Key: store.Key{Account: uidA, Kind: kindPolicy, Name: "P"}, Value: must(json.Marshal(ep))})
	_, err := r.Sync(context.Background())
	require.NoError(t, err)
	for _, n := range []string{"a", "b"} {
		require.Equal(t, evaluator.Allow, must(r.Authorize(userID(uidA, n), put)).Decision, n)
		require.Equal(t, evaluator.ImplicitDeny, must(r.Authorize(userID(uidA, n), get)).Decision, n)
	}
	fresh := openOn(t, ms, clk.Now)
	require.Equal(t, digest(fresh.cur.Load()), digest(r.cur.Load()))

	// b lists a group that does not list it: refused, nothing applied.
	rev := r.Revision()
	eu := exportUserOf(r.cur.Load(), r.cur.Load().account(uidA).user("a"))
	eu.Groups = []string{"g"}
	commitRaw(t, ms, r, store.Op{Key: store.Key{Account: uidA, Kind: kindUser, Name: "a"}, Value: must(json.Marshal(eu))})
	_, err = r.Sync(context.Background())
	requireErr(t, err, ErrUnavailable)
	require.ErrorIs(t, err, ErrInvalid)
	require.Equal(t, rev, r.Revision(), "the replica keeps its previous state")
	require.Equal(t, evaluator.Allow, must(r.Authorize(userID(uidA, "a"), put)).Decision)
}
