package evaluator

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/ramauthz/ramauthz/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fail closed: every error on the evaluator's decision path (a request
// value that does not parse, a context that cannot be read, a document that
// cannot be compiled, a limit hit while parsing) ends in a deny, never in an
// allow, and nothing panics.

// malformed lists request values that cannot be read as each family's type.
var malformed = map[policy.Family][]string{
	policy.FamilyNumeric: {"ten", "", " 1", "1 ", "0x10", "1e3", "NaN", "Infinity", "--1", "1.2.3", "1\x00", "\xff"},
	policy.FamilyDate:    {"yesterday", "", "2019-08-12", "2019-08-12T09:00:00", "2019-13-01T00:00:00Z", "2019-08-12T25:00:00Z", "1565600400", "2019-08-12T09:00:00Z\x00", "\xff"},
	policy.FamilyBool:    {"maybe", "", "1", "0", "yes", "t", " true", "true\x00", "\xff"},
	policy.FamilyIP:      {"abc", "", "10.0.0.256", "10.0.0.0/8", "fe80::1%eth0", "1.2.3", "::ffff:10.1.2.3%x", "10.1.2.3\x00", "\xff", "invalid IP"},
}

// opsOf returns the positive and the negated operator of a family, with a
// policy value that a well-formed request value could satisfy.
func opsOf(f policy.Family) (pos, neg policy.Operator, val string) {
	switch f {
	case policy.FamilyNumeric:
		return policy.NumericLessThan, policy.NumericNotEquals, "100"
	case policy.FamilyDate:
		return policy.DateLessThan, policy.DateNotEquals, "2030-01-01T00:00:00Z"
	case policy.FamilyBool:
		return policy.Bool, policy.Bool, "true"
	}
	return policy.IpAddress, policy.NotIpAddress, "10.0.0.0/8"
}

func condStatement(t testing.TB, eff policy.Effect, op policy.Operator, key, val string) policy.Statement {
	return policy.Statement{Effect: eff, Action: []string{"*"}, Resource: []string{"*"},
		Condition: []policy.Condition{{Operator: op, Key: key, Values: []policy.Value{condValue(t, op, val)}}}}
}

// TestFailClosedUnparseableValues: an unparseable request value never lets
// an Allow apply, whether the operator is positive or negated, and always
// lets a Deny apply, even over an unconditional Allow. A second, well-formed
// value does not rescue a negated Allow either.
func TestFailClosedUnparseableValues(t *testing.T) {
	allowAll := policy.Statement{Effect: policy.Allow, Action: []string{"*"}, Resource: []string{"*"}}
	for fam, values := range malformed {
		pos, neg, val := opsOf(fam)
		for _, op := range []policy.Operator{pos, neg} {
			for _, v := range values {
				t.Run(op.String()+"/"+v, func(t *testing.T) {
					c := &Context{}
					c.Set("k", v)
					r := Request{Action: "a:b", Resource: "r", Context: c}

					allow := mustCompile(t, []Policy{{ID: "allow", Document: stmtDoc(condStatement(t, policy.Allow, op, "k", val))}})
					assert.Equal(t, ImplicitDeny, allow.Decide(r), "an Allow applied on an unreadable value")
					x := allow.Explain(r)
					require.Len(t, x.NearMisses, 1)
					assert.Contains(t, x.NearMisses[0].Reason, "is not", "Explain names the unreadable value")

					deny := mustCompile(t, []Policy{{ID: "deny", Document: &policy.Document{Version: "1", Statements: []policy.Statement{
						allowAll, condStatement(t, policy.Deny, op, "k", val)}}}})
					assert.Equal(t, ExplicitDeny, deny.Decide(r), "a Deny was switched off by an unreadable value")
					assert.Equal(t, ExplicitDeny, deny.Explain(r).Decision)

					if op.Negated() {
						// unknown OR false is unknown: a good value that the
						// negated operator would accept does not help.
						outside := map[policy.Family]string{policy.FamilyNumeric: "7", policy.FamilyDate: "2020-01-01T00:00:00Z", policy.FamilyIP: "11.0.0.1"}[fam]
						c.Set("k", v, outside)
						assert.Equal(t, ImplicitDeny, allow.Decide(r))
						assert.Equal(t, ExplicitDeny, deny.Decide(r))
					}
				})
			}
		}
	}
}

