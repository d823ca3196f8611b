package evaluator

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/ramauthz/ramauthz/policy"
	"github.com/stretchr/testify/require"
)

// Invariants of the decision function, checked on generated policy sets
// (the generator of FuzzDecide) by TestInvariantsRandom and FuzzInvariants:
//
//   - Decide, Explain and the naive reference agree;
//   - deny monotonicity: adding a Deny statement leaves the decision alone
//     or makes it ExplicitDeny; adding an Allow statement leaves it alone or
//     turns ImplicitDeny into Allow (so never a deny into an allow, or an
//     allow into a deny);
//   - order independence: shuffling statements, action and resource
//     patterns, condition values and policies changes nothing;
//   - action case: flipping the ASCII case of the action changes nothing,
//     not even the explanation;
//   - resource case (see checkResourceCase for what exactly holds).

// invariantCase is one generated policy set and request.
type invariantCase struct {
	ps []Policy
	r  Request
}

// genInvariantCase builds a case from fuzz bytes: policies with IDs p0,
// p1, ... (so explanations tell them apart) and a request that, half the
// time, is built from the same pieces as the patterns so that statements
// match.
func genInvariantCase(t testing.TB, s *bytesSource, action, resource, value string) invariantCase {
	ps := genPolicies(t, s)
	for i := range ps {
		ps[i].ID = "p" + strconv.Itoa(i)
	}
	if s.next()%2 == 0 {
		action, resource = s.pattern(actionPieces[:7]), s.pattern(resourcePieces)
	}
	return invariantCase{ps: ps, r: Request{Action: action, Resource: resource, Context: genContext(s, value)}}
}

// cloneStatement copies a statement deeply enough that shuffling or editing
// the copy leaves the original alone.
func cloneStatement(st policy.Statement) policy.Statement {
	c := st
	c.Action = cloneStrings(st.Action)
	c.NotAction = cloneStrings(st.NotAction)
	c.Resource = cloneStrings(st.Resource)
	c.NotResource = cloneStrings(st.NotResource)
	if st.Condition != nil {
		c.Condition = make([]policy.Condition, len(st.Condition))
		for i, cd := range st.Condition {
			cd.Values = append([]policy.Value(nil), cd.Values...)
			c.Condition[i] = cd
		}
	}
	return c
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string{}, s...)
}

func clonePolicies(ps []Policy) []Policy {
	out := make([]Policy, len(ps))
	for i, p := range ps {
		d := *p.Document
		d.Statements = make([]policy.Statement, len(p.Document.Statements))
		for j, st := range p.Document.Statements {
			d.Statements[j] = cloneStatement(st)
		}
		out[i] = Policy{ID: p.ID, Document: &d}
	}
	return out
}

func mustCompile(t testing.TB, ps []Policy) *Evaluator {
	t.Helper()
	e, err := Compile(ps...)
	if err != nil {
		t.Fatalf("Compile: %v\n%s", err, dump(ps))
	}
	return e
}

// checkInvariants runs every invariant on one case; rng drives the
// shuffles and case flips, s supplies the extra statements.
func checkInvariants(t *testing.T, c invariantCase, s *bytesSource, rng *rand.Rand) {
	t.Helper()
	e := mustCompile(t, c.ps)
	d := e.Decide(c.r)
	x := e.Explain(c.r)
	if want := referenceDecide(c.ps, c.r); d != want || x.Decision != want {
		t.Fatalf("Decide %v, Explain %v, reference %v\nrequest %+v\n%s", d, x.Decision, want, c.r, dump(c.ps))
	}
	checkMonotonic(t, c, d, s, rng)
	checkShuffled(t, c, d, len(x.Matched), rng)
	checkActionCase(t, c, e, x, rng)
	checkResourceCase(t, c, rng)
}

// extraStatement takes a generated statement and forces its effect.
func extraStatement(t testing.TB, s *bytesSource, eff policy.Effect) policy.Statement {
	st := cloneStatement(genPolicies(t, s)[0].Document.Statements[0])
	st.Effect = eff
	return st
}

