package role

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/policy/system"
	"github.com/ramauthz/ramauthz/principal"
)

const (
	uidA = "1234567890123456"
	uidB = "6543210987654321"
	uidC = "1111111111111111"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// clock is an injected clock that tests set by hand; reading it is one
// atomic load, so benchmarks measure the directory rather than the clock.
type clock struct {
	t atomic.Pointer[time.Time]
}

func newClock(t time.Time) *clock {
	c := &clock{}
	c.Set(t)
	return c
}

func (c *clock) Now() time.Time { return *c.t.Load() }

func (c *clock) Set(t time.Time) { c.t.Store(&t) }

type fixture struct {
	dir *principal.Directory
	sts *STS
	clk *clock
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	clk := newClock(t0)
	dir := principal.New(principal.Config{Clock: clk.Now})
	for _, a := range []string{uidA, uidB, uidC} {
		require.NoError(t, dir.CreateAccount(a))
	}
	return &fixture{dir: dir, sts: New(dir), clk: clk}
}

func trust(statements ...string) string {
	return `{"Version":"1","Statement":[` + strings.Join(statements, ",") + `]}`
}

func trustRAM(effect string, principals ...string) string {
	return `{"Effect":"` + effect + `","Action":"sts:AssumeRole","Principal":{"RAM":["` + strings.Join(principals, `","`) + `"]}}`
}

func identity(statements ...string) string {
	return `{"Version":"1","Statement":[` + strings.Join(statements, ",") + `]}`
}

func stmt(effect, action, resource string) string {
	return `{"Effect":"` + effect + `","Action":"` + action + `","Resource":"` + resource + `"}`
}

func root(uid string) string               { return "acs:ram::" + uid + ":root" }
func userARN(uid, n string) string         { return "acs:ram::" + uid + ":user/" + n }
func roleARN(uid, n string) string         { return "acs:ram::" + uid + ":role/" + n }
func id(s string) principal.ID             { return principal.MustParse(s) }
func (f *fixture) now() time.Time          { return f.clk.Now() }
func (f *fixture) advance(d time.Duration) { f.clk.Set(f.clk.Now().Add(d)) }

// role creates role name in uid with the given trust policy and attached
// system policies.
func (f *fixture) role(t testing.TB, uid, name, trustDoc string, maxSession int, system ...string) string {
	t.Helper()
	var atts []principal.Attachment
	for _, s := range system {
		atts = append(atts, principal.Attachment{Type: principal.System, Name: s})
	}
	_, err := f.dir.CreateRole(uid, principal.RoleSpec{Name: name, TrustPolicy: trustDoc,
		MaxSessionDuration: maxSession, Policies: atts})
	require.NoError(t, err)
	return roleARN(uid, name)
}

// user creates user name in uid with custom policy documents attached.
func (f *fixture) user(t testing.TB, uid, name string, docs ...string) string {
	t.Helper()
	_, err := f.dir.CreateUser(uid, name)
	require.NoError(t, err)
	for i, d := range docs {
		pn := name + "-p" + string(rune('0'+i))
		_, err := f.dir.CreatePolicy(uid, pn, "", d)
		require.NoError(t, err)
		require.NoError(t, f.dir.AttachPolicy(id(userARN(uid, name)), principal.Custom, pn))
	}
	return userARN(uid, name)
}

func (f *fixture) assume(caller, role string) (AssumeRoleOutput, error) {
	return f.sts.AssumeRole(AssumeRoleInput{Caller: caller, RoleARN: role, RoleSessionName: "s-1"})
}

var allowAssumeAny = identity(stmt("Allow", "sts:AssumeRole", "*"))

// TestAssumeRoleDecision covers the rules of spec §6.3 / D17.
func TestAssumeRoleDecision(t *testing.T) {
	f := newFixture(t)
	allowB := f.user(t, uidB, "dave", allowAssumeAny)
	noPolicyB := f.user(t, uidB, "erin")
	denyB := f.user(t, uidB, "mallory", allowAssumeAny, identity(stmt("Deny", "sts:AssumeRole", roleARN(uidA, "*"))))
	narrowB := f.user(t, uidB, "nina", identity(stmt("Allow", "sts:AssumeRole", "acs:ram:*:"+uidA+":role/trusts-b")))
	allowA := f.user(t, uidA, "alice", allowAssumeAny)
	allowA2 := f.user(t, uidA, "bob", allowAssumeAny)
	allowC := f.user(t, uidC, "carl", allowAssumeAny)
	// System policy AliyunSTSAssumeRoleAccess is the documented grant.
	_, err := f.dir.CreateUser(uidB, "sam")
	require.NoError(t, err)
	require.NoError(t, f.dir.AttachPolicy(id(userARN(uidB, "sam")), principal.System, "AliyunSTSAssumeRoleAccess"))
	sysB := userARN(uidB, "sam")
	key, err := f.dir.CreateAccessKey(uidB, "dave")
	require.NoError(t, err)

	trustsB := f.role(t, uidA, "trusts-b", trust(trustRAM("Allow", root(uidB))), 0)
	trustsC := f.role(t, uidA, "trusts-c", trust(trustRAM("Allow", root(uidC))), 0)
	trustsAlice := f.role(t, uidA, "trusts-alice", trust(trustRAM("Allow", allowA)), 0)
	denyDave := f.role(t, uidA, "denies-dave", trust(trustRAM("Allow", root(uidB)), trustRAM("Deny", allowB)), 0)
	trustsOwn := f.role(t, uidA, "trusts-own", trust(trustRAM("Allow", root(uidA))), 0)
	service := f.role(t, uidA, "ecs-role", trust(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":["ecs.aliyuncs.com"]}}`), 0)
	saml := f.role(t, uidA, "sso", trust(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Federated":["acs:ram::`+uidA+`:saml-provider/idp"]}}`), 0)
	wildAction := f.role(t, uidA, "other-action", trust(`{"Effect":"Allow","Action":"sts:AssumeRoleWithSAML","Principal":{"RAM":["`+root(uidB)+`"]}}`), 0)

	tests := []struct {
		name   string
		caller string
		role   string
		ok     bool
		msg    string // part of the refusal message
	}{
		{"cross-account root trust, caller allowed", allowB, trustsB, true, ""},
		{"by access key", key.ID, trustsB, true, ""},
		{"system policy AliyunSTSAssumeRoleAccess", sysB, trustsB, true, ""},
		{"caller policy scoped to the role ARN (acs:ram:* form)", narrowB, trustsB, true, ""},
		{"caller policy scoped to another role", narrowB, trustsOwn, false, "trust policy does not allow"},
		{"trust allows, caller's policy does not", noPolicyB, trustsB, false, "caller's policies do not allow"},
		{"caller allows, trust names another account", allowB, trustsC, false, "trust policy does not allow"},
		{"other account's user", allowC, trustsB, false, "trust policy does not allow"},
		{"explicit deny in caller's policy", denyB, trustsB, false, "caller's policies explicitly deny"},
		{"explicit deny in trust policy", allowB, denyDave, false, "trust policy explicitly denies"},
		{"exact user in trust", allowA, trustsAlice, true, ""},
		{"other user of same account", allowA2, trustsAlice, false, "trust policy does not allow"},
		{"same account root trust", allowA2, trustsOwn, true, ""},
		{"account root cannot assume", root(uidB), trustsB, false, "account root"},
		{"role ARN as caller", trustsB, trustsOwn, false, "role"},
		{"unknown caller", userARN(uidB, "ghost"), trustsB, false, "does not resolve"},
		{"service principal, identity step skipped", "ecs.aliyuncs.com", service, true, ""},
		{"other service", "rds.aliyuncs.com", service, false, "trust policy does not allow"},
		{"user cannot assume a service role", allowA, service, false, "trust policy does not allow"},
		{"SAML provider", "acs:ram::" + uidA + ":saml-provider/idp", saml, true, ""},
		{"trust statement for another action", allowB, wildAction, false, "trust policy does not allow"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := f.assume(tc.caller, tc.role)
			if tc.ok {
				require.NoError(t, err)
				assert.True(t, strings.HasPrefix(out.Credentials.AccessKeyID, "STS."))
				return
			}
			require.ErrorIs(t, err, ErrNoPermission)
			assert.Contains(t, err.Error(), tc.msg)
			assert.Empty(t, out.Credentials.AccessKeyID)
		})
	}
}

func TestAssumeRoleOutput(t *testing.T) {
	f := newFixture(t)
	caller := f.user(t, uidB, "dave", allowAssumeAny)
	r := f.role(t, uidA, "ops", trust(trustRAM("Allow", root(uidB))), 7200)
	info, err := f.dir.GetRole(uidA, "ops")
	require.NoError(t, err)
	out, err := f.sts.AssumeRole(AssumeRoleInput{Caller: caller, RoleARN: r, RoleSessionName: "dave@b", DurationSeconds: 1800})
	require.NoError(t, err)
	assert.Equal(t, "acs:ram::"+uidA+":role/ops/dave@b", out.AssumedRoleUser.ARN.String())
	assert.Equal(t, info.RoleID+":dave@b", out.AssumedRoleUser.AssumedRoleID)
	assert.Equal(t, t0.Add(30*time.Minute), out.Credentials.Expiration)
	assert.Len(t, out.Credentials.AccessKeyID, 32)
	assert.NotEmpty(t, out.Credentials.AccessKeySecret)
	assert.NotEmpty(t, out.Credentials.SecurityToken)

	sid, err := f.dir.VerifySession(out.Credentials.AccessKeyID, out.Credentials.AccessKeySecret, out.Credentials.SecurityToken)
	require.NoError(t, err)
	assert.Equal(t, out.AssumedRoleUser.ARN, sid)
	_, err = f.dir.VerifySession(out.Credentials.AccessKeyID, out.Credentials.AccessKeySecret, "CAISwrong")
	assert.ErrorIs(t, err, principal.ErrCredentials)

	// Secrets are not kept: the export holds only hashes.
	data, err := f.dir.Export()
	require.NoError(t, err)
	assert.NotContains(t, string(data), out.Credentials.AccessKeySecret)
	assert.NotContains(t, string(data), out.Credentials.SecurityToken)
	assert.Contains(t, string(data), out.Credentials.AccessKeyID)

	// Sessions survive export and import and still authorize.
	_, err = f.dir.CreatePolicy(uidA, "Ecs", "", identity(stmt("Allow", "ecs:*", "*")))
	require.NoError(t, err)
	require.NoError(t, f.dir.AttachPolicy(id(r), principal.Custom, "Ecs"))
	data, err = f.dir.Export()
	require.NoError(t, err)
	other := principal.New(principal.Config{Clock: f.clk.Now})
	require.NoError(t, other.Import(data))
	again, err := other.Export()
	require.NoError(t, err)
	assert.Equal(t, string(data), string(again))
	dec, err := other.Authorize(out.Credentials.AccessKeyID, evaluator.Request{Action: "ecs:StopInstance", Resource: "*"})
	require.NoError(t, err)
	assert.Equal(t, evaluator.Allow, dec)

	// The session ARN (and its aliases) resolves like the AccessKeyId.
	for _, who := range []string{out.AssumedRoleUser.ARN.String(), "acs:sts::" + uidA + ":assumed-role/ops/dave@b",
		"arn:sts::" + uidA + ":assumed-role/ops/dave@b"} {
		dec, err := f.dir.Authorize(who, evaluator.Request{Action: "ecs:StopInstance", Resource: "*"})
		require.NoError(t, err, who)
		assert.Equal(t, evaluator.Allow, dec, who)
	}
}

func TestAssumeRoleInputErrors(t *testing.T) {
	f := newFixture(t)
	caller := f.user(t, uidB, "dave", allowAssumeAny)
	r := f.role(t, uidA, "ops", trust(trustRAM("Allow", root(uidB))), 0)
	long := f.role(t, uidA, "long", trust(trustRAM("Allow", root(uidB))), 43200)
	base := AssumeRoleInput{Caller: caller, RoleARN: r, RoleSessionName: "sess"}
	bigPolicy := identity(stmt("Allow", "ecs:Describe"+strings.Repeat("x", 2100), "*"))
	tests := []struct {
		name string
		mod  func(in *AssumeRoleInput)
		want error // nil: success
	}{
		{"defaults", func(in *AssumeRoleInput) {}, nil},
		{"user ARN as role", func(in *AssumeRoleInput) { in.RoleARN = caller }, ErrInvalidRoleArn},
		{"garbage role ARN", func(in *AssumeRoleInput) { in.RoleARN = "role/ops" }, ErrInvalidRoleArn},
		{"wildcard role ARN", func(in *AssumeRoleInput) { in.RoleARN = "acs:ram::" + uidA + ":role/*" }, ErrInvalidRoleArn},
		{"unknown role", func(in *AssumeRoleInput) { in.RoleARN = roleARN(uidA, "nope") }, ErrRoleNotExist},
		{"unknown account", func(in *AssumeRoleInput) { in.RoleARN = roleARN("9999999999999999", "ops") }, ErrRoleNotExist},
		{"session name one char", func(in *AssumeRoleInput) { in.RoleSessionName = "a" }, ErrInvalidRoleSessionName},
		{"session name 64", func(in *AssumeRoleInput) { in.RoleSessionName = strings.Repeat("a", 64) }, nil},
		{"session name 65", func(in *AssumeRoleInput) { in.RoleSessionName = strings.Repeat("a", 65) }, ErrInvalidRoleSessionName},
		{"session name bad char", func(in *AssumeRoleInput) { in.RoleSessionName = "a b" }, ErrInvalidRoleSessionName},
		{"duration 899", func(in *AssumeRoleInput) { in.DurationSeconds = 899 }, ErrInvalidDurationSeconds},
		{"duration 900", func(in *AssumeRoleInput) { in.DurationSeconds = 900 }, nil},
		{"duration 3600 at max", func(in *AssumeRoleInput) { in.DurationSeconds = 3600 }, nil},
		{"duration above role max", func(in *AssumeRoleInput) { in.DurationSeconds = 3601 }, ErrInvalidDurationSeconds},
		{"duration 43200 on long role", func(in *AssumeRoleInput) { in.RoleARN = long; in.DurationSeconds = 43200 }, nil},
		{"duration 43201 on long role", func(in *AssumeRoleInput) { in.RoleARN = long; in.DurationSeconds = 43201 }, ErrInvalidDurationSeconds},
		{"negative duration", func(in *AssumeRoleInput) { in.DurationSeconds = -1 }, ErrInvalidDurationSeconds},
		{"policy grammar", func(in *AssumeRoleInput) { in.Policy = `{"Version":"1","Statement":[]}` }, ErrPolicyGrammar},
		{"policy not JSON", func(in *AssumeRoleInput) { in.Policy = `{` }, ErrPolicyGrammar},
		{"policy with principal", func(in *AssumeRoleInput) { in.Policy = trust(trustRAM("Allow", root(uidB))) }, ErrPolicyGrammar},
		{"policy size", func(in *AssumeRoleInput) { in.Policy = bigPolicy }, ErrPolicySize},
		{"external id too short", func(in *AssumeRoleInput) { in.ExternalID = "x" }, ErrInvalidExternalID},
		{"external id bad char", func(in *AssumeRoleInput) { in.ExternalID = "abc def" }, ErrInvalidExternalID},
		{"external id accepted chars", func(in *AssumeRoleInput) { in.ExternalID = "a_b+c=d,e.f@g:h/i-j" }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := base
			tc.mod(&in)
			out, err := f.sts.AssumeRole(in)
			if tc.want == nil {
				require.NoError(t, err)
				d := in.DurationSeconds
				if d == 0 {
					d = 3600
				}
				assert.Equal(t, f.now().Add(time.Duration(d)*time.Second), out.Credentials.Expiration)
				return
			}
			require.ErrorIs(t, err, tc.want)
			var e *Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, tc.want.(*Error).Code, e.Code)
		})
	}
	t.Run("policy grammar error is reachable", func(t *testing.T) {
		in := base
		in.Policy = `{"Version":"2","Statement":[` + stmt("Allow", "*", "*") + `]}`
		_, err := f.sts.AssumeRole(in)
		var pe *policy.ParseError
		require.True(t, errors.As(err, &pe))
		assert.Equal(t, "Version", pe.Path)
	})
}

func TestExternalID(t *testing.T) {
	f := newFixture(t)
	caller := f.user(t, uidB, "vendor", allowAssumeAny)
	r := f.role(t, uidA, "vendor-role", trust(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["`+root(uidB)+`"]},`+
		`"Condition":{"StringEquals":{"sts:ExternalId":"abc-123"}}}`), 0)
	tests := []struct {
		name    string
		ext     string
		smuggle bool
		ok      bool
	}{
		{"required and given", "abc-123", false, true},
		{"required and missing", "", false, false},
		{"wrong value", "abc-124", false, false},
		{"smuggled through the context", "", true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := &evaluator.Context{}
			if tc.smuggle {
				ctx.Set("sts:ExternalId", "abc-123")
			}
			_, err := f.sts.AssumeRole(AssumeRoleInput{Caller: caller, RoleARN: r, RoleSessionName: "vendor",
				ExternalID: tc.ext, Context: ctx})
			if tc.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, ErrNoPermission)
			}
		})
	}
}

func TestTrustConditionsSeeContext(t *testing.T) {
	f := newFixture(t)
	caller := f.user(t, uidB, "dave", allowAssumeAny)
	r := f.role(t, uidA, "office-only", trust(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["`+root(uidB)+`"]},`+
		`"Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}}`), 0)
	for ip, ok := range map[string]bool{"10.1.2.3": true, "192.168.1.1": false, "not-an-ip": false} {
		t.Run(ip, func(t *testing.T) {
			ctx := &evaluator.Context{}
			ctx.Set("acs:SourceIp", ip)
			_, err := f.sts.AssumeRole(AssumeRoleInput{Caller: caller, RoleARN: r, RoleSessionName: "dave", Context: ctx})
			if ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, ErrNoPermission)
			}
		})
	}
}

