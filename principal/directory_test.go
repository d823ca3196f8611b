package principal

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/policy"
)

// fakeClock is an injected clock that tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newDir(t testing.TB, accounts ...string) (*Directory, *fakeClock) {
	t.Helper()
	c := newClock()
	d := New(Config{Clock: c.Now})
	for _, a := range accounts {
		require.NoError(t, d.CreateAccount(a))
	}
	return d, c
}

func docAllow(action, resource string) string {
	return `{"Version":"1","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"` + resource + `"}]}`
}

func docDeny(action, resource string) string {
	return `{"Version":"1","Statement":[{"Effect":"Deny","Action":"` + action + `","Resource":"` + resource + `"}]}`
}

// requireErr checks the sentinel and that the error is an *Error.
func requireErr(t *testing.T, err error, sentinel error) *Error {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, sentinel)
	var e *Error
	require.True(t, errors.As(err, &e), "want *Error, got %T", err)
	return e
}

// snapshot captures the observable state for "nothing changed" checks.
func snapshot(t *testing.T, d *Directory) (string, uint64) {
	t.Helper()
	b, err := d.Export()
	require.NoError(t, err)
	return string(b), d.Generation()
}

func TestAccounts(t *testing.T) {
	d, _ := newDir(t)
	require.NoError(t, d.CreateAccount(uidB))
	require.NoError(t, d.CreateAccount(uidA))
	assert.Equal(t, []string{uidA, uidB}, d.Accounts())
	requireErr(t, d.CreateAccount(uidA), ErrExists)
	requireErr(t, d.CreateAccount("12"), ErrInvalid)
	_, err := d.CreateUser(uidA, "alice")
	require.NoError(t, err)
	require.NoError(t, d.DeleteAccount(uidA))
	requireErr(t, d.DeleteAccount(uidA), ErrNotFound)
	_, err = d.GetUser(uidA, "alice")
	requireErr(t, err, ErrNotFound)
	assert.Equal(t, []string{uidB}, d.Accounts())
}

func TestUsers(t *testing.T) {
	d, clk := newDir(t, uidA)
	u, err := d.CreateUser(uidA, "alice")
	require.NoError(t, err)
	assert.Equal(t, MustParse("acs:ram::1234567890123456:user/alice"), u.ID)
	assert.Equal(t, clk.Now(), u.Created)
	_, err = d.CreateUser(uidA, "bob")
	require.NoError(t, err)

	t.Run("duplicate", func(t *testing.T) {
		_, err := d.CreateUser(uidA, "alice")
		requireErr(t, err, ErrExists)
	})
	t.Run("bad name", func(t *testing.T) {
		_, err := d.CreateUser(uidA, "al ice")
		requireErr(t, err, ErrInvalid)
	})
	t.Run("unknown account", func(t *testing.T) {
		_, err := d.CreateUser(uidB, "alice")
		requireErr(t, err, ErrNotFound)
	})
	t.Run("list sorted", func(t *testing.T) {
		us, err := d.ListUsers(uidA)
		require.NoError(t, err)
		require.Len(t, us, 2)
		assert.Equal(t, "alice", us[0].ID.Name())
		assert.Equal(t, "bob", us[1].ID.Name())
	})
	t.Run("get missing", func(t *testing.T) {
		_, err := d.GetUser(uidA, "carol")
		e := requireErr(t, err, ErrNotFound)
		assert.Equal(t, "GetUser", e.Op)
	})
	t.Run("delete", func(t *testing.T) {
		require.NoError(t, d.DeleteUser(uidA, "bob", Strict))
		_, err := d.GetUser(uidA, "bob")
		requireErr(t, err, ErrNotFound)
		requireErr(t, d.DeleteUser(uidA, "bob", Strict), ErrNotFound)
	})
}

func TestUserLimit(t *testing.T) {
	d := New(Config{Limits: Limits{UsersPerAccount: 2}})
	require.NoError(t, d.CreateAccount(uidA))
	for _, n := range []string{"a", "b"} {
		_, err := d.CreateUser(uidA, n)
		require.NoError(t, err)
	}
	_, err := d.CreateUser(uidA, "c")
	e := requireErr(t, err, ErrLimit)
	assert.Equal(t, LimitUsers, e.Limit)
}

