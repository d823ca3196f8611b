package directory

import (
	"encoding/base64"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

// sessionFixture: dave of B may assume A's ops role, which holds ARMS
// full access.
func sessionFixture(t testing.TB) (*fixture, principal.ID, principal.ID) {
	f := newFixture(t)
	caller := f.user(t, uidB, "dave", allowAssumeAny)
	r := f.role(t, uidA, "ops", doc(trustRAM("Allow", rootARN(uidB))), 0, "AliyunARMSFullAccess")
	return f, caller, r
}

var armsReq = req("arms:CreateAlertRules", "acs:arms:cn:"+uidA+":x")

func (f *fixture) decideSession(c SessionCredentials) (evaluator.Decision, error) {
	res, err := f.d.AuthorizeSession(c.AccessKeyID, c.SecurityToken, armsReq)
	return res.Decision, err
}

func TestSessionExpiry(t *testing.T) {
	f, caller, r := sessionFixture(t)
	out, err := f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: r, SessionName: "dave", DurationSeconds: 900})
	require.NoError(t, err)
	c := creds(out)
	for _, tc := range []struct {
		at  time.Duration
		err error
	}{
		{0, nil},
		{899 * time.Second, nil},
		{900 * time.Second, ErrTokenExpired},
		{2 * time.Hour, ErrTokenExpired},
	} {
		f.clk.Set(t0.Add(tc.at))
		dec, err := f.decideSession(c)
		if tc.err == nil {
			require.NoError(t, err, tc.at)
			assert.Equal(t, evaluator.Allow, dec)
		} else {
			requireErr(t, err, tc.err)
			assert.Equal(t, evaluator.ImplicitDeny, dec)
		}
	}
	_, err = f.d.AssumeRole(AssumeRoleInput{CallerSession: c, Role: r, SessionName: "again"})
	require.ErrorIs(t, err, ErrNoPermission)
	require.ErrorIs(t, err, ErrTokenExpired)
}

