package directory

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/principal"
)

func requireRefusal(t *testing.T, err error, side Side, explicit bool) {
	t.Helper()
	require.ErrorIs(t, err, ErrNoPermission)
	var e *AssumeRoleError
	require.True(t, errors.As(err, &e), "want *AssumeRoleError, got %T", err)
	assert.Equal(t, CodeNoPermission, e.Code)
	assert.Equal(t, side, e.Side, "side")
	assert.Equal(t, explicit, e.Explicit, "explicit")
}

// TestAssumeRoleDecision covers spec §6.3 / D17 (carried over from
// role.TestAssumeRoleDecision); the error now says which side refused and
// whether explicitly, so callers need not recompute it.
func TestAssumeRoleDecision(t *testing.T) {
	f := newFixture(t)
	allowB := f.user(t, uidB, "dave", allowAssumeAny)
	noPolicyB := f.user(t, uidB, "erin")
	denyB := f.user(t, uidB, "mallory", allowAssumeAny, doc(stmt("Deny", "sts:AssumeRole", "acs:ram::"+uidA+":role/*")))
	narrowB := f.user(t, uidB, "nina", doc(stmt("Allow", "sts:AssumeRole", "acs:ram:*:"+uidA+":role/trusts-b")))
	allowA := f.user(t, uidA, "alice", allowAssumeAny)
	allowA2 := f.user(t, uidA, "bob", allowAssumeAny)
	allowC := f.user(t, uidC, "carl", allowAssumeAny)
	sysB := f.user(t, uidB, "sam")
	_, err := f.d.AttachPolicy(sysB, sys("AliyunSTSAssumeRoleAccess"))
	require.NoError(t, err)

	trustsB := f.role(t, uidA, "trusts-b", doc(trustRAM("Allow", rootARN(uidB))), 0)
	trustsC := f.role(t, uidA, "trusts-c", doc(trustRAM("Allow", rootARN(uidC))), 0)
	trustsAlice := f.role(t, uidA, "trusts-alice", doc(trustRAM("Allow", allowA.String())), 0)
	denyDave := f.role(t, uidA, "denies-dave", doc(trustRAM("Allow", rootARN(uidB)), trustRAM("Deny", allowB.String())), 0)
	trustsOwn := f.role(t, uidA, "trusts-own", doc(trustRAM("Allow", rootARN(uidA))), 0)
	service := f.role(t, uidA, "ecs-role", doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":["ecs.aliyuncs.com"]}}`), 0)
	saml := f.role(t, uidA, "sso", doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Federated":["acs:ram::`+uidA+`:saml-provider/idp"]}}`), 0)
	wildAction := f.role(t, uidA, "other-action", doc(`{"Effect":"Allow","Action":"sts:AssumeRoleWithSAML","Principal":{"RAM":["`+rootARN(uidB)+`"]}}`), 0)

	const ok, trustNo, trustDeny, idNo, idDeny, other = 0, 1, 2, 3, 4, 5
	tests := []struct {
		name   string
		caller principal.ID
		role   principal.ID
		want   int
	}{
		{"cross-account root trust, caller allowed", allowB, trustsB, ok},
		{"system policy AliyunSTSAssumeRoleAccess", sysB, trustsB, ok},
		{"caller policy scoped to the role ARN (acs:ram:* form)", narrowB, trustsB, ok},
		{"caller policy scoped to another role; trust says no too", narrowB, trustsOwn, trustNo},
		{"trust allows, caller's policy does not", noPolicyB, trustsB, idNo},
		{"caller allows, trust names another account", allowB, trustsC, trustNo},
		{"other account's user", allowC, trustsB, trustNo},
		{"explicit deny in caller's policy", denyB, trustsB, idDeny},
		{"explicit deny in trust policy", allowB, denyDave, trustDeny},
		{"exact user in trust", allowA, trustsAlice, ok},
		{"other user of same account", allowA2, trustsAlice, trustNo},
		{"same account root trust", allowA2, trustsOwn, ok},
		{"account root cannot assume", principal.MustParse(rootARN(uidB)), trustsB, other},
		{"unknown caller", userID(uidB, "ghost"), trustsB, other},
		{"service principal, identity step skipped", principal.MustParse("ecs.aliyuncs.com"), service, ok},
		{"other service", principal.MustParse("rds.aliyuncs.com"), service, trustNo},
		{"user cannot assume a service role", allowA, service, trustNo},
		{"SAML provider", principal.MustParse("acs:ram::" + uidA + ":saml-provider/idp"), saml, ok},
		{"trust statement for another action", allowB, wildAction, trustNo},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := AssumeRoleInput{Caller: tc.caller, Role: tc.role, SessionName: "s-1"}
			out, err := f.d.AssumeRole(in)
			// ExplainAssumeRole agrees: same decision, same side.
			if x, xerr := f.d.ExplainAssumeRole(in); tc.want != other {
				require.NoError(t, xerr)
				var are *AssumeRoleError
				if errors.As(err, &are) {
					assert.Equal(t, are.Side, x.Side)
					assert.Equal(t, are.Explicit, x.Explicit)
					assert.NotEqual(t, evaluator.Allow, x.Decision)
					assert.Equal(t, are.Explicit, x.Decision == evaluator.ExplicitDeny)
				} else {
					assert.Equal(t, evaluator.Allow, x.Decision)
				}
				assert.Equal(t, tc.caller.Kind() == principal.KindUser, x.IdentityConsulted)
			}
			switch tc.want {
			case ok:
				require.NoError(t, err)
				assert.True(t, strings.HasPrefix(out.Credentials.AccessKeyID, "STS."))
			case trustNo:
				requireRefusal(t, err, SideTrust, false)
			case trustDeny:
				requireRefusal(t, err, SideTrust, true)
			case idNo:
				requireRefusal(t, err, SideIdentity, false)
			case idDeny:
				requireRefusal(t, err, SideIdentity, true)
			default:
				require.ErrorIs(t, err, ErrNoPermission)
				assert.Empty(t, out.Credentials.AccessKeyID)
			}
		})
	}
	// A role ID or group ID is no caller.
	_, err = f.d.AssumeRole(AssumeRoleInput{Caller: trustsB, Role: trustsOwn, SessionName: "s-1"})
	require.ErrorIs(t, err, ErrInvalid)
}