func TestDeleteUserModes(t *testing.T) {
	setup := func(t *testing.T) *Directory {
		d, _ := newDir(t, uidA)
		_, err := d.CreateUser(uidA, "alice")
		require.NoError(t, err)
		_, err = d.CreateGroup(uidA, "ops")
		require.NoError(t, err)
		_, err = d.CreateAccessKey(uidA, "alice")
		require.NoError(t, err)
		return d
	}
	alice := MustParse("acs:ram::1234567890123456:user/alice")

	t.Run("strict refuses with attachments", func(t *testing.T) {
		d := setup(t)
		require.NoError(t, d.AttachPolicy(alice, System, "AliyunARMSReadOnlyAccess"))
		before, gen := snapshot(t, d)
		e := requireErr(t, d.DeleteUser(uidA, "alice", Strict), ErrInUse)
		assert.Contains(t, e.Msg, "attached")
		after, gen2 := snapshot(t, d)
		assert.Equal(t, before, after)
		assert.Equal(t, gen, gen2)
	})
	t.Run("strict refuses with membership", func(t *testing.T) {
		d := setup(t)
		require.NoError(t, d.AddUserToGroup(uidA, "alice", "ops"))
		requireErr(t, d.DeleteUser(uidA, "alice", Strict), ErrInUse)
	})
	t.Run("strict deletes keys", func(t *testing.T) {
		d := setup(t)
		u, err := d.GetUser(uidA, "alice")
		require.NoError(t, err)
		require.Len(t, u.AccessKeys, 1)
		require.NoError(t, d.DeleteUser(uidA, "alice", Strict))
		_, err = d.ResolveAccessKey(u.AccessKeys[0].ID)
		requireErr(t, err, ErrNotFound)
	})
	t.Run("cascade", func(t *testing.T) {
		d := setup(t)
		require.NoError(t, d.AttachPolicy(alice, System, "AliyunARMSReadOnlyAccess"))
		require.NoError(t, d.AddUserToGroup(uidA, "alice", "ops"))
		u, _ := d.GetUser(uidA, "alice")
		require.NoError(t, d.DeleteUser(uidA, "alice", Cascade))
		g, err := d.GetGroup(uidA, "ops")
		require.NoError(t, err)
		assert.Empty(t, g.Members)
		_, err = d.ResolveAccessKey(u.AccessKeys[0].ID)
		requireErr(t, err, ErrNotFound)
		// The name is free again, and the new user starts with nothing.
		nu, err := d.CreateUser(uidA, "alice")
		require.NoError(t, err)
		assert.Empty(t, nu.Attachments)
		assert.Empty(t, nu.Groups)
	})
}

func TestAccessKeys(t *testing.T) {
	d, _ := newDir(t, uidA)
	_, err := d.CreateUser(uidA, "alice")
	require.NoError(t, err)
	k1, err := d.CreateAccessKey(uidA, "alice")
	require.NoError(t, err)
	k2, err := d.CreateAccessKey(uidA, "alice")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(k1.ID, "LTAI"))
	assert.Len(t, k1.ID, 24)
	assert.Len(t, k1.Secret, 30)
	assert.NotEqual(t, k1.ID, k2.ID)
	assert.NotEqual(t, k1.Secret, k2.Secret)
	assert.Equal(t, Active, k1.Status)

	t.Run("limit of two", func(t *testing.T) {
		_, err := d.CreateAccessKey(uidA, "alice")
		e := requireErr(t, err, ErrLimit)
		assert.Equal(t, LimitAccessKeys, e.Limit)
	})
	t.Run("secret not kept", func(t *testing.T) {
		b, err := d.Export()
		require.NoError(t, err)
		assert.NotContains(t, string(b), k1.Secret)
		u, _ := d.GetUser(uidA, "alice")
		for _, k := range u.AccessKeys {
			assert.NotContains(t, k.ID, k1.Secret)
		}
	})
	t.Run("resolve and verify", func(t *testing.T) {
		id, err := d.ResolveAccessKey(k1.ID)
		require.NoError(t, err)
		assert.Equal(t, "acs:ram::1234567890123456:user/alice", id.String())
		id, err = d.VerifyAccessKey(k1.ID, k1.Secret)
		require.NoError(t, err)
		assert.Equal(t, "alice", id.Name())
		_, err = d.VerifyAccessKey(k1.ID, k2.Secret)
		requireErr(t, err, ErrCredentials)
		_, err = d.ResolveAccessKey("LTAIunknown")
		requireErr(t, err, ErrNotFound)
	})
	t.Run("inactive", func(t *testing.T) {
		require.NoError(t, d.UpdateAccessKey(uidA, "alice", k1.ID, Inactive))
		_, err := d.ResolveAccessKey(k1.ID)
		requireErr(t, err, ErrInactive)
		_, err = d.VerifyAccessKey(k1.ID, k1.Secret)
		requireErr(t, err, ErrInactive)
		require.NoError(t, d.UpdateAccessKey(uidA, "alice", k1.ID, Active))
		_, err = d.ResolveAccessKey(k1.ID)
		require.NoError(t, err)
		requireErr(t, d.UpdateAccessKey(uidA, "alice", k1.ID, KeyStatus(7)), ErrInvalid)
	})
	t.Run("delete", func(t *testing.T) {
		require.NoError(t, d.DeleteAccessKey(uidA, "alice", k2.ID))
		_, err := d.ResolveAccessKey(k2.ID)
		requireErr(t, err, ErrNotFound)
		requireErr(t, d.DeleteAccessKey(uidA, "alice", k2.ID), ErrNotFound)
		_, err = d.CreateAccessKey(uidA, "alice")
		require.NoError(t, err, "a slot is free again")
	})
}

