package policy

import "strings"

// fast.go is the single-pass reader: the path of every valid document
// written without backslash escapes. It reads the input once, front to
// back, checking each element as it comes with the diagnosing walk's own
// checks (check.go), and builds the Document directly: no syntax tree, no
// map, no reflection. The document's strings are slices of one copy of the
// input, and its lists are carved from a few shared chunks.
//
// It is an accept path only. At the first thing it does not accept it
// gives up and returns nil, without saying why; Parse then runs the
// diagnosing walk on the same input, which finds the problem (or accepts a
// document the reader does not take, such as one with escapes) and reports
// it with its path and position. Both readers must accept the same
// documents and build equal ones: FuzzFastAgrees checks that.

// fastReader holds the state of one fast parse.
type fastReader struct {
	cursor
	p    parser // the checks, the configuration and p.err
	lim  *Limits
	kind Kind

	strs   []string // scratch for a list being read
	vals   []Value  // scratch for the values of a condition key
	conds  []Condition
	chunks chunks
}

// chunks are the shared backing arrays the document's lists are carved
// from. Each carved slice has its capacity capped at its length, so that
// appending to one never writes into another.
type chunks struct {
	strs  []string
	vals  []Value
	conds []Condition
}

// carve returns a copy of src in a slice carved from *chunk, starting a
// new chunk (twice the size of the last one, up to maxChunk elements) when
// it is full.
func carve[T any](chunk *[]T, src []T) []T {
	n := len(src)
	if cap(*chunk)-len(*chunk) < n {
		size := min(max(2*cap(*chunk), 16), maxChunk)
		*chunk = make([]T, 0, max(n, size))
	}
	start := len(*chunk)
	*chunk = append(*chunk, src...)
	return (*chunk)[start:len(*chunk):len(*chunk)]
}

// maxChunk caps the elements of one chunk, so that a chunk's unused tail
// stays small beside the document.
const maxChunk = 4096

// parseFast returns the document data holds, or nil when the single-pass
// reader does not accept it (see above). c's limits must have their
// defaults filled in.
func parseFast(data []byte, c *config) *Document {
	lim := &c.limits
	if len(data) > lim.MaxInputBytes {
		return nil
	}
	r := fastReader{
		cursor: cursor{s: string(data), maxDepth: lim.MaxDepth},
		p:      parser{cfg: c, data: data, lone: -1},
		lim:    lim,
		kind:   c.kind,
		strs:   make([]string, 0, 32),
	}
	doc := r.document()
	if doc == nil || !r.atEnd() || r.size() > lim.MaxSize {
		return nil
	}
	return doc
}

// ok reports whether the checks run so far passed.
func (r *fastReader) ok() bool { return r.p.err == nil }

func (r *fastReader) document() *Document {
	if !r.open('{') {
		return nil
	}
	var stmts []Statement
	hasVersion, hasStatement := false, false
	for first := true; ; first = false {
		name, done, ok := r.key(first)
		if !ok {
			return nil
		}
		if done {
			break
		}
		switch name {
		case "Version":
			if v, ok := r.str(); hasVersion || !ok || v != "1" {
				return nil
			}
			hasVersion = true
		case "Statement":
			if hasStatement {
				return nil
			}
			hasStatement = true
			if stmts = r.statements(); stmts == nil {
				return nil
			}
		default:
			return nil
		}
	}
	if !hasVersion || !hasStatement {
		return nil
	}
	return &Document{Kind: r.kind, Version: "1", Statements: stmts}
}

// statements reads the Statement element: a list, or in lenient mode a
// single statement.
func (r *fastReader) statements() []Statement {
	if r.peek() == '{' {
		if !r.p.cfg.lenient {
			return nil
		}
		out := make([]Statement, 1)
		if !r.statement(&out[0]) {
			return nil
		}
		return out
	}
	if !r.open('[') {
		return nil
	}
	// Every statement has one "Effect" member: counting the word (a
	// vectorised search) sizes the list exactly for ordinary documents.
	// The list is cut to size at the end if the word also appears
	// elsewhere. A statement takes at least 30 bytes, which bounds the
	// guess for input that repeats the word on purpose.
	rest := r.s[r.i:]
	out := make([]Statement, 0, min(r.lim.MaxStatements, len(rest)/30+1, strings.Count(rest, "Effect")))
	for first := true; ; first = false {
		done, ok := r.elem(first)
		if !ok {
			return nil
		}
		if done {
			break
		}
		if len(out) == r.lim.MaxStatements {
			return nil
		}
		out = append(out, Statement{})
		if !r.statement(&out[len(out)-1]) {
			return nil
		}
	}
	if len(out) == 0 {
		return nil
	}
	if cap(out)-len(out) > len(out)/8 {
		out = append(make([]Statement, 0, len(out)), out...)
	}
	return out
}

// The elements of a statement, as bits of a set.
const (
	elemSid = 1 << iota
	elemEffect
	elemAction
	elemNotAction
	elemResource
	elemNotResource
	elemPrincipal
	elemCondition
)

