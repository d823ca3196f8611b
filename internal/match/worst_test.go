package match

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// worstShape is one adversarial (chunk, text) pair for a single '?' chunk
// between stars: a chunk that fits a 6,144-character document and a 64 KiB
// text that never completes it.
type worstShape struct {
	name, chunk, text string
}

func worstShapes() []worstShape {
	const n = 64 << 10
	rep := func(s string) string { return strings.Repeat(s, n/len(s)+1)[:n] }
	rng := rand.New(rand.NewPCG(7, 8))
	noise := func(alpha string, evenA bool) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alpha[rng.IntN(len(alpha))]
			if evenA && i%2 == 0 {
				b[i] = 'a'
			}
		}
		return string(b)
	}
	// irregular: 'a' and '?' at random over 6,000 units, then 'b', against
	// 'a' with a 'c' every 3,001 characters: each 'c' kills only the
	// partial matches that put an 'a' on it, so about a quarter of 6,000
	// stay alive and no period or group helps (the remaining worst shape).
	var irregular strings.Builder
	for range 6000 {
		irregular.WriteByte("a?"[rng.IntN(2)])
	}
	irregular.WriteByte('b')
	// nine distinct segments repeat with period 18: more automata than the
	// segment search runs.
	nine := strings.Repeat("a?b?c?d?e?f?g?h?i?", 333) + "z"
	// runs-62: the worst found within the parser's default limits (64
	// wildcards a pattern): 62 runs of 'a' of distinct lengths, each
	// followed by '?', then 'b' (63 distinct segments).
	var runs strings.Builder
	for i := range 62 {
		runs.WriteString(strings.Repeat("a", 64+i) + "?")
	}
	runs.WriteByte('b')
	return []worstShape{
		{"runs-62", runs.String(), rep(strings.Repeat("a", 3000) + "c")},
		// irregular and nine-distinct have about 3,000 '?': beyond the
		// parser's default limit of 64 wildcards a pattern.
		{"irregular", irregular.String(), rep(strings.Repeat("a", 3000) + "c")},
		{"nine-distinct", nine, rep("axbxcxdxexfxgxhxix")},
		{"period-2", strings.Repeat("ab", 3000) + "?c", rep("ab")},
		{"period-2-broken", strings.Repeat("ab", 3000) + "?c", rep(strings.Repeat("ab", 3000) + "x")},
		{"period-2-broken-half", strings.Repeat("ab", 3000) + "?c", rep(strings.Repeat("ab", 1500) + "x")},
		{"period-3", strings.Repeat("abc", 2000) + "?d", rep("abc")},
		{"period-61", strings.Repeat("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXY", 99) + "?!", rep("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXY")},
		{"questions-then-literal", strings.Repeat("?", 6000) + "a", noise("bcdefghijklmnopqrstuvwxyz", false)},
		{"a?-alternate", strings.Repeat("a?", 3000) + "b", noise("cdefghijklmnopqrstuvwxyz", true)},
		{"run-then-question", strings.Repeat("a", 6000) + "?b", rep("a")},
		{"runs-broken", strings.Repeat("a", 3000) + "?" + strings.Repeat("a", 3000), rep(strings.Repeat("a", 3000) + "b" + strings.Repeat("a", 2000) + "b")},
	}
}

func BenchmarkWorstChunk(b *testing.B) {
	for _, w := range worstShapes() {
		b.Run(w.name, func(b *testing.B) {
			p := MustCompile("*"+w.chunk+"*", false)
			b.SetBytes(int64(len(w.text)))
			b.ReportAllocs()
			for b.Loop() {
				if p.Match(w.text) {
					b.Fatal("matched")
				}
			}
		})
	}
}

func BenchmarkFoldedFirstByte(b *testing.B) {
	text := strings.Repeat("ac", 32<<10)
	for _, pat := range []string{"*ab?" + strings.Repeat("x", 20) + "*", "*ab?x*"} {
		p := MustCompile(pat, true)
		b.Run(strconv.Itoa(len(pat)), func(b *testing.B) {
			for b.Loop() {
				if p.Match(text) {
					b.Fatal("matched")
				}
			}
		})
	}
}
