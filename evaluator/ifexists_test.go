package evaluator

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ramauthz/ramauthz/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ifExistsRow is one operator with a policy value and request values,
// written by hand from spec §4.2: yes makes the operator (as named,
// negation included) true, no makes it false, bad cannot be read for the
// operator's family ("" for the string family, where every value reads).
type ifExistsRow struct {
	op           policy.Operator
	val          string
	yes, no, bad string
}

var ifExistsRows = []ifExistsRow{
	{policy.StringEquals, "v", "v", "w", ""},
	{policy.StringNotEquals, "v", "w", "v", ""},
	{policy.StringEqualsIgnoreCase, "Prod", "pROD", "dev", ""},
	{policy.StringNotEqualsIgnoreCase, "Prod", "dev", "PROD", ""},
	{policy.StringLike, "vpc-*", "vpc-1", "VPC-1", ""},
	{policy.StringNotLike, "vpc-*", "subnet-1", "vpc-1", ""},
	{policy.NumericEquals, "10", "10.0", "11", "ten"},
	{policy.NumericNotEquals, "10", "11", "10", "ten"},
	{policy.NumericLessThan, "10", "9", "10", "ten"},
	{policy.NumericLessThanEquals, "10", "10", "10.5", "ten"},
	{policy.NumericGreaterThan, "10", "100", "10", "1e3"},
	{policy.NumericGreaterThanEquals, "10", "10", "9.99", "ten"},
	{policy.DateEquals, "2019-08-12T17:00:00+08:00", "2019-08-12T09:00:00Z", "2019-08-12T09:00:01Z", "yesterday"},
	{policy.DateNotEquals, "2019-08-12T17:00:00+08:00", "2019-08-12T09:00:01Z", "2019-08-12T09:00:00Z", "yesterday"},
	{policy.DateLessThan, "2019-08-12T17:00:00+08:00", "2019-08-12T08:59:59Z", "2019-08-12T09:00:00Z", "2019-08-12"},
	{policy.DateLessThanEquals, "2019-08-12T17:00:00+08:00", "2019-08-12T09:00:00Z", "2019-08-12T09:00:01Z", "yesterday"},
	{policy.DateGreaterThan, "2019-08-12T17:00:00+08:00", "2019-08-12T09:00:01Z", "2019-08-12T17:00:00+08:00", "yesterday"},
	{policy.DateGreaterThanEquals, "2019-08-12T17:00:00+08:00", "2019-08-12T17:00:00+08:00", "2019-08-12T08:59:59Z", "yesterday"},
	{policy.Bool, "true", "TRUE", "false", "yes"},
	{policy.IpAddress, "10.0.0.0/8", "10.1.2.3", "11.0.0.1", "abc"},
	{policy.NotIpAddress, "10.0.0.0/8", "11.0.0.1", "10.1.2.3", "abc"},
}

// TestIfExistsAllOperators checks spec §13 D22 for all 21 operators, in
// Allow and Deny statements, against Decide, Explain and the reference
// evaluator: an absent key makes an IfExists condition true (positive and
// negated alike), while the plain form follows §4.3; a present key gives
// both forms exactly the base operator's value, with §4.8 (several request
// values) and §4.9 (unreadable values: Allow needs true, Deny fires on
// unknown) included.
func TestIfExistsAllOperators(t *testing.T) {
	require.Len(t, ifExistsRows, 21)
	const (
		T = "true"
		F = "false"
		U = "unknown"
	)
	for _, row := range ifExistsRows {
		for _, ifExists := range []bool{false, true} {
			name := row.op.String()
			if ifExists {
				name += "IfExists"
			}
			absent := F // §4.3
			if ifExists || row.op.Negated() {
				absent = T
			}
			// §4.8: several values; the positive form is OR over them, a
			// negated form NOR, so {yes, no} is true for a positive operator
			// and false for a negated one.
			mixed := T
			if row.op.Negated() {
				mixed = F
			}
			type reqCase struct {
				what  string
				vals  []string // nil: key absent
				truth string
			}
			cases := []reqCase{
				{"absent", nil, absent},
				{"empty list", []string{}, absent},
				{"yes", []string{row.yes}, T},
				{"no", []string{row.no}, F},
				{"yes and no", []string{row.yes, row.no}, mixed},
			}
			if row.bad != "" {
				// §4.9: unreadable alone is unknown; with a value that makes
				// the positive form true, true OR unknown is true, and the
				// negated form of that is false; with a value that makes the
				// positive form false, it stays unknown.
				withYes, withNo := T, U
				if row.op.Negated() {
					withYes, withNo = U, F
				}
				cases = append(cases,
					reqCase{"bad", []string{row.bad}, U},
					reqCase{"bad and yes", []string{row.bad, row.yes}, withYes},
					reqCase{"bad and no", []string{row.bad, row.no}, withNo})
			}
			for _, rc := range cases {
				for _, effect := range []string{"Allow", "Deny"} {
					var want Decision
					switch {
					case effect == "Allow" && rc.truth == T:
						want = Allow
					case effect == "Allow":
						want = ImplicitDeny
					case rc.truth == F:
						want = Allow // the unconditional Allow of denyIf
					default:
						want = ExplicitDeny
					}
					docs := allowIf(name, "test:Key", `"`+row.val+`"`)
					if effect == "Deny" {
						docs = denyIf(name, "test:Key", `"`+row.val+`"`)
					}
					var c *Context
					if rc.vals != nil {
						c = &Context{}
						c.Set("test:Key", rc.vals...)
					} else {
						c = ctx(kv{"other:Key": {"x"}})
					}
					t.Run(name+"/"+effect+"/"+rc.what, func(t *testing.T) {
						e := compileJSON(t, docs...)
						r := Request{Action: "arms:GetTrace", Resource: res, Context: c}
						assert.Equal(t, want, e.Decide(r), "Decide")
						x := e.Explain(r)
						assert.Equal(t, want, x.Decision, "Explain:\n%s", x)
						assert.Equal(t, want, referenceDecide(refPolicies(t, docs), r), "reference")
					})
				}
			}
		}
	}
}

