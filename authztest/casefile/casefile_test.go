package casefile

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

const allowAll = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		msg  string
	}{
		{"not-json", `[{`, `f.json:1:3: a case file must be a JSON array of cases: invalid JSON: unexpected end of input; expected a member name`},
		{"object", `{"name": "x"}`, `f.json:1:1: a case file must be a JSON array of cases; got an object`},
		{"null", `null`, `f.json:1:1: a case file must be a JSON array of cases; got null`},
		{"unknown-field", `[{"name":"a","policies":[` + allowAll + `],"request":{"action":"a:b","resource":"*"},"expected":"Allow"}]`,
			`f.json:1:146: case 0 ("a"): expected: unknown member: no field is named "expected"`},
		{"unknown-request-field", `[{"name":"a","policies":[` + allowAll + `],"request":{"action":"a:b","resource":"*","ctx":{}},"expect":"Allow"}]`,
			`f.json:1:145: case 0 ("a"): request.ctx: unknown member: no field is named "ctx"`},
		{"no-name", `[{"policies":[` + allowAll + `],"request":{"action":"a:b","resource":"*"},"expect":"Allow"}]`,
			`f.json:1:2: case 0: a case needs a "name"`},
		{"duplicate-name", `[{"kind":"invalid","name":"a","policy_type":"identity","policy":{}},{"kind":"invalid","name":"a","policy_type":"identity","policy":{}}]`,
			`f.json:1:69: case 1 ("a"): the name is already used by case 0`},
		{"unknown-kind", `[{"kind":"decision","name":"a"}]`,
			`f.json:1:10: case 0 ("a"): unknown kind "decision" (want decide, assume_role, session or invalid)`},
		{"decide-missing-expect", `[{"name":"a","policies":[` + allowAll + `],"request":{"action":"a:b","resource":"*"}}]`,
			`f.json:1:2: case 0 ("a"): a decide case needs "expect"`},
		{"decide-missing-request", `[{"name":"a","policies":[` + allowAll + `],"expect":"Allow"}]`,
			`f.json:1:2: case 0 ("a"): a decide case needs "request"`},
		{"decide-with-role-field", `[{"name":"a","policies":[` + allowAll + `],"request":{"action":"a:b","resource":"*"},"expect":"Allow","role_arn":"x"}]`,
			`f.json:1:174: case 0 ("a"): field "role_arn" does not belong in a decide case`},
		{"bad-expect", `[{"name":"a","policies":[` + allowAll + `],"request":{"action":"a:b","resource":"*"},"expect":"allow"}]`,
			`f.json:1:155: case 0 ("a"): "expect" must be "Allow", "ExplicitDeny" or "ImplicitDeny"; got "allow"`},
		{"bad-principal-type", `[{"name":"a","policies":[` + allowAll + `],"request":{"action":"a:b","resource":"*","principal":{"type":"RamUser"}},"expect":"Allow"}]`,
			`f.json:1:165: case 0 ("a"): unknown principal type "RamUser" (want Account, User, Role, Service or Federated)`},
		{"context-number", `[{"name":"a","policies":[` + allowAll + `],"request":{"action":"a:b","resource":"*","context":{"k":1}},"expect":"Allow"}]`,
			`f.json:1:160: case 0 ("a"): request.context.k: wrong type: context key "k" must be a string or a list of strings; got a number`},
		{"context-list-of-numbers", `[{"name":"a","policies":[` + allowAll + `],"request":{"action":"a:b","resource":"*","context":{"k":[1]}},"expect":"Allow"}]`,
			`f.json:1:161: case 0 ("a"): request.context.k[0]: wrong type: expected a string; got a number`},
		{"invalid-bad-type", `[{"kind":"invalid","name":"a","policy_type":"bucket","policy":{}}]`,
			`f.json:1:45: case 0 ("a"): "policy_type" must be "identity", "trust" or "session"; got "bucket"`},
		{"invalid-both-policy-forms", `[{"kind":"invalid","name":"a","policy_type":"identity","policy":{},"policy_text":"{}"}]`,
			`f.json:1:2: case 0 ("a"): an invalid case needs exactly one of "policy" and "policy_text"`},
		{"invalid-no-policy", `[{"kind":"invalid","name":"a","policy_type":"identity"}]`,
			`f.json:1:2: case 0 ("a"): an invalid case needs exactly one of "policy" and "policy_text"`},
		{"invalid-unknown-error", `[{"kind":"invalid","name":"a","policy_type":"identity","policy":{},"error":"ErrBad"}]`,
			`f.json:1:76: case 0 ("a"): unknown error "ErrBad" (want one of ErrConflict, ErrDuplicateKey, ErrInvalid, ErrLimit, ErrMissing, ErrSyntax, ErrUnknownElement)`},
		{"invalid-with-expect", `[{"kind":"invalid","name":"a","policy_type":"identity","policy":{},"expect":"Allow"}]`,
			`f.json:1:77: case 0 ("a"): field "expect" does not belong in an invalid case`},
		{"assume-role-bad-caller", `[{"kind":"assume_role","name":"a","role_arn":"acs:ram::1234567890123456:role/r","trust_policy":{},"caller":{"type":"User"},"expect":"Allow"}]`,
			`f.json:1:116: case 0 ("a"): unknown caller type "User" (want RamUser, RamRole, Service or Federated)`},
		{"assume-role-missing-trust", `[{"kind":"assume_role","name":"a","role_arn":"acs:ram::1234567890123456:role/r","caller":{"type":"RamUser"},"expect":"Allow"}]`,
			`f.json:1:2: case 0 ("a"): an assume_role case needs "trust_policy"`},
		{"session-with-policies", `[{"kind":"session","name":"a","role_policies":[],"policies":[],"request":{"action":"a:b","resource":"*"},"expect":"Allow"}]`,
			`f.json:1:61: case 0 ("a"): field "policies" does not belong in a session case`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cases, err := Parse([]byte(tc.data), "f.json")
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrFormat)
			var fe *FormatError
			require.True(t, errors.As(err, &fe))
			assert.Equal(t, "f.json", fe.File)
			assert.Equal(t, tc.msg, err.Error())
			assert.Greater(t, fe.Line, 0, "every error has a position")
			if fe.Index < 0 {
				assert.Nil(t, cases, "a file that is not a list of cases has no cases")
				return
			}
			// A bad case is returned, failing, among the others.
			require.Greater(t, len(cases), fe.Index)
			assert.Same(t, fe, cases[fe.Index].Err)
			r := cases[fe.Index].Run()
			assert.False(t, r.Pass)
			assert.Equal(t, "error", r.Got)
			assert.Equal(t, tc.msg, r.Detail)
		})
	}
}

