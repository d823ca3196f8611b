package policy

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// These tests aim at the single-pass reader's word-at-a-time shortcuts:
// the NUL padding after the input, white space after a line break stepped
// over a word at a time, the inline loop over a list of actions, the
// resource loop, and the member-name and colon-space shortcuts. Each input
// is checked with checkFastAgrees (the reader accepts nothing the walk
// rejects, builds the walk's document, takes every escape-free document
// the walk takes, and hands out lists capped at their length), and, where
// it is valid UTF-8 JSON, also at MaxSize equal to its minified length in
// characters and one below, so that white space the shortcuts step over
// is counted exactly.

// minifiedChars is the length in characters of data minified by
// encoding/json, an independent measure of a document's size; ok is false
// when data is not valid UTF-8 JSON.
func minifiedChars(data []byte) (n int, ok bool) {
	if !utf8.Valid(data) {
		return 0, false
	}
	var c bytes.Buffer
	if json.Compact(&c, data) != nil {
		return 0, false
	}
	return utf8.RuneCount(c.Bytes()), true
}

// checkFastAgreesAtSize is checkFastAgrees with the default limits and
// with MaxSize at the input's minified length and one below (where the
// input is valid JSON).
func checkFastAgreesAtSize(t *testing.T, data []byte, opts ...Option) {
	t.Helper()
	checkFastAgrees(t, data, opts...)
	if n, ok := minifiedChars(data); ok {
		checkFastAgrees(t, data, append(opts, WithLimits(Limits{MaxSize: n, MaxValues: 2000}))...)
		checkFastAgrees(t, data, append(opts, WithLimits(Limits{MaxSize: n - 1, MaxValues: 2000}))...)
	}
}

// attackIndent returns white space of the shapes the shortcuts handle and
// of the shapes just past them: nothing, one space, a line break and 0 to
// 19 spaces (CRLF too), indentation of 7, 8, 9, 15, 16 and 17 spaces
// (the one- and two-word steps and one past them), tabs after a line
// break, and runs mixing spaces, tabs, CR and LF.
func attackIndent(rng *rand.Rand) string {
	switch rng.IntN(12) {
	case 0, 1:
		return ""
	case 2:
		return "  "
	case 3:
		return " "
	case 4:
		return "\n" + strings.Repeat(" ", rng.IntN(20))
	case 5:
		return "\r\n" + strings.Repeat(" ", rng.IntN(20))
	case 6:
		return "\n" + strings.Repeat("\t", rng.IntN(4))
	case 7:
		return strings.Repeat(" ", []int{7, 8, 9, 15, 16, 17}[rng.IntN(6)])
	case 8:
		return "\n" + strings.Repeat(" ", []int{6, 7, 8, 9, 15, 16, 17}[rng.IntN(7)])
	case 9:
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = " \t\r\n"[rng.IntN(4)]
		}
		return string(b)
	case 10:
		return "\n" + strings.Repeat(" ", rng.IntN(10)) + "\t" + strings.Repeat(" ", rng.IntN(10))
	}
	return "\n\n" + strings.Repeat(" ", rng.IntN(9))
}

// attackAction returns an action: mostly valid "<service>:<action>" of 1
// to 16 bytes a side with wildcards, sometimes "*", sometimes with one odd
// byte (a control byte, NUL, DEL, 0x80-0xFF, ':', '*', '?', a quote, a
// backslash, a space, or a neighbour of the letters) put in or over the
// first or last byte or a word edge (7, 8, 15, 16).
func attackAction(rng *rand.Rand) string {
	if rng.IntN(40) == 0 {
		return "*"
	}
	act := []byte(strings.Repeat("e", 1+rng.IntN(16)) + ":" + strings.Repeat("D", 1+rng.IntN(16)))
	for k := rng.IntN(3); k > 0; k-- {
		if p := rng.IntN(len(act)); act[p] != ':' {
			act[p] = "*?"[rng.IntN(2)]
		}
	}
	if rng.IntN(6) == 0 {
		pos := min([]int{0, len(act) - 1, 7, 8, 15, 16, rng.IntN(len(act))}[rng.IntN(7)], len(act)-1)
		odd := []byte{0x00, 0x09, 0x1f, 0x7f, 0x80, 0xbf, 0xc1, 0xc3, 0xff, ':', '*', '?', '"', '\\', ' ', '/', '@', '[', '`', '{'}
		c := odd[rng.IntN(len(odd))]
		if rng.IntN(2) == 0 {
			act[pos] = c
		} else {
			act = append(act[:pos], append([]byte{c}, act[pos:]...)...)
		}
	}
	return string(act)
}

