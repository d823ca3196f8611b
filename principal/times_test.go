package principal

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// settableClock is a clock a test sets to any instant, including ones
// outside the years 0001 to 9999.
type settableClock struct{ t time.Time }

func (c *settableClock) Now() time.Time { return c.t }

// requireExportable checks that the directory still exports, and that the
// export imports into a fresh directory (spec §13 D28).
func requireExportable(t *testing.T, d *Directory) {
	t.Helper()
	data, err := d.Export()
	require.NoError(t, err, "the directory must stay exportable")
	fresh, _ := newDir(t)
	require.NoError(t, fresh.Import(data), "the export must import")
}

// withSession builds accounts A and B, a role of A trusting B, B's user
// dave, and one session of the role assumed by dave.
func withSession(t *testing.T, clk *settableClock) (*Directory, ID) {
	t.Helper()
	d := New(Config{Clock: clk.Now})
	require.NoError(t, d.CreateAccount(uidA))
	require.NoError(t, d.CreateAccount(uidB))
	_, err := d.CreateRole(uidA, RoleSpec{Name: "ops", TrustPolicy: trustRoot(uidB), Description: "for B"})
	require.NoError(t, err)
	_, err = d.CreateUser(uidB, "dave")
	require.NoError(t, err)
	roleID := MustParse("acs:ram::" + uidA + ":role/ops")
	_, err = d.CreateSession(SessionSpec{Role: roleID, Name: "s1", Caller: MustParse(userARN(uidB, "dave")),
		Duration: 3600}, d.Generation())
	require.NoError(t, err)
	return d, roleID
}

// D28: a revocation cut-off outside the years 0001 to 9999 is refused and
// changes nothing; before the fix RevokeSessions in year 10000 was accepted
// and Export then failed for the whole directory.
func TestRevokeSessionsCutOffOutsideYears1To9999(t *testing.T) {
	clk := &settableClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	d, roleID := withSession(t, clk)
	before, gen := snapshot(t, d)
	for _, cut := range []time.Time{
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 30, 0, 0, time.FixedZone("west", -3600)), // 10000-01-01T00:30Z
		time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC),
	} {
		e := requireErr(t, d.RevokeSessions(roleID, cut), ErrInvalid)
		assert.Contains(t, e.Error(), "outside the years 0001 to 9999")
	}
	after, gen2 := snapshot(t, d)
	assert.Equal(t, before, after)
	assert.Equal(t, gen, gen2)
	// The edges themselves are accepted.
	require.NoError(t, d.RevokeSessions(roleID, time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)))
	requireExportable(t, d)
}

// D28: a session whose expiry would pass the end of 9999 is refused; one
// that ends inside it is issued. Before the fix the session was recorded
// and Export failed.
func TestCreateSessionExpiryPastYear9999(t *testing.T) {
	clk := &settableClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	d, roleID := withSession(t, clk)
	clk.t = time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC)
	dave := MustParse(userARN(uidB, "dave"))
	_, err := d.CreateSession(SessionSpec{Role: roleID, Name: "late", Caller: dave, Duration: 3600}, d.Generation())
	e := requireErr(t, err, ErrInvalid)
	assert.Contains(t, e.Error(), "the session would expire at 10000-01-01T00:00:00Z")
	cred, err := d.CreateSession(SessionSpec{Role: roleID, Name: "late", Caller: dave, Duration: 900}, d.Generation())
	require.NoError(t, err)
	assert.Equal(t, time.Date(9999, 12, 31, 23, 15, 0, 0, time.UTC), cred.Expiration)
	requireExportable(t, d)
}

