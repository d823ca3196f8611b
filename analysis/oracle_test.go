package analysis

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

// This file checks the analysis against a brute-force oracle: Decide on
// every request of a small bounded universe (strings over the patterns'
// characters plus a fresh one, numbers and dates at the constants, their
// neighbours and midpoints plus an unparseable value, IPs at range ends ± 1
// plus a non-IP, Bool's points, absent keys, and lists of two values).
// Analysis Holds ⇒ the oracle finds nothing; the oracle finds a request ⇒
// the analysis Fails.

type family struct {
	ops    []policy.Operator
	consts []string // policy values
	probe  []string // request values for the oracle
}

var families = []family{
	{[]policy.Operator{policy.StringEquals, policy.StringNotEquals, policy.StringEqualsIgnoreCase, policy.StringNotEqualsIgnoreCase, policy.StringLike, policy.StringNotLike},
		[]string{"a", "A", "ab", "a*", "*b", "?", "b?"},
		[]string{"", "a", "A", "b", "z", "ab", "aB", "bz", "a*", "?"}},
	{[]policy.Operator{policy.NumericEquals, policy.NumericNotEquals, policy.NumericLessThan, policy.NumericLessThanEquals, policy.NumericGreaterThan, policy.NumericGreaterThanEquals},
		[]string{"1", "2", "2.5"},
		[]string{"0.5", "1", "1.5", "2", "2.25", "2.5", "3", "x"}},
	{[]policy.Operator{policy.DateEquals, policy.DateNotEquals, policy.DateLessThan, policy.DateLessThanEquals, policy.DateGreaterThan, policy.DateGreaterThanEquals},
		[]string{"2026-01-01T00:00:00Z", "2026-01-01T08:00:00+08:00", "2026-06-01T00:00:00Z"},
		[]string{"2025-12-31T23:59:59Z", "2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z", "2026-06-01T00:00:00Z", "2026-06-01T00:00:01Z", "x"}},
	{[]policy.Operator{policy.Bool},
		[]string{"true", "false"},
		[]string{"true", "false", "x"}},
	{[]policy.Operator{policy.IpAddress, policy.NotIpAddress},
		[]string{"10.0.0.0/8", "10.0.0.1", "::ffff:10.0.0.0/120", "2001:db8::/32"},
		[]string{"9.255.255.255", "10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.1.0", "11.0.0.0", "::ffff:10.0.0.1", "2001:db8::1", "2001:db9::", "x"}},
}

type caseGen struct {
	r         *rand.Rand
	fams      []int    // family of each key
	single    bool     // the Universe makes every key single-valued ...
	catalogue []string // ... and names the actions
}

func (g *caseGen) universeSpec() Universe {
	if !g.single {
		return Universe{}
	}
	u := Universe{Keys: map[string]KeySpec{}, Actions: g.catalogue}
	for _, k := range genKeys {
		u.Keys[k] = KeySpec{SingleValued: true}
	}
	return u
}

var genKeys = []string{"k:One", "k:two"}

func (g *caseGen) pattern(chars string) string {
	n := 1 + g.r.IntN(3)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteByte(chars[g.r.IntN(len(chars))])
	}
	return b.String()
}

func (g *caseGen) list(chars string) []string {
	out := []string{g.pattern(chars)}
	if g.r.IntN(3) == 0 {
		out = append(out, g.pattern(chars))
	}
	return out
}

func (g *caseGen) statement() policy.Statement {
	st := policy.Statement{Effect: policy.Allow}
	if g.r.IntN(3) == 0 {
		st.Effect = policy.Deny
	}
	if g.r.IntN(5) == 0 {
		st.NotAction = g.list("aB:*?")
	} else {
		st.Action = g.list("aB:*?*")
	}
	if g.r.IntN(5) == 0 {
		st.NotResource = g.list("a/:*?")
	} else {
		st.Resource = g.list("a:/*?*")
	}
	for n := g.r.IntN(3); n > 0; n-- {
		ki := g.r.IntN(len(g.fams))
		f := families[g.fams[ki]]
		op := f.ops[g.r.IntN(len(f.ops))]
		c := policy.Condition{Operator: op, Key: genKeys[ki], IfExists: g.r.IntN(4) == 0}
		if g.r.IntN(3) == 0 {
			c.Key = strings.ToUpper(c.Key[:1]) + c.Key[1:] // key names fold (D23)
		}
		for m := 1 + g.r.IntN(2); m > 0; m-- {
			raw := f.consts[g.r.IntN(len(f.consts))]
			if op == policy.Bool && m == 2 {
				continue
			}
			v, err := policy.ParseValue(op, raw)
			if err != nil {
				panic(err)
			}
			c.Values = append(c.Values, v)
		}
		dup := false
		for _, o := range st.Condition {
			if o.Operator == c.Operator && o.IfExists == c.IfExists && strings.EqualFold(o.Key, c.Key) {
				dup = true
			}
		}
		if !dup {
			st.Condition = append(st.Condition, c)
		}
	}
	return st
}

