package evaluator

import (
	"strings"

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
	if e.deny.applies(e, &r, true) {
		return ExplicitDeny
	}
	if e.allow.applies(e, &r, false) {
		return Allow
	}
	return ImplicitDeny
}

// applies reports whether any statement of the index applies to r.
func (ix *index) applies(e *Evaluator, r *Request, deny bool) bool {
	if ix.trie != nil {
		w := ix.trie.Walk(r.Action)
		for {
			vals, n, ok := w.Next()
			if !ok {
				break
			}
			rest := r.Action[n:]
			for _, v := range vals {
				en := &ix.ents[v]
				s := &e.stmts[en.stmt]
				if s.actions[en.pat].MatchRest(rest) && s.appliesBeyondAction(r, deny) {
					return true
				}
			}
		}
	}
	for _, si := range ix.notAction {
		s := &e.stmts[si]
		if s.actionMatches(r.Action) && s.appliesBeyondAction(r, deny) {
			return true
		}
	}
	return false
}

// appliesBeyondAction checks everything but the action.
func (s *stmt) appliesBeyondAction(r *Request, deny bool) bool {
	if !s.resourceMatches(r.Resource) || !s.principalMatches(&r.Principal) {
		return false
	}
	if len(s.conds) == 0 {
		return true
	}
	t := s.condition(r)
	return t == triTrue || deny && t == triUnknown
}

// actionMatches reports whether the statement's Action or NotAction element
// matches action.
func (s *stmt) actionMatches(action string) bool {
	hit := false
	for i := range s.actions {
		if s.actions[i].Match(action) {
			hit = true
			break
		}
	}
	return hit != s.notAction
}

// resourceMatches reports whether the Resource or NotResource element (if
// any) matches resource.
func (s *stmt) resourceMatches(resource string) bool {
	if s.resKind == resNone {
		return true
	}
	hit := s.resAll
	for i := 0; !hit && i < len(s.resources); i++ {
		hit = s.resources[i].Match(resource)
	}
	return hit == (s.resKind == resAllow)
}

// principalMatches reports whether the Principal element (if any) covers p.
func (s *stmt) principalMatches(p *Principal) bool {
	ps := s.principal
	if ps == nil {
		return true
	}
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
func (s *stmt) condition(r *Request) tri {
	res := triTrue
	for i := range s.conds {
		switch s.conds[i].eval(r) {
		case triFalse:
			return triFalse
		case triUnknown:
			res = triUnknown
		}
	}
	return res
}

// eval evaluates one condition against the request context (spec §4.1,
// §4.3, §4.8, §4.9, §13 D22). The positive form is computed first: OR over
// the request's values, false for an absent key; a negated operator inverts
// it, which makes it true for an absent key and NOR over several values. An
// IfExists condition on an absent key is true, whatever its operator.
func (cd *cond) eval(r *Request) tri {
	hit := triFalse
	switch v := r.Context.lookup(cd.nkey, cd.slot); {
	case v != nil && len(v.strs) > 0:
		for i, rv := range v.strs {
			switch cd.matchValue(rv, &v.parsed[i]) {
			case triTrue:
				hit = triTrue
			case triUnknown:
				hit = triUnknown
			}
			if hit == triTrue {
				break
			}
		}
	case cd.principalARN && r.Principal.ARN != "":
		// acs:PrincipalARN defaults to the ARN of the request's principal
		// (for a role session, the role's ARN: spec §3.2).
		pv := parseRequestValue(r.Principal.ARN)
		hit = cd.matchValue(r.Principal.ARN, &pv)
	case cd.ifExists:
		return triTrue
	}
	if cd.neg {
		return hit.not()
	}
	return hit
}

// matchValue reports whether the request value rv satisfies the positive
// form of the operator for any policy value; unknown when rv cannot be read
// as the operator's type.
func (cd *cond) matchValue(rv string, pv *reqValue) tri {
	switch cd.pos {
	case policy.StringEquals:
		for _, s := range cd.strs {
			if rv == s {
				return triTrue
			}
		}
	case policy.StringEqualsIgnoreCase:
		for _, s := range cd.strs {
			if strings.EqualFold(rv, s) {
				return triTrue
			}
		}
	case policy.StringLike:
		for i := range cd.pats {
			if cd.pats[i].Match(rv) {
				return triTrue
			}
		}
	case policy.NumericEquals, policy.NumericLessThan, policy.NumericLessThanEquals,
		policy.NumericGreaterThan, policy.NumericGreaterThanEquals:
		n, err := policy.ParseNumber(rv)
		if err != nil {
			return triUnknown
		}
		for _, m := range cd.nums {
			if holds(cd.pos, n.Cmp(m)) {
				return triTrue
			}
		}
	case policy.DateEquals, policy.DateLessThan, policy.DateLessThanEquals,
		policy.DateGreaterThan, policy.DateGreaterThanEquals:
		if !pv.timeOK {
			return triUnknown
		}
		for _, m := range cd.times {
			if holds(cd.pos, pv.time.Compare(m)) {
				return triTrue
			}
		}
	case policy.Bool:
		b, err := policy.ParseBool(rv)
		if err != nil {
			return triUnknown
		}
		for _, m := range cd.bools {
			if b == m {
				return triTrue
			}
		}
	case policy.IpAddress:
		if !pv.ip.IsValid() {
			return triUnknown
		}
		for _, p := range cd.nets {
			if p.Contains(pv.ip) {
				return triTrue
			}
		}
	}
	return triFalse
}

// holds reports whether a comparison result c (request value versus policy
// value, -1/0/+1) satisfies a positive numeric or date operator.
func holds(op policy.Operator, c int) bool {
	switch op {
	case policy.NumericEquals, policy.DateEquals:
		return c == 0
	case policy.NumericLessThan, policy.DateLessThan:
		return c < 0
	case policy.NumericLessThanEquals, policy.DateLessThanEquals:
		return c <= 0
	case policy.NumericGreaterThan, policy.DateGreaterThan:
		return c > 0
	case policy.NumericGreaterThanEquals, policy.DateGreaterThanEquals:
		return c >= 0
	}
	return false
}
