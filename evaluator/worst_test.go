package evaluator

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ramauthz/ramauthz/policy"
	"github.com/stretchr/testify/require"
)

// manyPatternDocs are accepted documents (default limits: 6,144
// characters) that fill the whole budget with short patterns between
// stars, each of which must be searched for in the whole resource: the
// worst a document can do to a decision when every pattern has to be
// tried (none matches). Pattern i is made distinct by its number.
func manyPatternDocs() map[string]string {
	const skel = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":[]}]}`
	fill := func(item func(i int) string) string {
		var out []string
		size := len(skel)
		for i := 0; ; i++ {
			it := `"` + item(i) + `"`
			if size+len(it)+1 > 6144 {
				break
			}
			out = append(out, it)
			size += len(it) + 1
		}
		return strings.Replace(skel, "[]", "["+strings.Join(out, ",")+"]", 1)
	}
	stmts := func(item func(i int) string) string {
		var out []string
		size := len(`{"Version":"1","Statement":[]}`)
		for i := 0; ; i++ {
			it := `{"Effect":"Allow","Action":"*","Resource":"` + item(i) + `"}`
			if size+len(it)+1 > 6144 {
				break
			}
			out = append(out, it)
			size += len(it) + 1
		}
		return `{"Version":"1","Statement":[` + strings.Join(out, ",") + `]}`
	}
	n := strconv.Itoa
	return map[string]string{
		"short-question":  fill(func(i int) string { return "acs:*a?" + n(i) + "*" }),
		"17-question":     fill(func(i int) string { return "acs:*aaaaaaaaaaaaaaaa?" + n(i) + "*" }),
		"short-literal":   fill(func(i int) string { return "acs:*aaa" + n(i) + "*" }),
		"statements":      stmts(func(i int) string { return "acs:*a?" + n(i) + "*" }),
		"periodic-anchor": fill(func(i int) string { return "acs:*ab" + strings.Repeat("?", 2*(i%8)+2) + "b" + n(i%10) + "*" }),
	}
}

// BenchmarkManyPatterns64KiB decides a 64 KiB resource ("acs:" and 'a'
// repeated, or "ab" repeated for periodic-anchor) against each of
// manyPatternDocs. Every pattern is searched for separately, so the cost
// is the number of patterns times a pass over the resource: this is the
// worst accepted document found for a decision (see docs/semantics.md).
func BenchmarkManyPatterns64KiB(b *testing.B) {
	const n = 64 << 10
	for name, doc := range manyPatternDocs() {
		b.Run(name, func(b *testing.B) {
			d, err := policy.Parse([]byte(doc))
			require.NoError(b, err)
			e, err := Compile(Policy{ID: "p", Document: d})
			require.NoError(b, err)
			unit := "a"
			if name == "periodic-anchor" {
				unit = "ab"
			}
			r := Request{Action: "s:x", Resource: "acs:" + strings.Repeat(unit, n/len(unit))[:n-4]}
			b.ReportAllocs()
			b.SetBytes(n)
			for b.Loop() {
				if e.Decide(r) != ImplicitDeny {
					b.Fatal("matched")
				}
			}
		})
	}
}

// TestManyPatternDocsAccepted: the documents of BenchmarkManyPatterns64KiB
// are within the default limits, decide as the reference does on a short
// resource, and Decide allocates nothing on the 64 KiB one.
func TestManyPatternDocsAccepted(t *testing.T) {
	for name, doc := range manyPatternDocs() {
		d, err := policy.Parse([]byte(doc))
		require.NoError(t, err, name)
		require.LessOrEqual(t, len(doc), 6144, name)
		ps := []Policy{{ID: "p", Document: d}}
		e := mustCompile(t, ps)
		allowed := 0
		for _, res := range []string{"acs:" + strings.Repeat("a", 200), "acs:xab17x", "acs:" + strings.Repeat("a", 16) + "x99", "acs:abxxxxxxxxb3",
			"acs:aaa17", "acs:" + strings.Repeat("ab", 300)} {
			r := Request{Action: "s:x", Resource: res}
			want := referenceDecide(ps, r)
			require.Equal(t, want, e.Decide(r), "%s %q", name, res)
			if want == Allow {
				allowed++
			}
		}
		require.Positive(t, allowed, "%s: some resource is allowed", name)
		r := Request{Action: "s:x", Resource: "acs:" + strings.Repeat("a", 64<<10)}
		require.Zero(t, testing.AllocsPerRun(2, func() { e.Decide(r) }), name)
	}
}