func (g *caseGen) set(t testing.TB, base []policy.Statement) (*Set, string, []policy.Statement) {
	n := 2 + g.r.IntN(3)
	doc := &policy.Document{Version: "1", Statements: append([]policy.Statement(nil), base...)}
	if base != nil {
		n = 1 + g.r.IntN(2)
	} else if g.r.IntN(3) == 0 {
		doc.Statements = append(doc.Statements, policy.Statement{Effect: policy.Allow, Action: []string{"*"}, Resource: []string{"*"}})
	}
	for i := 0; i < n; i++ {
		doc.Statements = append(doc.Statements, g.statement())
	}
	s, err := Compile(evaluator.Policy{ID: "gen", Document: doc})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	js, _ := doc.MarshalJSON()
	return s, string(js), doc.Statements
}

// universe enumerates the oracle's requests.
func (g *caseGen) universe(f func(evaluator.Request)) {
	strs := func(chars string, max int) []string {
		out := []string{""}
		cur := []string{""}
		for l := 1; l <= max; l++ {
			var next []string
			for _, s := range cur {
				for _, c := range chars {
					next = append(next, s+string(c))
				}
			}
			out = append(out, next...)
			cur = next
		}
		return out
	}
	// The patterns' letters plus a fresh one, and some upper case; or
	// exactly the catalogue.
	actions := append(strs("ab:z", 3), "A", "B", "AB", "aB", "A:b", "a:B")
	if g.catalogue != nil {
		actions = g.catalogue
	}
	// Resources up to length 2, plus some of length 3: the oracle's checks
	// hold on any sub-universe, and this keeps the product small.
	resources := append(strs("a/:z", 2), "a:a", "::a", "a/a", "aaa", ":::", "a::", "a:z")
	keyVals := make([][][]string, len(g.fams))
	for ki, fi := range g.fams {
		p := families[fi].probe
		vals := [][]string{nil}
		for i := range p {
			vals = append(vals, []string{p[i]})
		}
		for i := range p {
			for j := i + 1; j < len(p) && j < 7; j++ { // lists of two
				vals = append(vals, []string{p[i], p[j]})
			}
		}
		if g.single || len(g.fams) > 1 && ki > 0 {
			vals = vals[:1+len(p)] // keep the product small: singles only
		}
		keyVals[ki] = vals
	}
	// Every combination of key values, as one Context each, built once.
	var ctxs []*evaluator.Context
	var rec func(ki int, vals [][]string)
	rec = func(ki int, vals [][]string) {
		if ki == len(g.fams) {
			c := &evaluator.Context{}
			for k, v := range vals {
				if v != nil {
					c.Set(genKeys[k], v...)
				}
			}
			ctxs = append(ctxs, c)
			return
		}
		for _, v := range keyVals[ki] {
			rec(ki+1, append(vals, v))
		}
	}
	rec(0, nil)
	for _, a := range actions {
		for _, r := range resources {
			for _, c := range ctxs {
				f(evaluator.Request{Action: a, Resource: r, Context: c})
			}
		}
	}
}

