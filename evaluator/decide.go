package evaluator

import (
	"strings"
	"unsafe"

	"github.com/ramauthz/ramauthz/policy"
)

// tri is a three-valued truth value (spec §4.9).
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

// Decide evaluates r against the evaluator's policies (spec §6.1): if any
// Deny statement applies the result is ExplicitDeny; otherwise, if any Allow
// statement applies, Allow; otherwise ImplicitDeny. Statement and policy
// order never matter.
//
// A statement applies when its Action (or NotAction), Resource (or
// NotResource), Principal (if it has one) and Condition all match.
// Conditions are three-valued: a request value that cannot be read as the
// operator's type (acs:SourceIp = "abc") makes that comparison unknown. An
// Allow statement applies only when its conditions are true; a Deny
// statement applies when they are true or unknown, so a malformed value can
// neither grant access nor switch off a Deny.
//
// Decide does not allocate, and its cost follows the length of the request
// and the number of statements that can match its action, not the size of
// the policy set. It is safe for concurrent use.
func (e *Evaluator) Decide(r Request) Decision {
	if e == nil {
		return ImplicitDeny
	}
	q := query{r: &r}
	if e.deny.applies(e, &q, true) {
		return ExplicitDeny
	}
	if e.allow.applies(e, &q, false) {
		return Allow
	}
	return ImplicitDeny
}

// query is the state of one decision: the request and the value of
// acs:PrincipalARN taken from Request.Principal, worked out at most once
// per decision. It lives on Decide's stack (it must not point to itself,
// or it would move to the heap).
type query struct {
	r       *Request
	arnDone bool
	arnStr  [1]string
	arnVal  [1]reqValue
}

// keyValues returns the request's values for the key of cd as parallel
// slices of strings and read-ahead values; both are empty for an absent key.
//
// acs:PrincipalARN comes from Request.Principal.ARN when the request says
// the principal was resolved by the caller (the Context's value, in any
// spelling, is then ignored: spec §13 D26), and otherwise when the Context
// does not set it (spec §3.2).
func (q *query) keyValues(cd *cond) ([]string, []reqValue) {
	if c := q.r.Context; cd.slot >= 0 && c != nil {
		// A fixed slot (acs:PrincipalARN has none). An unset slot holds
		// no values.
		v := &c.slots[cd.slot]
		return v.strs, v.vals
	}
	if !cd.principalARN {
		if v := q.r.Context.lookup(cd.nkey, -1); v != nil {
			return v.strs, v.vals
		}
		return nil, nil
	}
	return q.principalARN(cd)
}

func (q *query) principalARN(cd *cond) ([]string, []reqValue) {
	r := q.r
	if !r.PrincipalResolved {
		if v := r.Context.lookup(cd.nkey, cd.slot); v != nil && len(v.vals) > 0 {
			return v.strs, v.vals
		}
	}
	if r.Principal.ARN == "" {
		return nil, nil
	}
	if !q.arnDone {
		q.arnStr[0], q.arnVal[0], q.arnDone = r.Principal.ARN, parseRequestValue(r.Principal.ARN), true
	}
	return q.arnStr[:], q.arnVal[:]
}

// applies reports whether any statement of the index applies to q.
func (ix *index) applies(e *Evaluator, q *query, deny bool) bool {
	action := q.r.Action
	for _, v := range ix.any {
		if e.stmts[ix.ents[v].stmt].appliesBeyondAction(e, q, deny) {
			return true
		}
	}
	if ix.trie.Len() > 0 {
		w := ix.trie.Walk(action)
		for {
			vals, n, ok := w.Next()
			if !ok {
				break
			}
			rest := action[n:]
			for _, v := range vals {
				en := &ix.ents[v]
				s := &e.stmts[en.stmt]
				if (en.restAny || e.pats.MatchRest(en.pat, rest)) && s.appliesBeyondAction(e, q, deny) {
					return true
				}
			}
		}
	}
	for _, si := range ix.notAction {
		s := &e.stmts[si]
		if s.actionMatches(e, action) && s.appliesBeyondAction(e, q, deny) {
			return true
		}
	}
	return false
}