func TestSessionRevocation(t *testing.T) {
	setup := func(t *testing.T) (*fixture, principal.ID, principal.ID, SessionCredentials) {
		f, caller, r := sessionFixture(t)
		c := creds(f.assume(t, caller, r))
		dec, err := f.decideSession(c)
		require.NoError(t, err)
		require.Equal(t, evaluator.Allow, dec)
		return f, caller, r, c
	}
	t.Run("detach role policy", func(t *testing.T) {
		f, _, r, c := setup(t)
		_, err := f.d.DetachPolicy(r, sys("AliyunARMSFullAccess"))
		require.NoError(t, err)
		dec, err := f.decideSession(c)
		require.NoError(t, err)
		assert.Equal(t, evaluator.ImplicitDeny, dec)
	})
	t.Run("delete and re-create role", func(t *testing.T) {
		f, caller, r, c := setup(t)
		_, err := f.d.DeleteRole(r, DeleteStrict)
		requireErr(t, err, ErrInUse)
		_, err = f.d.DeleteRole(r, DeleteCascade)
		require.NoError(t, err)
		dec, err := f.decideSession(c)
		requireErr(t, err, ErrTokenRevoked)
		assert.Equal(t, evaluator.ImplicitDeny, dec)
		_, err = f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: r, SessionName: "s-1"})
		require.ErrorIs(t, err, ErrNotFound)
		// A new role with the same name has a new RoleId: old tokens stay dead.
		f.role(t, uidA, "ops", doc(trustRAM("Allow", rootARN(uidB))), 0, "AliyunARMSFullAccess")
		_, err = f.decideSession(c)
		requireErr(t, err, ErrTokenRevoked)
		_, _, err = f.d.SessionCredential(c.AccessKeyID, c.SecurityToken)
		requireErr(t, err, ErrTokenRevoked)
	})
	t.Run("trust change keeps existing sessions", func(t *testing.T) {
		f, caller, r, c := setup(t)
		_, err := f.d.UpdateRole(r, RoleUpdate{TrustPolicy: doc(trustRAM("Allow", rootARN(uidC)))})
		require.NoError(t, err)
		_, err = f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: r, SessionName: "s-1"})
		requireRefusal(t, err, SideTrust, false)
		dec, err := f.decideSession(c)
		require.NoError(t, err)
		assert.Equal(t, evaluator.Allow, dec)
	})
	t.Run("RevokeSessions cut-off is exclusive and only moves forward", func(t *testing.T) {
		f, caller, r, c := setup(t)
		f.clk.Add(time.Minute)
		atCut := creds(f.assume(t, caller, r)) // issued exactly at the cut-off
		cut := f.clk.Now()
		_, err := f.d.RevokeSessions(r, cut)
		require.NoError(t, err)
		_, err = f.decideSession(c)
		requireErr(t, err, ErrTokenRevoked)
		dec, err := f.decideSession(atCut)
		require.NoError(t, err, "a session issued at the cut-off survives")
		assert.Equal(t, evaluator.Allow, dec)
		rev := f.d.Revision()
		r2, err := f.d.RevokeSessions(r, t0)
		require.NoError(t, err)
		assert.Equal(t, rev, r2, "an earlier cut-off is nothing to do")
		info, err := f.d.GetRole(r)
		require.NoError(t, err)
		assert.Equal(t, cut, info.RevokedBefore)
		_, err = f.d.RevokeSessions(roleID(uidA, "nope"), cut)
		requireErr(t, err, ErrNotFound)
		_, err = f.d.RevokeSessions(caller, cut)
		requireErr(t, err, ErrInvalid)
		_, err = f.d.RevokeSessions(r, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
		requireErr(t, err, ErrInvalid)
	})
	t.Run("RevokeAllSessions includes sessions issued now", func(t *testing.T) {
		f, caller, r, c := setup(t)
		now := creds(f.assume(t, caller, r))
		_, err := f.d.RevokeAllSessions(r)
		require.NoError(t, err)
		for _, x := range []SessionCredentials{c, now} {
			_, err = f.decideSession(x)
			requireErr(t, err, ErrTokenRevoked)
		}
		f.clk.Add(time.Second)
		later := creds(f.assume(t, caller, r))
		dec, err := f.decideSession(later)
		require.NoError(t, err)
		assert.Equal(t, evaluator.Allow, dec)
	})
}

func TestTokenTampering(t *testing.T) {
	f, caller, r := sessionFixture(t)
	c := creds(f.assume(t, caller, r))
	other := creds(f.assume(t, caller, r))
	raw, err := base64.RawURLEncoding.DecodeString(c.SecurityToken)
	require.NoError(t, err)
	flip := func(i int) string {
		b := append([]byte(nil), raw...)
		b[i] ^= 1
		return base64.RawURLEncoding.EncodeToString(b)
	}
	cases := map[string]SessionCredentials{
		"empty":                {c.AccessKeyID, ""},
		"not base64":           {c.AccessKeyID, "!!!"},
		"truncated by one":     {c.AccessKeyID, base64.RawURLEncoding.EncodeToString(raw[:len(raw)-1])},
		"truncated to header":  {c.AccessKeyID, base64.RawURLEncoding.EncodeToString(raw[:5])},
		"format byte flipped":  {c.AccessKeyID, flip(0)},
		"key id flipped":       {c.AccessKeyID, flip(3)},
		"nonce flipped":        {c.AccessKeyID, flip(8)},
		"ciphertext flipped":   {c.AccessKeyID, flip(len(raw) / 2)},
		"tag flipped":          {c.AccessKeyID, flip(len(raw) - 1)},
		"extra byte":           {c.AccessKeyID, base64.RawURLEncoding.EncodeToString(append(append([]byte(nil), raw...), 0))},
		"padding appended":     {c.AccessKeyID, c.SecurityToken + "="},
		"session ARN as token": {c.AccessKeyID, "acs:ram::" + uidA + ":role/ops/s-1"},
	}
	for name, x := range cases {
		t.Run(name, func(t *testing.T) {
			dec, err := f.decideSession(x)
			requireErr(t, err, ErrTokenMalformed)
			assert.Equal(t, evaluator.ImplicitDeny, dec)
			_, _, err = f.d.SessionCredential(x.AccessKeyID, x.SecurityToken)
			requireErr(t, err, ErrTokenMalformed)
		})
	}
	t.Run("another session's AccessKeyId", func(t *testing.T) {
		_, err := f.decideSession(SessionCredentials{other.AccessKeyID, c.SecurityToken})
		requireErr(t, err, ErrTokenKeyMismatch)
		// Also after the token is cached under its own AccessKeyId.
		_, err = f.decideSession(c)
		require.NoError(t, err)
		_, err = f.decideSession(SessionCredentials{other.AccessKeyID, c.SecurityToken})
		requireErr(t, err, ErrTokenKeyMismatch)
		_, _, err = f.d.SessionCredential(other.AccessKeyID, c.SecurityToken)
		requireErr(t, err, ErrTokenKeyMismatch)
	})
	t.Run("token of another directory", func(t *testing.T) {
		g, caller2, r2 := sessionFixture(t)
		foreign := creds(g.assume(t, caller2, r2))
		_, err := f.decideSession(foreign)
		requireErr(t, err, ErrTokenMalformed)
	})
}

