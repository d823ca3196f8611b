package directory

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/store/memstore"
)

// TestRestoreNeverRevivesSessionsOfADeletedRole: a forced restore of an
// export taken before a role was deleted brings the role back, but never
// the sessions issued before the delete. The tombstone's cut-off used to
// be the instant of the delete, exclusive, so a session issued in the same
// clock reading as the delete (a frozen test clock, or any coarse clock)
// came back as Allow after the restore of its account or of the whole
// directory. The delete now refuses sessions up to and including its
// instant, as RevokeAllSessions does; sessions issued after the restore
// are valid.
func TestRestoreNeverRevivesSessionsOfADeletedRole(t *testing.T) {
	run := func(t *testing.T, f *fixture, advance time.Duration) {
		caller := f.user(t, uidB, "dave", allowAssumeAny)
		r := f.role(t, uidA, "ops", doc(trustRAM("Allow", rootARN(uidB))), 0, "AliyunARMSFullAccess")
		sess := creds(f.assume(t, caller, r))
		dec, err := f.decideSession(sess) // warm the session cache
		require.NoError(t, err)
		require.Equal(t, evaluator.Allow, dec)
		account, err := f.d.ExportAccount(uidA)
		require.NoError(t, err)
		all, err := f.d.Export()
		require.NoError(t, err)
		f.clk.Add(advance)
		_, err = f.d.DeleteRole(r, DeleteCascade)
		require.NoError(t, err)
		_, err = f.decideSession(sess)
		requireErr(t, err, ErrTokenRevoked)
		for _, c := range []struct {
			name string
			exp  []byte
		}{{"account", account}, {"directory", all}} {
			_, err = f.d.ImportWith(c.exp, ImportOptions{Force: true})
			require.NoError(t, err, c.name)
			res, err := f.d.AuthorizeSession(sess.AccessKeyID, sess.SecurityToken, armsReq)
			requireErr(t, err, ErrTokenRevoked)
			assert.Equal(t, evaluator.ImplicitDeny, res.Decision, c.name)
		}
		f.clk.Add(time.Second)
		fresh := creds(f.assume(t, caller, r))
		dec, err = f.decideSession(fresh)
		require.NoError(t, err)
		assert.Equal(t, evaluator.Allow, dec, "a session of the restored role")
	}
	for _, advance := range []time.Duration{0, time.Nanosecond, 300 * time.Millisecond} {
		t.Run("memory/"+advance.String(), func(t *testing.T) {
			run(t, newFixture(t), advance)
		})
		t.Run("store/"+advance.String(), func(t *testing.T) {
			ms := memstore.New()
			defer ms.Close()
			clk := newClock(t0.Add(123456789))
			d := openOn(t, ms, clk.Now)
			for _, a := range []string{uidA, uidB, uidC} {
				_, err := d.CreateAccount(a)
				require.NoError(t, err)
			}
			run(t, &fixture{d: d, clk: clk}, advance)
		})
	}
}