// TestFailClosedContext covers contexts that cannot be read as a request
// means them: SetSourceIP with the zero Addr, keys with no values, a nil
// or zero Context, and key names that only differ by case outside "acs:".
func TestFailClosedContext(t *testing.T) {
	officeOnly := Policy{ID: "office", Document: &policy.Document{Version: "1", Statements: []policy.Statement{
		condStatement(t, policy.Allow, policy.IpAddress, "acs:SourceIp", "10.0.0.0/8"),
	}}}
	denyOutside := Policy{ID: "outside", Document: &policy.Document{Version: "1", Statements: []policy.Statement{
		{Effect: policy.Allow, Action: []string{"*"}, Resource: []string{"*"}},
		condStatement(t, policy.Deny, policy.NotIpAddress, "acs:SourceIp", "10.0.0.0/8"),
	}}}
	tagged := Policy{ID: "tagged", Document: &policy.Document{Version: "1", Statements: []policy.Statement{
		condStatement(t, policy.Allow, policy.StringEquals, "team", "infra"),
	}}}
	zeroIP := &Context{}
	zeroIP.SetSourceIP(netip.Addr{})
	noValues := &Context{}
	noValues.Set("acs:SourceIp")
	otherCase := &Context{}
	otherCase.Set("Team", "infra")
	tests := []struct {
		name string
		p    Policy
		c    *Context
		want Decision
	}{
		{"zero Addr, Allow on IpAddress", officeOnly, zeroIP, ImplicitDeny},
		{"zero Addr, Deny on NotIpAddress", denyOutside, zeroIP, ExplicitDeny},
		{"key with no values, Allow on IpAddress", officeOnly, noValues, ImplicitDeny},
		{"key with no values, Deny on NotIpAddress", denyOutside, noValues, ExplicitDeny},
		{"nil context, Allow on IpAddress", officeOnly, nil, ImplicitDeny},
		{"nil context, Deny on NotIpAddress", denyOutside, nil, ExplicitDeny},
		{"zero context, Deny on NotIpAddress", denyOutside, &Context{}, ExplicitDeny},
		// Spec §13 D23 (superseding §4.7): every key name ignores ASCII
		// case before the first '/', so Team is the key team.
		{"non-acs key in another case is the same key", tagged, otherCase, Allow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := mustCompile(t, []Policy{tc.p})
			r := Request{Action: "oss:GetObject", Resource: "acs:oss:*:1:b/o", Context: tc.c}
			assert.Equal(t, tc.want, e.Decide(r))
			assert.Equal(t, tc.want, e.Explain(r).Decision)
			assert.Equal(t, tc.want, referenceDecide([]Policy{tc.p}, r))
		})
	}
}

