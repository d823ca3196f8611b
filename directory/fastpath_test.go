package directory

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

// The decision paths of Authorize and AuthorizeSession have a short path
// for the common case (own-account resource, compiled sets) beside the
// general one. These tests hold the short paths to the general ones, and
// ownedBy's in-place comparison to resourceOwner.

// boundaryResources are resource forms for the account boundary: the
// account field naming A, B, "*" or nothing, a field that only starts
// with A's ID, ARNs cut short, not ARNs at all.
var boundaryResources = []string{
	"acs:ecs:cn-hangzhou:" + uidA + ":instance/i-1",
	"acs:ecs:cn-hangzhou:" + uidB + ":instance/i-1",
	"acs:ecs:cn-hangzhou:" + uidA + ":instance/i-secret",
	"acs:ecs:*:*:instance/i-1",
	"acs:ecs:cn-hangzhou::instance/i-1",
	"acs:ecs::" + uidA + ":instance/i-1",
	"acs:ecs:cn-hangzhou:" + uidA + "0:instance/i-1",
	"acs:ecs:cn-hangzhou:" + uidA[:15] + ":instance/i-1",
	"acs:ecs:cn-hangzhou:" + uidA,
	"acs:ecs:cn-hangzhou:" + uidA + ":",
	"acs:ecs:cn-hangzhou",
	"acs:ecs",
	"acs:",
	"ACS:ecs:cn-hangzhou:" + uidB + ":instance/i-1",
	"arn:ecs:cn-hangzhou:" + uidB + ":instance/i-1",
	"acs:ram::" + uidA + ":role/ops",
	"acs:ram::" + uidB + ":role/ops",
	"*",
	"",
}

func TestOwnedByMatchesResourceOwner(t *testing.T) {
	for _, res := range boundaryResources {
		for _, owner := range []string{"", uidA, uidB, "*"} {
			for _, uid := range []string{uidA, uidB, uidC} {
				r := evaluator.Request{Resource: res, ResourceOwner: owner}
				assert.Equal(t, resourceOwner(&r, uid) == uid, ownedBy(&r, uid), "resource %q, owner %q, principal %s", res, owner, uid)
			}
		}
	}
	// A few by hand, so that the reference itself is pinned.
	for _, tc := range []struct {
		res, owner string
		want       bool
	}{
		{"acs:ecs:cn-hangzhou:" + uidA + ":instance/i-1", "", true},
		{"acs:ecs:cn-hangzhou:" + uidB + ":instance/i-1", "", false},
		{"acs:ecs:cn-hangzhou:" + uidA + "0:instance/i-1", "", false},
		{"acs:ecs:*:*:instance/i-1", "", true},
		{"acs:ecs:cn-hangzhou::x", "", true},
		{"*", "", true},
		{"acs:ecs:cn-hangzhou:" + uidA + ":instance/i-1", uidB, false},
		{"acs:ecs:cn-hangzhou:" + uidB + ":instance/i-1", uidA, true},
	} {
		r := evaluator.Request{Resource: tc.res, ResourceOwner: tc.owner}
		assert.Equal(t, tc.want, ownedBy(&r, uidA), "resource %q, owner %q", tc.res, tc.owner)
	}
}

// FuzzOwnedBy: the in-place comparison against the reference for any
// resource, owner and principal account.
func FuzzOwnedBy(f *testing.F) {
	for _, res := range boundaryResources {
		f.Add(res, "", uidA)
		f.Add(res, uidB, uidA)
	}
	f.Add("acs:a:b:c:d", "", "c")
	f.Add("acs:::", "", "")
	f.Fuzz(func(t *testing.T, res, owner, uid string) {
		r := evaluator.Request{Resource: res, ResourceOwner: owner}
		if got, want := ownedBy(&r, uid), resourceOwner(&r, uid) == uid; got != want {
			t.Fatalf("ownedBy(%q, owner %q, %q) = %v, want %v", res, owner, uid, got, want)
		}
	})
}

