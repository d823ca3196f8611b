package authztest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/authztest/casefile"
	"github.com/ramauthz/ramauthz/directory"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/principal"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	errors []string
	fatals []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatals = append(r.fatals, fmt.Sprintf(format, args...))
}

const (
	readTraces = `{"Version":"1","Statement":[
	  {"Sid":"Read","Effect":"Allow","Action":["arms:Get*","arms:List*"],"Resource":"*"},
	  {"Sid":"Office","Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"acs:SourceIp":"10.0.0.0/8"}}}]}`
	trace = "acs:arms:cn-hangzhou:1234567890123456:trace/t1"
)

func TestAssertions(t *testing.T) {
	ev := Compile(t, readTraces)
	inside := Req("arms:GetTrace", trace, "acs:SourceIp=10.1.2.3")
	outside := Req("arms:GetTrace", trace, "acs:SourceIp=203.0.113.9")
	notGranted := Req("arms:DeleteApp", trace, "acs:SourceIp=10.1.2.3")

	type assertion func(testing.TB, Decider, evaluator.Request) bool
	tests := []struct {
		name   string
		assert assertion
		req    evaluator.Request
		ok     bool
		msg    string
	}{
		{"allowed-ok", Allowed, inside, true, ""},
		{"allowed-fails-on-explicit-deny", Allowed, outside, false,
			"authztest: arms:GetTrace on " + trace + ": expected Allow, got ExplicitDeny\n" +
				"ExplicitDeny\n" +
				`  applied: Allow policy "policy[0]" Statement[0] (Sid "Read")` + "\n" +
				`  applied: Deny policy "policy[0]" Statement[1] (Sid "Office")`},
		{"allowed-fails-on-implicit-deny", Allowed, notGranted, false,
			"authztest: arms:DeleteApp on " + trace + ": expected Allow, got ImplicitDeny\n" +
				"ImplicitDeny\n" +
				`  near miss: Deny policy "policy[0]" Statement[1] (Sid "Office"): NotIpAddress "acs:SourceIp": value "10.1.2.3" matches one of "10.0.0.0/8"`},
		{"denied-ok-explicit", Denied, outside, true, ""},
		{"denied-ok-implicit", Denied, notGranted, true, ""},
		{"denied-fails-on-allow", Denied, inside, false,
			"authztest: arms:GetTrace on " + trace + ": expected a denial, got Allow\n" +
				"Allow\n" +
				`  applied: Allow policy "policy[0]" Statement[0] (Sid "Read")` + "\n" +
				`  near miss: Deny policy "policy[0]" Statement[1] (Sid "Office"): NotIpAddress "acs:SourceIp": value "10.1.2.3" matches one of "10.0.0.0/8"`},
		{"explicitly-denied-ok", ExplicitlyDenied, outside, true, ""},
		{"explicitly-denied-fails-on-implicit", ExplicitlyDenied, notGranted, false,
			"authztest: arms:DeleteApp on " + trace + ": expected ExplicitDeny, got ImplicitDeny\n" +
				"ImplicitDeny\n" +
				`  near miss: Deny policy "policy[0]" Statement[1] (Sid "Office"): NotIpAddress "acs:SourceIp": value "10.1.2.3" matches one of "10.0.0.0/8"`},
		{"implicitly-denied-ok", ImplicitlyDenied, notGranted, true, ""},
		{"implicitly-denied-fails-on-explicit", ImplicitlyDenied, outside, false,
			"authztest: arms:GetTrace on " + trace + ": expected ImplicitDeny, got ExplicitDeny\n" +
				"ExplicitDeny\n" +
				`  applied: Allow policy "policy[0]" Statement[0] (Sid "Read")` + "\n" +
				`  applied: Deny policy "policy[0]" Statement[1] (Sid "Office")`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			assert.Equal(t, tc.ok, tc.assert(rec, ev, tc.req))
			if tc.ok {
				assert.Empty(t, rec.errors)
			} else {
				assert.Equal(t, []string{tc.msg}, rec.errors)
			}
			assert.Empty(t, rec.fatals)
		})
	}
	t.Run("nil-decider", func(t *testing.T) {
		rec := &recorder{}
		assert.False(t, Allowed(rec, nil, inside))
		assert.Equal(t, []string{"authztest: nil Decider"}, rec.errors)
	})
	t.Run("principal-in-message", func(t *testing.T) {
		trust := Compile(t, `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":["ecs.aliyuncs.com"]}}]}`)
		r := Req("sts:AssumeRole", "acs:ram::1234567890123456:role/r")
		r.Principal = evaluator.Principal{Type: evaluator.PrincipalService, ARN: "fc.aliyuncs.com"}
		rec := &recorder{}
		assert.False(t, Allowed(rec, trust, r))
		require.Len(t, rec.errors, 1)
		assert.Contains(t, rec.errors[0], "sts:AssumeRole on acs:ram::1234567890123456:role/r by Service fc.aliyuncs.com: expected Allow, got ImplicitDeny")
		r.Principal.ARN = "ecs.aliyuncs.com"
		assert.True(t, Allowed(t, trust, r))
	})
}

