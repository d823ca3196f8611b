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
var analysisBudget = analysis.Limits{States: 1 << 16, Decisions: 1 << 12}

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

// maxShadowSet is the most statements (the Allow and the Deny statements
// that may meet it) a shadowing question is asked about; a larger group
// gets the syntactic check only, which keeps linting a full-size document
// within milliseconds.
const maxShadowSet = 6

// semantic runs the checks backed by the analysis engine: statements that
// can never apply (UNSATISFIABLE_CONDITION) and Allow statements that a Deny
// always overrides (STATEMENT_SHADOWED_BY_DENY). Each question is asked
// about the smallest set that decides it: the statement alone for the
// first, the Allow with the Deny statements that may meet it for the
// second. It returns, per statement, whether the engine decided each
// question, so the syntactic fallbacks run only where it did not.
func (c *checker) semantic() (deadDecided, shadowDecided []bool) {
	deadDecided = make([]bool, len(c.stmts))
	shadowDecided = make([]bool, len(c.stmts))
	ctx := context.Background()
	left := analysisBudget
	ask := func(stmts []policy.Statement, q func(*analysis.Set, analysis.StatementRef, analysis.Limits) analysis.Result) analysis.Verdict {
		if left.States < 64 || left.Decisions < 8 {
			return analysis.VerdictUnknown
		}
		doc := &policy.Document{Kind: c.doc.Kind, Version: c.doc.Version, Statements: stmts}
		set, err := analysis.Compile(evaluator.Policy{ID: "linted", Document: doc})
		if err != nil {
			return analysis.VerdictUnknown
		}
		r := q(set, set.Statements()[0], left)
		left.States -= max(r.Stats.States, 1)
		left.Decisions -= max(r.Stats.Decisions, 1)
		return r.Verdict
	}
	dead := make([]bool, len(c.stmts))
	for i := range c.stmts {
		sv := &c.stmts[i]
		// Conditions on different keys constrain independent variables,
		// and one condition alone can always hold, so only a statement with
		// two conditions on one key can be dead.
		if !sharesKey(sv.st) {
			continue
		}
		switch ask([]policy.Statement{*sv.st}, func(set *analysis.Set, ref analysis.StatementRef, l analysis.Limits) analysis.Result {
			return analysis.NeverApplies(ctx, set, ref, lintUniverse, l)
		}) {
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
		if sv.st.Effect != policy.Allow || dead[i] {
			shadowDecided[i] = dead[i]
			continue
		}
		group := append([]policy.Statement{*sv.st}, c.overlappingDenies(sv)...)
		if len(group) == 1 {
			shadowDecided[i] = true // no Deny can meet it
			continue
		}
		if len(group) > maxShadowSet {
			continue
		}
		switch ask(group, func(set *analysis.Set, ref analysis.StatementRef, l analysis.Limits) analysis.Result {
			return analysis.ShadowedByDeny(ctx, set, ref, lintUniverse, l)
		}) {
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

// overlappingDenies returns the Deny statements of the document that may
// apply to an action the Allow sv grants: only they can shadow it.
func (c *checker) overlappingDenies(sv *stmtView) []policy.Statement {
	var out []policy.Statement
	for i := range c.stmts {
		d := c.stmts[i].st
		if d.Effect != policy.Deny {
			continue
		}
		if d.Action == nil || sv.st.Action == nil || anyActionsMeet(sv.st.Action, d.Action) {
			out = append(out, *d) // NotAction on either side: assume they meet
		}
	}
	return out
}

func anyActionsMeet(as, bs []string) bool {
	for _, a := range as {
		for _, b := range bs {
			if actionsIntersect(a, b) {
				return true
			}
		}
	}
	return false
}
