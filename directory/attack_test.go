package directory

import (
	"bytes"
	"fmt"
	"log/slog"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/store/memstore"
)

// TestRestoreNeverRevivesRetiredTokenKey: RetireTokenKey is a revocation,
// so a forced restore of an export taken before it must not bring the key
// (and every token it sealed) back. Before the fix the restored document's
// key list was taken as is and the old session was allowed again. Covers
// the export holding the retired key as a verifying key and as its sealing
// key (a new sealing key is drawn), in memory and on a store (the tombstone
// reaches a directory reopened on it).
func TestRestoreNeverRevivesRetiredTokenKey(t *testing.T) {
	run := func(t *testing.T, f *fixture, reopen func() *Directory) {
		caller := f.user(t, uidB, "dave", allowAssumeAny)
		r := f.role(t, uidA, "ops", doc(trustRAM("Allow", rootARN(uidB))), 0, "AliyunARMSFullAccess")
		first := creds(f.assume(t, caller, r))
		sealingOld, err := f.d.Export() // the key to retire seals here
		require.NoError(t, err)
		key1 := f.d.TokenKeys()[0].ID
		_, err = f.d.RotateTokenKey()
		require.NoError(t, err)
		second := creds(f.assume(t, caller, r))
		verifyingOld, err := f.d.Export() // the key to retire only verifies here
		require.NoError(t, err)
		_, err = f.d.RetireTokenKey(key1)
		require.NoError(t, err)
		_, err = f.decideSession(first)
		requireErr(t, err, ErrTokenMalformed)

		for _, c := range []struct {
			name string
			exp  []byte
		}{{"verifying", verifyingOld}, {"sealing", sealingOld}} {
			name, exp := c.name, c.exp
			_, err = f.d.ImportWith(exp, ImportOptions{Force: true})
			require.NoError(t, err, name)
			_, err = f.decideSession(first)
			requireErr(t, err, ErrTokenMalformed)
			for _, k := range f.d.TokenKeys() {
				assert.NotEqual(t, key1, k.ID, "%s: the retired key is back", name)
			}
			fresh := creds(f.assume(t, caller, r))
			dec, err := f.decideSession(fresh)
			require.NoError(t, err, name)
			assert.Equal(t, evaluator.Allow, dec, name)
		}
		// The key that the sealing-era export no longer holds was removed
		// by that import: its tokens stay refused under every later restore.
		_, err = f.d.ImportWith(verifyingOld, ImportOptions{Force: true})
		require.NoError(t, err)
		_, err = f.decideSession(second)
		requireErr(t, err, ErrTokenMalformed)
		if reopen != nil {
			d2 := reopen()
			_, err = d2.ImportWith(verifyingOld, ImportOptions{Force: true})
			require.NoError(t, err)
			_, err = d2.AuthorizeSession(first.AccessKeyID, first.SecurityToken, armsReq)
			requireErr(t, err, ErrTokenMalformed)
		}
	}
	t.Run("memory", func(t *testing.T) {
		f := newFixture(t)
		run(t, f, nil)
	})
	t.Run("store", func(t *testing.T) {
		ms := memstore.New()
		defer ms.Close()
		clk := newClock(t0)
		d := openOn(t, ms, clk.Now)
		for _, a := range []string{uidA, uidB, uidC} {
			_, err := d.CreateAccount(a)
			require.NoError(t, err)
		}
		run(t, &fixture{d: d, clk: clk}, func() *Directory { return openOn(t, ms, clk.Now) })
	})
}