// attackDocument returns a random document of one to three statements
// (members in random order, action lists of 1 to 6 or about 1,000
// entries, resources with non-ASCII text and many '?', now and then an
// invalid or escaped one), with random white
// space before every token and after the document.
func attackDocument(rng *rand.Rand) string {
	q := func(s string) string { return `"` + s + `"` }
	toks := []string{"{", q("Version"), ":", q("1"), ",", q("Statement"), ":", "["}
	for si := range 1 + rng.IntN(3) {
		if si > 0 {
			toks = append(toks, ",")
		}
		var members [][]string
		members = append(members, []string{q("Effect"), ":", q([]string{"Allow", "Deny"}[rng.IntN(2)])})
		if rng.IntN(3) == 0 {
			members = append(members, []string{q("Sid"), ":", q(strings.Repeat("s", rng.IntN(10)))})
		}
		m := []string{q([]string{"Action", "NotAction"}[rng.IntN(2)]), ":"}
		if rng.IntN(4) == 0 {
			m = append(m, q(attackAction(rng)))
		} else {
			n := 1 + rng.IntN(6)
			if rng.IntN(20) == 0 {
				n = 990 + rng.IntN(20)
			}
			m = append(m, "[")
			for k := range n {
				if k > 0 {
					m = append(m, ",")
				}
				m = append(m, q(attackAction(rng)))
			}
			m = append(m, "]")
		}
		members = append(members, m)
		res := []string{"*", "acs:x", "acs:oss:*:*:b/é/*", "acs:ÄÖ?", "acs:" + strings.Repeat("?", rng.IntN(70))}
		if rng.IntN(20) == 0 {
			res = []string{"ACS:x", "acs:\x7f", "", "acs:\u00e9"}
		}
		m = []string{q([]string{"Resource", "NotResource"}[rng.IntN(2)]), ":"}
		if rng.IntN(2) == 0 {
			m = append(m, q(res[rng.IntN(len(res))]))
		} else {
			m = append(m, "[", q(res[rng.IntN(len(res))]), ",", q(res[rng.IntN(len(res))]), "]")
		}
		members = append(members, m)
		if rng.IntN(3) == 0 {
			members = append(members, []string{q("Condition"), ":", "{", q("StringLike"), ":", "{", q("k"), ":", "[", q("a*"), ",", q("b"), "]", "}", "}"})
		}
		rng.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
		toks = append(toks, "{")
		for k, m := range members {
			if k > 0 {
				toks = append(toks, ",")
			}
			toks = append(toks, m...)
		}
		toks = append(toks, "}")
	}
	toks = append(toks, "]", "}")
	var b strings.Builder
	for _, t := range toks {
		b.WriteString(attackIndent(rng))
		b.WriteString(t)
	}
	b.WriteString(attackIndent(rng))
	return b.String()
}