// TestSessionEvaluation covers spec §6.2 step 2 and §6.4 / D16.
func TestSessionEvaluation(t *testing.T) {
	f := newFixture(t)
	caller := f.user(t, uidB, "dave", allowAssumeAny)
	r := f.role(t, uidA, "ops", trust(trustRAM("Allow", root(uidB))), 0)
	_, err := f.dir.CreatePolicy(uidA, "RolePolicy", "", identity(
		stmt("Allow", "ecs:*", "*"),
		stmt("Allow", "oss:GetObject", "*"),
		stmt("Deny", "ecs:DeleteInstance", "*")))
	require.NoError(t, err)
	require.NoError(t, f.dir.AttachPolicy(id(r), principal.Custom, "RolePolicy"))

	tests := []struct {
		name          string
		sessionPolicy string
		action        string
		want          evaluator.Decision
	}{
		{"no session policy: role allows", "", "ecs:StartInstance", evaluator.Allow},
		{"no session policy: role denies", "", "ecs:DeleteInstance", evaluator.ExplicitDeny},
		{"no session policy: role silent", "", "rds:DescribeDBInstances", evaluator.ImplicitDeny},
		{"both allow", identity(stmt("Allow", "ecs:Start*", "*")), "ecs:StartInstance", evaluator.Allow},
		{"session narrows", identity(stmt("Allow", "ecs:Start*", "*")), "ecs:StopInstance", evaluator.ImplicitDeny},
		{"session implicit deny hides role explicit deny", identity(stmt("Allow", "ecs:Start*", "*")), "ecs:DeleteInstance", evaluator.ImplicitDeny},
		{"session allows, role explicit deny", identity(stmt("Allow", "ecs:*", "*")), "ecs:DeleteInstance", evaluator.ExplicitDeny},
		{"session cannot widen the role", identity(stmt("Allow", "*", "*")), "rds:DescribeDBInstances", evaluator.ImplicitDeny},
		{"session explicit deny", identity(stmt("Allow", "*", "*"), stmt("Deny", "oss:*", "*")), "oss:GetObject", evaluator.ExplicitDeny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := f.sts.AssumeRole(AssumeRoleInput{Caller: caller, RoleARN: r, RoleSessionName: "dave",
				Policy: tc.sessionPolicy})
			require.NoError(t, err)
			dec, err := f.dir.Authorize(out.Credentials.AccessKeyID, evaluator.Request{Action: tc.action, Resource: "acs:ecs:cn:" + uidA + ":instance/i"})
			require.NoError(t, err)
			assert.Equal(t, tc.want, dec)
			x, err := f.dir.Explain(out.Credentials.AccessKeyID, evaluator.Request{Action: tc.action, Resource: "acs:ecs:cn:" + uidA + ":instance/i"})
			require.NoError(t, err)
			assert.Equal(t, tc.want, x.Decision, "Explain agrees")
		})
	}
}

