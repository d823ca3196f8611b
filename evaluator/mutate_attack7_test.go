package evaluator

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"

	"github.com/ramauthz/ramauthz/policy"
	"github.com/stretchr/testify/require"
)

// Compile promises that Action, NotAction, Resource and NotResource
// patterns are copied into blocks the Evaluator owns. A caller whose
// decoder hands out strings viewing a buffer it reuses (zero-copy JSON
// readers do) relies on that: here every pattern views one []byte, the
// Evaluator is compiled, and the buffer is then overwritten (with other
// patterns, then with 0xA5 bytes). Decisions and the table's patterns
// must stay those of the patterns as they were, for patterns of every
// length around the word steps, folded or not, in sets small enough for
// the stack sort and large enough for the pooled radix sort.
func TestAttackPatternBufferReusedAfterCompile(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 4))
	changed := 0
	for round := range 24 {
		nst := 1 + rng.IntN(20)
		if round%4 == 0 {
			nst = 260 + rng.IntN(200)
		}
		set := a7Gen(rng, nst, false)
		// Copy every pattern into one buffer and point the documents at
		// views of it; the reference keeps its own copy (clonePolicies
		// would keep the views).
		ref := make([]Policy, len(set.ps))
		var buf []byte
		for pi, p := range set.ps {
			d := *p.Document
			rd := *p.Document
			d.Statements = make([]policy.Statement, len(p.Document.Statements))
			rd.Statements = make([]policy.Statement, len(p.Document.Statements))
			for i, st := range p.Document.Statements {
				rd.Statements[i] = st
				for _, l := range []*[]string{&st.Action, &st.NotAction, &st.Resource, &st.NotResource} {
					if *l == nil {
						continue
					}
					own := make([]string, len(*l))
					for k, s := range *l {
						buf = append(buf, s...)
						own[k] = s
					}
					*l = own
				}
				d.Statements[i] = st
			}
			set.ps[pi].Document = &d
			ref[pi] = Policy{ID: p.ID, Document: &rd}
		}
		if cap(buf) == 0 {
			continue
		}
		block := buf[:len(buf):len(buf)]
		off := 0
		for _, p := range set.ps {
			for i := range p.Document.Statements {
				st := &p.Document.Statements[i]
				for _, l := range [][]string{st.Action, st.NotAction, st.Resource, st.NotResource} {
					for k := range l {
						n := len(l[k])
						l[k] = unsafe.String(&block[off], n)
						off += n
					}
				}
			}
		}
		e, err := Compile(set.ps...)
		require.NoError(t, err)
		var reqs []Request
		var want []Decision
		for range 30 {
			r := a7Request(rng, set)
			reqs = append(reqs, r)
			want = append(want, referenceDecide(ref, r))
			require.Equal(t, want[len(want)-1], e.Decide(r), "before the buffer is reused: %q on %q", r.Action, r.Resource)
		}
		// The caller reuses its buffer: first for other patterns (in
		// another case), then for junk.
		other := strings.ToUpper(strings.Repeat("svc:*?", len(block)/6+1))
		copy(block, other)
		for i, r := range reqs {
			require.Equal(t, want[i], e.Decide(r), "after the buffer held other patterns: %q on %q", r.Action, r.Resource)
		}
		for i := range block {
			block[i] = 0xA5
		}
		for i, r := range reqs {
			require.Equal(t, want[i], e.Decide(r), "after the buffer was overwritten: %q on %q", r.Action, r.Resource)
		}
		a7CheckTable(t, e, a7Set{ps: ref})
		// The documents themselves did change: their patterns now read
		// 0xA5 bytes, which the reference sees.
		for i, r := range reqs {
			if referenceDecide(set.ps, r) != want[i] {
				changed++
			}
		}
	}
	require.NotZero(t, changed, "overwriting the buffer changed no document's decision: the test shows nothing")
}
