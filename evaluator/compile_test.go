package evaluator

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/ramauthz/ramauthz/internal/match"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompileErrors(t *testing.T) {
	good := func() policy.Statement {
		return policy.Statement{Effect: policy.Allow, Action: []string{"arms:Get*"}, Resource: []string{"*"}}
	}
	ipValue := condValue(t, policy.IpAddress, "10.0.0.0/8")
	tests := []struct {
		name     string
		doc      *policy.Document
		path     string
		sentinel error
	}{
		{"nil document", nil, "", policy.ErrMissing},
		{"bad version", &policy.Document{Version: "2", Statements: []policy.Statement{good()}}, "Version", policy.ErrInvalid},
		{"no statements", &policy.Document{Version: "1"}, "Statement", policy.ErrMissing},
		{"bad kind", &policy.Document{Kind: 7, Version: "1", Statements: []policy.Statement{good()}}, "", policy.ErrInvalid},
		{"zero effect", stmtDoc(policy.Statement{Action: []string{"a:b"}, Resource: []string{"*"}}), "Statement[0].Effect", policy.ErrInvalid},
		{"no action", stmtDoc(policy.Statement{Effect: policy.Allow, Resource: []string{"*"}}), "Statement[0].Action", policy.ErrMissing},
		{"both actions", stmtDoc(policy.Statement{Effect: policy.Allow, Action: []string{"a:b"}, NotAction: []string{"c:d"}, Resource: []string{"*"}}), "Statement[0].NotAction", policy.ErrConflict},
		{"empty action list", stmtDoc(policy.Statement{Effect: policy.Allow, Action: []string{}, Resource: []string{"*"}}), "Statement[0].Action", policy.ErrMissing},
		{"empty action pattern", stmtDoc(policy.Statement{Effect: policy.Allow, Action: []string{"a:b", ""}, Resource: []string{"*"}}), "Statement[0].Action[1]", policy.ErrInvalid},
		{"invalid UTF-8 action", stmtDoc(policy.Statement{Effect: policy.Allow, NotAction: []string{"a:\xff"}, Resource: []string{"*"}}), "Statement[0].NotAction[0]", policy.ErrInvalid},
		{"no resource in identity", stmtDoc(policy.Statement{Effect: policy.Allow, Action: []string{"a:b"}}), "Statement[0].Resource", policy.ErrMissing},
		{"both resources", stmtDoc(policy.Statement{Effect: policy.Allow, Action: []string{"a:b"}, Resource: []string{"*"}, NotResource: []string{"x"}}), "Statement[0].NotResource", policy.ErrConflict},
		{"invalid UTF-8 resource", stmtDoc(policy.Statement{Effect: policy.Allow, Action: []string{"a:b"}, NotResource: []string{"acs:\xc3"}}), "Statement[0].NotResource[0]", policy.ErrInvalid},
		{"principal in identity", stmtDoc(policy.Statement{Effect: policy.Allow, Action: []string{"a:b"}, Resource: []string{"*"}, Principal: &policy.Principal{Service: []string{"ecs.aliyuncs.com"}}}), "Statement[0].Principal", policy.ErrInvalid},
		{"trust without principal", &policy.Document{Kind: policy.Trust, Version: "1", Statements: []policy.Statement{{Effect: policy.Allow, Action: []string{"sts:AssumeRole"}}}}, "Statement[0].Principal", policy.ErrMissing},
		{"empty principal", &policy.Document{Kind: policy.Trust, Version: "1", Statements: []policy.Statement{{Effect: policy.Allow, Action: []string{"sts:AssumeRole"}, Principal: &policy.Principal{}}}}, "Statement[0].Principal", policy.ErrMissing},
		{"empty principal entry", &policy.Document{Kind: policy.Trust, Version: "1", Statements: []policy.Statement{{Effect: policy.Allow, Action: []string{"sts:AssumeRole"}, Principal: &policy.Principal{Service: []string{""}}}}}, "Statement[0].Principal.Service[0]", policy.ErrInvalid},
		{"invalid operator", stmtDoc(policy.Statement{Effect: policy.Allow, Action: []string{"a:b"}, Resource: []string{"*"}, Condition: []policy.Condition{{Operator: 0, Key: "k", Values: []policy.Value{{Raw: "v"}}}}}), "Statement[0].Condition", policy.ErrUnknownElement},
		{"no values", stmtDoc(policy.Statement{Effect: policy.Allow, Action: []string{"a:b"}, Resource: []string{"*"}, Condition: []policy.Condition{{Operator: policy.StringEquals, Key: "k"}}}), `Statement[0].Condition.StringEquals."k"`, policy.ErrMissing},
		{"empty key", stmtDoc(policy.Statement{Effect: policy.Allow, Action: []string{"a:b"}, Resource: []string{"*"}, Condition: []policy.Condition{{Operator: policy.StringEquals, Values: []policy.Value{{Raw: "v"}}}}}), `Statement[0].Condition.StringEquals.""`, policy.ErrInvalid},
		{"raw not an IP although prefix set", stmtDoc(policy.Statement{Effect: policy.Allow, Action: []string{"a:b"}, Resource: []string{"*"}, Condition: []policy.Condition{{Operator: policy.IpAddress, Key: "acs:SourceIp", Values: []policy.Value{ipValue, {Raw: "abc", Prefix: ipValue.Prefix}}}}}), `Statement[0].Condition.IpAddress."acs:SourceIp"[1]`, policy.ErrInvalid},
		{"raw not a number", stmtDoc(policy.Statement{Effect: policy.Allow, Action: []string{"a:b"}, Resource: []string{"*"}, Condition: []policy.Condition{{Operator: policy.NumericLessThan, Key: "n", Values: []policy.Value{{Raw: "1e3"}}}}}), `Statement[0].Condition.NumericLessThan."n"[0]`, policy.ErrInvalid},
		{"raw not a date", stmtDoc(policy.Statement{Effect: policy.Allow, Action: []string{"a:b"}, Resource: []string{"*"}, Condition: []policy.Condition{{Operator: policy.DateLessThan, Key: "acs:CurrentTime", Values: []policy.Value{{Raw: "2019-01-01"}}}}}), `Statement[0].Condition.DateLessThan."acs:CurrentTime"[0]`, policy.ErrInvalid},
		{"raw not a bool", stmtDoc(policy.Statement{Effect: policy.Allow, Action: []string{"a:b"}, Resource: []string{"*"}, Condition: []policy.Condition{{Operator: policy.Bool, Key: "acs:MFAPresent", Values: []policy.Value{{Raw: "yes", Bool: true}}}}}), `Statement[0].Condition.Bool."acs:MFAPresent"[0]`, policy.ErrInvalid},
		{"invalid UTF-8 like value", stmtDoc(policy.Statement{Effect: policy.Allow, Action: []string{"a:b"}, Resource: []string{"*"}, Condition: []policy.Condition{{Operator: policy.StringLike, Key: "k", Values: []policy.Value{{Raw: "\xff*"}}}}}), `Statement[0].Condition.StringLike."k"[0]`, policy.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok := Policy{ID: "fine", Document: stmtDoc(good())}
			e, err := Compile(ok, Policy{ID: "bad", Document: tc.doc})
			require.Error(t, err)
			assert.Nil(t, e, "nothing half-built is returned")
			var ce *CompileError
			require.True(t, errors.As(err, &ce), "error type %T", err)
			assert.Equal(t, "bad", ce.PolicyID)
			assert.Equal(t, 1, ce.Index)
			assert.Equal(t, tc.path, ce.Path)
			assert.ErrorIs(t, err, tc.sentinel)
			assert.Contains(t, err.Error(), `policy "bad"`)
		})
	}
}

