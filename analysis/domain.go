package analysis

import (
	"context"
	"slices"
	"strings"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/internal/match"
)

// tri is a three-valued truth value, as the evaluator uses (spec §4.9).
type tri uint8

const (
	triFalse tri = iota
	triTrue
	triUnknown
)

func (t tri) not() tri {
	switch t {
	case triTrue:
		return triFalse
	case triFalse:
		return triTrue
	}
	return triUnknown
}

func (t tri) or(u tri) tri {
	switch {
	case t == triTrue || u == triTrue:
		return triTrue
	case t == triUnknown || u == triUnknown:
		return triUnknown
	}
	return triFalse
}

type varKind uint8

const (
	varAction varKind = iota
	varResource
	varPrincipal
	varKey
)

// variable is one request variable with its atoms.
type variable struct {
	name  string
	kind  varKind
	pos   int // index in query.vars
	atoms []atom
	full  bitset
	// action, resource: the distinct patterns, in vector order; index maps
	// a membership vector to its atom.
	pats  []string
	mpats []match.Pattern
	index map[string]int
	// principal: the Principal probes, in vector order.
	probes []*evaluator.Evaluator
	// key: the conditions on the key, in vector order.
	conds []*cond
}

type atom struct {
	value     string              // action or resource
	vals      []string            // key: the values; nil when absent
	principal evaluator.Principal // principal
	vec       []uint64            // action, resource, principal: membership
	tris      []tri               // key: each condition's truth value
}

// query holds everything one question needs: the sets, the variables and
// their atoms, the budgets and the statistics.
type query struct {
	ctx     context.Context
	lim     Limits
	u       Universe
	stats   Stats
	vars    []*variable
	keyOf   map[*cond]int // condition → variable index
	condPos map[*cond]int // condition → position in its variable's conds
	boxes   map[*stmt]box
	// patIdx maps an action or resource pattern to its vector position.
	actIdx, resIdx map[string]int
	prinIdx        map[*stmt]int
	// the question's own patterns, for readable witnesses
	hintActs, hintRes []string
	// every action and resource pattern of the sets, as written
	rawActs, rawRes []string
	// the statement whose box is being searched, for budget errors
	current StatementRef
	failErr error
}

func (q *query) spendState(v string, blame func() StatementRef) bool {
	q.stats.States++
	if q.stats.States > q.lim.States {
		if q.failErr == nil {
			be := &BudgetError{Budget: "states", Limit: q.lim.States, Variable: v}
			if blame != nil {
				be.Statement = blame()
			} else {
				be.Statement = q.current
			}
			q.failErr = be
		}
		return false
	}
	if q.stats.States&1023 == 0 && q.ctx.Err() != nil {
		if q.failErr == nil {
			q.failErr = q.ctx.Err()
		}
		return false
	}
	return true
}

// sameKey reports whether two condition key names name one key, asking the
// evaluator's Context itself, so that the analysis groups keys exactly as
// Decide looks them up (spec §4.7, §13 D23).
func sameKey(a, b string) bool {
	var c evaluator.Context
	c.Set(a, "x")
	_, ok := c.Get(b)
	return ok
}

func vecKey(v []uint64) string {
	var b strings.Builder
	for _, w := range v {
		for k := 0; k < 8; k++ {
			b.WriteByte(byte(w >> (8 * k)))
		}
	}
	return b.String()
}