func TestSessionExpiry(t *testing.T) {
	f := newFixture(t)
	caller := f.user(t, uidB, "dave", allowAssumeAny)
	r := f.role(t, uidA, "ops", trust(trustRAM("Allow", root(uidB))), 0, "AliyunARMSFullAccess")
	out, err := f.sts.AssumeRole(AssumeRoleInput{Caller: caller, RoleARN: r, RoleSessionName: "dave", DurationSeconds: 900})
	require.NoError(t, err)
	rq := evaluator.Request{Action: "arms:CreateAlertRules", Resource: "*"}
	tests := []struct {
		at   time.Duration
		want evaluator.Decision
		err  error
	}{
		{0, evaluator.Allow, nil},
		{899 * time.Second, evaluator.Allow, nil},
		{900 * time.Second, evaluator.ImplicitDeny, principal.ErrExpired},
		{2 * time.Hour, evaluator.ImplicitDeny, principal.ErrExpired},
	}
	for _, tc := range tests {
		t.Run(tc.at.String(), func(t *testing.T) {
			f.clk.Set(t0.Add(tc.at))
			dec, err := f.dir.Authorize(out.Credentials.AccessKeyID, rq)
			assert.Equal(t, tc.want, dec)
			if tc.err == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tc.err)
			}
		})
	}
	t.Run("expired session cannot chain", func(t *testing.T) {
		_, err := f.sts.AssumeRole(AssumeRoleInput{Caller: out.Credentials.AccessKeyID, RoleARN: r, RoleSessionName: "again"})
		assert.ErrorIs(t, err, ErrNoPermission)
		assert.ErrorIs(t, err, principal.ErrExpired)
	})
	t.Run("purge", func(t *testing.T) {
		assert.Equal(t, 1, f.dir.PurgeSessions())
		_, err := f.dir.Authorize(out.Credentials.AccessKeyID, rq)
		assert.ErrorIs(t, err, principal.ErrNotFound)
	})
}