func TestAssumeRoleOutput(t *testing.T) {
	f := newFixture(t)
	caller := f.user(t, uidB, "dave", allowAssumeAny)
	r := f.role(t, uidA, "ops", doc(trustRAM("Allow", rootARN(uidB))), 7200)
	info, err := f.d.GetRole(r)
	require.NoError(t, err)
	before := f.d.Revision()
	out, err := f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: r, SessionName: "dave@b", DurationSeconds: 1800})
	require.NoError(t, err)
	assert.Equal(t, before, f.d.Revision(), "AssumeRole commits nothing")
	assert.Equal(t, before, out.Revision)
	assert.Equal(t, "acs:ram::"+uidA+":role/ops/dave@b", out.Session.String())
	assert.Equal(t, info.RoleID+":dave@b", out.AssumedRoleID)
	assert.Len(t, info.RoleID, 19)
	assert.Equal(t, t0.Add(30*time.Minute), out.Credentials.Expiration)
	assert.Len(t, out.Credentials.AccessKeyID, 28)

	sid, secret, err := f.d.SessionCredential(out.Credentials.AccessKeyID, out.Credentials.SecurityToken.Reveal())
	require.NoError(t, err)
	assert.Equal(t, out.Session, sid)
	assert.Equal(t, out.Credentials.AccessKeySecret.Reveal(), secret)
	// The token does not show the secret or the claims in the clear.
	assert.NotContains(t, out.Credentials.SecurityToken.Reveal(), secret)
}

