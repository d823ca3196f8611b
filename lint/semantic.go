package lint

import (
	"net/netip"
	"time"

	"github.com/ramauthz/ramauthz/policy"
)

// checkAbsentKeys reports conditions whose result for a request without the
// key differs from what the statement's effect suggests (spec §4.3, D4, D5,
// D22): a negated or IfExists condition of an Allow holds when the key is
// absent, and a positive condition of a Deny does not.
func (c *checker) checkAbsentKeys(sv *stmtView) {
	for ci := range sv.conds {
		cv := &sv.conds[ci]
		if !cv.op.Valid() {
			continue
		}
		if kk, _, ok := lookupKey(cv.key); ok && kk.always {
			continue
		}
		switch {
		case sv.st.Effect == policy.Allow && cv.ifExists:
			c.add(IfExistsAllowsAbsentKey, cv.opName+" holds for requests without "+quote(cv.key)+", so the Allow also grants them; drop IfExists unless that is meant", cv.path, cv.keyRes)
		case sv.st.Effect == policy.Allow && cv.op.Negated():
			c.add(NegatedConditionAllowsAbsentKey, cv.opName+" holds for requests without "+quote(cv.key)+", so the Allow also grants them; add a positive condition that requires the key", cv.path, cv.keyRes)
		case sv.st.Effect == policy.Deny && !cv.op.Negated() && !cv.ifExists:
			c.add(DenyMissesAbsentKey, cv.opName+" is false for requests without "+quote(cv.key)+", so the Deny does not fire for them; use "+cv.opName+"IfExists, or a negated operator, to deny them too", cv.path, cv.keyRes)
		}
	}
}

// checkUnsatisfiable is the fallback for Allow statements the analysis
// engine did not decide: it reports those whose conditions on a
// single-valued key that every request carries (acs:CurrentTime,
// acs:SourceIp) can never all hold, so that they grant nothing. A Deny is
// never reported here: with a request value that cannot be read the
// comparisons are unknown and a Deny applies (spec §4.9).
func (c *checker) checkUnsatisfiable(sv *stmtView) {
	if sv.st.Effect != policy.Allow {
		return
	}
	var dates []*condView
	var ips []*condView
	for ci := range sv.conds {
		cv := &sv.conds[ci]
		if !cv.op.Valid() || cv.ifExists || len(cv.parsed) != len(cv.values) {
			continue
		}
		switch policy.CanonicalKey(cv.key) {
		case "acs:currenttime":
			if cv.op.Family() == policy.FamilyDate {
				dates = append(dates, cv)
			}
		case "acs:sourceip":
			if cv.op.Family() == policy.FamilyIP {
				ips = append(ips, cv)
			}
		}
	}
	sev, what := Error, "the statement grants nothing"
	if len(dates) > 1 && !datesSatisfiable(dates) {
		last := dates[len(dates)-1]
		c.addSev(UnsatisfiableCondition, sev, "no time satisfies every date condition on acs:CurrentTime of this statement: "+what, last.path, last.keyRes)
	}
	if len(ips) > 1 && !ipsSatisfiable(ips) {
		last := ips[len(ips)-1]
		c.addSev(UnsatisfiableCondition, sev, "no address satisfies every IP condition on acs:SourceIp of this statement: "+what, last.path, last.keyRes)
	}
}

// datesSatisfiable decides whether one instant satisfies every condition.
// Each positive condition holds when any of its values does; each negated
// one when none does. The candidates are every value and the instants just
// before and after it, plus one far before and one far after: between two
// consecutive values every condition is constant, so checking one instant
// of each elementary interval (and each endpoint) is exact.
func datesSatisfiable(conds []*condView) bool {
	var points []time.Time
	for _, cv := range conds {
		for _, v := range cv.parsed {
			points = append(points, v.Time.Add(-time.Nanosecond), v.Time, v.Time.Add(time.Nanosecond))
		}
	}
	points = append(points, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC))
	for _, t := range points {
		if allHold(conds, func(op policy.Operator, v policy.Value) bool { return dateHolds(op, t, v.Time) }) {
			return true
		}
	}
	return false
}

func dateHolds(op policy.Operator, t, v time.Time) bool {
	switch op.Positive() {
	case policy.DateEquals:
		return t.Equal(v)
	case policy.DateLessThan:
		return t.Before(v)
	case policy.DateLessThanEquals:
		return !t.After(v)
	case policy.DateGreaterThan:
		return t.After(v)
	case policy.DateGreaterThanEquals:
		return !t.Before(v)
	}
	return false
}

// ipsSatisfiable decides whether one address satisfies every IP condition.
// Candidates: the first and last address of every block and their
// neighbours, which is exact for unions and differences of blocks.
func ipsSatisfiable(conds []*condView) bool {
	var points []netip.Addr
	for _, cv := range conds {
		for _, v := range cv.parsed {
			first := v.Prefix.Masked().Addr()
			last := lastAddr(v.Prefix)
			points = append(points, first, first.Prev(), last, last.Next())
		}
	}
	for _, a := range points {
		if !a.IsValid() {
			continue
		}
		if allHold(conds, func(_ policy.Operator, v policy.Value) bool { return v.Prefix.Contains(a) }) {
			return true
		}
	}
	return false
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// allHold applies each condition's any-of (positive) or none-of (negated)
// rule with the given per-value test.
func allHold(conds []*condView, test func(policy.Operator, policy.Value) bool) bool {
	for _, cv := range conds {
		any := false
		for _, v := range cv.parsed {
			if test(cv.op, v) {
				any = true
				break
			}
		}
		if any == cv.op.Negated() {
			return false
		}
	}
	return true
}