// TestSessionCredentialsNeverPrintToken: an AssumeRoleInput for role
// chaining carries the calling session's SecurityToken in a plain struct;
// printing or logging the input (or the credentials) used to write the
// token out. Every fmt verb, slog's text and JSON handlers and the
// output's own formatting now redact it; the AccessKeyId stays visible.
func TestSessionCredentialsNeverPrintToken(t *testing.T) {
	f, caller, r := sessionFixture(t)
	out := f.assume(t, caller, r)
	c := creds(out)
	secret := out.Credentials.AccessKeySecret.Reveal()
	in := AssumeRoleInput{CallerSession: c, Role: r, SessionName: "chain-1"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("assume", "in", in, "creds", c, "out", out)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("assume", "in", in, "creds", c, "out", out)
	printed := []string{logs.String()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		for _, v := range []any{in, c, &in, &c, out, []SessionCredentials{c}} {
			printed = append(printed, fmt.Sprintf(verb, v))
		}
	}
	for _, p := range printed {
		assert.NotContains(t, p, c.SecurityToken)
		assert.NotContains(t, p, secret)
	}
	assert.Equal(t, "{"+c.AccessKeyID+" [REDACTED]}", fmt.Sprint(c))
	assert.Contains(t, logs.String(), c.AccessKeyID)
}

// TestImportedVersionNeverReusesCompiledSet: compiled policy sets are
// shared by key, and the key named a policy version by its uid alone. An
// import brings the uids of the directory that exported it, so restoring
// another directory's export of account A (the same counter, so the same
// uids) left alice deciding with her old compiled "Allow *" instead of the
// imported narrow policy: a wrong Allow. The key now also fingerprints
// the version's text.
func TestImportedVersionNeverReusesCompiledSet(t *testing.T) {
	wide := newFixture(t)
	alice := wide.user(t, uidA, "alice", doc(stmt("Allow", "*", "*")))
	del := req("ecs:DeleteInstance", "acs:ecs:*:"+uidA+":instance/i-1")
	res, err := wide.d.Authorize(alice, del)
	require.NoError(t, err)
	require.Equal(t, evaluator.Allow, res.Decision)

	narrow := newFixture(t)
	narrow.user(t, uidA, "alice", doc(stmt("Allow", "oss:GetObject", "acs:oss:*:*:bucket/public")))
	exp, err := narrow.d.ExportAccount(uidA)
	require.NoError(t, err)
	_, err = wide.d.ImportWith(exp, ImportOptions{Force: true})
	require.NoError(t, err)
	res, err = wide.d.Authorize(alice, del)
	require.NoError(t, err)
	assert.Equal(t, evaluator.ImplicitDeny, res.Decision, "alice decides with the imported policy")
	res, err = wide.d.Authorize(alice, req("oss:GetObject", "acs:oss:*:*:bucket/public"))
	require.NoError(t, err)
	assert.Equal(t, evaluator.Allow, res.Decision)
}

// TestImportRefusesIDCounterOverflow: an import set the directory's ID
// counter to anything. At 2^64-1 it wrapped, new policy versions got the
// uids of existing ones and bob, holding only a narrow policy, shared
// alice's compiled "Allow *"; past 2^32 new token keys take the IDs of
// live ones. NextUID above 2^32 and version UIDs at or above it are
// refused at the boundary; the previous state stays in force.
func TestImportRefusesIDCounterOverflow(t *testing.T) {
	f := newFixture(t)
	f.user(t, uidA, "alice", doc(stmt("Allow", "*", "*")))
	exp, err := f.d.Export()
	require.NoError(t, err)
	before := f.d.Revision()
	counter := regexp.MustCompile(`"NextUID": \d+`)
	for _, n := range []string{"18446744073709551615", "4294967297"} {
		_, err = f.d.ImportWith(counter.ReplaceAll(exp, []byte(`"NextUID": `+n)), ImportOptions{Force: true})
		requireErr(t, err, ErrInvalid)
		assert.Contains(t, err.Error(), "NextUID")
	}
	uid := regexp.MustCompile(`"UID": \d+`)
	_, err = f.d.ImportWith(uid.ReplaceAll(exp, []byte(`"UID": 4294967296`)), ImportOptions{Force: true})
	requireErr(t, err, ErrInvalid)
	assert.Equal(t, before, f.d.Revision(), "a refused import commits nothing")

	// The limit itself is accepted, and the counter never wraps past it.
	_, err = f.d.ImportWith(counter.ReplaceAll(exp, []byte(`"NextUID": 4294967296`)), ImportOptions{Force: true})
	require.NoError(t, err)
	_, err = f.d.RotateTokenKey()
	requireErr(t, err, ErrLimit)
	bob := f.user(t, uidA, "bob", doc(stmt("Allow", "oss:GetObject", "acs:oss:*:*:bucket/public")))
	res, err := f.d.Authorize(bob, req("ecs:DeleteInstance", "acs:ecs:*:"+uidA+":instance/i-1"))
	require.NoError(t, err)
	assert.Equal(t, evaluator.ImplicitDeny, res.Decision)
}

// TestCachedTokenNeedsTheKeyThatOpenedIt: the session cache accepted a
// cached token as long as the state held some token key with its key ID.
// After a forced import of another directory's state (same lineage, so
// the same key IDs, but its own key material), a token the new keys
// cannot open was still allowed from the cache while an uncached copy of
// it was refused: the cache now checks the very key that opened the
// token.
func TestCachedTokenNeedsTheKeyThatOpenedIt(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.KeyEncryptionKey = testKEK })
	caller := f.user(t, uidB, "dave", allowAssumeAny)
	r := f.role(t, uidA, "ops", doc(trustRAM("Allow", rootARN(uidB))), 0, "AliyunARMSFullAccess")
	exp, err := f.d.Export()
	require.NoError(t, err)
	other, err := New(Options{Clock: f.clk.Now, KeyEncryptionKey: testKEK})
	require.NoError(t, err)
	_, err = other.Import(exp)
	require.NoError(t, err)
	_, err = other.RotateTokenKey()
	require.NoError(t, err)
	_, err = f.d.RotateTokenKey()
	require.NoError(t, err)
	require.Equal(t, other.TokenKeys()[0].ID, f.d.TokenKeys()[0].ID, "the two sealing keys share an ID")

	tok := creds(f.assume(t, caller, r))
	dec, err := f.decideSession(tok) // opens and caches the token
	require.NoError(t, err)
	require.Equal(t, evaluator.Allow, dec)
	// Re-importing its own state reopens the same keys: the cached token
	// is reopened, not refused.
	mine, err := f.d.Export()
	require.NoError(t, err)
	_, err = f.d.ImportWith(mine, ImportOptions{Force: true})
	require.NoError(t, err)
	dec, err = f.decideSession(tok)
	require.NoError(t, err)
	require.Equal(t, evaluator.Allow, dec)
	theirs, err := other.Export()
	require.NoError(t, err)
	_, err = f.d.ImportWith(theirs, ImportOptions{Force: true})
	require.NoError(t, err)
	dec, err = f.decideSession(tok)
	requireErr(t, err, ErrTokenMalformed)
	assert.Equal(t, evaluator.ImplicitDeny, dec)
	_, _, err = f.d.SessionCredential(tok.AccessKeyID, tok.SecurityToken)
	requireErr(t, err, ErrTokenMalformed)
	fresh := creds(f.assume(t, caller, r))
	dec, err = f.decideSession(fresh)
	require.NoError(t, err)
	assert.Equal(t, evaluator.Allow, dec)
}