func checkMonotonic(t *testing.T, c invariantCase, d Decision, s *bytesSource, rng *rand.Rand) {
	t.Helper()
	for _, eff := range []policy.Effect{policy.Deny, policy.Allow} {
		st := extraStatement(t, s, eff)
		// Add the statement inside an existing policy, at a random place,
		// and also as a policy of its own.
		in := clonePolicies(c.ps)
		doc := in[rng.IntN(len(in))].Document
		at := rng.IntN(len(doc.Statements) + 1)
		doc.Statements = append(doc.Statements[:at], append([]policy.Statement{st}, doc.Statements[at:]...)...)
		alone := append(clonePolicies(c.ps), Policy{ID: "extra", Document: &policy.Document{Version: "1", Statements: []policy.Statement{st}}})
		for name, ps := range map[string][]Policy{"inside a policy": in, "as a new policy": alone} {
			got := mustCompile(t, ps).Decide(c.r)
			ok := got == d
			switch eff {
			case policy.Deny:
				ok = ok || got == ExplicitDeny
			case policy.Allow:
				ok = ok || d == ImplicitDeny && got == Allow
			}
			if !ok {
				t.Fatalf("adding %v statement %s turned %v into %v\nrequest %+v\nbefore:\n%safter:\n%s", eff, name, d, got, c.r, dump(c.ps), dump(ps))
			}
		}
	}
}

func shuffle[T any](rng *rand.Rand, s []T) {
	rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
}

func checkShuffled(t *testing.T, c invariantCase, d Decision, matched int, rng *rand.Rand) {
	t.Helper()
	ps := clonePolicies(c.ps)
	shuffle(rng, ps)
	for _, p := range ps {
		shuffle(rng, p.Document.Statements)
		for i := range p.Document.Statements {
			st := &p.Document.Statements[i]
			for _, l := range [][]string{st.Action, st.NotAction, st.Resource, st.NotResource} {
				shuffle(rng, l)
			}
			shuffle(rng, st.Condition)
			for j := range st.Condition {
				shuffle(rng, st.Condition[j].Values)
			}
		}
	}
	e := mustCompile(t, ps)
	got, x := e.Decide(c.r), e.Explain(c.r)
	if got != d || x.Decision != d {
		t.Fatalf("shuffling turned %v into Decide %v / Explain %v\nrequest %+v\nbefore:\n%safter:\n%s", d, got, x.Decision, c.r, dump(c.ps), dump(ps))
	}
	if len(x.Matched) != matched {
		t.Fatalf("shuffling changed the number of applied statements from %d to %d\n%s", matched, len(x.Matched), x)
	}
}

// flipCase changes the case of a random subset of the ASCII letters of s.
func flipCase(rng *rand.Rand, s string) string {
	b := []byte(s)
	for i, ch := range b {
		if ('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z') && rng.IntN(2) == 0 {
			b[i] = ch ^ 0x20
		}
	}
	return string(b)
}

func checkActionCase(t *testing.T, c invariantCase, e *Evaluator, x Explanation, rng *rand.Rand) {
	t.Helper()
	r := c.r
	r.Action = flipCase(rng, r.Action)
	if got := e.Decide(r); got != x.Decision {
		t.Fatalf("action %q decides %v but %q decides %v\n%s", c.r.Action, x.Decision, r.Action, got, dump(c.ps))
	}
	require.Equal(t, x, e.Explain(r), "the explanation depends on the action's case (%q vs %q)", c.r.Action, r.Action)
}

