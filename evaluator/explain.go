package evaluator

import (
	"strconv"
	"strings"

	"github.com/ramauthz/ramauthz/policy"
)

// Explanation says why Decide reached its decision.
type Explanation struct {
	// Decision is what Decide returns for the same request.
	Decision Decision
	// Matched lists every statement that applied, in policy and
	// statement order.
	Matched []Match
	// NearMisses lists the statements whose action, resource and principal
	// matched but whose condition did not let them apply.
	NearMisses []NearMiss
}

// Match identifies a statement.
type Match struct {
	PolicyID  string        // the ID given to Compile
	Statement int           // the statement's index in its document, from 0
	Sid       string        // the statement's Sid, or ""
	Effect    policy.Effect // Allow or Deny
	Path      string        // JSON path of the statement, "Statement[2]"
}

// NearMiss is a statement whose condition kept it from applying, with the
// first condition responsible.
type NearMiss struct {
	Match
	Operator policy.Operator // the operator of the failing condition
	// IfExists is set when the operator was written in its IfExists form
	// (Operator is then the base operator; OperatorName gives the name).
	IfExists bool
	Key      string // its key, as written in the policy
	// Reason says what went wrong, such as "key absent" or
	// `value "abc" is not an IP address`.
	Reason string
}

// OperatorName returns the operator of the failing condition as written in
// the policy, such as "DateLessThanIfExists" ("" when no condition is named).
func (n NearMiss) OperatorName() string {
	if !n.Operator.Valid() {
		return ""
	}
	return policy.Condition{Operator: n.Operator, IfExists: n.IfExists}.OperatorName()
}

// Explain evaluates r like Decide and also reports which statements applied
// and which were stopped only by their conditions. It always reaches the
// same decision as Decide. It scans every statement and allocates, so it is
// meant for diagnostics, not for the hot path. It is safe for concurrent
// use.
func (e *Evaluator) Explain(r Request) Explanation {
	var x Explanation
	if e == nil {
		return x
	}
	q := query{r: &r}
	denied, allowed := false, false
	for i := range e.stmts {
		s := &e.stmts[i]
		if !s.actionMatches(e, r.Action) || !s.resourceMatches(e, r.Resource) || !s.principalMatches(e, &r.Principal) {
			continue
		}
		var sid string
		if e.sids != nil {
			sid = e.sids[i]
		}
		m := Match{
			PolicyID:  e.policyID(s.policy),
			Statement: int(s.index),
			Sid:       sid,
			Effect:    s.effect,
			Path:      "Statement[" + strconv.Itoa(int(s.index)) + "]",
		}
		deny := s.effect == policy.Deny
		t := s.condition(e, &q)
		if t == triTrue || deny && t == triUnknown {
			x.Matched = append(x.Matched, m)
			denied = denied || deny
			allowed = allowed || !deny
			continue
		}
		x.NearMisses = append(x.NearMisses, s.nearMiss(e, m, &q, t))
	}
	switch {
	case denied:
		x.Decision = ExplicitDeny
	case allowed:
		x.Decision = Allow
	}
	return x
}

// nearMiss names the first condition that made the block's value t.
func (s *stmt) nearMiss(e *Evaluator, m Match, q *query, t tri) NearMiss {
	for i := s.conds.lo; i < s.conds.hi; i++ {
		cd := &e.conds[i]
		if cd.eval(q) == t {
			return NearMiss{Match: m, Operator: cd.op, IfExists: cd.ifExists, Key: cd.key, Reason: cd.reason(q, t)}
		}
	}
	return NearMiss{Match: m, Reason: "condition not met"}
}

// reason describes why condition cd evaluated to t.
func (cd *cond) reason(q *query, t tri) string {
	strs, vals := q.keyValues(cd)
	if len(vals) == 0 {
		return "key absent"
	}
	v := values{strs: strs, vals: vals}
	if t == triUnknown {
		for i := range vals {
			if cd.matchValue(strs, vals, i) == triUnknown {
				return "value " + quote(v.text(i)) + " is not " + familyNoun(cd.op.Family())
			}
		}
	}
	if cd.neg {
		for i := range vals {
			if cd.matchValue(strs, vals, i) == triTrue {
				return "value " + quote(v.text(i)) + " matches one of " + quoteList(cd.raws)
			}
		}
	}
	texts := make([]string, len(vals))
	for i := range texts {
		texts[i] = v.text(i)
	}
	return "no value of " + quoteList(texts) + " matches " + quoteList(cd.raws)
}

func familyNoun(f policy.Family) string {
	switch f {
	case policy.FamilyNumeric:
		return "a decimal number"
	case policy.FamilyDate:
		return "an ISO 8601 date-time with a time zone"
	case policy.FamilyBool:
		return `"true" or "false"`
	case policy.FamilyIP:
		return "an IP address"
	}
	return "valid"
}

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return strconv.Quote(s)
}

func quoteList(list []string) string {
	if len(list) == 1 {
		return quote(list[0])
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		if i == 8 {
			b.WriteString("...")
			break
		}
		b.WriteString(quote(s))
	}
	b.WriteByte(']')
	return b.String()
}

// String renders the explanation as readable text, one statement a line:
//
//	ExplicitDeny
//	  applied: Deny policy "deny-http" Statement[0] (Sid "NoHTTP")
//	  near miss: Allow policy "office" Statement[1]: IpAddress "acs:SourceIp": key absent
func (x Explanation) String() string {
	var b strings.Builder
	b.WriteString(x.Decision.String())
	b.WriteByte('\n')
	if len(x.Matched) == 0 && len(x.NearMisses) == 0 {
		b.WriteString("  no statement matched the action and resource\n")
	}
	for _, m := range x.Matched {
		b.WriteString("  applied: ")
		m.write(&b)
		b.WriteByte('\n')
	}
	for _, n := range x.NearMisses {
		b.WriteString("  near miss: ")
		n.Match.write(&b)
		b.WriteString(": ")
		if n.Operator.Valid() {
			b.WriteString(n.OperatorName())
			b.WriteByte(' ')
			b.WriteString(strconv.Quote(n.Key))
			b.WriteString(": ")
		}
		b.WriteString(n.Reason)
		b.WriteByte('\n')
	}
	return b.String()
}

func (m Match) write(b *strings.Builder) {
	b.WriteString(m.Effect.String())
	b.WriteString(" policy ")
	b.WriteString(strconv.Quote(m.PolicyID))
	b.WriteByte(' ')
	b.WriteString(m.Path)
	if m.Sid != "" {
		b.WriteString(" (Sid ")
		b.WriteString(strconv.Quote(m.Sid))
		b.WriteByte(')')
	}
}