// D28: a clock past 9999 (or before 0001) stores nothing and decides
// nothing for sessions: every operation that would stamp a time fails, and a
// session's decision is ImplicitDeny with ErrInvalid.
func TestClockOutsideYears1To9999(t *testing.T) {
	for _, bad := range []time.Time{
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(0, 6, 1, 0, 0, 0, 0, time.UTC),
	} {
		t.Run(bad.String(), func(t *testing.T) {
			clk := &settableClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
			d, roleID := withSession(t, clk)
			_, err := d.CreatePolicy(uidA, "P", "", docAllow("ecs:*", "*"))
			require.NoError(t, err)
			require.NoError(t, d.AttachPolicy(roleID, Custom, "P"))
			sessions, err := d.ListSessions(roleID)
			require.NoError(t, err)
			key := sessions[0].AccessKeyID
			require.Equal(t, allow, decide(t, d, key, req("ecs:StopInstance", "acs:ecs:cn:"+uidA+":instance/i")))
			before, gen := snapshot(t, d)

			clk.t = bad
			ops := map[string]func() error{
				"CreateUser":   func() error { _, err := d.CreateUser(uidA, "late"); return err },
				"CreateGroup":  func() error { _, err := d.CreateGroup(uidA, "late"); return err },
				"CreatePolicy": func() error { _, err := d.CreatePolicy(uidA, "Late", "", docAllow("ecs:*", "*")); return err },
				"CreatePolicyVersion": func() error {
					_, err := d.CreatePolicyVersion(uidA, "P", docAllow("oss:*", "*"), true, RotateNone)
					return err
				},
				"CreateAccessKey": func() error { _, err := d.CreateAccessKey(uidB, "dave"); return err },
				"CreateRole": func() error {
					_, err := d.CreateRole(uidA, RoleSpec{Name: "late", TrustPolicy: trustRoot(uidB)})
					return err
				},
				"CreateSession": func() error {
					_, err := d.CreateSession(SessionSpec{Role: roleID, Name: "late", Caller: MustParse(userARN(uidB, "dave")),
						Duration: 900}, d.Generation())
					return err
				},
			}
			for name, op := range ops {
				e := requireErr(t, op(), ErrInvalid)
				assert.Contains(t, e.Error(), "the directory clock reads", name)
			}
			dec, err := d.Authorize(key, req("ecs:StopInstance", "acs:ecs:cn:"+uidA+":instance/i"))
			assert.Equal(t, implicit, dec)
			requireErr(t, err, ErrInvalid)
			_, err = d.Resolve(key)
			requireErr(t, err, ErrInvalid)
			assert.Zero(t, d.PurgeSessions())
			after, gen2 := snapshot(t, d)
			assert.Equal(t, before, after, "nothing was stored")
			assert.Equal(t, gen, gen2)
			requireExportable(t, d)
		})
	}
}

// D28: descriptions that are not valid UTF-8 are refused where they enter,
// because JSON cannot carry them unchanged through Export and Import.
func TestDescriptionsMustBeUTF8(t *testing.T) {
	d, _ := newDir(t, uidA)
	bad := "caf\xe9"
	_, err := d.CreatePolicy(uidA, "P", bad, docAllow("ecs:*", "*"))
	requireErr(t, err, ErrInvalid)
	_, err = d.CreateRole(uidA, RoleSpec{Name: "r", TrustPolicy: trustRoot(uidA), Description: bad})
	requireErr(t, err, ErrInvalid)
	_, err = d.CreateRole(uidA, RoleSpec{Name: "r", TrustPolicy: trustRoot(uidA), Description: "café"})
	require.NoError(t, err)
	_, err = d.UpdateRole(uidA, "r", RoleUpdate{Description: bad})
	requireErr(t, err, ErrInvalid)
	info, err := d.GetRole(uidA, "r")
	require.NoError(t, err)
	assert.Equal(t, "café", info.Description)
	requireExportable(t, d)
}

// D28: the policy-version counter cannot wrap. Before the fix a crafted
// import with nextVersion 9223372036854775807 was accepted and the next
// version was v-9223372036854775808.
func TestPolicyVersionCounterCannotWrap(t *testing.T) {
	d, _ := newDir(t, uidA)
	_, err := d.CreatePolicy(uidA, "P", "", docAllow("ecs:*", "*"))
	require.NoError(t, err)
	data, err := d.Export()
	require.NoError(t, err)
	require.Contains(t, string(data), `"nextVersion": 2`)

	for _, n := range []string{"9223372036854775807", "2147483649"} {
		target, _ := newDir(t)
		requireErr(t, target.Import([]byte(strings.Replace(string(data), `"nextVersion": 2`, `"nextVersion": `+n, 1))), ErrInvalid)
	}
	crafted := strings.Replace(string(data), `"id": "v1"`, `"id": "v2147483648"`, 1)
	target, _ := newDir(t)
	requireErr(t, target.Import([]byte(strings.Replace(crafted, `"nextVersion": 2`, `"nextVersion": 2147483649`, 1))), ErrInvalid)

	// The largest counter imports; the next version is then refused with
	// ErrLimit and nothing changes.
	require.NoError(t, target.Import([]byte(strings.Replace(string(data), `"nextVersion": 2`, `"nextVersion": 2147483648`, 1))))
	before, _ := snapshot(t, target)
	_, err = target.CreatePolicyVersion(uidA, "P", docAllow("oss:*", "*"), true, DeleteOldestNonDefault)
	e := requireErr(t, err, ErrLimit)
	assert.Equal(t, LimitVersions, e.Limit)
	after, _ := snapshot(t, target)
	assert.Equal(t, before, after)
}