func TestRoleChaining(t *testing.T) {
	f := newFixture(t)
	caller := f.user(t, uidB, "dave", allowAssumeAny)
	first := f.role(t, uidA, "first", trust(trustRAM("Allow", root(uidB))), 0, "AliyunSTSAssumeRoleAccess")
	second := f.role(t, uidC, "second", trust(trustRAM("Allow", first)), 0, "AliyunARMSReadOnlyAccess")
	noSTS := f.role(t, uidA, "no-sts", trust(trustRAM("Allow", root(uidB))), 0)

	s1, err := f.assume(caller, first)
	require.NoError(t, err)
	s2, err := f.sts.AssumeRole(AssumeRoleInput{Caller: s1.Credentials.AccessKeyID, RoleARN: second, RoleSessionName: "hop"})
	require.NoError(t, err, "the session acts as its role for the trust policy")
	dec, err := f.dir.Authorize(s2.Credentials.AccessKeyID, evaluator.Request{Action: "arms:ListDashboards", Resource: "*"})
	require.NoError(t, err)
	assert.Equal(t, evaluator.Allow, dec)

	// The user itself is not the trusted role.
	_, err = f.assume(caller, second)
	assert.ErrorIs(t, err, ErrNoPermission)
	// A session whose role lacks sts:AssumeRole cannot chain.
	s3, err := f.assume(caller, noSTS)
	require.NoError(t, err)
	_, err = f.sts.AssumeRole(AssumeRoleInput{Caller: s3.Credentials.AccessKeyID, RoleARN: second, RoleSessionName: "hop"})
	assert.ErrorIs(t, err, ErrNoPermission)
	// A session policy can take sts:AssumeRole away.
	s4, err := f.sts.AssumeRole(AssumeRoleInput{Caller: caller, RoleARN: first, RoleSessionName: "narrow",
		Policy: identity(stmt("Allow", "arms:*", "*"))})
	require.NoError(t, err)
	_, err = f.sts.AssumeRole(AssumeRoleInput{Caller: s4.Credentials.AccessKeyID, RoleARN: second, RoleSessionName: "hop"})
	assert.ErrorIs(t, err, ErrNoPermission)
}

