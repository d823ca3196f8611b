package evaluator

import (
	"encoding/json"
	"math/rand/v2"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/ramauthz/ramauthz/internal/docpool"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/stretchr/testify/require"
)

// compile_attack7_test.go attacks Compile's memory layout (one carved
// block for statements, entries, trie values and the pattern table; a
// folding pattern kept once with a case bitmap; pooled trie scratch)
// with patterns whose lengths sit around the word steps of the
// word-at-a-time code (7, 8, 9, 15, 16, 17, ... 63, 64, 65 bytes and
// 127 to 129), wildcards anywhere, mixed case and non-ASCII text, and
// checks every answer against the slow reference (referenceDecide,
// refApplies), not against the fast code itself.

// a7Lens are the pattern lengths tried: around every multiple of eight a
// word-at-a-time loop turns on, and one character.
var a7Lens = []int{1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129}

// a7Pieces: letters of both cases at the ends of the alphabet, their
// neighbours, characters whose bytes are letters plus 0x80 (Á = C3 81)
// or that fold to ASCII letters only under Unicode rules (K, ſ), and a
// NUL byte (a key padding byte in the trie's prefixes).
var a7Pieces = []string{"a", "A", "b", "B", "z", "Z", "@", "[", "`", "{", ":", "/", "é", "É", "Á", "á", "\u212a", "ſ", "\u0101", "0", "-", "\x00"}

// a7ActionPieces are what Parse accepts in an action after its
// service's colon: letters of both cases, digits, '-', '_' and '.'.
var a7ActionPieces = []string{"a", "A", "b", "B", "z", "Z", "0", "9", "-", "_", "."}

// a7Text returns n bytes of a7Pieces (valid UTF-8).
func a7Text(rng *rand.Rand, n int) string { return a7TextOf(rng, a7Pieces, n) }

// a7TextOf returns n bytes of pieces.
func a7TextOf(rng *rand.Rand, pieces []string, n int) string {
	var b strings.Builder
	for b.Len() < n {
		p := pieces[rng.IntN(len(pieces))]
		if b.Len()+len(p) > n {
			p = "x"
		}
		b.WriteString(p)
	}
	return b.String()
}

// a7Put replaces the character at or after byte i of s with w (appends w
// when there is none).
func a7Put(s string, i int, w string) string {
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	if i >= len(s) {
		return s + w
	}
	_, sz := utf8.DecodeRuneInString(s[i:])
	return s[:i] + w + s[i+sz:]
}

// a7Cut returns s cut to at most n bytes on a character boundary (never
// empty).
func a7Cut(s string, n int) string {
	if n >= len(s) {
		return s
	}
	s = s[:n]
	for s != "" && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	if s == "" {
		return "q"
	}
	return s
}

// a7Set is a generated policy set and the patterns it holds, in the
// order Compile adds them to its table.
type a7Set struct {
	ps  []Policy
	all []string
}

// a7Gen builds one to three identity policies of nst statements in all,
// sharing a base text so that literal prefixes share trie labels of
// every length. One statement in six has NotAction, one in six
// NotResource; a quarter deny; a third have a Sid. With parseable set,
// the patterns are what Parse accepts: actions "svc:" or "SVC:" and
// a7ActionPieces, resources "acs:" and text without NUL.
func a7Gen(rng *rand.Rand, nst int, parseable bool) a7Set {
	text := a7Text
	if parseable {
		text = func(rng *rand.Rand, n int) string {
			return []string{"svc:", "SVC:"}[rng.IntN(2)] + a7TextOf(rng, a7ActionPieces, n)
		}
	}
	base := text(rng, a7Lens[rng.IntN(len(a7Lens))])
	var set a7Set
	np := 1 + rng.IntN(3)
	for pi := range np {
		d := &policy.Document{Kind: policy.Identity, Version: "1"}
		for range max(1, nst/np) {
			st := policy.Statement{Effect: policy.Allow}
			if rng.IntN(4) == 0 {
				st.Effect = policy.Deny
			}
			if rng.IntN(3) == 0 {
				st.Sid = "s" + strconv.Itoa(len(d.Statements))
			}
			var acts, ress []string
			for range 1 + rng.IntN(3) {
				n := a7Lens[rng.IntN(len(a7Lens))]
				if parseable {
					n += 4 // the service and its colon, and one byte more
				}
				p := a7Cut(base, n)
				if rng.IntN(2) == 0 {
					p = text(rng, a7Lens[rng.IntN(len(a7Lens))])
				}
				for range rng.IntN(3) {
					at := rng.IntN(len(p) + 1)
					if parseable {
						at = 4 + rng.IntN(len(p)-3) // after the service's colon
					}
					p = a7Put(p, at, []string{"*", "?", "**", "*?", "?*"}[rng.IntN(5)])
				}
				acts = append(acts, p)
				r := a7Text(rng, a7Lens[rng.IntN(len(a7Lens))])
				if parseable {
					r = "acs:" + strings.ReplaceAll(r, "\x00", "")
					if rng.IntN(8) == 0 {
						r += "&" // written as \u0026 by encoding/json
					}
				}
				if rng.IntN(2) == 0 {
					at := rng.IntN(len(r) + 1)
					if parseable {
						at = 4 + rng.IntN(len(r)-3)
					}
					r = a7Put(r, at, "*")
				}
				ress = append(ress, r)
			}
			if rng.IntN(6) == 0 {
				st.NotAction = acts
			} else {
				st.Action = acts
			}
			if rng.IntN(6) == 0 {
				st.NotResource = ress
			} else {
				st.Resource = ress
			}
			set.all = append(set.all, acts...)
			set.all = append(set.all, ress...)
			d.Statements = append(d.Statements, st)
		}
		set.ps = append(set.ps, Policy{ID: "policy-" + strconv.Itoa(pi), Document: d})
	}
	return set
}