func oracleCase(t *testing.T, seed uint64, single bool) (verdicts [3]Verdict) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	g := &caseGen{r: r, fams: []int{r.IntN(len(families))}, single: single}
	if r.IntN(3) == 0 {
		g.fams = append(g.fams, r.IntN(len(families)))
	}
	if single {
		for _, a := range []string{"a", "A:b", "a:", "a:a", "ab:", "a:B", "b:a", "z", ":a", "a:ab", "AB:A"} {
			if r.IntN(2) == 0 {
				g.catalogue = append(g.catalogue, a)
			}
		}
		if g.catalogue == nil {
			g.catalogue = []string{"a:b"}
		}
	}
	u := g.universeSpec()
	n, nj, stmts := g.set(t, nil)
	var base []policy.Statement
	if r.IntN(2) == 0 {
		base = stmts // O extends N: often a superset, unless it adds a Deny
	}
	o, oj, _ := g.set(t, base)
	res := NoNewAccess(bg, n, o, u, Limits{})
	ang := AccessNotGranted(bg, n, []string{"a:*"}, []string{"a?"}, u, Limits{})
	aa := AlwaysAllows(bg, n, []string{"a?"}, []string{"a*"}, nil, u, Limits{})
	desc := func() string { return fmt.Sprintf("seed %d\nN=%s\nO=%s", seed, nj, oj) }
	for _, x := range []Result{res, ang, aa} {
		if x.Verdict == VerdictUnknown {
			t.Fatalf("%s\nunknown: %v", desc(), x.Err)
		}
	}
	checkReasons(t, res, n, o)
	// Per-statement questions, for lint: NeverApplies on every statement,
	// ShadowedByDeny on every Allow.
	refs := n.Statements()
	never := make([]Result, len(refs))
	shadow := make([]Result, len(refs))
	for i, ref := range refs {
		never[i] = NeverApplies(bg, n, ref, u, Limits{})
		if ref.Effect == policy.Allow {
			shadow[i] = ShadowedByDeny(bg, n, ref, u, Limits{})
		}
	}
	applies := make([]bool, len(refs))
	unshadowed := make([]bool, len(refs))
	var found, foundANG, foundAA *evaluator.Request
	aPat, rPat := mustPat("a:*", true), mustPat("a?", false)
	aaA, aaR := mustPat("a?", true), mustPat("a*", false)
	g.universe(func(q evaluator.Request) {
		dn := n.Decide(q)
		if found == nil && dn == evaluator.Allow && o.Decide(q) != evaluator.Allow {
			c := q
			found = &c
		}
		if foundANG == nil && dn == evaluator.Allow && aPat.Match(q.Action) && rPat.Match(q.Resource) {
			c := q
			foundANG = &c
		}
		if foundAA == nil && dn != evaluator.Allow && aaA.Match(q.Action) && aaR.Match(q.Resource) {
			c := q
			foundAA = &c
		}
		denied := dn == evaluator.ExplicitDeny
		for i := range refs {
			st := n.stmtAt(refs[i])
			d := st.self.Decide(q)
			if d != evaluator.ImplicitDeny {
				applies[i] = true
				if refs[i].Effect == policy.Allow && !denied {
					unshadowed[i] = true
				}
			}
		}
	})
	for i, ref := range refs {
		for _, c := range []struct {
			name  string
			res   Result
			found bool
			skip  bool
		}{{"NeverApplies", never[i], applies[i], false}, {"ShadowedByDeny", shadow[i], unshadowed[i], ref.Effect != policy.Allow}} {
			if c.skip {
				continue
			}
			if c.res.Verdict == VerdictUnknown {
				t.Errorf("%s\n%s %v: unknown: %v", desc(), c.name, ref, c.res.Err)
			}
			if c.found && c.res.Verdict != VerdictFails {
				t.Errorf("%s\n%s %v: the oracle found a request, analysis says %v", desc(), c.name, ref, c.res.Verdict)
			}
		}
	}
	check := func(name string, x Result, w *evaluator.Request) {
		if x.Verdict == VerdictHolds && w != nil {
			t.Errorf("%s\n%s Holds but the oracle found %q on %q", desc(), name, w.Action, w.Resource)
		}
		if w != nil && x.Verdict != VerdictFails {
			t.Errorf("%s\n%s: oracle found a request, analysis says %v", desc(), name, x.Verdict)
		}
	}
	check("NoNewAccess", res, found)
	check("AccessNotGranted", ang, foundANG)
	check("AlwaysAllows", aa, foundAA)
	return [3]Verdict{res.Verdict, ang.Verdict, aa.Verdict}
}

func TestOracleRandomSets(t *testing.T) {
	// 60 cases by default (20 with -short); FuzzAnalysisOracle explores
	// further.
	n := 60
	if testing.Short() || raceEnabled {
		n = 20
	}
	if testing.Short() && raceEnabled {
		n = 8
	}
	var counts [3][3]int
	for seed := uint64(1); seed <= uint64(n); seed++ {
		v := oracleCase(t, seed, false)
		for i := range v {
			counts[i][v[i]]++
		}
		if t.Failed() {
			return
		}
	}
	// The suite means something only if both answers occur often.
	for i, name := range []string{"NoNewAccess", "AccessNotGranted", "AlwaysAllows"} {
		t.Logf("%s: %d Holds, %d Fails", name, counts[i][VerdictHolds], counts[i][VerdictFails])
		if counts[i][VerdictHolds] < n/10 || counts[i][VerdictFails] < n/10 {
			t.Errorf("%s: the generator is lopsided: %d Holds, %d Fails of %d", name, counts[i][VerdictHolds], counts[i][VerdictFails], n)
		}
	}
}

// TestOracleSingleValued runs the oracle with a narrowed Universe: every
// key single-valued and a random action catalogue (the brute-force universe
// narrowed alike).
func TestOracleSingleValued(t *testing.T) {
	n := 30
	if testing.Short() || raceEnabled {
		n = 8
	}
	for seed := uint64(5000); seed < 5000+uint64(n); seed++ {
		oracleCase(t, seed, true)
		if t.Failed() {
			return
		}
	}
}

// FuzzAnalysisOracle runs the oracle comparison on generated sets.
func FuzzAnalysisOracle(f *testing.F) {
	for _, s := range []uint64{1, 7, 42, 1000, 123456789} {
		f.Add(s, s%2 == 0)
	}
	f.Fuzz(func(t *testing.T, seed uint64, single bool) { oracleCase(t, seed, single) })
}