func TestGroups(t *testing.T) {
	d, _ := newDir(t, uidA)
	for _, n := range []string{"alice", "bob"} {
		_, err := d.CreateUser(uidA, n)
		require.NoError(t, err)
	}
	_, err := d.CreateGroup(uidA, "ops")
	require.NoError(t, err)
	_, err = d.CreateGroup(uidA, "ops")
	requireErr(t, err, ErrExists)
	_, err = d.CreateGroup(uidA, "o/ps")
	requireErr(t, err, ErrInvalid)

	require.NoError(t, d.AddUserToGroup(uidA, "alice", "ops"))
	gen := d.Generation()
	require.NoError(t, d.AddUserToGroup(uidA, "alice", "ops"), "adding a member again is a no-op")
	assert.Equal(t, gen, d.Generation())
	require.NoError(t, d.AddUserToGroup(uidA, "bob", "ops"))
	g, err := d.GetGroup(uidA, "ops")
	require.NoError(t, err)
	assert.Equal(t, []string{"alice", "bob"}, g.Members)
	u, _ := d.GetUser(uidA, "alice")
	assert.Equal(t, []string{"ops"}, u.Groups)

	requireErr(t, d.AddUserToGroup(uidA, "carol", "ops"), ErrNotFound)
	requireErr(t, d.AddUserToGroup(uidA, "alice", "nope"), ErrNotFound)
	require.NoError(t, d.RemoveUserFromGroup(uidA, "bob", "ops"))
	requireErr(t, d.RemoveUserFromGroup(uidA, "bob", "ops"), ErrNotFound)

	t.Run("strict delete", func(t *testing.T) {
		requireErr(t, d.DeleteGroup(uidA, "ops", Strict), ErrInUse)
	})
	t.Run("strict delete with policies", func(t *testing.T) {
		_, err := d.CreateGroup(uidA, "empty")
		require.NoError(t, err)
		gid := MustParse("acs:ram::1234567890123456:group/empty")
		require.NoError(t, d.AttachPolicy(gid, System, "AliyunARMSReadOnlyAccess"))
		requireErr(t, d.DeleteGroup(uidA, "empty", Strict), ErrInUse)
		require.NoError(t, d.DetachPolicy(gid, System, "AliyunARMSReadOnlyAccess"))
		require.NoError(t, d.DeleteGroup(uidA, "empty", Strict))
	})
	t.Run("cascade delete", func(t *testing.T) {
		require.NoError(t, d.DeleteGroup(uidA, "ops", Cascade))
		u, _ := d.GetUser(uidA, "alice")
		assert.Empty(t, u.Groups)
		gs, err := d.ListGroups(uidA)
		require.NoError(t, err)
		assert.Empty(t, gs)
	})
}