// appliesBeyondAction checks everything but the action. The common cases
// (Resource "*", no Principal element) are decided here without a call.
func (s *stmt) appliesBeyondAction(e *Evaluator, q *query, deny bool) bool {
	if !(s.resAll && s.resKind == resAllow) && !s.resourceMatches(e, q.r.Resource) {
		return false
	}
	if s.principal != 0 && !s.principalMatches(e, &q.r.Principal) {
		return false
	}
	// The condition block (condition, without the call): an Allow needs
	// every condition true, a Deny every condition true or unknown.
	c := q.r.Context
	for i := s.conds.lo; i < s.conds.hi; i++ {
		cd := &e.conds[i]
		var t tri
		if cd.slot >= 0 && c != nil {
			// A fixed slot: eval without the call to keyValues.
			v := &c.slots[cd.slot]
			t = cd.on(v.strs, v.vals)
		} else {
			t = cd.eval(q)
		}
		switch t {
		case triFalse:
			return false
		case triUnknown:
			if !deny {
				return false
			}
		}
	}
	return true
}

// actionMatches reports whether the statement's Action or NotAction element
// matches action.
func (s *stmt) actionMatches(e *Evaluator, action string) bool {
	hit := false
	for i := s.actions.lo; i < s.actions.hi; i++ {
		if e.pats.Match(i, action) {
			hit = true
			break
		}
	}
	return hit != s.notAction
}

// resourceMatches reports whether the Resource or NotResource element (if
// any) matches resource.
func (s *stmt) resourceMatches(e *Evaluator, resource string) bool {
	if s.resKind == resNone {
		return true
	}
	hit := s.resAll
	for i := s.resources.lo; !hit && i < s.resources.hi; i++ {
		hit = e.pats.Match(i, resource)
	}
	return hit == (s.resKind == resAllow)
}

