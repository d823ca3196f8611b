package policy

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The word-at-a-time helpers give, for every byte value at every position
// of a word and whatever its neighbours, what a byte-at-a-time reference
// gives. (A borrow or carry between bytes is the classic mistake of this
// kind of code: the neighbours are chosen to provoke one.)
func TestWordHelpersAgreeWithBytes(t *testing.T) {
	isSpecial := func(b byte) bool { return b == '"' || b == '\\' || b < 0x20 || b >= 0x7f }
	neighbours := []byte{0x00, 0x01, 0x1f, 0x20, 0x21, '"', '\\', 0x7f, 0x80, 0xff, 'a'}
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(w [8]byte) {
		s := string(w[:])
		x := load64(s, 0)
		firstSpecial := -1
		for k := 0; k < 8; k++ {
			if firstSpecial < 0 && isSpecial(w[k]) {
				firstSpecial = k
			}
		}
		// special is exact for the first special byte only.
		m := special(x)
		if firstSpecial < 0 && m != 0 || firstSpecial >= 0 && (m == 0 || trailingZeroBytes(m) != firstSpecial) {
			t.Fatalf("special(%q) = %#x; the first special byte is %d", s, m, firstSpecial)
		}
		if hasControlBytes(s) != hasControl(s) {
			t.Fatalf("hasControl(%q) = %v", s, hasControl(s))
		}
	}
	for pos := 0; pos < 8; pos++ {
		for b := 0; b < 256; b++ {
			for _, n := range neighbours {
				var w [8]byte
				for k := range w {
					w[k] = n
				}
				w[pos] = byte(b)
				check(w)
			}
		}
	}
	for range 200000 {
		var w [8]byte
		for k := range w {
			w[k] = byte(rng.Uint32())
		}
		check(w)
	}
}

func trailingZeroBytes(m uint64) int {
	k := 0
	for m&0xff == 0 {
		m >>= 8
		k++
	}
	return k
}

func hasControlBytes(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// strReference reads a string body at s[i] (an opening quote) byte by
// byte, with the rules of cursor.str: it returns the body, the UTF-8
// continuation bytes in it, and false for a backslash, a control character,
// DEL, invalid UTF-8 or a missing closing quote.
func strReference(s string, i int) (string, int, bool) {
	start := i + 1
	cont := 0
	for j := start; j < len(s); {
		b := s[j]
		switch {
		case b == '"':
			return s[start:j], cont, true
		case b == '\\' || b < 0x20 || b == 0x7f:
			return "", 0, false
		case b < 0x80:
			j++
		default:
			r, n := utf8.DecodeRuneInString(s[j:])
			if r == utf8.RuneError && n <= 1 {
				return "", 0, false
			}
			cont += n - 1
			j += n
		}
	}
	return "", 0, false
}

// cursor.str, which takes eight bytes at a time, reads what the reference
// reads, for strings of every length up to a few words ending at every
// offset of a word, holding every kind of byte.
func TestStrAgreesWithReference(t *testing.T) {
	pieces := []string{"a", "Z", "*", ":", "/", " ", "é", "€", "😀", "\"", "\\", "\x00", "\x1f", "\x7f", "\x80", "\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		var b strings.Builder
		b.WriteString(strings.Repeat(" ", rng.IntN(9)))
		b.WriteByte('"')
		for range rng.IntN(24) {
			if rng.IntN(4) == 0 {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			} else {
				b.WriteByte("abcxyz0189-_."[rng.IntN(13)])
			}
		}
		if rng.IntN(8) != 0 {
			b.WriteByte('"')
		}
		b.WriteString(strings.Repeat(",", rng.IntN(12)))
		data := b.String()
		c := cursor{s: withSentinel([]byte(data)), n: len(data)}
		got, ok := c.str()
		q := strings.IndexByte(data, '"')
		want, cont, wantOK := strReference(data, q)
		require.Equal(t, wantOK, ok, "%q", data)
		if ok {
			require.Equal(t, want, got, "%q", data)
			require.Equal(t, cont, c.cont, "%q", data)
			require.Equal(t, q+1+len(want)+1, c.i, "%q", data)
			require.Equal(t, q+1, c.last, "%q", data)
		}
	}
}

// cursor.skip steps over exactly the white space a byte loop steps over,
// counting it, and stops at the sentinel.
func TestSkipAgreesWithReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 50000 {
		var b strings.Builder
		for range rng.IntN(30) {
			b.WriteByte(" \n\t\r"[rng.IntN(4)])
		}
		want := b.Len()
		if rng.IntN(4) != 0 {
			b.WriteByte("\"{[x\x00\x0b\x0c"[rng.IntN(7)])
			b.WriteString("   ")
		}
		data := b.String()
		c := cursor{s: withSentinel([]byte(data)), n: len(data)}
		next := c.skip()
		require.Equal(t, want, c.i, "%q", data)
		require.Equal(t, want, c.ws, "%q", data)
		if want == len(data) {
			assert.True(t, c.atEnd(), "%q", data)
		} else {
			assert.Equal(t, data[want], next, "%q", data)
		}
	}
}

// The word constants of names.go are the member names they stand for.
func TestNameWords(t *testing.T) {
	word := func(s string) uint64 {
		var b [8]byte
		copy(b[:], s)
		return load64(string(b[:]), 0)
	}
	for w, s := range map[uint64]string{
		wordEffect: `Effect":`, wordAction: `Action":`, wordResource: "Resource", wordConditio: "Conditio",
		wordPrincipa: "Principa", wordNotActio: "NotActio", wordNotResou: "NotResou", wordSid: `Sid":`,
		wordAllow: `"Allow"`, wordDeny: `"Deny"`, wordStar: `"*"`,
	} {
		assert.Equal(t, word(s), w, s)
	}
}