func TestGroupsPerUserLimit(t *testing.T) {
	d, _ := newDir(t, uidA)
	_, err := d.CreateUser(uidA, "alice")
	require.NoError(t, err)
	for i := range 11 {
		_, err := d.CreateGroup(uidA, "g"+itoa(i))
		require.NoError(t, err)
	}
	for i := range 10 {
		require.NoError(t, d.AddUserToGroup(uidA, "alice", "g"+itoa(i)))
	}
	before, _ := snapshot(t, d)
	e := requireErr(t, d.AddUserToGroup(uidA, "alice", "g10"), ErrLimit)
	assert.Equal(t, LimitGroupsPerUser, e.Limit)
	after, _ := snapshot(t, d)
	assert.Equal(t, before, after)
}

func TestCustomPolicies(t *testing.T) {
	d, _ := newDir(t, uidA)
	info, err := d.CreatePolicy(uidA, "EcsOps", "ECS operations", docAllow("ecs:*", "*"))
	require.NoError(t, err)
	assert.Equal(t, Custom, info.Type)
	assert.Equal(t, "v1", info.DefaultVersion)

	t.Run("invalid document", func(t *testing.T) {
		before, gen := snapshot(t, d)
		_, err := d.CreatePolicy(uidA, "Bad", "", `{"Version":"1","Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}`)
		e := requireErr(t, err, ErrInvalid)
		var pe *policy.ParseError
		require.True(t, errors.As(e, &pe), "the parse error is reachable")
		assert.Equal(t, "Statement[0].Effect", pe.Path)
		after, gen2 := snapshot(t, d)
		assert.Equal(t, before, after)
		assert.Equal(t, gen, gen2)
	})
	t.Run("document too large", func(t *testing.T) {
		big := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:Describe` + strings.Repeat("x", 6200) + `","Resource":"*"}]}`
		_, err := d.CreatePolicy(uidA, "Big", "", big)
		e := requireErr(t, err, ErrLimit)
		assert.Equal(t, LimitPolicyDocument, e.Limit)
	})
	t.Run("names", func(t *testing.T) {
		_, err := d.CreatePolicy(uidA, "bad_name", "", docAllow("*", "*"))
		requireErr(t, err, ErrInvalid)
		_, err = d.CreatePolicy(uidA, "EcsOps", "", docAllow("*", "*"))
		requireErr(t, err, ErrExists)
		_, err = d.CreatePolicy(uidA, "AliyunARMSReadOnlyAccess", "", docAllow("*", "*"))
		requireErr(t, err, ErrExists)
		_, err = d.CreatePolicy(uidA, "LongDesc", strings.Repeat("d", 1025), docAllow("*", "*"))
		e := requireErr(t, err, ErrLimit)
		assert.Equal(t, LimitDescription, e.Limit)
	})
	t.Run("system policies are read-only", func(t *testing.T) {
		requireErr(t, d.DeletePolicy(uidA, "AliyunARMSReadOnlyAccess"), ErrImmutable)
		_, err := d.CreatePolicyVersion(uidA, "AliyunARMSReadOnlyAccess", docAllow("*", "*"), true, RotateNone)
		requireErr(t, err, ErrImmutable)
		requireErr(t, d.SetDefaultPolicyVersion(uidA, "AliyunARMSReadOnlyAccess", "v13"), ErrImmutable)
		sp, err := d.GetPolicy(uidA, System, "AliyunARMSReadOnlyAccess")
		require.NoError(t, err)
		assert.Equal(t, "v13", sp.DefaultVersion)
		vs, err := d.ListPolicyVersions(uidA, System, "AliyunARMSReadOnlyAccess")
		require.NoError(t, err)
		require.Len(t, vs, 1)
		assert.Contains(t, vs[0].Document, "arms:Describe*")
	})
	t.Run("list", func(t *testing.T) {
		ps, err := d.ListPolicies(uidA)
		require.NoError(t, err)
		var names []string
		for _, p := range ps {
			names = append(names, p.Type.String()+":"+p.Name)
		}
		assert.Equal(t, []string{"System:AliyunARMSFullAccess", "System:AliyunARMSReadOnlyAccess",
			"System:AliyunSTSAssumeRoleAccess", "Custom:EcsOps"}, names)
	})
}