// Random documents with random indentation, under default limits, at
// their exact size, and under small random limits in every kind; every
// twentieth also with NUL (one, or nine: longer than the padding), white
// space, a high byte, a quote, ':' or '*' inserted at each of its first
// 300 offsets, a NUL written over each byte, and cut at each offset.
func TestAttackFastRandomIndentation(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 1130))
	inserts := []string{"\x00", strings.Repeat("\x00", 9), "\t", "\r", "\n", " ", "\x80", ":", "*", `"`}
	taken := 0
	const docs = 1500
	for it := range docs {
		d := attackDocument(rng)
		data := []byte(d)
		checkFastAgreesAtSize(t, data)
		if fast(data, WithLimits(Limits{MaxSize: 1 << 20, MaxValues: 2000})) != nil {
			taken++
		}
		l := Limits{MaxValues: 1 + rng.IntN(4), MaxWildcards: 1 + rng.IntN(4), MaxDepth: 4 + rng.IntN(4), MaxStatements: 1 + rng.IntN(3)}
		if n, ok := minifiedChars(data); ok {
			l.MaxSize = n - 2 + rng.IntN(4)
		}
		for _, k := range []Kind{Identity, Trust, Session} {
			checkFastAgrees(t, data, WithLimits(l), WithKind(k))
			checkFastAgrees(t, data, WithLimits(l), WithKind(k), Lenient())
		}
		if it%20 != 0 {
			continue
		}
		for i := 0; i <= len(d) && i < 300; i++ {
			for _, s := range inserts {
				checkFastAgrees(t, []byte(d[:i]+s+d[i:]))
			}
			checkFastAgrees(t, data[:i])
			if i < len(d) {
				checkFastAgrees(t, []byte(d[:i]+"\x00"+d[i+1:]))
			}
		}
	}
	// Most documents must reach the end of the fast reader, or the test
	// says nothing about it.
	require.Greater(t, taken, docs/4, "the single-pass reader took %d of %d documents", taken, docs)
}

// The indented system policies, re-indented with CRLF, tabs, and 7, 9, 15
// and 17 spaces before strings, and with the space after each colon
// removed: at every offset (every seventh of the long ones) a NUL (one, or nine), white space, a high
// byte, a quote, ':', '*', '?', a backslash or a comma is inserted or
// written over the byte there, the byte is deleted, or the input is cut.
func TestAttackFastIndentedMutations(t *testing.T) {
	b, err := os.ReadFile("system/AliyunSTSAssumeRoleAccess.json")
	require.NoError(t, err)
	arms, err := os.ReadFile("system/AliyunARMSReadOnlyAccess.json")
	require.NoError(t, err)
	bases := [][]byte{
		b, arms,
		bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")),
		bytes.ReplaceAll(b, []byte("  "), []byte("\t")),
		bytes.ReplaceAll(b, []byte(": "), []byte(":")),
		bytes.ReplaceAll(arms, []byte("        \""), []byte("               \"")),
		bytes.ReplaceAll(arms, []byte("      \""), []byte("       \"")),
		bytes.ReplaceAll(arms, []byte("      \""), []byte("         \"")),
		bytes.ReplaceAll(arms, []byte("      \""), []byte("                 \"")),
	}
	for _, base := range bases {
		require.NotNil(t, fast(base), "a base is not taken by the single-pass reader:\n%s", base)
	}
	inserts := []string{"\x00", strings.Repeat("\x00", 9), "\t", "\r", "\n", " ", "\x80", "\xc3", `"`, ":", "*", "?", `\`, ","}
	checked := 0
	for bi, base := range bases {
		d := string(base)
		step := 1
		if len(d) > 400 {
			step = 7 // the long ones: every seventh offset, a different residue each
		}
		for i := bi % step; i <= len(d); i += step {
			for _, s := range inserts {
				checkFastAgreesAtSize(t, []byte(d[:i]+s+d[i:]))
				if i < len(d) {
					checkFastAgreesAtSize(t, []byte(d[:i]+s+d[i+1:]))
				}
				checked += 2
			}
			if i < len(d) {
				checkFastAgreesAtSize(t, []byte(d[:i]+d[i+1:]))
			}
			checkFastAgrees(t, base[:i])
			checked += 2
		}
	}
	t.Logf("%d inputs", checked)
}
