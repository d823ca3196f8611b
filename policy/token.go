package policy

import (
	"math/bits"
	"unicode/utf8"
	"unsafe"

	"github.com/ramauthz/ramauthz/internal/strhash"
)

// token.go is the tokenizer of the single-pass reader (fast.go): a cursor
// over one string holding a copy of the input, from which the document's
// strings are sliced.
//
// The reader accepts a deliberately small JSON: objects, arrays and strings
// without escapes or control characters, which is every valid policy
// document written without backslashes. Anything else (a number, true,
// false, null, an escape, a syntax error, a limit exceeded) makes it give up,
// and Parse hands the input to the diagnosing walk (parser.go), which
// accepts escapes and reports errors with their exact position.

// byteClass classifies the bytes of a string's body for the string loop:
// 0 is an ordinary byte, classQuote ends the string, classStop is a byte the
// reader does not take (a backslash or a control character, DEL included),
// classHigh a byte above 0x7F, which starts (or continues) a multi-byte
// UTF-8 character.
var byteClass = func() (t [256]uint8) {
	for c := 0; c < 0x20; c++ {
		t[c] = classStop
	}
	t[0x7f] = classStop // DEL: no element of a valid document takes it
	t['\\'] = classStop
	t['"'] = classQuote
	for c := 0x80; c < 0x100; c++ {
		t[c] = classHigh
	}
	return t
}()

const (
	classQuote = 1 + iota
	classStop
	classHigh
)

// cursor reads JSON tokens from s, which holds the input followed by NUL
// bytes (withSentinel): the first, at s[n], is a sentinel: every loop over
// s stops at it (a NUL is neither white space nor a character a string
// may hold), so none needs a check for the end of s beside the one Go
// makes for memory safety. Every method reports false when the input is
// not what it expects; the cursor is then in no useful state.
type cursor struct {
	s        string
	n        int // the input's length: s[n] is the sentinel, s[n:] all NUL
	i        int
	ws       int // white-space bytes outside strings
	cont     int // UTF-8 continuation bytes inside strings
	depth    int
	maxDepth int
	last     int // offset of the body of the string str read last
}

// padding is the number of NUL bytes withSentinel puts after the input:
// the sentinel and seven more, so that an eight-byte load at any offset
// up to the sentinel's stays within the text. The word loops (skip, str,
// the fast reader's actions) therefore need no test for the end of the
// text: they stop at the sentinel, which none of them steps over.
const padding = 8

// withSentinel returns a copy of data followed by padding NUL bytes, made
// in one allocation: the text of a cursor.
func withSentinel(data []byte) string {
	b := make([]byte, len(data)+padding) // the padding is make's zeroes
	copy(b, data)
	return unsafe.String(&b[0], len(b)) // b is not written again
}

// skip steps over white space and returns the next byte (0 at the end).
// Indented documents put a line break and a run of spaces before most
// tokens: the line break and the spaces after it go a word at a time, and
// the word holding the first other byte is counted in one step (its
// leading spaces are its trailing zero bytes once spaces are XOR-ed out).
// Tabs, carriage returns and line breaks elsewhere in a run take one more
// turn of the loop each.
func (c *cursor) skip() byte {
	s, i := c.s, c.i
	for {
		x := load64(s, i) ^ (ones * ' ') // in bounds: i is at most the sentinel's offset
		if x&0xff == '\n'^' ' {
			x &^= 0xff // a line break first: step over it with the spaces
		}
		if x == 0 {
			i += 8
			continue
		}
		i += bits.TrailingZeros64(x) >> 3
		// Usually a token's first byte, above ' ': one comparison. (A
		// space cannot be here: it was XOR-ed to zero.)
		if b := s[i]; b > ' ' || b != '\n' && b != '\t' && b != '\r' {
			c.ws += i - c.i
			c.i = i
			return b
		}
		i++ // a tab, a carriage return, or a line break not first in its word
	}
}

// atEnd skips white space and reports whether the input is used up. (A
// NUL byte is not the end: peek returns 0 for both.)
func (c *cursor) atEnd() bool {
	c.skip()
	return c.i == c.n
}

// peek skips white space and returns the next byte, or 0 at the end. A 0
// is also what a NUL byte in the input returns: use atEnd for the end.
// It is small enough to be inlined: skip is called only when there is
// white space to skip.
func (c *cursor) peek() byte {
	if b := c.s[c.i]; b > ' ' {
		return b
	}
	return c.skip()
}