func TestAssumeRoleInputErrors(t *testing.T) {
	f := newFixture(t)
	caller := f.user(t, uidB, "dave", allowAssumeAny)
	r := f.role(t, uidA, "ops", doc(trustRAM("Allow", rootARN(uidB))), 0)
	long := f.role(t, uidA, "long", doc(trustRAM("Allow", rootARN(uidB))), 43200)
	base := AssumeRoleInput{Caller: caller, Role: r, SessionName: "sess"}
	bigPolicy := doc(stmt("Allow", "ecs:Describe"+strings.Repeat("x", 2100), "*"))
	tests := []struct {
		name string
		mod  func(in *AssumeRoleInput)
		want string // "" : success
	}{
		{"defaults", func(in *AssumeRoleInput) {}, ""},
		{"user as role", func(in *AssumeRoleInput) { in.Role = caller }, CodeInvalidRoleArn},
		{"zero role", func(in *AssumeRoleInput) { in.Role = principal.ID{} }, CodeInvalidRoleArn},
		{"unknown role", func(in *AssumeRoleInput) { in.Role = roleID(uidA, "nope") }, CodeRoleNotExist},
		{"unknown account", func(in *AssumeRoleInput) { in.Role = roleID("9999999999999999", "ops") }, CodeRoleNotExist},
		{"session name one char", func(in *AssumeRoleInput) { in.SessionName = "a" }, CodeInvalidSessionName},
		{"session name 64", func(in *AssumeRoleInput) { in.SessionName = strings.Repeat("a", 64) }, ""},
		{"session name 65", func(in *AssumeRoleInput) { in.SessionName = strings.Repeat("a", 65) }, CodeInvalidSessionName},
		{"session name bad char", func(in *AssumeRoleInput) { in.SessionName = "a b" }, CodeInvalidSessionName},
		{"duration 899", func(in *AssumeRoleInput) { in.DurationSeconds = 899 }, CodeInvalidDuration},
		{"duration 900", func(in *AssumeRoleInput) { in.DurationSeconds = 900 }, ""},
		{"duration 3600 at max", func(in *AssumeRoleInput) { in.DurationSeconds = 3600 }, ""},
		{"duration above role max", func(in *AssumeRoleInput) { in.DurationSeconds = 3601 }, CodeInvalidDuration},
		{"duration 43200 on long role", func(in *AssumeRoleInput) { in.Role = long; in.DurationSeconds = 43200 }, ""},
		{"duration 43201 on long role", func(in *AssumeRoleInput) { in.Role = long; in.DurationSeconds = 43201 }, CodeInvalidDuration},
		{"negative duration", func(in *AssumeRoleInput) { in.DurationSeconds = -1 }, CodeInvalidDuration},
		{"policy grammar", func(in *AssumeRoleInput) { in.Policy = `{"Version":"1","Statement":[]}` }, CodeInvalidPolicyGrammar},
		{"policy not JSON", func(in *AssumeRoleInput) { in.Policy = `{` }, CodeInvalidPolicyGrammar},
		{"policy with principal", func(in *AssumeRoleInput) { in.Policy = doc(trustRAM("Allow", rootARN(uidB))) }, CodeInvalidPolicyGrammar},
		{"policy size", func(in *AssumeRoleInput) { in.Policy = bigPolicy }, CodeInvalidPolicySize},
		{"external id too short", func(in *AssumeRoleInput) { in.ExternalID = "x" }, CodeInvalidExternalID},
		{"external id bad char", func(in *AssumeRoleInput) { in.ExternalID = "abc def" }, CodeInvalidExternalID},
		{"external id accepted chars", func(in *AssumeRoleInput) { in.ExternalID = "a_b+c=d,e.f@g:h/i-j" }, ""},
		{"caller and caller session", func(in *AssumeRoleInput) { in.CallerSession.AccessKeyID = "STS.x" }, CodeInvalidParameter},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := base
			tc.mod(&in)
			out, err := f.d.AssumeRole(in)
			if tc.want == "" {
				require.NoError(t, err)
				d := in.DurationSeconds
				if d == 0 {
					d = 3600
				}
				assert.Equal(t, t0.Add(time.Duration(d)*time.Second), out.Credentials.Expiration)
				return
			}
			var e *AssumeRoleError
			require.True(t, errors.As(err, &e), "got %v", err)
			assert.Equal(t, tc.want, e.Code)
		})
	}
	t.Run("policy grammar error is reachable", func(t *testing.T) {
		in := base
		in.Policy = `{"Version":"2","Statement":[` + stmt("Allow", "*", "*") + `]}`
		_, err := f.d.AssumeRole(in)
		var pe *policy.ParseError
		require.True(t, errors.As(err, &pe))
		assert.Equal(t, "Version", pe.Path)
	})
}

