package evaluator

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ramauthz/ramauthz/policy"
	"github.com/stretchr/testify/require"
)

// parseDoc parses a JSON policy document for tests; documents that mention
// "Principal" are parsed as trust policies.
func parseDoc(t testing.TB, js string) *policy.Document {
	t.Helper()
	kind := policy.Identity
	if strings.Contains(js, `"Principal"`) {
		kind = policy.Trust
	}
	d, err := policy.Parse([]byte(js), policy.WithKind(kind))
	require.NoError(t, err, "parsing %s", js)
	return d
}

// compileJSON compiles documents given as JSON, with IDs p0, p1, ...
func compileJSON(t testing.TB, docs ...string) *Evaluator {
	t.Helper()
	ps := make([]Policy, len(docs))
	for i, js := range docs {
		ps[i] = Policy{ID: "p" + strconv.Itoa(i), Document: parseDoc(t, js)}
	}
	e, err := Compile(ps...)
	require.NoError(t, err)
	return e
}

// ctx builds a Context from pairs of key and values.
func ctx(kv map[string][]string) *Context {
	if kv == nil {
		return nil
	}
	c := &Context{}
	for k, v := range kv {
		c.Set(k, v...)
	}
	return c
}

// stmtDoc builds a one-statement identity document in code.
func stmtDoc(st policy.Statement) *policy.Document {
	return &policy.Document{Kind: policy.Identity, Version: "1", Statements: []policy.Statement{st}}
}

// condValue builds a condition value in code.
func condValue(t testing.TB, op policy.Operator, raw string) policy.Value {
	t.Helper()
	v, err := policy.ParseValue(op, raw)
	require.NoError(t, err)
	return v
}