// a7Request makes a request from the set's patterns: wildcards filled,
// ASCII case flipped, cut anywhere or lengthened by one character.
func a7Request(rng *rand.Rand, set a7Set) Request {
	fill := func(p string) string {
		return strings.NewReplacer("*", a7Text(rng, rng.IntN(3)), "?", "é").Replace(p)
	}
	a := fill(set.all[rng.IntN(len(set.all))])
	if rng.IntN(2) == 0 {
		a = flipCase(rng, a)
	}
	if rng.IntN(3) == 0 {
		a = a[:rng.IntN(len(a)+1)] // may cut a character: invalid UTF-8 in the request
	}
	if rng.IntN(4) == 0 {
		a += a7Text(rng, 1)
	}
	r := fill(set.all[rng.IntN(len(set.all))])
	if rng.IntN(5) == 0 {
		r = "*"
	}
	return Request{Action: a, Resource: r}
}

// a7Check compares e with the reference on req: Decide, and Explain's
// decision and list of applying statements (policy ID, index, Sid,
// effect, in policy and statement order), which reads the policy IDs
// Compile keeps inline (one policy) or through a pointer (several).
func a7Check(t testing.TB, e *Evaluator, ps []Policy, req Request) Decision {
	t.Helper()
	want := referenceDecide(ps, req)
	if got := e.Decide(req); got != want {
		t.Fatalf("Decide(%q, %q) = %v, reference %v\n%s", req.Action, req.Resource, got, want, dump(ps))
	}
	var wantM []Match
	for _, p := range ps {
		for i := range p.Document.Statements {
			st := &p.Document.Statements[i]
			if refApplies(st, req) {
				wantM = append(wantM, Match{PolicyID: p.ID, Statement: i, Sid: st.Sid, Effect: st.Effect, Path: "Statement[" + strconv.Itoa(i) + "]"})
			}
		}
	}
	x := e.Explain(req)
	if x.Decision != want || len(x.Matched) != len(wantM) {
		t.Fatalf("Explain(%q, %q) = %v with %d matched, reference %v with %d\n%s", req.Action, req.Resource, x.Decision, len(x.Matched), want, len(wantM), dump(ps))
	}
	for i := range wantM {
		if x.Matched[i] != wantM[i] {
			t.Fatalf("Explain(%q, %q): matched %+v, reference %+v", req.Action, req.Resource, x.Matched[i], wantM[i])
		}
	}
	return want
}

// a7CheckTable checks that the Evaluator's pattern table gives back
// every pattern as written (Table.String rebuilds a folding pattern from
// its folded text and case bitmap), in the order Compile added them.
func a7CheckTable(t testing.TB, e *Evaluator, set a7Set) {
	t.Helper()
	var given []string
	for _, p := range set.ps {
		for _, st := range p.Document.Statements {
			given = append(given, st.Action...)
			given = append(given, st.NotAction...)
			given = append(given, st.Resource...)
			given = append(given, st.NotResource...)
		}
	}
	require.Equal(t, len(given), e.pats.Len())
	for i, p := range given {
		if got := e.pats.String(int32(i)); got != p {
			t.Fatalf("pattern %d is %q, was given as %q", i, got, p)
		}
	}
}

