package directory

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

func TestAuthorizeUserAndGroups(t *testing.T) {
	f := newFixture(t)
	alice := f.user(t, uidA, "alice", doc(stmt("Allow", "oss:Get*", "*")))
	devs := groupID(uidA, "devs")
	_, err := f.d.CreateGroup(devs)
	require.NoError(t, err)
	_, err = f.d.CreatePolicy(uidA, PolicySpec{Name: "deny-secret", Document: doc(stmt("Deny", "oss:GetObject", "acs:oss:*:*:b/secret/*"))})
	require.NoError(t, err)
	_, err = f.d.AttachPolicy(devs, custom("deny-secret"))
	require.NoError(t, err)

	obj := "acs:oss:*:" + uidA + ":b/"
	check := func(want evaluator.Decision, action, resource string) {
		t.Helper()
		res, err := f.d.Authorize(alice, req(action, resource))
		require.NoError(t, err)
		assert.Equal(t, want, res.Decision, "%s %s", action, resource)
		assert.Equal(t, f.d.Revision(), res.Revision)
	}
	check(evaluator.Allow, "oss:GetObject", obj+"secret/x")
	check(evaluator.ImplicitDeny, "oss:PutObject", obj+"x")
	_, err = f.d.AddUserToGroup(alice, devs)
	require.NoError(t, err)
	check(evaluator.ExplicitDeny, "oss:GetObject", obj+"secret/x")
	check(evaluator.Allow, "oss:GetObject", obj+"public/x")
	_, err = f.d.RemoveUserFromGroup(alice, devs)
	require.NoError(t, err)
	check(evaluator.Allow, "oss:GetObject", obj+"secret/x")

	// Unknown identities and wrong kinds: an error and ImplicitDeny.
	res, err := f.d.Authorize(userID(uidA, "ghost"), req("oss:GetObject", obj+"x"))
	requireErr(t, err, ErrNotFound)
	assert.Equal(t, evaluator.ImplicitDeny, res.Decision)
	_, err = f.d.Authorize(roleID(uidA, "r"), req("oss:GetObject", obj+"x"))
	requireErr(t, err, ErrInvalid)
	_, err = f.d.Authorize(principal.MustParse("acs:ram::"+uidA+":role/r/s-1"), req("oss:GetObject", obj+"x"))
	requireErr(t, err, ErrInvalid)
	_, err = f.d.Authorize(principal.ID{}, req("oss:GetObject", obj+"x"))
	requireErr(t, err, ErrInvalid)
}

// TestAccountBoundary is issue 11 item 1 (D24): a user of B whose own
// policy allows ecs:* on * is refused on A's resources.
func TestAccountBoundary(t *testing.T) {
	f := newFixture(t)
	dave := f.user(t, uidB, "dave", doc(stmt("Allow", "ecs:*", "*")))
	cases := []struct {
		resource string
		want     evaluator.Decision
	}{
		{"acs:ecs:cn-hangzhou:" + uidA + ":instance/i-1", evaluator.ImplicitDeny},
		{"acs:ecs:cn-hangzhou:" + uidB + ":instance/i-1", evaluator.Allow},
		{"acs:ecs:cn-hangzhou:*:instance/i-1", evaluator.Allow},
		{"acs:ecs:cn-hangzhou::instance/i-1", evaluator.Allow},
		{"*", evaluator.Allow},
	}
	for _, c := range cases {
		res, err := f.d.Authorize(dave, req("ecs:DeleteInstance", c.resource))
		require.NoError(t, err)
		assert.Equal(t, c.want, res.Decision, c.resource)
	}
	x, err := f.d.Explain(dave, req("ecs:DeleteInstance", "acs:ecs:cn-hangzhou:"+uidA+":instance/i-1"))
	require.NoError(t, err)
	assert.Equal(t, LayerAccountBoundary, x.Layer)

	// The account root: everything in its own account, nothing elsewhere.
	rootA := principal.MustParse(rootARN(uidA))
	res, err := f.d.Authorize(rootA, req("ecs:DeleteInstance", "acs:ecs:cn-hangzhou:"+uidA+":instance/i-1"))
	require.NoError(t, err)
	assert.Equal(t, evaluator.Allow, res.Decision)
	res, err = f.d.Authorize(rootA, req("ecs:DeleteInstance", "acs:ecs:cn-hangzhou:"+uidB+":instance/i-1"))
	require.NoError(t, err)
	assert.Equal(t, evaluator.ImplicitDeny, res.Decision)
	x, err = f.d.Explain(rootA, req("ecs:DeleteInstance", "acs:ecs:cn-hangzhou:"+uidA+":instance/i-1"))
	require.NoError(t, err)
	assert.Equal(t, LayerAccountRoot, x.Layer)
}

