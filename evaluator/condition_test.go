package evaluator

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withCond returns an Allow (or Deny) arms:* statement with one condition.
func withCond(effect, op, key, values string) string {
	return `{"Version":"1","Statement":[{"Effect":"` + effect + `","Action":"arms:*","Resource":"*","Condition":{"` + op + `":{"` + key + `":` + values + `}}}]}`
}

func allowIf(op, key, values string) []string {
	return []string{withCond("Allow", op, key, values)}
}

// denyIf pairs a conditional Deny with an unconditional Allow, so the result
// shows whether the Deny applied.
func denyIf(op, key, values string) []string {
	return []string{allow(`"*"`, `"*"`), withCond("Deny", op, key, values)}
}

type kv = map[string][]string

func TestDecideConditions(t *testing.T) {
	const a = "arms:GetTrace"
	runDecideCases(t, []decideCase{
		// String family.
		{"StringEquals hit", allowIf("StringEquals", "k", `"v"`), a, res, kv{"k": {"v"}}, Allow},
		{"StringEquals case-sensitive", allowIf("StringEquals", "k", `"v"`), a, res, kv{"k": {"V"}}, ImplicitDeny},
		{"StringEquals OR over policy values", allowIf("StringEquals", "k", `["x","v"]`), a, res, kv{"k": {"v"}}, Allow},
		{"StringEquals absent key", allowIf("StringEquals", "k", `"v"`), a, res, nil, ImplicitDeny},
		{"StringEquals key name folds (D23)", allowIf("StringEquals", "k", `"v"`), a, res, kv{"K": {"v"}}, Allow},
		{"StringEquals literal star", allowIf("StringEquals", "k", `"a*"`), a, res, kv{"k": {"abc"}}, ImplicitDeny},
		{"StringNotEquals hit", allowIf("StringNotEquals", "k", `"v"`), a, res, kv{"k": {"w"}}, Allow},
		{"StringNotEquals miss", allowIf("StringNotEquals", "k", `"v"`), a, res, kv{"k": {"v"}}, ImplicitDeny},
		{"StringNotEquals NOR", allowIf("StringNotEquals", "k", `["a","b"]`), a, res, kv{"k": {"b"}}, ImplicitDeny},
		{"StringNotEquals absent key is true", allowIf("StringNotEquals", "k", `"v"`), a, res, nil, Allow},
		{"StringEqualsIgnoreCase", allowIf("StringEqualsIgnoreCase", "k", `"Prod"`), a, res, kv{"k": {"pROD"}}, Allow},
		{"StringNotEqualsIgnoreCase", allowIf("StringNotEqualsIgnoreCase", "k", `"Prod"`), a, res, kv{"k": {"PROD"}}, ImplicitDeny},
		{"StringLike", allowIf("StringLike", "k", `"vpc-*"`), a, res, kv{"k": {"vpc-123"}}, Allow},
		{"StringLike question", allowIf("StringLike", "k", `"a?c"`), a, res, kv{"k": {"abbc"}}, ImplicitDeny},
		{"StringLike case-sensitive", allowIf("StringLike", "k", `"vpc-*"`), a, res, kv{"k": {"VPC-1"}}, ImplicitDeny},
		{"StringNotLike absent key", denyIf("StringNotLike", "acs:SourceVpc", `"vpc-*"`), a, res, nil, ExplicitDeny},
		{"StringNotLike matching vpc", denyIf("StringNotLike", "acs:SourceVpc", `"vpc-*"`), a, res, kv{"acs:SourceVpc": {"vpc-1"}}, Allow},

		// Numeric family: decimal comparison and boundaries.
		{"NumericLessThan 20 < 100", allowIf("NumericLessThan", "n", `"100"`), a, res, kv{"n": {"20"}}, Allow},
		{"NumericLessThan boundary", allowIf("NumericLessThan", "n", `"100"`), a, res, kv{"n": {"100"}}, ImplicitDeny},
		{"NumericLessThanEquals boundary", allowIf("NumericLessThanEquals", "n", `"100"`), a, res, kv{"n": {"100.0"}}, Allow},
		{"NumericGreaterThan", allowIf("NumericGreaterThan", "n", `"-1.5"`), a, res, kv{"n": {"-1.25"}}, Allow},
		{"NumericGreaterThan boundary", allowIf("NumericGreaterThan", "n", `"5"`), a, res, kv{"n": {"5"}}, ImplicitDeny},
		{"NumericGreaterThanEquals boundary", allowIf("NumericGreaterThanEquals", "n", `"5"`), a, res, kv{"n": {"05"}}, Allow},
		{"NumericEquals", allowIf("NumericEquals", "n", `"1.50"`), a, res, kv{"n": {"1.5"}}, Allow},
		{"NumericNotEquals", allowIf("NumericNotEquals", "n", `"1"`), a, res, kv{"n": {"2"}}, Allow},
		{"NumericNotEquals absent", allowIf("NumericNotEquals", "n", `"1"`), a, res, nil, Allow},
		{"Numeric malformed allow", allowIf("NumericLessThan", "n", `"100"`), a, res, kv{"n": {"ten"}}, ImplicitDeny},
		{"Numeric malformed deny", denyIf("NumericLessThan", "n", `"100"`), a, res, kv{"n": {"ten"}}, ExplicitDeny},
		{"NumericNotEquals malformed allow", allowIf("NumericNotEquals", "n", `"1"`), a, res, kv{"n": {"x"}}, ImplicitDeny},

		// Date family: instants across offsets.
		{"DateLessThan before", allowIf("DateLessThan", "acs:CurrentTime", `"2019-08-12T17:00:00+08:00"`), a, res, kv{"acs:CurrentTime": {"2019-08-12T08:59:59Z"}}, Allow},
		{"DateLessThan same instant", allowIf("DateLessThan", "acs:CurrentTime", `"2019-08-12T17:00:00+08:00"`), a, res, kv{"acs:CurrentTime": {"2019-08-12T09:00:00Z"}}, ImplicitDeny},
		{"DateEquals across offsets", allowIf("DateEquals", "acs:CurrentTime", `"2019-08-12T17:00:00+08:00"`), a, res, kv{"acs:CurrentTime": {"2019-08-12T09:00:00Z"}}, Allow},
		{"DateLessThanEquals same instant", allowIf("DateLessThanEquals", "acs:CurrentTime", `"2019-08-12T09:00:00Z"`), a, res, kv{"acs:CurrentTime": {"2019-08-12T17:00:00+08:00"}}, Allow},
		{"DateGreaterThan", allowIf("DateGreaterThan", "acs:CurrentTime", `"2019-01-01T00:00:00Z"`), a, res, kv{"acs:CurrentTime": {"2019-01-01T00:00:00.5Z"}}, Allow},
		{"DateGreaterThanEquals boundary", allowIf("DateGreaterThanEquals", "acs:CurrentTime", `"2019-01-01T00:00:00Z"`), a, res, kv{"acs:CurrentTime": {"2018-12-31T23:59:59Z"}}, ImplicitDeny},
		{"DateNotEquals", allowIf("DateNotEquals", "acs:CurrentTime", `"2019-01-01T00:00:00Z"`), a, res, kv{"acs:CurrentTime": {"2019-01-01T08:00:00+08:00"}}, ImplicitDeny},
		{"Date malformed allow", allowIf("DateLessThan", "acs:CurrentTime", `"2030-01-01T00:00:00Z"`), a, res, kv{"acs:CurrentTime": {"yesterday"}}, ImplicitDeny},
		{"Date malformed deny", denyIf("DateGreaterThan", "acs:CurrentTime", `"2030-01-01T00:00:00Z"`), a, res, kv{"acs:CurrentTime": {"2019-01-01"}}, ExplicitDeny},

		// Bool.
		{"Bool true", allowIf("Bool", "acs:SecureTransport", `"true"`), a, res, kv{"acs:SecureTransport": {"true"}}, Allow},
		{"Bool case-insensitive", allowIf("Bool", "acs:SecureTransport", `"TRUE"`), a, res, kv{"acs:SecureTransport": {"True"}}, Allow},
		{"Bool false", allowIf("Bool", "acs:SecureTransport", `"true"`), a, res, kv{"acs:SecureTransport": {"false"}}, ImplicitDeny},
		{"Bool absent deny does not fire", denyIf("Bool", "acs:MFAPresent", `"false"`), a, res, nil, Allow},
		{"Bool malformed deny fires", denyIf("Bool", "acs:MFAPresent", `"false"`), a, res, kv{"acs:MFAPresent": {"yes"}}, ExplicitDeny},

		// IP family.
		{"IpAddress in v4 block", allowIf("IpAddress", "acs:SourceIp", `"10.0.0.0/8"`), a, res, kv{"acs:SourceIp": {"10.1.2.3"}}, Allow},
		{"IpAddress outside", allowIf("IpAddress", "acs:SourceIp", `"10.0.0.0/8"`), a, res, kv{"acs:SourceIp": {"11.0.0.1"}}, ImplicitDeny},
		{"IpAddress bare address", allowIf("IpAddress", "acs:SourceIp", `["192.168.0.0/16","172.16.215.218"]`), a, res, kv{"acs:SourceIp": {"172.16.215.218"}}, Allow},
		{"IpAddress v6", allowIf("IpAddress", "acs:SourceIp", `"2001:db8::/32"`), a, res, kv{"acs:SourceIp": {"2001:db8::1"}}, Allow},
		// Spec §13 D25 supersedes §4.5 here: a mapped request is its IPv4
		// address.
		{"IpAddress mapped request is IPv4 (D25)", allowIf("IpAddress", "acs:SourceIp", `"0.0.0.0/0"`), a, res, kv{"acs:SourceIp": {"::ffff:10.1.2.3"}}, Allow},
		{"IpAddress no cross-family", allowIf("IpAddress", "acs:SourceIp", `"0.0.0.0/0"`), a, res, kv{"acs:SourceIp": {"2001:db8::1"}}, ImplicitDeny},
		{"IpAddress no cross-family v6 block", allowIf("IpAddress", "acs:SourceIp", `"::/0"`), a, res, kv{"acs:SourceIp": {"10.1.2.3"}}, ImplicitDeny},
		{"IpAddress malformed allow", allowIf("IpAddress", "acs:SourceIp", `"10.0.0.0/8"`), a, res, kv{"acs:SourceIp": {"abc"}}, ImplicitDeny},
		{"IpAddress zoned request is unknown", denyIf("IpAddress", "acs:SourceIp", `"fe80::/10"`), a, res, kv{"acs:SourceIp": {"fe80::1%eth0"}}, ExplicitDeny},
		{"NotIpAddress outside", denyIf("NotIpAddress", "acs:SourceIp", `"10.0.0.0/8"`), a, res, kv{"acs:SourceIp": {"8.8.8.8"}}, ExplicitDeny},
		{"NotIpAddress inside", denyIf("NotIpAddress", "acs:SourceIp", `"10.0.0.0/8"`), a, res, kv{"acs:SourceIp": {"10.9.9.9"}}, Allow},
		{"NotIpAddress NOR", denyIf("NotIpAddress", "acs:SourceIp", `["10.0.0.0/8","192.168.0.0/16"]`), a, res, kv{"acs:SourceIp": {"192.168.1.1"}}, Allow},
		{"NotIpAddress malformed deny fires", denyIf("NotIpAddress", "acs:SourceIp", `"10.0.0.0/8"`), a, res, kv{"acs:SourceIp": {"abc"}}, ExplicitDeny},
		{"NotIpAddress absent deny fires", denyIf("NotIpAddress", "acs:SourceIp", `"10.0.0.0/8"`), a, res, nil, ExplicitDeny},

		// Key names.
		{"acs key case-insensitive", allowIf("IpAddress", "acs:sourceip", `"10.0.0.0/8"`), a, res, kv{"ACS:SourceIP": {"10.1.2.3"}}, Allow},
		{"acs tag key keeps case", allowIf("StringEquals", "acs:ResourceTag/Env", `"prod"`), a, res, kv{"acs:resourcetag/env": {"prod"}}, ImplicitDeny},
		{"acs tag key name folds", allowIf("StringEquals", "acs:ResourceTag/Env", `"prod"`), a, res, kv{"acs:resourcetag/Env": {"prod"}}, Allow},

		// Multi-valued request keys (§4.8).
		{"multi positive any", allowIf("StringEquals", "acs:TagKeys", `"team"`), a, res, kv{"acs:TagKeys": {"env", "team"}}, Allow},
		{"multi negated none", allowIf("StringNotEquals", "acs:TagKeys", `"team"`), a, res, kv{"acs:TagKeys": {"env", "team"}}, ImplicitDeny},
		{"multi negated none holds", allowIf("StringNotEquals", "acs:TagKeys", `["team","cost"]`), a, res, kv{"acs:TagKeys": {"env", "owner"}}, Allow},
		{"multi unknown or true", allowIf("IpAddress", "acs:SourceIp", `"10.0.0.0/8"`), a, res, kv{"acs:SourceIp": {"abc", "10.0.0.1"}}, Allow},
		{"multi unknown or false allow", allowIf("IpAddress", "acs:SourceIp", `"10.0.0.0/8"`), a, res, kv{"acs:SourceIp": {"abc", "11.0.0.1"}}, ImplicitDeny},
		{"multi unknown or false deny", denyIf("IpAddress", "acs:SourceIp", `"10.0.0.0/8"`), a, res, kv{"acs:SourceIp": {"abc", "11.0.0.1"}}, ExplicitDeny},
		{"empty value list acts absent", allowIf("StringNotEquals", "k", `"v"`), a, res, kv{"k": {}}, Allow},

		// AND across keys and operators; Kleene logic.
		{"AND both true", []string{`{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"},"Bool":{"acs:SecureTransport":"true"}}}]}`}, a, res, kv{"acs:SourceIp": {"10.0.0.1"}, "acs:SecureTransport": {"true"}}, Allow},
		{"AND one false", []string{`{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"},"Bool":{"acs:SecureTransport":"true"}}}]}`}, a, res, kv{"acs:SourceIp": {"10.0.0.1"}, "acs:SecureTransport": {"false"}}, ImplicitDeny},
		{"AND keys in one operator", []string{`{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"a":"1","b":"2"}}}]}`}, a, res, kv{"a": {"1"}}, ImplicitDeny},
		{"deny false AND unknown is false", []string{allow(`"*"`, `"*"`), `{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"},"Bool":{"acs:SecureTransport":"false"}}}]}`}, a, res, kv{"acs:SourceIp": {"abc"}, "acs:SecureTransport": {"true"}}, Allow},
		{"deny true AND unknown applies", []string{allow(`"*"`, `"*"`), `{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"},"Bool":{"acs:SecureTransport":"false"}}}]}`}, a, res, kv{"acs:SourceIp": {"abc"}, "acs:SecureTransport": {"false"}}, ExplicitDeny},
		{"empty Condition is no-op", []string{`{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}}]}`}, a, res, nil, Allow},
	})
}