// TestExternalID: the directory sets sts:ExternalId (D26); a value in the
// caller's context is discarded, and the caller's context is never written
// (D27).
func TestExternalID(t *testing.T) {
	f := newFixture(t)
	caller := f.user(t, uidB, "vendor", allowAssumeAny)
	r := f.role(t, uidA, "vendor-role", doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["`+rootARN(uidB)+`"]},`+
		`"Condition":{"StringEquals":{"sts:ExternalId":"abc-123"}}}`), 0)
	tests := []struct {
		name    string
		ext     string
		smuggle string
		ok      bool
	}{
		{"required and given", "abc-123", "", true},
		{"required and missing", "", "", false},
		{"wrong value", "abc-124", "", false},
		{"smuggled through the context", "", "sts:ExternalId", false},
		{"wrong value, right one smuggled", "abc-124", "sts:ExternalId", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := &evaluator.Context{}
			if tc.smuggle != "" {
				ctx.Set(tc.smuggle, "abc-123")
			}
			_, err := f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: r, SessionName: "vendor", ExternalID: tc.ext, Context: ctx})
			if tc.ok {
				assert.NoError(t, err)
			} else {
				requireRefusal(t, err, SideTrust, false)
			}
			v, present := ctx.Get("sts:ExternalId")
			if tc.smuggle != "" {
				assert.Equal(t, []string{"abc-123"}, v, "the caller's context is untouched")
			} else {
				assert.False(t, present, "the caller's context is untouched")
			}
		})
	}
}

func TestTrustConditionsSeeContext(t *testing.T) {
	f := newFixture(t)
	caller := f.user(t, uidB, "dave", allowAssumeAny)
	r := f.role(t, uidA, "office-only", doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["`+rootARN(uidB)+`"]},`+
		`"Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}}`), 0)
	for ip, ok := range map[string]bool{"10.1.2.3": true, "192.168.1.1": false, "not-an-ip": false} {
		t.Run(ip, func(t *testing.T) {
			ctx := &evaluator.Context{}
			ctx.Set("acs:SourceIp", ip)
			_, err := f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: r, SessionName: "dave", Context: ctx})
			if ok {
				assert.NoError(t, err)
			} else {
				requireRefusal(t, err, SideTrust, false)
			}
		})
	}
}