// TestRevokeAllSessionsAtTheEndOfTime (D28): RevokeAllSessions sets its
// cut-off one nanosecond after the clock, so at the last nanosecond of
// 9999 it recorded 10000-01-01 and every later Export failed for the whole
// directory. The cut-off is now held at the last instant of 9999; sessions
// issued earlier stay refused and the state round-trips.
func TestRevokeAllSessionsAtTheEndOfTime(t *testing.T) {
	f, caller, r := sessionFixture(t)
	f.clk.Set(time.Date(9999, 12, 31, 10, 0, 0, 0, time.UTC))
	c := creds(f.assume(t, caller, r))
	f.clk.Set(maxTime)
	_, err := f.d.RevokeAllSessions(r)
	require.NoError(t, err)
	info, err := f.d.GetRole(r)
	require.NoError(t, err)
	assert.Equal(t, maxTime, info.RevokedBefore)
	exp, err := f.d.Export()
	require.NoError(t, err, "the state stays exportable")
	f.clk.Set(time.Date(9999, 12, 31, 10, 30, 0, 0, time.UTC))
	_, err = f.decideSession(c)
	requireErr(t, err, ErrTokenRevoked)
	_, err = f.d.ImportWith(exp, ImportOptions{Force: true})
	require.NoError(t, err)
	_, err = f.decideSession(c)
	requireErr(t, err, ErrTokenRevoked)
}
