package directory

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

func TestRevisionsCountCommits(t *testing.T) {
	f := newFixture(t)
	assert.Equal(t, Revision(3), f.d.Revision(), "three CreateAccount commits")
	r1, err := f.d.CreateUser(userID(uidA, "alice"))
	require.NoError(t, err)
	assert.Equal(t, Revision(4), r1)
	_, err = f.d.CreateUser(userID(uidA, "alice"))
	requireErr(t, err, ErrExists)
	assert.Equal(t, Revision(4), f.d.Revision(), "a failed mutation publishes nothing")
	r2, err := f.d.CreateGroup(groupID(uidA, "devs"))
	require.NoError(t, err)
	assert.Equal(t, r1+1, r2)
}

func TestNothingToDoIsConsistent(t *testing.T) {
	f := newFixture(t)
	alice := f.user(t, uidA, "alice")
	_, err := f.d.CreateGroup(groupID(uidA, "devs"))
	require.NoError(t, err)
	// Remove and detach with nothing to do: nil error, no commit.
	before := f.d.Revision()
	rev, err := f.d.RemoveUserFromGroup(alice, groupID(uidA, "devs"))
	require.NoError(t, err)
	assert.Equal(t, before, rev)
	rev, err = f.d.DetachPolicy(alice, sys("AliyunARMSReadOnlyAccess"))
	require.NoError(t, err)
	assert.Equal(t, before, rev)
	// Add and attach twice: the second is nothing to do.
	r1, err := f.d.AddUserToGroup(alice, groupID(uidA, "devs"))
	require.NoError(t, err)
	r2, err := f.d.AddUserToGroup(alice, groupID(uidA, "devs"))
	require.NoError(t, err)
	assert.Equal(t, r1, r2)
	r3, err := f.d.AttachPolicy(alice, sys("AliyunARMSReadOnlyAccess"))
	require.NoError(t, err)
	r4, err := f.d.AttachPolicy(alice, sys("AliyunARMSReadOnlyAccess"))
	require.NoError(t, err)
	assert.Equal(t, r3, r4)
	// Unknown user or group is still an error, not nothing to do.
	_, err = f.d.RemoveUserFromGroup(userID(uidA, "ghost"), groupID(uidA, "devs"))
	requireErr(t, err, ErrNotFound)
	_, err = f.d.DetachPolicy(alice, sys("NoSuchPolicy"))
	requireErr(t, err, ErrNotFound)
}

func TestWrongKindsAndUnknownAccounts(t *testing.T) {
	f := newFixture(t)
	_, err := f.d.CreateUser(groupID(uidA, "x"))
	requireErr(t, err, ErrInvalid)
	_, err = f.d.CreateUser(userID("9999999999999999", "x"))
	requireErr(t, err, ErrNotFound)
	_, err = f.d.CreateAccount("12")
	requireErr(t, err, ErrInvalid)
	_, err = f.d.CreateAccount(uidA)
	requireErr(t, err, ErrExists)
	assert.Equal(t, []string{uidC, uidA, uidB}, f.d.Accounts())
}

