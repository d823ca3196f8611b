package analysis

import (
	"context"
	"errors"
	"strconv"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/internal/match"
	"github.com/ramauthz/ramauthz/policy"
)

func unknown(q *query, err error) Result {
	r := Result{Verdict: VerdictUnknown, Err: err}
	if q != nil {
		r.Stats = q.stats
	}
	return r
}

// finish turns collected reasons and the query's state into a Result.
func (q *query) finish(reasons []Reason) Result {
	switch {
	case len(reasons) > 0:
		return Result{Verdict: VerdictFails, Reasons: reasons, Stats: q.stats}
	case q.failErr != nil:
		return unknown(q, q.failErr)
	}
	return Result{Verdict: VerdictHolds, Stats: q.stats}
}

// NoNewAccess reports whether everything newer allows is also allowed by
// older, over the Universe u.
//
// Holds: proved. Fails: one Reason per Allow statement of newer's identity
// layer that grants something older does not allow, each with a witness
// request w such that newer.Decide(w) is Allow and older.Decide(w) is not
// (Reason.Right says which). Unknown: Result.Err wraps ErrBudget
// (*BudgetError naming the statement), ErrUnsupported
// (*MixedKeyTypeError, *UnsupportedError), ErrInternal (*InternalError), or
// is ctx's error. When a budget runs out after some reasons were found, the
// answer is still Fails with those reasons (each is a confirmed witness). A
// nil set allows nothing.
func NoNewAccess(ctx context.Context, newer, older *Set, u Universe, l Limits) Result {
	q, err := newQuery(ctx, []*Set{newer, older}, u, l, nil, nil)
	if err != nil {
		return unknown(q, err)
	}
	return q.newAccess(newer, older, q.fullBox(), nil)
}

// newAccess collects one reason per Allow statement of n's primary layer
// with a request inside region that n allows and o does not. check, when
// non-nil, is an extra confirmation of every witness.
func (q *query) newAccess(n, o *Set, region box, check func(evaluator.Request) bool) Result {
	if n == nil || len(n.layers) == 0 {
		return q.finish(nil)
	}
	var reasons []Reason
	primary := primaryLayer(n)
	denyN := q.boxesOf(n, -1, policy.Deny)
	for i := range n.layers[primary].stmts {
		st := &n.layers[primary].stmts[i]
		if st.ref.Effect != policy.Allow {
			continue
		}
		q.current = st.ref
		b := region.and(q.box(st))
		if b.empty() {
			continue
		}
		var found box
		q.allowedIn(n, primary, 0, b, func(c box) bool {
			if w, ok := q.notAllowed(o, c, denyN); ok {
				found = w
				return true
			}
			return q.failErr != nil
		})
		if found == nil {
			if errors.Is(q.failErr, ErrInternal) {
				return unknown(q, q.failErr)
			}
			if q.failErr != nil {
				// A budget ran out for this statement: keep the reasons
				// found so far only if there are some; the others stay
				// undecided.
				break
			}
			continue
		}
		req, kvs := q.point(found, st)
		left, right := n.Decide(req), o.Decide(req)
		if left != evaluator.Allow || right == evaluator.Allow || (check != nil && !check(req)) {
			return unknown(q, &InternalError{Msg: "witness for " + st.ref.String() + " not confirmed by Decide (left " + left.String() + ", right " + right.String() + ")", Witness: req})
		}
		reasons = append(reasons, Reason{Statement: st.ref, Witness: req, Context: kvs, Left: left, Right: right, DeniedBy: o.denier(req)})
	}
	return q.finish(reasons)
}

// Compare relates a and b: Equivalent, LessPermissive (a allows a strict
// subset of what b allows), MorePermissive, Incomparable, or
// RelationUnknown when a needed direction is Unknown. aNotB is
// NoNewAccess(a, b) (its reasons are what a allows and b does not) and
// bNotA is NoNewAccess(b, a).
func Compare(ctx context.Context, a, b *Set, u Universe, l Limits) (rel Relation, aNotB, bNotA Result) {
	aNotB = NoNewAccess(ctx, a, b, u, l)
	bNotA = NoNewAccess(ctx, b, a, u, l)
	switch {
	case aNotB.Verdict == VerdictHolds && bNotA.Verdict == VerdictHolds:
		rel = RelationEquivalent
	case aNotB.Verdict == VerdictHolds && bNotA.Verdict == VerdictFails:
		rel = RelationLessPermissive
	case aNotB.Verdict == VerdictFails && bNotA.Verdict == VerdictHolds:
		rel = RelationMorePermissive
	case aNotB.Verdict == VerdictFails && bNotA.Verdict == VerdictFails:
		rel = RelationIncomparable
	}
	return rel, aNotB, bNotA
}

