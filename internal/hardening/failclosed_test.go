package hardening

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
	"github.com/ramauthz/ramauthz/role"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fail closed through the directory and STS: every error on the decision
// path comes with ImplicitDeny, and a refused change grants nothing.

const allowAllDoc = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// allowAllDirectory has user u0 allowed everything, role r0 (trusting the
// account) allowed everything, and one session of r0.
func allowAllDirectory(t testing.TB, now *time.Time, limits principal.Limits) (*principal.Directory, principal.SessionCredentials) {
	t.Helper()
	dir := principal.New(principal.Config{Clock: func() time.Time { return *now }, Limits: limits})
	require.NoError(t, dir.CreateAccount(acct))
	_, err := dir.CreatePolicy(acct, "All", "", allowAllDoc)
	require.NoError(t, err)
	_, err = dir.CreateUser(acct, "u0")
	require.NoError(t, err)
	u0 := principal.MustParse("acs:ram::" + acct + ":user/u0")
	require.NoError(t, dir.AttachPolicy(u0, principal.Custom, "All"))
	_, err = dir.CreateRole(acct, principal.RoleSpec{Name: "r0", TrustPolicy: trustRoot,
		Policies: []principal.Attachment{{Type: principal.Custom, Name: "All"}}})
	require.NoError(t, err)
	sess, err := dir.CreateSession(principal.SessionSpec{Role: principal.MustParse("acs:ram::" + acct + ":role/r0"),
		Name: "s1", Caller: u0, Duration: 900}, dir.Generation())
	require.NoError(t, err)
	return dir, sess
}

var anyRequest = evaluator.Request{Action: "ecs:RunInstances", Resource: "acs:ecs:cn-hangzhou:" + acct + ":instance/i-1"}

// TestFailClosedPrincipals: principals that do not resolve, or resolve to
// something that cannot act, are denied with an error, even though the
// identities they resemble are allowed everything.
func TestFailClosedPrincipals(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	dir, sess := allowAllDirectory(t, &now, principal.Limits{})
	u0 := "acs:ram::" + acct + ":user/u0"
	dec, err := dir.Authorize(u0, anyRequest)
	require.NoError(t, err)
	require.Equal(t, evaluator.Allow, dec, "the control is allowed")
	dec, err = dir.Authorize(sess.AccessKeyID, anyRequest)
	require.NoError(t, err)
	require.Equal(t, evaluator.Allow, dec, "the control session is allowed")

	tests := []struct {
		name, who string
		sentinel  error
	}{
		{"empty", "", nil},
		{"unknown user", "acs:ram::" + acct + ":user/nobody", principal.ErrNotFound},
		{"unknown account", "acs:ram::6543210987654321:user/u0", principal.ErrNotFound},
		{"role ARN (roles act through sessions)", "acs:ram::" + acct + ":role/r0", principal.ErrInvalid},
		{"group ARN", "acs:ram::" + acct + ":group/g0", nil},
		{"unknown session", "acs:ram::" + acct + ":role/r0/nosuch", principal.ErrNotFound},
		{"unknown STS key", "STS.NoSuchKeyNoSuchKeyNoSuchKeyNo", principal.ErrNotFound},
		{"unknown access key", "LTAI5tNoSuchKey", principal.ErrNotFound},
		{"wildcard user", "acs:ram::" + acct + ":user/*", nil},
		{"wildcard account", "acs:ram::*:user/u0", nil},
		{"trailing NUL", u0 + "\x00", nil},
		{"NUL inside", "acs:ram::" + acct + ":user/u\x000", nil},
		{"invalid UTF-8", u0 + "\xff", nil},
		{"trailing space", u0 + " ", nil},
		{"leading space", " " + u0, nil},
		{"upper-case kind", "acs:ram::" + acct + ":USER/u0", nil},
		{"1 MiB", u0 + strings.Repeat("x", 1<<20), nil},
		{"1 MiB of separators", strings.Repeat(":", 1<<20), nil},
		{"user path", "acs:ram::" + acct + ":user/u0/extra", nil},
		{"session key with a suffix", sess.AccessKeyID + "x", principal.ErrNotFound},
		{"session key lower-cased", strings.ToLower(sess.AccessKeyID), nil},
		{"service principal", "ecs.aliyuncs.com", nil},
		{"identity provider", "acs:ram::" + acct + ":saml-provider/idp", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dec, err := dir.Authorize(tc.who, anyRequest)
			require.Error(t, err, "%q resolved", tc.who)
			assert.Equal(t, evaluator.ImplicitDeny, dec)
			if tc.sentinel != nil {
				assert.ErrorIs(t, err, tc.sentinel)
			}
			var pe *principal.Error
			assert.True(t, errors.As(err, &pe), "error %T is not a *principal.Error", err)
			x, err := dir.Explain(tc.who, anyRequest)
			require.Error(t, err)
			assert.Equal(t, evaluator.ImplicitDeny, x.Decision)
		})
	}
}