func TestStrictDeletesReportEveryBlocker(t *testing.T) {
	f := newFixture(t)
	alice := f.user(t, uidA, "alice", doc(stmt("Allow", "oss:Get*", "*")))
	devs := groupID(uidA, "devs")
	_, err := f.d.CreateGroup(devs)
	require.NoError(t, err)
	_, err = f.d.AddUserToGroup(alice, devs)
	require.NoError(t, err)
	_, err = f.d.AttachPolicy(alice, sys("AliyunARMSReadOnlyAccess"))
	require.NoError(t, err)
	_, err = f.d.AttachPolicy(devs, custom("alice-p0"))
	require.NoError(t, err)

	_, err = f.d.DeleteUser(alice, DeleteStrict)
	e := requireErr(t, err, ErrInUse)
	assert.ElementsMatch(t, []Blocker{{"attachment", "System:AliyunARMSReadOnlyAccess"}, {"attachment", "Custom:alice-p0"}, {"membership", "devs"}}, e.Blockers)

	_, _, err = f.d.CreatePolicyVersion(uidA, "alice-p0", VersionSpec{Document: doc(stmt("Allow", "oss:List*", "*"))})
	require.NoError(t, err)
	_, err = f.d.DeletePolicy(uidA, "alice-p0", DeleteStrict)
	e = requireErr(t, err, ErrInUse)
	assert.ElementsMatch(t, []Blocker{{"attachment", alice.String()}, {"attachment", devs.String()}, {"version", "v2"}}, e.Blockers)

	_, err = f.d.DeleteGroup(devs, DeleteStrict)
	e = requireErr(t, err, ErrInUse)
	assert.ElementsMatch(t, []Blocker{{"member", "alice"}, {"attachment", "Custom:alice-p0"}}, e.Blockers)

	// Cascades remove the dependencies and nothing else.
	_, err = f.d.DeletePolicy(uidA, "alice-p0", DeleteCascade)
	require.NoError(t, err)
	u, err := f.d.GetUser(alice)
	require.NoError(t, err)
	assert.Equal(t, []PolicyRef{sys("AliyunARMSReadOnlyAccess")}, u.Policies)
	_, err = f.d.DeleteGroup(devs, DeleteCascade)
	require.NoError(t, err)
	u, err = f.d.GetUser(alice)
	require.NoError(t, err)
	assert.Empty(t, u.Groups)
	_, err = f.d.DeleteUser(alice, DeleteCascade)
	require.NoError(t, err)
	_, err = f.d.GetUser(alice)
	requireErr(t, err, ErrNotFound)
}

func TestPolicyVersions(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Limits.VersionsPerPolicy = 3 })
	alice := f.user(t, uidA, "alice", doc(stmt("Allow", "oss:GetObject", "*")))
	get := req("oss:GetObject", "acs:oss:*:"+uidA+":b/k")
	put := req("oss:PutObject", "acs:oss:*:"+uidA+":b/k")
	dec := func(r evaluator.Request) evaluator.Decision {
		res, err := f.d.Authorize(alice, r)
		require.NoError(t, err)
		return res.Decision
	}
	v2, _, err := f.d.CreatePolicyVersion(uidA, "alice-p0", VersionSpec{Document: doc(stmt("Allow", "oss:PutObject", "*"))})
	require.NoError(t, err)
	assert.Equal(t, "v2", v2)
	assert.Equal(t, evaluator.Allow, dec(get), "v2 is not the default")
	assert.Equal(t, evaluator.ImplicitDeny, dec(put))
	_, err = f.d.SetDefaultPolicyVersion(uidA, "alice-p0", v2)
	require.NoError(t, err)
	assert.Equal(t, evaluator.ImplicitDeny, dec(get))
	assert.Equal(t, evaluator.Allow, dec(put))
	_, err = f.d.DeletePolicyVersion(uidA, "alice-p0", v2)
	requireErr(t, err, ErrInUse)
	_, _, err = f.d.CreatePolicyVersion(uidA, "alice-p0", VersionSpec{Document: doc(stmt("Allow", "oss:*", "*"))})
	require.NoError(t, err)
	_, _, err = f.d.CreatePolicyVersion(uidA, "alice-p0", VersionSpec{Document: doc(stmt("Allow", "oss:*", "*"))})
	e := requireErr(t, err, ErrLimit)
	assert.Equal(t, LimitVersions, e.Limit)
	v4, _, err := f.d.CreatePolicyVersion(uidA, "alice-p0", VersionSpec{Document: doc(stmt("Deny", "oss:*", "*")), SetAsDefault: true, Rotate: RotateDeleteOldestNonDefault})
	require.NoError(t, err)
	assert.Equal(t, "v4", v4)
	vs, err := f.d.ListPolicyVersions(uidA, custom("alice-p0"))
	require.NoError(t, err)
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.ID)
	}
	assert.Equal(t, []string{"v2", "v3", "v4"}, ids, "v1, the oldest non-default, made room")
	assert.Equal(t, evaluator.ExplicitDeny, dec(get))
	_, err = f.d.SetDefaultPolicyVersion(uidA, "AliyunARMSReadOnlyAccess", "v1")
	requireErr(t, err, ErrImmutable)
}

