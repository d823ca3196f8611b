package analysis

import (
	"github.com/ramauthz/ramauthz/policy"
)

// box returns the requests a statement applies to: for an Allow, those
// whose conditions are true; for a Deny, those whose conditions are true
// or unknown (spec §4.9).
func (q *query) box(st *stmt) box {
	if b, ok := q.boxes[st]; ok {
		return b
	}
	b := q.fullBox()
	av := q.vars[varAction]
	var idx []int
	for _, a := range st.actions {
		idx = append(idx, q.actIdx[a])
	}
	b[varAction] = av.select_(func(a *atom) bool { return anyBit(a.vec, idx) != st.notAction })
	if st.resKind != resNone {
		idx = idx[:0]
		for _, r := range st.resources {
			idx = append(idx, q.resIdx[r])
		}
		b[varResource] = q.vars[varResource].select_(func(a *atom) bool { return anyBit(a.vec, idx) == (st.resKind == resAllow) })
	}
	if st.principal != nil {
		pi := q.prinIdx[st]
		b[varPrincipal] = q.vars[varPrincipal].select_(func(a *atom) bool { return has(a.vec, pi) })
	}
	deny := st.ref.Effect == policy.Deny
	for ci := range st.conds {
		c := &st.conds[ci]
		vi, pos := q.keyOf[c], q.condPos[c]
		b[vi] = b[vi].and(q.vars[vi].select_(func(a *atom) bool {
			if deny {
				return a.tris[pos] != triFalse
			}
			return a.tris[pos] == triTrue
		}))
	}
	q.boxes[st] = b
	return b
}

func anyBit(vec []uint64, idx []int) bool {
	for _, i := range idx {
		if has(vec, i) {
			return true
		}
	}
	return false
}

func (v *variable) select_(f func(*atom) bool) bitset {
	b := newBitset(len(v.atoms))
	for i := range v.atoms {
		if f(&v.atoms[i]) {
			b.set(i)
		}
	}
	return b
}

func (q *query) fullBox() box {
	b := make(box, len(q.vars))
	for i, v := range q.vars {
		b[i] = v.full
	}
	return b
}

// boxes returns the boxes of a set's statements of one effect, in one
// layer (li ≥ 0) or in all layers (li < 0).
func (q *query) boxesOf(s *Set, li int, e policy.Effect) []box {
	if s == nil {
		return nil
	}
	var out []box
	for i := range s.layers {
		if li >= 0 && i != li {
			continue
		}
		for j := range s.layers[i].stmts {
			st := &s.layers[i].stmts[j]
			if st.ref.Effect == e {
				out = append(out, q.box(st))
			}
		}
	}
	return out
}

// decide counts one search decision against the budget.
func (q *query) decide() bool {
	if q.failErr != nil {
		return false
	}
	q.stats.Decisions++
	if q.stats.Decisions > q.lim.Decisions {
		q.failErr = &BudgetError{Budget: "decisions", Limit: q.lim.Decisions, Statement: q.current}
		return false
	}
	if q.stats.Decisions&255 == 0 && q.ctx.Err() != nil {
		q.failErr = q.ctx.Err()
		return false
	}
	return true
}

// escape looks for requests inside b and outside every box of avoid. It
// returns a sub-box of b none of whose points lies in any box of avoid,
// or false when there is none (or a budget ran out: q.failErr is set).
//
// The search is exact: a point lies outside a box exactly when, in at least
// one variable, it takes an atom outside that box's set. So for one box C
// that overlaps b, every solution takes, in some variable d where b is not
// inside C, an atom of b_d outside C_d; the search tries each such d.
func (q *query) escape(b box, avoid []box) (box, bool) {
	if !q.decide() || b.empty() {
		return nil, false
	}
	var rel []box
	for _, c := range avoid {
		if b.intersects(c) {
			rel = append(rel, c)
		}
	}
	if len(rel) == 0 {
		return b, true
	}
	best, bestDims := -1, []int(nil)
	for ci, c := range rel {
		var dims []int
		// Cheap variables first: condition keys, the principal, then
		// resource and action.
		for d := len(b) - 1; d >= 0; d-- {
			if !b[d].subsetOf(c[d]) {
				dims = append(dims, d)
			}
		}
		if len(dims) == 0 {
			return nil, false // b lies inside c
		}
		if best < 0 || len(dims) < len(bestDims) {
			best, bestDims = ci, dims
		}
	}
	c := rel[best]
	rest := make([]box, 0, len(rel)-1)
	rest = append(rest, rel[:best]...)
	rest = append(rest, rel[best+1:]...)
	for _, d := range bestDims {
		nb := make(box, len(b))
		copy(nb, b)
		nb[d] = b[d].andNot(c[d])
		if w, ok := q.escape(nb, rest); ok {
			return w, true
		}
		if q.failErr != nil {
			return nil, false
		}
	}
	return nil, false
}

// primaryLayer is the layer whose Allow statements reasons name: the first
// identity layer, else the first layer.
func primaryLayer(s *Set) int {
	for i, l := range s.layers {
		if l.kind == LayerIdentity {
			return i
		}
	}
	return 0
}

// allowedIn calls f with every box of requests one Allow statement per
// layer of s (other than skip) allows, intersected with b, until f
// reports true.
func (q *query) allowedIn(s *Set, skip, li int, b box, f func(box) bool) bool {
	if li == len(s.layers) {
		return f(b)
	}
	if li == skip {
		return q.allowedIn(s, skip, li+1, b, f)
	}
	for _, a := range q.boxesOf(s, li, policy.Allow) {
		if c := b.and(a); !c.empty() {
			if q.allowedIn(s, skip, li+1, c, f) || q.failErr != nil {
				return true
			}
		}
	}
	return false
}

// notAllowed looks for a request inside b, outside every box of avoid, that
// o does not allow: outside every Allow of some layer, or inside a Deny. A
// nil o allows nothing.
func (q *query) notAllowed(o *Set, b box, avoid []box) (box, bool) {
	if o == nil || len(o.layers) == 0 {
		return q.escape(b, avoid)
	}
	for li := range o.layers {
		av := append(append([]box(nil), avoid...), q.boxesOf(o, li, policy.Allow)...)
		if w, ok := q.escape(b, av); ok || q.failErr != nil {
			return w, ok
		}
	}
	for _, d := range q.boxesOf(o, -1, policy.Deny) {
		if c := b.and(d); !c.empty() {
			if w, ok := q.escape(c, avoid); ok || q.failErr != nil {
				return w, ok
			}
		}
	}
	return nil, false
}
