// Package match implements the wildcard patterns of the RAM policy language.
//
// A pattern is a string in which '*' matches any run of characters (including
// none, and including ':' and '/') and '?' matches exactly one character. A
// character is one UTF-8 encoded code point; a byte that is not part of a
// valid encoding counts as one character on its own (the unit of
// utf8.DecodeRuneInString). Every other pattern character matches itself. A
// pattern is anchored at both ends: it must match the whole string.
//
// Matching never backtracks over an earlier star. The literal text before the
// first star and after the last star is matched at the fixed positions it
// must occupy, and each chunk between stars is found at its leftmost
// possible position, which is always the best choice. Each chunk search
// reads the string once: a substring search for case-sensitive literals,
// Knuth-Morris-Pratt for folded literals, and for chunks with '?' one of
// three searches chosen when the pattern is compiled (see mid): a search
// anchored on the longest literal run for chunks under 17 characters; a
// segment search (one Knuth-Morris-Pratt automaton per distinct literal
// run, O(1) work a character per run) for chunks of 65 characters or more
// whose runs fall into at most 8 groups; and a bit-parallel (shift-and)
// automaton for the rest, whose step costs one operation per live partial
// match while there are few, else one per 64 characters of the longest
// partial match. Every compiled form is linear in the chunk. Matching never
// allocates.
//
// Patterns are compiled once (Compile) and are then immutable and safe for
// concurrent use. A Table holds many patterns in a few pointer-free blocks,
// for a loader that compiles thousands at once.
package match

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// ErrBadPattern is returned by Compile for a pattern that is not valid UTF-8.
// It is the only error Compile returns.
var ErrBadPattern = errors.New("pattern is not valid UTF-8")

// Pattern is a compiled wildcard pattern. The zero value matches only the
// empty string.
type Pattern struct {
	lit   string // literal text before the first wildcard (folded when fold)
	head  string // after lit, up to the first '*' (starts with '?' if non-empty)
	mids  []mid  // chunks between consecutive stars, empty chunks dropped
	tail  string // the chunk after the last star
	star  bool   // the pattern has at least one '*'
	fold  bool   // compare ASCII letters case-insensitively
	tailQ bool   // tail contains '?'
	tailN int    // characters in tail (only used when tailQ)
	src   string // the pattern as given
}

// Compile compiles a pattern. With fold set, ASCII letters match without
// regard to case (A-Z and a-z only; every other byte matches exactly).
// The only possible returned error is ErrBadPattern.
func Compile(pattern string, fold bool) (Pattern, error) {
	if !utf8.ValidString(pattern) {
		return Pattern{}, ErrBadPattern
	}
	src := pattern
	if fold {
		pattern = lowerASCII(pattern)
	}
	var l layout
	l.of(pattern)
	p := Pattern{fold: fold, src: src, star: l.star, lit: pattern[:l.lit], head: pattern[l.lit:l.head]}
	if !l.star {
		return p, nil
	}
	p.tail = pattern[l.tail:]
	if l.mids > 0 {
		p.mids = appendMids(make([]mid, 0, l.mids), pattern, l, fold)
	}
	p.tailQ, p.tailN = l.tailQ, l.tailN
	return p, nil
}

// appendMids appends the compiled chunks between the first and the last
// star of pattern to ms.
func appendMids(ms []mid, pattern string, l layout, fold bool) []mid {
	for inner := pattern[l.head+1 : max(l.head+1, l.tail-1)]; inner != ""; {
		c, after, _ := strings.Cut(inner, "*")
		if c != "" {
			ms = append(ms, newMid(c, fold))
		}
		inner = after
	}
	return ms
}

// wildcard returns the index of the first '*' or '?' in s, or -1.
func wildcard(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '*' || c == '?' {
			return i
		}
	}
	return -1
}

// hasUpper reports whether s has an ASCII upper-case letter.
func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

// MustCompile is like Compile but panics on error. It is meant for tests.
func MustCompile(pattern string, fold bool) Pattern {
	p, err := Compile(pattern, fold)
	if err != nil {
		panic("match: MustCompile(" + pattern + "): " + err.Error())
	}
	return p
}

// String returns the pattern as it was given to Compile.
func (p *Pattern) String() string { return p.src }

