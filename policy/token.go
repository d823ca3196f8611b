package policy

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
// reader does not take (a backslash or a control character, DEL included), classCont a
// UTF-8 continuation byte (not a character of its own in the minified
// size).
var byteClass = func() (t [256]uint8) {
	for c := 0; c < 0x20; c++ {
		t[c] = classStop
	}
	t[0x7f] = classStop // DEL: no element of a valid document takes it
	t['\\'] = classStop
	t['"'] = classQuote
	for c := 0x80; c < 0xC0; c++ {
		t[c] = classCont
	}
	return t
}()

const (
	classQuote = 1 + iota
	classStop
	classCont
)

// cursor reads JSON tokens from s. Every method reports false when the
// input is not what it expects; the cursor is then in no useful state.
type cursor struct {
	s        string
	i        int
	ws       int // white-space bytes outside strings
	cont     int // UTF-8 continuation bytes inside strings
	depth    int
	maxDepth int
}

// skip steps over white space.
func (c *cursor) skip() {
	s, i := c.s, c.i
	for i < len(s) && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r') {
		i++
	}
	c.ws += i - c.i
	c.i = i
}

// atEnd skips white space and reports whether the input is used up. (A
// NUL byte is not the end: peek returns 0 for both.)
func (c *cursor) atEnd() bool {
	c.skip()
	return c.i == len(c.s)
}

// peek skips white space and returns the next byte, or 0 at the end. A 0
// is also what a NUL byte in the input returns: use atEnd for the end.
func (c *cursor) peek() byte {
	c.skip()
	if c.i < len(c.s) {
		return c.s[c.i]
	}
	return 0
}

// str reads a string and returns its body, a slice of s.
func (c *cursor) str() (string, bool) {
	if c.peek() != '"' {
		return "", false
	}
	s := c.s
	start := c.i + 1
	for j := start; j < len(s); j++ {
		switch byteClass[s[j]] {
		case 0:
		case classQuote:
			c.i = j + 1
			return s[start:j], true
		case classCont:
			c.cont++
		default:
			return "", false
		}
	}
	return "", false
}

// open reads the bracket b ('{' or '['), one level deeper.
func (c *cursor) open(b byte) bool {
	if c.peek() != b {
		return false
	}
	c.i++
	c.depth++
	return c.depth <= c.maxDepth
}

// key reads the next member name of an object opened by open('{'), and
// the colon after it. first is true for the first call on an object. done
// is true (with ok) at the closing brace.
func (c *cursor) key(first bool) (name string, done, ok bool) {
	switch c.peek() {
	case '}':
		c.i++
		c.depth--
		return "", true, true
	case ',':
		if first {
			return "", false, false
		}
		c.i++
	default:
		if !first {
			return "", false, false
		}
	}
	name, ok = c.str()
	if !ok || c.peek() != ':' {
		return "", false, false
	}
	c.i++
	return name, false, true
}

// elem steps to the next element of an array opened by open('['). first
// is true for the first call on an array. done is true (with ok) at the
// closing bracket.
func (c *cursor) elem(first bool) (done, ok bool) {
	switch c.peek() {
	case ']':
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

// size is the minified length in characters of what has been read: every
// byte but white space outside strings and UTF-8 continuation bytes (the
// reader takes no escapes, so this is what scan measures).
func (c *cursor) size() int { return c.i - c.ws - c.cont }