// Patterns of lengths around every word step up to 129 bytes, wildcards
// anywhere, mixed case and non-ASCII text, in sets of one to 40
// statements and, one round in sixteen, of 300 to 800 (trie builds past
// the stack sort and the radix threshold, from the pool or not): Decide
// and Explain equal the reference, and the table gives back every
// pattern as written.
func TestAttackBoundaryPatternsAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	seen := map[Decision]int{}
	for round := range 64 {
		nst := 1 + rng.IntN(40)
		if round%16 == 0 {
			nst = 300 + rng.IntN(500)
		}
		set := a7Gen(rng, nst, false)
		e, err := Compile(set.ps...)
		require.NoError(t, err)
		a7CheckTable(t, e, set)
		for range 40 {
			seen[a7Check(t, e, set.ps, a7Request(rng, set))]++
		}
	}
	for _, d := range []Decision{ImplicitDeny, Allow, ExplicitDeny} {
		require.GreaterOrEqual(t, seen[d], 250, "decisions %v: the generator tests too little", seen)
	}
}

// The same sets written as JSON and loaded (evaluator.Load, whose parse
// lives in pooled memory) decide as the reference and as Compile of the
// parsed document, keep every pattern as written, and keep deciding so
// after later loads reuse (and scribble over) that memory.
func TestAttackLoadBoundaryPatterns(t *testing.T) {
	// Released parse memory is overwritten before reuse: a pattern the
	// Evaluator still viewed there would change.
	docpool.Scribble.Store(true)
	t.Cleanup(func() { docpool.Scribble.Store(false) })
	rng := rand.New(rand.NewPCG(8, 8))
	type loaded struct {
		e    *Evaluator
		set  a7Set
		reqs []Request
	}
	var kept []loaded
	escaped := 0
	for range 80 {
		set := a7Gen(rng, 1+rng.IntN(30), true)
		set.ps = set.ps[:1]
		set.all = nil
		for _, st := range set.ps[0].Document.Statements {
			for _, l := range [][]string{st.Action, st.NotAction, st.Resource, st.NotResource} {
				set.all = append(set.all, l...)
			}
		}
		data, err := json.Marshal(set.ps[0].Document)
		require.NoError(t, err)
		// A resource with "&" is written with a \u escape, which Load
		// parses through its other (diagnosing) path, as Parse does:
		// both paths are taken.
		escaped += strings.Count(string(data), `\u0026`)
		e, err := Load(set.ps[0].ID, data, a7Big)
		require.NoError(t, err, "%s", data)
		a7CheckTable(t, e, set)
		doc, err := policy.Parse(data, a7Big)
		require.NoError(t, err)
		e2, err := Compile(Policy{ID: set.ps[0].ID, Document: doc})
		require.NoError(t, err)
		var reqs []Request
		for range 20 {
			r := a7Request(rng, set)
			a7Check(t, e, set.ps, r)
			require.Equal(t, e2.Decide(r), e.Decide(r))
			reqs = append(reqs, r)
		}
		kept = append(kept, loaded{e, set, reqs})
	}
	require.NotZero(t, escaped, "no document took the diagnosing path")
	for _, k := range kept {
		a7CheckTable(t, k.e, k.set)
		for _, r := range k.reqs {
			a7Check(t, k.e, k.set.ps, r)
		}
	}
}

// a7Big lifts the size and statement limits over the generated
// documents.
var a7Big = policy.WithLimits(policy.Limits{MaxSize: 1 << 20, MaxStatements: 1 << 12})

// a7Sized builds a policy with exactly allow and deny action patterns
// (one per statement), so that each index's trie builder is sized around
// the thresholds that change where its scratch comes from: the stack
// (up to 32 keys), a comparison sort, the radix sort (256 and more), the
// pool (up to 1,024) and plain allocation beyond.
func a7Sized(rng *rand.Rand, allow, deny int) a7Set {
	d := &policy.Document{Kind: policy.Identity, Version: "1"}
	var all []string
	add := func(n int, eff policy.Effect) {
		for range n {
			p := "svc:" + a7TextOf(rng, a7ActionPieces, a7Lens[rng.IntN(len(a7Lens))])
			if rng.IntN(2) == 0 {
				p = a7Put(p, 4+rng.IntN(len(p)-3), "*")
			}
			r := "*"
			if rng.IntN(3) == 0 {
				r = "acs:" + a7TextOf(rng, a7ActionPieces, rng.IntN(3)) + "*"
			}
			d.Statements = append(d.Statements, policy.Statement{Effect: eff, Action: []string{p}, Resource: []string{r}})
			all = append(all, p, r)
		}
	}
	add(allow, policy.Allow)
	add(deny, policy.Deny)
	if len(d.Statements) == 0 {
		add(1, policy.Allow)
	}
	return a7Set{ps: []Policy{{ID: "sized", Document: d}}, all: all}
}

