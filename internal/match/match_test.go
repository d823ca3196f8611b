package match

import (
	"github.com/ramauthz/ramauthz/internal/naive"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// naiveMatch is the slow reference matcher shared with the evaluator's tests.
func naiveMatch(pattern, s string, fold bool) bool { return naive.Match(pattern, s, fold) }

func TestMatch(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		input   string
		fold    bool
		want    bool
	}{
		{"exact", "ecs:DescribeInstances", "ecs:DescribeInstances", false, true},
		{"exact differs", "ecs:DescribeInstances", "ecs:DescribeInstance", false, false},
		{"exact longer input", "ecs:Describe", "ecs:DescribeX", false, false},
		{"case-sensitive", "acs:oss:*:*:Bucket", "acs:oss:*:*:bucket", false, false},
		{"folded", "arms:Get*", "ARMS:gettrace", true, true},
		{"folded exact", "Arms:GetTrace", "arms:GETTRACE", true, true},
		{"fold is ASCII only", "É", "é", true, false},
		{"star empty", "arms:Get*", "arms:Get", false, true},
		{"star alone", "*", "", false, true},
		{"star anything", "*", "acs:oss:*:*:a/b/c", false, true},
		{"star crosses colon", "acs:ram:*:123:role/x", "acs:ram::123:role/x", false, true},
		{"star crosses slash", "acs:oss:*:*:bucket/*", "acs:oss:cn:1:bucket/a/b/c.jpg", false, true},
		{"bucket does not cover objects", "acs:oss:*:*:bucket", "acs:oss:*:*:bucket/a", false, false},
		{"prefix mismatch", "arms:Get*", "arms:get", false, false},
		{"prefix mismatch folded ok", "arms:Get*", "arms:get", true, true},
		{"question one char", "a?c", "abc", false, true},
		{"question not empty", "a?c", "ac", false, false},
		{"question not two", "a?c", "abbc", false, false},
		{"question multibyte", "a?c", "aéc", false, true},
		{"question 4-byte", "?", "😀", false, true},
		{"two questions one rune", "??", "é", false, false},
		{"question invalid byte", "a?c", "a\xffc", false, true},
		{"two invalid bytes", "??", "\xff\xfe", false, true},
		{"truncated sequence is two chars", "??", "\xe2\x82", false, true},
		{"star question tail multibyte", "*??", "€", false, false},
		{"star question tail", "*?", "€", false, true},
		{"middle chunk", "a*b*c", "axxbyyc", false, true},
		{"middle chunk missing", "a*b*c", "axxyyc", false, false},
		{"middle overlaps tail", "*ab*ba", "aba", false, false},
		{"middle fits", "*ab*ba", "abba", false, true},
		{"head with question", "a?*z", "abz", false, true},
		{"head with question too short", "a?*z", "az", false, false},
		{"tail with question", "*x?z", "yyxéz", false, true},
		{"tail with question wrong", "*x?z", "yyxééz", false, false},
		{"double star", "a**b", "ab", false, true},
		{"adversarial", "*a*a*a*a*a*a*a*a*b", strings.Repeat("a", 60), false, false},
		{"adversarial hit", "*a*a*a*a*a*a*a*a*b", strings.Repeat("a", 60) + "b", false, true},
		{"empty pattern empty input", "", "", false, true},
		{"empty pattern", "", "a", false, false},
		{"folded middle", "*GET*trace", "arms:gettrace", true, true},
		{"folded question", "arms:?ettrace", "ARMS:GETTRACE", true, true},
		{"literal dot", "ecs.aliyuncs.com", "ecsxaliyuncs.com", false, false},
		{"multibyte literal", "acs:oss:*:*:桶/*", "acs:oss:a:b:桶/x", false, true},
		{"multibyte literal mismatch", "acs:oss:*:*:桶/*", "acs:oss:a:b:桷/x", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile(tc.pattern, tc.fold)
			require.NoError(t, err)
			assert.Equal(t, tc.want, p.Match(tc.input), "fast matcher")
			assert.Equal(t, tc.want, naiveMatch(tc.pattern, tc.input, tc.fold), "reference matcher")
		})
	}
}

func TestCompile(t *testing.T) {
	t.Run("invalid UTF-8", func(t *testing.T) {
		_, err := Compile("a\xffb", false)
		require.ErrorIs(t, err, ErrBadPattern)
	})
	t.Run("literal and flags", func(t *testing.T) {
		tests := []struct {
			pattern, lit string
			fold         bool
			exact, any   bool
		}{
			{"arms:Get*", "arms:get", true, false, false},
			{"arms:Get*", "arms:Get", false, false, false},
			{"a?b", "a", false, false, false},
			{"ecs:Stop", "ecs:stop", true, true, false},
			{"*", "", false, false, true},
			{"**", "", false, false, true},
			{"*a", "", false, false, false},
		}
		for _, tc := range tests {
			p := MustCompile(tc.pattern, tc.fold)
			assert.Equal(t, tc.lit, p.Literal(), tc.pattern)
			assert.Equal(t, tc.exact, p.Exact(), tc.pattern)
			assert.Equal(t, tc.any, p.Any(), tc.pattern)
			assert.Equal(t, tc.pattern, p.String())
		}
	})
	t.Run("MustCompile panics", func(t *testing.T) {
		assert.Panics(t, func() { MustCompile("\xff", false) })
	})
}