// str reads a string and returns its body, a slice of s. It checks the
// body as it goes: no backslash, control character or DEL, and valid UTF-8
// (the reader validates the input's encoding here, in the only place a
// byte above 0x7F can appear in a document it takes). Eight bytes at a
// time, it steps over ordinary ASCII with a few word operations (see
// special).
func (c *cursor) str() (string, bool) {
	if c.peek() != '"' {
		return "", false
	}
	s := c.s
	start := c.i + 1
	c.last = start
	j := start
	for {
		m := special(load64(s, j)) // in bounds: the sentinel stops the loop
		if m == 0 {
			j += 8
			continue
		}
		j += bits.TrailingZeros64(m) >> 3
		switch b := s[j]; byteClass[b] { // special is exact for its lowest byte
		case classQuote:
			c.i = j + 1
			return s[start:j], true
		case classHigh: // a byte above 0x7F: the start of a multi-byte character
			r, n := utf8.DecodeRuneInString(s[j:])
			if r == utf8.RuneError && n <= 1 {
				return "", false
			}
			c.cont += n - 1
			j += n
		default: // a backslash, a control character, DEL, or the sentinel
			return "", false
		}
	}
}

// Word constants of special: a byte repeated eight times.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// special returns a word whose lowest set bit is the high bit of the first
// (lowest) byte of w that the string loop must look at: '"', '\\', a
// control character, DEL, or a byte above 0x7F. It is 0 when there is none.
// Bits above the lowest may be set for bytes that are not special (a borrow
// or carry crosses into the next byte), so only the lowest is meaningful.
// Each subtraction sets a byte's high bit when the byte is below the
// constant (0 after the XOR, or below 0x20) or already has it, and borrows
// only from a byte above a flagged one; the addition of one sets it for DEL
// (and for 0x80 to 0xFE, which w itself flags), and carries only from 0xFF,
// also flagged by w.
func special(w uint64) uint64 {
	q := w ^ (ones * '"')
	b := w ^ (ones * '\\')
	return ((q - ones) | (b - ones) | (w + ones) | (w - ones*0x20) | w) & highs
}

// load64 reads the eight bytes of s from i on as a little-endian word
// (strhash.Load64, the library's one such read; one load once inlined).
// Slicing exactly eight bytes leaves the compiler one bounds test and no
// length arithmetic.
func load64(s string, i int) uint64 { return strhash.Load64(s[i : i+8]) }

// open reads the bracket b ('{' or '['), one level deeper.
func (c *cursor) open(b byte) bool {
	if c.peek() != b {
		return false
	}
	c.i++
	c.depth++
	return c.depth <= c.maxDepth
}

// next steps to the next member or element of an object or array opened
// by open, whose closing bracket is end ('}' or ']'). first is true for
// the first call on the object or array. done is true (with ok) at the
// closing bracket.
func (c *cursor) next(first bool, end byte) (done, ok bool) {
	switch c.peek() {
	case end:
		c.i++
		c.depth--
		return true, true
	case ',':
		if first {
			return false, false
		}
		c.i++
	default:
		if !first {
			return false, false
		}
	}
	return false, true
}

// What sep reads after a member or element.
const (
	sepBad  = iota // neither a comma nor the closing bracket
	sepMore        // a comma: another member or element follows
	sepEnd         // the closing bracket
)

// sep reads what follows a member or element of an object or array opened
// by open, whose closing bracket is end ('}' or ']'), and says which it
// was. It is next for a loop that reads its first member or element before
// the first call. A comma right after the member, the usual case, is read
// inline; anything else by sepSlow.
func (c *cursor) sep(end byte) int {
	if c.s[c.i] == ',' {
		c.i++
		return sepMore
	}
	return c.sepSlow(end)
}

func (c *cursor) sepSlow(end byte) int {
	switch c.peek() {
	case ',':
		c.i++
		return sepMore
	case end:
		c.i++
		c.depth--
		return sepEnd
	}
	return sepBad
}

// key reads the next member name of an object opened by open('{'), and
// the colon after it; see next for first and done.
func (c *cursor) key(first bool) (name string, done, ok bool) {
	if done, ok = c.next(first, '}'); done || !ok {
		return "", done, ok
	}
	name, ok = c.name()
	return name, false, ok
}

// name reads a member name and the colon after it.
func (c *cursor) name() (string, bool) {
	name, ok := c.str()
	if !ok || c.peek() != ':' {
		return "", false
	}
	c.i++
	return name, true
}

// elem steps to the next element of an array opened by open('['); see
// next for first and done.
func (c *cursor) elem(first bool) (done, ok bool) { return c.next(first, ']') }

// size is the minified length in characters of what has been read: every
// byte but white space outside strings and UTF-8 continuation bytes (the
// reader takes no escapes, so this is what scan measures).
func (c *cursor) size() int { return c.i - c.ws - c.cont }