// TestFailClosedSessions: a session past its expiry, revoked, or of a
// deleted role is denied with an error on the next decision; so is the
// caller of AssumeRole whose session policy is over the limit, and nothing
// is recorded for it.
func TestFailClosedSessions(t *testing.T) {
	t.Run("expired at the second", func(t *testing.T) {
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		dir, sess := allowAllDirectory(t, &now, principal.Limits{})
		now = sess.Expiration.Add(-time.Nanosecond)
		dec, err := dir.Authorize(sess.AccessKeyID, anyRequest)
		require.NoError(t, err)
		require.Equal(t, evaluator.Allow, dec)
		now = sess.Expiration
		dec, err = dir.Authorize(sess.AccessKeyID, anyRequest)
		require.ErrorIs(t, err, principal.ErrExpired)
		require.Equal(t, evaluator.ImplicitDeny, dec)
		dec, err = dir.Authorize(sess.ARN.String(), anyRequest)
		require.ErrorIs(t, err, principal.ErrExpired)
		require.Equal(t, evaluator.ImplicitDeny, dec)
		_, err = dir.VerifySession(sess.AccessKeyID, sess.AccessKeySecret, sess.SecurityToken)
		require.ErrorIs(t, err, principal.ErrExpired)
	})
	t.Run("revoked, then the clock goes back", func(t *testing.T) {
		// Revocation is a cut-off on the issue time, not on the clock, so
		// a clock that goes back does not revive a revoked session.
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		dir, sess := allowAllDirectory(t, &now, principal.Limits{})
		require.NoError(t, dir.RevokeSessions(principal.MustParse("acs:ram::"+acct+":role/r0"), now.Add(time.Second)))
		now = now.Add(-time.Hour)
		dec, err := dir.Authorize(sess.AccessKeyID, anyRequest)
		require.ErrorIs(t, err, principal.ErrExpired)
		require.Equal(t, evaluator.ImplicitDeny, dec)
	})
	t.Run("session policy over the limit", func(t *testing.T) {
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		dir, _ := allowAllDirectory(t, &now, principal.Limits{})
		roleID := principal.MustParse("acs:ram::" + acct + ":role/r0")
		before, err := dir.ListSessions(roleID)
		require.NoError(t, err)
		big := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"acs:` + strings.Repeat("x", 2048) + `"}]}`
		_, err = role.New(dir).AssumeRole(role.AssumeRoleInput{Caller: "acs:ram::" + acct + ":user/u0",
			RoleARN: roleID.String(), RoleSessionName: "big", Policy: big})
		require.ErrorIs(t, err, role.ErrPolicySize)
		after, err := dir.ListSessions(roleID)
		require.NoError(t, err)
		require.Len(t, after, len(before))
		dec, err := dir.Authorize("acs:ram::"+acct+":role/r0/big", anyRequest)
		require.ErrorIs(t, err, principal.ErrNotFound)
		require.Equal(t, evaluator.ImplicitDeny, dec)
	})
}

// TestFailClosedLimits: a change refused because of a limit grants nothing;
// the decisions are those of the state before the refused change.
func TestFailClosedLimits(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	u0 := principal.MustParse("acs:ram::" + acct + ":user/u1")
	newDir := func(t *testing.T, l principal.Limits) *principal.Directory {
		dir, _ := allowAllDirectory(t, &now, l)
		_, err := dir.CreateUser(acct, "u1")
		require.NoError(t, err)
		return dir
	}
	svcDoc := func(i int) string {
		return `{"Version":"1","Statement":[{"Effect":"Allow","Action":"svc` + strconv.Itoa(i) + `:*","Resource":"*"}]}`
	}
	req := func(i int) evaluator.Request {
		return evaluator.Request{Action: "svc" + strconv.Itoa(i) + ":Do", Resource: "acs:svc:*:" + acct + ":x"}
	}
	decide := func(t *testing.T, dir *principal.Directory, i int) evaluator.Decision {
		dec, err := dir.Authorize(u0.String(), req(i))
		require.NoError(t, err)
		return dec
	}

	t.Run("custom policies per identity", func(t *testing.T) {
		dir := newDir(t, principal.Limits{CustomAttached: 3})
		for i := 0; i < 4; i++ {
			_, err := dir.CreatePolicy(acct, "S"+strconv.Itoa(i), "", svcDoc(i))
			require.NoError(t, err)
		}
		for i := 0; i < 3; i++ {
			require.NoError(t, dir.AttachPolicy(u0, principal.Custom, "S"+strconv.Itoa(i)))
		}
		err := dir.AttachPolicy(u0, principal.Custom, "S3")
		require.ErrorIs(t, err, principal.ErrLimit)
		var pe *principal.Error
		require.True(t, errors.As(err, &pe))
		assert.Equal(t, principal.LimitCustomAttached, pe.Limit)
		assert.Equal(t, evaluator.Allow, decide(t, dir, 2))
		assert.Equal(t, evaluator.ImplicitDeny, decide(t, dir, 3))
	})
	t.Run("groups per user", func(t *testing.T) {
		dir := newDir(t, principal.Limits{GroupsPerUser: 1})
		for i := 0; i < 2; i++ {
			g := "g" + strconv.Itoa(i)
			_, err := dir.CreateGroup(acct, g)
			require.NoError(t, err)
			_, err = dir.CreatePolicy(acct, "S"+strconv.Itoa(i), "", svcDoc(i))
			require.NoError(t, err)
			require.NoError(t, dir.AttachPolicy(principal.MustParse("acs:ram::"+acct+":group/"+g), principal.Custom, "S"+strconv.Itoa(i)))
		}
		require.NoError(t, dir.AddUserToGroup(acct, "u1", "g0"))
		require.ErrorIs(t, dir.AddUserToGroup(acct, "u1", "g1"), principal.ErrLimit)
		assert.Equal(t, evaluator.Allow, decide(t, dir, 0))
		assert.Equal(t, evaluator.ImplicitDeny, decide(t, dir, 1))
	})
	t.Run("policy document size", func(t *testing.T) {
		dir := newDir(t, principal.Limits{})
		big := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"svc0:*","Resource":"acs:` + strings.Repeat("x", 6144) + `"}]}`
		_, err := dir.CreatePolicy(acct, "Big", "", big)
		require.ErrorIs(t, err, principal.ErrLimit)
		require.ErrorIs(t, dir.AttachPolicy(u0, principal.Custom, "Big"), principal.ErrNotFound)
		assert.Equal(t, evaluator.ImplicitDeny, decide(t, dir, 0))
	})
	t.Run("versions per policy", func(t *testing.T) {
		dir := newDir(t, principal.Limits{VersionsPerPolicy: 2})
		_, err := dir.CreatePolicy(acct, "S", "", svcDoc(0))
		require.NoError(t, err)
		require.NoError(t, dir.AttachPolicy(u0, principal.Custom, "S"))
		_, err = dir.CreatePolicyVersion(acct, "S", svcDoc(1), false, principal.RotateNone)
		require.NoError(t, err)
		_, err = dir.CreatePolicyVersion(acct, "S", svcDoc(2), true, principal.RotateNone)
		require.ErrorIs(t, err, principal.ErrLimit)
		assert.Equal(t, evaluator.Allow, decide(t, dir, 0), "v1 is still the default")
		assert.Equal(t, evaluator.ImplicitDeny, decide(t, dir, 1), "v2 was never made the default")
		assert.Equal(t, evaluator.ImplicitDeny, decide(t, dir, 2), "the refused version grants nothing")
	})
}