// principalMatches reports whether the Principal element (if any) covers p.
func (s *stmt) principalMatches(e *Evaluator, p *Principal) bool {
	if s.principal == 0 {
		return true
	}
	ps := &e.principals[s.principal-1]
	switch p.Type {
	case PrincipalUser, PrincipalRole:
		if p.AccountID != "" && contains(ps.roots, p.AccountID) {
			return true
		}
		return p.ARN != "" && contains(ps.ram, p.ARN)
	case PrincipalService:
		return p.ARN != "" && contains(ps.service, p.ARN)
	case PrincipalFederated:
		return p.ARN != "" && contains(ps.federated, p.ARN)
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// condition evaluates the condition block: AND over its conditions.
func (s *stmt) condition(e *Evaluator, q *query) tri {
	res := triTrue
	c := q.r.Context
	for i := s.conds.lo; i < s.conds.hi; i++ {
		cd := &e.conds[i]
		var t tri
		if cd.slot >= 0 && c != nil {
			// A fixed slot: eval without the call to keyValues.
			v := &c.slots[cd.slot]
			t = cd.on(v.strs, v.vals)
		} else {
			t = cd.eval(q)
		}
		switch t {
		case triFalse:
			return triFalse
		case triUnknown:
			res = triUnknown
		}
	}
	return res
}

// eval evaluates one condition against the request (spec §4.1, §4.3,
// §4.8, §4.9, §13 D22): on, for the request's values of its key.
func (cd *cond) eval(q *query) tri {
	strs, vals := q.keyValues(cd)
	return cd.on(strs, vals)
}

// on evaluates the condition on strs and vals, the request's values of its
// key as strings and read ahead (both empty when the key is absent). The
// positive form is computed first: OR over the values (true if any value
// satisfies the operator for any policy value, else unknown if a value
// cannot be read as the operator's type, else false), false for an absent
// key; a negated operator inverts it, which makes it true for an absent key
// and NOR over several values. An IfExists condition on an absent key is
// true, whatever its operator. It only reads what the Context read ahead:
// no value is parsed here.
func (cd *cond) on(strs []string, vals []reqValue) tri {
	if len(vals) == 0 {
		if cd.ifExists || cd.neg {
			return triTrue // IfExists on an absent key; negated: NOR of nothing
		}
		return triFalse
	}
	hit := triFalse
	switch pos := cd.pos; {
	case pos == policy.IpAddress:
		for i := range vals {
			ip := vals[i].ip
			if !ip.IsValid() {
				hit = triUnknown
				continue
			}
			for _, p := range cd.nets {
				if p.Contains(ip) {
					hit = triTrue
					goto done
				}
			}
		}
	case pos == policy.Bool:
		for i := range vals {
			f := vals[i].flags
			if f&valBool == 0 {
				hit = triUnknown
				continue
			}
			b := f&valTrue != 0
			for _, m := range cd.bools {
				if b == m {
					hit = triTrue
					goto done
				}
			}
		}
	case pos >= policy.DateEquals && pos <= policy.DateGreaterThanEquals:
		for i := range vals {
			v := &vals[i]
			if v.flags&valTime == 0 {
				hit = triUnknown
				continue
			}
			for _, m := range cd.times {
				if holds(pos, v.time.Compare(m)) {
					hit = triTrue
					goto done
				}
			}
		}
	case pos >= policy.NumericEquals && pos <= policy.NumericGreaterThanEquals:
		for i := range vals {
			v := &vals[i]
			if v.flags&valNum == 0 {
				hit = triUnknown
				continue
			}
			for _, m := range cd.nums {
				if holds(pos, v.num.Cmp(m)) {
					hit = triTrue
					goto done
				}
			}
		}
	default:
		for i := range vals {
			if cd.matchText(strs[i], &vals[i]) {
				hit = triTrue
				goto done
			}
		}
	}
done:
	if cd.neg {
		return hit.not()
	}
	return hit
}

// matchValue is the positive form of the operator on the one value
// strs[i], vals[i] (for Explain).
func (cd *cond) matchValue(strs []string, vals []reqValue, i int) tri {
	t := cd.on(strs[i:i+1], vals[i:i+1])
	if cd.neg {
		t = t.not()
	}
	return t
}

// matchText reports whether a request value satisfies a string operator:
// its string rv, or for a value from a typed setter (valText) its string
// form, made on the stack.
func (cd *cond) matchText(rv string, pv *reqValue) bool {
	if pv.flags&valText != 0 {
		var buf [64]byte
		return cd.matchString(stackString(pv.appendText(buf[:0])))
	}
	return cd.matchString(rv)
}

// matchString reports whether rv satisfies the positive string operator
// for any policy value.
func (cd *cond) matchString(rv string) bool {
	switch cd.pos {
	case policy.StringEquals:
		for _, s := range cd.strs {
			if rv == s {
				return true
			}
		}
	case policy.StringEqualsIgnoreCase:
		for _, s := range cd.strs {
			if strings.EqualFold(rv, s) {
				return true
			}
		}
	case policy.StringLike:
		for i := range cd.pats {
			if cd.pats[i].Match(rv) {
				return true
			}
		}
	}
	return false
}

// stackString views b as a string without copying: the one use of package
// unsafe on the decision path.
//
// Why it is needed: a string operator on a value from a typed setter
// (SetSourceIP, SetCurrentTime) compares the value's string form, which
// matchText formats into a buffer on its own stack, since the setters
// store no text (so that they allocate nothing). Converting that buffer
// with string(b) copies it to the heap when it is longer than the 32 bytes
// Go converts on the stack, and a full IPv6 address is 39 bytes: Decide
// would then allocate (TestTypedValueText fails that way without
// stackString). Storing the text at set time would make every typed set
// format and keep a string.
//
// Why it is safe: the only caller, matchText, makes b from a local array,
// does not change it after the view is made, and passes the string only to
// matchString, whose comparisons (==, strings.EqualFold,
// match.Pattern.Match) read it during the call and keep no reference to
// it; so the string is never used after matchText returns or after the
// bytes change. TestTypedValueText checks every string operator on such
// values against the same values set as strings, with no allocation.
func stackString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// holds reports whether a comparison result c (request value versus policy
// value, -1/0/+1) satisfies a positive numeric or date operator.
func holds(op policy.Operator, c int) bool {
	return cmpHolds[op]>>(uint(c+1)&7)&1 != 0
}

// cmpHolds has, for each positive numeric and date operator, bit c+1 set
// for each comparison result c (-1, 0, +1) that satisfies it.
var cmpHolds = [256]uint8{
	policy.NumericEquals:            0b010,
	policy.DateEquals:               0b010,
	policy.NumericLessThan:          0b001,
	policy.DateLessThan:             0b001,
	policy.NumericLessThanEquals:    0b011,
	policy.DateLessThanEquals:       0b011,
	policy.NumericGreaterThan:       0b100,
	policy.DateGreaterThan:          0b100,
	policy.NumericGreaterThanEquals: 0b110,
	policy.DateGreaterThanEquals:    0b110,
}
