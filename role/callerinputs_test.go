package role

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

// externalIDRole creates A's role "vendor" that B's account may assume with
// ExternalId "abc-123", the trust policy spelling the key as given, and B's
// user "vendor" allowed to assume any role.
func externalIDRole(t *testing.T, f *fixture, key string) (caller, role string) {
	t.Helper()
	caller = f.user(t, uidB, "vendor", allowAssumeAny)
	role = f.role(t, uidA, "vendor-role", trust(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["`+root(uidB)+`"]},`+
		`"Condition":{"StringEquals":{"`+key+`":"abc-123"}}}`), 0)
	return caller, role
}

// D27, issue 11 item 2: AssumeRole never writes into the caller's Context.
// Many goroutines share one read-only base context and pass right and wrong
// ExternalIds: every right one gets a session, no wrong one does, and the
// base is unchanged. Before the fix AssumeRole wrote sts:ExternalId into the
// shared context: -race reported it, and wrong ExternalIds obtained sessions
// by reading another caller's right one (9-12 in 20,000).
func TestAssumeRoleSharedContextConcurrent(t *testing.T) {
	f := newFixture(t)
	caller, r := externalIDRole(t, f, KeyExternalID)
	base := &evaluator.Context{}
	base.Set("acs:SourceIp", "10.1.2.3")
	const goroutines, each = 8, 150
	var granted, wrongGranted, refused atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				right := (g+i)%2 == 0
				ext := "abc-124"
				if right {
					ext = "abc-123"
				}
				_, err := f.sts.AssumeRole(AssumeRoleInput{Caller: caller, RoleARN: r, RoleSessionName: "vendor",
					ExternalID: ext, Context: base})
				switch {
				case err == nil && right:
					granted.Add(1)
				case err == nil:
					wrongGranted.Add(1)
				case right:
					t.Errorf("right ExternalId refused: %v", err)
				default:
					assert.ErrorIs(t, err, ErrNoPermission)
					refused.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	assert.Zero(t, wrongGranted.Load(), "sessions granted for a wrong ExternalId")
	assert.Equal(t, int64(goroutines*each/2), granted.Load())
	assert.Equal(t, int64(goroutines*each/2), refused.Load())
	_, has := base.Get(KeyExternalID)
	assert.False(t, has, "AssumeRole wrote into the caller's context")
	ip, _ := base.Get("acs:SourceIp")
	assert.Equal(t, []string{"10.1.2.3"}, ip)
}

// D27: the caller's context, after AssumeRole with and without an
// ExternalId, holds exactly what it held before.
func TestAssumeRoleDoesNotWriteContext(t *testing.T) {
	f := newFixture(t)
	caller, r := externalIDRole(t, f, KeyExternalID)
	ctx := &evaluator.Context{}
	ctx.Set("acs:SourceIp", "10.1.2.3")
	ctx.Set(KeyExternalID, "from-the-caller")
	want := ctx.Clone()
	for _, ext := range []string{"abc-123", "", "abc-124"} {
		_, _ = f.sts.AssumeRole(AssumeRoleInput{Caller: caller, RoleARN: r, RoleSessionName: "vendor", ExternalID: ext, Context: ctx})
		assert.Equal(t, want, ctx, "ExternalId %q", ext)
	}
}

// D26, issue 11 item 3: sts:ExternalId comes only from the input, whatever
// spelling the trust policy and the caller's context use. Before the fix a
// trust policy spelling the key sts:externalid was satisfied by the caller's
// context with no ExternalId at all.
func TestExternalIDCannotBeClaimedThroughContext(t *testing.T) {
	for _, policyKey := range []string{"sts:ExternalId", "sts:externalid", "STS:EXTERNALID"} {
		t.Run(policyKey, func(t *testing.T) {
			f := newFixture(t)
			caller, r := externalIDRole(t, f, policyKey)
			for _, ctxKey := range []string{"sts:ExternalId", "sts:externalid", "STS:EXTERNALID", policyKey} {
				ctx := &evaluator.Context{}
				ctx.Set(ctxKey, "abc-123")
				_, err := f.sts.AssumeRole(AssumeRoleInput{Caller: caller, RoleARN: r, RoleSessionName: "vendor", Context: ctx})
				assert.ErrorIs(t, err, ErrNoPermission, "claimed through context key %q", ctxKey)
				_, err = f.sts.AssumeRole(AssumeRoleInput{Caller: caller, RoleARN: r, RoleSessionName: "vendor",
					ExternalID: "abc-124", Context: ctx})
				assert.ErrorIs(t, err, ErrNoPermission, "wrong input, right context value under %q", ctxKey)
			}
			_, err := f.sts.AssumeRole(AssumeRoleInput{Caller: caller, RoleARN: r, RoleSessionName: "vendor", ExternalID: "abc-123"})
			assert.NoError(t, err)
		})
	}
}

// D26: the trust policy reads acs:PrincipalARN from the resolved caller,
// never from the caller's context.
func TestTrustPrincipalARNCannotBeClaimed(t *testing.T) {
	f := newFixture(t)
	dave := f.user(t, uidB, "dave", allowAssumeAny)
	r := f.role(t, uidA, "admins-only", trust(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["`+root(uidB)+`"]},`+
		`"Condition":{"StringEquals":{"acs:PrincipalARN":"`+userARN(uidB, "admin")+`"}}}`), 0)
	for _, k := range []string{"acs:PrincipalARN", "acs:principalarn", "ACS:PRINCIPALARN"} {
		ctx := &evaluator.Context{}
		ctx.Set(k, userARN(uidB, "admin"))
		_, err := f.sts.AssumeRole(AssumeRoleInput{Caller: dave, RoleARN: r, RoleSessionName: "dave", Context: ctx})
		assert.ErrorIs(t, err, ErrNoPermission, k)
	}
	admin := f.user(t, uidB, "admin", allowAssumeAny)
	_, err := f.sts.AssumeRole(AssumeRoleInput{Caller: admin, RoleARN: r, RoleSessionName: "admin"})
	assert.NoError(t, err)
}

