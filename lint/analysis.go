package lint

import (
	"context"

	"github.com/ramauthz/ramauthz/analysis"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

// analysisBudget bounds the work of all the questions one Check asks the
// analysis engine together (automaton states and search decisions, summed
// over the questions; deterministic, so identical input gives identical
// findings). Each question may use what is left; one that runs out answers
// Unknown, and lint then falls back to its syntactic check, which only
// reports what it can prove. This keeps a 6,144-character policy near a
// millisecond of engine work whatever its shape.
var analysisBudget = analysis.Limits{States: 1 << 13, Decisions: 1 << 10}

// lintUniverse says which requests the semantic checks range over: every
// request Decide accepts, except that the common keys a request carries at
// most once (spec §4.7) are single-valued, as real requests are.
var lintUniverse = analysis.Universe{Keys: map[string]analysis.KeySpec{
	"acs:CurrentTime":     {SingleValued: true},
	"acs:SourceIp":        {SingleValued: true},
	"acs:SecureTransport": {SingleValued: true},
	"acs:MFAPresent":      {SingleValued: true},
	"acs:SourceVpc":       {SingleValued: true},
	"acs:PrincipalARN":    {SingleValued: true},
}}

// semantic runs the checks backed by the analysis engine: statements that
// can never apply (UNSATISFIABLE_CONDITION) and Allow statements that a Deny
// always overrides (STATEMENT_SHADOWED_BY_DENY). It returns, per statement,
// whether the engine decided each question, so the syntactic fallbacks run
// only where it did not.
func (c *checker) semantic() (deadDecided, shadowDecided []bool) {
	deadDecided = make([]bool, len(c.stmts))
	shadowDecided = make([]bool, len(c.stmts))
	set, err := analysis.Compile(evaluator.Policy{ID: "linted", Document: c.doc})
	if err != nil {
		return deadDecided, shadowDecided
	}
	refs := set.Statements()
	ctx := context.Background()
	dead := make([]bool, len(c.stmts))
	left := analysisBudget
	ask := func(q func(analysis.Limits) analysis.Result) analysis.Result {
		r := q(left)
		left.States -= max(r.Stats.States, 1)
		left.Decisions -= max(r.Stats.Decisions, 1)
		return r
	}
	spent := func() bool { return left.States < 64 || left.Decisions < 8 }
	for i := range c.stmts {
		sv := &c.stmts[i]
		// Conditions on different keys constrain independent variables,
		// and one condition alone can always hold, so only a statement with
		// two conditions on one key can be dead.
		if i >= len(refs) || !sharesKey(sv.st) || spent() {
			continue
		}
		r := ask(func(l analysis.Limits) analysis.Result { return analysis.NeverApplies(ctx, set, refs[i], lintUniverse, l) })
		switch r.Verdict {
		case analysis.VerdictHolds:
			deadDecided[i], dead[i] = true, true
			sev, what := Error, "the statement grants nothing"
			if sv.st.Effect == policy.Deny {
				sev, what = Warning, "the Deny never fires"
			}
			cond := sv.members["Condition"]
			c.addSev(UnsatisfiableCondition, sev, "no request satisfies every condition of this statement together: "+what+"; check the values and operators", sv.path+".Condition", cond.value)
		case analysis.VerdictFails:
			deadDecided[i] = true
		}
	}
	for i := range c.stmts {
		sv := &c.stmts[i]
		if i >= len(refs) || sv.st.Effect != policy.Allow || dead[i] || !c.denyMayOverlap(sv) || spent() {
			shadowDecided[i] = i < len(refs) && dead[i]
			continue
		}
		r := ask(func(l analysis.Limits) analysis.Result { return analysis.ShadowedByDeny(ctx, set, refs[i], lintUniverse, l) })
		switch r.Verdict {
		case analysis.VerdictHolds:
			shadowDecided[i] = true
			c.add(StatementShadowedByDeny, "this Allow never takes effect: every request it allows is denied by a Deny statement of the document; remove it or narrow the Deny", sv.path, sv.raw)
		case analysis.VerdictFails:
			shadowDecided[i] = true
		}
	}
	return deadDecided, shadowDecided
}

// sharesKey reports whether two conditions of the statement name one key.
func sharesKey(st *policy.Statement) bool {
	for i := range st.Condition {
		for j := i + 1; j < len(st.Condition); j++ {
			if policy.CanonicalKey(st.Condition[i].Key) == policy.CanonicalKey(st.Condition[j].Key) {
				return true
			}
		}
	}
	return false
}

// denyMayOverlap reports whether some Deny statement of the document may
// apply to an action the Allow sv grants: only then can sv be shadowed.
func (c *checker) denyMayOverlap(sv *stmtView) bool {
	for i := range c.stmts {
		d := c.stmts[i].st
		if d.Effect != policy.Deny {
			continue
		}
		if d.Action == nil || sv.st.Action == nil {
			return true // NotAction on either side: assume they meet
		}
		for _, a := range sv.st.Action {
			for _, b := range d.Action {
				if actionsIntersect(a, b) {
					return true
				}
			}
		}
	}
	return false
}