// newQuery builds the variables for sets plus the extra action and
// resource patterns of the question.
func newQuery(ctx context.Context, sets []*Set, u Universe, l Limits, extraActions, extraResources []string) (*query, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	q := &query{ctx: ctx, lim: l.withDefaults(), u: u, keyOf: map[*cond]int{}, condPos: map[*cond]int{}, boxes: map[*stmt]box{}, prinIdx: map[*stmt]int{}}
	var all []*stmt
	for i, s := range sets {
		if s == nil || slices.Contains(sets[:i], s) {
			continue
		}
		for li := range s.layers {
			for si := range s.layers[li].stmts {
				all = append(all, &s.layers[li].stmts[si])
			}
		}
	}
	// Actions.
	var acts []string
	q.actIdx = map[string]int{}
	addAct := func(p string) {
		if _, ok := q.actIdx[p]; !ok {
			q.actIdx[p] = len(acts)
			acts = append(acts, p)
		}
	}
	for _, st := range all {
		for _, a := range st.actions {
			addAct(a)
		}
		q.rawActs = append(q.rawActs, st.rawActs...)
		q.rawRes = append(q.rawRes, st.resources...)
	}
	for _, a := range extraActions {
		addAct(match.LowerASCII(a))
	}
	av, err := q.stringVar("action", varAction, acts, true, all)
	if err != nil {
		return nil, err
	}
	// Resources.
	var ress []string
	q.resIdx = map[string]int{}
	addRes := func(p string) {
		if _, ok := q.resIdx[p]; !ok {
			q.resIdx[p] = len(ress)
			ress = append(ress, p)
		}
	}
	for _, st := range all {
		for _, r := range st.resources {
			addRes(r)
		}
	}
	for _, r := range extraResources {
		addRes(r)
	}
	if u.ARNShape {
		addRes(arnShape)
	}
	rv, err := q.stringVar("resource", varResource, ress, false, all)
	if err != nil {
		return nil, err
	}
	pv, err := q.principalVar(all)
	if err != nil {
		return nil, err
	}
	q.vars = []*variable{av, rv, pv}
	// Condition keys, grouped as the evaluator's Context groups key names.
	type group struct {
		name  string
		conds []*cond
	}
	var groups []*group
	for _, st := range all {
		for ci := range st.conds {
			c := &st.conds[ci]
			var g *group
			for _, h := range groups {
				if sameKey(h.name, c.key) {
					g = h
					break
				}
			}
			if g == nil {
				g = &group{name: c.key}
				groups = append(groups, g)
			}
			g.conds = append(g.conds, c)
		}
	}
	for _, g := range groups {
		if len(pv.atoms) > 1 && sameKey(g.name, "acs:PrincipalARN") {
			return nil, &UnsupportedError{Msg: "conditions on acs:PrincipalARN in a set with Principal elements (the key defaults to the principal's ARN)"}
		}
		kv, err := q.keyVar(g.name, g.conds)
		if err != nil {
			return nil, err
		}
		for i, c := range g.conds {
			q.keyOf[c] = len(q.vars)
			q.condPos[c] = i
		}
		q.vars = append(q.vars, kv)
	}
	for i, v := range q.vars {
		v.pos = i
		v.full = fullBitset(len(v.atoms))
		q.stats.Variables = append(q.stats.Variables, VariableStats{Variable: v.name, Atoms: len(v.atoms)})
	}
	return q, nil
}

// arnShape is the resource pattern Universe.ARNShape requires.
const arnShape = "acs:?*:*:*:*"

// stringVar builds the atoms of the action or resource variable.
func (q *query) stringVar(name string, kind varKind, pats []string, fold bool, all []*stmt) (*variable, error) {
	v := &variable{name: name, kind: kind, pats: pats, index: map[string]int{}}
	for _, p := range pats {
		v.mpats = append(v.mpats, match.MustCompile(p, fold))
	}
	var cands []string
	if kind == varAction && len(q.u.Actions) > 0 {
		cands = append(cands, q.u.Actions...) // as written: Decide folds them
	} else {
		as := make([]*nfa, len(pats))
		for i, p := range pats {
			as[i] = globNFA(p)
		}
		blame := func() StatementRef { return blameStmt(all, kind, as, pats) }
		colons := 1
		if kind == varResource {
			colons = 2
		}
		words, vecs, ok := exploreGrouped(pats, as, colons, func() bool { return q.spendState(name, blame) })
		if !ok {
			return nil, q.failErr
		}
		cands = words
		// Cross-check the automata against the matcher.
		for i, w := range words {
			if got := v.vector(w); !slices.Equal(got, vecs[i]) {
				return nil, &InternalError{Msg: "automata and matcher disagree on " + name + " " + w}
			}
		}
	}
	shape := match.MustCompile(arnShape, false)
	for _, c := range cands {
		vec := v.vector(c)
		k := vecKey(vec)
		if _, ok := v.index[k]; ok {
			continue
		}
		if kind == varResource && q.u.ARNShape && !shape.Match(c) {
			continue
		}
		v.index[k] = len(v.atoms)
		v.atoms = append(v.atoms, atom{value: c, vec: vec})
	}
	return v, nil
}