func TestPolicyChecks(t *testing.T) {
	f := newFixture(t)
	_, err := f.d.CreatePolicy(uidA, PolicySpec{Name: "bad name", Document: doc(stmt("Allow", "*", "*"))})
	requireErr(t, err, ErrInvalid)
	_, err = f.d.CreatePolicy(uidA, PolicySpec{Name: "AliyunARMSReadOnlyAccess", Document: doc(stmt("Allow", "*", "*"))})
	requireErr(t, err, ErrExists)
	_, err = f.d.CreatePolicy(uidA, PolicySpec{Name: "p", Description: "\xff", Document: doc(stmt("Allow", "*", "*"))})
	requireErr(t, err, ErrInvalid)
	_, err = f.d.CreatePolicy(uidA, PolicySpec{Name: "p", Description: strings.Repeat("é", 1025), Document: doc(stmt("Allow", "*", "*"))})
	assert.Equal(t, LimitDescription, requireErr(t, err, ErrLimit).Limit)
	_, err = f.d.CreatePolicy(uidA, PolicySpec{Name: "p", Document: `{"Version":"1","Statement":[{"Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*"}]}`})
	var pe *policy.ParseError
	require.ErrorAs(t, err, &pe)
	requireErr(t, err, ErrInvalid)
	big := doc(stmt("Allow", "oss:"+strings.Repeat("a", 6200), "*"))
	_, err = f.d.CreatePolicy(uidA, PolicySpec{Name: "p", Document: big})
	assert.Equal(t, LimitPolicyDocument, requireErr(t, err, ErrLimit).Limit)
}

func TestLimits(t *testing.T) {
	f := newFixture(t, func(o *Options) {
		o.Limits = Limits{UsersPerAccount: 2, GroupsPerUser: 1, AccessKeysPerUser: 1, CustomAttached: 1}
	})
	a := f.user(t, uidA, "a", doc(stmt("Allow", "*", "*")))
	f.user(t, uidA, "b")
	_, err := f.d.CreateUser(userID(uidA, "c"))
	assert.Equal(t, LimitUsers, requireErr(t, err, ErrLimit).Limit)
	_, err = f.d.CreatePolicy(uidA, PolicySpec{Name: "q", Document: doc(stmt("Allow", "*", "*"))})
	require.NoError(t, err)
	_, err = f.d.AttachPolicy(a, custom("q"))
	assert.Equal(t, LimitCustomAttached, requireErr(t, err, ErrLimit).Limit)
	_, _, err = f.d.CreateAccessKey(a)
	require.NoError(t, err)
	_, _, err = f.d.CreateAccessKey(a)
	assert.Equal(t, LimitAccessKeys, requireErr(t, err, ErrLimit).Limit)
	for _, g := range []string{"g1", "g2"} {
		_, err = f.d.CreateGroup(groupID(uidA, g))
		require.NoError(t, err)
	}
	_, err = f.d.AddUserToGroup(a, groupID(uidA, "g1"))
	require.NoError(t, err)
	_, err = f.d.AddUserToGroup(a, groupID(uidA, "g2"))
	assert.Equal(t, LimitGroupsPerUser, requireErr(t, err, ErrLimit).Limit)
}