// region returns the requests whose action matches one of actions and
// whose resource matches one of resources (an empty list means "*"), and
// a check that a request lies in it.
func (q *query) region(actions, resources []string) (box, func(evaluator.Request) bool) {
	b := q.fullBox()
	q.hintActs, q.hintRes = actions, resources
	var aps, rps []match.Pattern
	if len(actions) > 0 {
		var idx []int
		for _, a := range actions {
			idx = append(idx, q.actIdx[match.LowerASCII(a)])
			aps = append(aps, match.MustCompile(a, true))
		}
		b[varAction] = q.vars[varAction].select_(func(a *atom) bool { return anyBit(a.vec, idx) })
	}
	if len(resources) > 0 {
		var idx []int
		for _, r := range resources {
			idx = append(idx, q.resIdx[r])
			rps = append(rps, match.MustCompile(r, false))
		}
		b[varResource] = q.vars[varResource].select_(func(a *atom) bool { return anyBit(a.vec, idx) })
	}
	in := func(ps []match.Pattern, s string) bool {
		if len(ps) == 0 {
			return true
		}
		for i := range ps {
			if ps[i].Match(s) {
				return true
			}
		}
		return false
	}
	return b, func(r evaluator.Request) bool { return in(aps, r.Action) && in(rps, r.Resource) }
}

func checkPatterns(kind string, list []string) error {
	for i, p := range list {
		if _, err := match.Compile(p, false); err != nil || p == "" {
			return &UnsupportedError{Msg: kind + "[" + strconv.Itoa(i) + "] is not a valid pattern"}
		}
	}
	return nil
}

// AccessNotGranted reports whether s can never allow an action matching
// one of actions on a resource matching one of resources (patterns with
// '*' and '?', actions compared without regard to ASCII case; an empty
// list means "*").
//
// Holds: no request of the Universe in that region is allowed. Fails: one
// Reason per Allow statement of s's identity layer that grants such a
// request, with a witness Decide allows (Reason.Right is ImplicitDeny).
// Unknown: as for NoNewAccess; an empty or invalid pattern gives an
// *UnsupportedError.
func AccessNotGranted(ctx context.Context, s *Set, actions, resources []string, u Universe, l Limits) Result {
	if err := checkPatterns("actions", actions); err != nil {
		return unknown(nil, err)
	}
	if err := checkPatterns("resources", resources); err != nil {
		return unknown(nil, err)
	}
	q, err := newQuery(ctx, []*Set{s}, u, l, actions, resources)
	if err != nil {
		return unknown(q, err)
	}
	region, in := q.region(actions, resources)
	return q.newAccess(s, nil, region, in)
}

// AlwaysAllows reports whether s allows every request of the Universe whose
// action matches one of actions and whose resource matches one of resources
// (an empty list means "*"), with the condition keys of fixed pinned to
// those values (an empty list pins a key absent; it overrides u.Keys). Keys
// not pinned range over the Universe, so a Holds means "whatever else the
// request carries".
//
// Fails: one Reason per Deny statement that refuses such a request (Left is
// ExplicitDeny) and one Reason with no statement (Index -1) when some such
// request is allowed by no Allow statement; each witness is confirmed by
// Decide. Unknown: as for AccessNotGranted.
func AlwaysAllows(ctx context.Context, s *Set, actions, resources []string, fixed map[string][]string, u Universe, l Limits) Result {
	if err := checkPatterns("actions", actions); err != nil {
		return unknown(nil, err)
	}
	if err := checkPatterns("resources", resources); err != nil {
		return unknown(nil, err)
	}
	if len(fixed) > 0 {
		keys := make(map[string]KeySpec, len(u.Keys)+len(fixed))
		for k, v := range u.Keys {
			keys[k] = v
		}
		for k, vals := range fixed {
			for old := range keys {
				if sameKey(old, k) {
					delete(keys, old)
				}
			}
			keys[k] = KeySpec{Fixed: true, Values: append([]string(nil), vals...)}
		}
		u.Keys = keys
	}
	q, err := newQuery(ctx, []*Set{s}, u, l, actions, resources)
	if err != nil {
		return unknown(q, err)
	}
	region, in := q.region(actions, resources)
	if region.empty() {
		return q.finish(nil)
	}
	var reasons []Reason
	add := func(w box, st *stmt, ref StatementRef) bool {
		req, kvs := q.point(w, st)
		d := s.Decide(req)
		if d == evaluator.Allow || !in(req) {
			q.failErr = &InternalError{Msg: "witness for " + ref.String() + " not confirmed by Decide (" + d.String() + ")", Witness: req}
			return false
		}
		reasons = append(reasons, Reason{Statement: ref, Witness: req, Context: kvs, Left: d, Right: evaluator.ImplicitDeny, DeniedBy: StatementRef{Index: -1}})
		return true
	}
	if s != nil {
		for li := range s.layers {
			for i := range s.layers[li].stmts {
				st := &s.layers[li].stmts[i]
				if st.ref.Effect != policy.Deny {
					continue
				}
				q.current = st.ref
				c := region.and(q.box(st))
				if c.empty() {
					continue
				}
				if w, ok := q.escape(c, nil); ok && !add(w, st, st.ref) {
					return unknown(q, q.failErr)
				}
			}
		}
	}
	q.current = StatementRef{Index: -1}
	denies := q.boxesOf(s, -1, policy.Deny)
	if s == nil || len(s.layers) == 0 {
		if !add(region, nil, StatementRef{Index: -1}) {
			return unknown(q, q.failErr)
		}
	} else {
		for li := range s.layers {
			av := append(append([]box(nil), denies...), q.boxesOf(s, li, policy.Allow)...)
			if w, ok := q.escape(region, av); ok {
				if !add(w, nil, StatementRef{Index: -1}) {
					return unknown(q, q.failErr)
				}
				break
			}
		}
	}
	if q.failErr != nil && len(reasons) == 0 {
		return unknown(q, q.failErr)
	}
	return q.finish(reasons)
}
