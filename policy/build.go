package policy

// build.go turns what the single-pass reader (fast.go) recorded into a
// Document: one allocation per kind of list, each of exactly the size the
// document needs, every string a slice of the reader's copy of the input.
// Each list is capped at its length, so appending to one never writes into
// another.

import "slices"

// build returns the document of kind the single-pass reader recorded in
// sc, reading its strings from s, the reader's copy of the input, or nil
// when a condition value does not parse for its operator (the one check
// made here rather than while reading: the value is parsed once, into the
// document). (It
// takes the reader's parts, not the reader: the document keeps s, and the
// reader's configuration must not escape with it.)
func build(sc *scratch, s string, kind Kind) *Document {
	strs := make([]string, len(sc.strs))
	for i, sp := range sc.strs {
		strs[i] = s[sp.start:sp.end]
	}
	var vals []Value
	var conds []Condition
	if len(sc.conds) > 0 {
		vals = make([]Value, len(sc.vals))
		conds = make([]Condition, len(sc.conds))
		for i := range sc.stmts {
			sortRawConditions(sc.conds[sc.stmts[i].conds.start:sc.stmts[i].conds.end], s)
		}
		for i, rc := range sc.conds {
			for k := rc.vals.start; k < rc.vals.end; k++ {
				var err error
				if vals[k], err = parseValue(rc.op, s[sc.vals[k].start:sc.vals[k].end]); err != nil {
					return nil
				}
			}
			conds[i] = Condition{
				Operator: rc.op,
				IfExists: rc.ifExists,
				Key:      s[rc.key.start:rc.key.end],
				Values:   vals[rc.vals.start:rc.vals.end:rc.vals.end],
			}
		}
	}
	var principals []Principal
	if kind == Trust {
		principals = make([]Principal, len(sc.stmts))
	}
	stmts := make([]Statement, len(sc.stmts))
	for i := range sc.stmts {
		raw, st := &sc.stmts[i], &stmts[i]
		if raw.sid.end > raw.sid.start {
			st.Sid = s[raw.sid.start:raw.sid.end]
		}
		st.Effect = raw.effect
		// Each list is set straight into its field: no table of field
		// pointers, no loop over lists a statement does not have.
		lset, ls := raw.lset, &raw.lists
		if lset&(1<<listAction) != 0 {
			st.Action = ls[listSlot(listAction)].of(strs)
		}
		if lset&(1<<listNotAction) != 0 {
			st.NotAction = ls[listSlot(listNotAction)].of(strs)
		}
		if lset&(1<<listResource) != 0 {
			st.Resource = ls[listSlot(listResource)].of(strs)
		}
		if lset&(1<<listNotResource) != 0 {
			st.NotResource = ls[listSlot(listNotResource)].of(strs)
		}
		if raw.seen&elemPrincipal != 0 {
			pr := &principals[i]
			st.Principal = pr
			if lset&(1<<listRAM) != 0 {
				pr.RAM = ls[listSlot(listRAM)].of(strs)
			}
			if lset&(1<<listService) != 0 {
				pr.Service = ls[listSlot(listService)].of(strs)
			}
			if lset&(1<<listFederated) != 0 {
				pr.Federated = ls[listSlot(listFederated)].of(strs)
			}
		}
		if raw.seen&elemCondition != 0 {
			if conds == nil {
				st.Condition = []Condition{}
			} else {
				st.Condition = conds[raw.conds.start:raw.conds.end:raw.conds.end]
			}
		}
	}
	return &Document{Kind: kind, Version: "1", Statements: stmts}
}

// sortRawConditions puts one statement's conditions in the order of
// compareConditions, in the scratch (small, pointer-free records), before
// build writes them out; their keys are ranges of s.
func sortRawConditions(conds []rawCondition, s string) {
	if len(conds) < 2 {
		return
	}
	slices.SortFunc(conds, func(a, b rawCondition) int {
		return compareConditions(a.op, a.ifExists, s[a.key.start:a.key.end], b.op, b.ifExists, s[b.key.start:b.key.end])
	})
}

// of returns the strings of list range sp, capped at its end so that an
// append to the list never writes into the next one.
func (sp span) of(strs []string) []string { return strs[sp.start:sp.end:sp.end] }