func TestAccessKeys(t *testing.T) {
	f := newFixture(t)
	alice := f.user(t, uidA, "alice", doc(stmt("Allow", "oss:*", "*")))
	k, _, err := f.d.CreateAccessKey(alice)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(k.ID, "LTAI"))
	assert.Len(t, k.Secret.Reveal(), 30)

	owner, secret, err := f.d.AccessKeySecret(k.ID)
	require.NoError(t, err)
	assert.Equal(t, alice, owner)
	assert.Equal(t, k.Secret.Reveal(), secret)

	res, err := f.d.AuthorizeAccessKey(k.ID, req("oss:GetObject", "acs:oss:*:"+uidA+":b/k"))
	require.NoError(t, err)
	assert.Equal(t, evaluator.Allow, res.Decision)

	_, err = f.d.UpdateAccessKey(k.ID, KeyInactive)
	require.NoError(t, err)
	_, _, err = f.d.AccessKeySecret(k.ID)
	requireErr(t, err, ErrKeyInactive)
	res, err = f.d.AuthorizeAccessKey(k.ID, req("oss:GetObject", "acs:oss:*:"+uidA+":b/k"))
	requireErr(t, err, ErrKeyInactive)
	assert.Equal(t, evaluator.ImplicitDeny, res.Decision)

	_, err = f.d.DeleteAccessKey(k.ID)
	require.NoError(t, err)
	_, _, err = f.d.AccessKeySecret(k.ID)
	requireErr(t, err, ErrKeyNotFound)
	_, _, err = f.d.AccessKeySecret("LTAInope")
	requireErr(t, err, ErrKeyNotFound)

	// Keys go with their user.
	k2, _, err := f.d.CreateAccessKey(alice)
	require.NoError(t, err)
	_, err = f.d.DetachPolicy(alice, custom("alice-p0"))
	require.NoError(t, err)
	_, err = f.d.DeleteUser(alice, DeleteStrict)
	require.NoError(t, err)
	_, _, err = f.d.AccessKeySecret(k2.ID)
	requireErr(t, err, ErrKeyNotFound)
}

// TestSecretsNeverPrint: issue 11 item 12 — values that carry a secret
// redact it in String, GoString, every fmt verb and slog.
func TestSecretsNeverPrint(t *testing.T) {
	f := newFixture(t)
	alice := f.user(t, uidA, "alice", allowAssumeAny)
	k, _, err := f.d.CreateAccessKey(alice)
	require.NoError(t, err)
	r := f.role(t, uidA, "r", doc(trustRAM("Allow", rootARN(uidA))), 0)
	out := f.assume(t, alice, r)
	secrets := []string{k.Secret.Reveal(), out.Credentials.AccessKeySecret.Reveal(), out.Credentials.SecurityToken.Reveal()}
	var logged strings.Builder
	log := slog.New(slog.NewTextHandler(&logged, nil))
	log.Info("x", "key", k, "out", out, "secret", k.Secret)
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%T"} {
		for _, v := range []any{k, out, out.Credentials, k.Secret} {
			s := fmt.Sprintf(format, v)
			for _, sec := range secrets {
				assert.NotContains(t, s, sec, format)
			}
		}
	}
	for _, sec := range secrets {
		assert.NotContains(t, logged.String(), sec)
	}
	assert.Equal(t, "[REDACTED]", k.Secret.String())
}

func TestKeyEncryptionKey(t *testing.T) {
	_, err := New(Options{KeyEncryptionKey: make([]byte, 16)})
	requireErr(t, err, ErrInvalid)
	d, err := New(Options{KeyEncryptionKey: make([]byte, 32)})
	require.NoError(t, err)
	_, err = d.CreateAccount(uidA)
	require.NoError(t, err)
	alice := userID(uidA, "alice")
	_, err = d.CreateUser(alice)
	require.NoError(t, err)
	k, _, err := d.CreateAccessKey(alice)
	require.NoError(t, err)
	// The state holds the secret sealed, never in plaintext.
	o, ok := d.cur.Load().keys.Get(k.ID)
	require.True(t, ok)
	assert.NotContains(t, string(o.key.sealed), k.Secret.Reveal())
}
