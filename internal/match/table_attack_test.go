package match

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// tableAttackPieces are the bytes word-at-a-time copying and folding must
// keep apart: ASCII letters of both cases at the ends of the alphabet and
// their neighbours ('@' = 'A'-1, '[' = 'Z'+1, '`', '{'), letters plus 0x80
// inside valid characters (Á = C3 81, Ú = C3 9A), lone bytes that are
// letters plus 0x80 (0xC1, 0xDA, 0xE1, 0xFA) or cut characters (0xC3, 0xFF),
// which make a pattern invalid, and wildcards.
var tableAttackPieces = []string{"a", "A", "z", "Z", "x", "X", "@", "[", "`", "{", ":", "Á", "Ú", "é", "É",
	"\xc1", "\xda", "\xe1", "\xfa", "\xc3", "\xff", "*", "?"}

// Sixty patterns of 1 to 24 bytes, folding or not, per table (half of the
// tables grown first by a random amount, and every table grown again by a
// random amount between random Adds: Grow cuts records, chunks and text
// from one block, and moves only the parts short of room): each Add fails exactly when
// Compile does, each pattern matches what the reference matcher matches
// right after it is added, and once all are added every earlier one still
// has its text, literal prefix (also at LiteralAt in Text), shape and
// matches: a failed Add, or the room a later one writes its folded copy
// into, must not change what the table holds.
func TestAttackTableAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(55, 5))
	gen := func(n int) string {
		var b strings.Builder
		for b.Len() < n {
			b.WriteString(tableAttackPieces[rng.IntN(len(tableAttackPieces))])
		}
		return b.String()
	}
	type added struct {
		p    string
		fold bool
		k    int32
	}
	checked := 0
	for round := range 200 {
		var tb Table
		if round%2 == 0 {
			tb.Grow(rng.IntN(10), rng.IntN(100), rng.IntN(5))
		}
		var kept []added
		for range 60 {
			if rng.IntN(8) == 0 {
				// Grow again between Adds, by too little or too much:
				// the parts move to a new block, or some of them do.
				tb.Grow(rng.IntN(5), rng.IntN(60), rng.IntN(4))
			}
			p, fold := gen(1+rng.IntN(24)), rng.IntN(2) == 0
			_, cerr := Compile(p, fold)
			k, err := tb.Add(p, fold)
			if (cerr == nil) != (err == nil) {
				t.Fatalf("%q fold=%v: Compile says %v, Add %v", p, fold, cerr, err)
			}
			if err != nil {
				continue
			}
			kept = append(kept, added{p, fold, k})
			for range 6 {
				s := gen(rng.IntN(30))
				if rng.IntN(3) == 0 {
					s = strings.NewReplacer("*", "", "?", "q").Replace(p)
					if rng.IntN(2) == 0 {
						s = strings.ToUpper(s)
					}
				}
				if got, want := tb.Match(k, s), naiveMatch(p, s, fold); got != want {
					t.Fatalf("%q fold=%v ~ %q: table %v, reference %v", p, fold, s, got, want)
				}
				checked++
			}
		}
		for _, a := range kept {
			cp, err := Compile(a.p, a.fold)
			if err != nil {
				t.Fatal(err)
			}
			off, n := tb.LiteralAt(a.k)
			switch {
			case tb.String(a.k) != a.p:
				t.Fatalf("pattern %d was %q and is now %q", a.k, a.p, tb.String(a.k))
			case tb.Literal(a.k) != cp.Literal() || string(tb.Text()[off:off+n]) != cp.Literal():
				t.Fatalf("%q fold=%v: literal %q, at LiteralAt %q; Compile's %q", a.p, a.fold, tb.Literal(a.k), tb.Text()[off:off+n], cp.Literal())
			case tb.Exact(a.k) != cp.Exact() || tb.Any(a.k) != cp.Any():
				t.Fatalf("%q fold=%v: shape differs from Compile's", a.p, a.fold)
			}
			for range 4 {
				s := gen(rng.IntN(30))
				if got, want := tb.Match(a.k, s), naiveMatch(a.p, s, a.fold); got != want || cp.Match(s) != want {
					t.Fatalf("after the last Add: %q fold=%v ~ %q: table %v, Compile %v, reference %v", a.p, a.fold, s, got, cp.Match(s), want)
				}
				checked++
			}
		}
	}
	t.Logf("%d matches checked", checked)
}
