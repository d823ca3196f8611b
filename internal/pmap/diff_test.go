package pmap

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"strconv"
	"testing"
)

type change struct {
	av, bv   int
	inA, inB bool
}

// refDiff is the slow reference: every key of either map whose presence or
// value differs.
func refDiff(a, b map[string]int) map[string]change {
	out := map[string]change{}
	for k, bv := range b {
		if av, ok := a[k]; !ok || av != bv {
			out[k] = change{av, bv, ok, true}
		}
	}
	for k, av := range a {
		if _, ok := b[k]; !ok {
			out[k] = change{av, 0, true, false}
		}
	}
	return out
}

func gotDiff(t *testing.T, a, b Map[int]) map[string]change {
	t.Helper()
	out := map[string]change{}
	Diff(a, b, func(k string, av int, inA bool, bv int, inB bool) bool {
		if _, dup := out[k]; dup {
			t.Fatalf("Diff reported %q twice", k)
		}
		out[k] = change{av, bv, inA, inB}
		return true
	})
	return out
}

func toMap(m Map[int]) map[string]int {
	out := map[string]int{}
	for k, v := range m.All {
		out[k] = v
	}
	return out
}

// TestDiffAgainstReference: random versions derived from one map (Set,
// SetIn, Delete), compared pairwise in both directions, give exactly the
// reference's differences; so do unrelated maps (another seed) and the
// empty map.
func TestDiffAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var m Map[int]
	var versions []Map[int]
	for i := range 4000 {
		k := "k" + strconv.Itoa(r.IntN(1500))
		switch r.IntN(4) {
		case 0:
			m = m.Delete(k)
		case 1:
			tok := NewToken()
			for j := range r.IntN(20) {
				m = m.SetIn(tok, "k"+strconv.Itoa(r.IntN(1500)), i*100+j)
			}
		default:
			m = m.Set(k, i)
		}
		if i%197 == 0 {
			versions = append(versions, m)
		}
	}
	var other Map[int] // another seed
	for i := range 700 {
		other = other.Set("k"+strconv.Itoa(i*2), i)
	}
	versions = append(versions, other, Map[int]{})
	plain := make([]map[string]int, len(versions))
	for i, v := range versions {
		plain[i] = toMap(v)
	}
	for i, a := range versions {
		for j, b := range versions {
			want := refDiff(plain[i], plain[j])
			got := gotDiff(t, a, b)
			if !maps.Equal(got, want) {
				t.Fatalf("Diff(v%d, v%d): %d differences, want %d", i, j, len(got), len(want))
			}
		}
	}
}

// TestDiffCollisions: keys sharing one full hash (collision buckets) are
// diffed by key.
func TestDiffCollisions(t *testing.T) {
	var a *node[int]
	for i := range 20 {
		a, _ = set(a, 0, entry[int]{key: strconv.Itoa(i), hash: 42, val: i})
	}
	b := a
	b, _ = set(b, 0, entry[int]{key: "3", hash: 42, val: 33})  // changed
	b, _ = set(b, 0, entry[int]{key: "20", hash: 42, val: 20}) // added
	b, _ = del(b, 0, "7", 42)                                  // removed
	b, _ = set(b, 0, entry[int]{key: "x", hash: 43, val: 1})   // added elsewhere
	got := map[string]change{}
	diffNodes(a, b, 0, func(k string, av int, inA bool, bv int, inB bool) bool {
		got[k] = change{av, bv, inA, inB}
		return true
	})
	want := map[string]change{"3": {3, 33, true, true}, "20": {0, 20, false, true}, "7": {7, 0, true, false}, "x": {0, 1, false, true}}
	if !maps.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestDiffStops: yield returning false ends the walk.
func TestDiffStops(t *testing.T) {
	var a Map[int]
	for i := range 100 {
		a = a.Set(strconv.Itoa(i), i)
	}
	b := a
	for i := range 100 {
		b = b.Set(strconv.Itoa(i), -i-1)
	}
	n := 0
	Diff(a, b, func(string, int, bool, int, bool) bool { n++; return n < 3 })
	if n != 3 {
		t.Fatalf("yield called %d times after returning false, want 3", n)
	}
}

// TestDiffVisitsOnlyChangedPaths: a version one Set away from a map of
// 100,000 keys yields that one key and allocates nothing: shared subtrees
// are skipped by pointer, and no unchanged subtree is walked.
func TestDiffVisitsOnlyChangedPaths(t *testing.T) {
	var a Map[int]
	tok := NewToken()
	for i := range 100000 {
		a = a.SetIn(tok, "user-"+strconv.Itoa(i), i)
	}
	b := a.Set("user-500", -1)
	calls := 0
	allocs := testing.AllocsPerRun(20, func() {
		calls = 0
		Diff(a, b, func(k string, av int, inA bool, bv int, inB bool) bool {
			calls++
			if k != "user-500" || av != 500 || bv != -1 || !inA || !inB {
				panic(fmt.Sprintf("unexpected difference %q %d %d", k, av, bv))
			}
			return true
		})
	})
	if calls != 1 || allocs != 0 {
		t.Fatalf("one changed key: %d yields, %v allocs per Diff; want 1 and 0", calls, allocs)
	}
}

// BenchmarkDiffOneChange: the cost of diffing two versions one Set apart,
// by map size (flat: it follows the change, not the map).
func BenchmarkDiffOneChange(b *testing.B) {
	for _, n := range []int{1000, 5000, 100000} {
		var m Map[int]
		for i := range n {
			m = m.Set("user-"+strconv.Itoa(i), i)
		}
		m2 := m.Set("user-1", -1)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Diff(m, m2, func(string, int, bool, int, bool) bool { return true })
			}
		})
	}
}
