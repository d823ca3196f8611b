package signature

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

// TestDirectoryCredentials: every way a directory refuses a key or a
// session comes out as the API code a client acts on (credential providers
// refresh only on InvalidSecurityToken.Expired, so a revoked session must
// read as expired), and good credentials come back with their owner and
// secret.
func TestDirectoryCredentials(t *testing.T) {
	const a, b = "1111111111111111", "2222222222222222"
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	d := directory.MustNew(directory.Options{Clock: func() time.Time { return now }})
	for _, uid := range []string{a, b} {
		_, err := d.CreateAccount(uid)
		require.NoError(t, err)
	}
	dave := principal.MustParse("acs:ram::" + b + ":user/dave")
	_, err := d.CreateUser(dave)
	require.NoError(t, err)
	_, err = d.AttachPolicy(dave, directory.PolicyRef{Type: directory.PolicySystem, Name: "AliyunSTSAssumeRoleAccess"})
	require.NoError(t, err)
	ops := principal.MustParse("acs:ram::" + a + ":role/ops")
	_, err = d.CreateRole(ops, directory.RoleSpec{TrustPolicy: `{"Version":"1","Statement":[{"Effect":"Allow",
	  "Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + b + `:root"]}}]}`})
	require.NoError(t, err)
	active, _, err := d.CreateAccessKey(dave)
	require.NoError(t, err)
	inactive, _, err := d.CreateAccessKey(dave)
	require.NoError(t, err)
	_, err = d.UpdateAccessKey(inactive.ID, directory.KeyInactive)
	require.NoError(t, err)
	assume := func(name string) directory.Credentials {
		out, err := d.AssumeRole(directory.AssumeRoleInput{Caller: dave, Role: ops, SessionName: name, DurationSeconds: 900})
		require.NoError(t, err)
		return out.Credentials
	}
	c := DirectoryCredentials{Directory: d}

	owner, secret, err := c.AccessKeySecret(active.ID)
	require.NoError(t, err)
	assert.Equal(t, dave, owner)
	assert.Equal(t, active.Secret.Reveal(), secret)
	s1, s2 := assume("one"), assume("two")
	sess, secret, err := c.SessionCredential(s1.AccessKeyID, s1.SecurityToken.Reveal())
	require.NoError(t, err)
	assert.Equal(t, "acs:ram::"+a+":role/ops/one", sess.String())
	assert.Equal(t, s1.AccessKeySecret.Reveal(), secret)

	check := func(name string, err error, sentinel, dirSentinel error, code string) {
		t.Helper()
		require.Error(t, err, name)
		assert.ErrorIs(t, err, sentinel, name)
		if dirSentinel != nil {
			assert.ErrorIs(t, err, dirSentinel, name)
		}
		assert.Equal(t, code, sourceError(err).Code, name)
	}
	_, _, err = c.AccessKeySecret("LTAInosuchkey0000000000000")
	check("unknown key", err, ErrKeyNotFound, directory.ErrKeyNotFound, "InvalidAccessKeyId.NotFound")
	_, _, err = c.AccessKeySecret(inactive.ID)
	check("inactive key", err, ErrKeyInactive, directory.ErrKeyInactive, "InvalidAccessKeyId.Inactive")
	_, _, err = c.SessionCredential(s1.AccessKeyID, s1.SecurityToken.Reveal()[:40])
	check("truncated token", err, ErrTokenMalformed, directory.ErrTokenMalformed, "InvalidSecurityToken.Malformed")
	_, _, err = c.SessionCredential(s2.AccessKeyID, s1.SecurityToken.Reveal())
	check("another session's token", err, ErrTokenMismatch, directory.ErrTokenKeyMismatch, "InvalidSecurityToken.MismatchWithAccessKey")

	now = now.Add(time.Second)
	_, err = d.RevokeSessions(ops, now)
	require.NoError(t, err)
	_, _, err = c.SessionCredential(s1.AccessKeyID, s1.SecurityToken.Reveal())
	check("revoked session", err, ErrTokenExpired, directory.ErrTokenRevoked, "InvalidSecurityToken.Expired")

	s3 := assume("three")
	now = now.Add(15 * time.Minute)
	_, _, err = c.SessionCredential(s3.AccessKeyID, s3.SecurityToken.Reveal())
	check("expired session", err, ErrTokenExpired, directory.ErrTokenExpired, "InvalidSecurityToken.Expired")

	s4 := assume("four")
	_, err = d.DeleteRole(ops, directory.DeleteCascade)
	require.NoError(t, err)
	_, _, err = c.SessionCredential(s4.AccessKeyID, s4.SecurityToken.Reveal())
	check("deleted role", err, ErrTokenExpired, directory.ErrTokenRevoked, "InvalidSecurityToken.Expired")

	_, err = d.DeleteAccessKey(active.ID)
	require.NoError(t, err)
	_, _, err = c.AccessKeySecret(active.ID)
	check("deleted key", err, ErrKeyNotFound, directory.ErrKeyNotFound, "InvalidAccessKeyId.NotFound")

	// Without a directory the lookup is the service's failure, not the
	// caller's (and never a code that makes a client refresh).
	var none DirectoryCredentials
	_, _, err = none.AccessKeySecret(active.ID)
	check("nil directory", err, ErrUnavailable, nil, "ServiceUnavailable")
	_, _, err = none.SessionCredential(s1.AccessKeyID, s1.SecurityToken.Reveal())
	check("nil directory", err, ErrUnavailable, nil, "ServiceUnavailable")
	assert.False(t, errors.Is(err, ErrTokenExpired))
}

// TestDirectoryCredentialsAuthorize: the verified identity decides as what
// it is: a RAM user by its ID, a role session by its credentials (its
// role's policies, not the user's who assumed it); without a directory or
// an identity the answer is ImplicitDeny with ErrUnavailable.
func TestDirectoryCredentialsAuthorize(t *testing.T) {
	const a = "1111111111111111"
	d := directory.MustNew(directory.Options{})
	_, err := d.CreateAccount(a)
	require.NoError(t, err)
	alice := principal.MustParse("acs:ram::" + a + ":user/alice")
	_, err = d.CreateUser(alice)
	require.NoError(t, err)
	_, err = d.AttachPolicy(alice, directory.PolicyRef{Type: directory.PolicySystem, Name: "AliyunSTSAssumeRoleAccess"})
	require.NoError(t, err)
	ops := principal.MustParse("acs:ram::" + a + ":role/ops")
	_, err = d.CreateRole(ops, directory.RoleSpec{TrustPolicy: `{"Version":"1","Statement":[{"Effect":"Allow",
	  "Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + a + `:root"]}}]}`,
		Policies: []directory.PolicyRef{{Type: directory.PolicySystem, Name: "AliyunARMSReadOnlyAccess"}}})
	require.NoError(t, err)
	out, err := d.AssumeRole(directory.AssumeRoleInput{Caller: alice, Role: ops, SessionName: "alice"})
	require.NoError(t, err)
	c := DirectoryCredentials{Directory: d}
	read := evaluator.Request{Action: "arms:ListDashboards", Resource: "acs:arms:cn-hangzhou:" + a + ":dashboard/x"}
	assume := evaluator.Request{Action: "sts:AssumeRole", Resource: ops.String()}

	user := &Identity{Principal: alice, AccessKeyID: "LTAIunused"}
	session := &Identity{Principal: out.Session, AccessKeyID: out.Credentials.AccessKeyID,
		SecurityToken: out.Credentials.SecurityToken.Reveal()}
	for _, tc := range []struct {
		who  *Identity
		req  evaluator.Request
		want evaluator.Decision
	}{
		{user, assume, evaluator.Allow}, {user, read, evaluator.ImplicitDeny},
		{session, read, evaluator.Allow}, {session, assume, evaluator.ImplicitDeny},
	} {
		res, err := c.Authorize(tc.who, tc.req)
		require.NoError(t, err)
		assert.Equal(t, tc.want, res.Decision, "%v %s", tc.who.Principal, tc.req.Action)
		x, err := c.Explain(tc.who, tc.req)
		require.NoError(t, err)
		assert.Equal(t, tc.want, x.Decision)
	}
	forged := *session
	forged.SecurityToken = forged.SecurityToken[:20]
	res, err := c.Authorize(&forged, read)
	assert.ErrorIs(t, err, directory.ErrTokenMalformed)
	assert.Equal(t, evaluator.ImplicitDeny, res.Decision)

	res, err = DirectoryCredentials{}.Authorize(user, read)
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.Equal(t, evaluator.ImplicitDeny, res.Decision)
	res, err = c.Authorize(nil, read)
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.Equal(t, evaluator.ImplicitDeny, res.Decision)
	x, err := c.Explain(nil, read)
	assert.ErrorIs(t, err, ErrUnavailable)
	assert.Equal(t, evaluator.ImplicitDeny, x.Decision)
}

// BenchmarkCredentialLookup compares the secret lookup a Verify makes per
// request: MemoryCredentials (a map), DirectoryCredentials for an access
// key (a snapshot lookup and an AES-GCM open of the sealed secret) and for
// a session (a cached opened token, the role and revocation checks).
func BenchmarkCredentialLookup(b *testing.B) {
	const a = "1111111111111111"
	d := directory.MustNew(directory.Options{})
	_, _ = d.CreateAccount(a)
	alice := principal.MustParse("acs:ram::" + a + ":user/alice")
	_, _ = d.CreateUser(alice)
	_, _ = d.AttachPolicy(alice, directory.PolicyRef{Type: directory.PolicySystem, Name: "AliyunSTSAssumeRoleAccess"})
	ops := principal.MustParse("acs:ram::" + a + ":role/ops")
	_, _ = d.CreateRole(ops, directory.RoleSpec{TrustPolicy: `{"Version":"1","Statement":[{"Effect":"Allow",
	  "Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + a + `:root"]}}]}`})
	key, _, err := d.CreateAccessKey(alice)
	require.NoError(b, err)
	out, err := d.AssumeRole(directory.AssumeRoleInput{Caller: alice, Role: ops, SessionName: "alice"})
	require.NoError(b, err)
	mem := &MemoryCredentials{}
	mem.AddAccessKey(key.ID, key.Secret.Reveal(), alice)
	dc := DirectoryCredentials{Directory: d}
	token := out.Credentials.SecurityToken.Reveal()
	b.Run("memory", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := mem.AccessKeySecret(key.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("directory-key", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := dc.AccessKeySecret(key.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("directory-session", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := dc.SessionCredential(out.Credentials.AccessKeyID, token); err != nil {
				b.Fatal(err)
			}
		}
	})
}