func TestParseReadsEveryKind(t *testing.T) {
	data := `[
	  {"name": "d", "description": "ignored", "policies": [` + allowAll + `],
	   "request": {"action": "a:b", "resource": "*", "context": {"one": "1", "two": ["x", "y"], "none": []},
	               "principal": {"type": "Role", "account_id": "1234567890123456", "arn": "acs:ram::1234567890123456:role/r"}},
	   "expect": "Allow"},
	  {"kind": "assume_role", "name": "ar", "role_arn": "acs:ram::1234567890123456:role/r",
	   "trust_policy": {"Version": "1"}, "caller": {"type": "RamRole", "account_id": "6543210987654321",
	   "arn": "acs:ram::6543210987654321:role/c", "session_name": "s1"},
	   "caller_policies": [` + allowAll + `], "context": {"sts:ExternalId": "abc"}, "expect": "ImplicitDeny"},
	  {"kind": "session", "name": "s", "role_policies": [` + allowAll + `], "session_policy": null,
	   "request": {"action": "a:b", "resource": "*"}, "expect": "ExplicitDeny"},
	  {"kind": "invalid", "name": "i", "policy_type": "trust", "policy_text": "nope", "error": "ErrSyntax", "path": ""}
	]`
	cases, err := Parse([]byte(data), "all.json")
	require.NoError(t, err)
	require.Len(t, cases, 4)

	d := cases[0]
	assert.Equal(t, KindDecide, d.KindOf())
	assert.Equal(t, "all.json", d.File)
	assert.Equal(t, 0, d.Index)
	assert.Equal(t, Context{"one": {"1"}, "two": {"x", "y"}, "none": {}}, d.Request.Context)
	r := d.Request.EvalRequest()
	assert.Equal(t, evaluator.Principal{Type: evaluator.PrincipalRole, AccountID: "1234567890123456", ARN: "acs:ram::1234567890123456:role/r"}, r.Principal)
	two, ok := r.Context.Get("two")
	assert.True(t, ok)
	assert.Equal(t, []string{"x", "y"}, two)

	ar := cases[1]
	assert.Equal(t, KindAssumeRole, ar.KindOf())
	assert.Equal(t, &Caller{Type: "RamRole", AccountID: "6543210987654321", ARN: "acs:ram::6543210987654321:role/c", SessionName: "s1"}, ar.Caller)
	assert.Equal(t, Context{"sts:ExternalId": {"abc"}}, ar.Context)
	assert.Equal(t, 1, ar.Index)

	s := cases[2]
	assert.True(t, isNull(s.SessionPolicy))
	assert.Equal(t, "ExplicitDeny", s.Expect)

	i := cases[3]
	require.NotNil(t, i.PolicyText)
	assert.Equal(t, "nope", *i.PolicyText)
}