// Compiles and loads running at once, with the collector running after
// almost every allocation (GOGC=1), on index sizes at each side of the
// trie builders' thresholds (32/33, 255/256, 1,024/1,025): every
// Evaluator decides as the reference right away and once all are done,
// so no compile's trie, values or table share memory that another's
// pooled scratch or parse reuses.
func TestAttackConcurrentCompileSizesGOGC1(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	sizes := [][2]int{{0, 1}, {1, 0}, {32, 33}, {33, 32}, {255, 256}, {256, 255}, {1024, 1}, {1025, 1024}, {3, 1025}}
	rounds := 1
	const workers = 4
	type built struct {
		e    *Evaluator
		set  a7Set
		reqs []Request
	}
	out := make([][]built, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 70))
			for k := range rounds * len(sizes) {
				sz := sizes[(k+3*w)%len(sizes)]
				set := a7Sized(rng, sz[0], sz[1])
				var e *Evaluator
				var err error
				if k%2 == 0 {
					e, err = Compile(set.ps...)
				} else {
					var data []byte
					if data, err = json.Marshal(set.ps[0].Document); err == nil {
						e, err = Load("sized", data, a7Big)
					}
				}
				if err != nil {
					t.Errorf("worker %d: %v", w, err)
					return
				}
				var reqs []Request
				for range 6 {
					r := a7Request(rng, set)
					if got, want := e.Decide(r), referenceDecide(set.ps, r); got != want {
						t.Errorf("worker %d size %v: Decide(%q, %q) = %v, reference %v", w, sz, r.Action, r.Resource, got, want)
						return
					}
					reqs = append(reqs, r)
				}
				out[w] = append(out[w], built{e, set, reqs})
			}
		}()
	}
	wg.Wait()
	for w := range out {
		for _, b := range out[w] {
			a7CheckTable(t, b.e, b.set)
			for _, r := range b.reqs {
				require.Equal(t, referenceDecide(b.set.ps, r), b.e.Decide(r), "worker %d, decided again: %q on %q", w, r.Action, r.Resource)
			}
		}
	}
}

// a7FuzzPieces are the fuzz target's alphabet: a7Pieces, the wildcards
// (twice, so that they are common) and runs that make long literal
// prefixes.
var a7FuzzPieces = append([]string{"*", "?", "*", "?", "ab", "AB", "abcdefgh", "ABCDEFGH"}, a7Pieces...)

// Policies drawn from fuzz bytes (one to six statements, one to three
// action patterns each of up to 80 pieces, some NotAction, a resource
// pattern or "*"): Decide and Explain equal the reference for the
// action and resource given and for requests made from every pattern
// (wildcards filled with the action, upper-cased, lengthened), and the
// table gives back every pattern as written.
func FuzzAttackCompileLayout(f *testing.F) {
	f.Add([]byte("abcdefghijklmnopqrstuvwxyz0123456789"), "ab:AB", "x")
	f.Add([]byte{7, 1, 2, 9, 63, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 64, 3, 3, 3, 3, 1}, "ABCDEFGHabcdefgh", "é")
	f.Add([]byte{65, 200, 17, 3, 0, 0, 0, 5, 1, 2, 255, 254, 8, 8, 8, 8, 8, 8, 8, 8, 8}, "abcdefghABCDEFGH\u212a", "acs:x")
	f.Fuzz(func(t *testing.T, data []byte, action, resource string) {
		if len(data) > 600 || len(action) > 200 || len(resource) > 200 {
			return
		}
		s := &bytesSource{b: data}
		pat := func() string {
			var b strings.Builder
			for range 1 + s.next()%80 {
				b.WriteString(a7FuzzPieces[s.next()%len(a7FuzzPieces)])
			}
			return b.String()
		}
		d := &policy.Document{Kind: policy.Identity, Version: "1"}
		var pats []string
		for range 1 + s.next()%6 {
			st := policy.Statement{Effect: policy.Effect(1 + s.next()%2)}
			var acts []string
			for range 1 + s.next()%3 {
				acts = append(acts, pat())
			}
			if s.next()%5 == 0 {
				st.NotAction = acts
			} else {
				st.Action = acts
			}
			st.Resource = []string{"*"}
			if s.next()%3 != 0 {
				st.Resource[0] = pat()
			}
			pats = append(pats, acts...)
			pats = append(pats, st.Resource...)
			d.Statements = append(d.Statements, st)
		}
		set := a7Set{ps: []Policy{{ID: "f", Document: d}}, all: pats}
		e, err := Compile(set.ps...)
		if err != nil {
			t.Fatal(err)
		}
		a7CheckTable(t, e, set)
		a7Check(t, e, set.ps, Request{Action: action, Resource: resource})
		for _, p := range pats {
			a := strings.NewReplacer("*", action, "?", "q").Replace(p)
			for _, r := range []Request{{Action: a, Resource: resource}, {Action: strings.ToUpper(a), Resource: resource}, {Action: a + action, Resource: resource}} {
				a7Check(t, e, set.ps, r)
			}
		}
	})
}