// pathFixture: users of A with and without groups and policies, a role of
// A with policies and one without, sessions of both issued to B's dave
// with an allowing, a denying and no session policy.
func pathFixture(t *testing.T) (*fixture, []principal.ID, []SessionCredentials) {
	f := newFixture(t)
	ecs := doc(stmt("Allow", "ecs:*", "*"), stmt("Deny", "ecs:*", "acs:ecs:*:*:instance/i-secret"), stmt("Allow", "sts:AssumeRole", "*"))
	solo := f.user(t, uidA, "solo", ecs)
	member := f.user(t, uidA, "member")
	nobody := f.user(t, uidA, "nobody")
	g := groupID(uidA, "devs")
	_, err := f.d.CreateGroup(g)
	require.NoError(t, err)
	_, err = f.d.AttachPolicy(g, custom("solo-p0"))
	require.NoError(t, err)
	_, err = f.d.AddUserToGroup(member, g)
	require.NoError(t, err)
	dave := f.user(t, uidB, "dave", ecs)
	ops := f.role(t, uidA, "ops", doc(trustRAM("Allow", rootARN(uidB))), 0)
	_, err = f.d.AttachPolicy(ops, custom("solo-p0"))
	require.NoError(t, err)
	bare := f.role(t, uidA, "bare", doc(trustRAM("Allow", rootARN(uidB))), 0)
	var sessions []SessionCredentials
	for _, r := range []principal.ID{ops, bare} {
		for i, pol := range []string{"", doc(stmt("Allow", "ecs:Describe*", "*")), doc(stmt("Deny", "ecs:*", "*"), stmt("Allow", "*", "*"))} {
			out, err := f.d.AssumeRole(AssumeRoleInput{Caller: dave, Role: r, SessionName: "s" + strconv.Itoa(i), Policy: pol})
			require.NoError(t, err)
			sessions = append(sessions, creds(out))
		}
	}
	return f, []principal.ID{solo, member, nobody, dave, rootID(uidA)}, sessions
}

func rootID(uid string) principal.ID { return must(principal.AccountRootID(uid)) }

// pathRequests crosses actions with boundaryResources and owners.
func pathRequests() []evaluator.Request {
	var out []evaluator.Request
	for _, act := range []string{"ecs:DescribeInstances", "ecs:StartInstance", "sts:AssumeRole", "oss:GetObject"} {
		for _, res := range boundaryResources {
			for _, owner := range []string{"", uidA, uidB} {
				out = append(out, evaluator.Request{Action: act, Resource: res, ResourceOwner: owner})
			}
		}
	}
	return out
}

// TestAuthorizeShortPathsMatchGeneral: for every identity, request and
// session, Authorize and AuthorizeSession give what the general paths
// (authorizeState, decideSessionOn) give on the same revision: decision,
// revision and error; before and after a commit in the identities' own
// account (which sends a cached session through the role lookup again).
func TestAuthorizeShortPathsMatchGeneral(t *testing.T) {
	f, ids, sessions := pathFixture(t)
	check := func(stage string) {
		s := f.d.cur.Load()
		for _, r := range pathRequests() {
			for _, id := range ids {
				got, gotErr := f.d.Authorize(id, r)
				rr := r
				want, wantErr := f.d.authorizeState(s, id, &rr)
				require.Equal(t, want, got, "%s: %s %s %s (owner %q)", stage, id, r.Action, r.Resource, r.ResourceOwner)
				require.Equal(t, wantErr, gotErr, "%s: %s %s %s", stage, id, r.Action, r.Resource)
			}
			for i, c := range sessions {
				got, gotErr := f.d.AuthorizeSession(c.AccessKeyID, c.SecurityToken, r)
				e, a, ro, err := f.d.session(s, c.AccessKeyID, c.SecurityToken)
				require.NoError(t, err)
				rr := r
				want, wantErr := f.d.decideSessionOn(s, e, a, ro, &rr)
				require.Equal(t, want, got, "%s: session %d, %s %s (owner %q)", stage, i, r.Action, r.Resource, r.ResourceOwner)
				require.Equal(t, wantErr, gotErr, "%s: session %d, %s %s", stage, i, r.Action, r.Resource)
			}
		}
	}
	check("warm")
	_, err := f.d.CreateUser(userID(uidA, "newcomer"))
	require.NoError(t, err)
	check("after a commit in A")
	// Both paths still see every change: a detached role policy and a
	// revoked session.
	_, err = f.d.DetachPolicy(roleID(uidA, "ops"), custom("solo-p0"))
	require.NoError(t, err)
	check("after detaching ops' policy")
	res, err := f.d.AuthorizeSession(sessions[0].AccessKeyID, sessions[0].SecurityToken, req("ecs:DescribeInstances", "*"))
	require.NoError(t, err)
	assert.Equal(t, evaluator.ImplicitDeny, res.Decision)
}