func TestRunDecide(t *testing.T) {
	const trust = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::6543210987654321:root"]}}]}`
	tests := []struct {
		name     string
		policies []string
		request  Request
		expect   string
		pass     bool
		got      string
		detail   string
	}{
		{name: "allow", policies: []string{allowAll}, request: Request{Action: "oss:GetObject", Resource: "acs:oss:*:*:b/o"},
			expect: "Allow", pass: true, got: "Allow", detail: "Allow\n  applied: Allow policy \"policies[0]\" Statement[0]\n"},
		{name: "wrong-expectation", policies: []string{allowAll}, request: Request{Action: "oss:GetObject", Resource: "*"},
			expect: "ImplicitDeny", got: "Allow", detail: "Allow\n  applied: Allow policy \"policies[0]\" Statement[0]\n"},
		{name: "no-policies", policies: nil, request: Request{Action: "oss:GetObject", Resource: "*"},
			expect: "ImplicitDeny", pass: true, got: "ImplicitDeny", detail: "ImplicitDeny\n  no statement matched the action and resource\n"},
		{name: "context-drives-condition",
			policies: []string{`{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"true"}}}]}`},
			request:  Request{Action: "oss:GetObject", Resource: "*", Context: Context{"acs:securetransport": {"true"}}},
			expect:   "Allow", pass: true, got: "Allow", detail: "Allow\n  applied: Allow policy \"policies[0]\" Statement[0]\n"},
		{name: "trust-policy-detected", policies: []string{trust},
			request: Request{Action: "sts:AssumeRole", Resource: "acs:ram::1234567890123456:role/r",
				Principal: &Principal{Type: "User", AccountID: "6543210987654321", ARN: "acs:ram::6543210987654321:user/u"}},
			expect: "Allow", pass: true, got: "Allow", detail: "Allow\n  applied: Allow policy \"policies[0]\" Statement[0]\n"},
		{name: "policy-error", policies: []string{`{"Version":"1","Statement":[]}`}, request: Request{Action: "a:b", Resource: "*"},
			expect: "Allow", got: "error", detail: "policies[0]:1:28: Statement: missing element: Statement must list at least one statement"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &Case{Name: tc.name, Request: &tc.request, Expect: tc.expect}
			for _, p := range tc.policies {
				c.Policies = append(c.Policies, json.RawMessage(p))
			}
			r := c.Run()
			assert.Equal(t, tc.pass, r.Pass)
			assert.Equal(t, tc.expect, r.Expected)
			assert.Equal(t, tc.got, r.Got)
			assert.Equal(t, tc.detail, r.Detail)
			assert.Equal(t, tc.got == "error", r.Err != nil)
		})
	}
}