// TestKeyNameCaseD23 is the repro for spec §13 D23: a Deny on
// StringLike {"oss:prefix": "secret/*"} must fire for a request carrying
// oss:Prefix=secret/2024/ (it was an Allow when only acs: keys folded), in
// Decide, Explain and the reference; Explain cites the key as written in
// the policy.
func TestKeyNameCaseD23(t *testing.T) {
	docs := denyIf("StringLike", "oss:prefix", `"secret/*"`)
	e := compileJSON(t, docs...)
	r := Request{Action: "arms:GetTrace", Resource: res, Context: ctx(kv{"oss:Prefix": {"secret/2024/"}})}
	assert.Equal(t, ExplicitDeny, e.Decide(r))
	assert.Equal(t, ExplicitDeny, e.Explain(r).Decision)
	assert.Equal(t, ExplicitDeny, referenceDecide(refPolicies(t, docs), r))

	r.Context = ctx(kv{"OSS:PREFIX": {"public/"}})
	x := e.Explain(r)
	assert.Equal(t, Allow, x.Decision)
	require.Len(t, x.NearMisses, 1)
	assert.Equal(t, "oss:prefix", x.NearMisses[0].Key)
	assert.Equal(t, `no value of "public/" matches "secret/*"`, x.NearMisses[0].Reason, "the key was found under another case")
}