// TestSessionEvaluation covers spec §6.2 step 2 and §6.4 / D16.
func TestSessionEvaluation(t *testing.T) {
	f := newFixture(t)
	caller := f.user(t, uidB, "dave", allowAssumeAny)
	r := f.role(t, uidA, "ops", doc(trustRAM("Allow", rootARN(uidB))), 0)
	_, err := f.d.CreatePolicy(uidA, PolicySpec{Name: "RolePolicy", Document: doc(
		stmt("Allow", "ecs:*", "*"),
		stmt("Allow", "oss:GetObject", "*"),
		stmt("Deny", "ecs:DeleteInstance", "*"))})
	require.NoError(t, err)
	_, err = f.d.AttachPolicy(r, custom("RolePolicy"))
	require.NoError(t, err)

	tests := []struct {
		name          string
		sessionPolicy string
		action        string
		want          evaluator.Decision
	}{
		{"no session policy: role allows", "", "ecs:StartInstance", evaluator.Allow},
		{"no session policy: role denies", "", "ecs:DeleteInstance", evaluator.ExplicitDeny},
		{"no session policy: role silent", "", "rds:DescribeDBInstances", evaluator.ImplicitDeny},
		{"both allow", doc(stmt("Allow", "ecs:Start*", "*")), "ecs:StartInstance", evaluator.Allow},
		{"session narrows", doc(stmt("Allow", "ecs:Start*", "*")), "ecs:StopInstance", evaluator.ImplicitDeny},
		{"session implicit deny hides role explicit deny", doc(stmt("Allow", "ecs:Start*", "*")), "ecs:DeleteInstance", evaluator.ImplicitDeny},
		{"session allows, role explicit deny", doc(stmt("Allow", "ecs:*", "*")), "ecs:DeleteInstance", evaluator.ExplicitDeny},
		{"session cannot widen the role", doc(stmt("Allow", "*", "*")), "rds:DescribeDBInstances", evaluator.ImplicitDeny},
		{"session explicit deny", doc(stmt("Allow", "*", "*"), stmt("Deny", "oss:*", "*")), "oss:GetObject", evaluator.ExplicitDeny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: r, SessionName: "dave", Policy: tc.sessionPolicy})
			require.NoError(t, err)
			c := creds(out)
			rq := req(tc.action, "acs:ecs:cn:"+uidA+":instance/i")
			res, err := f.d.AuthorizeSession(c.AccessKeyID, c.SecurityToken, rq)
			require.NoError(t, err)
			assert.Equal(t, tc.want, res.Decision)
			// On another account's resource the session is refused (D24);
			// an explicit Deny still wins.
			res, err = f.d.AuthorizeSession(c.AccessKeyID, c.SecurityToken, req(tc.action, "acs:ecs:cn:"+uidB+":instance/i"))
			require.NoError(t, err)
			want := evaluator.ImplicitDeny
			if tc.want == evaluator.ExplicitDeny {
				want = evaluator.ExplicitDeny
			}
			assert.Equal(t, want, res.Decision)
		})
	}
}

func TestRoleChaining(t *testing.T) {
	f := newFixture(t)
	caller := f.user(t, uidB, "dave", allowAssumeAny)
	first := f.role(t, uidA, "first", doc(trustRAM("Allow", rootARN(uidB))), 0, "AliyunSTSAssumeRoleAccess")
	noSTS := f.role(t, uidA, "no-sts", doc(trustRAM("Allow", rootARN(uidB))), 0)
	second := f.role(t, uidC, "second", doc(trustRAM("Allow", first.String(), noSTS.String())), 0, "AliyunARMSReadOnlyAccess")

	s1 := f.assume(t, caller, first)
	s2, err := f.d.AssumeRole(AssumeRoleInput{CallerSession: creds(s1), Role: second, SessionName: "hop"})
	require.NoError(t, err, "the session acts as its role for the trust policy")
	c2 := creds(s2)
	res, err := f.d.AuthorizeSession(c2.AccessKeyID, c2.SecurityToken, req("arms:ListDashboards", "*"))
	require.NoError(t, err)
	assert.Equal(t, evaluator.Allow, res.Decision)

	_, err = f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: second, SessionName: "s-1"})
	requireRefusal(t, err, SideTrust, false)
	s3 := f.assume(t, caller, noSTS)
	_, err = f.d.AssumeRole(AssumeRoleInput{CallerSession: creds(s3), Role: second, SessionName: "hop"})
	requireRefusal(t, err, SideIdentity, false)
	s4, err := f.d.AssumeRole(AssumeRoleInput{Caller: caller, Role: first, SessionName: "narrow", Policy: doc(stmt("Allow", "arms:*", "*"))})
	require.NoError(t, err)
	_, err = f.d.AssumeRole(AssumeRoleInput{CallerSession: creds(s4), Role: second, SessionName: "hop"})
	requireRefusal(t, err, SideIdentity, false)

	// A chained session lives on its own: revoking the first role's
	// sessions does not end it.
	_, err = f.d.RevokeAllSessions(first)
	require.NoError(t, err)
	_, err = f.d.AuthorizeSession(c2.AccessKeyID, c2.SecurityToken, req("arms:ListDashboards", "*"))
	require.NoError(t, err)
	// But a revoked session can no longer chain.
	_, err = f.d.AssumeRole(AssumeRoleInput{CallerSession: creds(s1), Role: second, SessionName: "hop"})
	require.ErrorIs(t, err, ErrNoPermission)
	require.ErrorIs(t, err, ErrTokenRevoked)
}