func TestRunInvalid(t *testing.T) {
	text := func(s string) *string { return &s }
	tests := []struct {
		name   string
		c      Case
		pass   bool
		got    string
		detail string
	}{
		{name: "syntax-error-rejected", c: Case{PolicyType: "identity", PolicyText: text(`{"Version":`)},
			pass: true, got: Rejected, detail: "1:11: invalid JSON: input is not valid JSON"},
		{name: "valid-accepted", c: Case{PolicyType: "identity", Policy: json.RawMessage(allowAll)},
			got: Accepted, detail: "the identity policy parsed without error"},
		{name: "kind-matters", c: Case{PolicyType: "trust", Policy: json.RawMessage(allowAll), Error: "ErrMissing", Path: "Statement[0].Principal"},
			pass: true, got: Rejected, detail: "1:29: Statement[0].Principal: missing element: a statement of a trust policy needs a Principal"},
		{name: "wrong-sentinel", c: Case{PolicyType: "trust", Policy: json.RawMessage(allowAll), Error: "ErrInvalid"},
			got: "rejected with error ErrMissing, want ErrInvalid", detail: "1:29: Statement[0].Principal: missing element: a statement of a trust policy needs a Principal"},
		{name: "wrong-path", c: Case{PolicyType: "trust", Policy: json.RawMessage(allowAll), Path: "Statement[0]"},
			got: `rejected with path "Statement[0].Principal", want "Statement[0]"`, detail: "1:29: Statement[0].Principal: missing element: a statement of a trust policy needs a Principal"},
		{name: "session-size", c: Case{PolicyType: "session", PolicyText: text(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"acs:oss:*:*:` + string(make([]byte, 0)) + repeat("b", 2048) + `"}]}`), Error: "ErrLimit"},
			pass: true, got: Rejected, detail: "limit exceeded: document is 2135 characters when minified; the limit for session policies is 2048"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			c.Kind, c.Name = KindInvalid, tc.name
			r := c.Run()
			assert.Equal(t, tc.pass, r.Pass)
			assert.Equal(t, Rejected, r.Expected)
			assert.Equal(t, tc.got, r.Got)
			assert.Equal(t, tc.detail, r.Detail)
			assert.NoError(t, r.Err)
		})
	}
}

func repeat(s string, n int) string {
	b := make([]byte, 0, n*len(s))
	for range n {
		b = append(b, s...)
	}
	return string(b)
}

func TestResultLine(t *testing.T) {
	c := &Case{Name: "n", File: "f.json"}
	assert.Equal(t, "PASS f.json: n", Result{Case: c, Pass: true, Detail: "ignored"}.Line())
	assert.Equal(t, "FAIL f.json: n: expected Allow, got ImplicitDeny: ImplicitDeny; no statement matched",
		Result{Case: c, Expected: "Allow", Got: "ImplicitDeny", Detail: "ImplicitDeny\n  no statement matched\n"}.Line())
	assert.Equal(t, "FAIL n: expected Allow, got ExplicitDeny",
		Result{Case: &Case{Name: "n"}, Expected: "Allow", Got: "ExplicitDeny"}.Line())
}

func TestParsePolicyKind(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		kind policy.Kind
		want policy.Kind
	}{
		{"identity", allowAll, policy.Identity, policy.Identity},
		{"principal-makes-trust", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":["ecs.aliyuncs.com"]}}]}`, policy.Identity, policy.Trust},
		{"principal-in-second-statement", `{"Version":"1","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Principal":{"Service":["fc.aliyuncs.com"]}},{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":["ecs.aliyuncs.com"]}}]}`, policy.Identity, policy.Trust},
		{"session-kept", allowAll, policy.Session, policy.Session},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParsePolicy(json.RawMessage(tc.doc), tc.kind, "x")
			require.NoError(t, err)
			assert.Equal(t, tc.want, d.Kind)
		})
	}
	t.Run("principal-in-session-rejected", func(t *testing.T) {
		_, err := ParsePolicy(json.RawMessage(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Principal":{"RAM":["acs:ram::1234567890123456:root"]}}]}`), policy.Session, "x")
		assert.ErrorIs(t, err, policy.ErrInvalid)
	})
}

func TestSentinelName(t *testing.T) {
	for _, n := range SentinelNames() {
		assert.Equal(t, n, SentinelName(&policy.ParseError{Err: sentinels[n]}))
	}
	assert.Equal(t, "", SentinelName(errors.New("other")))
}

func TestCallerFormat(t *testing.T) {
	const head = `[{"kind":"assume_role","name":"a","role_arn":"acs:ram::1234567890123456:role/r","trust_policy":{},"expect":"Allow","caller":`
	// at is the text the error must point to (its first occurrence in the
	// case file).
	tests := []struct{ name, caller, extra, msg, at string }{
		{"user-without-arn", `{"type":"RamUser"}`, "", `a RamUser caller needs "arn"`, `{"type":"RamUser"}`},
		{"user-with-service", `{"type":"RamUser","arn":"x","service":"ecs.aliyuncs.com"}`, "", `field "service" does not belong to a RamUser caller`, `"ecs.aliyuncs.com"`},
		{"role-without-session", `{"type":"RamRole","arn":"x"}`, "", `a RamRole caller needs "session_name"`, `{"type":"RamRole"`},
		{"service-without-name", `{"type":"Service"}`, "", `a Service caller needs "service"`, `{"type":"Service"}`},
		{"federated-with-arn", `{"type":"Federated","provider_arn":"p","arn":"x"}`, "", `field "arn" does not belong to a Federated caller`, `"x"}`},
		{"service-with-policies", `{"type":"Service","service":"ecs.aliyuncs.com"}`, `,"caller_policies":[]`, `a Service caller has no identity policies; remove "caller_policies"`, `[]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := head + tc.caller + tc.extra + `}]`
			_, err := Parse([]byte(in), "f.json")
			require.Error(t, err)
			col := strings.Index(in, tc.at) + 1
			assert.Equal(t, `f.json:1:`+strconv.Itoa(col)+`: case 0 ("a"): `+tc.msg, err.Error())
		})
	}
	t.Run("session-request-with-principal", func(t *testing.T) {
		in := `[{"kind":"session","name":"s","role_policies":[],"request":{"action":"a:b","resource":"*","principal":{"type":"User"}},"expect":"Allow"}]`
		_, err := Parse([]byte(in), "f.json")
		require.Error(t, err)
		col := strings.Index(in, `{"type":"User"}`) + 1
		assert.Equal(t, `f.json:1:`+strconv.Itoa(col)+`: case 0 ("s"): a session case's request has no "principal": the session is the principal`, err.Error())
	})
}

