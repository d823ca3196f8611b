package analysis

import (
	"math/bits"
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
// accepting automata (the combination as a bit vector; the empty string is
// replaced by a longer one of the same combination when there is one). Each
// product state visited costs one unit of budget; spend reports false when
// the budget is gone, and explore then returns ok false.
//
// The automata run bit-parallel (Shift-And): a state set is a bit vector
// of positions, and one step is a shift of the positions whose token takes
// the character, plus the star positions, which stay.
func explore(as []*nfa, sigma []rune, prefix string, spend func() bool) (words []string, vecs [][]uint64, ok bool) {
	if len(as) == 0 {
		return []string{prefix}, [][]uint64{nil}, true
	}
	off := make([]int, len(as)+1)
	for i, a := range as {
		off[i+1] = off[i] + a.words
	}
	width := off[len(as)]
	// masks[sym][off..]: positions whose token accepts sym; star: star
	// positions.
	masks := make([][]uint64, len(sigma))
	for si, c := range sigma {
		m := make([]uint64, width)
		for i, a := range as {
			for ti, t := range a.toks {
				if t.kind == tokAny || t.kind == tokStar || t.kind == tokLit && slices.Contains(t.runes, c) {
					put(m[off[i]:], ti)
				}
			}
		}
		masks[si] = m
	}
	star := make([]uint64, width)
	accept := make([]int, len(as)) // bit index of each automaton's accepting state
	for i, a := range as {
		for ti, t := range a.toks {
			if t.kind == tokStar {
				put(star[off[i]:], ti)
			}
		}
		accept[i] = len(a.toks)
	}
	// shift moves every position of one automaton's segment up by one
	// (within the segment: the top position never carries out, since the
	// accepting state has no token).
	// tail[i] is the position of automaton i's trailing star, or -1. Once
	// that star is reached the automaton accepts whatever follows, so its
	// state collapses to the star and the accepting position: states that
	// differ only in positions that no longer matter become one.
	tail := make([]int, len(as))
	for i, a := range as {
		tail[i] = -1
		if n := len(a.toks); n > 0 && a.toks[n-1].kind == tokStar {
			tail[i] = n - 1
		}
	}
	stepInto := func(dst, src []uint64, m []uint64) {
		for i := range as {
			lo, hi := off[i], off[i+1]
			if hi-lo == 1 {
				// One word: the common case, without carries.
				x := src[lo]
				if x == 0 {
					dst[lo] = 0
					continue
				}
				y := (x&m[lo])<<1 | x&star[lo]
				y |= (y & star[lo]) << 1
				if t := tail[i]; t >= 0 && y&(1<<uint(t)) != 0 {
					y = 3 << uint(t) // accepts every continuation
				}
				dst[lo] = y
				continue
			}
			var carry uint64
			for w := lo; w < hi; w++ {
				x := src[w] & m[w]
				nx := x<<1 | carry
				carry = x >> 63
				dst[w] = nx | src[w]&star[w]
			}
			// closure: a star position also enables the next one.
			carry = 0
			for w := lo; w < hi; w++ {
				x := dst[w] & star[w]
				dst[w] |= x<<1 | carry
				carry = x >> 63
			}
			if t := tail[i]; t >= 0 && has(dst[lo:hi], t) {
				clear(dst[lo:hi])
				put(dst[lo:hi], t)
				put(dst[lo:hi], t+1)
			}
		}
	}
	var states []uint64 // arena: state k is states[k*width:(k+1)*width]
	var parent []int32
	var via []int32
	index := map[string]int32{}
	keyBuf := make([]byte, width*8)
	keyOf := func(s []uint64) []byte {
		for i, w := range s {
			for k := 0; k < 8; k++ {
				keyBuf[i*8+k] = byte(w >> (8 * k))
			}
		}
		return keyBuf
	}
	add := func(s []uint64, from, sym int32) {
		index[string(keyOf(s))] = int32(len(parent))
		states = append(states, s...)
		parent = append(parent, from)
		via = append(via, sym)
	}
	word := func(k int32) string {
		var rs []rune
		for ; parent[k] >= 0; k = parent[k] {
			rs = append(rs, sigma[via[k]])
		}
		slices.Reverse(rs)
		return string(rs)
	}
	start := make([]uint64, width)
	for i := range as {
		put(start[off[i]:], 0)
	}
	// closure of the start state
	for i := range as {
		var carry uint64
		for w := off[i]; w < off[i+1]; w++ {
			x := start[w] & star[w]
			start[w] |= x<<1 | carry
			carry = x >> 63
		}
	}
	// Read the prefix: every word found starts with it.
	for _, r := range prefix {
		si, found := slices.BinarySearch(sigma[:len(sigma)-1], r)
		if !found {
			si = len(sigma) - 1
		}
		tmp := make([]uint64, width)
		stepInto(tmp, start, masks[si])
		start = tmp
	}
	if !spend() {
		return nil, nil, false
	}
	add(start, -1, -1)
	vw := (len(as) + 63) / 64
	vecIndex := map[string]int{}
	var repl []int32 // state of each recorded word
	next := make([]uint64, width)
	vec := make([]uint64, vw)
	litSyms := make([][][]int32, len(as))
	for i, a := range as {
		litSyms[i] = make([][]int32, len(a.toks))
		for ti, t := range a.toks {
			for _, r := range t.runes {
				if si, found := slices.BinarySearch(sigma[:len(sigma)-1], r); found {
					litSyms[i][ti] = append(litSyms[i][ti], int32(si))
				}
			}
		}
	}
	mark := make([]bool, len(sigma))
	var syms []int32
	for k := 0; k < len(parent); k++ {
		cur := states[k*width : (k+1)*width]
		clear(vec)
		for i := range as {
			if has(cur[off[i]:], accept[i]) {
				put(vec, i)
			}
		}
		vk := string(keyOfVec(vec))
		if j, seen := vecIndex[vk]; !seen {
			vecIndex[vk] = len(vecs)
			vecs = append(vecs, slices.Clone(vec))
			repl = append(repl, int32(k))
		} else if parent[repl[j]] < 0 {
			repl[j] = int32(k) // the empty string is a poor witness
		}
		if isZero(cur) {
			continue
		}
		// Only the characters some live literal position names behave
		// differently from the fresh character (the last of sigma).
		syms = syms[:0]
		for i := range as {
			for w := off[i]; w < off[i+1]; w++ {
				for x := cur[w]; x != 0; x &= x - 1 {
					ti := (w-off[i])*64 + bits.TrailingZeros64(x)
					if ti < len(litSyms[i]) {
						for _, si := range litSyms[i][ti] {
							if !mark[si] {
								mark[si] = true
								syms = append(syms, si)
							}
						}
					}
				}
			}
		}
		slices.Sort(syms)
		for _, si := range syms {
			mark[si] = false
		}
		syms = append(syms, int32(len(sigma)-1))
		for _, si := range syms {
			stepInto(next, cur, masks[si])
			if _, seen := index[string(keyOf(next))]; seen {
				continue
			}
			if !spend() {
				return nil, nil, false
			}
			add(next, int32(k), int32(si))
			cur = states[k*width : (k+1)*width] // the arena may have moved
		}
	}
	for _, k := range repl {
		words = append(words, prefix+word(k))
	}
	return words, vecs, true
}

func keyOfVec(v []uint64) []byte {
	b := make([]byte, len(v)*8)
	for i, w := range v {
		for k := 0; k < 8; k++ {
			b[i*8+k] = byte(w >> (8 * k))
		}
	}
	return b
}

func isZero(s []uint64) bool {
	for _, w := range s {
		if w != 0 {
			return false
		}
	}
	return true
}

// exploreGrouped is explore for many patterns of the form
// "<literal prefix up to the k-th ':'>…", as actions ("svc:…", k = 1) and
// resources ("acs:svc:…", k = 2) are written. Two such prefixes that differ
// can never both start one string, so the patterns split into groups by
// that prefix: strings starting with a group's prefix meet only that group
// and the patterns without such a prefix (the rest); strings starting with
// no group's prefix meet only the rest. Each group is explored on its own,
// which keeps the product of automata small. The answer is the same as
// explore's over all patterns, up to which witness represents a class.
func exploreGrouped(pats []string, as []*nfa, colons int, spend func() bool) ([]string, [][]uint64, bool) {
	var keys []string
	groups := map[string][]int{}
	var rest []int
	for i, p := range pats {
		lit := p
		if j := strings.IndexAny(p, "*?"); j >= 0 {
			lit = p[:j]
		}
		end, n := -1, 0
		for j := 0; j < len(lit); j++ {
			if lit[j] == ':' {
				n++
				if n == colons {
					end = j + 1
					break
				}
			}
		}
		if end < 0 {
			rest = append(rest, i)
			continue
		}
		k := lit[:end]
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	vw := (len(as) + 63) / 64
	var words []string
	var vecs [][]uint64
	seen := map[string]int{}
	record := func(ws []string, vs [][]uint64, idx []int, limit int) {
		for j, w := range ws {
			full := make([]uint64, vw)
			for b, i := range idx[:limit] {
				if has(vs[j], b) {
					put(full, i)
				}
			}
			k := string(keyOfVec(full))
			if at, ok := seen[k]; !ok {
				seen[k] = len(words)
				words = append(words, w)
				vecs = append(vecs, full)
			} else if words[at] == "" {
				words[at] = w
			}
		}
	}
	sub := func(idx []int, extra []*nfa) []*nfa {
		out := make([]*nfa, 0, len(idx)+len(extra))
		for _, i := range idx {
			out = append(out, as[i])
		}
		return append(out, extra...)
	}
	// Strings that start with no group's prefix: the rest, plus one
	// automaton per prefix whose words are dropped.
	var blockers []*nfa
	for _, k := range keys {
		blockers = append(blockers, globNFA(k+"*"))
	}
	subAs := sub(rest, blockers)
	ws, vs, ok := explore(subAs, alphabet(subAs, "zyxwvqjk"), "", spend)
	if !ok {
		return nil, nil, false
	}
	var keepW []string
	var keepV [][]uint64
	for j := range ws {
		blocked := false
		for b := len(rest); b < len(subAs); b++ {
			blocked = blocked || has(vs[j], b)
		}
		if !blocked {
			keepW, keepV = append(keepW, ws[j]), append(keepV, vs[j])
		}
	}
	record(keepW, keepV, rest, len(rest))
	for _, k := range keys {
		idx := append(slices.Clone(groups[k]), rest...)
		subAs := sub(idx, nil)
		ws, vs, ok := explore(subAs, alphabet(subAs, "zyxwvqjk"), k, spend)
		if !ok {
			return nil, nil, false
		}
		record(ws, vs, idx, len(idx))
	}
	return words, vecs, true
}
