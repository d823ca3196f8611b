package signature

import (
	"net/url"
	"slices"
	"strings"
)

// This file holds the canonical forms both signature versions sign: RFC 3986
// percent-encoding, the sorted parameter string, the canonical URI, and the
// strict parsing of a query or form body into parameters. Signing (sign.go)
// and verifying (verify.go) build the same strings from here, so there is one
// definition of each.

const upperHex = "0123456789ABCDEF"

// unreserved reports whether c is left as is by percentEncode: RFC 3986's
// unreserved set, letters, digits and "-_.~".
func unreserved(c byte) bool { return unreservedTable[c] }

// unreservedTable is unreserved as a table, one lookup per byte of the
// canonical strings.
var unreservedTable = func() (t [256]bool) {
	for c := range t {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~'
	}
	return t
}()

// appendPercentEncoded appends s to b with every byte outside the unreserved
// set written as %XX (upper-case hex): a space is %20, never '+', and '*' is
// %2A. This is the encoding of Alibaba's signature documents (V1 "percentEncode",
// V3 canonical query string and URI) and what the SDK signers produce.
func appendPercentEncoded[T string | []byte](b []byte, s T) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return b
}

func percentEncode(s string) string { return string(appendPercentEncoded(nil, s)) }

// param is one decoded request parameter.
type param struct{ key, value string }

// params is a request's parameters in the order they appeared.
type params []param

func (ps params) get(key string) (string, bool) {
	for _, p := range ps {
		if p.key == key {
			return p.value, true
		}
	}
	return "", false
}

// values returns the parameters as url.Values (a fresh map the caller owns).
func (ps params) values() url.Values {
	v := make(url.Values, len(ps))
	backing := make([]string, len(ps)) // one allocation for all the one-value slices
	for i, p := range ps {
		backing[i] = p.value
		v[p.key] = backing[i : i+1 : i+1]
	}
	return v
}

// parseParams decodes a query string or an application/x-www-form-urlencoded
// body the way net/url does ('+' is a space, %XX a byte), but strictly: a
// malformed escape, a ';', or a key that appears twice (in raw or already in
// into) is an error instead of a pair silently dropped or a value silently
// chosen, so a handler that reads the request with url.ParseQuery or
// Request.FormValue sees exactly the values that were signed. The pairs are
// appended to into; a value without escapes is a substring of raw, not a
// copy, and the decoded ones share one allocation.
func parseParams(raw string, into params) (params, bool) {
	var text arena
	return decodeParams(raw, into, &text, len(raw))
}

// decodeParams is parseParams of raw, decoding escaped keys and values
// into text (a form body is first copied into it with appendToArena, so
// that its plain keys and values are substrings of that copy). When text
// has to allocate, it takes at least reserve bytes (an upper bound of what
// the calls sharing it write), so that a request's decoded parameters cost
// one allocation; a key or value without escapes is a substring of raw.
func decodeParams(raw string, into params, text *arena, reserve int) (params, bool) {
	if into == nil {
		into = make(params, 0, strings.Count(raw, "&")+1)
	}
	from := len(into) // into has no repeated key: compare only the new ones
	for raw != "" {
		// One pass over the pair finds its end, its first '=', a ';' and
		// whether its key or its value needs decoding: a tight loop over
		// the plain bytes, a switch only at the few special ones.
		eq, i := -1, 0
		var escKey, escValue bool
	scan:
		for ; i < len(raw); i++ {
			c := raw[i]
			if paramByteClass[c] == classPlain {
				continue
			}
			switch paramByteClass[c] {
			case classAmp:
				break scan
			case classEq:
				if eq < 0 {
					eq = i
				}
			case classSemicolon:
				return nil, false
			case classEscape:
				escKey = escKey || eq < 0
				escValue = escValue || eq >= 0
			}
		}
		pair := raw[:i]
		raw = raw[min(i+1, len(raw)):]
		if pair == "" {
			continue
		}
		k, v := pair, ""
		if eq >= 0 {
			k, v = pair[:eq], pair[eq+1:]
		}
		key, value, ok := k, v, true
		if escKey {
			key, ok = decodeComponent(k, text, reserve)
		}
		if escValue && ok {
			value, ok = decodeComponent(v, text, reserve)
		}
		if !ok || key == "" {
			return nil, false
		}
		into = append(into, param{key, value})
	}
	if hasDuplicateKeyFrom(into, from) {
		return nil, false
	}
	return into, true
}

// The classes of paramByteClass: the bytes decodeParams stops at.
const (
	classPlain = iota
	classAmp
	classEq
	classSemicolon
	classEscape // '%' or '+'
)

// paramByteClass classifies each byte of a query for decodeParams.
var paramByteClass = func() (t [256]uint8) {
	t['&'], t['='], t[';'], t['%'], t['+'] = classAmp, classEq, classSemicolon, classEscape, classEscape
	return t
}()

// appendToArena copies b into text (see decodeParams) and returns the
// copy.
func appendToArena(text *arena, b []byte, reserve int) string {
	text.reserve(len(b), reserve)
	start := len(text.buf)
	text.buf = append(text.buf, b...)
	return text.from(start)
}

