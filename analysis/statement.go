package analysis

import (
	"context"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

// These questions look at one statement of a Set; they are what the lint
// package's semantic checks need.

func stmtMissing(ref StatementRef) Result {
	return unknown(nil, &UnsupportedError{Msg: "the set has no statement " + ref.String()})
}

// NeverApplies reports whether the statement ref of s applies to no request
// of the Universe: its Action/NotAction, Resource/NotResource, Principal and
// Condition can never all match (an Allow needs its conditions true; a Deny
// applies when they are true or unknown, spec §4.9). Typical causes are
// contradictory conditions (DateGreaterThan 2026-06-01 with DateLessThan
// 2026-01-01) and patterns outside the Universe.
//
// Holds: the statement is dead. Fails: one Reason naming the statement,
// whose witness the statement alone applies to (confirmed by Decide on the
// statement alone: Left is Allow, or ExplicitDeny for a Deny). For an Allow
// with NotAction or NotResource the witness shows what it grants beyond
// the listed patterns. Unknown: as for NoNewAccess; an unknown ref gives an
// *UnsupportedError.
func NeverApplies(ctx context.Context, s *Set, ref StatementRef, u Universe, l Limits) Result {
	st := s.stmtAt(ref)
	if st == nil {
		return stmtMissing(ref)
	}
	q, err := newQuery(ctx, []*Set{s}, u, l, nil, nil)
	if err != nil {
		return unknown(q, err)
	}
	b := q.box(st)
	if b.empty() {
		return q.finish(nil)
	}
	req, kvs := q.point(b, st)
	want := evaluator.Allow
	if st.ref.Effect == policy.Deny {
		want = evaluator.ExplicitDeny
	}
	if d := st.self.Decide(req); d != want {
		return unknown(q, &InternalError{Msg: "witness for " + ref.String() + " not confirmed (" + d.String() + ")", Witness: req})
	}
	return q.finish([]Reason{{Statement: st.ref, Witness: req, Context: kvs, Left: want, Right: evaluator.ImplicitDeny, DeniedBy: StatementRef{Index: -1}}})
}

// ConditionNeverHolds is NeverApplies restricted to the Condition element:
// it reports whether the statement's conditions can never hold (for an
// Allow: be true; for a Deny: be true or unknown) for any request of the
// Universe, whatever its action, resource and principal. This is lint's
// unsatisfiable-condition check. A statement without conditions Fails.
// Results are as for NeverApplies; the witness's action and resource are
// chosen to match the statement as well when they can, and Left is the
// statement's decision for it.
func ConditionNeverHolds(ctx context.Context, s *Set, ref StatementRef, u Universe, l Limits) Result {
	st := s.stmtAt(ref)
	if st == nil {
		return stmtMissing(ref)
	}
	q, err := newQuery(ctx, []*Set{s}, u, l, nil, nil)
	if err != nil {
		return unknown(q, err)
	}
	b := q.box(st)
	for d := varAction; d <= varPrincipal; d++ {
		if b[d].empty() {
			b = append(box(nil), b...)
			b[d] = q.vars[d].full
		}
	}
	if b.empty() {
		return q.finish(nil)
	}
	req, kvs := q.point(b, st)
	// Confirm with the condition probes: every condition of the statement
	// has the truth value its effect needs.
	for ci := range st.conds {
		c := &st.conds[ci]
		t := c.probe(req.Context)
		if t == triFalse || t == triUnknown && st.ref.Effect == policy.Allow {
			return unknown(q, &InternalError{Msg: "condition witness for " + ref.String() + " not confirmed", Witness: req})
		}
	}
	return q.finish([]Reason{{Statement: st.ref, Witness: req, Context: kvs, Left: st.self.Decide(req), Right: evaluator.ImplicitDeny, DeniedBy: StatementRef{Index: -1}}})
}

// ShadowedByDeny reports whether every request the Allow statement ref
// applies to is refused by a Deny statement of s (of any layer), so that
// the statement never takes effect.
//
// Holds: shadowed (a dead statement is shadowed too; see NeverApplies).
// Fails: one Reason naming the statement with a witness that the statement
// alone allows and that no layer of s denies explicitly (Right is the
// set's decision). Unknown: as for NeverApplies; a ref naming a Deny gives
// an *UnsupportedError.
func ShadowedByDeny(ctx context.Context, s *Set, ref StatementRef, u Universe, l Limits) Result {
	st := s.stmtAt(ref)
	if st == nil {
		return stmtMissing(ref)
	}
	if st.ref.Effect != policy.Allow {
		return unknown(nil, &UnsupportedError{Msg: ref.String() + " is not an Allow statement"})
	}
	q, err := newQuery(ctx, []*Set{s}, u, l, nil, nil)
	if err != nil {
		return unknown(q, err)
	}
	q.current = st.ref
	w, ok := q.escape(q.box(st), q.boxesOf(s, -1, policy.Deny))
	if !ok {
		return q.finish(nil)
	}
	req, kvs := q.point(w, st)
	if d := st.self.Decide(req); d != evaluator.Allow {
		return unknown(q, &InternalError{Msg: "witness for " + ref.String() + " not confirmed (" + d.String() + ")", Witness: req})
	}
	for _, l := range s.layers {
		if l.ev.Decide(req) == evaluator.ExplicitDeny {
			return unknown(q, &InternalError{Msg: "witness for " + ref.String() + " is denied", Witness: req})
		}
	}
	return q.finish([]Reason{{Statement: st.ref, Witness: req, Context: kvs, Left: evaluator.Allow, Right: s.Decide(req), DeniedBy: StatementRef{Index: -1}}})
}