// TestIfExistsExplainNamesOperatorAsWritten: spec §13 D22, "Explain names
// the operator as written".
func TestIfExistsExplainNamesOperatorAsWritten(t *testing.T) {
	doc := `{"Version":"1","Statement":[{"Sid":"OfficeHours","Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{` +
		`"DateGreaterThanIfExists":{"acs:CurrentTime":"2026-01-01T09:00:00+08:00"},"DateLessThanIfExists":{"acs:CurrentTime":"2026-01-01T18:00:00+08:00"}}}]}`
	e := compileJSON(t, doc)

	r := Request{Action: "ecs:StartInstance", Resource: res, Context: ctx(kv{"acs:CurrentTime": {"2026-01-01T11:00:00Z"}})}
	x := e.Explain(r)
	assert.Equal(t, ImplicitDeny, x.Decision)
	require.Len(t, x.NearMisses, 1)
	n := x.NearMisses[0]
	assert.Equal(t, policy.DateLessThan, n.Operator)
	assert.True(t, n.IfExists)
	assert.Equal(t, "DateLessThanIfExists", n.OperatorName())
	assert.Equal(t, `no value of "2026-01-01T11:00:00Z" matches "2026-01-01T18:00:00+08:00"`, n.Reason)
	assert.True(t, strings.Contains(x.String(), `(Sid "OfficeHours"): DateLessThanIfExists "acs:CurrentTime": no value of`), x.String())

	// Inside the window, and with the key absent, the statement applies.
	r.Context = ctx(kv{"acs:CurrentTime": {"2026-01-01T09:30:00Z"}})
	assert.Equal(t, Allow, e.Decide(r))
	r.Context = nil
	assert.Equal(t, Allow, e.Decide(r))
	assert.Equal(t, Allow, e.Explain(r).Decision)
}

// TestIfExistsCompileErrorNamesOperator: a bad value in a document built in
// code is reported at the path of the operator as written.
func TestIfExistsCompileErrorNamesOperator(t *testing.T) {
	_, err := Compile(Policy{ID: "p", Document: stmtDoc(policy.Statement{Effect: policy.Allow, Action: []string{"a:b"}, Resource: []string{"*"},
		Condition: []policy.Condition{{Operator: policy.NumericLessThan, IfExists: true, Key: "n", Values: []policy.Value{{Raw: "1e3"}}}}})})
	var ce *CompileError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, `Statement[0].Condition.NumericLessThanIfExists."n"[0]`, ce.Path)
	assert.ErrorIs(t, err, policy.ErrInvalid)
	assert.Contains(t, ce.Msg, "NumericLessThanIfExists value")
}

func TestIfExistsDecideNoAllocs(t *testing.T) {
	e := compileJSON(t, `{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddressIfExists":{"acs:SourceIp":"10.0.0.0/8"}}},`+
		`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThanIfExists":{"acs:CurrentTime":"2030-01-01T00:00:00Z"},"StringEqualsIfExists":{"k":"v"}}}]}`)
	c := ctx(kv{"acs:SourceIp": {"10.1.2.3"}, "acs:CurrentTime": {"2026-01-01T00:00:00Z"}})
	r := Request{Action: "ecs:Start", Resource: res, Context: c}
	require.Equal(t, Allow, e.Decide(r))
	assert.Zero(t, testing.AllocsPerRun(200, func() { _ = e.Decide(r) }))
}

// TestCompileRejectsConditionKeyTwins: a document built in code with two
// conditions of one operator (as written) on keys equal under
// policy.CanonicalKey is refused like Parse refuses it (spec §13 D23); the
// plain and IfExists forms are different operators.
func TestCompileRejectsConditionKeyTwins(t *testing.T) {
	v := policy.Value{Raw: "secret/*"}
	build := func(conds ...policy.Condition) error {
		_, err := Compile(Policy{ID: "p", Document: stmtDoc(policy.Statement{Effect: policy.Deny, Action: []string{"*"}, Resource: []string{"*"}, Condition: conds})})
		return err
	}
	err := build(policy.Condition{Operator: policy.StringLike, Key: "oss:Prefix", Values: []policy.Value{v}},
		policy.Condition{Operator: policy.StringLike, Key: "oss:prefix", Values: []policy.Value{v}})
	var ce *CompileError
	require.ErrorAs(t, err, &ce)
	assert.ErrorIs(t, err, policy.ErrDuplicateKey)
	assert.Equal(t, `Statement[0].Condition.StringLike."oss:prefix"`, ce.Path)

	require.NoError(t, build(policy.Condition{Operator: policy.StringLike, Key: "oss:Prefix", Values: []policy.Value{v}},
		policy.Condition{Operator: policy.StringLike, IfExists: true, Key: "oss:prefix", Values: []policy.Value{v}}))

	// Many conditions (the map path): the twin is found after the 16th.
	var many []policy.Condition
	for i := range 40 {
		many = append(many, policy.Condition{Operator: policy.StringEquals, Key: "k" + strconv.Itoa(i), Values: []policy.Value{v}})
	}
	require.NoError(t, build(many...))
	many = append(many, policy.Condition{Operator: policy.StringEquals, Key: "K3", Values: []policy.Value{v}})
	err = build(many...)
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, `Statement[0].Condition.StringEquals."K3"`, ce.Path)
}
