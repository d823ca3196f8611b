package evaluator

import (
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ramauthz/ramauthz/policy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Random documents built in code (not parsed, so nothing has checked
// them): one to three policies of one to eight statements, Action or
// NotAction and Resource or NotResource lists of patterns of 1 to 24
// bytes made of letters at the ends of the alphabet in both cases, their
// neighbours ('@', '[', '`', '{'), characters whose bytes are letters
// plus 0x80 (Á, Ú) or that fold to ASCII letters only under Unicode rules
// (ſ, K), and wildcards. One statement in forty gets a byte sequence that
// is not UTF-8 in one pattern: Compile must refuse the set, not panic.
// Otherwise Decide must equal referenceDecide for requests made from the
// set's patterns (wildcards filled, ASCII case flipped at random,
// resources filled with non-ASCII text) and for random requests, some
// holding lone bytes that are letters plus 0x80.
func TestAttackCompileRandomDocuments(t *testing.T) {
	rng := rand.New(rand.NewPCG(99, 3))
	pieces := []string{"a", "A", "z", "Z", "x", "X", "s", "S", "@", "[", "`", "{", ":", "Á", "Ú", "é", "É", "ſ", "K", "*", "?"}
	lone := []string{"\xc1", "\xda", "\xe1", "\xfa", "a", "A"}
	bad := []string{"\xff", "\xc3", "\xed\xa0\x80", "\xe1\x80", "\xc1\x81"}
	gen := func(n int) string {
		var b strings.Builder
		for b.Len() < n {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	list := func(max int) []string {
		l := make([]string, 1+rng.IntN(max))
		for i := range l {
			l[i] = gen(1 + rng.IntN(24))
		}
		return l
	}
	decided, refused := 0, 0
	for range 3000 {
		var ps []Policy
		broken := false
		for range 1 + rng.IntN(3) {
			d := &policy.Document{Kind: policy.Identity, Version: "1"}
			for range 1 + rng.IntN(8) {
				st := policy.Statement{Effect: policy.Allow}
				if rng.IntN(3) == 0 {
					st.Effect = policy.Deny
				}
				if rng.IntN(4) == 0 {
					st.NotAction = list(4)
				} else {
					st.Action = list(4)
				}
				if rng.IntN(4) == 0 {
					st.NotResource = list(3)
				} else {
					st.Resource = list(3)
				}
				if rng.IntN(40) == 0 {
					l := [][]string{st.Action, st.NotAction, st.Resource, st.NotResource}[rng.IntN(4)]
					if l == nil {
						l = st.Resource
						if l == nil {
							l = st.NotResource
						}
					}
					k := rng.IntN(len(l))
					at := rng.IntN(len(l[k]) + 1)
					l[k] = l[k][:at] + bad[rng.IntN(len(bad))] + l[k][at:]
					broken = true
				}
				d.Statements = append(d.Statements, st)
			}
			ps = append(ps, Policy{ID: "p", Document: d})
		}
		e, err := Compile(ps...)
		if broken {
			if err == nil {
				t.Fatalf("Compile accepted a pattern that is not UTF-8:\n%s", dump(ps))
			}
			refused++
			continue
		}
		if err != nil {
			t.Fatalf("Compile: %v\n%s", err, dump(ps))
		}
		for range 10 {
			var a, r string
			if rng.IntN(2) == 0 {
				st := ps[0].Document.Statements[rng.IntN(len(ps[0].Document.Statements))]
				as, rs := st.Action, st.Resource
				if as == nil {
					as = st.NotAction
				}
				if rs == nil {
					rs = st.NotResource
				}
				a = strings.NewReplacer("*", "", "?", "q").Replace(as[rng.IntN(len(as))])
				a = strings.Map(func(c rune) rune {
					if c < utf8.RuneSelf && rng.IntN(2) == 0 {
						return c ^ 0x20 // flips ASCII case, and '@' to '`', '[' to '{'
					}
					return c
				}, a)
				r = strings.NewReplacer("*", "zz", "?", "é").Replace(rs[rng.IntN(len(rs))])
			} else {
				a, r = gen(rng.IntN(24)), gen(rng.IntN(24))
				if rng.IntN(2) == 0 {
					at := rng.IntN(len(a) + 1)
					a = a[:at] + lone[rng.IntN(len(lone))] + a[at:]
				}
			}
			req := Request{Action: a, Resource: r}
			if got, want := e.Decide(req), referenceDecide(ps, req); got != want {
				t.Fatalf("Decide(%q, %q) = %v, reference %v\n%s", a, r, got, want, dump(ps))
			}
			decided++
		}
	}
	if refused == 0 || decided < 10000 {
		t.Fatalf("%d decisions, %d sets refused: the generator tests too little", decided, refused)
	}
	t.Logf("%d decisions checked, %d sets refused", decided, refused)
}

// A compiled Evaluator keeps the Sids, condition keys and condition values
// of its documents as they are (strings are immutable), so when a parsed
// Document's strings were slices of its whole input, an Evaluator kept
// the input alive after the Document was dropped: about 1 MiB per
// Evaluator for a document of under 200 characters padded with white
// space to the default MaxInputBytes. policy.Parse now copies the
// strings of such a document into a block of their own; the bound is
// TestCompiledSizeBound's (64 bytes per character of the minified
// document), plus 16 KiB of slack for the measurement.
func TestAttackEvaluatorDoesNotKeepItsInput(t *testing.T) {
	const small = `{"Version":"1","Statement":[{"Sid":"s","Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringEquals":{"k":"v"},"NumericLessThan":{"n":"12.5"}}}]}`
	for name, data := range map[string]string{
		"padded after":   small + strings.Repeat(" ", 1<<20-len(small)-16),
		"padded between": strings.ReplaceAll(small, ",", ",\n"+strings.Repeat(" ", 1<<16)),
	} {
		best := int64(math.MaxInt64)
		size := 0
		for range 3 {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.GC()
			runtime.ReadMemStats(&before)
			d, err := policy.Parse([]byte(data))
			require.NoError(t, err)
			size = len(d.String())
			e, err := Compile(Policy{ID: "p", Document: d})
			require.NoError(t, err)
			d = nil
			runtime.GC()
			runtime.ReadMemStats(&after)
			runtime.KeepAlive(e)
			best = min(best, int64(after.HeapAlloc)-int64(before.HeapAlloc))
		}
		t.Logf("%s: %d-byte input, %d characters minified, Evaluator keeps %d bytes", name, len(data), size, best)
		assert.LessOrEqual(t, best, int64(64*size+16<<10), "%s: the Evaluator keeps its document's %d-byte input", name, len(data))
	}
}