func (v *variable) vector(s string) []uint64 {
	vec := make([]uint64, (len(v.mpats)+63)/64)
	for i := range v.mpats {
		if v.mpats[i].Match(s) {
			put(vec, i)
		}
	}
	return vec
}

// blameStmt names the statement with the costliest pattern of a variable.
func blameStmt(all []*stmt, kind varKind, as []*nfa, pats []string) StatementRef {
	worst, cost := "", -1
	for i, a := range as {
		if c := a.cost(); c > cost {
			worst, cost = pats[i], c
		}
	}
	for _, st := range all {
		list := st.actions
		if kind == varResource {
			list = st.resources
		}
		if slices.Contains(list, worst) {
			return st.ref
		}
	}
	return StatementRef{Index: -1}
}

// principalVar builds the principal variable: the principals named by
// Principal elements, each also in a fresh account, and fresh principals
// of every type.
func (q *query) principalVar(all []*stmt) (*variable, error) {
	v := &variable{name: "principal", kind: varPrincipal}
	var roots, arns, services, feds []string
	for _, st := range all {
		if st.prin == nil {
			continue
		}
		q.prinIdx[st] = len(v.probes)
		v.probes = append(v.probes, st.principal)
		for _, r := range st.prin.RAM {
			if uid, ok := strings.CutPrefix(r, "acs:ram::"); ok {
				if uid, ok = strings.CutSuffix(uid, ":root"); ok {
					roots = append(roots, uid)
					continue
				}
			}
			arns = append(arns, r)
		}
		services = append(services, st.prin.Service...)
		feds = append(feds, st.prin.Federated...)
	}
	cands := []evaluator.Principal{{}}
	if len(v.probes) > 0 {
		accounts := append(slices.Clone(roots), "1000000000000000")
		for _, acct := range accounts {
			users := append(slices.Clone(arns), "acs:ram::"+acct+":user/z")
			roles := append(slices.Clone(arns), "acs:ram::"+acct+":role/z")
			for _, a := range users {
				cands = append(cands, evaluator.Principal{Type: evaluator.PrincipalUser, AccountID: acct, ARN: a})
			}
			for _, a := range roles {
				cands = append(cands, evaluator.Principal{Type: evaluator.PrincipalRole, AccountID: acct, ARN: a})
			}
			cands = append(cands, evaluator.Principal{Type: evaluator.PrincipalAccount, AccountID: acct, ARN: "acs:ram::" + acct + ":root"})
		}
		for _, s := range append(slices.Clone(services), "z.aliyuncs.com") {
			cands = append(cands, evaluator.Principal{Type: evaluator.PrincipalService, ARN: s})
		}
		for _, f := range append(slices.Clone(feds), "acs:ram::1000000000000000:saml-provider/z") {
			cands = append(cands, evaluator.Principal{Type: evaluator.PrincipalFederated, ARN: f})
		}
	}
	// Principals whose ARN names their own account come first, so that
	// witnesses are consistent principals whenever one will do; the others
	// remain, since Decide accepts them.
	slices.SortStableFunc(cands, func(a, b evaluator.Principal) int {
		return consistencyRank(a) - consistencyRank(b)
	})
	v.index = map[string]int{}
	for _, p := range cands {
		if !q.spendState("principal", nil) {
			return nil, q.failErr
		}
		vec := make([]uint64, (len(v.probes)+63)/64)
		for i, pr := range v.probes {
			if pr.Decide(evaluator.Request{Action: "z", Principal: p}) == evaluator.Allow {
				put(vec, i)
			}
		}
		k := vecKey(vec)
		if _, ok := v.index[k]; ok {
			continue
		}
		v.index[k] = len(v.atoms)
		v.atoms = append(v.atoms, atom{principal: p, vec: vec})
	}
	return v, nil
}

func consistencyRank(p evaluator.Principal) int {
	switch p.Type {
	case evaluator.PrincipalUser, evaluator.PrincipalRole, evaluator.PrincipalAccount:
		if !strings.HasPrefix(p.ARN, "acs:ram::"+p.AccountID+":") {
			return 1
		}
	}
	return 0
}
