package evaluator

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// Compiles running at once share the index builders' pooled scratch
// (trie.Builder.Release): each Evaluator must still decide as the
// reference does, right after compiling and once every other compile is
// done, so no Evaluator keeps memory another compile reuses. The sets
// are the generated ones of TestInvariantsRandom, some joined into sets of
// many statements (more than the builders sort on the stack), so that
// small compiles reuse large ones' scratch.
func TestConcurrentCompilesDecideAsReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 7))
	cases := make([]invariantCase, 400)
	for i := range cases {
		data := make([]byte, 96)
		for j := range data {
			data[j] = byte(rng.IntN(256))
		}
		s := &bytesSource{b: data}
		cases[i] = genInvariantCase(t, s, s.pattern(actionPieces), s.pattern(resourcePieces), requestValues[rng.IntN(len(requestValues))])
	}
	for i := 0; i+40 <= len(cases); i += 40 {
		var joined []Policy
		for _, c := range cases[i : i+40] {
			joined = append(joined, c.ps...)
		}
		cases = append(cases, invariantCase{ps: joined, r: cases[i].r})
	}
	const workers = 4
	evs := make([][]*Evaluator, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			evs[w] = make([]*Evaluator, len(cases))
			// Each worker walks the cases from its own start, so that
			// different sizes compile at once.
			for k := range cases {
				i := (k + w*len(cases)/workers) % len(cases)
				c := cases[i]
				e, err := Compile(c.ps...)
				if err != nil {
					t.Errorf("case %d: %v", i, err)
					return
				}
				if got, want := e.Decide(c.r), referenceDecide(c.ps, c.r); got != want {
					t.Errorf("worker %d case %d: Decide %v, reference %v\n%s", w, i, got, want, dump(c.ps))
					return
				}
				evs[w][i] = e
			}
		}()
	}
	wg.Wait()
	seen := map[Decision]int{}
	for w := range evs {
		for i, e := range evs[w] {
			c := cases[i]
			want := referenceDecide(c.ps, c.r)
			require.Equal(t, want, e.Decide(c.r), "worker %d case %d, decided again\n%s", w, i, dump(c.ps))
			seen[want]++
		}
	}
	for _, d := range []Decision{ImplicitDeny, Allow, ExplicitDeny} {
		require.GreaterOrEqual(t, seen[d], 100, "cases deciding %v: %v", d, seen)
	}
}
