package directory

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"

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
