package strictjson

import (
	"bytes"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of arrays and objects Unmarshal accepts;
// deeper input fails with ErrLimit.
const MaxDepth = 512

// Valid checks that data is exactly one JSON value (RFC 8259) with optional
// white space around it, under this package's stricter rules: valid UTF-8,
// no byte order mark, no raw control characters in strings, no escaped lone
// UTF-16 surrogate (RFC 7493 §2.1), nesting at most MaxDepth. It does not
// look at member names; Unmarshal does. The error is an *Error wrapping
// ErrSyntax, ErrTrailingData or ErrLimit, with the position of the first
// offending byte and no path.
func Valid(data []byte) error {
	if e := validate(data); e != nil {
		return e
	}
	return nil
}

// LoneSurrogate returns the byte offset of the first \u escape in data
// that encodes a UTF-16 surrogate without its partner (a high surrogate
// D800–DBFF not followed by an escaped low surrogate DC00–DFFF, or a low
// surrogate with no high one before it), or -1 when there is none. data
// must be valid JSON: outside strings a backslash is not expected, and in
// a string every backslash starts an escape.
func LoneSurrogate(data []byte) int {
	for i := 0; i < len(data); i++ {
		j := bytes.IndexByte(data[i:], '\\')
		if j < 0 {
			return -1
		}
		i += j
		if i+1 >= len(data) || data[i+1] != 'u' {
			i++ // a two-byte escape; skip the escaped byte
			continue
		}
		n, ok := surrogateEscape(data, i)
		if !ok {
			return i
		}
		i += n - 1
	}
	return -1
}

// surrogateEscape looks at the \u escape at data[i]. It returns the number
// of bytes of the escape (12 for a surrogate pair, else 6) and false when
// the escape is a lone surrogate. A malformed escape is not its business:
// it reports 2 bytes and true.
func surrogateEscape(data []byte, i int) (n int, ok bool) {
	r, good := hex4(data, i+2)
	if !good {
		return 2, true
	}
	switch {
	case r >= 0xDC00 && r <= 0xDFFF:
		return 6, false
	case r >= 0xD800 && r <= 0xDBFF:
		if i+12 <= len(data) && data[i+6] == '\\' && data[i+7] == 'u' {
			if lo, good := hex4(data, i+8); good && lo >= 0xDC00 && lo <= 0xDFFF {
				return 12, true
			}
		}
		return 6, false
	}
	return 6, true
}

// hex4 reads four hex digits at data[i:].
func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[i : i+4] {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(data []byte, i int) int {
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	return i
}

// validate is Valid without the interface conversion. It is iterative, so
// deep input costs no stack.
func validate(data []byte) *Error {
	fail := func(off int, sentinel error, msg string) *Error {
		return newError(data, "", off, sentinel, msg)
	}
	// stack holds '{' or '[' for each open container.
	var stack []byte
	i := skipSpace(data, 0)
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		return fail(0, ErrSyntax, "a byte order mark is not allowed")
	}
	for {
		// Expect a value at i.
		if i >= len(data) {
			return fail(i, ErrSyntax, "unexpected end of input; expected a value")
		}
		c := data[i]
		switch {
		case c == '{' || c == '[':
			if len(stack) >= MaxDepth {
				return fail(i, ErrLimit, "nesting is deeper than "+itoa(MaxDepth))
			}
			stack = append(stack, c)
			i = skipSpace(data, i+1)
			if i < len(data) && (c == '[' && data[i] == ']' || c == '{' && data[i] == '}') {
				stack = stack[:len(stack)-1]
				i++
				break // an empty container is a complete value
			}
			if c == '{' {
				var e *Error
				if i, e = objectKey(data, i); e != nil {
					return e
				}
			}
			continue
		case c == '"':
			end, e := scanString(data, i)
			if e != nil {
				return e
			}
			i = end
		case c == '-' || c >= '0' && c <= '9':
			end, ok := scanNumber(data, i)
			if !ok {
				return fail(end, ErrSyntax, "invalid number")
			}
			i = end
		case c == 't':
			if e := literal(data, i, "true"); e != nil {
				return e
			}
			i += 4
		case c == 'f':
			if e := literal(data, i, "false"); e != nil {
				return e
			}
			i += 5
		case c == 'n':
			if e := literal(data, i, "null"); e != nil {
				return e
			}
			i += 4
		default:
			return fail(i, ErrSyntax, "unexpected "+describe(data, i)+"; expected a value")
		}
		// A value ended before i: close containers or move to the next
		// element.
		for {
			i = skipSpace(data, i)
			if len(stack) == 0 {
				if i < len(data) {
					return fail(i, ErrTrailingData, "unexpected "+describe(data, i)+" after the value")
				}
				return nil
			}
			if i >= len(data) {
				return fail(i, ErrSyntax, "unexpected end of input; expected ',' or '"+closer(stack[len(stack)-1])+"'")
			}
			top := stack[len(stack)-1]
			switch data[i] {
			case ',':
				i = skipSpace(data, i+1)
				if top == '{' {
					var e *Error
					if i, e = objectKey(data, i); e != nil {
						return e
					}
				}
			case closer(top)[0]:
				stack = stack[:len(stack)-1]
				i++
				continue
			default:
				return fail(i, ErrSyntax, "unexpected "+describe(data, i)+"; expected ',' or '"+closer(top)+"'")
			}
			break
		}
	}
}

func closer(open byte) string {
	if open == '{' {
		return "}"
	}
	return "]"
}

// objectKey reads `"name" :` at i (after white space) and returns the
// offset of the member's value.
func objectKey(data []byte, i int) (int, *Error) {
	if i >= len(data) || data[i] != '"' {
		if i >= len(data) {
			return i, newError(data, "", i, ErrSyntax, "unexpected end of input; expected a member name")
		}
		return i, newError(data, "", i, ErrSyntax, "unexpected "+describe(data, i)+"; expected a member name in double quotes")
	}
	end, e := scanString(data, i)
	if e != nil {
		return i, e
	}
	i = skipSpace(data, end)
	if i >= len(data) || data[i] != ':' {
		return i, newError(data, "", i, ErrSyntax, "expected ':' after the member name")
	}
	return skipSpace(data, i+1), nil
}

func literal(data []byte, i int, word string) *Error {
	if len(data)-i < len(word) || string(data[i:i+len(word)]) != word {
		return newError(data, "", i, ErrSyntax, "invalid literal; expected "+word)
	}
	return nil
}

// describe names the byte at data[i] for a syntax error.
func describe(data []byte, i int) string {
	c := data[i]
	switch {
	case c >= 0x20 && c < 0x7f:
		return "'" + string(c) + "'"
	case c < 0x80:
		return "control character U+00" + hexByte(c)
	}
	r, n := utf8.DecodeRune(data[i:])
	if r == utf8.RuneError && n <= 1 {
		return "byte 0x" + hexByte(c) + " (invalid UTF-8)"
	}
	return "character " + string(r)
}

func hexByte(c byte) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[c>>4], digits[c&15]})
}