// decodeComponent decodes one query component as url.QueryUnescape does
// ('+' is a space; '%' must start two hex digits): s itself when it has no
// escape, else its decoding written to text.
func decodeComponent(s string, text *arena, reserve int) (string, bool) {
	i := 0
	for i < len(s) && s[i] != '%' && s[i] != '+' {
		i++
	}
	if i == len(s) {
		return s, true
	}
	text.reserve(len(s), reserve)
	// The decoding is built in a local slice over the arena's spare room
	// and stored back once.
	b := text.buf
	start := len(b)
	b = append(b, s[:i]...)
	for i < len(s) {
		switch s[i] {
		case '+':
			b = append(b, ' ')
			i++
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", false
			}
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 3
		default:
			j := i + 1
			for j < len(s) && s[j] != '%' && s[j] != '+' {
				j++
			}
			b = append(b, s[i:j]...)
			i = j
		}
	}
	text.buf = b
	return text.from(start), true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// hasDuplicateKey reports whether two parameters share a key: by comparing
// every pair for a few parameters (no allocation), by sorting the keys for
// more, so that a form of a million parameters costs n log n, not n².
func hasDuplicateKey(ps params) bool { return hasDuplicateKeyFrom(ps, 0) }

// hasDuplicateKeyFrom is hasDuplicateKey of ps when ps[:from] is known to
// have no repeated key: only the pairs with a later parameter are compared.
func hasDuplicateKeyFrom(ps params, from int) bool {
	if len(ps) <= 16 {
		for i := max(from, 1); i < len(ps); i++ {
			for j := range i {
				if ps[i].key == ps[j].key {
					return true
				}
			}
		}
		return false
	}
	keys := make([]string, len(ps))
	for i, p := range ps {
		keys[i] = p.key
	}
	slices.Sort(keys)
	for i := 1; i < len(keys); i++ {
		if keys[i] == keys[i-1] {
			return true
		}
	}
	return false
}

func compareParams(a, b param) int { return strings.Compare(a.key, b.key) }

// appendCanonicalParams appends the sorted "key=value&..." string, keys and
// values percent-encoded, skipping the key skip (V1's Signature). Keys must
// be unique (parseParams sees to it). Up to 16 parameters are sorted by
// their positions on the stack.
func appendCanonicalParams(b []byte, ps params, skip string) []byte {
	start := len(b)
	var order [16]uint8
	if len(ps) > len(order) {
		for _, p := range slices.SortedFunc(slices.Values(ps), compareParams) {
			b = appendCanonicalParam(b, start, p, skip)
		}
		return b
	}
	// Insertion sort of the positions: for a few keys, cheaper than a sort
	// through a comparison function, and it moves no pointers (no write
	// barriers while the collector runs).
	for i := range ps {
		j := i
		for ; j > 0 && ps[i].key < ps[order[j-1]].key; j-- {
			order[j] = order[j-1]
		}
		order[j] = uint8(i)
	}
	for _, i := range order[:len(ps)] {
		b = appendCanonicalParam(b, start, ps[i], skip)
	}
	return b
}

// appendCanonicalParam appends "key=value", percent-encoded, after a '&'
// unless it is the first pair since start; nothing when the key is skip.
func appendCanonicalParam(b []byte, start int, p param, skip string) []byte {
	if p.key == skip {
		return b
	}
	if len(b) > start {
		b = append(b, '&')
	}
	b = appendPercentEncoded(b, p.key)
	b = append(b, '=')
	return appendPercentEncoded(b, p.value)
}

const formType = "application/x-www-form-urlencoded"

// isForm reports whether a Content-Type value is
// application/x-www-form-urlencoded, with or without parameters.
func isForm(contentType string) bool {
	if contentType == formType {
		return true // as the SDKs send it
	}
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mt), formType)
}

// canonicalURI returns V3's canonical URI of an escaped path: each segment
// between '/' characters decoded and percent-encoded again, so an encoded
// '/' (%2F) inside a segment stays distinct from a separator and every
// spelling of the same segment ('%7E' or '~', '%41' or 'A') canonicalizes to
// one form. An empty path is "/". ok is false for a malformed escape.
func canonicalURI(escapedPath string) (string, bool) {
	if escapedPath == "" {
		return "/", true
	}
	// Most paths are already canonical: only unreserved bytes and '/'.
	canonical := true
	for i := 0; i < len(escapedPath) && canonical; i++ {
		canonical = escapedPath[i] == '/' || unreserved(escapedPath[i])
	}
	if canonical {
		return escapedPath, true
	}
	b := make([]byte, 0, len(escapedPath)+8)
	for i, seg := range strings.Split(escapedPath, "/") {
		if i > 0 {
			b = append(b, '/')
		}
		dec, err := url.PathUnescape(seg)
		if err != nil {
			return "", false
		}
		b = appendPercentEncoded(b, dec)
	}
	return string(b), true
}