// D28: imported times are checked as the live API would stamp them: in the
// years 0001 to 9999 in UTC, whatever offset the document writes.
func TestImportTimesOutsideYears1To9999(t *testing.T) {
	clk := &settableClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	d, _ := withSession(t, clk)
	data, err := d.Export()
	require.NoError(t, err)
	gs := string(data)
	const created = `"created": "2026-03-01T09:00:00Z"`
	require.Contains(t, gs, created)
	for _, bad := range []string{`"0000-06-01T00:00:00Z"`, `"9999-12-31T23:30:00-01:00"`} {
		for i := 0; i < strings.Count(gs, created); i++ {
			// Replace the i-th occurrence only.
			parts := strings.SplitAfterN(gs, created, i+2)
			parts[i] = strings.Replace(parts[i], created, `"created": `+bad, 1)
			doc := strings.Join(parts, "")
			target, _ := newDir(t)
			requireErr(t, target.Import([]byte(doc)), ErrInvalid)
		}
	}
	// A time written with an offset but inside the range imports, stored
	// in UTC as the live API stores it.
	target, _ := newDir(t)
	require.NoError(t, target.Import([]byte(strings.Replace(gs, created, `"created": "2026-03-01T10:00:00+01:00"`, -1))))
	again, err := target.Export()
	require.NoError(t, err)
	assert.Equal(t, gs, string(again))
}

// Import checks sessions as AssumeRole would have made them: a lifetime of
// 900 seconds to the largest MaxSessionDuration, and a caller that can call
// AssumeRole. Before the fix a session living 10 years, with a group as its
// caller, imported.
func TestImportSessionsCheckedAsLive(t *testing.T) {
	clk := &settableClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	d, _ := withSession(t, clk)
	data, err := d.Export()
	require.NoError(t, err)
	gs := string(data)
	const expires = `"expires": "2026-03-01T10:00:00Z"`
	const caller = `"caller": "acs:ram::` + uidB + `:user/dave"`
	require.Contains(t, gs, expires)
	require.Contains(t, gs, caller)
	tests := map[string]string{
		"lives 10 years":     strings.Replace(gs, expires, `"expires": "2036-03-01T10:00:00Z"`, 1),
		"lives 12h+1s":       strings.Replace(gs, expires, `"expires": "2026-03-01T21:00:01Z"`, 1),
		"lives 899s":         strings.Replace(gs, expires, `"expires": "2026-03-01T09:14:59Z"`, 1),
		"caller is a group":  strings.Replace(gs, caller, `"caller": "acs:ram::`+uidB+`:group/ops"`, 1),
		"caller is a root":   strings.Replace(gs, caller, `"caller": "acs:ram::`+uidB+`:root"`, 1),
		"caller is the role": strings.Replace(gs, caller, `"caller": "acs:ram::`+uidA+`:role/ops"`, 1),
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			target, _ := newDir(t)
			requireErr(t, target.Import([]byte(doc)), ErrInvalid)
		})
	}
	for name, doc := range map[string]string{
		"service caller": strings.Replace(gs, caller, `"caller": "ecs.aliyuncs.com"`, 1),
		"lives 12h":      strings.Replace(gs, expires, `"expires": "2026-03-01T21:00:00Z"`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			target, _ := newDir(t)
			require.NoError(t, target.Import([]byte(doc)))
		})
	}
}

// CreateSession refuses callers that cannot call AssumeRole, as Import does.
func TestCreateSessionCallerKinds(t *testing.T) {
	clk := &settableClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	d, roleID := withSession(t, clk)
	for _, c := range []string{"acs:ram::" + uidB + ":root", "acs:ram::" + uidB + ":group/ops", "acs:ram::" + uidA + ":role/ops"} {
		_, err := d.CreateSession(SessionSpec{Role: roleID, Name: "x1", Caller: MustParse(c), Duration: 900}, d.Generation())
		requireErr(t, err, ErrInvalid)
	}
}

// D29: sessions are issued by the directory clock only; SessionSpec has no
// time of its own, so a session cannot be dated ahead of the clock to
// outlive its maximum or escape RevokeSessions(role, now).
func TestSessionsIssuedByDirectoryClock(t *testing.T) {
	clk := &settableClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	d, roleID := withSession(t, clk)
	clk.t = clk.t.Add(90 * time.Second)
	cred, err := d.CreateSession(SessionSpec{Role: roleID, Name: "s2", Caller: MustParse(userARN(uidB, "dave")),
		Duration: 900}, d.Generation())
	require.NoError(t, err)
	assert.Equal(t, clk.t, cred.Issued)
	assert.Equal(t, clk.t.Add(900*time.Second), cred.Expiration)
	_, err = d.Resolve(cred.AccessKeyID)
	require.NoError(t, err)
	require.NoError(t, d.RevokeSessions(roleID, clk.t.Add(time.Nanosecond)))
	_, err = d.Resolve(cred.AccessKeyID)
	requireErr(t, err, ErrExpired)
}
