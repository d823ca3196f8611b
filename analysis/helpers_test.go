package analysis

import (
	"context"
	"testing"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/policy/system"
)

func systemSet(t testing.TB, names ...string) *Set {
	t.Helper()
	var ps []evaluator.Policy
	for _, n := range names {
		p, ok := system.Get(n)
		if !ok {
			t.Fatalf("no system policy %s", n)
		}
		ps = append(ps, evaluator.Policy{ID: n, Document: p.Document})
	}
	s, err := Compile(ps...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func jsonSet(t testing.TB, docs ...string) *Set {
	t.Helper()
	var ps []evaluator.Policy
	for i, d := range docs {
		doc, err := policy.Parse([]byte(d))
		if err != nil {
			t.Fatalf("doc %d: %v\n%s", i, err, d)
		}
		ps = append(ps, evaluator.Policy{ID: "p" + string(rune('0'+i)), Document: doc})
	}
	s, err := Compile(ps...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var bg = context.Background()

// checkReasons asserts every reason's witness independently with Decide.
func checkReasons(t *testing.T, res Result, left, right *Set) {
	t.Helper()
	for _, r := range res.Reasons {
		if d := left.Decide(r.Witness); d != evaluator.Allow {
			t.Errorf("%v: witness %+v: left decides %v", r.Statement, r.Witness, d)
		}
		if right != nil {
			if d := right.Decide(r.Witness); d == evaluator.Allow {
				t.Errorf("%v: witness %+v: right allows", r.Statement, r.Witness)
			}
		}
	}
}

func mustPat(p string, fold bool) *matchPattern {
	m := matchMust(p, fold)
	return &m
}
