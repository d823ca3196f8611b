package policy

// walk.go is the diagnosing walk over a document gjson has validated:
// element by element, in document order, with the path of each pushed, so
// that the first problem is reported where it is.

import (
	"slices"

	"github.com/tidwall/gjson"
)

func (p *parser) document(root gjson.Result) *Document {
	if !root.IsObject() {
		p.fail(root.Index, ErrInvalid, "a policy document must be a JSON object")
		return nil
	}
	ms := p.members(root)
	defer p.release(ms)
	if p.failed() {
		return nil
	}
	var version, stmts *member
	for i := range ms {
		m := &ms[i]
		switch m.name {
		case "Version":
			version = m
		case "Statement":
			stmts = m
		default:
			p.push(m.name)
			p.fail(m.keyOff, ErrUnknownElement, unknownMsg(m.name, "a policy document", "Version", "Statement"))
			p.pop()
			return nil
		}
	}
	doc := &Document{Kind: p.cfg.kind, Version: "1"}
	if version == nil {
		p.push("Version")
		p.fail(root.Index, ErrMissing, `the document needs "Version": "1"`)
		p.pop()
		return nil
	}
	p.push("Version")
	if version.value.Type != gjson.String || version.value.Str != "1" {
		p.fail(version.value.Index, ErrInvalid, `Version must be the string "1"; got `+version.value.Raw)
	}
	p.pop()
	if stmts == nil {
		p.push("Statement")
		p.fail(root.Index, ErrMissing, "the document needs a Statement list")
		p.pop()
		return nil
	}
	if p.failed() {
		return nil
	}
	p.push("Statement")
	defer p.pop()
	sv := stmts.value
	switch {
	case sv.IsArray():
		n := countElements(sv)
		if n == 0 {
			p.fail(sv.Index, ErrMissing, "Statement must list at least one statement")
			return nil
		}
		if n > p.cfg.limits.MaxStatements {
			p.fail(sv.Index, ErrLimit, itoa(n)+" statements; the limit is "+itoa(p.cfg.limits.MaxStatements))
			return nil
		}
		doc.Statements = make([]Statement, n)
		i := 0
		sv.ForEach(func(_, s gjson.Result) bool {
			p.pushIndex(i)
			p.statement(s, &doc.Statements[i])
			p.pop()
			i++
			return !p.failed()
		})
	case sv.IsObject() && p.cfg.lenient:
		doc.Statements = make([]Statement, 1)
		p.statement(sv, &doc.Statements[0])
	case sv.IsObject():
		p.fail(sv.Index, ErrInvalid, "Statement must be a list of statements (a single object is accepted only in lenient mode)")
	default:
		p.fail(sv.Index, ErrInvalid, "Statement must be a list of statements")
	}
	if p.failed() {
		return nil
	}
	return doc
}

