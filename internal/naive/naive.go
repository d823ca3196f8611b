// Package naive holds the slow, obviously correct wildcard matcher that the
// tests of internal/match and evaluator check the fast one against. It is a
// dynamic-programming table straight from the definition, so it costs the
// product of the pattern and input lengths and allocates: never use it
// outside tests.
package naive

import "unicode/utf8"

// Match reports whether pattern matches all of s, where '*' matches any run
// of characters (including none) and '?' exactly one. A character is one
// UTF-8 code point, or one byte that is not part of a valid encoding. With
// fold set, ASCII letters compare without regard to case.
func Match(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = foldASCII(pattern), foldASCII(s)
	}
	p, t := chars(pattern), chars(s)
	// ok[i][j]: p[i:] matches t[j:].
	ok := make([][]bool, len(p)+1)
	for i := range ok {
		ok[i] = make([]bool, len(t)+1)
	}
	ok[len(p)][len(t)] = true
	for i := len(p) - 1; i >= 0; i-- {
		for j := len(t); j >= 0; j-- {
			switch p[i] {
			case "*":
				ok[i][j] = ok[i+1][j] || (j < len(t) && ok[i][j+1])
			case "?":
				ok[i][j] = j < len(t) && ok[i+1][j+1]
			default:
				ok[i][j] = j < len(t) && p[i] == t[j] && ok[i+1][j+1]
			}
		}
	}
	return ok[0][0]
}

// chars splits s into characters: one per UTF-8 code point, one per byte
// that is not part of a valid encoding.
func chars(s string) []string {
	var out []string
	for len(s) > 0 {
		_, n := utf8.DecodeRuneInString(s)
		out = append(out, s[:n])
		s = s[n:]
	}
	return out
}

func foldASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}