func TestPolicyVersions(t *testing.T) {
	d, _ := newDir(t, uidA)
	_, err := d.CreatePolicy(uidA, "P", "", docAllow("ecs:Describe*", "*"))
	require.NoError(t, err)
	for i := 2; i <= 5; i++ {
		v, err := d.CreatePolicyVersion(uidA, "P", docAllow("ecs:Start"+itoa(i), "*"), false, RotateNone)
		require.NoError(t, err)
		assert.Equal(t, "v"+itoa(i), v.ID)
		assert.False(t, v.IsDefault)
	}
	ids := func() []string {
		vs, err := d.ListPolicyVersions(uidA, Custom, "P")
		require.NoError(t, err)
		var out []string
		for _, v := range vs {
			s := v.ID
			if v.IsDefault {
				s += "*"
			}
			out = append(out, s)
		}
		return out
	}
	assert.Equal(t, []string{"v1*", "v2", "v3", "v4", "v5"}, ids())

	t.Run("sixth without rotation", func(t *testing.T) {
		before, _ := snapshot(t, d)
		_, err := d.CreatePolicyVersion(uidA, "P", docAllow("ecs:Stop", "*"), false, RotateNone)
		e := requireErr(t, err, ErrLimit)
		assert.Equal(t, LimitVersions, e.Limit)
		after, _ := snapshot(t, d)
		assert.Equal(t, before, after)
	})
	t.Run("rotation skips the default", func(t *testing.T) {
		v, err := d.CreatePolicyVersion(uidA, "P", docAllow("ecs:Stop", "*"), true, DeleteOldestNonDefault)
		require.NoError(t, err)
		assert.Equal(t, "v6", v.ID)
		assert.True(t, v.IsDefault)
		assert.Equal(t, []string{"v1", "v3", "v4", "v5", "v6*"}, ids(), "v2 was the oldest non-default")
		_, err = d.CreatePolicyVersion(uidA, "P", docAllow("ecs:Reboot", "*"), false, DeleteOldestNonDefault)
		require.NoError(t, err)
		assert.Equal(t, []string{"v3", "v4", "v5", "v6*", "v7"}, ids())
	})
	t.Run("set default", func(t *testing.T) {
		require.NoError(t, d.SetDefaultPolicyVersion(uidA, "P", "v3"))
		assert.Equal(t, []string{"v3*", "v4", "v5", "v6", "v7"}, ids())
		requireErr(t, d.SetDefaultPolicyVersion(uidA, "P", "v1"), ErrNotFound)
		info, err := d.GetPolicy(uidA, Custom, "P")
		require.NoError(t, err)
		assert.Equal(t, "v3", info.DefaultVersion)
	})
	t.Run("delete version", func(t *testing.T) {
		requireErr(t, d.DeletePolicyVersion(uidA, "P", "v3"), ErrInUse)
		require.NoError(t, d.DeletePolicyVersion(uidA, "P", "v4"))
		requireErr(t, d.DeletePolicyVersion(uidA, "P", "v4"), ErrNotFound)
		assert.Equal(t, []string{"v3*", "v5", "v6", "v7"}, ids())
		v, err := d.GetPolicyVersion(uidA, Custom, "P", "v5")
		require.NoError(t, err)
		assert.Equal(t, docAllow("ecs:Start5", "*"), v.Document)
	})
	t.Run("invalid rotate", func(t *testing.T) {
		_, err := d.CreatePolicyVersion(uidA, "P", docAllow("*", "*"), false, RotateStrategy(9))
		requireErr(t, err, ErrInvalid)
	})
}