func TestServiceLinkedRole(t *testing.T) {
	f := newFixture(t)
	slr := roleID(uidA, "AliyunServiceRoleForARMS")
	_, err := f.d.CreateRole(slr, RoleSpec{ServiceLinked: true,
		TrustPolicy: doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":["arms.aliyuncs.com"]}}`),
		Policies:    []PolicyRef{sys("AliyunARMSReadOnlyAccess")}})
	require.NoError(t, err)
	_, err = f.d.AttachPolicy(slr, sys("AliyunARMSFullAccess"))
	requireErr(t, err, ErrImmutable)
	_, err = f.d.DetachPolicy(slr, sys("AliyunARMSReadOnlyAccess"))
	requireErr(t, err, ErrImmutable)
	_, err = f.d.UpdateRole(slr, RoleUpdate{TrustPolicy: doc(trustRAM("Allow", rootARN(uidA)))})
	requireErr(t, err, ErrImmutable)
	_, err = f.d.UpdateRole(slr, RoleUpdate{MaxSessionDuration: 7200})
	assert.NoError(t, err, "the duration of a service-linked role may change")
	out := f.assume(t, principal.MustParse("arms.aliyuncs.com"), slr)
	c := creds(out)
	res, err := f.d.AuthorizeSession(c.AccessKeyID, c.SecurityToken, req("arms:ListDashboards", "*"))
	require.NoError(t, err)
	assert.Equal(t, evaluator.Allow, res.Decision)
}

func TestRoleRecords(t *testing.T) {
	f := newFixture(t)
	tr := doc(trustRAM("Allow", rootARN(uidB)))
	tests := []struct {
		name string
		id   principal.ID
		spec RoleSpec
		want error
	}{
		{"user ID", userID(uidA, "r"), RoleSpec{TrustPolicy: tr}, ErrInvalid},
		{"identity doc as trust", roleID(uidA, "r"), RoleSpec{TrustPolicy: doc(stmt("Allow", "*", "*"))}, ErrInvalid},
		{"max session too small", roleID(uidA, "r"), RoleSpec{TrustPolicy: tr, MaxSessionDuration: 3599}, ErrInvalid},
		{"max session too large", roleID(uidA, "r"), RoleSpec{TrustPolicy: tr, MaxSessionDuration: 43201}, ErrInvalid},
		{"unknown policy", roleID(uidA, "r"), RoleSpec{TrustPolicy: tr, Policies: []PolicyRef{sys("Nope")}}, ErrNotFound},
		{"bad description", roleID(uidA, "r"), RoleSpec{TrustPolicy: tr, Description: "\xc3"}, ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.d.Revision()
			_, err := f.d.CreateRole(tc.id, tc.spec)
			assert.ErrorIs(t, err, tc.want)
			assert.Equal(t, before, f.d.Revision(), "nothing published")
			_, err = f.d.GetRole(roleID(uidA, "r"))
			assert.ErrorIs(t, err, ErrNotFound)
		})
	}
	_, err := f.d.CreateRole(roleID(uidA, "r"), RoleSpec{TrustPolicy: tr})
	require.NoError(t, err)
	info, err := f.d.GetRole(roleID(uidA, "r"))
	require.NoError(t, err)
	assert.Equal(t, DefaultMaxSessionDuration, info.MaxSessionDuration)
	_, err = f.d.CreateRole(roleID(uidA, "r"), RoleSpec{TrustPolicy: tr})
	requireErr(t, err, ErrExists)
	roles, err := f.d.ListRoles(uidA)
	require.NoError(t, err)
	require.Len(t, roles, 1)
	assert.Equal(t, "acs:ram::"+uidA+":role/r", roles[0].ID.String())
}