func TestReq(t *testing.T) {
	r := Req("a:b", "*")
	assert.Equal(t, evaluator.Request{Action: "a:b", Resource: "*"}, r)

	r = Req("a:b", "acs:x", "acs:TagKeys=env", "k=v=w", "acs:TagKeys=team", "flag")
	require.NotNil(t, r.Context)
	tags, ok := r.Context.Get("acs:tagkeys")
	assert.True(t, ok)
	assert.Equal(t, []string{"env", "team"}, tags)
	kv, _ := r.Context.Get("k")
	assert.Equal(t, []string{"v=w"}, kv)
	empty, ok := r.Context.Get("flag")
	assert.True(t, ok)
	assert.Equal(t, []string{""}, empty)
}

func TestCompileAndSystem(t *testing.T) {
	t.Run("invalid-policy-is-fatal", func(t *testing.T) {
		rec := &recorder{}
		ev := Compile(rec, readTraces, `{"Version":"1","Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}`)
		assert.Nil(t, ev)
		assert.Equal(t, []string{`authztest: policy[1]:1:39: Statement[0].Effect: invalid value: Effect must be exactly "Allow" or "Deny"; got "allow"`}, rec.fatals)
	})
	t.Run("no-policies-denies", func(t *testing.T) {
		ev := Compile(t)
		ImplicitlyDenied(t, ev, Req("arms:GetTrace", trace))
	})
	t.Run("system", func(t *testing.T) {
		ev := System(t, "AliyunARMSReadOnlyAccess")
		Allowed(t, ev, Req("arms:GetTrace", trace))
		Allowed(t, ev, Req("xtrace:GetToken", "*"))
		ImplicitlyDenied(t, ev, Req("xtrace:SearchTrace", "*"))
		ImplicitlyDenied(t, ev, Req("arms:DeleteApp", trace))
	})
	t.Run("unknown-system-is-fatal", func(t *testing.T) {
		rec := &recorder{}
		assert.Nil(t, System(rec, "AliyunECSFullAccess"))
		assert.Equal(t, []string{`authztest: unknown system policy "AliyunECSFullAccess" (shipped: AliyunARMSFullAccess, AliyunARMSReadOnlyAccess, AliyunSTSAssumeRoleAccess)`}, rec.fatals)
	})
}

const uid = "1234567890123456"

// newDirectory returns a directory with account uid and user alice holding
// the readTraces policy.
func newDirectory(t *testing.T) (*directory.Directory, principal.ID) {
	t.Helper()
	dir, err := directory.New(directory.Options{})
	require.NoError(t, err)
	_, err = dir.CreateAccount(uid)
	require.NoError(t, err)
	alice := principal.MustParse("acs:ram::" + uid + ":user/alice")
	_, err = dir.CreateUser(alice)
	require.NoError(t, err)
	_, err = dir.CreatePolicy(uid, directory.PolicySpec{Name: "read-traces", Document: readTraces})
	require.NoError(t, err)
	_, err = dir.AttachPolicy(alice, directory.PolicyRef{Type: directory.PolicyCustom, Name: "read-traces"})
	require.NoError(t, err)
	return dir, alice
}