func TestMatchRest(t *testing.T) {
	p := MustCompile("arms:Get*Rules", true)
	require.Equal(t, "arms:get", p.Literal())
	assert.True(t, p.MatchRest("AlertRules"))
	assert.False(t, p.MatchRest("AlertRule"))
}

func TestLowerASCII(t *testing.T) {
	assert.Equal(t, "abc-É", LowerASCII("ABc-É"))
	s := "already lower"
	assert.Equal(t, s, LowerASCII(s))
	assert.Equal(t, byte('q'), Lower('Q'))
	assert.Equal(t, byte('['), Lower('['))
}

func TestMatchNoAllocs(t *testing.T) {
	p := MustCompile("*a*?b*c?d", true)
	in := strings.Repeat("A", 100) + "xbyyCéd"
	allocs := testing.AllocsPerRun(100, func() {
		if !p.Match(in) {
			panic("expected a match")
		}
	})
	assert.Zero(t, allocs)
}

func FuzzMatch(f *testing.F) {
	seeds := []struct {
		p, s string
		fold bool
	}{
		{"arms:Get*", "arms:GetTrace", true},
		{"*a*a*a*b", "aaaaaaaaaa", false},
		{"a?c", "aéc", false},
		{"*??", "€", false},
		{"*ab*ba", "aba", false},
		{"acs:oss:*:*:bucket/*", "acs:oss:cn:1:bucket/a/b", false},
		{"*x?z", "yyx\xffz", false},
		// '?' chunks of 17 characters and more use the shift-and automaton.
		{"*abcdefghijklmnop?q*", "xxabcdefghijklmnopéqyy", false},
		{"*a?a?a?a?a?a?a?a?a?b*", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaab", true},
		{"x*日本語?日本語?日本語?日本語?日本語?*", "x日本語日本語x日本語日本語日本語日本語\xff日本語", false},
		// Table.Add copies and folds eight bytes at a time: marks at the
		// edges of words, and lengths just off a multiple of eight.
		{"ARMS:GetTRACE*", "arms:gettrace", true},
		{"abcdefg*Hijklmno?", "ABCDEFGxxHIJKLMNOé", true},
		{"Abcdefgh*", "abcdefgh\xff", true},
		{"é1234567*?Z", "é1234567zzz", true},
	}
	for _, s := range seeds {
		f.Add(s.p, s.s, s.fold)
	}
	f.Fuzz(func(t *testing.T, pattern, s string, fold bool) {
		if len(pattern) > 64 || len(s) > 256 {
			return // keep the reference's table small
		}
		p, err := Compile(pattern, fold)
		if !utf8.ValidString(pattern) {
			if err == nil {
				t.Fatalf("Compile(%q) accepted invalid UTF-8", pattern)
			}
			return
		}
		if err != nil {
			t.Fatalf("Compile(%q): %v", pattern, err)
		}
		want := naiveMatch(pattern, s, fold)
		if got := p.Match(s); got != want {
			t.Fatalf("Match(%q, %q, fold=%v) = %v, reference says %v", pattern, s, fold, got, want)
		}
		// The same pattern added to a Table, after another one so that
		// its text and chunks sit in the middle of the table's blocks.
		var tb Table
		if _, err := tb.Add("Pre*Fix*"+pattern, fold); err != nil {
			t.Fatal(err)
		}
		i, err := tb.Add(pattern, fold)
		if err != nil {
			t.Fatalf("Table.Add(%q): %v", pattern, err)
		}
		if tb.String(i) != pattern || tb.Literal(i) != p.Literal() {
			t.Fatalf("Table: String %q, Literal %q; want %q, %q", tb.String(i), tb.Literal(i), pattern, p.Literal())
		}
		if got := tb.Match(i, s); got != want {
			t.Fatalf("Table: Match(%q, %q, fold=%v) = %v, reference says %v", pattern, s, fold, got, want)
		}
		if lit := p.Literal(); len(s) >= len(lit) && equal(s[:len(lit)], lit, fold) {
			if got := tb.MatchRest(i, s[len(lit):]); got != want {
				t.Fatalf("Table: MatchRest(%q, %q, fold=%v) = %v, reference says %v", pattern, s[len(lit):], fold, got, want)
			}
		}
	})
}