func TestRevocation(t *testing.T) {
	rq := evaluator.Request{Action: "arms:CreateAlertRules", Resource: "acs:arms:cn:" + uidA + ":x"}
	setup := func(t *testing.T) (*fixture, string, string, AssumeRoleOutput) {
		f := newFixture(t)
		caller := f.user(t, uidB, "dave", allowAssumeAny)
		r := f.role(t, uidA, "ops", trust(trustRAM("Allow", root(uidB))), 0, "AliyunARMSFullAccess")
		out, err := f.assume(caller, r)
		require.NoError(t, err)
		dec, err := f.dir.Authorize(out.Credentials.AccessKeyID, rq)
		require.NoError(t, err)
		require.Equal(t, evaluator.Allow, dec)
		return f, caller, r, out
	}
	t.Run("detach role policy", func(t *testing.T) {
		f, _, r, out := setup(t)
		require.NoError(t, f.dir.DetachPolicy(id(r), principal.System, "AliyunARMSFullAccess"))
		dec, err := f.dir.Authorize(out.Credentials.AccessKeyID, rq)
		require.NoError(t, err)
		assert.Equal(t, evaluator.ImplicitDeny, dec)
	})
	t.Run("delete role", func(t *testing.T) {
		f, caller, r, out := setup(t)
		require.ErrorIs(t, f.dir.DeleteRole(uidA, "ops", principal.Strict), principal.ErrInUse)
		require.NoError(t, f.dir.DeleteRole(uidA, "ops", principal.Cascade))
		dec, err := f.dir.Authorize(out.Credentials.AccessKeyID, rq)
		assert.Equal(t, evaluator.ImplicitDeny, dec)
		assert.ErrorIs(t, err, principal.ErrNotFound)
		_, err = f.assume(caller, r)
		assert.ErrorIs(t, err, ErrRoleNotExist)
		// A new role with the same name does not revive old sessions.
		f.role(t, uidA, "ops", trust(trustRAM("Allow", root(uidB))), 0, "AliyunARMSFullAccess")
		_, err = f.dir.Authorize(out.Credentials.AccessKeyID, rq)
		assert.ErrorIs(t, err, principal.ErrNotFound)
	})
	t.Run("change trust policy", func(t *testing.T) {
		f, caller, r, out := setup(t)
		_, err := f.dir.UpdateRole(uidA, "ops", principal.RoleUpdate{TrustPolicy: trust(trustRAM("Allow", root(uidC)))})
		require.NoError(t, err)
		_, err = f.assume(caller, r)
		assert.ErrorIs(t, err, ErrNoPermission)
		dec, err := f.dir.Authorize(out.Credentials.AccessKeyID, rq)
		require.NoError(t, err)
		assert.Equal(t, evaluator.Allow, dec, "existing sessions are not ended by a trust change")
	})
	t.Run("caller loses sts:AssumeRole", func(t *testing.T) {
		f, caller, r, _ := setup(t)
		require.NoError(t, f.dir.DetachPolicy(id(caller), principal.Custom, "dave-p0"))
		_, err := f.assume(caller, r)
		assert.ErrorIs(t, err, ErrNoPermission)
	})
	t.Run("revoke sessions", func(t *testing.T) {
		f, caller, r, out := setup(t)
		f.advance(time.Minute)
		cut := f.now()
		require.NoError(t, f.sts.RevokeSessions(r, cut))
		dec, err := f.dir.Authorize(out.Credentials.AccessKeyID, rq)
		assert.Equal(t, evaluator.ImplicitDeny, dec)
		assert.ErrorIs(t, err, principal.ErrExpired)
		// Sessions issued at or after the cut-off work.
		fresh, err := f.assume(caller, r)
		require.NoError(t, err)
		dec, err = f.dir.Authorize(fresh.Credentials.AccessKeyID, rq)
		require.NoError(t, err)
		assert.Equal(t, evaluator.Allow, dec)
		// The cut-off only moves forward.
		require.NoError(t, f.sts.RevokeSessions(r, t0))
		info, err := f.dir.GetRole(uidA, "ops")
		require.NoError(t, err)
		assert.Equal(t, cut, info.RevokedBefore)
		assert.ErrorIs(t, f.sts.RevokeSessions(roleARN(uidA, "nope"), cut), ErrRoleNotExist)
		assert.ErrorIs(t, f.sts.RevokeSessions(caller, cut), ErrInvalidRoleArn)
	})
}

