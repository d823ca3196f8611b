package lint

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/ramauthz/ramauthz/policy"
)

var (
	mappedV4  = netip.MustParsePrefix("::ffff:0:0/96")
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// checkConditions runs the checks of single conditions and their values.
func (c *checker) checkConditions(sv *stmtView) {
	families := map[string]policy.Family{}
	for ci := range sv.conds {
		cv := &sv.conds[ci]
		if !cv.op.Valid() {
			continue
		}
		fam := cv.op.Family()
		if kk, exact, ok := lookupKey(cv.key); ok {
			if !exact {
				c.add(ConditionKeyCaseMismatch, "the key "+quote(cv.key)+" is spelled differently from the well-known key "+quote(kk.name)+"; RAM compares key names ignoring case, but readers and other tools may not: write "+quote(kk.name), cv.path, cv.keyRes)
			}
			if kk.family != fam {
				c.add(TypeMismatch, quote(kk.name)+" holds "+kk.family.String()+" values but "+cv.opName+" compares them as "+fam.String()+"; use a "+kk.family.String()+" operator", cv.path, cv.keyRes)
			}
		}
		norm := policy.CanonicalKey(cv.key)
		if prev, ok := families[norm]; ok && prev != fam {
			c.add(TypeMismatch, "the key "+quote(cv.key)+" is compared as "+prev.String()+" and as "+fam.String()+" in one statement; a key has one type", cv.path, cv.keyRes)
		}
		families[norm] = fam
		c.checkValues(sv, cv)
	}
}

func (c *checker) checkValues(sv *stmtView, cv *condView) {
	base := cv.op.Positive()
	switch base {
	case policy.StringEquals, policy.StringEqualsIgnoreCase:
		for _, v := range cv.values {
			if hasWildcard(v.raw) {
				c.add(WildcardWithoutLikeOperator, cv.opName+" compares "+quote(v.raw)+" literally, so '*' and '?' match only themselves; use StringLike (or StringNotLike) for a pattern", v.path, v.res)
			}
		}
	case policy.StringLike:
		for _, v := range cv.values {
			if !hasWildcard(v.raw) {
				c.add(LikeWithoutWildcard, quote(v.raw)+" has no wildcard; "+strings.Replace(cv.opName, "Like", "Equals", 1)+" says the same more plainly", v.path, v.res)
			}
			if why := complexity(v.raw); why != "" {
				c.add(ComplexPattern, "the pattern "+why+"; it is slow to match and hard to review: simplify it", v.path, v.res)
			}
		}
	case policy.Bool:
		if len(cv.parsed) > 1 && slices.ContainsFunc(cv.parsed, func(v policy.Value) bool { return v.Bool }) && slices.ContainsFunc(cv.parsed, func(v policy.Value) bool { return !v.Bool }) {
			c.add(InvalidConditionMultipleBoolean, "the condition lists both true and false, so it holds whatever the value; keep the one value you mean", cv.path, cv.keyRes)
		}
	case policy.IpAddress:
		c.checkIPValues(cv)
	}
	if cv.op == policy.DateLessThan || cv.op == policy.DateLessThanEquals || cv.op == policy.DateEquals {
		c.checkExpired(sv, cv)
	}
	c.redundantValues(cv)
}

func (c *checker) checkIPValues(cv *condView) {
	for _, v := range cv.values {
		pfx, err := netip.ParsePrefix(v.raw)
		if err != nil {
			a, aerr := netip.ParseAddr(v.raw)
			if aerr != nil {
				continue
			}
			pfx = netip.PrefixFrom(a, a.BitLen())
		}
		switch {
		case pfx.Bits() == 0:
			what := "holds for every address, so the condition is vacuous"
			if cv.op.Negated() {
				what = "excludes every address, so the condition never holds"
			}
			c.add(IPAny, quote(v.raw)+" covers every address: "+cv.opName+" "+what+"; name the networks you mean", v.path, v.res)
		case pfx.Masked() != pfx:
			c.add(ImproveIPRange, quote(v.raw)+" has host bits set and means "+pfx.Masked().String()+"; write that", v.path, v.res)
		}
		addr := pfx.Addr()
		switch {
		case addr.Is6() && mappedV4.Contains(addr):
			c.add(IPEmbeddedIPv4, quote(v.raw)+" is an IPv4-mapped IPv6 block; it is compared as the IPv4 block it maps (spec D25): write the IPv4 form", v.path, v.res)
		case addr.Is6() && (nat64.Contains(addr) || sixToFour.Contains(addr)):
			c.add(IPEmbeddedIPv4, quote(v.raw)+" embeds IPv4 addresses (NAT64 or 6to4); it is not translated and matches only those IPv6 addresses, not the IPv4 ones (spec D25)", v.path, v.res)
		}
	}
}

// checkExpired reports a date condition on acs:CurrentTime whose every
// value is already in the past at Options.Now.
func (c *checker) checkExpired(sv *stmtView, cv *condView) {
	if c.opts.Now.IsZero() || policy.CanonicalKey(cv.key) != "acs:currenttime" || len(cv.parsed) != len(cv.values) {
		return
	}
	for _, v := range cv.parsed {
		if !v.Time.Before(c.opts.Now) {
			return
		}
	}
	what := "the statement can no longer take effect"
	if sv.st.Effect == policy.Deny {
		what = "the Deny can no longer fire"
	}
	c.add(DateConditionExpired, cv.opName+" on acs:CurrentTime names only dates before "+c.opts.Now.UTC().Format("2006-01-02T15:04:05Z")+": "+what+"; remove the statement or update the date", cv.path, cv.keyRes)
}

// redundantValues reports values that another value of the same list
// already covers: exact duplicates, the non-extreme bounds of a range
// operator, literals that a Like pattern of the list matches, and IP blocks
// inside other blocks of the list.
func (c *checker) redundantValues(cv *condView) {
	if len(cv.values) < 2 || len(cv.parsed) != len(cv.values) {
		return
	}
	for i, v := range cv.values {
		for j, o := range cv.values {
			if i == j {
				continue
			}
			if by := c.valueCovers(cv, j, i); by {
				if c.valueCovers(cv, i, j) && j > i {
					continue // equal: report the later one
				}
				c.add(RedundantConditionValue, quote(v.raw)+" adds nothing: "+quote(o.raw)+" in the same list already covers it; remove it", v.path, v.res)
				break
			}
		}
	}
}

// valueCovers reports whether value j of the condition makes value i
// unnecessary.
func (c *checker) valueCovers(cv *condView, j, i int) bool {
	a, b := cv.parsed[i], cv.parsed[j]
	switch cv.op.Positive() {
	case policy.StringEquals:
		return cv.values[i].raw == cv.values[j].raw
	case policy.StringEqualsIgnoreCase:
		return strings.EqualFold(cv.values[i].raw, cv.values[j].raw)
	case policy.StringLike:
		return covers(cv.values[j].raw, cv.values[i].raw, false)
	case policy.NumericEquals:
		return a.Number.Cmp(b.Number) == 0
	case policy.NumericLessThan, policy.NumericLessThanEquals:
		return a.Number.Cmp(b.Number) <= 0 && !cv.op.Negated()
	case policy.NumericGreaterThan, policy.NumericGreaterThanEquals:
		return a.Number.Cmp(b.Number) >= 0 && !cv.op.Negated()
	case policy.DateEquals:
		return a.Time.Equal(b.Time)
	case policy.DateLessThan, policy.DateLessThanEquals:
		return !a.Time.After(b.Time) && !cv.op.Negated()
	case policy.DateGreaterThan, policy.DateGreaterThanEquals:
		return !a.Time.Before(b.Time) && !cv.op.Negated()
	case policy.Bool:
		return a.Bool == b.Bool
	case policy.IpAddress:
		return b.Prefix.Bits() <= a.Prefix.Bits() && b.Prefix.Contains(a.Prefix.Addr())
	}
	return false
}