func TestRunRoleErrors(t *testing.T) {
	const (
		trustB = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::6543210987654321:root"]}}]}`
		role   = "acs:ram::1234567890123456:role/r"
	)
	user := &Caller{Type: "RamUser", ARN: "acs:ram::6543210987654321:user/dave"}
	tests := []struct {
		name string
		c    Case
		err  string // substring of Result.Err
	}{
		{"role-arn-is-a-user", Case{Kind: KindAssumeRole, RoleARN: "acs:ram::1234567890123456:user/r", TrustPolicy: json.RawMessage(trustB), Caller: user},
			`role_arn "acs:ram::1234567890123456:user/r" is not a role ARN`},
		{"trust-policy-invalid", Case{Kind: KindAssumeRole, RoleARN: role, TrustPolicy: json.RawMessage(allowAll), Caller: user},
			"trust_policy: "},
		{"caller-arn-wrong-kind", Case{Kind: KindAssumeRole, RoleARN: role, TrustPolicy: json.RawMessage(trustB),
			Caller: &Caller{Type: "RamUser", ARN: "acs:ram::6543210987654321:role/dave"}}, `caller arn "acs:ram::6543210987654321:role/dave" is not a user ARN`},
		{"caller-account-mismatch", Case{Kind: KindAssumeRole, RoleARN: role, TrustPolicy: json.RawMessage(trustB),
			Caller: &Caller{Type: "RamUser", AccountID: "1111222233334444", ARN: "acs:ram::6543210987654321:user/dave"}}, "caller account_id 1111222233334444 differs"},
		{"caller-policy-invalid", Case{Kind: KindAssumeRole, RoleARN: role, TrustPolicy: json.RawMessage(trustB), Caller: user,
			CallerPolicies: []json.RawMessage{json.RawMessage(`{"Version":"1"}`)}}, "caller_policies: "},
		{"caller-role-is-target", Case{Kind: KindAssumeRole, RoleARN: role, TrustPolicy: json.RawMessage(trustB),
			Caller: &Caller{Type: "RamRole", ARN: role, SessionName: "s1"}}, "the caller's role is the role to assume"},
		{"bad-service", Case{Kind: KindAssumeRole, RoleARN: role, TrustPolicy: json.RawMessage(trustB),
			Caller: &Caller{Type: "Service", Service: "ECS"}}, `caller service "ECS" is not a service name`},
		{"bad-provider", Case{Kind: KindAssumeRole, RoleARN: role, TrustPolicy: json.RawMessage(trustB),
			Caller: &Caller{Type: "Federated", ProviderARN: "acs:ram::1234567890123456:user/x"}}, "is not a saml-provider or oidc-provider ARN"},
		{"bad-external-id", Case{Kind: KindAssumeRole, RoleARN: role, TrustPolicy: json.RawMessage(trustB), Caller: user,
			Context: Context{"sts:ExternalId": {"x"}}}, "InvalidParameter.ExternalId"},
		{"two-external-ids", Case{Kind: KindAssumeRole, RoleARN: role, TrustPolicy: json.RawMessage(trustB), Caller: user,
			Context: Context{"sts:ExternalId": {"ab", "cd"}}}, "takes one value"},
		{"session-policy-invalid", Case{Kind: KindSession, RolePolicies: []json.RawMessage{json.RawMessage(allowAll)},
			SessionPolicy: json.RawMessage(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"*"}]}`), Request: &Request{Action: "a:b", Resource: "*"}},
			"AssumeRole: InvalidParameter.PolicyGrammar"},
		{"role-policy-invalid", Case{Kind: KindSession, RolePolicies: []json.RawMessage{json.RawMessage(`[]`)}, Request: &Request{Action: "a:b", Resource: "*"}},
			"role_policies: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			c.Name, c.Expect = tc.name, "Allow"
			r := c.Run()
			require.Error(t, r.Err)
			assert.Contains(t, r.Err.Error(), tc.err)
			assert.False(t, r.Pass)
			assert.Equal(t, "error", r.Got)
		})
	}
}

func TestRunRoleCases(t *testing.T) {
	cases, err := ReadFile("../../testdata/cli/cases/roles.json")
	require.NoError(t, err)
	kinds := map[string]int{}
	for i := range cases {
		c := &cases[i]
		kinds[c.KindOf()]++
		t.Run(c.Name, func(t *testing.T) {
			r := c.Run()
			require.NoError(t, r.Err)
			assert.True(t, r.Pass, r.Line())
			if c.KindOf() == KindAssumeRole {
				assert.Contains(t, r.Detail, "trust policy: ")
				assert.Contains(t, r.Detail, "caller's policies: ")
				assert.Equal(t, r.Got != "Allow", strings.Contains(r.Detail, "AssumeRole: NoPermission: "), r.Detail)
			}
		})
	}
	assert.Equal(t, map[string]int{KindAssumeRole: 18, KindSession: 10}, kinds)
}