func TestCompileEmpty(t *testing.T) {
	e, err := Compile()
	require.NoError(t, err)
	assert.Equal(t, ImplicitDeny, e.Decide(Request{Action: "a:b", Resource: "*"}))
	var nilEval *Evaluator
	assert.Equal(t, ImplicitDeny, nilEval.Decide(Request{Action: "a:b"}))
	assert.Equal(t, ImplicitDeny, nilEval.Explain(Request{Action: "a:b"}).Decision)
}

func TestCompileIgnoresPreparsedFields(t *testing.T) {
	// The pre-parsed fields claim 11.0.0.0/8, Raw says 10.0.0.0/8: Raw wins.
	wrong := condValue(t, policy.IpAddress, "11.0.0.0/8")
	v := policy.Value{Raw: "10.0.0.0/8", Prefix: wrong.Prefix}
	d := stmtDoc(policy.Statement{Effect: policy.Allow, Action: []string{"a:*"}, Resource: []string{"*"},
		Condition: []policy.Condition{{Operator: policy.IpAddress, Key: "acs:SourceIp", Values: []policy.Value{v}}}})
	e, err := Compile(Policy{ID: "p", Document: d})
	require.NoError(t, err)
	var c Context
	c.Set("acs:SourceIp", "10.1.1.1")
	assert.Equal(t, Allow, e.Decide(Request{Action: "a:b", Resource: "r", Context: &c}))
	c.Set("acs:SourceIp", "11.1.1.1")
	assert.Equal(t, ImplicitDeny, e.Decide(Request{Action: "a:b", Resource: "r", Context: &c}))
}

