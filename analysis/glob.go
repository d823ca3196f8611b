package analysis

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file explores strings: one nondeterministic automaton per pattern,
// run in lock step over a reduced alphabet, to find one string for every
// combination of pattern memberships that some string has.

// tokKind is the kind of one pattern position.
type tokKind uint8

const (
	tokLit  tokKind = iota // one of runes
	tokAny                 // '?': any one character
	tokStar                // '*': any run of characters
)

type token struct {
	kind  tokKind
	runes []rune // tokLit: the characters matched (a fold orbit, or one)
}

// nfa is a linear automaton: states 0..len(toks); state len(toks) accepts.
type nfa struct {
	toks  []token
	words int // uint64 words per state set
}

// globNFA compiles a wildcard pattern ('*', '?'); with fold set the pattern
// is already folded and characters match themselves only.
func globNFA(p string) *nfa {
	var toks []token
	for _, r := range p {
		switch r {
		case '*':
			if len(toks) > 0 && toks[len(toks)-1].kind == tokStar {
				continue // "**" is "*"
			}
			toks = append(toks, token{kind: tokStar})
		case '?':
			toks = append(toks, token{kind: tokAny})
		default:
			toks = append(toks, token{kind: tokLit, runes: []rune{r}})
		}
	}
	return newNFA(toks)
}

// literalNFA compiles an exact string ('*' and '?' are ordinary
// characters); with fold, each character matches its Unicode simple-fold
// orbit, as strings.EqualFold compares.
func literalNFA(s string, fold bool) *nfa {
	var toks []token
	for _, r := range s {
		rs := []rune{r}
		if fold {
			rs = foldOrbit(r)
		}
		toks = append(toks, token{kind: tokLit, runes: rs})
	}
	return newNFA(toks)
}

func foldOrbit(r rune) []rune {
	rs := []rune{r}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		rs = append(rs, f)
	}
	slices.Sort(rs)
	return rs
}

func newNFA(toks []token) *nfa {
	return &nfa{toks: toks, words: (len(toks) + 1 + 63) / 64}
}

func has(set []uint64, i int) bool { return set[i>>6]&(1<<(uint(i)&63)) != 0 }
func put(set []uint64, i int)      { set[i>>6] |= 1 << (uint(i) & 63) }

// close adds the states reachable through stars (a star may match nothing).
func (a *nfa) close(set []uint64) {
	for i, t := range a.toks {
		if t.kind == tokStar && has(set, i) {
			put(set, i+1)
		}
	}
}

func (a *nfa) start(set []uint64) {
	put(set, 0)
	a.close(set)
}

// step writes into dst the states reached from src on character c.
func (a *nfa) step(dst, src []uint64, c rune) {
	for i, t := range a.toks {
		if !has(src, i) {
			continue
		}
		switch t.kind {
		case tokStar:
			put(dst, i)
		case tokAny:
			put(dst, i+1)
		case tokLit:
			if slices.Contains(t.runes, c) {
				put(dst, i+1)
			}
		}
	}
	a.close(dst)
}

func (a *nfa) accepts(set []uint64) bool { return has(set, len(a.toks)) }

// cost is a rough measure of how many states the automaton may have: the
// '?' and literal positions after the first star.
func (a *nfa) cost() int {
	n, star := 0, false
	for _, t := range a.toks {
		if t.kind == tokStar {
			star = true
		} else if star {
			n++
		}
	}
	return n
}

// alphabet returns the characters the automata name, sorted, plus one
// fresh character that none of them names and whose fold orbit is disjoint
// from them. Every character outside the alphabet is treated by every
// automaton as the fresh one is.
func alphabet(as []*nfa, prefer string) []rune {
	seen := map[rune]bool{}
	var out []rune
	for _, a := range as {
		for _, t := range a.toks {
			for _, r := range t.runes {
				if !seen[r] {
					seen[r] = true
					out = append(out, r)
				}
			}
		}
	}
	slices.Sort(out)
	return append(out, freshRune(seen, prefer))
}

func freshRune(used map[rune]bool, prefer string) rune {
	ok := func(r rune) bool {
		for _, f := range foldOrbit(r) {
			if used[f] {
				return false
			}
		}
		return true
	}
	for _, r := range prefer {
		if ok(r) {
			return r
		}
	}
	for r := rune(0x100); ; r++ {
		if utf8.ValidRune(r) && ok(r) {
			return r
		}
	}
}

// explore runs the automata in lock step from the empty string, breadth
// first, and returns the shortest string for every distinct combination of
// accepting automata (the combination as a bit vector). Each product state
// visited costs one unit of budget; spend reports false when the budget is
// gone, and explore then returns ok false.
func explore(as []*nfa, sigma []rune, spend func() bool) (words []string, vecs [][]uint64, ok bool) {
	if len(as) == 0 {
		return []string{""}, [][]uint64{nil}, true
	}
	off := make([]int, len(as)+1)
	for i, a := range as {
		off[i+1] = off[i] + a.words
	}
	width := off[len(as)]
	type node struct {
		state []uint64
		word  string
	}
	start := make([]uint64, width)
	for i, a := range as {
		a.start(start[off[i]:off[i+1]])
	}
	key := func(s []uint64) string {
		var b strings.Builder
		for _, w := range s {
			for k := 0; k < 8; k++ {
				b.WriteByte(byte(w >> (8 * k)))
			}
		}
		return b.String()
	}
	vw := (len(as) + 63) / 64
	vecOf := func(s []uint64) []uint64 {
		v := make([]uint64, vw)
		for i, a := range as {
			if a.accepts(s[off[i]:off[i+1]]) {
				put(v, i)
			}
		}
		return v
	}
	seen := map[string]bool{key(start): true}
	seenVec := map[string]int{}
	queue := []node{{start, ""}}
	if !spend() {
		return nil, nil, false
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		v := vecOf(n.state)
		if i, ok := seenVec[key(v)]; !ok {
			seenVec[key(v)] = len(words)
			words = append(words, n.word)
			vecs = append(vecs, v)
		} else if words[i] == "" {
			words[i] = n.word // the empty string is a poor witness
		}
		for _, c := range sigma {
			next := make([]uint64, width)
			live := false
			for i, a := range as {
				src := n.state[off[i]:off[i+1]]
				if isZero(src) {
					continue
				}
				a.step(next[off[i]:off[i+1]], src, c)
				live = true
			}
			if !live {
				continue
			}
			k := key(next)
			if seen[k] {
				continue
			}
			seen[k] = true
			if !spend() {
				return nil, nil, false
			}
			queue = append(queue, node{next, n.word + string(c)})
		}
	}
	return words, vecs, true
}

func isZero(s []uint64) bool {
	for _, w := range s {
		if w != 0 {
			return false
		}
	}
	return true
}
