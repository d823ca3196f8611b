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
// reader's configuration must not escape with it.) With t nil every block
// is allocated anew; with t the blocks are t's (transient.go).
func build(sc *scratch, s string, kind Kind, t *transient) *Document {
	var strs []string
	if t == nil {
		strs = stringBlock(len(sc.strs))
	} else {
		strs = t.strings(len(sc.strs))
	}
	spans := sc.strs[:len(strs)] // of one length: no bounds test in the loop
	for i := range strs {
		strs[i] = s[spans[i].start:spans[i].end]
	}
	var vals []Value
	var conds []Condition
	if len(sc.conds) > 0 {
		if t == nil {
			vals, conds = make([]Value, len(sc.vals)), make([]Condition, len(sc.conds))
		} else {
			vals, conds = t.conditions(len(sc.vals), len(sc.conds))
		}
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
	var d *Document
	var stmts []Statement
	if t == nil {
		if kind == Trust {
			principals = make([]Principal, len(sc.stmts))
		}
		d, stmts = newDocument(len(sc.stmts))
	} else {
		if kind == Trust {
			principals = t.principals(len(sc.stmts))
		}
		d, stmts = t.document(len(sc.stmts))
	}
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
	*d = Document{Kind: kind, Version: "1", Statements: stmts}
	return d
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

// stringBlock returns a new []string of length n, all "". Between 17 and
// 32 strings (272 to 512 bytes) it allocates an array of the size class
// the allocator would round the block up to anyway, as one value of an
// array type: the runtime then records which words of the block are
// pointers from the type's own mask in one step, where for a slice of n
// strings it repeats the mask of one string n times (objects of 512 bytes
// or less carry no header; their pointer bits are written at allocation).
// On the 31 strings of AliyunARMSReadOnlyAccess that is about 450 of
// 15,400 instructions per Parse. Below 17 strings the repetition is short;
// above 32 the block has a header and no bits are written. The memory
// used is the same: n strings take the same size class either way.
func stringBlock(n int) []string {
	switch {
	case n <= 16 || n > 32:
		return make([]string, n)
	case n <= 18:
		return new([18]string)[:n]
	case n <= 20:
		return new([20]string)[:n]
	case n <= 22:
		return new([22]string)[:n]
	case n <= 24:
		return new([24]string)[:n]
	case n <= 26:
		return new([26]string)[:n]
	case n <= 28:
		return new([28]string)[:n]
	case n <= 30:
		return new([30]string)[:n]
	default:
		return new([32]string)[:n]
	}
}

// docBlock is a Document and the array of its statements, allocated
// together by newDocument.
type docBlock[A any] struct {
	doc   Document
	stmts A
}

// newDocument returns a new Document and n zero statements for it (n at
// least 1). Up to eight statements, the two are one allocation: one call
// to the allocator instead of two, and no more memory (a Document takes 48
// bytes and a Statement 152; every n up to 8 but 4 and 5 takes as much or
// less in one size class as in two, and those two take 16 and 80 bytes
// more). Statements has capacity n either way, so an append to it moves
// the list out of the block. (A caller that keeps the statements keeps the
// 48 bytes of the Document with them.)
func newDocument(n int) (*Document, []Statement) {
	switch n {
	case 1:
		b := new(docBlock[[1]Statement])
		return &b.doc, b.stmts[:]
	case 2:
		b := new(docBlock[[2]Statement])
		return &b.doc, b.stmts[:]
	case 3:
		b := new(docBlock[[3]Statement])
		return &b.doc, b.stmts[:]
	case 4:
		b := new(docBlock[[4]Statement])
		return &b.doc, b.stmts[:]
	case 5:
		b := new(docBlock[[5]Statement])
		return &b.doc, b.stmts[:]
	case 6:
		b := new(docBlock[[6]Statement])
		return &b.doc, b.stmts[:]
	case 7:
		b := new(docBlock[[7]Statement])
		return &b.doc, b.stmts[:]
	case 8:
		b := new(docBlock[[8]Statement])
		return &b.doc, b.stmts[:]
	}
	return new(Document), make([]Statement, n)
}