func TestServiceLinkedRole(t *testing.T) {
	f := newFixture(t)
	_, err := f.dir.CreateRole(uidA, principal.RoleSpec{Name: "AliyunServiceRoleForARMS", ServiceLinked: true,
		TrustPolicy: trust(`{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":["arms.aliyuncs.com"]}}`),
		Policies:    []principal.Attachment{{Type: principal.System, Name: "AliyunARMSReadOnlyAccess"}}})
	require.NoError(t, err)
	slr := id(roleARN(uidA, "AliyunServiceRoleForARMS"))
	assert.ErrorIs(t, f.dir.AttachPolicy(slr, principal.System, "AliyunARMSFullAccess"), principal.ErrImmutable)
	assert.ErrorIs(t, f.dir.DetachPolicy(slr, principal.System, "AliyunARMSReadOnlyAccess"), principal.ErrImmutable)
	_, err = f.dir.UpdateRole(uidA, "AliyunServiceRoleForARMS", principal.RoleUpdate{TrustPolicy: trust(trustRAM("Allow", root(uidA)))})
	assert.ErrorIs(t, err, principal.ErrImmutable)
	_, err = f.dir.UpdateRole(uidA, "AliyunServiceRoleForARMS", principal.RoleUpdate{MaxSessionDuration: 7200})
	assert.NoError(t, err, "the duration of a service-linked role may change")
	out, err := f.assume("arms.aliyuncs.com", slr.String())
	require.NoError(t, err)
	dec, err := f.dir.Authorize(out.Credentials.AccessKeyID, evaluator.Request{Action: "arms:ListDashboards", Resource: "*"})
	require.NoError(t, err)
	assert.Equal(t, evaluator.Allow, dec)
}