// scanString checks the string starting at data[i] (a '"') and returns the
// offset after its closing quote.
func scanString(data []byte, i int) (int, *Error) {
	start := i
	i++
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			return i + 1, nil
		case c == '\\':
			if i+1 >= len(data) {
				return i, newError(data, "", i, ErrSyntax, "unterminated string")
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if _, ok := hex4(data, i+2); !ok {
					return i, newError(data, "", i, ErrSyntax, `invalid \u escape; expected four hex digits`)
				}
				n, ok := surrogateEscape(data, i)
				if !ok {
					return i, newError(data, "", i, ErrSyntax, "escape "+string(data[i:i+6])+" is a lone UTF-16 surrogate (it encodes no character)")
				}
				i += n
			default:
				return i, newError(data, "", i, ErrSyntax, "invalid escape "+describe(data, i+1))
			}
		case c < 0x20:
			return i, newError(data, "", i, ErrSyntax, "control character U+00"+hexByte(c)+" in a string (escape it)")
		case c < 0x80:
			i++
		default:
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n <= 1 {
				return i, newError(data, "", i, ErrSyntax, "invalid UTF-8 in a string")
			}
			i += n
		}
	}
	return start, newError(data, "", start, ErrSyntax, "unterminated string")
}

// scanNumber checks the number at data[i] and returns the offset after it,
// or the offset of the offending byte and false.
func scanNumber(data []byte, i int) (int, bool) {
	digits := func(i int) (int, bool) {
		j := i
		for j < len(data) && data[j] >= '0' && data[j] <= '9' {
			j++
		}
		return j, j > i
	}
	if data[i] == '-' {
		i++
	}
	if i >= len(data) {
		return i, false
	}
	switch {
	case data[i] == '0':
		i++
	case data[i] >= '1' && data[i] <= '9':
		i, _ = digits(i)
	default:
		return i, false
	}
	var ok bool
	if i < len(data) && data[i] == '.' {
		if i, ok = digits(i + 1); !ok {
			return i, false
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i, ok = digits(i); !ok {
			return i, false
		}
	}
	return i, true
}
