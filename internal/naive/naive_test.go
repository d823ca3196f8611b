package naive

import "testing"

func TestMatch(t *testing.T) {
	cases := []struct {
		p, s string
		fold bool
		want bool
	}{
		{"", "", false, true}, {"*", "", false, true}, {"?", "", false, false}, {"a?c", "aéc", false, true},
		{"a?c", "a\xffc", false, true}, {"a*", "a:b/c", false, true}, {"A*", "abc", false, false},
		{"A*", "abc", true, true}, {"É", "é", true, false}, {"*a*b", "aaab", false, true}, {"*a*b", "aaa", false, false},
	}
	for _, c := range cases {
		if got := Match(c.p, c.s, c.fold); got != c.want {
			t.Errorf("Match(%q, %q, %v) = %v, want %v", c.p, c.s, c.fold, got, c.want)
		}
	}
}