// checkResourceCase: resources are compared case-sensitively, so what can
// be said about a request whose resource differs only in case?
//
// For a single pattern p, a case-sensitive match of any case variant r' of
// r implies a case-insensitive match of r. So if every resource pattern is
// written in lower case and r is in lower case, changing the case of r can
// only remove Resource matches; since a NotResource element applies when
// none of its patterns match, it can only add NotResource applications.
// Conditions, actions and principals do not look at the resource. Hence,
// with S(r) the statements that apply to r:
//
//	S(r') ∩ Resource-statements  ⊆ S(r)  ∩ Resource-statements
//	S(r)  ∩ NotResource-statements ⊆ S(r') ∩ NotResource-statements
//
// and for decisions:
//
//   - with no NotResource statements, a case change never creates an allow
//     from ImplicitDeny and never creates a deny: Decide(r') = ExplicitDeny
//     implies Decide(r) = ExplicitDeny, and Decide(r') = Allow implies
//     Decide(r) ≠ ImplicitDeny. It CAN turn ExplicitDeny into Allow, when
//     the case change removes the Deny's match and an Allow still matches
//     (TestResourceCaseCounterexamples shows one): a Deny on resources is
//     only as strong as the case of its patterns;
//   - with no NotResource and no Deny statements, Decide(r') = Allow implies
//     Decide(r) = Allow: a case change can only take an allow away;
//   - with NotResource statements, a case change can create an allow (an
//     Allow with NotResource) or a deny (a Deny with NotResource).
//
// Patterns in mixed case break the premise: "acs:Dash" matches the variant
// "acs:Dash" of "acs:dash" but not "acs:dash" itself, so relative to r a
// case change can add a match. That is why the property is stated against
// the lower-case forms.
func checkResourceCase(t *testing.T, c invariantCase, rng *rand.Rand) {
	t.Helper()
	ps := clonePolicies(c.ps)
	hasNot, hasDeny := false, false
	for _, p := range ps {
		for i := range p.Document.Statements {
			st := &p.Document.Statements[i]
			for j := range st.Resource {
				st.Resource[j] = refFold(st.Resource[j])
			}
			for j := range st.NotResource {
				st.NotResource[j] = refFold(st.NotResource[j])
			}
			hasNot = hasNot || st.NotResource != nil
			hasDeny = hasDeny || st.Effect == policy.Deny
		}
	}
	// refFold (the reference's folding) lowers ASCII letters only, the
	// letters whose case the matcher could ever ignore.
	r := c.r
	r.Resource = refFold(r.Resource)
	v := r
	v.Resource = flipCase(rng, r.Resource)
	e := mustCompile(t, ps)
	xr, xv := e.Explain(r), e.Explain(v)

	isNot := func(m Match) bool {
		i, _ := strconv.Atoi(strings.TrimPrefix(m.PolicyID, "p"))
		return ps[i].Document.Statements[m.Statement].NotResource != nil
	}
	set := func(x Explanation, not bool) map[[2]string]bool {
		out := map[[2]string]bool{}
		for _, m := range x.Matched {
			if isNot(m) == not {
				out[[2]string{m.PolicyID, m.Path}] = true
			}
		}
		return out
	}
	for k := range set(xv, false) {
		if !set(xr, false)[k] {
			t.Fatalf("resource %q: Resource statement %v applies to the case variant %q only\n%s", r.Resource, k, v.Resource, dump(ps))
		}
	}
	for k := range set(xr, true) {
		if !set(xv, true)[k] {
			t.Fatalf("resource %q: NotResource statement %v stops applying to the case variant %q\n%s", r.Resource, k, v.Resource, dump(ps))
		}
	}
	dr, dv := xr.Decision, xv.Decision
	if !hasNot {
		if dv == ExplicitDeny && dr != ExplicitDeny || dv == Allow && dr == ImplicitDeny {
			t.Fatalf("without NotResource, case variant %q decides %v but %q decides %v\n%s", v.Resource, dv, r.Resource, dr, dump(ps))
		}
		if !hasDeny && dv == Allow && dr != Allow {
			t.Fatalf("Allow-only policies allow the case variant %q but not %q (%v)\n%s", v.Resource, r.Resource, dr, dump(ps))
		}
	}
}

// TestInvariantsRandom runs checkInvariants on pseudo-random cases so that
// plain `go test` covers the properties beyond the fuzz seeds.
func TestInvariantsRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	seen := map[Decision]int{}
	for i := 0; i < 1500; i++ {
		data := make([]byte, 96)
		for j := range data {
			data[j] = byte(rng.IntN(256))
		}
		s := &bytesSource{b: data}
		c := genInvariantCase(t, s, s.pattern(actionPieces), s.pattern(resourcePieces), requestValues[rng.IntN(len(requestValues))])
		seen[mustCompile(t, c.ps).Decide(c.r)]++
		checkInvariants(t, c, s, rng)
	}
	// The properties say little if the cases all end the same way.
	for _, d := range []Decision{ImplicitDeny, Allow, ExplicitDeny} {
		require.GreaterOrEqual(t, seen[d], 100, "generated cases deciding %v: %v", d, seen)
	}
}