// D29: a session is stamped by the directory clock; AssumeRoleInput has no
// time of its own, so revoking at the clock's time ends every session
// issued so far. Before the fix a session stamped a day ahead by
// AssumeRoleInput.Now outlived its 1-hour maximum and RevokeSessions(now).
func TestAssumeRoleUsesDirectoryClock(t *testing.T) {
	f := newFixture(t)
	caller := f.user(t, uidB, "dave", allowAssumeAny)
	r := f.role(t, uidA, "ops", trust(trustRAM("Allow", root(uidB))), 0)
	out, err := f.sts.AssumeRole(AssumeRoleInput{Caller: caller, RoleARN: r, RoleSessionName: "dave"})
	require.NoError(t, err)
	assert.Equal(t, f.now().Add(3600e9), out.Credentials.Expiration)
	f.advance(1)
	require.NoError(t, f.sts.RevokeSessions(r, f.now()))
	_, err = f.dir.Authorize(out.Credentials.AccessKeyID, evaluator.Request{Action: "ecs:DescribeInstances", Resource: "*"})
	assert.ErrorIs(t, err, principal.ErrExpired)
}

// D28 through the STS API: a cut-off past 9999 is an invalid parameter,
// not a missing role.
func TestRevokeSessionsCutOffOutOfRange(t *testing.T) {
	f := newFixture(t)
	r := f.role(t, uidA, "ops", trust(trustRAM("Allow", root(uidB))), 0)
	err := f.sts.RevokeSessions(r, f.now().AddDate(8000, 0, 0))
	assert.ErrorIs(t, err, ErrInvalidParameter)
	assert.ErrorIs(t, err, principal.ErrInvalid)
	assert.ErrorIs(t, f.sts.RevokeSessions(roleARN(uidA, "nope"), f.now()), ErrRoleNotExist)
}

// D28 through AssumeRole: near the end of year 9999 a session that would
// expire after it is refused (an invalid parameter wrapping
// principal.ErrInvalid) and nothing is recorded; a shorter one is issued,
// and the directory still exports.
func TestAssumeRoleNearEndOfYear9999(t *testing.T) {
	f := newFixture(t)
	caller := f.user(t, uidB, "dave", allowAssumeAny)
	r := f.role(t, uidA, "ops", trust(trustRAM("Allow", root(uidB))), 0)
	f.clk.Set(time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC))
	_, err := f.sts.AssumeRole(AssumeRoleInput{Caller: caller, RoleARN: r, RoleSessionName: "late"})
	assert.ErrorIs(t, err, ErrInvalidParameter)
	assert.ErrorIs(t, err, principal.ErrInvalid)
	sessions, err := f.dir.ListSessions(id(r))
	require.NoError(t, err)
	assert.Empty(t, sessions)
	out, err := f.sts.AssumeRole(AssumeRoleInput{Caller: caller, RoleARN: r, RoleSessionName: "late", DurationSeconds: 900})
	require.NoError(t, err)
	assert.Equal(t, time.Date(9999, 12, 31, 23, 15, 0, 0, time.UTC), out.Credentials.Expiration)
	_, err = f.dir.Export()
	assert.NoError(t, err)
	// A clock past 9999 issues nothing.
	f.clk.Set(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
	_, err = f.sts.AssumeRole(AssumeRoleInput{Caller: caller, RoleARN: r, RoleSessionName: "later", DurationSeconds: 900})
	assert.ErrorIs(t, err, principal.ErrInvalid)
	_, err = f.dir.Export()
	assert.NoError(t, err)
}