// TestFailClosedRequestsThroughDirectory: request values that cannot be
// read reach the evaluator unchanged and fail closed there; huge requests
// are decided, not refused, and nothing panics.
func TestFailClosedRequestsThroughDirectory(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	dir := principal.New(principal.Config{Clock: func() time.Time { return now }})
	require.NoError(t, dir.CreateAccount(acct))
	_, err := dir.CreateUser(acct, "u0")
	require.NoError(t, err)
	_, err = dir.CreatePolicy(acct, "Office", "", `{"Version":"1","Statement":[`+
		`{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}},`+
		`{"Effect":"Deny","Action":"ecs:Delete*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"false"}}}]}`)
	require.NoError(t, err)
	require.NoError(t, dir.AttachPolicy(principal.MustParse("acs:ram::"+acct+":user/u0"), principal.Custom, "Office"))
	withCtx := func(kv ...string) *evaluator.Context {
		c := &evaluator.Context{}
		for i := 0; i+1 < len(kv); i += 2 {
			c.Set(kv[i], kv[i+1])
		}
		return c
	}
	tests := []struct {
		name string
		r    evaluator.Request
		want evaluator.Decision
	}{
		{"good address", evaluator.Request{Action: "ecs:Run", Resource: "r", Context: withCtx("acs:SourceIp", "10.1.2.3")}, evaluator.Allow},
		{"unreadable address", evaluator.Request{Action: "ecs:Run", Resource: "r", Context: withCtx("acs:SourceIp", "ten.one")}, evaluator.ImplicitDeny},
		{"no context", evaluator.Request{Action: "ecs:Run", Resource: "r"}, evaluator.ImplicitDeny},
		{"unreadable transport switches the Deny on", evaluator.Request{Action: "ecs:DeleteInstance", Resource: "r",
			Context: withCtx("acs:SourceIp", "10.1.2.3", "acs:SecureTransport", "perhaps")}, evaluator.ExplicitDeny},
		{"1 MiB action", evaluator.Request{Action: "ecs:" + strings.Repeat("R", 1<<20), Resource: "r",
			Context: withCtx("acs:SourceIp", "10.1.2.3")}, evaluator.Allow},
		{"1 MiB address", evaluator.Request{Action: "ecs:Run", Resource: "r",
			Context: withCtx("acs:SourceIp", strings.Repeat("1", 1<<20))}, evaluator.ImplicitDeny},
		{"NUL in the action", evaluator.Request{Action: "ecs\x00:Run", Resource: "r",
			Context: withCtx("acs:SourceIp", "10.1.2.3")}, evaluator.ImplicitDeny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dec, err := dir.Authorize("acs:ram::"+acct+":user/u0", tc.r)
			require.NoError(t, err)
			assert.Equal(t, tc.want, dec)
		})
	}
}