// TestSessionCacheFollowsTheAccount: a cached session whose role's
// account has not changed skips the role lookup; every change to the
// account (RevokeSessions, delete and re-create) is still seen on the very
// next decision, and a change in another account or an unrelated one in
// the same account costs the next decision no allocation.
func TestSessionCacheFollowsTheAccount(t *testing.T) {
	f, caller, r := sessionFixture(t)
	c := creds(f.assume(t, caller, r))
	res, err := f.d.AuthorizeSession(c.AccessKeyID, c.SecurityToken, armsReq)
	require.NoError(t, err)
	require.Equal(t, evaluator.Allow, res.Decision)
	e := f.d.cache.slot(c.AccessKeyID).Load()
	require.NotNil(t, e)
	require.Same(t, f.d.cur.Load().account(uidA), e.acct, "the entry remembers the account that opened it")

	for i, commit := range []func() error{
		func() error { _, err := f.d.CreateUser(userID(uidB, "x")); return err }, // another account
		func() error { _, err := f.d.CreateUser(userID(uidA, "y")); return err }, // the role's account, unrelated
		func() error {
			_, err := f.d.CreatePolicy(uidA, PolicySpec{Name: "unheld", Document: doc(stmt("Allow", "*", "*"))})
			return err
		},
	} {
		require.NoError(t, commit())
		var res Result
		var err error
		n := mallocs(func() { res, err = f.d.AuthorizeSession(c.AccessKeyID, c.SecurityToken, armsReq) })
		require.NoError(t, err)
		require.Equal(t, evaluator.Allow, res.Decision)
		assert.Equal(t, f.d.Revision(), res.Revision)
		assert.Zero(t, n, "decision after commit %d allocated", i)
	}

	f.clk.Add(1)
	_, err = f.d.RevokeAllSessions(r)
	require.NoError(t, err)
	_, err = f.d.AuthorizeSession(c.AccessKeyID, c.SecurityToken, armsReq)
	requireErr(t, err, ErrTokenRevoked)

	// A token opened while its role is gone caches no role; when a role of
	// that name comes back it has another RoleId.
	c2 := creds(f.assume(t, caller, r))
	_, err = f.d.DeleteRole(r, DeleteCascade)
	require.NoError(t, err)
	f.d.cache.slot(c2.AccessKeyID).Store(nil)
	_, err = f.d.AuthorizeSession(c2.AccessKeyID, c2.SecurityToken, armsReq)
	requireErr(t, err, ErrTokenRevoked)
	e2 := f.d.cache.slot(c2.AccessKeyID).Load()
	require.NotNil(t, e2)
	assert.Nil(t, e2.role)
	f.role(t, uidA, "ops", doc(trustRAM("Allow", rootARN(uidB))), 0, "AliyunARMSFullAccess")
	_, err = f.d.AuthorizeSession(c2.AccessKeyID, c2.SecurityToken, armsReq)
	requireErr(t, err, ErrTokenRevoked)
}

// TestShortPathsNoAllocs: the short paths allocate nothing: a user with
// no groups, a user whose resource names no account or is given by
// ResourceOwner, a session without a session policy.
func TestShortPathsNoAllocs(t *testing.T) {
	f, ids, sessions := pathFixture(t)
	solo := ids[0]
	for _, r := range []evaluator.Request{
		req("ecs:DescribeInstances", "acs:ecs:cn-hangzhou:"+uidA+":instance/i-1"),
		req("ecs:DescribeInstances", "*"),
		{Action: "ecs:DescribeInstances", Resource: "acs:ecs:cn-hangzhou:" + uidB + ":instance/i-1", ResourceOwner: uidA},
	} {
		res, err := f.d.Authorize(solo, r) // compiles
		require.NoError(t, err)
		require.Equal(t, evaluator.Allow, res.Decision)
		assert.Zero(t, testing.AllocsPerRun(100, func() { sinkResult, _ = f.d.Authorize(solo, r) }), r.Resource)
		for i, c := range sessions {
			_, err := f.d.AuthorizeSession(c.AccessKeyID, c.SecurityToken, r) // compiles
			require.NoError(t, err)
			assert.Zero(t, testing.AllocsPerRun(100, func() { sinkResult, _ = f.d.AuthorizeSession(c.AccessKeyID, c.SecurityToken, r) }), "session %d, %s", i, r.Resource)
		}
	}
}