// TestSharedCompiledSets: identities with the same policies at the same
// versions share one compiled set; a commit elsewhere leaves every set in
// place; changing a policy rebuilds only its holders' sets.
func TestSharedCompiledSets(t *testing.T) {
	f := newFixture(t)
	_, err := f.d.CreatePolicy(uidA, PolicySpec{Name: "p", Document: doc(stmt("Allow", "oss:Get*", "*"))})
	require.NoError(t, err)
	_, err = f.d.CreatePolicy(uidA, PolicySpec{Name: "q", Document: doc(stmt("Allow", "ecs:*", "*"))})
	require.NoError(t, err)
	var users []principal.ID
	for i := range 20 {
		u := f.user(t, uidA, "u"+strconv.Itoa(i))
		_, err = f.d.AttachPolicy(u, custom("p"))
		require.NoError(t, err)
		users = append(users, u)
	}
	other := f.user(t, uidA, "other")
	_, err = f.d.AttachPolicy(other, custom("q"))
	require.NoError(t, err)
	set := func(id principal.ID) *policySet {
		return f.d.cur.Load().account(uidA).user(id.Name()).att.set
	}
	first := set(users[0])
	for _, u := range users {
		assert.Same(t, first, set(u))
	}
	qSet := set(other)
	assert.NotSame(t, first, qSet)

	// Unrelated commits: in another account, and to a policy u0 does not hold.
	_, err = f.d.CreateUser(userID(uidB, "someone"))
	require.NoError(t, err)
	_, _, err = f.d.CreatePolicyVersion(uidA, "q", VersionSpec{Document: doc(stmt("Allow", "ecs:Describe*", "*")), SetAsDefault: true})
	require.NoError(t, err)
	assert.Same(t, first, set(users[0]))
	assert.NotSame(t, qSet, set(other), "q's holder got a new set")

	// A change to p: one new set, shared again by all holders.
	_, _, err = f.d.CreatePolicyVersion(uidA, "p", VersionSpec{Document: doc(stmt("Allow", "oss:*", "*")), SetAsDefault: true})
	require.NoError(t, err)
	second := set(users[0])
	assert.NotSame(t, first, second)
	for _, u := range users {
		assert.Same(t, second, set(u))
	}
	res, err := f.d.Authorize(users[3], req("oss:PutObject", "acs:oss:*:"+uidA+":b"))
	require.NoError(t, err)
	assert.Equal(t, evaluator.Allow, res.Decision)
}

// TestAuthorizeNoAllocs: warm decisions, including after unrelated commits,
// allocate nothing.
func TestAuthorizeNoAllocs(t *testing.T) {
	f := newFixture(t)
	alice := f.user(t, uidA, "alice", doc(stmt("Allow", "oss:Get*", "*"), stmt("Deny", "oss:GetObject", "acs:oss:*:*:b/secret/*")))
	devs := groupID(uidA, "devs")
	_, err := f.d.CreateGroup(devs)
	require.NoError(t, err)
	_, err = f.d.AttachPolicy(devs, sys("AliyunARMSReadOnlyAccess"))
	require.NoError(t, err)
	_, err = f.d.AddUserToGroup(alice, devs)
	require.NoError(t, err)
	r := req("oss:GetObject", "acs:oss:*:"+uidA+":b/k")
	_, err = f.d.Authorize(alice, r) // compile
	require.NoError(t, err)
	n := 0
	allocs := testing.AllocsPerRun(200, func() {
		res, err := f.d.Authorize(alice, r)
		if err != nil || res.Decision != evaluator.Allow {
			t.Fatal("want Allow", res, err)
		}
		n++
	})
	assert.Zero(t, allocs)
	// A commit in another account before every decision: still nothing
	// (the first decision after each commit is measured).
	for i := range 50 {
		_, err := f.d.CreateUser(userID(uidB, "x"+strconv.Itoa(i)))
		require.NoError(t, err)
		var res Result
		n := mallocs(func() { res, err = f.d.Authorize(alice, r) })
		require.NoError(t, err)
		require.Equal(t, evaluator.Allow, res.Decision)
		require.Zero(t, n, "decision after unrelated commit %d allocated", i)
	}
}

// TestDecisionsCarryTheirRevision: a result names the revision whose
// state decided it.
func TestDecisionsCarryTheirRevision(t *testing.T) {
	f := newFixture(t)
	alice := f.user(t, uidA, "alice")
	r := req("oss:GetObject", "acs:oss:*:"+uidA+":b/k")
	res, err := f.d.Authorize(alice, r)
	require.NoError(t, err)
	assert.Equal(t, evaluator.ImplicitDeny, res.Decision)
	_, err = f.d.CreatePolicy(uidA, PolicySpec{Name: "p", Document: doc(stmt("Allow", "oss:*", "*"))})
	require.NoError(t, err)
	rev, err := f.d.AttachPolicy(alice, custom("p"))
	require.NoError(t, err)
	res2, err := f.d.Authorize(alice, r)
	require.NoError(t, err)
	assert.Equal(t, Result{evaluator.Allow, rev}, res2)
	assert.Less(t, res.Revision, rev)
	assert.Equal(t, "Allow@"+strconv.FormatUint(uint64(rev), 10), res2.String())
}
