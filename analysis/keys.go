package analysis

import (
	"math/big"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

// This file builds the atoms of condition keys.

// probe reads the truth value of a condition for a request context.
func (c *cond) probe(ctx *evaluator.Context) tri {
	r := evaluator.Request{Action: "z", Resource: "z", Context: ctx}
	if c.allow.Decide(r) == evaluator.Allow {
		return triTrue
	}
	if c.deny.Decide(r) == evaluator.ExplicitDeny {
		return triUnknown
	}
	return triFalse
}

// keyVar builds the atoms of one condition key: absent, every class of
// single values, and (unless the Universe says the key is single-valued)
// every combination of classes a list of values can form.
func (q *query) keyVar(name string, conds []*cond) (*variable, error) {
	v := &variable{name: name, kind: varKey, conds: conds}
	// The Universe's entry for this key; of two spellings of one key, the
	// one that sorts first (so answers never depend on map order).
	spec, hasSpec, specName := KeySpec{}, false, ""
	for k, s := range q.u.Keys {
		if sameKey(k, name) && (!hasSpec || k < specName) {
			spec, hasSpec, specName = s, true, k
		}
	}
	if !hasSpec && !q.u.Now.IsZero() && sameKey(name, "acs:CurrentTime") {
		spec = KeySpec{Fixed: true, SingleValued: true, Values: []string{q.u.Now.UTC().Format(time.RFC3339Nano)}}
	}
	eval := func(vals []string) []tri {
		var ctx evaluator.Context
		if vals != nil {
			ctx.Set(name, vals...)
		}
		ts := make([]tri, len(conds))
		for i, c := range conds {
			ts[i] = c.probe(&ctx)
		}
		return ts
	}
	if spec.Fixed {
		vals := slices.Clone(spec.Values)
		if len(vals) == 0 {
			vals = nil
		}
		v.atoms = []atom{{vals: vals, tris: eval(vals)}}
		return v, nil
	}
	v.atoms = append(v.atoms, atom{tris: eval(nil)})
	// Families.
	var fams []policy.Family
	for _, c := range conds {
		if f := c.op.Family(); !slices.Contains(fams, f) {
			fams = append(fams, f)
		}
	}
	if len(fams) > 1 {
		return nil, &MixedKeyTypeError{Key: name, Families: fams}
	}
	cands, err := q.candidates(name, fams[0], conds)
	if err != nil {
		return nil, err
	}
	// Single values: classes by the positive truth values.
	type single struct {
		val string
		pos []tri
	}
	var singles []single
	seen := map[string]bool{}
	for _, c := range cands {
		if !q.spendState(name, nil) {
			return nil, q.failErr
		}
		eff := eval([]string{c})
		pos := make([]tri, len(conds))
		for i, cd := range conds {
			pos[i] = eff[i]
			if cd.op.Negated() {
				pos[i] = eff[i].not()
			}
		}
		k := string(triBytes(pos))
		if seen[k] {
			continue
		}
		seen[k] = true
		singles = append(singles, single{c, pos})
	}
	// Lists: close the classes under OR.
	type combo struct {
		vals []string
		pos  []tri
	}
	combos := make([]combo, 0, len(singles))
	for _, s := range singles {
		combos = append(combos, combo{[]string{s.val}, s.pos})
	}
	if !spec.SingleValued {
		for i := 0; i < len(combos); i++ {
			for _, s := range singles {
				pos := make([]tri, len(conds))
				for k := range pos {
					pos[k] = combos[i].pos[k].or(s.pos[k])
				}
				k := string(triBytes(pos))
				if seen[k] {
					continue
				}
				if !q.spendState(name, nil) {
					return nil, q.failErr
				}
				seen[k] = true
				combos = append(combos, combo{append(slices.Clone(combos[i].vals), s.val), pos})
			}
		}
	}
	for _, c := range combos {
		v.atoms = append(v.atoms, atom{vals: c.vals, tris: eval(c.vals)})
	}
	return v, nil
}

func triBytes(ts []tri) []byte {
	b := make([]byte, len(ts))
	for i, t := range ts {
		b[i] = byte(t)
	}
	return b
}

// candidates returns single values that between them meet every class of
// values the conditions on one key can tell apart.
func (q *query) candidates(name string, fam policy.Family, conds []*cond) ([]string, error) {
	switch fam {
	case policy.FamilyString:
		var as []*nfa
		for _, c := range conds {
			for _, raw := range c.vals {
				switch c.op.Positive() {
				case policy.StringLike:
					as = append(as, globNFA(raw))
				case policy.StringEqualsIgnoreCase:
					if strings.ContainsRune(raw, utf8.RuneError) {
						// strings.EqualFold reads an invalid byte of a
						// request as U+FFFD, which the matcher does not:
						// such a byte is a class of its own.
						return nil, &UnsupportedError{Msg: "StringEqualsIgnoreCase value with U+FFFD on key " + strconv.Quote(name)}
					}
					as = append(as, literalNFA(raw, true))
				default:
					as = append(as, literalNFA(raw, false))
				}
			}
		}
		words, _, ok := explore(as, alphabet(as, "zyxwvqjk"), "", func() bool { return q.spendState(name, nil) })
		if !ok {
			return nil, q.failErr
		}
		return words, nil
	case policy.FamilyNumeric:
		var nums []*big.Rat
		for _, c := range conds {
			for _, raw := range c.vals {
				if r, ok := new(big.Rat).SetString(raw); ok {
					nums = append(nums, r)
				}
			}
		}
		slices.SortFunc(nums, func(a, b *big.Rat) int { return a.Cmp(b) })
		one := big.NewRat(1, 1)
		var out []string
		for i, n := range nums {
			out = append(out, ratString(n), ratString(new(big.Rat).Sub(n, one)), ratString(new(big.Rat).Add(n, one)))
			if i+1 < len(nums) {
				mid := new(big.Rat).Add(n, nums[i+1])
				out = append(out, ratString(mid.Quo(mid, big.NewRat(2, 1))))
			}
		}
		return append(out, "z"), nil
	case policy.FamilyDate:
		var ts []time.Time
		for _, c := range conds {
			for _, raw := range c.vals {
				if t, err := policy.ParseDate(raw); err == nil {
					ts = append(ts, t)
				}
			}
		}
		var out []string
		f := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
		for _, t := range ts {
			out = append(out, f(t), f(t.Add(-time.Second)), f(t.Add(time.Second)), f(t.Add(-1)), f(t.Add(1)))
		}
		return append(out, "z"), nil
	case policy.FamilyBool:
		return []string{"true", "false", "z"}, nil
	case policy.FamilyIP:
		var out []string
		add := func(a netip.Addr) {
			if a.IsValid() {
				out = append(out, a.String())
				if a.Is4() {
					out = append(out, netip.AddrFrom16(a.As16()).String())
				}
			}
		}
		add(netip.IPv4Unspecified())
		add(netip.IPv6Unspecified())
		add(netip.MustParseAddr("::ffff:0:0").Prev())
		add(netip.MustParseAddr("::1:0:0:0"))
		for _, c := range conds {
			for _, raw := range c.vals {
				p, err := policy.ParseIPValue(raw)
				if err != nil {
					continue
				}
				for _, pp := range []netip.Prefix{p, unmapPrefix(p)} {
					lo := pp.Addr()
					hi := lastAddr(pp)
					add(lo)
					add(lo.Prev())
					add(hi)
					add(hi.Next())
				}
			}
		}
		return append(out, "z"), nil
	}
	return nil, &UnsupportedError{Msg: "operator family " + fam.String()}
}

func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	// Every candidate is a decimal: find enough digits to write it exactly.
	for d := 1; d < 400; d++ {
		s := r.FloatString(d)
		if x, ok := new(big.Rat).SetString(s); ok && x.Cmp(r) == 0 {
			return s
		}
	}
	return r.FloatString(400)
}

func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Addr().As16()
	bitsN := p.Bits()
	if p.Addr().Is4() {
		bitsN += 96
	}
	for i := bitsN; i < 128; i++ {
		a[i/8] |= 1 << (7 - uint(i%8))
	}
	out := netip.AddrFrom16(a)
	if p.Addr().Is4() {
		return out.Unmap()
	}
	return out
}

// unmapPrefix returns the IPv4 prefix a prefix inside ::ffff:0:0/96 maps
// to, and p itself otherwise.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p
}