func TestAttachments(t *testing.T) {
	d, _ := newDir(t, uidA, uidB)
	_, err := d.CreateUser(uidA, "alice")
	require.NoError(t, err)
	_, err = d.CreatePolicy(uidA, "P", "", docAllow("ecs:*", "*"))
	require.NoError(t, err)
	_, err = d.CreatePolicy(uidB, "OnlyInB", "", docAllow("ecs:*", "*"))
	require.NoError(t, err)
	alice := MustParse("acs:ram::1234567890123456:user/alice")

	require.NoError(t, d.AttachPolicy(alice, Custom, "P"))
	gen := d.Generation()
	require.NoError(t, d.AttachPolicy(alice, Custom, "P"), "attaching again is a no-op")
	assert.Equal(t, gen, d.Generation())
	require.NoError(t, d.AttachPolicy(alice, System, "AliyunARMSReadOnlyAccess"))
	atts, err := d.Attachments(alice)
	require.NoError(t, err)
	assert.Equal(t, []Attachment{{System, "AliyunARMSReadOnlyAccess"}, {Custom, "P"}}, atts)

	tests := []struct {
		name     string
		target   ID
		t        PolicyType
		policy   string
		sentinel error
	}{
		{"other account's policy", alice, Custom, "OnlyInB", ErrNotFound},
		{"unknown system policy", alice, System, "AdministratorAccess", ErrNotFound},
		{"bad type", alice, PolicyType(0), "P", ErrInvalid},
		{"unknown user", MustParse("acs:ram::1234567890123456:user/zed"), Custom, "P", ErrNotFound},
		{"not attachable", MustParse("acs:ram::1234567890123456:root"), Custom, "P", ErrInvalid},
		{"unknown account", MustParse("acs:ram::1111111111111111:user/x"), Custom, "P", ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, g := snapshot(t, d)
			requireErr(t, d.AttachPolicy(tc.target, tc.t, tc.policy), tc.sentinel)
			after, g2 := snapshot(t, d)
			assert.Equal(t, before, after)
			assert.Equal(t, g, g2)
		})
	}
	t.Run("delete attached policy", func(t *testing.T) {
		requireErr(t, d.DeletePolicy(uidA, "P"), ErrInUse)
		info, err := d.GetPolicy(uidA, Custom, "P")
		require.NoError(t, err)
		assert.Equal(t, 1, info.AttachmentCount)
		require.NoError(t, d.DetachPolicy(alice, Custom, "P"))
		requireErr(t, d.DetachPolicy(alice, Custom, "P"), ErrNotFound)
		require.NoError(t, d.DeletePolicy(uidA, "P"))
		requireErr(t, d.DeletePolicy(uidA, "P"), ErrNotFound)
	})
}

func TestAttachmentLimits(t *testing.T) {
	d := New(Config{Limits: Limits{SystemAttached: 2, CustomAttached: 3}})
	require.NoError(t, d.CreateAccount(uidA))
	_, err := d.CreateGroup(uidA, "g")
	require.NoError(t, err)
	g := MustParse("acs:ram::1234567890123456:group/g")
	for i := range 4 {
		_, err := d.CreatePolicy(uidA, "P"+itoa(i), "", docAllow("ecs:*", "*"))
		require.NoError(t, err)
	}
	for i := range 3 {
		require.NoError(t, d.AttachPolicy(g, Custom, "P"+itoa(i)))
	}
	e := requireErr(t, d.AttachPolicy(g, Custom, "P3"), ErrLimit)
	assert.Equal(t, LimitCustomAttached, e.Limit)
	require.NoError(t, d.AttachPolicy(g, System, "AliyunARMSReadOnlyAccess"))
	require.NoError(t, d.AttachPolicy(g, System, "AliyunARMSFullAccess"))
	e = requireErr(t, d.AttachPolicy(g, System, "AliyunSTSAssumeRoleAccess"), ErrLimit)
	assert.Equal(t, LimitSystemAttached, e.Limit)

	dd := New(Config{})
	assert.Equal(t, DefaultLimits(), dd.limits)
	assert.Equal(t, 20, DefaultLimits().SystemAttached)
	assert.Equal(t, 10, DefaultLimits().CustomAttached)
}

func TestErrorFormat(t *testing.T) {
	e := &Error{Op: "CreateUser", Subject: "acs:ram::1234567890123456:user/a", Err: ErrLimit, Limit: LimitUsers, Msg: "at most 2 allowed"}
	assert.Equal(t, "CreateUser acs:ram::1234567890123456:user/a: limit exceeded (users per account): at most 2 allowed", e.Error())
	assert.Equal(t, "System", System.String())
	pt, err := ParsePolicyType("Custom")
	require.NoError(t, err)
	assert.Equal(t, Custom, pt)
	_, err = ParsePolicyType("custom")
	assert.ErrorIs(t, err, ErrInvalid)
	ks, err := ParseKeyStatus("Inactive")
	require.NoError(t, err)
	assert.Equal(t, Inactive, ks)
	_, err = ParseKeyStatus("active")
	assert.ErrorIs(t, err, ErrInvalid)
}