func TestRoleRecords(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name string
		spec principal.RoleSpec
		want error
	}{
		{"bad name", principal.RoleSpec{Name: "a_b", TrustPolicy: trust(trustRAM("Allow", root(uidB)))}, principal.ErrInvalid},
		{"identity doc as trust", principal.RoleSpec{Name: "r", TrustPolicy: identity(stmt("Allow", "*", "*"))}, principal.ErrInvalid},
		{"max session too small", principal.RoleSpec{Name: "r", TrustPolicy: trust(trustRAM("Allow", root(uidB))), MaxSessionDuration: 3599}, principal.ErrInvalid},
		{"max session too large", principal.RoleSpec{Name: "r", TrustPolicy: trust(trustRAM("Allow", root(uidB))), MaxSessionDuration: 43201}, principal.ErrInvalid},
		{"unknown policy", principal.RoleSpec{Name: "r", TrustPolicy: trust(trustRAM("Allow", root(uidB))),
			Policies: []principal.Attachment{{Type: principal.System, Name: "Nope"}}}, principal.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, err := f.dir.Export()
			require.NoError(t, err)
			_, err = f.dir.CreateRole(uidA, tc.spec)
			assert.ErrorIs(t, err, tc.want)
			after, err := f.dir.Export()
			require.NoError(t, err)
			assert.Equal(t, string(before), string(after))
		})
	}
	info, err := f.dir.CreateRole(uidA, principal.RoleSpec{Name: "r", TrustPolicy: trust(trustRAM("Allow", root(uidB)))})
	require.NoError(t, err)
	assert.Equal(t, principal.DefaultMaxSessionDuration, info.MaxSessionDuration)
	assert.Len(t, info.RoleID, 19)
	_, err = f.dir.CreateRole(uidA, principal.RoleSpec{Name: "r", TrustPolicy: trust(trustRAM("Allow", root(uidB)))})
	assert.ErrorIs(t, err, principal.ErrExists)
	roles, err := f.dir.ListRoles(uidA)
	require.NoError(t, err)
	require.Len(t, roles, 1)
	assert.Equal(t, "acs:ram::"+uidA+":role/r", roles[0].ID.String())
}

// TestConcurrentSessions creates, uses and revokes sessions from several
// goroutines while the role's policy is detached and reattached. Every
// decision must match a state that existed while it ran.
func TestConcurrentSessions(t *testing.T) {
	f := newFixture(t)
	caller := f.user(t, uidB, "dave", allowAssumeAny)
	r := f.role(t, uidA, "ops", trust(trustRAM("Allow", root(uidB))), 0, "AliyunARMSFullAccess")
	rid := id(r)
	rq := evaluator.Request{Action: "arms:CreateAlertRules", Resource: "*"}

	var attached sync.Map // generation → role policy attached
	attached.Store(f.dir.Generation(), true)
	var stop atomic.Bool
	var observed, assumed atomic.Int64
	var wg sync.WaitGroup
	type obs struct {
		g1, g2 uint64
		dec    evaluator.Decision
	}
	results := make([][]obs, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := "w" + string(rune('0'+w))
			for !stop.Load() {
				out, err := f.sts.AssumeRole(AssumeRoleInput{Caller: caller, RoleARN: r, RoleSessionName: name})
				if err != nil {
					t.Errorf("assume: %v", err)
					return
				}
				assumed.Add(1)
				for range 20 {
					g1 := f.dir.Generation()
					dec, err := f.dir.Authorize(out.Credentials.AccessKeyID, rq)
					g2 := f.dir.Generation()
					if err != nil {
						// Revoked (ErrExpired), or revoked and already purged.
						revoked := errors.Is(err, principal.ErrExpired) || errors.Is(err, principal.ErrNotFound)
						if !revoked || dec != evaluator.ImplicitDeny {
							t.Errorf("authorize: %v %v", dec, err)
							return
						}
						break // revoked: assume again
					}
					// Checked after the run: the writer records a generation's
					// state only after creating it.
					results[w] = append(results[w], obs{g1, g2, dec})
					observed.Add(1)
				}
			}
		}()
	}
	for round := 0; round < 100 || (observed.Load() < 3000 && round < 100000); round++ {
		require.NoError(t, f.dir.DetachPolicy(rid, principal.System, "AliyunARMSFullAccess"))
		attached.Store(f.dir.Generation(), false)
		require.NoError(t, f.dir.AttachPolicy(rid, principal.System, "AliyunARMSFullAccess"))
		attached.Store(f.dir.Generation(), true)
		if round%10 == 9 {
			f.advance(time.Second)
			require.NoError(t, f.dir.RevokeSessions(rid, f.now()))
			attached.Store(f.dir.Generation(), true)
			f.dir.PurgeSessions()
		}
	}
	stop.Store(true)
	wg.Wait()
	for _, rs := range results {
		for _, o := range rs {
			ok := false
			for g := o.g1; g <= o.g2 && !ok; g++ {
				if v, found := attached.Load(g); found && v.(bool) == (o.dec == evaluator.Allow) {
					ok = true
				}
			}
			if !ok {
				t.Fatalf("decision %v between generations %d and %d matches no state", o.dec, o.g1, o.g2)
			}
		}
	}
	assert.Positive(t, observed.Load())
	assert.Positive(t, assumed.Load())
}

