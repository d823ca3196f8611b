package analysis

import (
	"strings"

	"github.com/ramauthz/ramauthz/internal/match"

	"github.com/ramauthz/ramauthz/evaluator"
)

// point turns a box found by the search into a request: one atom per
// variable, chosen to be readable. For the action and the resource it
// first tries the patterns of hint (the statement responsible) with their
// wildcards filled in, keeping an instance that falls in the box.
func (q *query) point(b box, hint *stmt) (evaluator.Request, []KeyValues) {
	var r evaluator.Request
	r.Action = q.pickString(q.vars[varAction], b[varAction], hint, true)
	r.Resource = q.pickString(q.vars[varResource], b[varResource], hint, false)
	r.Principal = q.vars[varPrincipal].atoms[b[varPrincipal].first()].principal
	var kvs []KeyValues
	ctx := &evaluator.Context{}
	for _, v := range q.vars[varKey:] {
		a := &v.atoms[b[v.indexOf()].first()]
		if a.vals == nil {
			continue
		}
		ctx.Set(v.name, a.vals...)
		kvs = append(kvs, KeyValues{Key: v.name, Values: append([]string(nil), a.vals...)})
	}
	r.Context = ctx
	return r, kvs
}

func (v *variable) indexOf() int { return v.pos }

func (q *query) pickString(v *variable, set bitset, hint *stmt, action bool) string {
	var pats []string
	if hint != nil {
		if action && !hint.notAction {
			pats = hint.rawActs
		}
		if !action && hint.resKind == resAllow {
			pats = hint.resources
		}
	}
	// Then the question's own patterns.
	if action {
		pats = append(pats[:len(pats):len(pats)], q.hintActs...)
	} else {
		pats = append(pats[:len(pats):len(pats)], q.hintRes...)
	}
	if action && len(q.u.Actions) > 0 {
		return v.atoms[set.first()].value // catalogue names are readable
	}
	try := func(p string) (string, bool) {
		for _, fill := range []string{"z", "x", "q", ""} {
			s := instantiate(p, fill)
			if i, ok := v.index[vecKey(v.vector(s))]; ok && set.has(i) {
				return s, true
			}
		}
		return "", false
	}
	for _, p := range pats {
		if s, ok := try(p); ok {
			return s
		}
	}
	// Then any pattern of the sets that could have produced the atom's
	// word (its literal prefix starts the word).
	word := v.atoms[set.first()].value
	all := q.rawRes
	if action {
		all = q.rawActs
		word = match.LowerASCII(word)
	}
	for _, p := range all {
		lit := p
		if j := strings.IndexAny(p, "*?"); j >= 0 {
			lit = p[:j]
		}
		if action {
			lit = match.LowerASCII(lit)
		}
		if !strings.HasPrefix(word, lit) {
			continue
		}
		if s, ok := try(p); ok {
			return s
		}
	}
	return v.atoms[set.first()].value
}

// instantiate fills a pattern's wildcards: each '*' and '?' becomes fill
// ('?' becomes "z" when fill is empty).
func instantiate(p, fill string) string {
	q := fill
	if q == "" {
		q = "z"
	}
	return strings.NewReplacer("*", fill, "?", q).Replace(p)
}