func TestCompileCopiesDocument(t *testing.T) {
	d := stmtDoc(policy.Statement{Effect: policy.Allow, Action: []string{"arms:Get*"}, Resource: []string{"*"}})
	e, err := Compile(Policy{ID: "p", Document: d})
	require.NoError(t, err)
	d.Statements[0].Action[0] = "cms:*"
	d.Statements[0].Effect = policy.Deny
	assert.Equal(t, Allow, e.Decide(Request{Action: "arms:GetTrace", Resource: "x"}))
}

func TestCompileErrorString(t *testing.T) {
	err := &CompileError{PolicyID: "p", Path: "Statement[0].Effect", Err: policy.ErrInvalid, Msg: "bad"}
	assert.Equal(t, `policy "p": Statement[0].Effect: invalid value: bad`, err.Error())
	assert.Equal(t, `policy "": error`, (&CompileError{}).Error())
}

// Compile allocates per policy set, not per statement: the tables of
// statements, patterns (records, text, chunks between stars), conditions
// and index entries, each sized once. (It allocated two objects per
// statement before patterns were carved from shared blocks.)
func TestCompileAllocationsDoNotGrowWithStatements(t *testing.T) {
	for _, n := range []int{10, 1000, 10000} {
		d := statementsDoc(n)
		allocs := testing.AllocsPerRun(3, func() {
			if _, err := Compile(Policy{ID: "p", Document: d}); err != nil {
				t.Fatal(err)
			}
		})
		t.Logf("%d statements: %.0f allocations", n, allocs)
		assert.LessOrEqual(t, allocs, 60.0, "%d statements", n)
	}
}

// The per-statement tables hold no pointers, so that compiling them costs
// no write barriers and a live Evaluator costs the collector nothing to
// mark (the profile of the 10,000-statement compile was half collector
// before); a field added with a string or slice in it fails here.
func TestCompiledTablesHoldNoPointers(t *testing.T) {
	for _, v := range []any{stmt{}, entry{}, span{}} {
		assert.False(t, holdsPointers(reflect.TypeOf(v)), "%T", v)
	}
	assert.True(t, holdsPointers(reflect.TypeOf(cond{})), "the check sees pointers where there are some")
}

func holdsPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Array:
		return holdsPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if holdsPointers(t.Field(i).Type) {
				return true
			}
		}
		return false
	}
	return t.Kind() >= reflect.Chan // channels, funcs, interfaces, maps, pointers, slices, strings
}

// TestPatternTextCoversTable checks the sizing pass against what the table
// needs: patternText's count of chunks between stars is never below
// match.Mids, for patterns with no star, one star at either end or inside,
// and several (adjacent ones included); and its text is at least what the
// table takes: each pattern's bytes and, for a folding pattern with an
// upper-case letter, its case bitmap (an eighth more; it was a second,
// folded copy, twice the bytes, before the table kept patterns once).
func TestPatternTextCoversTable(t *testing.T) {
	for _, p := range []string{"", "*", "**", "a", "ecs:Describe*", "*Describe", "a*b", "a*b*c", "a**b", "*a*",
		"acs:oss:*:*:bucket/*", "acs:svc7:*:1234567890123456:res/7/*", "a*b*c*d*e", "?*?", "*x*y*"} {
		for _, fold := range []bool{false, true} {
			text, mids := patternText([]string{p}, fold)
			if want := match.Mids(p); mids < want {
				t.Errorf("patternText(%q, %v) mids = %d, below match.Mids %d", p, fold, mids, want)
			}
			// The text a table takes for the pattern: its bytes and,
			// for a folding pattern with an upper-case letter, its case
			// bitmap, an eighth of that rounded up.
			var tb match.Table
			_, err := tb.Add(p, fold)
			require.NoError(t, err)
			want := len(tb.Text())
			if fold && strings.ToLower(p) != p {
				require.Equal(t, len(p)+(len(p)+7)/8, want, "%q", p)
			}
			if text < want {
				t.Errorf("patternText(%q, %v) text = %d, want at least %d", p, fold, text, want)
			}
		}
	}
}

