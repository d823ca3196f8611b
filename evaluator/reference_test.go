package evaluator

import (
	"github.com/ramauthz/ramauthz/internal/naive"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/ramauthz/ramauthz/policy"
)

// This file holds a deliberately slow, obviously correct evaluator written
// straight from the specification: it scans every statement, matches
// wildcards with a table over characters, and re-reads every value. The
// tests compare Decide and Explain with it.

func refPolicies(t testing.TB, docs []string) []Policy {
	ps := make([]Policy, len(docs))
	for i, js := range docs {
		ps[i] = Policy{ID: "p" + strconv.Itoa(i), Document: parseDoc(t, js)}
	}
	return ps
}

// refFold folds ASCII letters to lower case, as action matching does.
func refFold(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c - 'A' + 'a'
		}
	}
	return string(b)
}

// refMatch: does the whole pattern match the whole string? The table-based
// matcher lives in internal/naive, shared with the matcher's own tests.
func refMatch(pattern, s string, fold bool) bool { return naive.Match(pattern, s, fold) }

func refAnyMatch(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if refMatch(p, s, fold) {
			return true
		}
	}
	return false
}

// Three truth values, spelled out.
const (
	refF = 0
	refT = 1
	refU = 2
)

// refCompare compares one request value with one policy value under the
// positive form of op.
func refCompare(op policy.Operator, rv, pv string) int {
	truth := func(b bool) int {
		if b {
			return refT
		}
		return refF
	}
	switch op.Positive() {
	case policy.StringEquals:
		return truth(rv == pv)
	case policy.StringEqualsIgnoreCase:
		return truth(strings.EqualFold(rv, pv))
	case policy.StringLike:
		return truth(refMatch(pv, rv, false))
	case policy.Bool:
		r, err := policy.ParseBool(rv)
		if err != nil {
			return refU
		}
		p, _ := policy.ParseBool(pv)
		return truth(r == p)
	case policy.IpAddress:
		a, err := netip.ParseAddr(rv)
		if err != nil || a.Zone() != "" {
			return refU
		}
		return truth(refInBlock(a, pv))
	}
	var c int
	switch op.Family() {
	case policy.FamilyNumeric:
		r, err := policy.ParseNumber(rv)
		if err != nil {
			return refU
		}
		c = r.Cmp(policy.MustParseNumber(pv))
	case policy.FamilyDate:
		r, err := policy.ParseDate(rv)
		if err != nil {
			return refU
		}
		p, _ := policy.ParseDate(pv)
		c = r.Compare(p)
	}
	switch op.Positive() {
	case policy.NumericEquals, policy.DateEquals:
		return truth(c == 0)
	case policy.NumericLessThan, policy.DateLessThan:
		return truth(c < 0)
	case policy.NumericLessThanEquals, policy.DateLessThanEquals:
		return truth(c <= 0)
	case policy.NumericGreaterThan, policy.DateGreaterThan:
		return truth(c > 0)
	case policy.NumericGreaterThanEquals, policy.DateGreaterThanEquals:
		return truth(c >= 0)
	}
	panic("unreachable operator " + op.String())
}

// refInBlock: is address a in the block (or bare address) pv? Spec §13
// D25 and §4.5: a request address inside ::ffff:0:0/96 is the IPv4 address
// it maps; an IPv4 address is in an IPv4 block that contains it, or in a
// block of at least 96 bits inside ::ffff:0:0/96 that contains its mapped
// form; any other IPv6 block (::/0 included) holds IPv6 addresses only.
// Nothing else (NAT64, 6to4, ::a.b.c.d) is translated.
func refInBlock(a netip.Addr, pv string) bool {
	var p netip.Prefix
	if strings.Contains(pv, "/") {
		p = netip.MustParsePrefix(pv).Masked()
	} else {
		b := netip.MustParseAddr(pv)
		p = netip.PrefixFrom(b, b.BitLen())
	}
	if a.Is4In6() {
		a = a.Unmap()
	}
	if !a.Is4() {
		return p.Contains(a)
	}
	if p.Addr().Is4() {
		return p.Contains(a)
	}
	mappedBlock := p.Bits() >= 96 && netip.MustParsePrefix("::ffff:0:0/96").Contains(p.Addr())
	return mappedBlock && p.Contains(netip.AddrFrom16(a.As16()))
}

func refCondition(c policy.Condition, r Request) int {
	var vals []string
	if r.Context != nil {
		vals, _ = r.Context.Get(c.Key)
	}
	if len(vals) == 0 && refFold(c.Key) == "acs:principalarn" && r.Principal.ARN != "" {
		vals = []string{r.Principal.ARN}
	}
	if len(vals) == 0 {
		if c.IfExists || c.Operator.Negated() {
			return refT
		}
		return refF
	}
	// Positive: OR over every (request value, policy value) pair.
	any := refF
	for _, rv := range vals {
		for _, pv := range c.Values {
			switch refCompare(c.Operator, rv, pv.Raw) {
			case refT:
				any = refT
			case refU:
				if any == refF {
					any = refU
				}
			}
		}
	}
	if !c.Operator.Negated() {
		return any
	}
	switch any {
	case refT:
		return refF
	case refF:
		return refT
	}
	return refU
}

func refPrincipal(p *policy.Principal, r Principal) bool {
	if p == nil {
		return true
	}
	switch r.Type {
	case PrincipalUser, PrincipalRole:
		for _, s := range p.RAM {
			if r.AccountID != "" && s == "acs:ram::"+r.AccountID+":root" {
				return true
			}
			if r.ARN != "" && s == r.ARN && !strings.HasSuffix(s, ":root") {
				return true
			}
		}
	case PrincipalService:
		for _, s := range p.Service {
			if s == r.ARN {
				return true
			}
		}
	case PrincipalFederated:
		for _, s := range p.Federated {
			if s == r.ARN {
				return true
			}
		}
	}
	return false
}

func refApplies(st *policy.Statement, r Request) bool {
	if st.Action != nil && !refAnyMatch(st.Action, r.Action, true) {
		return false
	}
	if st.NotAction != nil && refAnyMatch(st.NotAction, r.Action, true) {
		return false
	}
	if st.Resource != nil && !refAnyMatch(st.Resource, r.Resource, false) {
		return false
	}
	if st.NotResource != nil && refAnyMatch(st.NotResource, r.Resource, false) {
		return false
	}
	if !refPrincipal(st.Principal, r.Principal) {
		return false
	}
	block := refT
	for _, c := range st.Condition {
		switch refCondition(c, r) {
		case refF:
			block = refF
		case refU:
			if block == refT {
				block = refU
			}
		}
	}
	if st.Effect == policy.Allow {
		return block == refT
	}
	return block != refF
}

func referenceDecide(ps []Policy, r Request) Decision {
	allowed := false
	for _, p := range ps {
		for i := range p.Document.Statements {
			st := &p.Document.Statements[i]
			if !refApplies(st, r) {
				continue
			}
			if st.Effect == policy.Deny {
				return ExplicitDeny
			}
			allowed = true
		}
	}
	if allowed {
		return Allow
	}
	return ImplicitDeny
}