// TestAssumeRoleDurationAfterDecision: the role's MaxSessionDuration is
// checked only after both sides allowed. A caller the role does not trust
// (or whose own policies do not allow) gets NoPermission from the side
// that refused whatever DurationSeconds says, so it cannot find the role's
// maximum by trying durations; a caller both sides allow gets
// InvalidParameter.DurationSeconds, as STS answers. (Before, an untrusted
// caller asking for more than the maximum got DurationSeconds, and for
// less NoPermission: the difference told it the maximum.)
func TestAssumeRoleDurationAfterDecision(t *testing.T) {
	f := newFixture(t)
	trusted := f.user(t, uidB, "dave", allowAssumeAny)
	untrusted := f.user(t, uidC, "mallory", allowAssumeAny)
	unentitled := f.user(t, uidB, "erin") // trusted account, no policy of its own
	denied := f.user(t, uidC, "trent", allowAssumeAny)
	r := f.role(t, uidA, "ops", doc(trustRAM("Allow", rootARN(uidB)), trustRAM("Deny", denied.String())), 7200)
	durations := []int{0, 900, 3600, 7200, 7201, 43200, 43201, 1 << 40}
	for _, tc := range []struct {
		name     string
		caller   principal.ID
		side     Side
		explicit bool
	}{
		{"untrusted", untrusted, SideTrust, false},
		{"explicitly denied by the trust policy", denied, SideTrust, true},
		{"trusted but not entitled", unentitled, SideIdentity, false},
	} {
		for _, dur := range durations {
			in := AssumeRoleInput{Caller: tc.caller, Role: r, SessionName: "probe", DurationSeconds: dur}
			_, err := f.d.AssumeRole(in)
			var e *AssumeRoleError
			require.True(t, errors.As(err, &e), "%s, %d s: got %v", tc.name, dur, err)
			assert.Equal(t, CodeNoPermission, e.Code, "%s, %d s", tc.name, dur)
			assert.Equal(t, tc.side, e.Side, "%s, %d s", tc.name, dur)
			assert.Equal(t, tc.explicit, e.Explicit, "%s, %d s", tc.name, dur)
			assert.NotContains(t, err.Error(), "7200", "%s, %d s: the refusal names the maximum", tc.name, dur)
			x, err := f.d.ExplainAssumeRole(in)
			require.NoError(t, err, "%s, %d s", tc.name, dur)
			assert.Equal(t, tc.side, x.Side, "%s, %d s", tc.name, dur)
			assert.NotEqual(t, evaluator.Allow, x.Decision)
		}
	}
	for _, dur := range durations {
		in := AssumeRoleInput{Caller: trusted, Role: r, SessionName: "s1", DurationSeconds: dur}
		out, err := f.d.AssumeRole(in)
		_, xerr := f.d.ExplainAssumeRole(in)
		if dur <= 7200 {
			require.NoError(t, err, "%d s", dur)
			require.NoError(t, xerr, "%d s", dur)
			want := dur
			if want == 0 {
				want = DefaultSessionDuration
			}
			assert.Equal(t, t0.Add(time.Duration(want)*time.Second), out.Credentials.Expiration)
			continue
		}
		for _, err := range []error{err, xerr} {
			var e *AssumeRoleError
			require.True(t, errors.As(err, &e), "%d s: got %v", dur, err)
			assert.Equal(t, CodeInvalidDuration, e.Code, "%d s", dur)
			assert.ErrorIs(t, err, ErrInvalid)
		}
	}
	// Below the minimum is the input's own rule: refused first, for anyone.
	for _, c := range []principal.ID{trusted, untrusted} {
		_, err := f.d.AssumeRole(AssumeRoleInput{Caller: c, Role: r, SessionName: "s1", DurationSeconds: 899})
		var e *AssumeRoleError
		require.True(t, errors.As(err, &e))
		assert.Equal(t, CodeInvalidDuration, e.Code)
	}
}