var statementElements = []string{"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "Condition"}

func (p *parser) statement(v gjson.Result, st *Statement) {
	if !v.IsObject() {
		p.fail(v.Index, ErrInvalid, "a statement must be a JSON object")
		return
	}
	ms := p.members(v)
	defer p.release(ms)
	if p.failed() {
		return
	}
	var found [8]*member
	for i := range ms {
		m := &ms[i]
		idx := slices.Index(statementElements, m.name)
		if idx < 0 {
			p.push(m.name)
			p.fail(m.keyOff, ErrUnknownElement, unknownMsg(m.name, "a statement", statementElements...))
			p.pop()
			return
		}
		found[idx] = m
	}
	sid, effect, action, notAction, resource, notResource, principal, condition :=
		found[0], found[1], found[2], found[3], found[4], found[5], found[6], found[7]

	if sid != nil {
		p.push("Sid")
		if sid.value.Type != gjson.String {
			p.fail(sid.value.Index, ErrInvalid, "Sid must be a string")
		} else if hasControl(sid.value.Str) {
			p.fail(sid.value.Index, ErrInvalid, "Sid contains a control character")
		}
		st.Sid = sid.value.Str
		p.pop()
		if p.failed() {
			return
		}
	}

	p.push("Effect")
	switch {
	case effect == nil:
		p.fail(v.Index, ErrMissing, `a statement needs "Effect": "Allow" or "Deny"`)
	case effect.value.Type == gjson.String && effect.value.Str == "Allow":
		st.Effect = Allow
	case effect.value.Type == gjson.String && effect.value.Str == "Deny":
		st.Effect = Deny
	default:
		p.fail(effect.value.Index, ErrInvalid, `Effect must be exactly "Allow" or "Deny"; got `+effect.value.Raw)
	}
	p.pop()
	if p.failed() {
		return
	}

	switch {
	case action != nil && notAction != nil:
		p.push("NotAction")
		p.fail(notAction.keyOff, ErrConflict, "a statement has either Action or NotAction, not both")
		p.pop()
		return
	case action != nil:
		st.Action = p.stringList(action, p.checkAction)
	case notAction != nil:
		st.NotAction = p.stringList(notAction, p.checkAction)
	default:
		p.push("Action")
		p.fail(v.Index, ErrMissing, "a statement needs Action or NotAction")
		p.pop()
	}
	if p.failed() {
		return
	}

	switch {
	case resource != nil && notResource != nil:
		p.push("NotResource")
		p.fail(notResource.keyOff, ErrConflict, "a statement has either Resource or NotResource, not both")
		p.pop()
		return
	case resource != nil:
		st.Resource = p.stringList(resource, p.checkResource)
	case notResource != nil:
		st.NotResource = p.stringList(notResource, p.checkResource)
	case p.cfg.kind != Trust:
		p.push("Resource")
		p.fail(v.Index, ErrMissing, "a statement of "+withArticle(p.cfg.kind.String())+" policy needs Resource or NotResource")
		p.pop()
	}
	if p.failed() {
		return
	}

	switch {
	case principal != nil && p.cfg.kind != Trust:
		p.push("Principal")
		p.fail(principal.keyOff, ErrInvalid, "Principal is allowed only in trust (resource-based) policies, not in "+p.cfg.kind.String()+" policies")
		p.pop()
		return
	case principal != nil:
		st.Principal = p.principal(principal)
	case p.cfg.kind == Trust:
		p.push("Principal")
		p.fail(v.Index, ErrMissing, "a statement of a trust policy needs a Principal")
		p.pop()
	}
	if p.failed() {
		return
	}

	if condition != nil {
		st.Condition = p.conditions(condition)
	}
}

// stringList reads a string or a list of strings, pushing paths as it goes,
// and calls check on each string with its offset. It returns nil after a
// failure. The lists of one parse are carved from shared chunks (p.strs),
// each with its capacity capped at its length, so that appending to one
// never writes into another.
func (p *parser) stringList(m *member, check func(s string, off int)) []string {
	start := -1
	p.eachString(m, func(i int, s string, off int) {
		check(s, off)
		if i == 0 {
			if cap(p.strs)-len(p.strs) < p.listLen {
				p.strs = make([]string, 0, max(p.listLen, 64))
			}
			start = len(p.strs)
		}
		p.strs = append(p.strs, s)
	})
	if p.failed() || start < 0 {
		return nil
	}
	return p.strs[start:len(p.strs):len(p.strs)]
}

// countElements counts the elements of a JSON array without building them:
// it counts the commas at the array's own level in its raw text (the input
// is known to be valid JSON), skipping strings in a tight loop. Walking the
// array with gjson to count it parsed every element once more.
func countElements(v gjson.Result) int {
	raw := v.Raw
	depth, commas, empty := 0, 0, true
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '"':
			empty = empty && depth != 1
			for i++; i < len(raw) && raw[i] != '"'; i++ {
				if raw[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			if depth == 1 {
				empty = false
			}
			depth++
		case ']', '}':
			depth--
		case ',':
			if depth == 1 {
				commas++
			}
		case ' ', '\t', '\n', '\r':
		default:
			if depth == 1 {
				empty = false
			}
		}
	}
	if empty {
		return 0
	}
	return commas + 1
}

// eachString walks a string-or-list element. It fails on an empty list, on
// more entries than MaxValues, and on entries that are not strings; for each
// string it calls fn with the entry's index, value and byte offset, with the
// entry's path pushed. fn may fail; the walk stops at the first failure.
// p.listLen holds the number of entries while fn runs.
func (p *parser) eachString(m *member, fn func(i int, s string, off int)) {
	p.push(m.name)
	defer p.pop()
	v := m.value
	switch {
	case v.Type == gjson.String:
		p.listLen = 1
		fn(0, v.Str, v.Index)
	case v.IsArray():
		n := countElements(v)
		if n == 0 {
			p.fail(v.Index, ErrMissing, quote(m.name)+" must not be an empty list")
			return
		}
		if n > p.cfg.limits.MaxValues {
			p.fail(v.Index, ErrLimit, itoa(n)+" values; the limit is "+itoa(p.cfg.limits.MaxValues))
			return
		}
		p.listLen = n
		i := 0
		v.ForEach(func(_, e gjson.Result) bool {
			p.pushIndex(i)
			if e.Type != gjson.String {
				p.fail(e.Index, ErrInvalid, "expected a string; got "+jsonKind(e))
			} else if p.lone >= 0 && p.holdsLone(e.Index, e.Raw) {
				p.fail(p.lone, ErrInvalid, loneMsg)
			} else {
				fn(i, e.Str, e.Index)
			}
			p.pop()
			i++
			return !p.failed()
		})
	default:
		p.fail(v.Index, ErrInvalid, "expected a string or a list of strings; got "+jsonKind(v))
	}
}

func jsonKind(v gjson.Result) string {
	switch v.Type {
	case gjson.Null:
		return "null"
	case gjson.False, gjson.True:
		return "a boolean"
	case gjson.Number:
		return "a number"
	case gjson.String:
		return "a string"
	}
	if v.IsArray() {
		return "a list"
	}
	return "an object"
}

func (p *parser) principal(m *member) *Principal {
	p.push("Principal")
	defer p.pop()
	v := m.value
	if !v.IsObject() {
		p.fail(v.Index, ErrInvalid, "Principal must be an object with RAM, Service or Federated lists")
		return nil
	}
	ms := p.members(v)
	defer p.release(ms)
	if p.failed() {
		return nil
	}
	if len(ms) == 0 {
		p.fail(v.Index, ErrMissing, "Principal must name at least one principal")
		return nil
	}
	pr := &Principal{}
	for i := range ms {
		e := &ms[i]
		switch e.name {
		case "RAM":
			pr.RAM = p.stringList(e, p.checkRAMPrincipal)
		case "Service":
			pr.Service = p.stringList(e, p.checkServicePrincipal)
		case "Federated":
			pr.Federated = p.stringList(e, p.checkFederatedPrincipal)
		default:
			p.push(e.name)
			p.fail(e.keyOff, ErrUnknownElement, unknownMsg(e.name, "a Principal", "RAM", "Service", "Federated"))
			p.pop()
		}
		if p.failed() {
			return nil
		}
	}
	return pr
}

func (p *parser) conditions(m *member) []Condition {
	p.push("Condition")
	defer p.pop()
	v := m.value
	if !v.IsObject() {
		p.fail(v.Index, ErrInvalid, "Condition must be an object of operators")
		return nil
	}
	ops := p.members(v)
	defer p.release(ops)
	if p.failed() {
		return nil
	}
	conds := []Condition{}
	for i := range ops {
		om := &ops[i]
		p.push(om.name)
		op, ifExists, ok := ParseOperatorName(om.name)
		if !ok {
			p.fail(om.keyOff, ErrUnknownElement, unknownOperatorMsg(om.name))
			p.pop()
			return nil
		}
		if !om.value.IsObject() {
			p.fail(om.value.Index, ErrInvalid, "an operator must map condition keys to values; got "+jsonKind(om.value))
			p.pop()
			return nil
		}
		keys := p.members(om.value)
		if !p.failed() && len(keys) == 0 {
			p.fail(om.value.Index, ErrMissing, "operator "+om.name+" names no condition key")
		}
		first := len(conds)
		for k := 0; k < len(keys) && !p.failed(); k++ {
			km := &keys[k]
			if km.name == "" {
				p.push(km.name)
				p.fail(km.keyOff, ErrInvalid, "a condition key must not be empty")
				p.pop()
				break
			}
			if twin := sameKey(conds[first:], km.name); twin != "" {
				p.push(km.name)
				p.fail(km.keyOff, ErrDuplicateKey, "condition key "+quote(km.name)+" is the same key as "+quote(twin)+
					" (key names ignore ASCII case before the first '/')")
				p.pop()
				break
			}
			c := Condition{Operator: op, IfExists: ifExists, Key: km.name}
			p.eachString(km, func(_ int, raw string, off int) {
				val, err := parseValue(op, raw)
				switch {
				case err != nil:
					p.fail(off, ErrInvalid, op.String()+" value "+quote(raw)+" is "+err.Error())
				case op.Family() == FamilyString && hasControl(raw):
					p.fail(off, ErrInvalid, "a condition value must not contain control characters")
				case op == StringLike || op == StringNotLike:
					p.checkWildcards(raw, off)
				}
				if c.Values == nil {
					c.Values = make([]Value, 0, p.listLen)
				}
				c.Values = append(c.Values, val)
			})
			conds = append(conds, c)
		}
		p.release(keys)
		p.pop()
		if p.failed() {
			return nil
		}
	}
	sortConditions(conds)
	return conds
}