// FuzzInvariants checks every invariant on fuzzer-chosen policy sets and
// requests. The seed of the shuffles comes from the input, so a failure
// replays exactly.
func FuzzInvariants(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, "arms:GetTrace", "acs:arms:x:1:dash/1", "10.1.2.3", uint64(1))
	f.Add([]byte{1, 3, 7, 0, 4, 2, 200, 17, 3, 3, 9, 1, 5, 5, 5, 2, 8, 9}, "ARMS:get", "acs:Dash", "abc", uint64(2))
	f.Add([]byte{5, 4, 1, 6, 6, 6, 6, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 1, 1}, "cms:é", "acs:é/1", "2019-08-12T09:00:00Z", uint64(3))
	f.Fuzz(func(t *testing.T, data []byte, action, resource, value string, seed uint64) {
		if len(data) > 512 || len(action) > 128 || len(resource) > 128 {
			return
		}
		s := &bytesSource{b: data}
		checkInvariants(t, genInvariantCase(t, s, action, resource, value), s, rand.New(rand.NewPCG(seed, 0x5eed)))
	})
}

// TestResourceCaseCounterexamples pins the cases where a resource case
// change does change the decision in a direction checkResourceCase allows,
// so that the documented limits of the property stay true.
func TestResourceCaseCounterexamples(t *testing.T) {
	const lower, upper = "acs:oss:*:1:secret/a", "acs:oss:*:1:SECRET/a"
	tests := []struct {
		name     string
		docs     []string
		from, to Decision
	}{
		{"a Deny evaded by case, an Allow still matching", []string{
			`{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"},` +
				`{"Effect":"Deny","Action":"oss:*","Resource":"acs:oss:*:*:secret/*"}]}`,
		}, ExplicitDeny, Allow},
		{"an Allow with NotResource gained by case", []string{
			`{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","NotResource":"acs:oss:*:*:secret/*"}]}`,
		}, ImplicitDeny, Allow},
		{"a Deny with NotResource gained by case", []string{
			`{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"},` +
				`{"Effect":"Deny","Action":"oss:*","NotResource":"acs:oss:*:*:secret/*"}]}`,
		}, Allow, ExplicitDeny},
		{"an Allow lost by case", []string{
			`{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"acs:oss:*:*:secret/*"}]}`,
		}, Allow, ImplicitDeny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := compileJSON(t, tc.docs...)
			require.Equal(t, tc.from, e.Decide(Request{Action: "oss:GetObject", Resource: lower}))
			require.Equal(t, tc.to, e.Decide(Request{Action: "oss:GetObject", Resource: upper}))
		})
	}
}

// TestActionCaseNonASCII pins the limit of the action case invariant: case
// folding is ASCII-only (spec D21), so a non-ASCII letter in another case
// is another action.
func TestActionCaseNonASCII(t *testing.T) {
	// The parser accepts only ASCII action names; documents built in code
	// reach the evaluator with any UTF-8.
	e, err := Compile(Policy{ID: "p", Document: &policy.Document{Version: "1", Statements: []policy.Statement{
		{Effect: policy.Allow, Action: []string{"svc:Caf?"}, Resource: []string{"*"}},
		{Effect: policy.Allow, Action: []string{"svc:Écrire"}, Resource: []string{"*"}},
	}}})
	require.NoError(t, err)
	tests := []struct {
		action string
		want   Decision
	}{
		{"svc:écrire", ImplicitDeny},
		{"SVC:ÉCRIRE", Allow},
		{"svc:Écrire", Allow},
		{"svc:CAFÉ", Allow}, // '?' is one code point whatever its case
	}
	for _, tc := range tests {
		t.Run(tc.action, func(t *testing.T) {
			require.Equal(t, tc.want, e.Decide(Request{Action: tc.action, Resource: "r"}))
		})
	}
}