func TestTokenKeyRotation(t *testing.T) {
	f, caller, r := sessionFixture(t)
	old := creds(f.assume(t, caller, r))
	oldKey := f.d.TokenKeys()[0].ID
	_, err := f.d.RetireTokenKey(oldKey)
	requireErr(t, err, ErrInUse)
	_, err = f.d.RotateTokenKey()
	require.NoError(t, err)
	keys := f.d.TokenKeys()
	require.Len(t, keys, 2)
	assert.Equal(t, oldKey, keys[1].ID)
	assert.Equal(t, t0, keys[1].Rotated)
	fresh := creds(f.assume(t, caller, r))
	for _, c := range []SessionCredentials{old, fresh} {
		dec, err := f.decideSession(c)
		require.NoError(t, err, "old keys verify until retired")
		assert.Equal(t, evaluator.Allow, dec)
	}
	_, err = f.d.RetireTokenKey(oldKey)
	require.NoError(t, err)
	_, err = f.decideSession(old)
	requireErr(t, err, ErrTokenMalformed)
	_, _, err = f.d.SessionCredential(old.AccessKeyID, old.SecurityToken)
	requireErr(t, err, ErrTokenMalformed)
	dec, err := f.decideSession(fresh)
	require.NoError(t, err)
	assert.Equal(t, evaluator.Allow, dec)
	_, err = f.d.RetireTokenKey(oldKey)
	requireErr(t, err, ErrNotFound)

	// Keys rotated out longer ago than the longest session are dropped.
	_, err = f.d.RotateTokenKey()
	require.NoError(t, err)
	f.clk.Add(MaxMaxSessionDuration*time.Second + time.Second)
	_, err = f.d.RotateTokenKey()
	require.NoError(t, err)
	assert.Len(t, f.d.TokenKeys(), 2)
}

// TestOneClock (D29, D28): the session is stamped by the directory's
// clock; a clock outside 0001–9999 refuses AssumeRole and commits.
func TestOneClock(t *testing.T) {
	f, caller, r := sessionFixture(t)
	out := f.assume(t, caller, r)
	assert.Equal(t, t0.Add(time.Hour), out.Credentials.Expiration)
	f.clk.Set(time.Date(9999, 12, 31, 23, 30, 0, 0, time.UTC))
	_, err := f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: r, SessionName: "late"})
	require.ErrorIs(t, err, ErrInvalid, "expiry would pass year 9999")
	f.clk.Set(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
	_, err = f.d.CreateUser(userID(uidA, "late"))
	requireErr(t, err, ErrInvalid)
	f.clk.Set(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC))
	out, err = f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: r, SessionName: "early"})
	require.NoError(t, err, "year 1 is in range")
	_, _, err = f.d.SessionCredential(out.Credentials.AccessKeyID, out.Credentials.SecurityToken.Reveal())
	require.NoError(t, err, "times before 1678 round-trip through the token")
}