// Literal returns the literal text before the first wildcard, ASCII-folded
// to lower case for a folding pattern. Every string the pattern matches
// starts with it (after folding).
func (p *Pattern) Literal() string { return p.lit }

// Exact reports whether the pattern has no wildcard, so that it matches only
// the string Literal (up to folding).
func (p *Pattern) Exact() bool { return !p.star && p.head == "" }

// Any reports whether the pattern matches every string, as "*" does.
func (p *Pattern) Any() bool {
	return p.lit == "" && p.head == "" && p.star && len(p.mids) == 0 && p.tail == ""
}

// Match reports whether the pattern matches all of s.
func (p *Pattern) Match(s string) bool {
	if len(s) < len(p.lit) || !equal(s[:len(p.lit)], p.lit, p.fold) {
		return false
	}
	return p.MatchRest(s[len(p.lit):])
}

// MatchRest reports whether the pattern matches Literal()+rest, for a rest
// that follows text already known to match the literal prefix.
func (p *Pattern) MatchRest(s string) bool {
	s, ok := p.ends(s)
	if !ok {
		return false
	}
	for i := range p.mids {
		end := p.mids[i].find(s, p.fold)
		if end < 0 {
			return false
		}
		s = s[end:]
	}
	return true
}

// ends matches the head and the tail of the pattern against the start and
// the end of s, a rest that follows the literal prefix, and returns what
// lies between them, where the chunks between stars must be found in
// order. It returns false when they cannot match (for a pattern without a
// star, when s is not all head).
func (p *Pattern) ends(s string) (string, bool) {
	return ends(p.head, p.tail, p.star, p.fold, p.tailQ, p.tailN, s)
}

// ends is Pattern.ends for the parts of a pattern given one by one (a
// Table keeps them as offsets, not as a Pattern).
func ends(head, tail string, star, fold, tailQ bool, tailN int, s string) (string, bool) {
	n, ok := chunk(head, s, fold)
	if !ok {
		return "", false
	}
	s = s[n:]
	if !star {
		return "", len(s) == 0
	}
	if tail != "" {
		var j int
		if !tailQ {
			j = len(s) - len(tail)
			if j < 0 || !equal(s[j:], tail, fold) {
				return "", false
			}
		} else {
			total := utf8.RuneCountInString(s)
			if total < tailN {
				return "", false
			}
			j = skipChars(s, total-tailN)
			if n, ok := chunk(tail, s[j:], fold); !ok || n != len(s)-j {
				return "", false
			}
		}
		s = s[:j]
	}
	return s, true
}

// chunk matches the star-free chunk c against the start of s and returns the
// number of bytes it consumed.
func chunk(c, s string, fold bool) (int, bool) {
	i := 0
	for k := 0; k < len(c); k++ {
		if i >= len(s) {
			return 0, false
		}
		if c[k] == '?' {
			if s[i] < utf8.RuneSelf {
				i++
			} else {
				_, sz := utf8.DecodeRuneInString(s[i:])
				i += sz
			}
			continue
		}
		b := s[i]
		if fold {
			b = lower(b)
		}
		if b != c[k] {
			return 0, false
		}
		i++
	}
	return i, true
}

// skipChars returns the byte offset after the first n characters of s.
func skipChars(s string, n int) int {
	i := 0
	for ; n > 0; n-- {
		if s[i] < utf8.RuneSelf {
			i++
		} else {
			_, sz := utf8.DecodeRuneInString(s[i:])
			i += sz
		}
	}
	return i
}

// equal compares s with the pattern text t, folding s when fold is set (t is
// already folded).
func equal(s, t string, fold bool) bool {
	if !fold {
		return s == t
	}
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lower(s[i]) != t[i] {
			return false
		}
	}
	return true
}

// lower folds an ASCII upper-case letter to lower case and leaves every
// other byte alone.
func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// Lower folds an ASCII upper-case letter to lower case and leaves every other
// byte alone.
func Lower(c byte) byte { return lower(c) }

// lowerASCII returns s with ASCII letters folded to lower case, allocating
// only when something changes.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lower(b[j])
			}
			return string(b)
		}
	}
	return s
}

// LowerASCII returns s with ASCII letters A-Z folded to lower case; every
// other byte is unchanged. It allocates only when s has an upper-case letter.
func LowerASCII(s string) string { return lowerASCII(s) }