// carve cuts the statements, both indexes' entries, room for their
// tries' values and the pattern table from one block without overlap: each filled to its capacity keeps
// what was written to it, the table's patterns read back as added, and
// empty parts are nil.
func TestCarveParts(t *testing.T) {
	// Patterns whose text Need counts exactly: a folded one with an upper
	// case letter (kept twice) and a resource with a chunk between stars.
	const act, res = "Svc:Get*", "acs:svc:*:1:x/*a*"
	for _, c := range [][4]int{{0, 0, 0, 0}, {1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}, {5, 29, 0, 3}, {3, 7, 11, 1}, {10001, 10000, 1, 20}} {
		var ev Evaluator
		b := builder{e: &ev, actions: [2]int{c[1], c[2]}}
		at, am := match.Need([]string{act}, true)
		rt, rm := match.Need([]string{res}, false)
		vals := b.carve(c[0], 2*c[3], c[3]*(at+rt), c[3]*(am+rm))
		stmts, allow, deny := ev.stmts, ev.allow.ents, ev.deny.ents
		if !assert.Equal(t, [3]int{c[0], c[1], c[2]}, [3]int{cap(stmts), cap(allow), cap(deny)}, "%v", c) {
			continue
		}
		for i := range c[0] {
			stmts = append(stmts, stmt{policy: int32(i), index: -int32(i), resAll: true})
		}
		for i := range c[1] {
			allow = append(allow, entry{stmt: int32(i), pat: 1, restAny: true})
		}
		for i := range c[2] {
			deny = append(deny, entry{stmt: -int32(i), pat: 2})
		}
		require.Equal(t, [2]int{c[1], c[2]}, [2]int{len(vals[0]), len(vals[1])}, "%v", c)
		for k := range vals {
			for i := range vals[k] {
				vals[k][i] = int32(1000*k + i)
			}
		}
		// The table fills the room it was given: its text never moves
		// (a regrowth would copy it to a new block).
		var text *byte
		for i := range c[3] {
			_, err := ev.pats.Add(act, true)
			require.NoError(t, err)
			_, err = ev.pats.Add(res, false)
			require.NoError(t, err)
			if i == 0 {
				text = &ev.pats.Text()[0]
			}
			require.Same(t, text, &ev.pats.Text()[0], "%v: the table grew out of the block", c)
		}
		for i, s := range stmts {
			require.Equal(t, stmt{policy: int32(i), index: -int32(i), resAll: true}, s)
		}
		for i, en := range allow {
			require.Equal(t, entry{stmt: int32(i), pat: 1, restAny: true}, en)
		}
		for i, en := range deny {
			require.Equal(t, entry{stmt: -int32(i), pat: 2}, en)
		}
		for k := range vals {
			for i, v := range vals[k] {
				require.Equal(t, int32(1000*k+i), v, "%v", c)
			}
		}
		require.Equal(t, 2*c[3], ev.pats.Len())
		for i := range int32(c[3]) {
			require.Equal(t, act, ev.pats.String(2*i))
			require.Equal(t, res, ev.pats.String(2*i+1))
			require.True(t, ev.pats.Match(2*i, "svc:getthing"))
			require.True(t, ev.pats.Match(2*i+1, "acs:svc:cn:1:x/bab"))
		}
		assert.Equal(t, c[0] == 0, stmts == nil, "%v", c)
		assert.Equal(t, c[1] == 0, allow == nil, "%v", c)
		assert.Equal(t, c[2] == 0, deny == nil, "%v", c)
	}
}

// A system policy compiles in three allocations: the Evaluator, one block
// for its statements, index entries, trie values and pattern table, and
// the allow trie's nodes (the builders' scratch comes from a pool). It was
// six before: the IDs, the statements and entries, the table, the
// builder's items, besides the Evaluator and the trie. Under the race
// detector the pool drops some of what it is given, so there the count
// is only bounded.
func TestCompileAllocations(t *testing.T) {
	d := parseDoc(t, armsReadOnly)
	compile := func() {
		if _, err := Compile(Policy{ID: "arms", Document: d}); err != nil {
			t.Fatal(err)
		}
	}
	compile()
	got := testing.AllocsPerRun(100, compile)
	if raceEnabled {
		assert.LessOrEqual(t, got, 6.0)
	} else {
		assert.Equal(t, 3.0, got)
	}
}

// An Evaluator value stays in the 576-byte size class: objects holding
// pointers that are larger than 512 bytes carry an 8-byte header, so it
// must be at most 568 bytes (it was 592, in the 640-byte class, before the
// tries held strings and the IDs a pointer).
func TestEvaluatorSize(t *testing.T) {
	assert.LessOrEqual(t, unsafe.Sizeof(Evaluator{}), uintptr(568))
}
