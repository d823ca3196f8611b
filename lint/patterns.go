package lint

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ramauthz/ramauthz/internal/match"
)

// The pattern questions the checks ask, answered on the patterns as written:
// '*' matches any run of characters, '?' exactly one character, and actions
// compare without regard to ASCII case (fold). These are exact for
// intersection and sound (never a wrong "yes") for inclusion: a check that
// reports redundancy or shadowing only does so when it is certain.

func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?") }

// intersects reports whether some string matches both patterns a and b.
// It is exact: a dynamic programme over the positions of both patterns, in
// which a star of either side may absorb any part of the other side
// (including the other side's stars).
func intersects(a, b string, fold bool) bool {
	ra, rb := []rune(a), []rune(b)
	n, m := len(ra), len(rb)
	// reach[i][j]: the prefixes a[:i] and b[:j] can match one common string.
	reach := make([][]bool, n+1)
	for i := range reach {
		reach[i] = make([]bool, m+1)
	}
	reach[0][0] = true
	for i := 0; i <= n; i++ {
		for j := 0; j <= m; j++ {
			if !reach[i][j] {
				continue
			}
			if i < n && ra[i] == '*' {
				reach[i+1][j] = true // the star matches nothing more
				if j < m {
					reach[i][j+1] = true // the star absorbs b[j] (a character or b's own star)
				}
			}
			if j < m && rb[j] == '*' {
				reach[i][j+1] = true
				if i < n {
					reach[i+1][j] = true
				}
			}
			if i < n && j < m && ra[i] != '*' && rb[j] != '*' && charsMeet(ra[i], rb[j], fold) {
				reach[i+1][j+1] = true
			}
		}
	}
	return reach[n][m]
}

// actionsIntersect reports whether some well-formed action ("service:name",
// one colon) matches both action patterns: the service parts and the name
// parts are compared separately, so a star does not reach across the colon.
// A pattern without a colon ("*") is compared whole.
func actionsIntersect(a, b string) bool {
	sa, na, oka := strings.Cut(a, ":")
	sb, nb, okb := strings.Cut(b, ":")
	if !oka || !okb {
		return intersects(a, b, true)
	}
	return intersects(sa, sb, true) && intersects(na, nb, true)
}

func charsMeet(x, y rune, fold bool) bool {
	if x == '?' || y == '?' || x == y {
		return true
	}
	return fold && x < utf8.RuneSelf && y < utf8.RuneSelf && match.Lower(byte(x)) == match.Lower(byte(y))
}

func equalFold(a, b string, fold bool) bool {
	if !fold {
		return a == b
	}
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if match.Lower(a[i]) != match.Lower(b[i]) {
			return false
		}
	}
	return true
}

// matches reports whether the literal string s matches pattern p.
func matches(p, s string, fold bool) bool {
	return !hasWildcard(s) && intersects(p, s, fold)
}

// covers reports that every string matching a also matches b. It is sound
// but not complete: it answers true when b matches a read as a string in
// which a's '*' is a symbol only a '*' of b can absorb and a's '?' is a
// symbol that a '?' or a '*' of b can absorb. Every string a matches is then
// matched by b. Patterns where inclusion holds for subtler reasons (b's
// literal text spread over several of a's stars) answer false, so a check
// that reports redundancy or shadowing only does so when it is certain.
func covers(b, a string, fold bool) bool {
	if b == "*" || equalFold(a, b, fold) {
		return true
	}
	rb, ra := []rune(b), []rune(a)
	n, m := len(rb), len(ra)
	// ok[i][j]: b[i:] covers a[j:].
	ok := make([][]bool, n+1)
	for i := range ok {
		ok[i] = make([]bool, m+1)
	}
	ok[n][m] = true
	for i := n; i >= 0; i-- {
		for j := m; j >= 0; j-- {
			if i == n {
				continue // ok[n][m] set above; b exhausted with a left: false
			}
			switch rb[i] {
			case '*':
				ok[i][j] = ok[i+1][j] || j < m && ok[i][j+1]
			case '?':
				ok[i][j] = j < m && ra[j] != '*' && ok[i+1][j+1]
			default:
				ok[i][j] = j < m && ra[j] != '*' && ra[j] != '?' && charsMeet(rb[i], ra[j], fold) && ok[i+1][j+1]
			}
		}
	}
	return ok[0][0]
}

// coversAll reports that every string matching one of as matches one of bs,
// as far as covers can tell.
func coversAll(bs, as []string, fold bool) bool {
	for _, a := range as {
		ok := false
		for _, b := range bs {
			if covers(b, a, fold) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// complexity says why a pattern is costly or hard to read, or "" when it is
// not: more than four stars, or a '?' somewhere after a '*'.
func complexity(p string) string {
	stars := strings.Count(p, "*")
	if stars > 4 {
		return "has " + strconv.Itoa(stars) + " '*' wildcards"
	}
	if i := strings.IndexByte(p, '*'); i >= 0 && strings.IndexByte(p[i:], '?') >= 0 {
		return "has '?' after '*'"
	}
	return ""
}