func (r *fastReader) statement(st *Statement) bool {
	if !r.open('{') {
		return false
	}
	seen := 0
	for first := true; ; first = false {
		name, done, ok := r.key(first)
		if !ok {
			return false
		}
		if done {
			break
		}
		var bit int
		switch name {
		case "Sid":
			bit = elemSid
			st.Sid, ok = r.str()
			ok = ok && !hasControl(st.Sid)
		case "Effect":
			bit = elemEffect
			var e string
			e, ok = r.str()
			switch {
			case e == "Allow":
				st.Effect = Allow
			case e == "Deny":
				st.Effect = Deny
			default:
				ok = false
			}
		case "Action":
			bit = elemAction
			st.Action, ok = r.stringList(r.p.checkAction)
		case "NotAction":
			bit = elemNotAction
			st.NotAction, ok = r.stringList(r.p.checkAction)
		case "Resource":
			bit = elemResource
			st.Resource, ok = r.stringList(r.p.checkResource)
		case "NotResource":
			bit = elemNotResource
			st.NotResource, ok = r.stringList(r.p.checkResource)
		case "Principal":
			bit = elemPrincipal
			ok = r.kind == Trust
			if ok {
				st.Principal, ok = r.principal()
			}
		case "Condition":
			bit = elemCondition
			st.Condition, ok = r.conditions()
		}
		if bit == 0 || seen&bit != 0 || !ok {
			return false
		}
		seen |= bit
	}
	action := seen & (elemAction | elemNotAction)
	resource := seen & (elemResource | elemNotResource)
	switch {
	case seen&elemEffect == 0,
		action == 0 || action == elemAction|elemNotAction,
		resource == elemResource|elemNotResource,
		resource == 0 && r.kind != Trust,
		seen&elemPrincipal == 0 && r.kind == Trust:
		return false
	}
	return true
}

// readStrings reads a string or a non-empty list of at most MaxValues strings
// into r.strs, calling check on each.
func (r *fastReader) readStrings(check func(s string, off int)) bool {
	r.strs = r.strs[:0]
	if r.peek() == '"' {
		s, ok := r.str()
		if !ok {
			return false
		}
		check(s, -1)
		r.strs = append(r.strs, s)
		return r.ok()
	}
	if !r.open('[') {
		return false
	}
	for first := true; ; first = false {
		done, ok := r.elem(first)
		if !ok {
			return false
		}
		if done {
			break
		}
		s, ok := r.str()
		if !ok || len(r.strs) == r.lim.MaxValues {
			return false
		}
		check(s, -1)
		if !r.ok() {
			return false
		}
		r.strs = append(r.strs, s)
	}
	return len(r.strs) > 0
}

// stringList reads a string-or-list element with its checks.
func (r *fastReader) stringList(check func(s string, off int)) ([]string, bool) {
	if !r.readStrings(check) {
		return nil, false
	}
	return carve(&r.chunks.strs, r.strs), true
}

func (r *fastReader) principal() (*Principal, bool) {
	if !r.open('{') {
		return nil, false
	}
	pr := &Principal{}
	for first := true; ; first = false {
		name, done, ok := r.key(first)
		if !ok {
			return nil, false
		}
		if done {
			if first {
				return nil, false // names no principal
			}
			return pr, true
		}
		var list *[]string
		var check func(string, int)
		switch name {
		case "RAM":
			list, check = &pr.RAM, r.p.checkRAMPrincipal
		case "Service":
			list, check = &pr.Service, r.p.checkServicePrincipal
		case "Federated":
			list, check = &pr.Federated, r.p.checkFederatedPrincipal
		default:
			return nil, false
		}
		if *list != nil {
			return nil, false
		}
		if *list, ok = r.stringList(check); !ok {
			return nil, false
		}
	}
}

// conditions reads a Condition block. Operators are unique by name, which
// is unique by (operator, IfExists); keys are unique within an operator
// under CanonicalKey.
func (r *fastReader) conditions() ([]Condition, bool) {
	if !r.open('{') {
		return nil, false
	}
	r.conds = r.conds[:0]
	var ops uint64 // bit 2*op+ifExists for each operator read
	for first := true; ; first = false {
		name, done, ok := r.key(first)
		if !ok {
			return nil, false
		}
		if done {
			break
		}
		op, ifExists, ok := ParseOperatorName(name)
		bit := uint64(1) << (2 * uint(op))
		if ifExists {
			bit <<= 1
		}
		if !ok || ops&bit != 0 || !r.open('{') {
			return nil, false
		}
		ops |= bit
		block := len(r.conds)
		for firstKey := true; ; firstKey = false {
			key, done, ok := r.key(firstKey)
			if !ok {
				return nil, false
			}
			if done {
				if firstKey {
					return nil, false // names no condition key
				}
				break
			}
			if key == "" || sameKey(r.conds[block:], key) != "" {
				return nil, false
			}
			c := Condition{Operator: op, IfExists: ifExists, Key: key}
			if !r.values(op) {
				return nil, false
			}
			c.Values = carve(&r.chunks.vals, r.vals)
			r.conds = append(r.conds, c)
		}
	}
	if len(r.conds) == 0 {
		return []Condition{}, true
	}
	conds := carve(&r.chunks.conds, r.conds)
	sortConditions(conds)
	return conds, true
}

// values reads the values of one condition key into r.vals, parsed for
// op's family.
func (r *fastReader) values(op Operator) bool {
	r.vals = r.vals[:0]
	bad := false
	ok := r.readStrings(func(raw string, _ int) {
		v, err := parseValue(op, raw)
		switch {
		case err != nil:
			bad = true
		case op.Family() == FamilyString && hasControl(raw):
			bad = true
		case op == StringLike || op == StringNotLike:
			bad = !r.p.checkWildcards(raw, -1)
		}
		r.vals = append(r.vals, v)
	})
	return ok && !bad
}