func TestAs(t *testing.T) {
	dir, aliceID := newDirectory(t)
	alice := As(dir, aliceID.String())
	Allowed(t, alice, Req("arms:ListDashboards", trace, "acs:SourceIp=10.0.0.1"))
	ExplicitlyDenied(t, alice, Req("arms:ListDashboards", trace))
	assert.Equal(t, evaluator.ExplicitDeny, alice.Explain(Req("arms:ListDashboards", trace)).Decision)

	t.Run("failure-names-the-identity-and-the-layer", func(t *testing.T) {
		rec := &recorder{}
		assert.False(t, Allowed(rec, alice, Req("arms:DeleteApp", trace, "acs:SourceIp=10.0.0.1")))
		require.Len(t, rec.errors, 1)
		assert.Contains(t, rec.errors[0], "arms:DeleteApp on "+trace+": expected Allow, got ImplicitDeny for "+aliceID.String()+"\nImplicitDeny\n")
		assert.Contains(t, rec.errors[0], "decided by: identity policies")
	})
	t.Run("directory-error-is-a-denial-and-is-shown", func(t *testing.T) {
		bob := As(dir, "acs:ram::"+uid+":user/bob", AllowUnknown())
		Denied(t, bob, Req("arms:GetTrace", trace, "acs:SourceIp=10.0.0.1"))
		assert.Equal(t, evaluator.ImplicitDeny, bob.Explain(Req("arms:GetTrace", trace)).Decision)
		rec := &recorder{}
		assert.False(t, Allowed(rec, bob, Req("arms:GetTrace", trace, "acs:SourceIp=10.0.0.1")))
		assert.Equal(t, []string{"authztest: arms:GetTrace on " + trace + ": expected Allow, got ImplicitDeny for acs:ram::" + uid +
			":user/bob: Authorize acs:ram::" + uid + ":user/bob: not found: no such user"}, rec.errors)
	})
	t.Run("account-boundary", func(t *testing.T) {
		other := "acs:arms:cn-hangzhou:6543210987654321:trace/t1"
		rec := &recorder{}
		assert.False(t, Allowed(rec, alice, Req("arms:GetTrace", other, "acs:SourceIp=10.0.0.1")))
		require.Len(t, rec.errors, 1)
		assert.Contains(t, rec.errors[0], "decided by: account boundary")
	})
}

func TestAsSession(t *testing.T) {
	dir, aliceID := newDirectory(t)
	_, err := dir.AttachPolicy(aliceID, directory.PolicyRef{Type: directory.PolicySystem, Name: "AliyunSTSAssumeRoleAccess"})
	require.NoError(t, err)
	role := principal.MustParse("acs:ram::" + uid + ":role/reader")
	_, err = dir.CreateRole(role, directory.RoleSpec{
		TrustPolicy: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::` + uid + `:root"]}}]}`,
		Policies:    []directory.PolicyRef{{Type: directory.PolicySystem, Name: "AliyunARMSReadOnlyAccess"}}})
	require.NoError(t, err)
	office := Req("sts:AssumeRole", role.String(), "acs:SourceIp=10.0.0.1").Context // alice's Office statement
	out, err := dir.AssumeRole(directory.AssumeRoleInput{Caller: aliceID, Role: role, SessionName: "alice", Context: office,
		Policy: `{"Version":"1","Statement":[{"Effect":"Allow","Action":"arms:List*","Resource":"*"}]}`})
	require.NoError(t, err)
	c := out.Credentials
	s := AsSession(dir, c.AccessKeyID, c.SecurityToken.Reveal())
	Allowed(t, s, Req("arms:ListDashboards", trace))
	ImplicitlyDenied(t, s, Req("arms:GetTrace", trace))
	rec := &recorder{}
	assert.False(t, Allowed(rec, s, Req("arms:GetTrace", trace)))
	require.Len(t, rec.errors, 1)
	assert.Contains(t, rec.errors[0], "decided by: session policy")
	// A revoked session is known and refused: a real denial.
	_, err = dir.RevokeAllSessions(role)
	require.NoError(t, err)
	Denied(t, s, Req("arms:ListDashboards", trace))
	// A tampered token is not a session the directory knows.
	rec = &recorder{}
	assert.False(t, Denied(rec, AsSession(dir, c.AccessKeyID, c.SecurityToken.Reveal()+"x"), Req("arms:ListDashboards", trace)))
	require.Len(t, rec.errors, 1)
	assert.Contains(t, rec.errors[0], "the directory does not know that identity")
}

