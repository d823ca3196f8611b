package lint

import (
	"testing"

	"github.com/ramauthz/ramauthz/internal/match"
)

// smallPatterns returns every pattern of length 0..n over the alphabet.
func smallStrings(alphabet string, n int) []string {
	out := []string{""}
	prev := []string{""}
	for l := 1; l <= n; l++ {
		var next []string
		for _, p := range prev {
			for _, c := range alphabet {
				next = append(next, p+string(c))
			}
		}
		out = append(out, next...)
		prev = next
	}
	return out
}

// TestIntersectsAndCoversAgainstEnumeration checks intersects (exact) and
// covers (sound) against the evaluator's matcher (itself checked against
// the reference in internal/naive) on every pair of patterns of
// up to three characters over {a, B, *, ?}, using every string of up to six
// characters over {a, b, B, c} as the universe. A common string, when one
// exists, is no longer than the two patterns together, so the enumeration
// decides intersection exactly; with fold, 'B' and 'b' are the same letter.
func TestIntersectsAndCoversAgainstEnumeration(t *testing.T) {
	patterns := smallStrings("aB*?", 3)
	universe := smallStrings("abBc", 6)
	for _, fold := range []bool{false, true} {
		// matched[i] is the set of universe strings pattern i matches, as bits.
		matched := make([][]uint64, len(patterns))
		for i, p := range patterns {
			matched[i] = make([]uint64, (len(universe)+63)/64)
			m := match.MustCompile(p, fold)
			for k, s := range universe {
				if m.Match(s) {
					matched[i][k/64] |= 1 << (k % 64)
				}
			}
		}
		for i, a := range patterns {
			for j, b := range patterns {
				common, included := false, true
				for w := range matched[i] {
					common = common || matched[i][w]&matched[j][w] != 0
					included = included && matched[i][w]&^matched[j][w] == 0
				}
				if got := intersects(a, b, fold); got != common {
					t.Fatalf("intersects(%q, %q, fold=%v) = %v, enumeration says %v", a, b, fold, got, common)
				}
				if covers(b, a, fold) && !included {
					t.Fatalf("covers(%q, %q, fold=%v) = true, but a string matches %q and not %q", b, a, fold, a, b)
				}
			}
		}
	}
}

// TestCoversShapes pins the inclusions people write, which covers must see.
func TestCoversShapes(t *testing.T) {
	for _, tc := range []struct {
		b, a string
		fold bool
		want bool
	}{
		{"*", "anything*", false, true},
		{"arms:*", "arms:Get*", true, true},
		{"arms:Get*", "ARMS:gettrace", true, true},
		{"arms:Get*", "arms:*", true, false},
		{"acs:ecs:*:*:instance/*", "acs:ecs:*:*:instance/i-1", false, true},
		{"acs:ecs:*:*:instance/*", "acs:ecs:cn-hangzhou:*:instance/i-?", false, true},
		{"acs:ecs:*:*:instance/i-?", "acs:ecs:*:*:instance/i-*", false, false},
		{"acs:oss:*:*:b/x", "acs:oss:*:*:b/X", false, false},
	} {
		if got := covers(tc.b, tc.a, tc.fold); got != tc.want {
			t.Errorf("covers(%q, %q, %v) = %v, want %v", tc.b, tc.a, tc.fold, got, tc.want)
		}
	}
}

func TestActionsIntersect(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"*:Delete*", "ecs:DeleteInstance", true},
		{"*:Delete*", "ecs:Describe*", false}, // a star does not reach across the colon
		{"*:Delete*", "arms:*", true},
		{"ram:*", "*", true},
		{"ram:*", "RAM:CreateUser", true},
		{"kms:DisableKey", "kms:Enable*", false},
	} {
		if got := actionsIntersect(tc.a, tc.b); got != tc.want {
			t.Errorf("actionsIntersect(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