// TestFailClosedCompileErrors: a document Compile cannot use gives no
// Evaluator, and a caller that ignores the error and decides with the nil
// Evaluator is denied everything.
func TestFailClosedCompileErrors(t *testing.T) {
	allowAll := policy.Statement{Effect: policy.Allow, Action: []string{"*"}, Resource: []string{"*"}}
	with := func(f func(*policy.Statement)) *policy.Document {
		st := cloneStatement(allowAll)
		f(&st)
		return stmtDoc(st)
	}
	tests := []struct {
		name     string
		doc      *policy.Document
		sentinel error
	}{
		{"no document", nil, policy.ErrMissing},
		{"wrong version", &policy.Document{Version: "2", Statements: []policy.Statement{allowAll}}, policy.ErrInvalid},
		{"no statements", &policy.Document{Version: "1"}, policy.ErrMissing},
		{"unknown kind", &policy.Document{Kind: 9, Version: "1", Statements: []policy.Statement{allowAll}}, policy.ErrInvalid},
		{"zero effect", with(func(s *policy.Statement) { s.Effect = 0 }), policy.ErrInvalid},
		{"Action and NotAction", with(func(s *policy.Statement) { s.NotAction = []string{"x:y"} }), policy.ErrConflict},
		{"no action", with(func(s *policy.Statement) { s.Action = nil }), policy.ErrMissing},
		{"empty action list", with(func(s *policy.Statement) { s.Action = []string{} }), policy.ErrMissing},
		{"empty pattern", with(func(s *policy.Statement) { s.Resource = []string{""} }), policy.ErrInvalid},
		{"invalid UTF-8 action", with(func(s *policy.Statement) { s.Action = []string{"ecs:\xff*"} }), policy.ErrInvalid},
		{"invalid UTF-8 resource", with(func(s *policy.Statement) { s.Resource = []string{"acs:\xc3"} }), policy.ErrInvalid},
		{"no resource in an identity policy", with(func(s *policy.Statement) { s.Resource = nil }), policy.ErrMissing},
		{"Principal in an identity policy", with(func(s *policy.Statement) { s.Principal = &policy.Principal{Service: []string{"ecs.aliyuncs.com"}} }), policy.ErrInvalid},
		{"invalid operator", with(func(s *policy.Statement) {
			s.Condition = []policy.Condition{{Operator: 0, Key: "k", Values: []policy.Value{{Raw: "v"}}}}
		}), policy.ErrUnknownElement},
		{"condition without values", with(func(s *policy.Statement) {
			s.Condition = []policy.Condition{{Operator: policy.StringEquals, Key: "k"}}
		}), policy.ErrMissing},
		{"unparseable condition value", with(func(s *policy.Statement) {
			s.Condition = []policy.Condition{{Operator: policy.IpAddress, Key: "acs:SourceIp", Values: []policy.Value{{Raw: "10.0.0.0/33"}}}}
		}), policy.ErrInvalid},
		{"invalid UTF-8 condition value", with(func(s *policy.Statement) {
			s.Condition = []policy.Condition{{Operator: policy.StringLike, Key: "k", Values: []policy.Value{{Raw: "a\xff"}}}}
		}), policy.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Compile(Policy{ID: "good", Document: stmtDoc(allowAll)}, Policy{ID: "bad", Document: tc.doc})
			require.Nil(t, e)
			var ce *CompileError
			require.True(t, errors.As(err, &ce), "%T %v", err, err)
			assert.ErrorIs(t, err, tc.sentinel)
			assert.Equal(t, "bad", ce.PolicyID)
			assert.Equal(t, 1, ce.Index)
			r := Request{Action: "ecs:RunInstances", Resource: "acs:ecs:*:1:instance/i"}
			assert.Equal(t, ImplicitDeny, e.Decide(r))
			assert.Equal(t, ImplicitDeny, e.Explain(r).Decision)
		})
	}
}

// TestFailClosedParseLimit: a document over a parser limit is rejected with
// ErrLimit and no document; compiling what the caller got (nothing) gives no
// Evaluator, so the request is denied.
func TestFailClosedParseLimit(t *testing.T) {
	stmts := make([]string, 1001)
	for i := range stmts {
		stmts[i] = `{"Effect":"Allow","Action":"*","Resource":"*"}`
	}
	tests := map[string]string{
		"size":       `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"acs:` + strings.Repeat("x", 7000) + `"}]}`,
		"statements": `{"Version":"1","Statement":[` + strings.Join(stmts, ",") + `]}`,
		"wildcards":  `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"acs:` + strings.Repeat("*", 65) + `"}]}`,
	}
	for name, js := range tests {
		t.Run(name, func(t *testing.T) {
			d, err := policy.Parse([]byte(js), policy.WithLimits(policy.Limits{MaxSize: 1 << 20}))
			if name == "size" {
				d, err = policy.Parse([]byte(js))
			}
			require.ErrorIs(t, err, policy.ErrLimit)
			require.Nil(t, d)
			e, err := Compile(Policy{ID: "p", Document: d})
			require.ErrorIs(t, err, policy.ErrMissing)
			assert.Equal(t, ImplicitDeny, e.Decide(Request{Action: "a:b", Resource: "acs:x"}))
		})
	}
}

// TestFailClosedNilAndZero: the nil Evaluator, the zero Request and the zero
// Decision all deny.
func TestFailClosedNilAndZero(t *testing.T) {
	var e *Evaluator
	assert.Equal(t, ImplicitDeny, e.Decide(Request{Action: "*", Resource: "*"}))
	assert.Equal(t, Explanation{}, e.Explain(Request{Action: "*", Resource: "*"}))
	assert.Equal(t, ImplicitDeny, Decision(0))
	empty, err := Compile()
	require.NoError(t, err)
	assert.Equal(t, ImplicitDeny, empty.Decide(Request{Action: "a:b", Resource: "r"}))
	// The zero Request has an empty action, which no statement's action
	// pattern can match except "*"-like ones; it is decided, not rejected.
	e2 := mustCompile(t, []Policy{{ID: "p", Document: stmtDoc(policy.Statement{Effect: policy.Allow, Action: []string{"ecs:*"}, Resource: []string{"*"}})}})
	assert.Equal(t, ImplicitDeny, e2.Decide(Request{}))
}
