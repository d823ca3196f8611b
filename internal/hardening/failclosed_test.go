package hardening

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

// Fail closed through the directory and AssumeRole: every error on the
// decision path comes with ImplicitDeny, and a refused change grants
// nothing.

var anyRequest = evaluator.Request{Action: "ecs:RunInstances", Resource: "acs:ecs:cn-hangzhou:" + acct + ":instance/i-1"}

// TestFailClosedPrincipals: identifiers, keys and tokens that do not
// resolve, or resolve to something that cannot act, are denied with an
// error, even though the identities they resemble are allowed everything.
func TestFailClosedPrincipals(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	dir, sess, key := allowAllDirectory(t, &now, directory.Limits{})
	u0 := "acs:ram::" + acct + ":user/u0"
	for _, who := range []string{u0, key.ID, sess.AccessKey} {
		dec, err := authorizeAs(dir, who, sess.Token, anyRequest)
		require.NoError(t, err)
		require.Equal(t, evaluator.Allow, dec, "the control %q is allowed", who)
	}

	tests := []struct {
		name, who, token string
		sentinel         error
	}{
		{"empty", "", "", nil},
		{"unknown user", "acs:ram::" + acct + ":user/nobody", "", directory.ErrNotFound},
		{"unknown account", "acs:ram::6543210987654321:user/u0", "", directory.ErrNotFound},
		{"role ARN (roles act through sessions)", "acs:ram::" + acct + ":role/r0", "", directory.ErrInvalid},
		{"group ARN", "acs:ram::" + acct + ":group/g0", "", nil},
		{"session ARN (not a credential)", sess.ARN.String(), "", nil},
		{"unknown STS key with the session's token", "STS.NoSuchKeyNoSuchKeyNoSuchKeyNo", sess.Token, directory.ErrTokenKeyMismatch},
		{"session key without its token", sess.AccessKey, "", directory.ErrTokenMalformed},
		{"session key with a truncated token", sess.AccessKey, sess.Token[:len(sess.Token)-4], directory.ErrTokenMalformed},
		{"unknown access key", "LTAI5tNoSuchKey", "", directory.ErrKeyNotFound},
		{"access key with a suffix", key.ID + "x", "", directory.ErrKeyNotFound},
		{"access key lower-cased", "LTAI" + strings.ToLower(key.ID[4:]), "", directory.ErrKeyNotFound},
		{"wildcard user", "acs:ram::" + acct + ":user/*", "", nil},
		{"wildcard account", "acs:ram::*:user/u0", "", nil},
		{"trailing NUL", u0 + "\x00", "", nil},
		{"NUL inside", "acs:ram::" + acct + ":user/u\x000", "", nil},
		{"invalid UTF-8", u0 + "\xff", "", nil},
		{"trailing space", u0 + " ", "", nil},
		{"leading space", " " + u0, "", nil},
		{"upper-case kind", "acs:ram::" + acct + ":USER/u0", "", nil},
		{"1 MiB", u0 + strings.Repeat("x", 1<<20), "", nil},
		{"1 MiB of separators", strings.Repeat(":", 1<<20), "", nil},
		{"user path", "acs:ram::" + acct + ":user/u0/extra", "", nil},
		{"service principal", "ecs.aliyuncs.com", "", nil},
		{"identity provider", "acs:ram::" + acct + ":saml-provider/idp", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dec, err := authorizeAs(dir, tc.who, tc.token, anyRequest)
			require.Error(t, err, "%q resolved", tc.who)
			assert.Equal(t, evaluator.ImplicitDeny, dec)
			if tc.sentinel != nil {
				assert.ErrorIs(t, err, tc.sentinel)
				assert.True(t, isDirectoryError(err), "error %T is not a *directory.Error", err)
			}
			if id, perr := principal.Parse(tc.who); perr == nil {
				assert.True(t, isDirectoryError(err), "error %T is not a *directory.Error", err)
				x, err := dir.Explain(id, anyRequest)
				require.Error(t, err)
				assert.Equal(t, evaluator.ImplicitDeny, x.Decision)
			}
		})
	}
}