// FuzzSessionToken: no token that was not issued by the directory
// authorizes anything, and issued tokens are never refused as malformed.
func FuzzSessionToken(f *testing.F) {
	fx, caller, r := sessionFixture(f)
	good := creds(fx.assume(f, caller, r))
	f.Add(good.AccessKeyID, good.SecurityToken)
	f.Add(good.AccessKeyID, good.SecurityToken[:len(good.SecurityToken)-2])
	f.Add("STS.x", "AQAAAAE")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, keyID, token string) {
		res, err := fx.d.AuthorizeSession(keyID, token, armsReq)
		if keyID == good.AccessKeyID && token == good.SecurityToken {
			if err != nil || res.Decision != evaluator.Allow {
				t.Fatalf("the issued token was refused: %v", err)
			}
			return
		}
		if err == nil || res.Decision != evaluator.ImplicitDeny {
			t.Fatalf("a forged token decided %v (err %v)", res.Decision, err)
		}
		_, secret, err := fx.d.SessionCredential(keyID, token)
		if err == nil || secret != "" {
			t.Fatal("a forged token opened")
		}
	})
}

// TestExplainSessionLayers (issue 11 item 14): Explain says whether the
// session policy, the role's policies or the account boundary decided.
func TestExplainSessionLayers(t *testing.T) {
	f, caller, r := sessionFixture(t)
	out, err := f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: r, SessionName: "s-1", Policy: doc(stmt("Allow", "arms:List*", "*"))})
	require.NoError(t, err)
	c := creds(out)
	for _, tc := range []struct {
		r     evaluator.Request
		dec   evaluator.Decision
		layer Layer
	}{
		{req("arms:ListDashboards", "*"), evaluator.Allow, LayerIdentity},
		{req("arms:CreateAlertRules", "*"), evaluator.ImplicitDeny, LayerSessionPolicy},
		{req("arms:ListDashboards", "acs:arms:cn:"+uidB+":x"), evaluator.ImplicitDeny, LayerAccountBoundary},
	} {
		x, err := f.d.ExplainSession(c.AccessKeyID, c.SecurityToken, tc.r)
		require.NoError(t, err)
		assert.Equal(t, tc.dec, x.Decision, tc.r.Action)
		assert.Equal(t, tc.layer, x.Layer, tc.r.Action)
		res, err := f.d.AuthorizeSession(c.AccessKeyID, c.SecurityToken, tc.r)
		require.NoError(t, err)
		assert.Equal(t, res.Decision, x.Decision, "Explain agrees with Authorize")
	}
}

// TestAuthorizeSessionNoAllocs: a session decision with its token and
// session policy cached allocates nothing (issue 13's target), and neither
// does the first one after a commit in another account.
func TestAuthorizeSessionNoAllocs(t *testing.T) {
	f, caller, role := sessionFixture(t)
	out, err := f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: role, SessionName: "s-1", Policy: doc(stmt("Allow", "arms:*", "*"))})
	require.NoError(t, err)
	c := creds(out)
	res, err := f.d.AuthorizeSession(c.AccessKeyID, c.SecurityToken, armsReq) // opens and caches
	require.NoError(t, err)
	require.Equal(t, evaluator.Allow, res.Decision)
	allocs := testing.AllocsPerRun(200, func() {
		res, err := f.d.AuthorizeSession(c.AccessKeyID, c.SecurityToken, armsReq)
		if err != nil || res.Decision != evaluator.Allow {
			t.Fatal("want Allow", res, err)
		}
	})
	assert.Zero(t, allocs)
	for i := range 20 {
		_, err := f.d.CreateUser(userID(uidB, "x"+strconv.Itoa(i)))
		require.NoError(t, err)
		var res Result
		n := mallocs(func() { res, err = f.d.AuthorizeSession(c.AccessKeyID, c.SecurityToken, armsReq) })
		require.NoError(t, err)
		require.Equal(t, evaluator.Allow, res.Decision)
		assert.Zero(t, n, "decision %d after an unrelated commit allocates", i)
	}
}