func BenchmarkAuthorize(b *testing.B) {
	f := newFixture(b)
	caller := f.user(b, uidB, "dave", allowAssumeAny)
	r := f.role(b, uidA, "ops", trust(trustRAM("Allow", root(uidB))), 0, "AliyunARMSFullAccess")
	sessionPolicy := identity(stmt("Allow", "arms:Get*", "*"), stmt("Allow", "arms:List*", "*"), stmt("Deny", "arms:Delete*", "*"))
	out, err := f.sts.AssumeRole(AssumeRoleInput{Caller: caller, RoleARN: r, RoleSessionName: "bench", Policy: sessionPolicy})
	require.NoError(b, err)
	rq := evaluator.Request{Action: "arms:ListDashboards", Resource: "acs:arms:cn-hangzhou:" + uidA + ":dashboard/d"}
	key := out.Credentials.AccessKeyID
	var sink evaluator.Decision

	b.Run("session", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink, _ = f.dir.Authorize(key, rq)
		}
	})
	b.Run("session-raw-decide", func(b *testing.B) {
		// The same two policy sets compiled directly: session policy first,
		// then the role's policy.
		sp, err := policy.Parse([]byte(sessionPolicy), policy.WithKind(policy.Session))
		require.NoError(b, err)
		sev, err := evaluator.Compile(evaluator.Policy{ID: "session", Document: sp})
		require.NoError(b, err)
		full, ok := system.Get("AliyunARMSFullAccess")
		require.True(b, ok)
		rev, err := evaluator.Compile(evaluator.Policy{ID: full.Name, Document: full.Document})
		require.NoError(b, err)
		rr := rq
		rr.Principal = evaluator.Principal{Type: evaluator.PrincipalRole, AccountID: uidA, ARN: r}
		b.ReportAllocs()
		for b.Loop() {
			if d := sev.Decide(rr); d != evaluator.Allow {
				sink = d
				continue
			}
			sink = rev.Decide(rr)
		}
	})
	if sink == 99 {
		b.Log("unreachable")
	}
}

func TestSessionAuthorizeNoAllocs(t *testing.T) {
	f := newFixture(t)
	caller := f.user(t, uidB, "dave", allowAssumeAny)
	r := f.role(t, uidA, "ops", trust(trustRAM("Allow", root(uidB))), 0, "AliyunARMSFullAccess")
	out, err := f.sts.AssumeRole(AssumeRoleInput{Caller: caller, RoleARN: r, RoleSessionName: "s1",
		Policy: identity(stmt("Allow", "arms:List*", "*"))})
	require.NoError(t, err)
	rq := evaluator.Request{Action: "arms:ListDashboards", Resource: "*"}
	for _, who := range []string{out.Credentials.AccessKeyID, out.AssumedRoleUser.ARN.String()} {
		dec, err := f.dir.Authorize(who, rq)
		require.NoError(t, err)
		require.Equal(t, evaluator.Allow, dec)
		assert.Zero(t, testing.AllocsPerRun(100, func() { _, _ = f.dir.Authorize(who, rq) }), who)
	}
}

func BenchmarkAssumeRole(b *testing.B) {
	f := newFixture(b)
	caller := f.user(b, uidB, "dave", allowAssumeAny)
	r := f.role(b, uidA, "ops", trust(trustRAM("Allow", root(uidB))), 0, "AliyunARMSFullAccess")
	in := AssumeRoleInput{Caller: caller, RoleARN: r, RoleSessionName: "bench",
		Policy: identity(stmt("Allow", "arms:Get*", "*"))}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := f.sts.AssumeRole(in); err != nil {
			b.Fatal(err)
		}
		if i++; i%1000 == 0 {
			b.StopTimer()
			require.NoError(b, f.dir.RevokeSessions(id(r), f.now().Add(time.Second)))
			f.dir.PurgeSessions()
			b.StartTimer()
		}
	}
}