// TestFailClosedSessions: a session past its expiry, revoked, or of a
// deleted role is denied with an error on the next decision; so is the
// caller of AssumeRole whose session policy is over the limit, and no
// session comes of it.
func TestFailClosedSessions(t *testing.T) {
	r0 := principal.MustParse("acs:ram::" + acct + ":role/r0")
	t.Run("expired at the second", func(t *testing.T) {
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		dir, sess, _ := allowAllDirectory(t, &now, directory.Limits{})
		now = sess.Expiration.Add(-time.Nanosecond)
		res, err := dir.AuthorizeSession(sess.AccessKey, sess.Token, anyRequest)
		require.NoError(t, err)
		require.Equal(t, evaluator.Allow, res.Decision)
		now = sess.Expiration
		res, err = dir.AuthorizeSession(sess.AccessKey, sess.Token, anyRequest)
		require.ErrorIs(t, err, directory.ErrTokenExpired)
		require.Equal(t, evaluator.ImplicitDeny, res.Decision)
		_, _, err = dir.SessionCredential(sess.AccessKey, sess.Token)
		require.ErrorIs(t, err, directory.ErrTokenExpired)
	})
	t.Run("revoked, then the clock goes back", func(t *testing.T) {
		// Revocation is a cut-off on the issue time, not on the clock, so
		// a clock that goes back does not revive a revoked session.
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		dir, sess, _ := allowAllDirectory(t, &now, directory.Limits{})
		_, err := dir.RevokeSessions(r0, now.Add(time.Second))
		require.NoError(t, err)
		now = now.Add(-time.Hour)
		res, err := dir.AuthorizeSession(sess.AccessKey, sess.Token, anyRequest)
		require.ErrorIs(t, err, directory.ErrTokenRevoked)
		require.Equal(t, evaluator.ImplicitDeny, res.Decision)
	})
	t.Run("role deleted and re-created", func(t *testing.T) {
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		dir, sess, _ := allowAllDirectory(t, &now, directory.Limits{})
		_, err := dir.DeleteRole(r0, directory.DeleteCascade)
		require.NoError(t, err)
		_, err = dir.CreateRole(r0, directory.RoleSpec{TrustPolicy: trustRoot, Policies: []directory.PolicyRef{allowAll}})
		require.NoError(t, err)
		res, err := dir.AuthorizeSession(sess.AccessKey, sess.Token, anyRequest)
		require.ErrorIs(t, err, directory.ErrTokenRevoked)
		require.Equal(t, evaluator.ImplicitDeny, res.Decision)
	})
	t.Run("session policy over the limit", func(t *testing.T) {
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		dir, _, _ := allowAllDirectory(t, &now, directory.Limits{})
		before := dir.Revision()
		big := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"acs:` + strings.Repeat("x", 2048) + `"}]}`
		out, err := dir.AssumeRole(directory.AssumeRoleInput{Caller: principal.MustParse("acs:ram::" + acct + ":user/u0"),
			Role: r0, SessionName: "big", Policy: big})
		var re *directory.AssumeRoleError
		require.True(t, errors.As(err, &re), "%v", err)
		assert.Equal(t, directory.CodeInvalidPolicySize, re.Code)
		assert.Equal(t, directory.AssumeRoleOutput{}, out, "no credentials come with a refusal")
		assert.Equal(t, before, dir.Revision(), "nothing was committed")
	})
}

// TestFailClosedLimits: a change refused because of a limit grants nothing;
// the decisions are those of the state before the refused change.
func TestFailClosedLimits(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	u1 := principal.MustParse("acs:ram::" + acct + ":user/u1")
	custom := func(name string) directory.PolicyRef {
		return directory.PolicyRef{Type: directory.PolicyCustom, Name: name}
	}
	newDir := func(t *testing.T, l directory.Limits) *directory.Directory {
		dir, _, _ := allowAllDirectory(t, &now, l)
		_, err := dir.CreateUser(u1)
		require.NoError(t, err)
		return dir
	}
	svcDoc := func(i int) string {
		return `{"Version":"1","Statement":[{"Effect":"Allow","Action":"svc` + strconv.Itoa(i) + `:*","Resource":"*"}]}`
	}
	req := func(i int) evaluator.Request {
		return evaluator.Request{Action: "svc" + strconv.Itoa(i) + ":Do", Resource: "acs:svc:*:" + acct + ":x"}
	}
	decide := func(t *testing.T, dir *directory.Directory, i int) evaluator.Decision {
		res, err := dir.Authorize(u1, req(i))
		require.NoError(t, err)
		return res.Decision
	}

	t.Run("custom policies per identity", func(t *testing.T) {
		dir := newDir(t, directory.Limits{CustomAttached: 3})
		for i := 0; i < 4; i++ {
			_, err := dir.CreatePolicy(acct, directory.PolicySpec{Name: "S" + strconv.Itoa(i), Document: svcDoc(i)})
			require.NoError(t, err)
		}
		for i := 0; i < 3; i++ {
			_, err := dir.AttachPolicy(u1, custom("S"+strconv.Itoa(i)))
			require.NoError(t, err)
		}
		_, err := dir.AttachPolicy(u1, custom("S3"))
		require.ErrorIs(t, err, directory.ErrLimit)
		var de *directory.Error
		require.True(t, errors.As(err, &de))
		assert.Equal(t, directory.LimitCustomAttached, de.Limit)
		assert.Equal(t, evaluator.Allow, decide(t, dir, 2))
		assert.Equal(t, evaluator.ImplicitDeny, decide(t, dir, 3))
	})
	t.Run("groups per user", func(t *testing.T) {
		dir := newDir(t, directory.Limits{GroupsPerUser: 1})
		for i := 0; i < 2; i++ {
			g := principal.MustParse("acs:ram::" + acct + ":group/g" + strconv.Itoa(i))
			_, err := dir.CreateGroup(g)
			require.NoError(t, err)
			_, err = dir.CreatePolicy(acct, directory.PolicySpec{Name: "S" + strconv.Itoa(i), Document: svcDoc(i)})
			require.NoError(t, err)
			_, err = dir.AttachPolicy(g, custom("S"+strconv.Itoa(i)))
			require.NoError(t, err)
		}
		_, err := dir.AddUserToGroup(u1, principal.MustParse("acs:ram::"+acct+":group/g0"))
		require.NoError(t, err)
		_, err = dir.AddUserToGroup(u1, principal.MustParse("acs:ram::"+acct+":group/g1"))
		require.ErrorIs(t, err, directory.ErrLimit)
		assert.Equal(t, evaluator.Allow, decide(t, dir, 0))
		assert.Equal(t, evaluator.ImplicitDeny, decide(t, dir, 1))
	})
	t.Run("policy document size", func(t *testing.T) {
		dir := newDir(t, directory.Limits{})
		big := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"svc0:*","Resource":"acs:` + strings.Repeat("x", 6144) + `"}]}`
		_, err := dir.CreatePolicy(acct, directory.PolicySpec{Name: "Big", Document: big})
		require.ErrorIs(t, err, directory.ErrLimit)
		_, err = dir.AttachPolicy(u1, custom("Big"))
		require.ErrorIs(t, err, directory.ErrNotFound)
		assert.Equal(t, evaluator.ImplicitDeny, decide(t, dir, 0))
	})
	t.Run("versions per policy", func(t *testing.T) {
		dir := newDir(t, directory.Limits{VersionsPerPolicy: 2})
		_, err := dir.CreatePolicy(acct, directory.PolicySpec{Name: "S", Document: svcDoc(0)})
		require.NoError(t, err)
		_, err = dir.AttachPolicy(u1, custom("S"))
		require.NoError(t, err)
		_, _, err = dir.CreatePolicyVersion(acct, "S", directory.VersionSpec{Document: svcDoc(1)})
		require.NoError(t, err)
		_, _, err = dir.CreatePolicyVersion(acct, "S", directory.VersionSpec{Document: svcDoc(2), SetAsDefault: true})
		require.ErrorIs(t, err, directory.ErrLimit)
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
	dir := directory.MustNew(directory.Options{Clock: func() time.Time { return now }})
	u0 := principal.MustParse("acs:ram::" + acct + ":user/u0")
	must := func(_ directory.Revision, err error) { t.Helper(); require.NoError(t, err) }
	must(dir.CreateAccount(acct))
	must(dir.CreateUser(u0))
	must(dir.CreatePolicy(acct, directory.PolicySpec{Name: "Office", Document: `{"Version":"1","Statement":[` +
		`{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}},` +
		`{"Effect":"Deny","Action":"ecs:Delete*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"false"}}}]}`}))
	must(dir.AttachPolicy(u0, directory.PolicyRef{Type: directory.PolicyCustom, Name: "Office"}))
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
			res, err := dir.Authorize(u0, tc.r)
			require.NoError(t, err)
			assert.Equal(t, tc.want, res.Decision)
		})
	}
}