// Issue 11 item 13: a negative assertion on an identity the directory does
// not know (misspelled, unknown, malformed) fails unless the test opts in
// with AllowUnknown. Before, Denied passed for any typo.
func TestAsUnknownIdentityFailsEveryAssertion(t *testing.T) {
	dir, err := directory.New(directory.Options{})
	require.NoError(t, err)
	_, err = dir.CreateAccount(uid)
	require.NoError(t, err)
	_, err = dir.CreateUser(principal.MustParse("acs:ram::" + uid + ":user/ecs-ops"))
	require.NoError(t, err)
	r := Req("ecs:DeleteInstance", "acs:ecs:cn-hangzhou:"+uid+":instance/i-1")
	Denied(t, As(dir, "acs:ram::"+uid+":user/ecs-ops"), r) // known: a real denial passes

	type assertion func(testing.TB, Decider, evaluator.Request) bool
	for _, who := range []string{
		"acs:ram::" + uid + ":user/ecs-opp", // misspelled
		"acs:ram::9999999999999999:user/ecs-ops",
		"acs:ram::" + uid + ":user/",
		"LTAInosuchkey000000000",
		"",
	} {
		for name, a := range map[string]assertion{"Denied": Denied, "ImplicitlyDenied": ImplicitlyDenied,
			"ExplicitlyDenied": ExplicitlyDenied, "Allowed": Allowed} {
			rec := &recorder{}
			assert.False(t, a(rec, As(dir, who), r), "%s %q", name, who)
			require.Len(t, rec.errors, 1)
			assert.Contains(t, rec.errors[0], "the directory does not know that identity")
			assert.Contains(t, rec.errors[0], "AllowUnknown")

			rec = &recorder{}
			want := name == "Denied" || name == "ImplicitlyDenied"
			assert.Equal(t, want, a(rec, As(dir, who, AllowUnknown()), r), "%s %q with AllowUnknown", name, who)
		}
	}
}

// An identity that exists but is refused (an Inactive AccessKey, a revoked
// or expired session) is a real denial, not an unknown identity.
func TestAsKnownButRefusedIdentityIsDenied(t *testing.T) {
	dir, alice := newDirectory(t)
	key, _, err := dir.CreateAccessKey(alice)
	require.NoError(t, err)
	Allowed(t, As(dir, key.ID), Req("arms:GetTrace", trace, "acs:SourceIp=10.0.0.1"))
	_, err = dir.UpdateAccessKey(key.ID, directory.KeyInactive)
	require.NoError(t, err)
	ImplicitlyDenied(t, As(dir, key.ID), Req("arms:GetTrace", trace, "acs:SourceIp=10.0.0.1"))
}

func TestCheck(t *testing.T) {
	cases, err := casefile.ReadFile("../testdata/cli/cases/fail.json")
	require.NoError(t, err)
	want := map[string]string{
		"passes":            "",
		"wrong-expectation": "authztest: decide case \"wrong-expectation\": expected Allow, got ImplicitDeny\nImplicitDeny\n  no statement matched the action and resource",
		"valid-document-is-not-rejected": "authztest: invalid case \"valid-document-is-not-rejected\": expected rejected, got accepted\n" +
			"the identity policy parsed without error",
	}
	for i := range cases {
		c := &cases[i]
		msg, ok := want[c.Name]
		if !ok {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			rec := &recorder{}
			assert.Equal(t, msg == "", check(rec, c))
			if msg == "" {
				assert.Empty(t, rec.errors)
			} else {
				assert.Equal(t, []string{msg}, rec.errors)
			}
		})
	}
}

func TestRunFiles(t *testing.T) {
	RunFiles(t, "../testdata/cli/cases/pass.json", "../testdata/cli/cases/roles.json", "../testdata/conformance/*.json")
}
